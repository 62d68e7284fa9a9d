// The type rules of the language (which operators and values fit which field), shared by the parser,
// which reports a broken rule at its place in the text, and by `validate`, which checks a filter given
// as an object (built by code, or read from JSON) and brings it to its normal form.
import { checkPath } from "../model/path.js";
import { isSeverity, SEVERITIES } from "../alarms/severity.js";
import {
  COMPARE_OPS, CREDENTIALS_VALUES, PROTOCOL_VALUES, FIELD_NAMES, FILTER_LIMITS, fieldKind, isTextOp, type CompareOp, type FieldName, type FilterNode, type Literal, type Target,
} from "./ast.js";
import { FilterError, type FilterErrorCode } from "./errors.js";
import { globProblem } from "./pattern.js";
import { MAX_OFFSET_MS, timeLiteralOf } from "./values.js";

const OP_MEANING: Readonly<Record<string, string>> = { "^=": "starts with", "*=": "contains", "~=": "matches the pattern" };

/** A broken rule, and what it is about: the target, the operator, or the value at an index. */
export interface Problem {
  code: FilterErrorCode;
  reason: string;
  at: "target" | "op" | number;
}

export function describeTarget(t: Target): string {
  return t.kind === "field" ? t.name : t.path;
}

function describeLiteral(v: Literal): string {
  switch (v.kind) {
    case "string": return "a string";
    case "number": return "a number";
    case "boolean": return String(v.value);
    case "now": return "a relative time";
  }
}

/** Why `path` cannot be a parameter path of a filter, or undefined. */
export function pathProblem(path: string): string | undefined {
  if (!path.includes(".")) return `"${path}" is not a parameter path: a path starts with its root object (Device., InternetGatewayDevice.)`;
  const why = checkPath(path, { concrete: true });
  return why === undefined ? undefined : `"${path}" is not a valid parameter path: ${why}`;
}

/** Why a string cannot be a value (a database text cannot hold it), or undefined. */
export function stringProblem(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return "a string cannot hold the character U+0000";
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return "a string cannot hold an unpaired surrogate";
    }
    if (c >= 0xdc00 && c <= 0xdfff) return "a string cannot hold an unpaired surrogate";
  }
  return undefined;
}

/** Why a value of one comparison (`op` given) or of an IN list (`op` null) does not fit `target`. */
function valueProblem(target: Target, op: CompareOp | null, v: Literal, at: number): Problem | null {
  const name = describeTarget(target);
  if (op === "~=" && v.kind === "string") {
    const why = globProblem(v.value);
    if (why !== undefined) return { code: "FILTER_STRING", reason: why, at };
  }
  if (target.kind === "parameter") {
    if (op !== null && isTextOp(op) && v.kind !== "string") return { code: "FILTER_TYPE", reason: `${op} (${OP_MEANING[op]}) needs a string, not ${describeLiteral(v)}`, at };
    if (v.kind === "boolean" && op !== null && op !== "=" && op !== "!=") {
      return { code: "FILTER_TYPE", reason: `${v.value} can only be compared with = or !=`, at: "op" };
    }
    return null;
  }
  const kind = fieldKind(target.name);
  if (kind === "alarm") {
    if (target.name === "alarm.active") return v.kind === "number" ? null : { code: "FILTER_TYPE", reason: `alarm.active is a count of active alarms, not ${describeLiteral(v)}`, at };
    return v.kind === "string" && isSeverity(v.value) ? null : { code: "FILTER_TYPE", reason: `alarm.severity is one of ${SEVERITIES.map((s) => `"${s}"`).join(", ")}, not ${describeLiteral(v)}`, at };
  }
  if (kind === "time") {
    if (v.kind === "now") return null;
    if (v.kind === "string") {
      return timeLiteralOf(v.value) === null
        ? { code: "FILTER_TIME", reason: `${name} is a time: "${v.value}" is neither an ISO-8601 date-time ("2024-05-01T10:00:00Z", "2024-05-01") nor now-15m`, at }
        : null;
    }
    return { code: "FILTER_TYPE", reason: `${name} is a time, not ${describeLiteral(v)}: write "2024-05-01T10:00:00Z" or now-1h`, at };
  }
  if (v.kind !== "string") {
    const hint = v.kind === "number" ? `; quote it: "${v.value}"` : "";
    return { code: "FILTER_TYPE", reason: `${name} holds text, not ${describeLiteral(v)}${hint}`, at };
  }
  if (target.name === "credentials" && (op === null || op === "=" || op === "!=") && !(CREDENTIALS_VALUES as readonly string[]).includes(v.value)) {
    return { code: "FILTER_TYPE", reason: `credentials is "own" or "bootstrap", not "${v.value}"`, at };
  }
  if (target.name === "protocol" && (op === null || op === "=" || op === "!=") && !(PROTOCOL_VALUES as readonly string[]).includes(v.value)) {
    return { code: "FILTER_TYPE", reason: `protocol is "cwmp" or "usp", not "${v.value}"`, at };
  }
  return null;
}

