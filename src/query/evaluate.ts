// In-memory matching of one device (presets use it in a session). The store compiles the same AST to
// SQL (store/sql/filter.ts); a conformance test holds the two to the same answers.
//
// The rules, in short (docs/filters.md has them in full):
// - A condition on something the device does not have (an unknown field, a parameter it lacks or whose
//   value is unknown) is false, whatever the operator; NOT of it is true.
// - Parameter values are compared according to the literal: a number compares numerically with values
//   that are numbers (others never match), true/false match "1"/"true" and "0"/"false", now-15m compares
//   as a time with values that are xsd:dateTime, a quoted ISO date-time compares as a time with values
//   that are date-times and as text with others, any other string compares as text (by code point).
// - ^= (starts with), *= (contains) and ~= (glob) read any value as text, case-sensitively.
// - tag = "x" holds when "x" is one of the tags; tag != "x" when it is not; tag ^= "x" (*=, ~=) when one
//   of them starts with (contains, matches) "x".
import { fieldKind, isTextOp, type CompareOp, type FilterNode, type Literal, type TextField, type TimeField } from "./ast.js";
import { analyze } from "./analyze.js";
import { isSeverity, severityRank, type Severity } from "../alarms/severity.js";
import { FilterError } from "./errors.js";
import { matchPattern, patternOf } from "./pattern.js";
import { booleanOf, compareText, numberOf, timeLiteralOf, timeOf } from "./values.js";

/** A parameter's stored value (text, as the device sent it) and xsd type. */
export interface ParameterValue {
  value: string | null;
  type: string | null;
}

/** What a filter can read of a device. A store DeviceRecord plus a parameter lookup is one. */
export interface FilterDevice {
  id: string;
  oui: string;
  productClass: string;
  serialNumber: string;
  manufacturer: string;
  cwmpVersion: string | null;
  /** "own" or "bootstrap" (store DeviceRecord.credentials). */
  credentials: string;
  /** "cwmp" or "usp" (store DeviceRecord.protocol); absent reads as "cwmp". */
  protocol?: string;
  registeredAt: Date;
  lastInformAt: Date | null;
  lastBootAt: Date | null;
  lastBootstrapAt: Date | null;
  tags: readonly string[];
  /** The device's active alarms: how many, and the highest severity (absent: none). */
  alarms?: { active: number; severity: Severity | null };
  /** The parameter (or object, for a path ending with ".") at `path`, or undefined when the device has none. */
  parameter(path: string): ParameterValue | undefined;
}

export interface EvaluateOptions {
  /** The time relative times (now-15m) and `online` are measured from. */
  now: Date;
  /** `online` holds when the last Inform is at most this old. Needed only by filters that use `online`. */
  onlineWithinMs?: number;
}

/** A device with its parameters given as records (e.g. from the store's parameters.all / get). */
export function filterDevice<D extends Omit<FilterDevice, "parameter">>(
  device: D,
  parameters: Iterable<{ path: string; value: string | null; type: string | null }>,
): D & Pick<FilterDevice, "parameter"> {
  const byPath = new Map<string, ParameterValue>();
  for (const p of parameters) byPath.set(p.path, { value: p.value, type: p.type });
  return { ...device, parameter: (path: string) => byPath.get(path) };
}

const TEXT_PROPERTY: Readonly<Record<TextField, keyof FilterDevice>> = {
  id: "id", oui: "oui", productClass: "productClass", serialNumber: "serialNumber", manufacturer: "manufacturer", cwmpVersion: "cwmpVersion",
  credentials: "credentials", protocol: "protocol",
};
const TIME_PROPERTY: Readonly<Record<TimeField, "registeredAt" | "lastInformAt" | "lastBootAt" | "lastBootstrapAt">> = {
  registered: "registeredAt", lastInform: "lastInformAt", lastBoot: "lastBootAt", lastBootstrap: "lastBootstrapAt",
};

function ordered(cmp: number, op: CompareOp): boolean {
  switch (op) {
    case "=": return cmp === 0;
    case "!=": return cmp !== 0;
    case "<": return cmp < 0;
    case "<=": return cmp <= 0;
    case ">": return cmp > 0;
    case ">=": return cmp >= 0;
    case "^=": case "*=": case "~=": return false;
  }
}

function numeric(a: number, b: number, op: CompareOp): boolean {
  return ordered(a < b ? -1 : a > b ? 1 : 0, op);
}

/** The instant a time literal stands for at `now` (null for a literal that is not a time). */
export function literalTime(v: Literal, now: Date): number | null {
  if (v.kind === "now") return now.getTime() + v.offsetMs;
  if (v.kind === "string") return timeLiteralOf(v.value);
  return null;
}

