import type { ColumnType, Dialect, RowColumn } from "../sql/dialect.js";
import type { JsonValue } from "../types.js";

// Dates are timestamptz (microseconds, so milliseconds round-trip exactly) and travel as ISO strings,
// so that the client's time zone never matters. JSON is the json type (kept as written: key order
// survives, as on SQLite); node-postgres parses it on the way out. Batches travel as one array per
// column and come back as rows through unnest.

const arrayType: Record<ColumnType, string> = { text: "text[]", bool: "boolean[]", int: "integer[]", date: "timestamptz[]", json: "json[]" };

function encode(type: ColumnType, v: unknown): unknown {
  if (v == null) return null;
  switch (type) {
    case "date": return (v as Date).toISOString();
    case "json": return JSON.stringify(v);
    default: return v;
  }
}

export const postgresDialect: Dialect = {
  name: "postgres",
  capabilities: { writableCte: true },
  date: (v) => (v == null ? null : v.toISOString()),
  readDate: (v) => (v == null ? null : v instanceof Date ? v : new Date(String(v))),
  bool: (v) => (v == null ? null : v),
  readBool: (v) => (v == null ? null : v === true || v === "t" || v === "true"),
  json: (v) => JSON.stringify(v ?? null),
  readJson: (v) => (v === undefined ? null : (v as JsonValue)),
  inTextArray: (expr, param) => `(${expr}) = ANY(${param}::text[])`,
  textArray: (values) => [...values],
  rowSource(first: number, columns: readonly RowColumn[], rows: readonly (readonly unknown[])[]) {
    const params = columns.map((c, i) => rows.map((row) => encode(c.type, row[i])));
    const args = columns.map((c, i) => `$${first + i}::${arrayType[c.type]}`).join(", ");
    return { sql: `unnest(${args}) AS r(${columns.map((c) => c.name).join(", ")})`, params };
  },
  tagsOf: (id) => `(SELECT COALESCE(json_agg(t.tag ORDER BY t.tag), '[]'::json) FROM device_tags t WHERE t.device_id = ${id})`,
  readTags: (v) => (Array.isArray(v) ? v.map(String) : []),
  strpos: (haystack, needle) => `strpos(${haystack}, ${needle})`,
  classifyError(err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === "23503") return "STORE_UNKNOWN_REFERENCE";
    if (code === "23505") return "STORE_DUPLICATE";
    return null;
  },
};
