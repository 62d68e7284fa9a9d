// A device's parameter records grouped in one row of device_trees (docs/scale.md): a JSON object keyed
// by path id (param_paths) whose members are compact records, stored as jsonb on PostgreSQL and as
// SQLite's JSONB (Dialect.jsonText, documentText). SQL still reads one path from it
// (`tree -> '<id>' ->> 'v'`), so a filter on a parameter that is not indexed stays a SQL condition.
//
// A record's members, absent when null: v value, t type ("xsd:" dropped; "!" before any other type),
// w writable, n notification, a access list, and what the filter language reads a value as
// (query/values.ts), derived when it is written so that SQL never casts text: "#" number, "@" time in
// ms. A value that is an integer written the way JSON writes it ("0", "-42": most values) is "#" alone,
// its text read back as the number's. The boolean is read in SQL from the text (a comparison with four
// words, no cast: Dialect.treeRecords). Times: the row keeps one of each (values_at, names_at,
// attributes_at, the most common in the tree); a record keeps its own (tv, tn, ta: ms, or -1 for none)
// only where it differs.
//
// A large tree (over KEPT_TREE_BYTES; on PostgreSQL, stored out of line) is not merged into at each
// write: the records a write of values changes go whole into the row's `recent` document, which a
// read takes first (treeRecord), until a write would take it past RECENT_BYTES: that write folds it,
// with its own records, into the tree. A periodic session writes the same few records each time: its
// writes cost what those records take, not what the tree does (on PostgreSQL the tree's TOAST value is
// not written again). A rewrite of the tree (a record added or removed) takes them back too. The row's
// shared times change only then, so recent's records are encoded against the times of the tree beside
// them.
import { numberOf, timeOf } from "../../query/values.js";
import type { ParameterRecord } from "../types.js";

type Times = "valueAt" | "namesAt" | "attributesAt";

/** A record as the store keeps it in memory: a ParameterRecord without its path (which tells `object`), times in ms. */
export type TreeRecord = Omit<ParameterRecord, "path" | "object" | Times> & Record<Times, number | null>;

/** A device's records by path. */
export type Tree = Map<string, TreeRecord>;

/**
 * A tree whose row takes more than this many bytes is not carried whole into a transaction's memory by
 * its writes, and its values are written in `recent` (on PostgreSQL, whatever its size, a tree stored
 * out of line: Dialect.treePatch): the transaction's reads of a few of its records read them in SQL
 * (tree-rows.ts: readRecords). Decoding a discovered gateway's tree (about 1,100 records, 40 to 80 kB
 * of JSON) to read ten of its records cost more than the write (BENCHMARKS.md, issue 18 round 11);
 * trees of a few dozen records (about 1.5 kB) are carried, and a transaction's later reads and writes of
 * them cost no statement.
 */
export const KEPT_TREE_BYTES = 8192;

/**
 * The size a large tree's `recent` document may reach: a write that would take it past this folds it
 * into the tree instead. A periodic session's records (a few dozen) stay below it; on PostgreSQL, once
 * compressed, it stays in the row's inline part.
 */
export const RECENT_BYTES = 4096;

/** SQL: the record of path id `key` (a text expression) in the device_trees row `alias`, JSON, NULL when absent. */
export function treeRecord(alias: string, key: string): string {
  return `COALESCE(${alias}.recent -> ${key}, ${alias}.tree -> ${key})`;
}

export interface EncodedRecord {
  v?: string;
  t?: string;
  w?: boolean;
  n?: number;
  a?: string[];
  "#"?: number;
  "@"?: number;
  tv?: number;
  tn?: number;
  ta?: number;
}

/** Every member a record may have. */
export const RECORD_MEMBERS: readonly (keyof EncodedRecord)[] = ["v", "t", "w", "n", "a", "#", "@", "tv", "tn", "ta"];

/** A device_trees row: the records keyed by path id, and the times they share. */
export interface EncodedTree {
  records: Record<string, EncodedRecord>;
  valuesAt: number | null;
  namesAt: number | null;
  attributesAt: number | null;
}

export function emptyRecord(): TreeRecord {
  return { value: null, type: null, writable: null, notification: null, accessList: null, valueAt: null, namesAt: null, attributesAt: null };
}

/**
 * An integer's text as JSON (and SQL's CAST of an integer to text) writes it: what "#" alone stands for.
 * Up to 15 digits, so that the number (a double) holds it exactly.
 */
export const CANONICAL_INTEGER = /^(0|-?[1-9]\d{0,14})$/;

function encodeType(type: string): string {
  return type.startsWith("xsd:") ? type.slice(4) : `!${type}`;
}

function decodeType(t: string): string {
  return t.startsWith("!") ? t.slice(1) : `xsd:${t}`;
}

