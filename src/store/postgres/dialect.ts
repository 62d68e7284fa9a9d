import type { ColumnType, Dialect, RowColumn } from "../sql/dialect.js";
import { SORT_TEXT_CHARS } from "../../query/sort.js";
import { RECENT_BYTES, treeRecord } from "../sql/tree.js";
import type { JsonValue } from "../types.js";

// Dates are timestamptz (microseconds, so milliseconds round-trip exactly) and travel as ISO strings,
// so that the client's time zone never matters. JSON is the json type (kept as written: key order
// survives, as on SQLite); node-postgres parses it on the way out. Batches travel as one array per
// column and come back as rows through unnest.

const arrayType: Record<ColumnType, string> = {
  text: "text[]", bool: "boolean[]", int: "integer[]", bigint: "bigint[]", real: "float8[]", date: "timestamptz[]", json: "json[]",
};

function encode(type: ColumnType, v: unknown): unknown {
  if (v == null) return null;
  switch (type) {
    case "date": return (v as Date).toISOString();
    case "json": return JSON.stringify(v);
    default: return v;
  }
}

/** Column `i` of the rows as the text of one JSON array (a null or missing value is JSON's null). */
function jsonArray(rows: readonly (readonly unknown[])[], i: number): string {
  return `[${rows.map((row) => (row[i] == null ? "null" : JSON.stringify(row[i]))).join(",")}]`;
}

/**
 * Characters of a parameter value in value_key, which the value index holds (migrations.ts): at most
 * 1 kB. As many as sorts compare, so that a sort by a parameter reads the index, not the table.
 */
export const VALUE_KEY_CHARS = SORT_TEXT_CHARS;

/** TOAST_TUPLE_THRESHOLD of a server with 8 kB pages: a row larger than this has its large values compressed or moved out of line. */
const OUT_OF_LINE_BYTES = 2032;

