// The alarm work that no session triggers, done by each process's housekeeping pass with bounded work:
// pending alarms whose duration passed become active, event alarms whose window emptied clear, the
// active alarms of rules deleted or disabled clear, fleet rules count their groups, and
// silence rules find devices that stopped informing (a page of candidates per rule and pass, in id
// order, resuming where the last pass stopped). Several processes may run it at once: each change is
// a conditional update, or an insert the open-alarm index lets only one process make.

import { durationPassed, eventStep, fleetFilter, fleetVerdict, silentFrom, type FleetCondition, type SilenceCondition, type Step } from "../alarms/index.js";
import type { FilterNode } from "../query/index.js";
import { StoreError } from "../store/index.js";
import type { NewAlarm, Store, StoreTx } from "../store/types.js";
import type { CompiledRule } from "./alarm-rules.js";
import { alarmEvent, applyStep, openOf, ruleAlarm, ruleKey } from "./alarm-transitions.js";
import type { AlarmService } from "./alarms.js";
import { recordEvents, type AcsEvent } from "./events.js";

const PERIODIC_INTERVAL = ["Device.ManagementServer.PeriodicInformInterval", "InternetGatewayDevice.ManagementServer.PeriodicInformInterval"];
/** Devices are taken as silence candidates once this many seconds per interval passed: no device informs more often. */
const MIN_INTERVAL_SECONDS = 60;

export class AlarmPass {
  /** Per silence rule: the last device id its candidates were read up to. */
  private readonly cursors = new Map<string, string>();

  constructor(private readonly store: Store, private readonly alarms: AlarmService, private readonly limit = 500) {}

  /** One pass; returns the events recorded (to emit). */
  async run(now: Date): Promise<AcsEvent[]> {
    const rules = await this.alarms.rules.current(this.store, now.getTime());
    const byId = new Map(rules.map((r) => [r.rule.id, r]));
    const events: AcsEvent[] = [];
    events.push(...(await this.promote(byId, now)));
    events.push(...(await this.clearRulesGone(now)));
    for (const r of rules) {
      if (r.condition.kind === "event") events.push(...(await this.recount(r, now)));
      if (r.condition.kind === "silence") events.push(...(await this.silence(r, r.condition, now)));
      if (r.condition.kind === "fleet") events.push(...(await this.fleet(r, r.condition, now)));
    }
    return events;
  }

  /** Diagnostic rules on runs the pass settled (timed out), in its transaction. */
  async afterDiagnostics(tx: StoreTx, settled: readonly AcsEvent[], now: Date): Promise<AcsEvent[]> {
    const out: AcsEvent[] = [];
    for (const e of settled) {
      if (e.type !== "diagnostic.completed") continue;
      out.push(...(await this.alarms.onExchange(tx, e.deviceId, { device: null, informEvents: null, values: [], settled: [e.diagnosticId] }, now)));
    }
    return out;
  }

  /** Pending alarms whose rule's duration has passed become active; those of a rule gone or disabled go. */
  private async promote(rules: Map<string, CompiledRule>, now: Date): Promise<AcsEvent[]> {
    const events: AcsEvent[] = [];
    for (const p of await this.store.alarms.pendingSince(now, this.limit)) {
      const r = p.ruleId === null ? undefined : rules.get(p.ruleId);
      if (r === undefined || r.condition.kind !== "value") {
        await this.store.alarms.drop(p.id);
        continue;
      }
      if (!durationPassed(r.condition.forSeconds, p.lastChangedAt, now)) continue;
      events.push(...(await this.store.transaction(async (tx) => {
        const a = await tx.alarms.transition(p.id, "raised", now);
        return recordEvents(tx, a === null ? [] : [alarmEvent("alarm.raised", a, now)]);
      })));
    }
    return events;
  }

  /** Active alarms of a rule deleted or disabled clear, their history saying so: nothing would clear them otherwise. */
  private async clearRulesGone(now: Date): Promise<AcsEvent[]> {
    const events: AcsEvent[] = [];
    for (const g of await this.store.alarms.rulesGone(this.limit)) {
      events.push(...(await this.store.transaction(async (tx) => {
        const a = await tx.alarms.transition(g.alarm.id, "cleared", now, { reason: `rule ${g.rule}` });
        return recordEvents(tx, a === null ? [] : [alarmEvent("alarm.cleared", a, now)]);
      })));
    }
    return events;
  }

  /** Active alarms of an event rule whose window no longer holds enough events clear. */
  private async recount(r: CompiledRule, now: Date): Promise<AcsEvent[]> {
    if (r.condition.kind !== "event") return [];
    const c = r.condition;
    const events: AcsEvent[] = [];
    for (const a of await this.store.alarms.list({ ruleId: r.rule.id, state: ["active"], limit: this.limit })) {
      if (a.deviceId === null) continue;
      const deviceId = a.deviceId;
      events.push(...(await this.store.transaction(async (tx) => {
        const open = await tx.alarms.get(a.id);
        const step = eventStep(c, await tx.events.list(deviceId, Math.max(100, c.count * 4)), false, openOf(open), now);
        const e = step === "clear" ? await applyStep(tx, step, open, ruleAlarm(r, deviceId, ruleKey(r), a.text, a.detail), now) : null;
        return recordEvents(tx, e === null ? [] : [e]);
      })));
    }
    return events;
  }

