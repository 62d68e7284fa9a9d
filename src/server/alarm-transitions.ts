// How an alarm moves: what a rule's step (src/alarms/evaluate.ts) writes to the store, and the events
// it makes. Shared by the evaluation in sessions (alarms.ts), the periodic pass and FaultMgmt.

import type { OpenAlarm, Step } from "../alarms/index.js";
import type { AlarmRecord, DeviceRecord, NewAlarm, StoreTx } from "../store/types.js";
import type { CompiledRule } from "./alarm-rules.js";
import type { AcsEvent } from "./events.js";

/** What one exchange recorded that rules look at. */
export interface SessionFacts {
  /** The device as its Inform left it (else read when a rule needs it). */
  device: DeviceRecord | null;
  /** The Inform's event codes; null when the exchange had no Inform. */
  informEvents: string[] | null;
  values: { path: string; value: string }[];
  /** Ids of diagnostics settled. */
  settled: string[];
}

export function alarmEvent(type: "alarm.raised" | "alarm.cleared", a: AlarmRecord, at: Date): AcsEvent {
  return { type, deviceId: a.deviceId, at, alarmId: a.id, source: a.source, ruleId: a.ruleId, severity: a.severity, text: a.text };
}

export function openOf(a: AlarmRecord | null | undefined): OpenAlarm | null {
  if (a === null || a === undefined || a.state === "cleared") return null;
  return { state: a.state, since: a.state === "pending" ? a.lastChangedAt : a.raisedAt };
}

/** Writes what a step decided; returns its event (raised, cleared), if any. */
export async function applyStep(tx: StoreTx, step: Step, open: AlarmRecord | null, n: NewAlarm, now: Date): Promise<AcsEvent | null> {
  switch (step) {
    case "none":
      return null;
    case "pend":
      if (open === null) await tx.alarms.insert({ ...n, state: "pending" }, now);
      return null;
    case "raise": {
      const a = open === null ? await tx.alarms.insert({ ...n, state: "active" }, now)
        : open.state === "pending" ? await tx.alarms.transition(open.id, "raised", now, { severity: n.severity, text: n.text, detail: n.detail })
        : await tx.alarms.transition(open.id, "repeated", now, { detail: n.detail });
      return a !== null && open?.state !== "active" ? alarmEvent("alarm.raised", a, now) : null;
    }
    case "repeat":
      if (open !== null) await tx.alarms.transition(open.id, "repeated", now, { detail: n.detail });
      return null;
    case "clear": {
      const a = open === null ? null : await tx.alarms.transition(open.id, "cleared", now);
      return a === null ? null : alarmEvent("alarm.cleared", a, now);
    }
    case "drop":
      if (open !== null) await tx.alarms.drop(open.id);
      return null;
  }
}

/** A rule's alarm on a device, keyed by the rule (and, for value rules, the parameter). */
export function ruleAlarm(r: CompiledRule, deviceId: string, key: string, text: string, detail: NewAlarm["detail"]): NewAlarm {
  return { deviceId, source: "rule", ruleId: r.rule.id, dedupeKey: key, severity: r.rule.severity, state: "active", text, detail };
}

export const ruleKey = (r: CompiledRule, path?: string) => (path === undefined ? r.rule.id : `${r.rule.id}|${path}`);