/** The first broken rule of a condition, or null. */
export function conditionProblem(node: Extract<FilterNode, { kind: "compare" | "in" | "exists" }>): Problem | null {
  const t = node.target;
  if (t.kind === "parameter") {
    const why = pathProblem(t.path);
    if (why !== undefined) return { code: "FILTER_PATH", reason: why, at: "target" };
  }
  if (node.kind === "exists") return null;
  if (t.kind === "parameter" && t.path.endsWith(".")) {
    return { code: "FILTER_TYPE", reason: `${t.path} is an object, which has no value: only EXISTS and NOT EXISTS apply to it`, at: "op" };
  }
  if (node.kind === "compare") {
    if (t.kind === "field") {
      const kind = fieldKind(t.name);
      if (kind === "time" && isTextOp(node.op)) return { code: "FILTER_TYPE", reason: `${node.op} (${OP_MEANING[node.op]}) applies to text, and ${t.name} is a time`, at: "op" };
      if (kind === "alarm" && isTextOp(node.op)) return { code: "FILTER_TYPE", reason: `${node.op} (${OP_MEANING[node.op]}) applies to text; ${t.name} is compared with = != < <= > >=`, at: "op" };
      if (kind === "tag" && node.op !== "=" && node.op !== "!=" && !isTextOp(node.op)) {
        return { code: "FILTER_TYPE", reason: `tags are compared with =, !=, ^=, *= or ~= (a device has several), not ${node.op}`, at: "op" };
      }
    }
    return valueProblem(t, node.op, node.value, 0);
  }
  for (const [i, v] of node.values.entries()) {
    const p = valueProblem(t, null, v, i);
    if (p) return p;
  }
  return null;
}

/** Why a literal is not a valid value at all (whatever it is compared with), or undefined. */
export function literalProblem(v: Literal): { code: FilterErrorCode; reason: string } | undefined {
  switch (v.kind) {
    case "string": {
      const why = stringProblem(v.value);
      return why === undefined ? undefined : { code: "FILTER_STRING", reason: why };
    }
    case "number":
      return Number.isFinite(v.value) ? undefined : { code: "FILTER_NUMBER", reason: `${v.value} is not a finite number` };
    case "now":
      return Number.isInteger(v.offsetMs) && Math.abs(v.offsetMs) <= MAX_OFFSET_MS
        ? undefined : { code: "FILTER_TIME", reason: "the offset from now is not a whole number of milliseconds within about 3,000 years" };
    case "boolean":
      return undefined;
  }
}

// --- validate: a filter as an object ---

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bad(reason: string): never {
  throw new FilterError("FILTER_AST", reason);
}

function checkKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${what} has an unexpected property "${k}"`);
}

function readTarget(v: unknown): Target {
  if (!isRecord(v)) bad("a condition's target must be an object");
  if (v.kind === "field") {
    checkKeys(v, ["kind", "name"], "a field target");
    if (typeof v.name !== "string" || !(FIELD_NAMES as readonly string[]).includes(v.name)) {
      throw new FilterError("FILTER_FIELD", `unknown field ${JSON.stringify(v.name)}: fields are ${FIELD_NAMES.join(", ")}`);
    }
    return { kind: "field", name: v.name as FieldName };
  }
  if (v.kind === "parameter") {
    checkKeys(v, ["kind", "path"], "a parameter target");
    if (typeof v.path !== "string") bad("a parameter target needs a path string");
    return { kind: "parameter", path: v.path };
  }
  return bad(`a target's kind must be "field" or "parameter", not ${JSON.stringify(v.kind)}`);
}

