// better-sqlite3 adapted to the core's SqlDriver.
//
// better-sqlite3 is synchronous and a process holds one connection, so an open transaction is state of
// the connection: any statement run on it while `transaction(fn)` awaits would join that transaction
// (and be rolled back with it, or see its uncommitted writes). So every statement and every transaction
// goes through one FIFO mutex. A statement outside a transaction takes the mutex only for its own
// synchronous run (when the mutex is free it runs at once, without even a microtask); while a
// transaction is open it queues behind it. A second connection for outside statements was the other
// choice, but its writes would wait on the first connection's write lock with busy_timeout, which
// blocks the event loop the transaction needs to finish: a deadlock until the timeout.
//
// Across processes (and across several stores on one file), SQLite's own locking does the work: BEGIN
// IMMEDIATE takes the write lock at the start (no upgrade deadlocks), and a statement that finds the
// lock taken waits for it without blocking the event loop (busy.ts).
import { AsyncLocalStorage } from "node:async_hooks";
import { Availability } from "../availability.js";
import type { StoreCounters, TransactionCounts } from "../counters.js";
import { findCause, isStoreUnavailable, StoreError } from "../errors.js";
import type { QueryOptions, Row, SqlConn, SqlDriver } from "../sql/driver.js";
import type { MigrationDb, MigrationHost } from "../sql/migrate.js";
import { isBusy, whenNotBusy, type BusyPolicy } from "./busy.js";
import type { Checkpointer } from "./checkpointer.js";
import { CommitGroup } from "./commit-group.js";
import { Mutex } from "./mutex.js";

/** The subset of a better-sqlite3 Database this backend uses. */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  close(): unknown;
  readonly inTransaction: boolean;
}

export interface SqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

interface Compiled {
  stmt: SqliteStatement;
  /** For each `?` of the rewritten text, the index of the caller's parameter it takes. */
  order: number[];
}

/** What one of the worker's checkpoints took (SqliteStoreOptions.onCheckpoint). */
export interface CheckpointReport {
  /** The copy, beside the connection's transactions. */
  copyMs: number;
  /** The connection held for the checkpoint that restarts the WAL: every transaction waited this long. */
  heldMs: number;
  /** Whether the WAL was wholly copied (false: another process's reader or writer kept it, or the worker is gone). */
  complete: boolean;
}

interface WorkerCheckpoints {
  checkpointer: Checkpointer;
  everyMs: number;
  /** A copy that took longer than this (ms) is followed by another (COPY_AGAIN_MS by default). */
  copyAgainMs?: number;
  /** Told what each checkpoint took; it must not throw. */
  report?: (c: CheckpointReport) => void;
}

/** Marks the async context of a running transaction, to catch a store call that would wait for it. */
interface TxToken {
  open: boolean;
}

const ADHOC_STATEMENTS = 64;

// A copy of the WAL that took longer than this is followed by another, at most COPIES in all, before
// the checkpoint that holds the connection: each copies what the sessions wrote during the one before,
// so the held one is left a few pages and their fsyncs. With one copy the hold took 25 ms a second of
// the sessions benchmark, with three 7 ms (BENCHMARKS.md, issue 18 round 20).
const COPY_AGAIN_MS = 5;
const COPIES = 3;

// SQLite's errors for a file that cannot be written now (a full disk, a read-only file or file system,
// an I/O error) as opposed to a statement that is wrong: the store is unavailable until that is mended.
const UNAVAILABLE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/;

export function isSqliteUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && UNAVAILABLE.test(code);
}

function bindable(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}

