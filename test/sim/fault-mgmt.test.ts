// Device health on the engine (no network): FaultMgmt alarms raised and cleared by a test, how each
// reporting mechanism reaches the ACS, values changed from outside, silence and a user's reboot.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Inform } from "../../src/cwmp/index.js";
import { Cpe, type CpeEffect, type CpeState } from "../../src/sim/cpe.js";
import { SimError } from "../../src/sim/errors.js";
import { FAULT_LOG_ROWS } from "../../src/sim/models/fault-mgmt.js";
import { eventCodes, poweredOn, session, T0, values } from "./support/harness.js";

const SEC = 1000;
const kinds = (effects: CpeEffect[]) => effects.map((e) => e.kind);
const params = (i: Inform) => Object.fromEntries(i.parameterList.map((p) => [p.name, p.value.text]));
const FM = "Device.FaultMgmt.";

const wanDown = { eventType: "Communications Alarm", probableCause: "Loss of signal", specificProblem: "WAN link down" };
const hot = { eventType: "Environmental Alarm", probableCause: "Temperature unacceptable", specificProblem: "CPU above 90 C", perceivedSeverity: "Critical" as const };
const busy = { eventType: "Processing Error Alarm", probableCause: "CPU cycles limit exceeded" };
const slow = { eventType: "Quality of Service Alarm", probableCause: "Threshold crossed", specificProblem: "WiFi retransmissions" };

/** A device past its bootstrap session. */
function booted(): Cpe {
  const { cpe } = poweredOn();
  session(cpe, T0);
  return cpe;
}

function rows(cpe: Cpe, table: string, now: number): Array<Record<string, string>> {
  const all = values(session(cpe, now, [{ method: "GetParameterValues", parameterNames: [`${FM}${table}.`] }]).answers[0]!);
  const byRow = new Map<string, Record<string, string>>();
  for (const [path, value] of Object.entries(all)) {
    const m = new RegExp(`^${FM.replace(/\./g, "\\.")}${table}\\.(\\d+)\\.(\\w+)$`).exec(path)!;
    const row = byRow.get(m[1]!) ?? {};
    row[m[2]!] = value;
    byRow.set(m[1]!, row);
  }
  return [...byRow.values()];
}

test("the TR-181 gateway has FaultMgmt with its supported alarms and empty alarm tables", () => {
  const cpe = booted();
  const supported = rows(cpe, "SupportedAlarm", T0 + SEC);
  assert.deepEqual(supported.map((r) => r.ReportingMechanism), ["0 Expedited", "0 Expedited", "1 Queued", "2 Logged", "3 Disabled"]);
  assert.equal(cpe.read(`${FM}SupportedAlarmNumberOfEntries`), "5");
  assert.equal(cpe.read(`${FM}CurrentAlarmNumberOfEntries`), "0");
  assert.equal(cpe.read(`${FM}MaxCurrentAlarmEntries`), "16");
});

test("an expedited alarm adds a CurrentAlarm, a HistoryEvent and an ExpeditedEvent, and informs at once with 4 VALUE CHANGE and the event", () => {
  const cpe = booted();
  const now = T0 + 10 * SEC;
  const r = cpe.raiseAlarm(wanDown, now);
  assert.equal(r.mechanism, "0 Expedited");
  assert.deepEqual(kinds(r.effects), ["startSession"]);
  const s = session(cpe, now, [{ method: "GetParameterValues", parameterNames: [`${FM}CurrentAlarm.`, `${FM}HistoryEvent.`] }]);
  assert.deepEqual(eventCodes(s.inform), ["4 VALUE CHANGE"]);
  const sent = params(s.inform);
  assert.equal(sent[`${FM}ExpeditedEvent.1.AlarmIdentifier`], r.alarmIdentifier);
  assert.equal(sent[`${FM}ExpeditedEvent.1.NotificationType`], "NewAlarm");
  assert.equal(sent[`${FM}ExpeditedEvent.1.PerceivedSeverity`], "Major");
  assert.equal(sent[`${FM}ExpeditedEvent.1.EventTime`], "2024-05-01T10:00:10Z");
  const read = values(s.answers[0]!);
  assert.equal(read[`${FM}CurrentAlarm.1.AlarmIdentifier`], r.alarmIdentifier);
  assert.equal(read[`${FM}CurrentAlarm.1.EventType`], "Communications Alarm");
  assert.equal(read[`${FM}CurrentAlarm.1.SpecificProblem`], "WAN link down");
  assert.equal(read[`${FM}CurrentAlarm.1.AlarmRaisedTime`], "2024-05-01T10:00:10Z");
  assert.equal(read[`${FM}HistoryEvent.1.NotificationType`], "NewAlarm");
  // Told once: the next Inform does not carry it again.
  cpe.connectionRequest(now + SEC);
  const next = session(cpe, now + SEC).inform;
  assert.deepEqual(eventCodes(next), ["6 CONNECTION REQUEST"]);
  assert.equal(params(next)[`${FM}ExpeditedEvent.1.AlarmIdentifier`], undefined);
});

