// alarm.active and alarm.severity in the filter language: parsed as fields (not parameter paths),
// printed back, checked (a count, a known severity, no text operators, no sort), and evaluated in
// memory with severities in their order. test/store/alarms.test.ts holds the SQL to the same answers.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { analyze, evaluate, filterDevice, FilterError, parse, print, resolveSort, type FilterDevice } from "../../src/query/index.js";

const NOW = new Date(Date.UTC(2024, 4, 1, 12, 0, 0));

function device(alarms?: FilterDevice["alarms"]): FilterDevice {
  const base = filterDevice({
    id: "D1", oui: "00D09E", productClass: "HGW", serialNumber: "S1", manufacturer: "Acme", cwmpVersion: "1.4", credentials: "own",
    registeredAt: NOW, lastInformAt: NOW, lastBootAt: null, lastBootstrapAt: null, tags: [],
  }, []);
  return alarms === undefined ? base : { ...base, alarms };
}

const matches = (filter: string, d: FilterDevice) => evaluate(parse(filter), d, { now: NOW });

describe("alarm fields", () => {
  test("parse as fields whatever their case, print back, and are read by the filter", () => {
    assert.deepEqual(parse('Alarm.Severity >= "major"'), { kind: "compare", target: { kind: "field", name: "alarm.severity" }, op: ">=", value: { kind: "string", value: "major" } });
    assert.equal(print(parse("alarm.active > 0 AND alarm.severity IN (\"critical\", \"major\")")), 'alarm.active > 0 AND alarm.severity IN ("critical", "major")');
    assert.deepEqual(analyze(parse("alarm.active = 0 OR Device.X.Y = 1")).fields, ["alarm.active"]);
  });

  test("refuse what cannot be compared, and sorting", () => {
    const fails = (text: string, re: RegExp) => assert.throws(() => parse(text), (e: unknown) => e instanceof FilterError && e.code === "FILTER_TYPE" && re.test(e.reason), text);
    fails('alarm.active = "2"', /count of active alarms/);
    fails('alarm.severity = "fatal"', /one of "critical", "major", "minor", "warning"/);
    fails("alarm.severity > 2", /one of/);
    fails('alarm.severity ^= "ma"', /applies to text/);
    assert.throws(() => resolveSort([{ field: "alarm.active" }]), (e: unknown) => e instanceof FilterError && e.code === "FILTER_SORT");
  });

  test("alarm.active counts the active alarms; no alarms known is none", () => {
    const two = device({ active: 2, severity: "minor" });
    for (const [f, d, expected] of [
      ["alarm.active > 0", two, true], ["alarm.active = 2", two, true], ["alarm.active IN (1, 3)", two, false], ["alarm.active < 1", device(), true],
      ["alarm.active = 0", device({ active: 0, severity: null }), true], ["alarm.active EXISTS", device(), true],
    ] as const) assert.equal(matches(f, d), expected, f);
  });

  test("alarm.severity compares the highest in order critical > major > minor > warning; without one every comparison is false", () => {
    const major = device({ active: 3, severity: "major" });
    const none = device({ active: 0, severity: null });
    for (const [f, d, expected] of [
      ['alarm.severity = "major"', major, true], ['alarm.severity >= "minor"', major, true], ['alarm.severity > "major"', major, false],
      ['alarm.severity < "critical"', major, true], ['alarm.severity != "warning"', major, true], ['alarm.severity IN ("critical", "major")', major, true],
      ['alarm.severity != "warning"', none, false], ['alarm.severity < "critical"', none, false], ['NOT alarm.severity = "major"', none, true],
      ["alarm.severity EXISTS", major, true], ["alarm.severity EXISTS", none, false],
    ] as const) assert.equal(matches(f, d), expected, f);
  });
});