  /** One alarm per group of the fleet whose share of counted devices (alarmed by the watched rule, or with the value) is above the threshold. */
  private async fleet(r: CompiledRule, c: FleetCondition, now: Date): Promise<AcsEvent[]> {
    const onlineWithinMs = this.alarms.o.onlineWithinMs;
    const matching = fleetFilter(c);
    const shares = await this.store.alarms.fleetShares({
      groupBy: c.groupBy,
      ...(matching === null ? { ruleId: c.ruleId ?? "" } : { matching: { filter: matching, now, onlineWithinMs } }),
      ...(r.filter === null ? {} : { devices: { filter: r.filter, now, onlineWithinMs } }),
    });
    const counted = matching === null ? `an alarm of rule ${c.ruleId ?? ""}` : `${c.path ?? ""} ${c.op ?? ""} ${String(c.threshold)}`;
    const events: AcsEvent[] = [];
    const groups = new Set<string>();
    const settle = async (key: string, verdict: "raise" | "clear", n: NewAlarm) => {
      try {
        events.push(...(await this.store.transaction(async (tx) => {
          const open = await tx.alarms.open(null, "rule", key);
          const step: Step = verdict === "raise" ? (open === null ? "raise" : "none") : open === null ? "none" : "clear";
          const e = await applyStep(tx, step, open, n, now);
          return recordEvents(tx, e === null ? [] : [e]);
        })));
      } catch (err) {
        // Another process raised it first.
        if (!(err instanceof StoreError && err.code === "STORE_DUPLICATE")) throw err;
      }
    };
    const alarm = (key: string, text: string, detail: NewAlarm["detail"]): NewAlarm => ({ deviceId: null, source: "rule", ruleId: r.rule.id, dedupeKey: key, severity: r.rule.severity, state: "active", text, detail });
    for (const g of shares) {
      const key = ruleKey(r, g.group);
      groups.add(key);
      const text = `${g.alarmed} of ${g.devices} devices of ${c.groupBy} ${JSON.stringify(g.group)} have ${counted} (above ${c.sharePercent}%)`;
      await settle(key, fleetVerdict(c, g.devices, g.alarmed), alarm(key, text, { groupBy: c.groupBy, group: g.group, devices: g.devices, alarmed: g.alarmed }));
    }
    // A group with no device left in the fleet is no longer above anything.
    for (const a of await this.store.alarms.list({ ruleId: r.rule.id, state: ["active"], limit: this.limit })) {
      if (a.deviceId === null && !groups.has(a.dedupeKey)) await settle(a.dedupeKey, "clear", alarm(a.dedupeKey, a.text, a.detail));
    }
    return events;
  }

  private async silence(r: CompiledRule, c: SilenceCondition, now: Date): Promise<AcsEvent[]> {
    const quiet: FilterNode = { kind: "compare", target: { kind: "field", name: "lastInform" }, op: "<", value: { kind: "now", offsetMs: -c.intervals * MIN_INTERVAL_SECONDS * 1000 } };
    const filter: FilterNode = r.filter === null ? quiet : { kind: "and", operands: [...(r.filter.kind === "and" ? r.filter.operands : [r.filter]), quiet] };
    const after = this.cursors.get(r.rule.id);
    const page = await this.store.devices.query({
      filter, now, onlineWithinMs: this.alarms.o.onlineWithinMs, limit: this.limit, projection: PERIODIC_INTERVAL, ...(after === undefined ? {} : { after }),
    });
    if (page.next === null) this.cursors.delete(r.rule.id);
    else this.cursors.set(r.rule.id, page.devices.at(-1)!.id);
    const events: AcsEvent[] = [];
    const key = ruleKey(r);
    for (const d of page.devices) {
      if (d.lastInformAt === null) continue;
      const interval = Number(d.parameters?.find((p) => p.value !== null && p.value !== "")?.value ?? NaN);
      const from = silentFrom(c, d.lastInformAt, Number.isFinite(interval) ? interval : null);
      if (from.getTime() > now.getTime()) continue;
      try {
        events.push(...(await this.store.transaction(async (tx) => {
          // It may have informed (or gone) since the page was read.
          const current = await tx.devices.get(d.id);
          if (current === null || current.lastInformAt?.getTime() !== d.lastInformAt!.getTime() || (await tx.alarms.open(d.id, "rule", key)) !== null) return [];
          const text = `no Inform since ${d.lastInformAt!.toISOString()}`;
          const a = await tx.alarms.insert(ruleAlarm(r, d.id, key, text, { lastInformAt: d.lastInformAt!.toISOString(), silentFrom: from.toISOString() }), now);
          return recordEvents(tx, [alarmEvent("alarm.raised", a, now)]);
        })));
      } catch (err) {
        // Another process raised it first.
        if (!(err instanceof StoreError && err.code === "STORE_DUPLICATE")) throw err;
      }
    }
    return events;
  }
}