test("clearing removes the CurrentAlarm and logs a Cleared event, reported as the alarm was", () => {
  const cpe = booted();
  const raised = cpe.raiseAlarm(hot, T0 + 10 * SEC);
  session(cpe, T0 + 10 * SEC);
  const cleared = cpe.clearAlarm({ alarmIdentifier: raised.alarmIdentifier! }, T0 + 20 * SEC);
  assert.deepEqual(kinds(cleared.effects), ["startSession"]);
  const s = session(cpe, T0 + 20 * SEC);
  assert.deepEqual(eventCodes(s.inform), ["4 VALUE CHANGE"]);
  assert.equal(params(s.inform)[`${FM}ExpeditedEvent.2.PerceivedSeverity`], "Cleared");
  assert.equal(params(s.inform)[`${FM}ExpeditedEvent.2.NotificationType`], "ClearedAlarm");
  assert.equal(cpe.read(`${FM}CurrentAlarmNumberOfEntries`), "0");
  const history = rows(cpe, "HistoryEvent", T0 + 30 * SEC);
  assert.deepEqual(history.map((h) => [h.AlarmIdentifier, h.NotificationType, h.PerceivedSeverity]), [
    [raised.alarmIdentifier, "NewAlarm", "Critical"],
    [raised.alarmIdentifier, "ClearedAlarm", "Cleared"],
  ]);
  assert.throws(() => cpe.clearAlarm({ alarmIdentifier: raised.alarmIdentifier! }, T0 + 40 * SEC), (e: unknown) => e instanceof SimError && e.code === "SIM_UNKNOWN_ALARM");
});

test("a queued alarm waits for the next Inform; a logged one is only in the tables; a disabled one is ignored", () => {
  const cpe = booted();
  const queued = cpe.raiseAlarm({ ...busy, specificProblem: "load 99%" }, T0 + 10 * SEC);
  assert.equal(queued.mechanism, "1 Queued");
  assert.deepEqual(queued.effects, []);
  const logged = cpe.raiseAlarm(slow, T0 + 11 * SEC);
  assert.equal(logged.mechanism, "2 Logged");
  assert.deepEqual(logged.effects, []);
  const disabled = cpe.raiseAlarm({ eventType: "Processing Error Alarm", probableCause: "Software error" }, T0 + 12 * SEC);
  assert.deepEqual([disabled.mechanism, disabled.alarmIdentifier], ["3 Disabled", undefined]);
  assert.equal(cpe.wantsSession, false);
  cpe.connectionRequest(T0 + 20 * SEC);
  const i = session(cpe, T0 + 20 * SEC).inform;
  assert.deepEqual(eventCodes(i), ["4 VALUE CHANGE", "6 CONNECTION REQUEST"]);
  assert.equal(params(i)[`${FM}QueuedEvent.1.AlarmIdentifier`], queued.alarmIdentifier);
  assert.equal(params(i)[`${FM}QueuedEvent.1.PerceivedSeverity`], "Indeterminate");
  assert.ok(!Object.keys(params(i)).some((p) => p.includes("HistoryEvent") || p.includes("CurrentAlarm")));
  const current = rows(cpe, "CurrentAlarm", T0 + 30 * SEC);
  assert.deepEqual(current.map((c) => c.ProbableCause), ["CPU cycles limit exceeded", "Threshold crossed"]);
  assert.equal(cpe.read(`${FM}HistoryEventNumberOfEntries`), "2");
});