/** The most common of the values (ties: the first met), null for none. */
function commonest(values: Iterable<number | null>): number | null {
  const counts = new Map<number | null, number>();
  let best: number | null = null;
  let bestCount = 0;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestCount) {
      best = v;
      bestCount = n;
    }
  }
  return best;
}

function ownTime(t: number | null, shared: number | null): number | undefined {
  if (t === shared) return undefined;
  return t ?? -1;
}

function sharedTime(own: number | undefined, shared: number | null): number | null {
  if (own === undefined) return shared;
  return own === -1 ? null : own;
}

/** The record as stored, with what its value stands for. */
export function encodeRecord(r: TreeRecord, shared: Omit<EncodedTree, "records">): EncodedRecord {
  const e: EncodedRecord = {};
  if (r.value !== null) {
    // Most values are integers, and every record of a tree is encoded at each write: those skip the
    // general parsers (an integer's number is itself; a date-time has a ":").
    if (CANONICAL_INTEGER.test(r.value)) e["#"] = Number(r.value);
    else {
      e.v = r.value;
      const n = numberOf(r.value);
      if (n !== null) e["#"] = n;
      const t = r.value.includes(":") ? timeOf(r.value) : null;
      if (t !== null) e["@"] = t;
    }
  }
  if (r.type !== null) e.t = encodeType(r.type);
  if (r.writable !== null) e.w = r.writable;
  if (r.notification !== null) e.n = r.notification;
  if (r.accessList !== null) e.a = r.accessList;
  const tv = ownTime(r.valueAt, shared.valuesAt);
  if (tv !== undefined) e.tv = tv;
  const tn = ownTime(r.namesAt, shared.namesAt);
  if (tn !== undefined) e.tn = tn;
  const ta = ownTime(r.attributesAt, shared.attributesAt);
  if (ta !== undefined) e.ta = ta;
  return e;
}

/**
 * The patch of one record (Dialect.treePatch) that sets its value and type, and its valueAt and namesAt
 * to `at`, as JSON text: the members encodeRecord writes for them, with null for those it would leave
 * out (a text that became an integer loses its "v"). Written as text: every exchange that reports values
 * patches them, and building each record's object only to stringify it cost about 1.5% of the ACS's
 * CPU in the sessions benchmark.
 */
export function valuePatchJson(value: string | null, type: string | null, at: number): string {
  let v = "null";
  let num = "null";
  let time = "null";
  if (value !== null) {
    // A canonical integer's text is its number's JSON.
    if (CANONICAL_INTEGER.test(value)) num = value;
    else {
      v = JSON.stringify(value);
      const n = numberOf(value);
      if (n !== null) num = JSON.stringify(n);
      const t = value.includes(":") ? timeOf(value) : null;
      if (t !== null) time = JSON.stringify(t);
    }
  }
  const when = JSON.stringify(at);
  return `{"v":${v},"#":${num},"@":${time},"t":${type === null ? "null" : JSON.stringify(encodeType(type))},"tv":${when},"tn":${when}}`;
}

export function decodeRecord(e: EncodedRecord, shared: Omit<EncodedTree, "records">): TreeRecord {
  return {
    value: e.v ?? (e["#"] === undefined ? null : String(e["#"])),
    type: e.t === undefined ? null : decodeType(e.t),
    writable: e.w ?? null,
    notification: e.n ?? null,
    accessList: e.a ?? null,
    valueAt: sharedTime(e.tv, shared.valuesAt),
    namesAt: sharedTime(e.tn, shared.namesAt),
    attributesAt: sharedTime(e.ta, shared.attributesAt),
  };
}

/** Encodes a tree whose paths have ids in `ids`. */
export function encodeTree(tree: Tree, ids: ReadonlyMap<string, number>): EncodedTree {
  const records = [...tree.values()];
  const shared = {
    valuesAt: commonest(records.map((r) => r.valueAt)),
    namesAt: commonest(records.map((r) => r.namesAt)),
    attributesAt: commonest(records.map((r) => r.attributesAt)),
  };
  const encoded: Record<string, EncodedRecord> = {};
  for (const [path, r] of tree) encoded[String(ids.get(path)!)] = encodeRecord(r, shared);
  return { records: encoded, ...shared };
}

export function toParameterRecord(path: string, r: TreeRecord): ParameterRecord {
  const date = (t: number | null) => (t === null ? null : new Date(t));
  return {
    path,
    object: path.endsWith("."),
    value: r.value,
    type: r.type,
    writable: r.writable,
    notification: r.notification,
    accessList: r.accessList,
    valueAt: date(r.valueAt),
    namesAt: date(r.namesAt),
    attributesAt: date(r.attributesAt),
  };
}
