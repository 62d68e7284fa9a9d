// Alarm rule evaluation, without I/O: comparisons, hysteresis, durations, event windows, silence,
// diagnostic results, and the conditions a rule may not have.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compare, conditionProblems, diagnosticVerdict, fleetFilter, fleetVerdict,
 durationPassed, eventStep, highestSeverity, severityRank, silentFrom, valueStep, valueVerdict,
  type OpenAlarm, type ValueCondition,
} from "../../src/alarms/index.js";

const T0 = new Date("2026-05-01T00:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

describe("alarm rules", () => {
  it("compares numbers, texts and regular expressions; an ordered comparison of a non-number is unknown", () => {
    assert.equal(compare(">", "81", 80), true);
    assert.equal(compare(">", "80", 80), false);
    assert.equal(compare(">=", "80", 80), true);
    assert.equal(compare("<", "-3.5", -3), true);
    assert.equal(compare("<=", "N/A", 3), null);
    assert.equal(compare("==", "1.0", 1), true);
    assert.equal(compare("==", "Up", "Up"), true);
    assert.equal(compare("!=", "Down", "Up"), true);
    assert.equal(compare("~", "Error_Timeout", "^Error_"), true);
    assert.equal(compare("~", "Complete", "^Error_"), false);
  });

  it("raises above the raise threshold, clears only at or below the clear threshold (hysteresis)", () => {
    const c: ValueCondition = { kind: "value", path: "Device.X.Temp", op: ">", raise: 80, clear: 70 };
    assert.equal(valueVerdict(c, "81"), "raise");
    assert.equal(valueVerdict(c, "75"), "hold");
    assert.equal(valueVerdict(c, "70"), "clear");
    assert.equal(valueVerdict(c, "garbage"), "hold");
    const active: OpenAlarm = { state: "active", since: at(0) };
    assert.equal(valueStep(c, "81", null, at(0)), "raise");
    assert.equal(valueStep(c, "75", null, at(0)), "none", "the band alone raises nothing");
    assert.equal(valueStep(c, "75", active, at(1)), "none", "the band keeps an active alarm");
    assert.equal(valueStep(c, "85", active, at(1)), "repeat");
    assert.equal(valueStep(c, "70", active, at(2)), "clear");
    // Without a clear threshold, the raise threshold clears: no band.
    const plain: ValueCondition = { kind: "value", path: "Device.X.Temp", op: "<", raise: 10 };
    assert.equal(valueStep(plain, "10", active, at(1)), "clear");
    assert.equal(valueStep(plain, "9", active, at(1)), "repeat");
    const eq: ValueCondition = { kind: "value", path: "Device.X.Status", op: "==", raise: "Down" };
    assert.equal(valueStep(eq, "Down", null, at(0)), "raise");
    assert.equal(valueStep(eq, "Up", active, at(0)), "clear");
  });

  it("a duration: pending until the condition has held for forSeconds, dropped when a report breaks the run", () => {
    const c: ValueCondition = { kind: "value", path: "Device.X.Temp", op: ">", raise: 80, clear: 70, forSeconds: 60 };
    assert.equal(valueStep(c, "90", null, at(0)), "pend");
    const pending: OpenAlarm = { state: "pending", since: at(0) };
    assert.equal(valueStep(c, "90", pending, at(59)), "none");
    assert.equal(valueStep(c, "90", pending, at(60)), "raise", "exactly the duration is enough");
    assert.equal(valueStep(c, "75", pending, at(30)), "drop", "the band breaks a run that never raised");
    assert.equal(valueStep(c, "60", pending, at(30)), "drop");
    assert.equal(durationPassed(60, at(0), at(59.999)), false);
    assert.equal(durationPassed(60, at(0), at(60)), true);
    assert.equal(durationPassed(undefined, at(0), at(0)), true);
  });

  it("counts an event code in a sliding window; repeats only on an Inform that carries it", () => {
    const c = { kind: "event" as const, code: "1 BOOT", count: 3, windowSeconds: 3600 };
    const boots = (...s: number[]) => s.map((x) => ({ code: "1 BOOT", at: at(x) })).reverse();
    assert.equal(eventStep(c, boots(0, 100), true, null, at(100)), "none");
    assert.equal(eventStep(c, boots(0, 100, 200), true, null, at(200)), "raise");
    const open: OpenAlarm = { state: "active", since: at(200) };
    assert.equal(eventStep(c, boots(0, 100, 200, 300), true, open, at(300)), "repeat");
    assert.equal(eventStep(c, [{ code: "2 PERIODIC", at: at(301) }, ...boots(0, 100, 200, 300)], false, open, at(301)), "none");
    // An hour after the second boot only two remain in the window: cleared.
    assert.equal(eventStep(c, boots(0, 100, 200), false, open, at(3700)), "clear");
    assert.equal(eventStep(c, boots(0, 100, 200), false, open, at(3600)), "none", "the window's start is included");
    assert.equal(eventStep(c, [{ code: " 1 BOOT ", at: at(1) }, ...boots(0, 2)], true, null, at(2)), "raise", "codes compare trimmed");
  });

  it("silence: the device's periodic interval times the count, else the rule's interval", () => {
    const c = { kind: "silence" as const, intervals: 3, intervalSeconds: 600 };
    assert.deepEqual(silentFrom(c, at(0), 300), at(900));
    assert.deepEqual(silentFrom(c, at(0), null), at(1800));
    assert.deepEqual(silentFrom(c, at(0), 0), at(1800), "an interval of 0 (periodic Informs off) is no interval");
  });

  it("diagnostics: a run that did not complete, or a result beyond a threshold", () => {
    const failed = { kind: "diagnostic" as const, diagnostic: "ipPing" };
    assert.equal(diagnosticVerdict(failed, { kind: "ipPing", status: "error", results: null }), "raise");
    assert.equal(diagnosticVerdict(failed, { kind: "ipPing", status: "timeout", results: null }), "raise");
    assert.equal(diagnosticVerdict(failed, { kind: "ipPing", status: "complete", results: null }), "clear");
    assert.equal(diagnosticVerdict(failed, { kind: "ipPing", status: "cancelled", results: null }), null);
    assert.equal(diagnosticVerdict(failed, { kind: "traceRoute", status: "error", results: null }), null);
    const slow = { kind: "diagnostic" as const, diagnostic: "ipPing", field: "AverageResponseTime", op: ">" as const, threshold: 100 };
    assert.equal(diagnosticVerdict(slow, { kind: "ipPing", status: "complete", results: { results: { AverageResponseTime: 150 } } }), "raise");
    assert.equal(diagnosticVerdict(slow, { kind: "ipPing", status: "complete", results: { results: { AverageResponseTime: 20 } } }), "clear");
    assert.equal(diagnosticVerdict(slow, { kind: "ipPing", status: "complete", results: { results: {} } }), null);
    assert.equal(diagnosticVerdict(slow, { kind: "ipPing", status: "error", results: null }), null);
  });

  it("fleet: a group raises above its share of alarmed devices, and only when big enough", () => {
    const c = { kind: "fleet" as const, groupBy: "productClass" as const, ruleId: "r1", sharePercent: 50, minDevices: 3 };
    assert.equal(fleetVerdict(c, 4, 3), "raise");
    assert.equal(fleetVerdict(c, 4, 2), "clear", "50% is not above 50%");
    assert.equal(fleetVerdict(c, 2, 2), "clear", "too small a group");
    assert.equal(fleetVerdict({ ...c, minDevices: undefined }, 1, 1), "raise");
    assert.equal(fleetVerdict(c, 0, 0), "clear");
    assert.match(conditionProblems({ ...c, sharePercent: 100, minDevices: 0, ruleId: " " }).join(), /sharePercent.*minDevices.*ruleId/);
  });

  it("fleet on a value: a device filter of the parameter against the threshold, exactly one of a rule or a value counted", () => {
    const TEMP = "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Value";
    const c = { kind: "fleet" as const, groupBy: "tag" as const, path: TEMP, op: ">" as const, threshold: 80, sharePercent: 20 };
    assert.deepEqual(conditionProblems(c), []);
    assert.deepEqual(fleetFilter(c), { kind: "compare", target: { kind: "parameter", path: TEMP }, op: ">", value: { kind: "number", value: 80 } });
    assert.deepEqual(fleetFilter({ ...c, op: "==", threshold: "Down" }), { kind: "compare", target: { kind: "parameter", path: TEMP }, op: "=", value: { kind: "string", value: "Down" } });
    assert.equal(fleetFilter({ kind: "fleet", groupBy: "tag", ruleId: "r1", sharePercent: 20 }), null);
    assert.match(conditionProblems({ ...c, ruleId: "r1" }).join(), /either a rule's alarms/);
    assert.match(conditionProblems({ kind: "fleet", groupBy: "tag", sharePercent: 20 }).join(), /either a rule's alarms/);
    assert.match(conditionProblems({ ...c, threshold: undefined }).join(), /go together/);
    assert.match(conditionProblems({ ...c, threshold: "hot" }).join(), /compares numbers/);
    assert.match(conditionProblems({ ...c, path: "Device.WiFi.Radio.*.Stats.Noise" }).join(), /one parameter/);
    assert.match(conditionProblems({ ...c, path: "Device.X." }).join(), /one parameter/);
    assert.match(conditionProblems({ ...c, op: "~" as never, threshold: "x" }).join(), /not ~/);
  });

  it("refuses conditions that cannot mean anything", () => {
    assert.deepEqual(conditionProblems({ kind: "value", path: "Device.WiFi.Radio.*.Stats.Noise", op: ">", raise: -60, clear: -70 }), []);
    assert.match(conditionProblems({ kind: "value", path: "Device..X", op: ">", raise: 1 }).join(), /path/);
    assert.match(conditionProblems({ kind: "value", path: "Device.X.", op: ">", raise: 1 }).join(), /object/);
    assert.match(conditionProblems({ kind: "value", path: "Device.X", op: ">", raise: 80, clear: 90 }).join(), /clear must not be above/);
    assert.match(conditionProblems({ kind: "value", path: "Device.X", op: "<", raise: 10, clear: 5 }).join(), /clear must not be below/);
    assert.match(conditionProblems({ kind: "value", path: "Device.X", op: ">", raise: "high" }).join(), /compares numbers/);
    assert.match(conditionProblems({ kind: "value", path: "Device.X", op: "~", raise: "(" }).join(), /regular expression/);
    assert.match(conditionProblems({ kind: "value", path: "Device.X", op: "==", raise: "a", clear: "b" }).join(), /clear is for ordered/);
    assert.match(conditionProblems({ kind: "value", path: "Device.X", op: ">", raise: 1, forSeconds: 0 }).join(), /forSeconds/);
    assert.match(conditionProblems({ kind: "event", code: " ", count: 0, windowSeconds: 60 }).join(), /code is empty.*count/);
    assert.match(conditionProblems({ kind: "silence", intervals: 0, intervalSeconds: 1.5 }).join(), /intervals.*intervalSeconds/);
    assert.match(conditionProblems({ kind: "diagnostic", diagnostic: "ipPing", field: "AverageResponseTime" }).join(), /go together/);
  });

  it("orders severities critical > major > minor > warning", () => {
    assert.ok(severityRank("critical") > severityRank("major") && severityRank("major") > severityRank("minor") && severityRank("minor") > severityRank("warning"));
    assert.equal(highestSeverity(["warning", "major", "minor"]), "major");
    assert.equal(highestSeverity([]), null);
  });
});
