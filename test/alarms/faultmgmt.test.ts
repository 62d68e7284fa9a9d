// Device.FaultMgmt.CurrentAlarm entries as Provisio alarms, on trees built from the TR-181 data model's
// own definition of the object (so a renamed or missing field in the mapping shows).

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CURRENT_ALARM, CURRENT_ALARM_COUNT, currentAlarms, mapPerceivedSeverity } from "../../src/alarms/index.js";
import { findObject, findParameter, loadBbfXml } from "../../src/model/index.js";
import { bbfDir } from "../support/paths.js";

const tr181 = loadBbfXml(join(bbfDir, "data-models", "tr-181-2-17-0-cwmp-full.xml"));

/** A CurrentAlarm tree: every parameter the data model defines for an entry, with `fields` over the defaults. */
function tree(entries: Record<string, string>[]): Map<string, string | null> {
  const def = findObject(tr181, "Device.FaultMgmt.CurrentAlarm.1.");
  assert.ok(def, "TR-181 defines Device.FaultMgmt.CurrentAlarm.{i}.");
  const names = [...def.def.parameters];
  const out = new Map<string, string | null>([[CURRENT_ALARM_COUNT, String(entries.length)]]);
  entries.forEach((fields, i) => {
    for (const name of names) out.set(`${CURRENT_ALARM}${i + 1}.${name}`, fields[name] ?? "");
    for (const name of Object.keys(fields)) assert.ok(names.includes(name), `${name} is a CurrentAlarm parameter`);
  });
  return out;
}

describe("FaultMgmt", () => {
  it("the data model defines the fields the mapping reads", () => {
    for (const name of ["AlarmIdentifier", "AlarmRaisedTime", "AlarmChangedTime", "ManagedObjectInstance", "EventType", "ProbableCause", "SpecificProblem", "PerceivedSeverity", "AdditionalText", "AdditionalInformation"]) {
      assert.ok(findParameter(tr181, `${CURRENT_ALARM}1.${name}`), name);
    }
    assert.ok(findParameter(tr181, CURRENT_ALARM_COUNT));
  });

  it("maps X.733 severities; Indeterminate is a warning, Cleared no alarm", () => {
    assert.deepEqual(["Critical", "Major", "Minor", "Warning", "Indeterminate", "Cleared"].map(mapPerceivedSeverity), ["critical", "major", "minor", "warning", "warning", null]);
  });

  it("turns each entry into an alarm keyed by its AlarmIdentifier, with its fields as detail", () => {
    const alarms = currentAlarms(tree([
      {
        AlarmIdentifier: "A-17", EventType: "Communications Alarm", ProbableCause: "Loss of signal", SpecificProblem: "DSL line down", PerceivedSeverity: "Major",
        AdditionalText: "line 1", AdditionalInformation: "snr=0", ManagedObjectInstance: "Device.DSL.Line.1.", AlarmRaisedTime: "2026-05-01T10:00:00Z", AlarmChangedTime: "2026-05-01T10:05:00Z",
      },
      { AlarmIdentifier: "A-18", PerceivedSeverity: "Indeterminate", AdditionalText: "fan noisy" },
      { AlarmIdentifier: "", PerceivedSeverity: "Critical" },
      { AlarmIdentifier: "A-19", PerceivedSeverity: "Cleared" },
    ]));
    assert.deepEqual(alarms.map((a) => [a.key, a.severity, a.text]), [
      ["A-17", "major", "Communications Alarm: Loss of signal: DSL line down"],
      ["A-18", "warning", "fan noisy"],
    ]);
    assert.deepEqual(alarms[0]!.detail, {
      instance: "Device.FaultMgmt.CurrentAlarm.1.", eventType: "Communications Alarm", probableCause: "Loss of signal", specificProblem: "DSL line down",
      perceivedSeverity: "Major", additionalText: "line 1", additionalInformation: "snr=0", managedObjectInstance: "Device.DSL.Line.1.",
      alarmRaisedTime: "2026-05-01T10:00:00Z", alarmChangedTime: "2026-05-01T10:05:00Z",
    });
  });

  it("an empty table, other objects and names alone (no values) give no alarm; entries come in instance order", () => {
    assert.deepEqual(currentAlarms(tree([])), []);
    const t = new Map<string, string | null>([
      [`${CURRENT_ALARM}10.AlarmIdentifier`, "late"], [`${CURRENT_ALARM}10.PerceivedSeverity`, "Minor"],
      [`${CURRENT_ALARM}2.AlarmIdentifier`, "early"], [`${CURRENT_ALARM}2.PerceivedSeverity`, "Critical"],
      [`${CURRENT_ALARM}3.AlarmIdentifier`, null],
      ["Device.FaultMgmt.HistoryEvent.1.AlarmIdentifier", "history"],
    ]);
    assert.deepEqual(currentAlarms(t).map((a) => [a.key, a.severity]), [["early", "critical"], ["late", "minor"]]);
  });
});