function readLiteral(v: unknown): Literal {
  if (!isRecord(v)) bad("a value must be an object such as { kind: \"string\", value: \"x\" }");
  let lit: Literal;
  if (v.kind === "string" && typeof v.value === "string") lit = { kind: "string", value: v.value };
  else if (v.kind === "number" && typeof v.value === "number") lit = { kind: "number", value: v.value === 0 ? 0 : v.value };
  else if (v.kind === "boolean" && typeof v.value === "boolean") lit = { kind: "boolean", value: v.value };
  else if (v.kind === "now" && typeof v.offsetMs === "number") lit = { kind: "now", offsetMs: v.offsetMs === 0 ? 0 : v.offsetMs };
  else return bad(`not a value: ${JSON.stringify(v)}`);
  checkKeys(v, lit.kind === "now" ? ["kind", "offsetMs"] : ["kind", "value"], "a value");
  const p = literalProblem(lit);
  if (p) throw new FilterError(p.code, p.reason);
  return lit;
}

interface Budget {
  conditions: number;
}

function readNode(v: unknown, depth: number, budget: Budget): FilterNode {
  // Parsed text nests AND/OR two levels without parentheses (a OR b AND c), hence the + 2.
  if (depth > FILTER_LIMITS.depth + 2) throw new FilterError("FILTER_LIMIT", `the filter is nested more than ${FILTER_LIMITS.depth} levels deep`);
  if (!isRecord(v)) bad("a filter node must be an object");
  switch (v.kind) {
    case "and":
    case "or": {
      checkKeys(v, ["kind", "operands"], `an "${v.kind}" node`);
      if (!Array.isArray(v.operands) || v.operands.length === 0) bad(`an "${v.kind}" node needs a non-empty operands array`);
      const kind = v.kind;
      const operands: FilterNode[] = [];
      for (const o of v.operands) {
        const n = readNode(o, depth + 1, budget);
        if (n.kind === kind) operands.push(...n.operands);
        else operands.push(n);
      }
      if (operands.length === 1) return operands[0]!;
      return { kind, operands };
    }
    case "not":
      checkKeys(v, ["kind", "operand"], "a \"not\" node");
      return { kind: "not", operand: readNode(v.operand, depth + 1, budget) };
    case "online":
      checkKeys(v, ["kind"], "an \"online\" node");
      countCondition(budget);
      return { kind: "online" };
    case "compare":
    case "in":
    case "exists": {
      countCondition(budget);
      const target = readTarget(v.target);
      let node: Extract<FilterNode, { kind: "compare" | "in" | "exists" }>;
      if (v.kind === "exists") {
        checkKeys(v, ["kind", "target"], "an \"exists\" node");
        node = { kind: "exists", target };
      } else if (v.kind === "compare") {
        checkKeys(v, ["kind", "target", "op", "value"], "a \"compare\" node");
        if (typeof v.op !== "string" || !(COMPARE_OPS as readonly string[]).includes(v.op)) bad(`not an operator: ${JSON.stringify(v.op)}`);
        node = { kind: "compare", target, op: v.op as CompareOp, value: readLiteral(v.value) };
      } else {
        checkKeys(v, ["kind", "target", "values"], "an \"in\" node");
        if (!Array.isArray(v.values) || v.values.length === 0) bad("an \"in\" node needs a non-empty values array");
        if (v.values.length > FILTER_LIMITS.inValues) throw new FilterError("FILTER_LIMIT", `an IN list holds more than ${FILTER_LIMITS.inValues} values`);
        node = { kind: "in", target, values: v.values.map(readLiteral) };
      }
      const p = conditionProblem(node);
      if (p) throw new FilterError(p.code, p.reason);
      return node;
    }
    default:
      return bad(`unknown node kind ${JSON.stringify(v.kind)}`);
  }
}

function countCondition(budget: Budget): void {
  if (++budget.conditions > FILTER_LIMITS.conditions) {
    throw new FilterError("FILTER_LIMIT", `the filter has more than ${FILTER_LIMITS.conditions} conditions`);
  }
}

/**
 * Checks a filter given as an object (from code or JSON) against the AST's shape, the type rules and
 * the limits, and returns it in normal form (nested AND in AND and OR in OR flattened, one-operand
 * AND/OR replaced by the operand): the form `parse` gives. Throws FilterError.
 */
export function validate(node: unknown): FilterNode {
  return readNode(node, 0, { conditions: 0 });
}
