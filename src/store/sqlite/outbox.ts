import type { OutboxSql } from "../sql/outbox.js";

// SQLite writers commit one at a time (BEGIN IMMEDIATE, across processes too) and take seq in that
// order, so seq alone orders the outbox: tx_ord is always 0 and every committed row is settled.
export const sqliteOutbox: OutboxSql = {
  txText: "CAST(tx_ord AS TEXT)",
  txParam: (p) => `CAST(${p} AS INTEGER)`,
  settled: "1 = 1",
};
