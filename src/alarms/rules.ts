// What an alarm rule watches (its condition), checked once when a rule is written so that evaluation
// never meets a rule it cannot read. Pure.

import { checkPath } from "../model/index.js";
import { type Severity } from "./severity.js";

/** `~` matches a regular expression (the value as text); the others compare numbers, or texts when either side is not one. */
export const VALUE_OPS = [">", ">=", "<", "<=", "==", "!=", "~"] as const;
export type ValueOp = (typeof VALUE_OPS)[number];

/**
 * A parameter's reported value. `path` may hold `*` for one instance number (Device.WiFi.Radio.*.Stats.Noise):
 * each matching parameter is an alarm of its own. Raised when `value op raise` holds (for `forSeconds`
 * when given); cleared when `value op clear` no longer holds (`clear` defaults to `raise`): with
 * `> 80` and clear 70, a value of 75 keeps the alarm as it is (hysteresis).
 */
export interface ValueCondition {
  kind: "value";
  path: string;
  op: ValueOp;
  raise: number | string;
  clear?: number | string;
  forSeconds?: number;
}

/** An Inform event code (`1 BOOT`) reported at least `count` times within `windowSeconds`; clears when fewer are. */
export interface EventCondition {
  kind: "event";
  code: string;
  count: number;
  windowSeconds: number;
}

/**
 * No Inform for `intervals` periodic intervals: the device's PeriodicInformInterval when Provisio knows
 * it, else `intervalSeconds`. Clears at the device's next Inform.
 */
export interface SilenceCondition {
  kind: "silence";
  intervals: number;
  intervalSeconds: number;
}

/**
 * A settled diagnostic of `diagnostic` kind: without `field`, raised when it did not complete (error,
 * failed, timeout); with `field` (a result, e.g. AverageResponseTime), when `field op threshold` holds.
 * A run that does not meet it clears the alarm.
 */
export interface DiagnosticCondition {
  kind: "diagnostic";
  diagnostic: string;
  field?: string;
  op?: ValueOp;
  threshold?: number | string;
}

/**
 * The fleet: the devices the rule's filter selects, grouped by product class, software version or tag
 * (a device counts in each of its tags' groups); a group of at least `minDevices` whose share (percent)
 * of counted devices is above `sharePercent` has one fleet-level alarm; it clears once the share is no
 * longer above it. Counted: devices with an active alarm of rule `ruleId`, or (with `path`, `op` and
 * `threshold` instead) devices whose stored value of `path` meets `op threshold`, as filters compare.
 */
export interface FleetCondition {
  kind: "fleet";
  groupBy: "productClass" | "softwareVersion" | "tag";
  ruleId?: string;
  path?: string;
  op?: Exclude<ValueOp, "~">;
  threshold?: number | string;
  sharePercent: number;
  minDevices?: number;
}

export type AlarmCondition = ValueCondition | EventCondition | SilenceCondition | DiagnosticCondition | FleetCondition;
export const CONDITION_KINDS = ["value", "event", "silence", "diagnostic", "fleet"] as const;

/** Whether Provisio asks devices to notify changes of a value rule's parameter: 2 active, 1 passive, 0 not at all. */
export type NotificationMode = "active" | "passive" | "none";

export interface AlarmRuleSpec {
  name: string;
  description: string;
  enabled: boolean;
  severity: Severity;
  /** Which devices it applies to (docs/filters.md); "" for all. */
  filter: string;
  condition: AlarmCondition;
  notification: NotificationMode;
}

const MAX_SECONDS = 366 * 86_400;

function regexProblem(source: string): string | null {
  try {
    new RegExp(source);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function positive(n: unknown, max: number): boolean {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= max;
}

/** What is wrong with a condition, or [] (the API's schema has checked its shape; these are its meanings). */
export function conditionProblems(c: AlarmCondition): string[] {
  const out: string[] = [];
  const thresholds = (op: ValueOp | undefined, values: (number | string | undefined)[], where: string) => {
    for (const v of values) {
      if (v === undefined) continue;
      if (op === "~" && typeof v === "string") {
        const p = regexProblem(v);
        if (p !== null) out.push(`${where}: not a regular expression: ${p}`);
      }
      if (op !== undefined && op !== "==" && op !== "!=" && op !== "~" && typeof v !== "number") out.push(`${where}: ${op} compares numbers`);
    }
  };
  switch (c.kind) {
    case "value":
      {
        const bad = c.path.endsWith(".") ? "it names an object, not a parameter" : checkPath(c.path);
        if (bad !== undefined) out.push(`path ${JSON.stringify(c.path)}: ${bad}`);
      }
      thresholds(c.op, [c.raise, c.clear], "raise/clear");
      if (c.clear !== undefined && (c.op === "==" || c.op === "!=" || c.op === "~")) out.push(`clear is for ordered comparisons (> >= < <=); ${c.op} clears when it stops holding`);
      if (c.clear !== undefined && typeof c.raise === "number" && typeof c.clear === "number") {
        if ((c.op === ">" || c.op === ">=") && c.clear > c.raise) out.push("clear must not be above raise for > and >=");
        if ((c.op === "<" || c.op === "<=") && c.clear < c.raise) out.push("clear must not be below raise for < and <=");
      }
      if (c.forSeconds !== undefined && !positive(c.forSeconds, MAX_SECONDS)) out.push("forSeconds must be a whole number of seconds from 1");
      break;
    case "event":
      if (c.code.trim() === "") out.push("code is empty");
      if (!positive(c.count, 10_000)) out.push("count must be from 1 to 10000");
      if (!positive(c.windowSeconds, MAX_SECONDS)) out.push("windowSeconds must be a whole number of seconds from 1");
      break;
    case "silence":
      if (!positive(c.intervals, 1000)) out.push("intervals must be from 1 to 1000");
      if (!positive(c.intervalSeconds, MAX_SECONDS)) out.push("intervalSeconds must be a whole number of seconds from 1");
      break;
    case "fleet":
      if (!(c.sharePercent >= 0 && c.sharePercent < 100)) out.push("sharePercent must be from 0 to below 100");
      if (c.minDevices !== undefined && !positive(c.minDevices, 1_000_000)) out.push("minDevices must be a whole number from 1");
      if (c.ruleId !== undefined && c.ruleId.trim() === "") out.push("ruleId is empty");
      if ((c.path === undefined) !== (c.op === undefined) || (c.path === undefined) !== (c.threshold === undefined)) out.push("path, op and threshold go together");
      if ((c.ruleId === undefined) === (c.path === undefined)) out.push("a fleet rule counts either a rule's alarms (ruleId) or a value (path, op, threshold)");
      if (c.path !== undefined) {
        const bad = c.path.endsWith(".") || c.path.includes("*") ? "a fleet rule reads one parameter (no object, no *)" : checkPath(c.path);
        if (bad !== undefined) out.push(`path ${JSON.stringify(c.path)}: ${bad}`);
      }
      if ((c.op as ValueOp | undefined) === "~") out.push("a fleet rule compares with > >= < <= == or !=, not ~");
      thresholds(c.op, [c.threshold], "threshold");
      break;

    case "diagnostic":
      if ((c.field === undefined) !== (c.op === undefined) || (c.field === undefined) !== (c.threshold === undefined)) out.push("field, op and threshold go together");
      thresholds(c.op, [c.threshold], "threshold");
      break;
  }
  return out;
}
