// node-postgres (a Pool) adapted to the core's SqlDriver. Statements outside a transaction go to any
// pooled connection; a transaction holds one connection from BEGIN to COMMIT. Parameters are always
// bound (never spliced into the text), and each distinct statement text gets a name, so a connection
// parses and plans it once (server-side prepared statements).
import { Availability } from "../availability.js";
import type { StoreCounters, TransactionCounts } from "../counters.js";
import { findCause, isStoreUnavailable, StoreError } from "../errors.js";
import type { QueryOptions, Row, SqlConn, SqlDriver } from "../sql/driver.js";
import type { TransactionOptions } from "../types.js";
import type { MigrationDb, MigrationHost } from "../sql/migrate.js";
import { textOnce } from "../sql/text-once.js";
import { batchable, StatementBatch } from "./statement-batch.js";

/** The subset of node-postgres this backend uses. */
export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  name?: string;
}

export interface PgResult {
  rows: Row[];
  rowCount: number | null;
  /** The command tag: a COMMIT of a transaction that a failed statement aborted answers ROLLBACK. */
  command?: string;
}

export interface PgQueryable {
  query(config: PgQueryConfig): Promise<PgResult>;
}

export interface PgPoolClient extends PgQueryable {
  release(destroy?: Error | boolean): void;
  /**
   * node-postgres's pipeline mode: statements issued while earlier ones are unanswered are written at
   * once, not queued until each answer is in.
   */
  readonly pipeline?: boolean;
  /** node-postgres's connection: its socket, corked while a turn of the event loop issues statements. */
  readonly connection?: { readonly stream?: Partial<Corkable> };
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

/** Statements sent on one connection and not answered yet: a statement sent while some are travels with them. */
interface InFlight {
  count: number;
  /** The transaction's own counts, when counted. */
  own: TransactionCounts | null;
  /** The COMMIT sent with the transaction's last statement (QueryOptions.last), once sent. */
  commit: Promise<PgResult> | null;
  /** The connection's socket is corked until the current turn of the event loop ends. */
  corked: boolean;
  /** Several callers' transaction (a group): COMMIT waits for the last of them, not for one's last statement. */
  shared?: boolean;
  /** The statements of this turn that share one Sync (statement-batch.ts), until the turn ends. */
  batch?: StatementBatch | null;
}

/** Transactions run together in one database transaction (PostgresDriver.grouped). */
interface Group {
  /** The group's connection, once BEGIN is sent on it (before any member's statement), and BEGIN's answer. */
  ready: Promise<{ client: PgPoolClient; begun: Promise<PgResult> }>;
  inFlight: InFlight;
  members: number;
  /** Members whose callback has not returned yet: the group commits when none is left. */
  running: number;
  /** The first member's failure: the group rolls back. */
  failed: { error: unknown } | null;
  /** Settled once the group committed or rolled back: each member's answer waits for it. */
  ended: Promise<void>;
  end(): void;
}

/**
 * BEGIN as a prepared statement: once a connection has parsed it, it travels in the batch of the
 * transaction's first statements instead of with a Sync of its own (statement-batch.ts).
 */
const BEGIN: PgQueryConfig = { text: "BEGIN", name: "provisio_begin" };

/** Closes the turn's batch of statements, if any: its Sync goes after its last statement. */
function endBatch(inFlight: InFlight): void {
  inFlight.batch?.close();
  inFlight.batch = null;
}

/** SQLSTATE 25P02: a statement sent after another of the transaction failed. */
const IN_FAILED_TRANSACTION = "25P02";

/**
 * SQLSTATE 40P01 and 40001: PostgreSQL broke a deadlock, or a serialization failure, by failing this
 * statement. In a group that is no fault of the member whose statement it was: a group holds every
 * member's locks until the last is done, so the cycle may run through another member's rows.
 */
const GROUP_CONFLICTS = new Set(["40P01", "40001"]);

/**
 * Whether `err` is, or was caused by (a callback that caught it, then failed: TxGuard), an error that
 * says nothing of this member's own work: a statement sent after another member's failed (25P02), or
 * a deadlock or serialization failure, which the group as a whole ran into.
 */
function notOwnFailure(err: unknown): boolean {
  return findCause(err, (e) => {
    const code = (e as { code?: unknown }).code;
    return code === IN_FAILED_TRANSACTION || (typeof code === "string" && GROUP_CONFLICTS.has(code));
  }) !== undefined;
}

export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

// Errors that say the server cannot be reached or cannot serve now, rather than that a statement is
// wrong: sockets that fail, SQLSTATE class 08 (connection exception), a server shutting down or starting
// (57P01-57P03), too many connections (53300), and a read-only server (25006: the old primary or a
// standby during a failover). node-postgres reports a connection lost mid-query by its message only.
const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED", "57P01", "57P02", "57P03", "53300", "25006"]);
const UNAVAILABLE_MESSAGE = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i;

const POOL_TIMEOUT = /timeout exceeded when trying to connect/i;

export function isPgUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
  return code === undefined && UNAVAILABLE_MESSAGE.test(err.message);
}