export class SqliteDriver implements SqlDriver, MigrationHost {
  private readonly mutex = new Mutex();
  private readonly statements = new Map<string, Compiled>();
  /** Ad-hoc statements (filters) have a cache of their own, so that they never push the core's out. */
  private readonly adHocStatements = new Map<string, Compiled>();
  /** Present when calls inside a transaction are checked (SqliteStoreOptions.checkTransactions). */
  private readonly context: AsyncLocalStorage<TxToken> | null;
  private readonly maxStatements: number;
  private closed = false;
  /** The transaction that callers waiting for the connection join, one after the other. */
  private group: CommitGroup | null = null;
  private readonly clock = () => performance.now();
  /** The WAL's checkpoints in a worker thread (checkpoint-worker.ts), at most every `everyMs`. */
  private readonly checkpoints: WorkerCheckpoints | null;
  private checkpointing = false;
  private lastCheckpoint = this.clock();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly busy: BusyPolicy,
    options: { statementCacheSize?: number | undefined; checkTransactions?: boolean; checkpoints?: WorkerCheckpoints } = {},
    private readonly availability = new Availability(undefined),
    private readonly counters: StoreCounters | null = null,
  ) {
    this.maxStatements = options.statementCacheSize ?? 500;
    this.context = options.checkTransactions === true ? new AsyncLocalStorage<TxToken>() : null;
    this.checkpoints = options.checkpoints ?? null;
  }

  // The core writes $1, $2, ... (which PostgreSQL wants); better-sqlite3 binds anonymous `?` by position,
  // so the text is rewritten once and the parameters reordered (a $n may appear twice) on each call.
  private compile(sql: string, adHoc = false): Compiled {
    const cache = adHoc ? this.adHocStatements : this.statements;
    const max = adHoc ? ADHOC_STATEMENTS : this.maxStatements;
    let c = cache.get(sql);
    if (c) return c;
    const order: number[] = [];
    const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
      order.push(Number(n) - 1);
      return "?";
    });
    c = { stmt: this.db.prepare(text), order };
    if (cache.size >= max) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(sql, c);
    return c;
  }

  private bind(c: Compiled, params: readonly unknown[]): unknown[] {
    return c.order.map((i) => bindable(params[i]));
  }

  /** A call into SQLite: what a round trip is to a server (SQLite has none). */
  private count(): void {
    if (this.counters === null) return;
    this.counters.statements++;
    this.counters.roundTrips++;
  }

  /** The running transaction's own counts, when counted. */
  private own: TransactionCounts | null = null;

  /** A call made for a transaction (its statements, its savepoint's start and end). */
  private countInTransaction(): void {
    if (this.counters !== null && this.own !== null) this.counters.inTransaction(this.own, true);
  }

  private exec(sql: string): void {
    this.count();
    this.db.exec(sql);
  }

  private allNow<R>(sql: string, params: readonly unknown[], adHoc = false): R[] {
    this.count();
    const c = this.compile(sql, adHoc);
    const args = this.bind(c, params);
    if (c.stmt.reader) return c.stmt.all(...args) as R[];
    c.stmt.run(...args);
    return [];
  }

  private runNow(sql: string, params: readonly unknown[]): number {
    this.count();
    const c = this.compile(sql);
    return c.stmt.run(...this.bind(c, params)).changes;
  }

  private readonly txConn: SqlConn = {
    all: <R extends Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) => {
      this.countInTransaction();
      try {
        return Promise.resolve(this.allNow<R>(sql, params, options?.adHoc));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    run: (sql: string, params: readonly unknown[] = []) => {
      this.countInTransaction();
      try {
        return Promise.resolve(this.runNow(sql, params));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };

  private checkUsable(): void {
    if (this.closed) throw new StoreError("STORE_CLOSED", "the store is closed");
    if (this.mutex.locked && this.context?.getStore()?.open) {
      throw new StoreError("STORE_TX_MISUSE",
        "the store was called inside one of its own transactions: use the `tx` passed to the callback (this call would wait for the transaction forever)");
    }
  }

  /** Runs a synchronous piece of work under the mutex (retried while another connection holds the write lock). */
  private serialized<T>(work: () => T): Promise<T> {
    let busyError: unknown;
    try {
      this.checkUsable();
      if (this.mutex.tryLock()) {
        try {
          return Promise.resolve(work());
        } catch (err) {
          if (!isBusy(err)) throw err;
          busyError = err;
        } finally {
          if (busyError === undefined) this.mutex.unlock();
        }
        // Still holding the mutex: wait for the other connection, keeping our place.
        return whenNotBusy(work, this.busy, busyError).finally(() => this.mutex.unlock());
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return this.mutex.lock().then(async () => {
      let member: Promise<T> | undefined;
      try {
        if (this.closed) throw new StoreError("STORE_CLOSED", "the store is closed");
        // Inside an open group a statement is one more member: one statement is atomic on its own, and
        // what it read or wrote is answered once it is committed.
        if (this.group !== null) member = this.group.add(work());
        else return await whenNotBusy(work, this.busy);
      } finally {
        this.handOver();
      }
      return member;
    });
  }

  /** The error to throw for `err`: one that says the file cannot be written is recorded and typed. */
  private failure(err: unknown): unknown {
    if (isStoreUnavailable(err)) return err;
    // A statement's error may come back wrapped (STORE_TX_ABORTED, when the caller went on after it).
    const cause = findCause(err, (e) => e instanceof Error && isSqliteUnavailable(e));
    return cause === undefined ? err : this.availability.failed(cause as Error);
  }

  /** Whether the last writes failed for the file's sake (full disk, read-only file, I/O error). */
  get unavailable(): boolean {
    return this.availability.isDown;
  }

  // Only a write that commits says the file is writable again: reads still work on a full disk.
  private watched<T>(work: Promise<T>, writes: boolean): Promise<T> {
    return work.then(
      (result) => {
        if (writes) this.availability.succeeded();
        return result;
      },
      (err: unknown) => {
        throw this.failure(err);
      },
    );
  }

  all<R extends Row = Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<R[]> {
    return this.watched(this.serialized(() => this.allNow<R>(sql, params, options?.adHoc)), false);
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.watched(this.serialized(() => this.runNow(sql, params)), true);
  }

  /**
   * Holds the mutex around `fn` and runs it as a savepoint of the open group transaction (BEGIN
   * IMMEDIATE, opened when there is none). Its result is answered when the group commits: when nobody
   * waits for the connection any more, or the group is large or old enough (see commit-group.ts).
   */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.checkUsable();
    await this.mutex.lock();
    let member: Promise<T>;
    try {
      if (this.closed) throw new StoreError("STORE_CLOSED", "the store is closed");
      // The member that opens the group needs no savepoint: nobody joins while it holds the mutex, so
      // undoing it is rolling back the group's transaction, which then holds nothing else. Two calls into
      // SQLite saved for every group: a third of the savepoint calls in the benchmark's sessions.
      const opens = this.group === null;
      if (opens) {
        await whenNotBusy(() => this.exec("BEGIN IMMEDIATE"), this.busy);
        this.group = new CommitGroup(this.clock());
      }
      const group = this.group!;
      this.own = this.counters?.began() ?? null;
      if (!opens) {
        this.countInTransaction();
        this.exec("SAVEPOINT tx");
      }
      const token: TxToken = { open: true };
      let result: T;
      try {
        result = await (this.context === null ? fn() : this.context.run(token, fn));
        if (!opens) {
          this.countInTransaction();
          this.exec("RELEASE tx");
        }
      } catch (err) {
        if (opens || !this.rollBackTo("tx")) {
          // Some errors (a full disk, say) make SQLite roll back the whole transaction by itself, or
          // leave it unable to undo the savepoint: the members before this one are lost too.
          this.abandon();
          this.group = null;
          group.fail(err);
        }
        throw err;
      } finally {
        token.open = false;
        this.own = null;
      }
      member = group.add(result);
    } finally {
      this.handOver();
    }
    return member;
  }

  /**
   * Lets the next caller in, inside the open group, or commits the group first. With nobody waiting, the
   * group stays open (holding the connection) until the event loop has run the I/O callbacks already
   * due: requests that arrived together join it.
   */
  private handOver(): void {
    const group = this.group;
    if (group === null) return this.mutex.unlock();
    if (!group.takesMore(this.clock())) {
      this.commitGroup();
      return this.mutex.unlock();
    }
    if (this.mutex.waiting > 0) return this.mutex.unlock();
    setImmediate(() => {
      if (this.mutex.waiting === 0 || !group.takesMore(this.clock())) this.commitGroup();
      this.mutex.unlock();
    });
  }

  /** Undoes savepoint `name` of the open transaction; false when there is none left to undo it in. */
  private rollBackTo(name: string): boolean {
    if (!this.db.inTransaction) return false;
    try {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      return true;
    } catch {
      return false;
    }
  }

  /** Ends the open transaction, if SQLite has not, without committing; never throws (it runs from timers). */
  private abandon(): void {
    try {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
    } catch {
      // SQLite rolls back itself what it cannot roll back here (the next statement, or the next open, does).
    }
  }

  private commitGroup(): void {
    const group = this.group;
    if (group === null) return;
    this.group = null;
    try {
      this.exec("COMMIT");
      if (this.counters !== null) this.counters.commits++;
      group.committed();
    } catch (err) {
      this.abandon();
      group.fail(err);
      return;
    }
    this.checkpointSoon();
  }

  /**
   * Once `everyMs` has passed since the last one, has the worker thread checkpoint the WAL, in two steps
   * (checkpoint-worker.ts). The copy runs while transactions go on, again while it takes long (COPIES).
   * Then the checkpoint that lets the WAL start over waits its turn for the connection like a
   * transaction, commits the group it finds open (it needs the write lock this connection would hold),
   * and keeps the connection until the worker is done: transactions wait for it meanwhile (the event
   * loop does not), but only for the pages written during the last copy. Holding the connection for the
   * whole copy had every transaction wait 50 to 60 ms a second in the sessions benchmark (BENCHMARKS.md,
   * issue 18 round 15).
   */
  private checkpointSoon(): void {
    const c = this.checkpoints;
    if (c === null || this.checkpointing || this.clock() - this.lastCheckpoint < c.everyMs) return;
    this.checkpointing = true;
    const started = this.clock();
    let copied = started;
    const copy = async (): Promise<void> => {
      for (let i = 0; i < COPIES && !this.closed; i++) {
        const from = this.clock();
        await c.checkpointer.run("passive");
        if (this.clock() - from <= (c.copyAgainMs ?? COPY_AGAIN_MS)) return;
      }
    };
    void copy().then(() => {
      copied = this.clock();
      return this.mutex.lock();
    }).then(async () => {
      const held = this.clock();
      let complete = false;
      try {
        this.commitGroup();
        if (!this.closed) complete = await c.checkpointer.run("restart");
      } finally {
        this.lastCheckpoint = this.clock();
        this.checkpointing = false;
        this.mutex.unlock();
      }
      try {
        c.report?.({ copyMs: copied - started, heldMs: this.lastCheckpoint - held, complete });
      } catch {
        // A report is for the operator: its failure changes nothing of the checkpoint.
      }
    });
  }

  transaction<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    return this.watched(this.exclusive(() => fn(this.txConn)), true);
  }

  // Migrations: BEGIN IMMEDIATE holds the database's write lock, which other processes wait for
  // (busy_timeout); each migration is a savepoint inside it.
  withLock<T>(fn: (db: MigrationDb) => Promise<T>): Promise<T> {
    const db: MigrationDb = {
      all: (sql, params = []) => this.txConn.all(sql, params),
      exec: (script) => {
        this.db.exec(script);
        return Promise.resolve();
      },
      atomic: async (work) => {
        this.db.exec("SAVEPOINT migration");
        try {
          await work();
          this.db.exec("RELEASE migration");
        } catch (err) {
          this.rollBackTo("migration");
          throw err;
        }
      },
    };
    return this.watched(this.exclusive(() => fn(db)), true);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Waits for a running transaction (and queued calls) to finish first.
    await this.mutex.lock();
    try {
      if (this.closed) return;
      // The group that was handed to this call commits: its members' work stands.
      this.closed = true;
      this.commitGroup();
      await this.checkpoints?.checkpointer.close();
      this.statements.clear();
      this.adHocStatements.clear();
      this.db.close();
    } finally {
      this.mutex.unlock();
    }
  }
}
