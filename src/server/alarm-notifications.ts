// The notification attributes alarms need, set through provisioning (builtin:notification) so that
// the engine declares them, reads the device's attributes first and writes only what differs, and
// does it again should the device lose them: the parameters value rules watch on the devices they
// apply to (active or passive, per rule), and Device.FaultMgmt.CurrentAlarmNumberOfEntries (active),
// so that a 4 VALUE CHANGE Inform reports the change without polling. Only paths the device is known
// to have are declared (a path it lacks would fault every session); a device that refuses (9009,
// e.g. a forced-active parameter asked to be passive) faults that path for the session, which gives
// it up, and says so in the device's provisioning fault. The refusal is remembered (apply-effects.ts),
// and the path left out of later sessions until the device boots again or notificationRetry passed.
// Refusals are read only when a path may be set again (its stored attribute differs, or a `*` path's
// instances are unknown here), so a device whose attributes are as wanted costs no more reads.

import { CURRENT_ALARM_COUNT } from "../alarms/index.js";
import type { ProvisionCallState } from "../session/index.js";
import type { DeviceRecord, ParameterRecord, StoreTx } from "../store/types.js";
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
  const patterns = new Map<string, RegExp>();
  for (const r of await alarms.rules.current(tx, now.getTime())) {
    if (r.condition.kind !== "value" || r.rule.notification === "none") continue;
    if (!(await ruleApplies(tx, r, device, now, alarms.o.onlineWithinMs))) continue;
    const level = LEVEL[r.rule.notification];
    wanted.set(r.condition.path, Math.max(level, wanted.get(r.condition.path) ?? 0));
    if (r.path !== null) patterns.set(r.condition.path, r.path);
  }
  const others = [...new Set([...wanted.keys()].map(knownBy))].filter((p) => p !== CURRENT_ALARM_COUNT);
  const [count, found] = await Promise.all([knownAlarmCount(tx, device.id), others.length === 0 ? [] : tx.parameters.get(device.id, others)]);
  const known = new Map([...(count === undefined ? [] : [count]), ...found].map((p) => [p.path, p]));
  let paths = [...wanted].filter(([path]) => known.has(knownBy(path))).map(([path, notification]) => ({ path, notification }));
  const maySet = paths.some((p) => {
    const rec = known.get(p.path);
    return rec === undefined || rec.attributesAt === null || rec.notification !== p.notification;
  });
  if (maySet && alarms.o.notificationRetrySeconds > 0) paths = await withoutRefused(tx, device, paths, patterns, now, alarms.o.notificationRetrySeconds);
  return paths.length === 0 ? [] : [{ name: "builtin:notification", args: { paths }, preset: NOTIFICATION_PRESET }];
}

/**
 * Leaves out the paths the device refused since it last booted and within retrySeconds; a `*` path
 * with a refused instance becomes its other known instances.
 */
async function withoutRefused(tx: StoreTx, device: DeviceRecord, paths: { path: string; notification: number }[], patterns: Map<string, RegExp>, now: Date, retrySeconds: number) {
  const since = Math.max(now.getTime() - retrySeconds * 1000, device.lastBootAt?.getTime() ?? 0, device.lastBootstrapAt?.getTime() ?? 0);
  const refused = new Set(await tx.alarms.notificationRefusals(device.id, new Date(since)));
  if (refused.size === 0) return paths;
  const out: { path: string; notification: number }[] = [];
  for (const p of paths) {
    const pattern = patterns.get(p.path);
    if (!p.path.includes("*") || pattern === undefined) {
      if (!refused.has(p.path)) out.push(p);
      continue;
    }
    if (![...refused].some((r) => pattern.test(r))) {
      out.push(p);
      continue;
    }
    const instances: ParameterRecord[] = await tx.parameters.subtree(device.id, knownBy(p.path));
    for (const i of instances) if (!i.object && pattern.test(i.path) && !refused.has(i.path)) out.push({ path: i.path, notification: p.notification });
  }
  return out;
}