export const postgresDialect: Dialect = {
  name: "postgres",
  capabilities: { writableCte: true, valueKey: { column: "value_key", chars: VALUE_KEY_CHARS }, inProcess: false, skipLocked: true, informsTable: true },
  date: (v) => (v == null ? null : v.toISOString()),
  readDate: (v) => (v == null ? null : v instanceof Date ? v : new Date(String(v))),
  bool: (v) => (v == null ? null : v),
  readBool: (v) => (v == null ? null : v === true || v === "t" || v === "true"),
  json: (v) => JSON.stringify(v ?? null),
  readJson: (v) => (v === undefined ? null : (v as JsonValue)),
  inTextArray: (expr, param) => `(${expr}) = ANY(${param}::text[])`,
  textArray: (values) => [...values],
  inArray: (expr, param, type) => `(${expr}) = ANY(${param}::${arrayType[type]})`,
  array: (values, type) => (type === "date" ? values.map((v) => (v as Date).toISOString()) : [...values]),
  // EXISTS: the planner turns it into a semi or anti join of its choice (hash from the value index, or
  // a walk in device order that stops after a page), and under OR or NOT it stays an indexed probe per
  // device at worst, where NOT IN (subquery) could rescan the subquery for every device.
  deviceHasRow: (table, alias, where) => `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.device_id = d.id AND ${where})`,
  rowSource(first: number, columns: readonly RowColumn[], rows: readonly (readonly unknown[])[]) {
    const names = columns.map((c) => c.name).join(", ");
    if (!columns.some((c) => c.type === "json")) {
      const params = columns.map((c, i) => rows.map((row) => encode(c.type, row[i])));
      const args = columns.map((c, i) => `$${first + i}::${arrayType[c.type]}`).join(", ");
      return { sql: `unnest(${args}) AS r(${names})`, params };
    }
    // A JSON column travels as one JSON array: as a json[] element every quote of the text would be
    // escaped again (node-postgres's array literal cost 10 ms per 50 kB tree, more than making it).
    // A JSON null element is SQL's NULL, as a null element of the array was.
    const params = columns.map((c, i) => (c.type === "json" ? jsonArray(rows, i) : rows.map((row) => encode(c.type, row[i]))));
    const sources = columns.map((c, i) => (c.type === "json" ? `json_array_elements($${first + i}::json)` : `unnest($${first + i}::${arrayType[c.type]})`));
    const select = columns.map((c) => (c.type === "json" ? `CASE WHEN json_typeof(q.${c.name}) = 'null' THEN NULL ELSE q.${c.name} END AS ${c.name}` : `q.${c.name}`));
    return { sql: `(SELECT ${select.join(", ")} FROM ROWS FROM (${sources.join(", ")}) AS q(${names})) AS r`, params };
  },
  tagsOf: (id) => `(SELECT COALESCE(json_agg(t.tag ORDER BY t.tag), '[]'::json) FROM device_tags t WHERE t.device_id = ${id})`,
  readTags: (v) => (Array.isArray(v) ? v.map(String) : []),
  // LIKE (case-sensitive here) with its default escape character, the backslash: a pg_trgm index, where
  // the migration could make one, answers it without reading every row.
  matchPattern: (expr, param) => `${expr} LIKE ${param}`,
  pattern: (parts) =>
    parts.map((p) => (p.kind === "any" ? "%" : p.kind === "one" ? "_" : p.text.replace(/[%_\\]/g, (c) => `\\${c}`))).join(""),
  textRows: (param) => `unnest(${param}::text[]) AS t(value)`,
  jsonText: (expr) => `(${expr})::jsonb`,
  documentText: (expr) => expr,
  jsonBytes: (expr) => `pg_column_size(${expr})`,
  // A small tree is merged into; a large one's records go to `recent` (sql/tree.ts), which leaves the
  // tree's TOAST value as it was. Either way the row's tree is read (detoasted: decompressed) at most
  // once: `|| '{}'` hands back the detoasted value, and OFFSET 0 keeps the subquery from being folded
  // into the expressions that use it (each would detoast the column again). A large tree whose
  // `recent` has every record written is not detoasted at all.
  treePatch: (patch, ids) => {
    // Large: stored out of line (PostgreSQL moves a row's values to TOAST once it passes about 2 kB),
    // where a merge into the tree writes a new TOAST value. pg_column_size reads the stored size, compressed.
    const small = `pg_column_size(device_trees.tree) <= ${OUT_OF_LINE_BYTES} AND device_trees.recent IS NULL`;
    // With the patch's records, past RECENT_BYTES: the sizes uncompressed (recent's value in the row is
    // compressed once it takes a few kB).
    const fold = `pg_column_size(COALESCE(device_trees.recent, '{}'::jsonb) || '{}'::jsonb) + pg_column_size(${patch}::jsonb) > ${RECENT_BYTES}`;
    const recent = `(COALESCE(device_trees.recent, '{}'::jsonb) || (SELECT jsonb_object_agg(p.key, jsonb_strip_nulls(COALESCE(device_trees.recent -> p.key, c.t -> p.key) || p.value))
      FROM (SELECT CASE WHEN device_trees.recent ?& ${ids}::text[] THEN NULL ELSE device_trees.tree || '{}'::jsonb END AS t OFFSET 0) c, jsonb_each(${patch}::jsonb) p))`;
    return {
      set: `tree = CASE
          WHEN ${small} THEN (SELECT c.t || (SELECT jsonb_object_agg(p.key, jsonb_strip_nulls((c.t -> p.key) || p.value)) FROM jsonb_each(${patch}::jsonb) p)
            FROM (SELECT device_trees.tree || '{}'::jsonb AS t OFFSET 0) c)
          WHEN ${fold} THEN device_trees.tree || ${recent}
          ELSE device_trees.tree END,
        recent = CASE WHEN ${small} OR ${fold} THEN NULL ELSE ${recent} END`,
      where: `(COALESCE(device_trees.recent ?& ${ids}::text[], false) OR device_trees.tree ?& ${ids}::text[])`,
    };
  },
  treePatchChecksFirst: false,
  forUpdate: " FOR UPDATE",
  // xact_start of the other clients' sessions of the same role (or all, with pg_read_all_stats): every
  // ACS process must connect as one role (docs/operations.md). Not autovacuum's workers: they write no trees.
  olderTransactions: {
    mark: "clock_timestamp()",
    count: (mark) => `SELECT COUNT(*) AS n FROM pg_stat_activity
      WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND xact_start < ${mark}`,
  },
  // COLLATE "C": texts compare by code point, as param_index's columns (and SQLite) do.
  // The boolean as booleanOf reads it (query/values.ts): the text without XML Schema's edge spaces, in
  // any case (the four words are ASCII).
  treeRecords: (path) => `(SELECT device_id, value, substr(value, 1, ${VALUE_KEY_CHARS}) AS value_key, value_num, value_time,
      CASE lower(btrim(value, chr(32) || chr(9) || chr(13) || chr(10))) WHEN '1' THEN true WHEN 'true' THEN true WHEN '0' THEN false WHEN 'false' THEN false END AS value_bool
    FROM (SELECT device_id, COALESCE(r ->> 'v', r ->> '#') COLLATE "C" AS value, (r ->> '#')::double precision AS value_num, (r ->> '@')::bigint AS value_time
      FROM (SELECT device_id, ${treeRecord("t", `(SELECT id::text FROM param_paths WHERE path = ${path})`)} AS r FROM device_trees t) q WHERE r IS NOT NULL) v)`,
  strpos: (haystack, needle) => `strpos(${haystack}, ${needle})`,
  classifyError(err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === "23503") return "STORE_UNKNOWN_REFERENCE";
    if (code === "23505") return "STORE_DUPLICATE";
    return null;
  },
};
