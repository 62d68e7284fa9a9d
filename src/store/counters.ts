// What a store's driver asked of its database, counted when a caller passes a StoreCounters in the
// store's options (benchmarks and tests: the statements and round trips of a CWMP session).

/** One transaction's own counts. */
export interface TransactionCounts {
  statements: number;
  roundTrips: number;
}

export class StoreCounters {
  /** Statements sent, BEGIN, COMMIT and ROLLBACK included. */
  statements = 0;
  /** Waits for the database's answer: one per statement, fewer when statements travel together. */
  roundTrips = 0;
  /**
   * PostgreSQL's Syncs: each ends a run of statements that the server answers with ReadyForQuery and a
   * flush of its output. One a statement, fewer when a transaction's statements share one
   * (postgres/statement-batch.ts); none on SQLite.
   */
  syncs = 0;
  /** The round trips made inside transactions (BEGIN to COMMIT or ROLLBACK). */
  transactionRoundTrips = 0;
  /** Transactions begun (each member of a commit group counts: SQLite's, PostgreSQL's groups). */
  transactions = 0;
  /** COMMITs that made transactions durable (one per commit group). */
  commits = 0;
  /**
   * When not null, each transaction's own counts are added to it in the order the transactions began,
   * so that a test can tell a session's transaction from others running beside it.
   */
  transactionLog: TransactionCounts[] | null = null;

  /** A transaction begins: the record its statements are counted in. */
  began(): TransactionCounts {
    this.transactions++;
    const own = { statements: 0, roundTrips: 0 };
    this.transactionLog?.push(own);
    return own;
  }

  /** A statement of transaction `own`; `trip`: it waits for an answer of its own. */
  inTransaction(own: TransactionCounts, trip: boolean): void {
    own.statements++;
    if (!trip) return;
    own.roundTrips++;
    this.transactionRoundTrips++;
  }

  /** The counts so far, as a plain object (to subtract one snapshot from another). */
  snapshot(): CountsSnapshot {
    return { statements: this.statements, roundTrips: this.roundTrips, syncs: this.syncs, transactionRoundTrips: this.transactionRoundTrips, transactions: this.transactions, commits: this.commits };
  }
}

export interface CountsSnapshot {
  statements: number;
  roundTrips: number;
  syncs: number;
  transactionRoundTrips: number;
  transactions: number;
  commits: number;
}