/** The owner of requireRow's texts in textOnce. */
const REQUIRED = {};

/**
 * `sql` made to fail when it returns no row (QueryOptions.required): 1 / count(*) divides by zero then. The
 * condition refers to no row of the outer query, so PostgreSQL checks it once, before returning any.
 * Made once per text: the statement's name is looked up by it at every call.
 */
function requireRow(sql: string): string {
  return textOnce(REQUIRED, sql, () => `WITH required_rows AS (${sql}) SELECT * FROM required_rows WHERE (SELECT 1 / count(*) FROM required_rows) IS NOT NULL`);
}

const DIVISION_BY_ZERO = "22012";

/** A fixed key for pg_advisory_lock: "provisio migrations". */
const MIGRATION_LOCK_KEY = "7020519161040001";

export class PostgresDriver implements SqlDriver, MigrationHost {
  private readonly names = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly pool: PgPool,
    private readonly ownsPool: boolean,
    private readonly maxNamedStatements = 1000,
    private readonly availability = new Availability(undefined),
    /** Whether every connection of the pool is checked out (a wait for one then times out under load). */
    private readonly saturated: () => boolean = () => false,
    private readonly counters: StoreCounters | null = null,
    /** Most transactions that ask for it (TransactionOptions.group) one database transaction carries; 1: none share. */
    private readonly groupSize = 1,
    /** A transaction's prepared statements sent in one turn share one Sync (statement-batch.ts). */
    private readonly batchStatements = true,
  ) {}

  /** The group that transactions asking for one join, while it takes more. */
  private group: Group | null = null;

  /**
   * Sends one statement. On a pipelined connection, one sent while others are unanswered shares their
   * round trip (`inFlight`); otherwise each statement is a round trip of its own.
   */
  private send(q: PgQueryable, config: PgQueryConfig, inFlight?: InFlight): Promise<PgResult> {
    if (this.counters !== null) {
      this.counters.statements++;
      if (inFlight === undefined || inFlight.count === 0) this.counters.roundTrips++;
      if (inFlight?.own != null) this.counters.inTransaction(inFlight.own, inFlight.count === 0);
    }
    if (inFlight === undefined) {
      if (this.counters !== null) this.counters.syncs++;
      return q.query(config);
    }
    // Only a transaction's connection is given with inFlight: q is a PgPoolClient.
    const client = q as PgPoolClient;
    this.cork(client, inFlight);
    inFlight.count++;
    let answer: Promise<PgResult>;
    // In a corked turn, prepared statements share one Sync; anything else (COMMIT, ROLLBACK, a statement
    // not yet parsed on this connection) ends the batch before it, to be answered after it.
    if (inFlight.corked && this.batchStatements && batchable(config, client.connection)) {
      if (inFlight.batch == null) {
        if (this.counters !== null) this.counters.syncs++;
        inFlight.batch = new StatementBatch();
        // A Query subclass: node-postgres settles it through its handlers, not through a promise.
        client.query(inFlight.batch as unknown as PgQueryConfig);
      }
      answer = inFlight.batch.add(config);
    } else {
      endBatch(inFlight);
      if (this.counters !== null) this.counters.syncs++;
      answer = q.query(config);
    }
    return answer.finally(() => inFlight.count--);
  }

  /**
   * node-postgres writes each statement's messages to the socket with a write of their own. Statements
   * issued in one turn (BEGIN with the first reads, a Promise.all, the last write with its COMMIT) are
   * sent together anyway: corked until the turn ends, they leave in one write, which saves a system
   * call per statement on the ACS's side and a wake-up per statement on the database's.
   *
   * The turn ends with nextTick, not setImmediate: waiting for the loop's check phase saved 4 to 6% of the
   * CPU with the database on the same two cores, but held each write back for the other I/O callbacks at
   * hand, 1.4 to 1.7 ms (median) instead of 0.15 to 0.19 under load (BENCHMARKS.md, round 14): latency
   * and connections held longer wherever the database has cores of its own.
   */
  private cork(q: PgPoolClient, inFlight: InFlight): void {
    const stream = q.connection?.stream;
    if (q.pipeline !== true || inFlight.corked || typeof stream?.cork !== "function" || typeof stream.uncork !== "function") return;
    inFlight.corked = true;
    stream.cork();
    process.nextTick(() => {
      endBatch(inFlight);
      inFlight.corked = false;
      stream.uncork!();
    });
  }

  /** The error to throw for `err`: unavailability is recorded (and backed off from) and typed. */
  private failure(err: unknown): unknown {
    if (isStoreUnavailable(err)) return err;
    if (!isPgUnavailable(err)) return err;
    // pg-pool says the same "timeout exceeded when trying to connect" when no connection of a full pool
    // came free in time as when the server cannot be reached. The first is this process's overload: the
    // call fails (its CPE is told to retry) but the database is not marked down, which would turn every
    // other call away too, and a busy minute into an outage.
    if (POOL_TIMEOUT.test((err as Error).message) && this.saturated()) {
      return new StoreError("STORE_UNAVAILABLE", "the database connections are all in use and none came free in time (the process is overloaded)", { cause: err });
    }
    return this.availability.failed(err as Error);
  }

  private async reach<T>(work: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work();
    } catch (err) {
      throw this.failure(err);
    }
    this.availability.succeeded();
    return result;
  }

  private config(sql: string, params: readonly unknown[], options?: QueryOptions): PgQueryConfig {
    if (options?.adHoc) return { text: sql, values: [...params] };
    let name = this.names.get(sql);
    // Each connection keeps every statement it has prepared, so names stop at a bound; texts beyond it
    // (there should be none: the core's texts do not grow with the data) run unnamed.
    if (name === undefined && this.names.size < this.maxNamedStatements) {
      name = `provisio_${this.names.size + 1}`;
      this.names.set(sql, name);
    }
    return name === undefined ? { text: sql, values: [...params] } : { text: sql, values: [...params], name };
  }

  private check(): void {
    if (this.closed) throw new StoreError("STORE_CLOSED", "the store is closed");
    this.availability.gate();
  }

  /**
   * `endsGroup`: for a group's member, whether its last statement may carry the group's COMMIT (the
   * group then takes no one else).
   */
  private conn(q: PgPoolClient, inFlight: InFlight, endsGroup?: () => boolean): SqlConn {
    const sent = (config: PgQueryConfig, last: boolean): Promise<PgResult> => {
      if (inFlight.commit !== null) throw new StoreError("STORE_TX_CLOSED", "a statement was issued after the transaction's last one (its COMMIT is sent)");
      const answer = this.reach(() => this.send(q, config, inFlight));
      if (last && q.pipeline === true && (inFlight.shared !== true || endsGroup?.() === true)) {
        inFlight.commit = this.send(q, { text: "COMMIT" }, inFlight);
        inFlight.commit.catch(() => undefined);
      }
      return answer;
    };
    return {
      all: async <R extends Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) => {
        const required = options?.required === true;
        try {
          return (await sent(this.config(required ? requireRow(sql) : sql, params, options), options?.last === true)).rows as R[];
        } catch (err) {
          if (required && (err as { code?: unknown }).code === DIVISION_BY_ZERO) throw new StoreError("STORE_NO_ROW", "the statement matched no row", { cause: err });
          throw err;
        }
      },
      run: async (sql: string, params: readonly unknown[] = []) => (await sent(this.config(sql, params), false)).rowCount ?? 0,
    };
  }

  async all<R extends Row = Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<R[]> {
    this.check();
    return (await this.reach(() => this.send(this.pool, this.config(sql, params, options)))).rows as R[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    this.check();
    return (await this.reach(() => this.send(this.pool, this.config(sql, params)))).rowCount ?? 0;
  }

  // A connection lost during the transaction fails it as STORE_UNAVAILABLE: the server rolls back what
  // it had not committed. Only a connection lost during COMMIT leaves the outcome unknown, as for any
  // client of any database.
  //
  // On a pipelined connection BEGIN is not waited for: the transaction's first statements travel with
  // it (a BEGIN that fails fails them too, on the same connection), and statements the caller issues
  // together (Promise.all) travel together.
  async transaction<T>(fn: (conn: SqlConn) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (options?.group === true && this.groupSize > 1) return this.grouped(fn);
    this.check();
    const client = await this.reach(() => this.pool.connect());
    const inFlight: InFlight = { count: 0, own: this.counters?.began() ?? null, commit: null, corked: false };
    let broken: Error | undefined;
    try {
      const begun = this.reach(() => this.send(client, BEGIN, inFlight));
      if (client.pipeline === true) begun.catch(() => undefined);
      else await begun;
      try {
        const result = await fn(this.conn(client, inFlight));
        await begun;
        const committed = await this.reach(() => inFlight.commit ?? this.send(client, { text: "COMMIT" }, inFlight));
        if (committed.command === "ROLLBACK") throw new StoreError("STORE_TX_ABORTED", "a statement of the transaction failed: COMMIT rolled it back");
        if (this.counters !== null) this.counters.commits++;
        return result;
      } catch (err) {
        try {
          // A COMMIT sent with the last statement ends the transaction either way: a failed statement
          // before it made it a rollback.
          await (inFlight.commit ?? this.send(client, { text: "ROLLBACK" }, inFlight));
        } catch (endError) {
          // The connection is in an unknown state: do not give it back to the pool.
          broken = endError as Error;
        }
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  /**
   * A transaction run with others under way in one database transaction, on one connection: their
   * statements travel together, with one BEGIN and one COMMIT for all (BENCHMARKS.md, issue 18 rounds 15
   * and 16: PostgreSQL's and the ACS's CPU a session fell by a fifth to a quarter with groups of four
   * sessions' exchanges). A transaction joins the group under way while it has fewer than groupSize
   * members; the group commits when its last member's callback returns (or with that member's `last`
   * statement: lastOfGroup), and each member's answer waits for that. PostgreSQL aborts a transaction
   * at its first failed statement, so a member that fails fails the group: it gets its own error, the
   * others STORE_GROUP_ABORTED, and nothing of any of them commits.
   * A deadlock PostgreSQL breaks by failing a member's statement is the group's, not that member's: all
   * of them get STORE_GROUP_ABORTED.
   */
  private async grouped<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    this.check();
    // The group under way is never one that is committing: closeGroup() and lastOfGroup() let go of it first.
    let g = this.group;
    if (g === null || g.members >= this.groupSize) g = this.group = this.openGroup();
    else if (this.counters !== null) this.counters.transactions++;
    g.members++;
    g.running++;
    let result: T | undefined;
    let own: { error: unknown } | null = null;
    try {
      const { client } = await g.ready;
      result = await fn(this.conn(client, g.inFlight, () => this.lastOfGroup(g)));
    } catch (err) {
      // Every member of a group that ran into a deadlock, the member whose statement PostgreSQL failed
      // to break it included, is told STORE_GROUP_ABORTED: each runs again on its own (the CWMP
      // handler does), where the cycle the group made is gone.
      if (!notOwnFailure(err)) own = { error: err };
      g.failed ??= own ?? { error: err };
    }
    if (--g.running === 0) this.closeGroup(g);
    await g.ended;
    if (own !== null) throw own.error;
    if (g.failed !== null) throw new StoreError("STORE_GROUP_ABORTED", "another transaction of its group failed: nothing of the group was committed", { cause: g.failed.error });
    return result as T;
  }

  /**
   * Whether a member's last statement ends the group: it is the only member still running and none has
   * failed. The group then takes no one else, and its COMMIT travels with that statement, as a lone
   * transaction's does, instead of a round trip of its own after it (most groups end so under load: the
   * member that comes last finds the others done).
   */
  private lastOfGroup(g: Group): boolean {
    if (g.running !== 1 || g.failed !== null) return false;
    if (this.group === g) this.group = null;
    return true;
  }

  private openGroup(): Group {
    let end = () => {};
    const ended = new Promise<void>((resolve) => (end = resolve));
    const inFlight: InFlight = { count: 0, own: this.counters?.began() ?? null, commit: null, corked: false, shared: true };
    const ready = this.reach(() => this.pool.connect()).then((client) => {
      const begun = this.reach(() => this.send(client, BEGIN, inFlight));
      begun.catch(() => undefined);
      return { client, begun };
    });
    return { ready, inFlight, members: 0, running: 0, failed: null, ended, end };
  }

  /** Commits the group, or rolls it back when a member failed; then lets every member's answer go. */
  private closeGroup(g: Group): void {
    if (this.group === g) this.group = null;
    void (async () => {
      let client: PgPoolClient;
      let begun: Promise<PgResult>;
      try {
        ({ client, begun } = await g.ready);
      } catch (err) {
        g.failed ??= { error: err };
        g.end();
        return;
      }
      let broken: Error | undefined;
      try {
        await begun;
        // A COMMIT sent with the last member's last statement (lastOfGroup) ends the transaction either
        // way: a failed statement before it made it a rollback.
        const ended = await this.reach(() => g.inFlight.commit ?? this.send(client, { text: g.failed === null ? "COMMIT" : "ROLLBACK" }, g.inFlight));
        if (g.failed === null && ended.command === "ROLLBACK") g.failed = { error: new StoreError("STORE_TX_ABORTED", "a statement of the group failed: COMMIT rolled it back") };
        else if (g.failed === null && this.counters !== null) this.counters.commits++;
      } catch (err) {
        g.failed ??= { error: err };
        // The connection is in an unknown state: do not give it back to the pool.
        broken = err as Error;
      } finally {
        client.release(broken);
        g.end();
      }
    })();
  }

  // Migrations run on one connection holding a session-level advisory lock: a second process starting
  // at the same time waits on it, then finds the migrations applied. Each migration is a transaction
  // (PostgreSQL's DDL is transactional).
  async withLock<T>(fn: (db: MigrationDb) => Promise<T>): Promise<T> {
    this.check();
    const client = await this.reach(() => this.pool.connect());
    let broken: Error | undefined;
    try {
      await client.query({ text: "SELECT pg_advisory_lock($1)", values: [MIGRATION_LOCK_KEY] });
      try {
        return await fn({
          all: async (sql, params = []) => (await client.query({ text: sql, values: [...params] })).rows,
          exec: async (script) => {
            await client.query({ text: script });
          },
          atomic: async (work) => {
            await client.query({ text: "BEGIN" });
            try {
              await work();
              await client.query({ text: "COMMIT" });
            } catch (err) {
              await client.query({ text: "ROLLBACK" });
              throw err;
            }
          },
        });
      } finally {
        await client.query({ text: "SELECT pg_advisory_unlock($1)", values: [MIGRATION_LOCK_KEY] });
      }
    } catch (err) {
      broken = err as Error;
      throw this.failure(err);
    } finally {
      // After a failure the lock may still be held by this session: closing the connection frees it.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }
}
