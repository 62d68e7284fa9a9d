// The store side of alarms (docs/alarms.md): rules evaluated on what a session's exchange recorded
// (reported values, the Inform's events, settled diagnostics), in that exchange's transaction, and
// the transitions they decide written with their events. Periodic work is in alarm-pass.ts, the
// device's own FaultMgmt alarms in alarm-faultmgmt.ts.

import { diagnosticVerdict, eventStep, valueStep, type Step } from "../alarms/index.js";
import type { AlarmRecord, StoreTx } from "../store/types.js";
import { AlarmRuleCache, ruleApplies, type CompiledRule } from "./alarm-rules.js";
import { reconcileFaultMgmt } from "./alarm-faultmgmt.js";
import { applyStep, openOf, ruleAlarm, ruleKey, type SessionFacts } from "./alarm-transitions.js";
import type { AcsEvent } from "./events.js";
import type { Logger } from "./logger.js";

export interface AlarmOptions {
  log: Logger;
  /** How often each process looks for changed rules (ms). */
  refreshMs: number;
  /** The online window, for rule filters that use `online`. */
  onlineWithinMs: number;
  /** Seconds between reads of a device's Device.FaultMgmt.CurrentAlarm table (at an Inform); 0: only when its count changes. */
  faultMgmtIntervalSeconds: number;
  /** Seconds before a device is asked again for a notification it refused (sooner if it boots); 0: every session. */
  notificationRetrySeconds: number;
}


export class AlarmService {
  readonly rules: AlarmRuleCache;

  constructor(readonly o: AlarmOptions) {
    this.rules = new AlarmRuleCache({ refreshMs: o.refreshMs, log: o.log });
  }

  /** Evaluates the rules on what an exchange recorded, in its transaction; returns the events to record. */
  async onExchange(tx: StoreTx, deviceId: string, facts: SessionFacts, now: Date, queued?: () => void): Promise<AcsEvent[]> {
    const events: AcsEvent[] = [];
    const push = (e: AcsEvent | null) => {
      if (e !== null) events.push(e);
    };
    const rules = await this.rules.current(tx, now.getTime());
    let device = facts.device;
    const applies = new Map<string, boolean>();
    let openAtInform: Map<string, AlarmRecord> | undefined;
    const applicable = async (r: CompiledRule): Promise<boolean> => {
      let yes = applies.get(r.rule.id);
      if (yes === undefined) {
        device ??= await tx.devices.get(deviceId);
        yes = device !== null && (await ruleApplies(tx, r, device, now, this.o.onlineWithinMs));
        applies.set(r.rule.id, yes);
      }
      return yes;
    };
    for (const r of rules) {
      const c = r.condition;
      if (c.kind === "value") {
        for (const v of facts.values) {
          if (!r.path!.test(v.path) || !(await applicable(r))) continue;
          const key = ruleKey(r, v.path);
          const open = await tx.alarms.open(deviceId, "rule", key);
          const step = valueStep(c, v.value, openOf(open), now);
          push(await applyStep(tx, step, open, ruleAlarm(r, deviceId, key, `${v.path} ${c.op} ${String(c.raise)} (${v.value})`, { path: v.path, value: v.value }), now));
        }
      } else if (facts.informEvents !== null && (c.kind === "event" || c.kind === "silence")) {
        const key = ruleKey(r);
        // One read of the device's open alarms serves every event and silence rule of the Inform.
        openAtInform ??= new Map((await tx.alarms.openFor(deviceId)).filter((a) => a.source === "rule").map((a) => [a.dedupeKey, a]));
        const open = openAtInform.get(key) ?? null;
        if (c.kind === "silence") {
          // Any Inform ends a silence.
          if (open !== null) push(await applyStep(tx, "clear", open, ruleAlarm(r, deviceId, key, "", null), now));
          continue;
        }
        const reported = facts.informEvents.some((e) => e.trim() === c.code.trim());
        if (open === null && !reported) continue;
        if (!(await applicable(r))) continue;
        const recent = await tx.events.list(deviceId, Math.max(100, c.count * 4));
        const step = eventStep(c, recent, reported, openOf(open), now);
        push(await applyStep(tx, step, open, ruleAlarm(r, deviceId, key, `${c.count} × ${c.code} within ${c.windowSeconds} s`, { code: c.code, count: c.count }), now));
      } else if (c.kind === "diagnostic" && facts.settled.length > 0) {
        for (const id of facts.settled) {
          const run = await tx.diagnostics.get(id);
          if (run === null || run.deviceId !== deviceId) continue;
          const verdict = diagnosticVerdict(c, run);
          if (verdict === null || !(await applicable(r))) continue;
          const key = ruleKey(r);
          const open = await tx.alarms.open(deviceId, "rule", key);
          const step: Step = verdict === "raise" ? (open === null ? "raise" : "repeat") : open === null ? "none" : "clear";
          const what = c.field === undefined ? `${run.kind} ${run.status}${run.state === null ? "" : ` (${run.state})`}` : `${run.kind} ${c.field} ${c.op} ${String(c.threshold)}`;
          push(await applyStep(tx, step, open, ruleAlarm(r, deviceId, key, what, { diagnosticId: run.id, status: run.status, state: run.state }), now));
        }
      }
    }
    events.push(...(await reconcileFaultMgmt(tx, deviceId, facts, now, this.o.faultMgmtIntervalSeconds, queued)));
    return events;
  }
}
