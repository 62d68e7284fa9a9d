// What a store's driver asked of its database, counted when a caller passes a StoreCounters in the
// store's options (benchmarks and tests: the statements and round trips of a CWMP session).

export class StoreCounters {
  /** Statements sent, BEGIN, COMMIT and ROLLBACK included. */
  statements = 0;
  /** Waits for the database's answer: one per statement, fewer when statements travel together. */
  roundTrips = 0;
  /** Transactions begun (on SQLite, each member of a commit group counts). */
  transactions = 0;
  /** COMMITs that made transactions durable (on SQLite, one per commit group). */
  commits = 0;

  /** The counts so far, as a plain object (to subtract one snapshot from another). */
  snapshot(): CountsSnapshot {
    return { statements: this.statements, roundTrips: this.roundTrips, transactions: this.transactions, commits: this.commits };
  }
}

export interface CountsSnapshot {
  statements: number;
  roundTrips: number;
  transactions: number;
  commits: number;
}