function compareText_(value: string, op: CompareOp, v: string): boolean {
  if (op === "^=") return value.startsWith(v);
  if (op === "*=" || op === "~=") return matchPattern(patternOf(op, v), value);
  return ordered(compareText(value, v), op);
}

function compareParameter(p: ParameterValue | undefined, op: CompareOp, v: Literal, now: Date): boolean {
  const text = p?.value ?? null;
  if (text === null) return false;
  switch (v.kind) {
    case "number": {
      const n = numberOf(text);
      return n !== null && numeric(n, v.value, op);
    }
    case "boolean": {
      const b = booleanOf(text);
      return b !== null && (op === "=" ? b === v.value : op === "!=" ? b !== v.value : false);
    }
    case "now": {
      const t = timeOf(text);
      return t !== null && numeric(t, now.getTime() + v.offsetMs, op);
    }
    case "string": {
      if (!isTextOp(op)) {
        const lt = timeLiteralOf(v.value);
        const t = lt === null ? null : timeOf(text);
        if (lt !== null && t !== null) return numeric(t, lt, op);
      }
      return compareText_(text, op, v.value);
    }
  }
}

function compare(node: Extract<FilterNode, { kind: "compare" }>, d: FilterDevice, now: Date): boolean {
  const { target, op, value } = node;
  if (target.kind === "parameter") return compareParameter(d.parameter(target.path), op, value, now);
  const kind = fieldKind(target.name);
  if (kind === "alarm") {
    if (target.name === "alarm.active") return value.kind === "number" && numeric(d.alarms?.active ?? 0, value.value, op);
    const highest = d.alarms?.severity ?? null;
    return highest !== null && value.kind === "string" && isSeverity(value.value) && numeric(severityRank(highest), severityRank(value.value), op);
  }
  if (kind === "tag") {
    const v = (value as Extract<Literal, { kind: "string" }>).value;
    if (isTextOp(op)) return d.tags.some((t) => compareText_(t, op, v));
    const has = d.tags.includes(v);
    return op === "=" ? has : op === "!=" ? !has : false;
  }
  if (kind === "time") {
    const at = d[TIME_PROPERTY[target.name as TimeField]];
    const lt = literalTime(value, now);
    return at !== null && lt !== null && numeric(at.getTime(), lt, op);
  }
  const text = textOf(d, target.name as TextField);
  return text !== null && value.kind === "string" && compareText_(text, op, value.value);
}

function exists(node: Extract<FilterNode, { kind: "exists" }>, d: FilterDevice): boolean {
  const t = node.target;
  if (t.kind === "parameter") return d.parameter(t.path) !== undefined;
  switch (fieldKind(t.name)) {
    case "tag": return d.tags.length > 0;
    case "alarm": return t.name === "alarm.active" || (d.alarms?.severity ?? null) !== null;
    case "time": return d[TIME_PROPERTY[t.name as TimeField]] !== null;
    case "text": return textOf(d, t.name as TextField) !== null;
  }
}

function textOf(d: FilterDevice, field: TextField): string | null {
  if (field === "protocol") return d.protocol ?? "cwmp";
  return (d[TEXT_PROPERTY[field]] as string | null | undefined) ?? null;
}

function evaluateNode(node: FilterNode, d: FilterDevice, o: EvaluateOptions): boolean {
  switch (node.kind) {
    case "and": return node.operands.every((n) => evaluateNode(n, d, o));
    case "or": return node.operands.some((n) => evaluateNode(n, d, o));
    case "not": return !evaluateNode(node.operand, d, o);
    case "compare": return compare(node, d, o.now);
    case "in": return node.values.some((value) => compare({ kind: "compare", target: node.target, op: "=", value }, d, o.now));
    case "exists": return exists(node, d);
    case "online":
      return d.lastInformAt !== null && d.lastInformAt.getTime() >= o.now.getTime() - (o.onlineWithinMs ?? 0);
  }
}

/**
 * Does `device` match the filter? The filter must be valid (from `parse` or `validate`). Throws
 * FilterError FILTER_CONTEXT when it uses `online` and no window is given.
 */
export function evaluate(node: FilterNode, device: FilterDevice, options: EvaluateOptions): boolean {
  // Checked up front, so that the error does not depend on the device (AND and OR stop early).
  if (options.onlineWithinMs === undefined && analyze(node).online) {
    throw new FilterError("FILTER_CONTEXT", "the filter uses online, but no online window (onlineWithinMs) was given");
  }
  return evaluateNode(node, device, options);
}
