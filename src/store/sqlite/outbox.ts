import type { OutboxSql } from "../sql/outbox.js";

// SQLite writers commit one at a time (BEGIN IMMEDIATE, across processes too) and take seq in that
// order, so seq alone orders the outbox: tx_ord is always 0 and every committed row is settled.
export const sqliteOutbox: OutboxSql = {
  txText: "CAST(tx_ord AS TEXT)",
  settled: "1 = 1",
  // The primary key's order: ORDER BY tx_ord, seq would sort the whole table (no index has tx_ord).
  order: "seq",
  orderDesc: "seq DESC",
  after: (_tx, seq) => `seq > ${seq}`,
};
