// What a rule's condition makes of what a device reported, given the alarm already open for it (if
// any). Pure: the store's side (server/alarms.ts) reads the open alarm, calls these and writes what
// they decide. Time is passed in.

import type { FilterNode } from "../query/index.js";
import type { DiagnosticCondition, EventCondition, FleetCondition, SilenceCondition, ValueCondition, ValueOp } from "./rules.js";

/** An alarm open for a rule and key: pending (the condition holds, its duration not yet), or active. */
export interface OpenAlarm {
  state: "pending" | "active";
  /** Pending: since when the condition holds; active: when it was raised. */
  since: Date;
}

/**
 * none: nothing changes; pend: the condition starts to hold, the alarm waits for its duration; raise: the
 * alarm becomes active (new, or a pending one whose duration passed); repeat: it holds again while active
 * (the alarm counts it); clear: an active alarm ends; drop: a pending one goes, never raised.
 */
export type Step = "none" | "pend" | "raise" | "repeat" | "clear" | "drop";

function numberOf(v: number | string): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * `value op threshold`; null when an ordered comparison meets a value that is no number (unknown, not
 * false: a device reporting "N/A" neither raises nor clears). == and != compare as numbers when both
 * are, else as texts; ~ is a regular expression on the text.
 */
export function compare(op: ValueOp, value: string, threshold: number | string): boolean | null {
  if (op === "~") return new RegExp(String(threshold)).test(value);
  const a = numberOf(value);
  const b = numberOf(threshold);
  if (op === "==" || op === "!=") {
    const equal = a !== null && b !== null ? a === b : value === String(threshold);
    return op === "==" ? equal : !equal;
  }
  if (a === null || b === null) return null;
  switch (op) {
    case ">": return a > b;
    case ">=": return a >= b;
    case "<": return a < b;
    case "<=": return a <= b;
  }
}

/** raise: the raise condition holds; clear: the clear condition no longer does; hold: in between (or unknown). */
export function valueVerdict(c: ValueCondition, value: string): "raise" | "clear" | "hold" {
  const raise = compare(c.op, value, c.raise);
  if (raise === true) return "raise";
  const keep = compare(c.op, value, c.clear ?? c.raise);
  if (keep === null || raise === null) return "hold";
  return keep ? "hold" : "clear";
}

/** Whether a pending alarm's condition has held long enough. */
export function durationPassed(forSeconds: number | undefined, since: Date, now: Date): boolean {
  return now.getTime() - since.getTime() >= (forSeconds ?? 0) * 1000;
}

/**
 * A reported value of a watched parameter. With a duration, the condition must hold at every report
 * from the first that met it until the duration passed (checked at reports and by the periodic pass);
 * a report in the hysteresis band breaks a pending alarm's run, but keeps an active alarm.
 */
export function valueStep(c: ValueCondition, value: string, open: OpenAlarm | null, now: Date): Step {
  const v = valueVerdict(c, value);
  if (open === null) return v === "raise" ? (c.forSeconds === undefined ? "raise" : "pend") : "none";
  if (open.state === "pending") {
    if (v !== "raise") return "drop";
    return durationPassed(c.forSeconds, open.since, now) ? "raise" : "none";
  }
  if (v === "raise") return "repeat";
  return v === "clear" ? "clear" : "none";
}

/** Occurrences of `code` at or after `now - windowSeconds`. */
export function eventsInWindow(c: EventCondition, events: readonly { code: string; at: Date }[], now: Date): number {
  const from = now.getTime() - c.windowSeconds * 1000;
  const code = c.code.trim();
  return events.filter((e) => e.code.trim() === code && e.at.getTime() >= from && e.at.getTime() <= now.getTime()).length;
}

/**
 * An Inform (or a periodic look): `events` are the device's recorded events, newest first, the current
 * Inform's included; `reported` says whether this Inform carried the code (only then is it a repeat).
 */
export function eventStep(c: EventCondition, events: readonly { code: string; at: Date }[], reported: boolean, open: OpenAlarm | null, now: Date): Step {
  const n = eventsInWindow(c, events, now);
  if (n >= c.count) {
    if (open === null) return "raise";
    return reported ? "repeat" : "none";
  }
  return open === null ? "none" : "clear";
}

/** When a device that last informed at `lastInform` becomes silent under the rule. */
export function silentFrom(c: SilenceCondition, lastInform: Date, periodicIntervalSeconds: number | null): Date {
  const interval = periodicIntervalSeconds !== null && periodicIntervalSeconds > 0 ? periodicIntervalSeconds : c.intervalSeconds;
  return new Date(lastInform.getTime() + c.intervals * interval * 1000);
}

/** A group of the fleet: raise when its share of alarmed devices is above the threshold (and it is big enough), else clear. */
export function fleetVerdict(c: FleetCondition, devices: number, alarmed: number): "raise" | "clear" {
  if (devices === 0 || devices < (c.minDevices ?? 1)) return "clear";
  return (alarmed * 100) / devices > c.sharePercent ? "raise" : "clear";
}

/**
 * The devices a fleet rule on a value counts, as a device filter (`path op threshold`, compared as
 * filters compare stored values: numbers as numbers), or null for a rule that counts another rule's alarms.
 */
export function fleetFilter(c: FleetCondition): FilterNode | null {
  if (c.path === undefined || c.op === undefined || c.threshold === undefined) return null;
  const value = typeof c.threshold === "number" ? { kind: "number" as const, value: c.threshold } : { kind: "string" as const, value: c.threshold };
  return { kind: "compare", target: { kind: "parameter", path: c.path }, op: c.op === "==" ? "=" : c.op, value };
}

export interface SettledRun {

  kind: string;
  status: string;
  /** { results: {...}, tables: {...} } as stored. */
  results: unknown;
}

const DID_NOT_COMPLETE = new Set(["error", "failed", "timeout"]);

/** raise, clear, or null when the run says nothing about the rule (another kind, cancelled, no such result). */
export function diagnosticVerdict(c: DiagnosticCondition, run: SettledRun): "raise" | "clear" | null {
  if (run.kind !== c.diagnostic || run.status === "cancelled") return null;
  if (c.field === undefined) {
    if (DID_NOT_COMPLETE.has(run.status)) return "raise";
    return run.status === "complete" ? "clear" : null;
  }
  if (run.status !== "complete") return null;
  const results = (run.results as { results?: Record<string, unknown> } | null)?.results ?? {};
  const value = results[c.field];
  if (typeof value !== "number" && typeof value !== "string") return null;
  const holds = compare(c.op!, String(value), c.threshold!);
  return holds === null ? null : holds ? "raise" : "clear";
}
