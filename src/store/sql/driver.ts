// The subset of a database driver the shared repositories use. Each backend folder adapts its driver
// (better-sqlite3, pg) to this; nothing else in the core knows which driver is underneath.
//
// SQL is written with numbered placeholders ($1, $2, ...) in the dialect-neutral subset both SQLite and
// PostgreSQL accept; backend-specific fragments come from the Dialect's hooks.

import type { TransactionOptions } from "../types.js";

export type Row = Record<string, unknown>;

export interface QueryOptions {
  /**
   * The statement's text is made for one request (a filter from the API): it is not kept among the
   * prepared statements the core reuses, so that many such texts neither crowd those out nor pin a
   * plan; PostgreSQL plans it with the actual parameter values.
   */
  adHoc?: boolean;
  /**
   * The transaction's last statement: on a pipelined connection COMMIT is sent with it rather than after
   * its answer, a round trip less. Nothing may be issued after it, and the callback must not fail the
   * transaction on its answer (the COMMIT is already on its way): a condition on the answer is put to the
   * database with `required`.
   */
  last?: boolean;
  /**
   * The statement must return a row: one that returns none fails with STORE_NO_ROW, and with it the
   * transaction, in the database (so that a COMMIT sent with it rolls back). Backends that send COMMIT
   * only after the callback may return no rows instead (the caller fails the transaction itself then).
   */
  required?: boolean;
}

/** One connection (or one transaction's connection). */
export interface SqlConn {
  /** Rows returned by a statement (a SELECT, or a write with RETURNING). */
  all<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
  /** Runs a statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDriver extends SqlConn {
  /**
   * Runs `fn` inside BEGIN ... COMMIT on one connection (ROLLBACK when it throws). Statements run on
   * the driver itself while `fn` is pending never become part of that transaction.
   */
  transaction<T>(fn: (conn: SqlConn) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}