test("the same alarm raised again changes its row; identifiers stay unique; unknown alarms and bad fields change nothing", () => {
  const cpe = booted();
  const a = cpe.raiseAlarm({ ...slow, perceivedSeverity: "Minor" }, T0 + 10 * SEC);
  const b = cpe.raiseAlarm({ ...slow, perceivedSeverity: "Major" }, T0 + 20 * SEC);
  assert.equal(b.alarmIdentifier, a.alarmIdentifier);
  const c = cpe.raiseAlarm({ ...slow, specificProblem: "another" }, T0 + 20 * SEC);
  assert.notEqual(c.alarmIdentifier, a.alarmIdentifier);
  const current = rows(cpe, "CurrentAlarm", T0 + 30 * SEC);
  assert.deepEqual(current.map((r) => [r.AlarmIdentifier, r.PerceivedSeverity, r.AlarmRaisedTime, r.AlarmChangedTime]), [
    [a.alarmIdentifier, "Major", "2024-05-01T10:00:10Z", "2024-05-01T10:00:20Z"],
    [c.alarmIdentifier, "Indeterminate", "2024-05-01T10:00:20Z", "2024-05-01T10:00:20Z"],
  ]);
  assert.deepEqual(rows(cpe, "HistoryEvent", T0 + 30 * SEC).map((h) => h.NotificationType), ["NewAlarm", "ChangedAlarm", "NewAlarm"]);
  const before = JSON.stringify(cpe.toJSON().tree);
  assert.throws(() => cpe.raiseAlarm({ eventType: "Equipment Alarm", probableCause: "Fire" }, T0 + 40 * SEC), (e: unknown) => e instanceof SimError && e.code === "SIM_UNKNOWN_ALARM" && /no SupportedAlarm matches "Equipment Alarm"/.test(e.message));
  assert.throws(() => cpe.raiseAlarm({ ...slow, specificProblem: "x", additionalText: "y".repeat(257) }, T0 + 40 * SEC), (e: unknown) => e instanceof SimError && e.code === "SIM_BAD_VALUE" && /AdditionalText/.test(e.message));
  assert.throws(() => cpe.raiseAlarm({ ...slow, specificProblem: "x", perceivedSeverity: "Awful" as "Major" }, T0 + 40 * SEC), (e: unknown) => e instanceof SimError && e.code === "SIM_BAD_VALUE");
  assert.equal(JSON.stringify(cpe.toJSON().tree), before);
});

test("MaxCurrentAlarmEntries: a new alarm replaces the one changed longest ago; the history rolls over from instance 1", () => {
  const cpe = booted();
  cpe.changeValue(`${FM}MaxCurrentAlarmEntries`, "2", T0);
  const ids = [1, 2, 3].map((n) => cpe.raiseAlarm({ ...slow, specificProblem: `p${n}` }, T0 + n * SEC).alarmIdentifier);
  const current = rows(cpe, "CurrentAlarm", T0 + 10 * SEC);
  assert.deepEqual(current.map((r) => r.AlarmIdentifier).sort(), [ids[1], ids[2]].sort());
  assert.equal(new Set(ids).size, 3);

  const limit = FAULT_LOG_ROWS.history;
  for (let n = 0; n < limit; n++) cpe.raiseAlarm({ ...slow, specificProblem: `h${n}` }, T0 + (100 + n) * SEC);
  const history = rows(cpe, "HistoryEvent", T0 + 1000 * SEC);
  assert.equal(history.length, limit);
  // 3 + limit events in `limit` rows: the first three were overwritten, instance 1 first.
  assert.equal(history[0]!.SpecificProblem, `h${limit - 3}`);
  assert.equal(history[3]!.SpecificProblem, "h0");
});

