// GenieACS's older presets (and its NBI's `query`) select devices with a MongoDB query over the devices
// collection: {"_tags": "lab", "InternetGatewayDevice.DeviceInfo.SoftwareVersion._value": {"$ne": "2.0"}}.
// Translated to a Provisio filter AST, keeping MongoDB's meaning of a missing field: $ne, $nin and
// $not also match devices without it, which is Provisio's NOT.

import type { CompareOp, FilterNode, Target } from "../query/index.js";
import { Unmappable } from "./errors.js";
import { and, literalFor, not, or, subjectOf, tagIs, type Subject } from "./names.js";
import { regexFilter } from "./patterns.js";

const RANGE: Readonly<Record<string, CompareOp>> = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The query as a filter; null when it selects every device ({}). Throws Unmappable. */
export function mongoFilter(query: unknown): FilterNode | null {
  if (!isPlainObject(query)) throw new Unmappable(`the query ${JSON.stringify(query)} is not a JSON object`);
  const parts: FilterNode[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (!Array.isArray(value) || value.length === 0) throw new Unmappable(`${key} takes a non-empty array of queries`);
      const subs = value.map((q) => mongoFilter(q) ?? null);
      if (key === "$and") {
        const a = and(subs.filter((s): s is FilterNode => s !== null));
        if (a !== null) parts.push(a);
      } else if (subs.includes(null)) {
        // One alternative matches every device: the $or does too, the $nor none.
        if (key === "$nor") throw new Unmappable("$nor with an empty query (matches no device)");
      } else {
        const o = or(subs as FilterNode[]);
        parts.push(key === "$nor" ? not(o) : o);
      }
    } else if (key.startsWith("$")) {
      throw new Unmappable(`the operator ${key} (not supported at the top of a query)`);
    } else {
      parts.push(fieldFilter(key, subjectOf(key), value));
    }
  }
  return and(parts);
}

function fieldFilter(key: string, subject: Subject, value: unknown): FilterNode {
  if (!isPlainObject(value) || Object.keys(value).length === 0 || !Object.keys(value).every((k) => k.startsWith("$"))) {
    return equals(key, subject, value);
  }
  const ops = value;
  const parts: FilterNode[] = [];
  for (const [op, v] of Object.entries(ops)) {
    if (op === "$eq") parts.push(equals(key, subject, v));
    else if (op === "$ne") parts.push(not(equals(key, subject, v)));
    else if (op === "$in" || op === "$nin") {
      if (!Array.isArray(v) || v.length === 0) throw new Unmappable(`${key}: ${op} takes a non-empty array`);
      const any = or(v.map((x) => equals(key, subject, x)));
      parts.push(op === "$in" ? any : not(any));
    } else if (op === "$exists") {
      parts.push(v === true || v === 1 ? exists(key, subject) : not(exists(key, subject)));
    } else if (op === "$not") {
      parts.push(not(fieldFilter(key, subject, v)));
    } else if (op === "$regex") {
      const options = typeof ops.$options === "string" ? ops.$options : "";
      if (typeof v !== "string") throw new Unmappable(`${key}: $regex takes a string`);
      parts.push(regexFilter(targetOf(key, subject), v, options));
    } else if (op === "$options") {
      if (ops.$regex === undefined) throw new Unmappable(`${key}: $options without $regex`);
    } else if (RANGE[op] !== undefined) {
      const target = targetOf(key, subject);
      parts.push({ kind: "compare", target, op: RANGE[op], value: literalFor(target, v, key) });
    } else {
      throw new Unmappable(`${key}: the operator ${op} has no Provisio equivalent`);
    }
  }
  return and(parts)!;
}

/** Tags have no order: only equality, existence and patterns apply to them. */
function targetOf(key: string, subject: Subject): Target {
  if (subject.kind === "target") return subject.target;
  if (subject.kind === "tags") return { kind: "field", name: "tag" };
  throw new Unmappable(`${key}: a tag is present or not; it has no value to compare`);
}

function equals(key: string, subject: Subject, value: unknown): FilterNode {
  if (subject.kind === "tag") {
    if (typeof value !== "boolean") throw new Unmappable(`${key}: a tag is compared with true or false, not ${JSON.stringify(value)}`);
    return value ? tagIs(subject.tag) : not(tagIs(subject.tag));
  }
  if (value === null) return not(exists(key, subject));
  if (subject.kind === "tags") {
    if (typeof value !== "string") throw new Unmappable(`${key}: tags are strings, not ${JSON.stringify(value)}`);
    return tagIs(value);
  }
  return { kind: "compare", target: subject.target, op: "=", value: literalFor(subject.target, value, key) };
}

function exists(key: string, subject: Subject): FilterNode {
  if (subject.kind === "tag") return tagIs(subject.tag);
  return { kind: "exists", target: targetOf(key, subject) };
}
