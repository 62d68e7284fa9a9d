// Inserting a batch of rows. In process (SQLite), a few rows go in a statement each: that costs about a
// third of one statement over a JSON row source (DialectCapabilities.inProcess). Otherwise, and for
// bigger batches, one statement over the dialect's row source: one round trip whatever the count.
import type { JsonValue } from "../types.js";
import type { Dialect, RowColumn } from "./dialect.js";
import type { Scope } from "./scope.js";
import { textOnce } from "./text-once.js";

/** Up to this many rows, an in-process backend inserts them a statement each. */
const SMALL_BATCH = 8;

function bound(d: Dialect, c: RowColumn, v: unknown): unknown {
  switch (c.type) {
    case "date": return d.date(v as Date | null | undefined);
    case "json": return d.json(v as JsonValue | undefined);
    case "bool": return d.bool(v as boolean | null | undefined);
    default: return v ?? null;
  }
}

/** Inserts `rows` into `table`; `columns` is a constant list: a few rows' statement text is kept per list. */
export async function insertRows(s: Scope, table: string, columns: readonly RowColumn[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  const d = s.dialect;
  const names = () => columns.map((c) => c.name).join(", ");
  if (d.capabilities.inProcess && rows.length <= SMALL_BATCH) {
    // Made once per list of columns (the callers' are constants): the outbox inserts so at every event.
    const sql = textOnce(columns, table, () => `INSERT INTO ${table} (${names()}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`);
    for (const row of rows) await s.run(sql, columns.map((c, i) => bound(d, c, row[i])));
    return;
  }
  const src = d.rowSource(1, columns, rows);
  await s.run(`INSERT INTO ${table} (${names()}) SELECT ${columns.map((c) => `r.${c.name}`).join(", ")} FROM ${src.sql}`, src.params);
}
