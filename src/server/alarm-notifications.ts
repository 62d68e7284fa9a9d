// The notification attributes alarms need, set through provisioning (builtin:notification) so that
// the engine declares them, reads the device's attributes first and writes only what differs, and
// does it again should the device lose them: the parameters value rules watch on the devices they
// apply to (active or passive, per rule), and Device.FaultMgmt.CurrentAlarmNumberOfEntries (active),
// so that a 4 VALUE CHANGE Inform reports the change without polling. Only paths the device is known
// to have are declared (a path it lacks would fault every session); a device that refuses (9009,
// e.g. a forced-active parameter asked to be passive) faults that path for the session, which gives
// it up, and says so in the device's provisioning fault.

import { CURRENT_ALARM_COUNT } from "../alarms/index.js";
import type { ProvisionCallState } from "../session/index.js";
import type { DeviceRecord, StoreTx } from "../store/types.js";
import { ruleApplies } from "./alarm-rules.js";
import type { AlarmService } from "./alarms.js";
import { knownAlarmCount } from "./alarm-faultmgmt.js";

export const NOTIFICATION_PRESET = "alarms";
const LEVEL = { active: 2, passive: 1 } as const;

/** The object a wildcard path's instances are in ("Device.X.*.Y" -> "Device.X."), or the path itself. */
function knownBy(path: string): string {
  const star = path.indexOf(".*");
  return star < 0 ? path : path.slice(0, star + 1);
}

/** The provision call that sets them on `device`, or none. */
export async function notificationCalls(alarms: AlarmService, tx: StoreTx, device: DeviceRecord, now: Date): Promise<ProvisionCallState[]> {
  const wanted = new Map<string, number>([[CURRENT_ALARM_COUNT, LEVEL.active]]);
  for (const r of await alarms.rules.current(tx, now.getTime())) {
    if (r.condition.kind !== "value" || r.rule.notification === "none") continue;
    if (!(await ruleApplies(tx, r, device, now, alarms.o.onlineWithinMs))) continue;
    const level = LEVEL[r.rule.notification];
    wanted.set(r.condition.path, Math.max(level, wanted.get(r.condition.path) ?? 0));
  }
  const others = [...new Set([...wanted.keys()].map(knownBy))].filter((p) => p !== CURRENT_ALARM_COUNT);
  const [count, found] = await Promise.all([knownAlarmCount(tx, device.id), others.length === 0 ? [] : tx.parameters.get(device.id, others)]);
  const known = new Set([...(count === undefined ? [] : [count]), ...found].map((p) => p.path));
  const paths = [...wanted].filter(([path]) => known.has(knownBy(path))).map(([path, notification]) => ({ path, notification }));
  return paths.length === 0 ? [] : [{ name: "builtin:notification", args: { paths }, preset: NOTIFICATION_PRESET }];
}