test("alarms, their identifiers and what is not reported yet survive a restart of the simulator", () => {
  const cpe = booted();
  const first = cpe.raiseAlarm({ ...busy, specificProblem: "a" }, T0 + 10 * SEC);
  const state = JSON.parse(JSON.stringify(cpe.toJSON())) as CpeState;
  const back = new Cpe(cpe.model, cpe.identity, {}, state);
  back.powerOn(T0 + 30 * SEC);
  const second = back.raiseAlarm({ ...busy, specificProblem: "b" }, T0 + 31 * SEC);
  assert.notEqual(second.alarmIdentifier, first.alarmIdentifier);
  const i = session(back, T0 + 31 * SEC).inform;
  assert.deepEqual(eventCodes(i), ["1 BOOT", "4 VALUE CHANGE"]);
  assert.equal(params(i)[`${FM}QueuedEvent.1.AlarmIdentifier`], first.alarmIdentifier);
  assert.equal(params(i)[`${FM}QueuedEvent.2.AlarmIdentifier`], second.alarmIdentifier);
});

test("changeValue checks the value against the parameter; read-only values can change, computed counts cannot", () => {
  const cpe = booted();
  const bad = (path: string, value: string, code: string) =>
    assert.throws(() => cpe.changeValue(path, value, T0 + SEC), (e: unknown) => e instanceof SimError && e.code === code, `${path} = ${value}`);
  bad("Device.WiFi.Radio.1.Channel", "eleven", "SIM_BAD_VALUE");
  bad("Device.WiFi.Radio.1.Channel", "300", "SIM_BAD_VALUE");
  bad("Device.DeviceInfo.ProcessStatus.CPUUsage", "101", "SIM_BAD_VALUE");
  bad("Device.NoSuch.Thing", "1", "SIM_UNKNOWN_PATH");
  bad("Device.FaultMgmt.CurrentAlarmNumberOfEntries", "3", "SIM_BAD_VALUE");
  assert.equal(cpe.read("Device.WiFi.Radio.1.Channel"), "6");
  cpe.changeValue("Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Value", " 93 ", T0 + SEC);
  assert.equal(cpe.read("Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Value", T0 + 2 * SEC), "93");
  // A changed computed value stays as set: the test, not the clock, says what it is now.
  cpe.changeValue("Device.DeviceInfo.ProcessStatus.CPUUsage", "97", T0 + SEC);
  assert.equal(cpe.read("Device.DeviceInfo.ProcessStatus.CPUUsage", T0 + 3600 * SEC), "97");
});

test("a forced-active parameter's change informs at once, without the ACS asking", () => {
  const cpe = booted();
  assert.deepEqual(kinds(cpe.changeValue("Device.DeviceInfo.ProvisioningCode", "PC-7", T0 + SEC)), ["startSession"]);
  const i = session(cpe, T0 + SEC).inform;
  assert.deepEqual(eventCodes(i), ["4 VALUE CHANGE"]);
  assert.equal(params(i)["Device.DeviceInfo.ProvisioningCode"], "PC-7");
});

test("a silenced device keeps what happens and says it once resumed; a user's reboot brings 1 BOOT", () => {
  const cpe = booted();
  assert.deepEqual(cpe.setSilent(true, T0 + SEC), []);
  assert.equal(cpe.cwmpEnabled, false);
  assert.deepEqual(cpe.raiseAlarm(wanDown, T0 + 2 * SEC).effects, []);
  assert.deepEqual(cpe.connectionRequest(T0 + 3 * SEC), []);
  assert.equal(cpe.wantsSession, true);
  assert.equal(cpe.toJSON().silent, true);
  assert.deepEqual(kinds(cpe.setSilent(false, T0 + 10 * SEC)), ["startSession"]);
  const i = session(cpe, T0 + 10 * SEC).inform;
  assert.deepEqual(eventCodes(i), ["4 VALUE CHANGE"]);
  assert.ok(params(i)[`${FM}ExpeditedEvent.1.AlarmIdentifier`] !== undefined);

  const down = cpe.reboot(T0 + 20 * SEC);
  assert.deepEqual(kinds(down), ["reboot"]);
  assert.equal(cpe.isUp, false);
  const up = cpe.nextDeadline()!;
  assert.deepEqual(kinds(cpe.tick(up)), ["startSession"]);
  const boot = session(cpe, up).inform;
  assert.deepEqual(eventCodes(boot), ["1 BOOT"]);
  // Alarms outlive the reboot (the data model allows a device not to clear them).
  assert.equal(cpe.read(`${FM}CurrentAlarmNumberOfEntries`), "1");
});
