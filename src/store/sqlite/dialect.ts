import type { ColumnType, Dialect, RowColumn } from "../sql/dialect.js";
import { KEPT_TREE_BYTES, RECENT_BYTES, RECORD_MEMBERS, treeRecord } from "../sql/tree.js";
import type { JsonValue } from "../types.js";

// Dates are integers (milliseconds since the epoch): exact, compact, and ordered as numbers.
// Booleans are 0/1. JSON is text. Row sources and text arrays travel as one JSON parameter read back
// with json_each, so batch statements have a fixed text (and stay in the statement cache).

function encode(type: ColumnType, v: unknown): unknown {
  if (v == null) return null;
  switch (type) {
    case "date": return (v as Date).getTime();
    case "bool": return v ? 1 : 0;
    case "json": return JSON.stringify(v);
    default: return v;
  }
}

export const sqliteDialect: Dialect = {
  name: "sqlite",
  capabilities: { writableCte: false, valueKey: null, inProcess: true, skipLocked: false, informsTable: false },
  date: (v) => (v == null ? null : v.getTime()),
  readDate: (v) => (v == null ? null : new Date(Number(v))),
  bool: (v) => (v == null ? null : v ? 1 : 0),
  readBool: (v) => (v == null ? null : Number(v) !== 0),
  json: (v) => JSON.stringify(v ?? null),
  readJson: (v) => (v == null ? null : (JSON.parse(String(v)) as JsonValue)),
  inTextArray: (expr, param) => `(${expr}) IN (SELECT value FROM json_each(${param}))`,
  textArray: (values) => JSON.stringify(values),
  inArray: (expr, param) => `(${expr}) IN (SELECT value FROM json_each(${param}))`,
  array: (values, type) => JSON.stringify(type === "date" ? values.map((v) => (v as Date).getTime()) : values),
  // IN (subquery), not a correlated EXISTS: SQLite runs the subquery once from the (path, value) indexes
  // into a temporary index, where EXISTS would probe every device in turn. At 100,000 devices a count of
  // a parameter condition takes 1 to 80 ms this way against about 400 ms (test/store/query-bench.ts).
  deviceHasRow: (table, alias, where) => `d.id IN (SELECT ${alias}.device_id FROM ${table} ${alias} WHERE ${where})`,
  rowSource(first: number, columns: readonly RowColumn[], rows: readonly (readonly unknown[])[]) {
    const select = columns.map((c, i) => `value ->> ${i} AS ${c.name}`).join(", ");
    const data = rows.map((row) => columns.map((c, i) => encode(c.type, row[i])));
    return { sql: `(SELECT ${select} FROM json_each($${first})) AS r`, params: [JSON.stringify(data)] };
  },
  tagsOf: (id) => `(SELECT json_group_array(tag) FROM (SELECT tag FROM device_tags WHERE device_id = ${id} ORDER BY tag))`,
  readTags: (v) => (v == null ? [] : (JSON.parse(String(v)) as string[])),
  // GLOB, not LIKE: SQLite's LIKE ignores ASCII case. In a GLOB pattern a one-character class is the
  // way to write *, ? and [ literally.
  matchPattern: (expr, param) => `${expr} GLOB ${param}`,
  pattern: (parts) =>
    parts.map((p) => (p.kind === "any" ? "*" : p.kind === "one" ? "?" : p.text.replace(/[*?[]/g, (c) => `[${c}]`))).join(""),
  textRows: (param) => `json_each(${param})`,
  // Trees are kept as SQLite's binary JSON (migration 32): its functions read a record of it without
  // parsing the row's text, 2.5 to 5 times faster on a discovered device's tree, and the row is a third
  // smaller (BENCHMARKS.md, issue 18 round 11: bench:tree-json).
  jsonText: (expr) => `jsonb(${expr})`,
  documentText: (expr) => `json(${expr})`,
  jsonBytes: (expr) => `octet_length(${expr})`,
  // jsonb_patch (RFC 7396) merges each record as PostgreSQL's patch does, a null member removing what
  // the record had, without parsing the row: decoding and encoding the whole tree in JavaScript cost
  // each of a discovery's chunks of values about 1 ms. A large tree's records go to `recent` (sql/tree.ts)
  // whole; folding them into the tree names each member, null where absent, so that a record replaces
  // the tree's instead of merging into it (a member the value lost would stay).
  treePatch: (patch, ids) => {
    const small = `octet_length(device_trees.tree) <= ${KEPT_TREE_BYTES} AND device_trees.recent IS NULL`;
    const fold = `COALESCE(octet_length(device_trees.recent), 0) + octet_length(${patch}) > ${RECENT_BYTES}`;
    const recent = `jsonb_patch(COALESCE(device_trees.recent, jsonb('{}')), (SELECT json_group_object(p.key,
        CASE WHEN device_trees.recent -> p.key IS NULL THEN json_patch(device_trees.tree -> p.key, p.value) ELSE json(p.value) END) FROM json_each(${patch}) p))`;
    const members = RECORD_MEMBERS.map((m) => `'${m}', r.value -> '${m}'`).join(", ");
    const replacing = `(SELECT json_group_object(r.key, json_object(${members})) FROM json_each(${recent}) r)`;
    return {
      set: `tree = CASE WHEN ${small} THEN jsonb_patch(device_trees.tree, ${patch}) WHEN ${fold} THEN jsonb_patch(device_trees.tree, ${replacing}) ELSE device_trees.tree END,
        recent = CASE WHEN ${small} OR ${fold} THEN NULL ELSE ${recent} END`,
      where: `NOT EXISTS (SELECT 1 FROM json_each(${ids}) i WHERE (device_trees.tree -> i.value) IS NULL)`,
    };
  },
  treePatchChecksFirst: true,
  forUpdate: "",
  olderTransactions: null,
  // The boolean as booleanOf reads it (query/values.ts): the text without XML Schema's edge spaces, in
  // any case (the four words are ASCII: lower() of ASCII is enough).
  treeRecords: (path) => `(SELECT device_id, value, value_num, value_time,
      CASE lower(trim(value, char(32, 9, 13, 10))) WHEN '1' THEN 1 WHEN 'true' THEN 1 WHEN '0' THEN 0 WHEN 'false' THEN 0 END AS value_bool
    FROM (SELECT device_id, COALESCE(r ->> 'v', CAST(r ->> '#' AS TEXT)) AS value, r ->> '#' AS value_num, r ->> '@' AS value_time
      FROM (SELECT device_id, ${treeRecord("t", `(SELECT CAST(id AS TEXT) FROM param_paths WHERE path = ${path})`)} AS r FROM device_trees t) WHERE r IS NOT NULL))`,
  strpos: (haystack, needle) => `instr(${haystack}, ${needle})`,
  classifyError(err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return "STORE_UNKNOWN_REFERENCE";
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return "STORE_DUPLICATE";
    return null;
  },
};
