// A device's own alarms (TR-181 Device.FaultMgmt.CurrentAlarm) as Provisio alarms, source "faultmgmt".
// The table is read with one GetParameterValues of its count and the object together, so a response
// holds all of it: entries Provisio holds that it lacks are cleared. A count reported alone (a 4 VALUE
// CHANGE, its notification set by alarm-notifications.ts) queues that read; so does a boot, and an
// Inform once the last read is older than alarms.faultMgmtInterval, for a device known to have the object.

import { CURRENT_ALARM, CURRENT_ALARM_COUNT, currentAlarms } from "../alarms/index.js";
import type { JsonValue, ParameterRecord, StoreTx } from "../store/types.js";
import { alarmEvent, type SessionFacts } from "./alarm-transitions.js";
import type { AcsEvent } from "./events.js";

export const FAULTMGMT = "faultmgmt";
export const READ_NAMES = [CURRENT_ALARM_COUNT, CURRENT_ALARM] as const;

// The device's CurrentAlarmNumberOfEntries as stored, read once per transaction: an Inform's exchange
// asks for it twice (is a read of the table due; may its notification be set) and a statement per
// Inform is what a session's cost is counted in.
const countsRead = new WeakMap<StoreTx, Map<string, Promise<ParameterRecord | undefined>>>();

export function knownAlarmCount(tx: StoreTx, deviceId: string): Promise<ParameterRecord | undefined> {
  let reads = countsRead.get(tx);
  if (reads === undefined) countsRead.set(tx, (reads = new Map()));
  let read = reads.get(deviceId);
  if (read === undefined) reads.set(deviceId, (read = tx.parameters.get(deviceId, [CURRENT_ALARM_COUNT]).then((r) => r[0])));
  return read;
}

/** The exchange stored the count (its Inform or a read reported it): what was read before is stale. */
function forgetAlarmCount(tx: StoreTx, deviceId: string): void {
  countsRead.get(tx)?.delete(deviceId);
}

/** Queues the read of the table unless one is queued already; true when it queued one. */
async function queueRead(tx: StoreTx, deviceId: string, now: Date): Promise<boolean> {
  const queued = (await tx.tasks.list({ deviceId, status: ["pending"] })).some(
    (t) => t.name === "getParameterValues" && JSON.stringify((t.args as { parameterNames?: unknown }).parameterNames) === JSON.stringify(READ_NAMES),
  );
  if (queued) return false;
  await tx.tasks.create({ deviceId, name: "getParameterValues", args: { parameterNames: [...READ_NAMES] }, maxAttempts: 1, expiresAt: new Date(now.getTime() + 86_400_000) }, now);
  return true;
}

/** Whether an Inform is the time to read the table again. */
async function readDue(tx: StoreTx, deviceId: string, facts: SessionFacts, now: Date, intervalSeconds: number): Promise<boolean> {
  const events = facts.informEvents ?? [];
  const boot = events.some((e) => e.trim() === "1 BOOT" || e.trim() === "0 BOOTSTRAP");
  if (!boot && intervalSeconds <= 0) return false;
  const known = await knownAlarmCount(tx, deviceId);
  if (known === undefined) return false;
  return boot || known.valueAt === null || now.getTime() - known.valueAt.getTime() >= intervalSeconds * 1000;
}

/**
 * Takes the table from what an exchange reported, or queues its read. Returns the alarm events;
 * `queued` is told when a read was queued (the session should run it).
 */
export async function reconcileFaultMgmt(tx: StoreTx, deviceId: string, facts: SessionFacts, now: Date, intervalSeconds: number, queued?: () => void): Promise<AcsEvent[]> {
  const count = facts.values.find((v) => v.path === CURRENT_ALARM_COUNT);
  const entries = facts.values.filter((v) => v.path.startsWith(CURRENT_ALARM));
  if (count !== undefined) forgetAlarmCount(tx, deviceId);
  if (count === undefined) {
    if (facts.informEvents !== null && (await readDue(tx, deviceId, facts, now, intervalSeconds)) && (await queueRead(tx, deviceId, now))) queued?.();
    return [];
  }
  const n = Number(count.value);
  if (n > 0 && entries.length === 0) {
    if (await queueRead(tx, deviceId, now)) queued?.();
    return [];
  }
  const current = n > 0 ? currentAlarms(new Map(entries.map((v) => [v.path, v.value]))) : [];
  const open = new Map((await tx.alarms.openFor(deviceId)).filter((a) => a.source === FAULTMGMT).map((a) => [a.dedupeKey, a]));
  const events: AcsEvent[] = [];
  for (const c of current) {
    const was = open.get(c.key);
    open.delete(c.key);
    const detail = c.detail as unknown as JsonValue;
    if (was === undefined) {
      const a = await tx.alarms.insert({ deviceId, source: FAULTMGMT, ruleId: null, dedupeKey: c.key, severity: c.severity, state: "active", text: c.text, detail }, now);
      events.push(alarmEvent("alarm.raised", a, now));
    } else if (JSON.stringify(was.detail) !== JSON.stringify(detail)) {
      // The device changed it (AlarmChangedTime, severity): the same alarm, counted again.
      await tx.alarms.transition(was.id, "repeated", now, { severity: c.severity, text: c.text, detail });
    }
  }
  for (const gone of open.values()) {
    const a = await tx.alarms.transition(gone.id, "cleared", now);
    if (a !== null) events.push(alarmEvent("alarm.cleared", a, now));
  }
  return events;
}
