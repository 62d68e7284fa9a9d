// Statements of one transaction sent in one turn of the event loop, with one Sync for all of them.
//
// node-postgres ends every statement with a Sync, and PostgreSQL answers each Sync with ReadyForQuery
// and a flush of its output: a send() on the server and an answer to read on this side, per statement.
// Inside a transaction the Syncs between statements buy nothing: a statement that fails aborts the
// transaction, and the ones after it would fail anyway. Measured through the store (`npm run
// bench:pg-syncs`, BENCHMARKS.md issue 18 round 17): transactions of ten statements cost PostgreSQL 7.3
// to 7.8 µs a statement with one Sync a turn against 10.7 to 11.6 with one a statement, and this side
// 6.0 to 6.5 against 8.5 to 9.3.
//
// The batch is one node-postgres Query (a subclass, which pipeline mode accepts) whose messages are
// those of several prepared statements: it reads their answers in order, settling each statement at its
// CommandComplete. After an error PostgreSQL skips everything up to the Sync: the failing statement gets
// the error, the ones after it an error with SQLSTATE 25P02, as if each had been sent on its own into the
// aborted transaction.
import pg from "pg";
import PgResultClass from "pg/lib/result.js";
import pgUtils from "pg/lib/utils.js";
import type { PgQueryConfig, PgResult } from "./driver.js";

/** The part of node-postgres's Connection a batch writes with. */
interface Connection {
  bind(config: { portal: string; statement: string; values: unknown[]; valueMapper: (v: unknown) => unknown }): void;
  describe(config: { type: "P"; name: string }): void;
  execute(config: { portal: string }): void;
  sync(): void;
  readonly parsedStatements: Record<string, string | undefined>;
}

/**
 * node-postgres's Result (pg/lib/result.js), which parses rows with the client's type parsers; `fields`,
 * `_parsers` and `_prebuiltEmptyResultObject` are what addFields makes of a RowDescription.
 */
interface RowsResult extends PgResult {
  addFields(fields: unknown[]): void;
  parseRow(fields: unknown[]): unknown;
  addRow(row: unknown): void;
  addCommandComplete(msg: unknown): void;
  fields: unknown[];
  _parsers?: unknown[];
  _prebuiltEmptyResultObject?: object;
}
const Result = PgResultClass as unknown as new (rowMode: undefined, types: unknown) => RowsResult;

/**
 * What a prepared statement returns, as its connection described it the first time it travelled in a
 * batch (null: no rows). A prepared statement's result columns are fixed (PostgreSQL refuses to run one
 * whose result changed), so later batches send it without Describe and parse its rows with these:
 * node-postgres asks for a description, and builds the parsers from it, at every execution (2.3% of the
 * ACS's CPU on PostgreSQL in the sessions benchmark, BENCHMARKS.md issue 18 round 18).
 */
interface Described {
  fields: unknown[];
  parsers: unknown[] | undefined;
  prebuilt: object | undefined;
}
const descriptions = new WeakMap<object, Map<string, Described | null>>();

interface Pending {
  config: PgQueryConfig & { name: string };
  /** The description this connection keeps of the statement (undefined: Describe was sent with it). */
  known: Described | null | undefined;
  resolve(r: PgResult): void;
  reject(err: unknown): void;
}

/** Whether `config` may travel in a batch on this connection: a prepared statement it has parsed already. */
export function batchable(config: PgQueryConfig, connection: unknown): config is PgQueryConfig & { name: string } {
  if (config.name === undefined) return false;
  const parsed = (connection as Partial<Connection> | undefined)?.parsedStatements;
  return parsed !== undefined && parsed[config.name] === config.text;
}

/**
 * Whether `err` is a statement's failure that PostgreSQL skipped the rest of the batch for (severity
 * ERROR). A FATAL or PANIC one (a backend terminated, a server shutting down) ends the connection: like
 * the socket's own errors, it is every pending statement's.
 */
function statementFailure(err: unknown): boolean {
  return err instanceof pg.DatabaseError && err.severity === "ERROR";
}

/** A prepared statement's messages, without its Sync; Describe unless its description is known. */
function write(c: Connection, p: Pending): void {
  p.known = descriptions.get(c)?.get(p.config.name);
  c.bind({ portal: "", statement: p.config.name, values: p.config.values ?? [], valueMapper: pgUtils.prepareValue });
  if (p.known === undefined) c.describe({ type: "P", name: "" });
  c.execute({ portal: "" });
}

/** A result for rows described by `d`, without reading a description again. */
function resultOf(d: Described, types: unknown): RowsResult {
  const r = new Result(undefined, types);
  r.fields = d.fields;
  r._parsers = d.parsers;
  r._prebuiltEmptyResultObject = d.prebuilt;
  return r;
}

/** The error a statement gets when one before it in its batch failed (PostgreSQL did not run it). */
function skipped(cause: unknown): Error {
  return Object.assign(new Error("not run: a statement sent before it in the transaction failed", { cause }), { code: "25P02" });
}

export class StatementBatch extends (pg.Query as unknown as new (config: { text: string }) => object) {
  private readonly pending: Pending[] = [];
  /** Set once node-postgres submitted the batch: from then on each statement is written as it is added. */
  private connection: Connection | null = null;
  private closed = false;
  private failed: unknown = null;
  /** The answer being read: the first pending statement's. */
  private result: RowsResult | null = null;
  private rowError: unknown = null;
  /** Set by node-postgres on the Query's own result: the client's type parsers. */
  declare _result: { _types?: unknown };

  constructor() {
    super({ text: "/* provisio statement batch */" });
  }

  /** Adds a statement; it is written at once when the batch is submitted already. */
  add(config: PgQueryConfig & { name: string }): Promise<PgResult> {
    return new Promise<PgResult>((resolve, reject) => {
      if (this.failed !== null) return reject(this.afterFailure(this.failed));
      if (this.closed) return reject(new Error("statement batch already closed"));
      const p: Pending = { config, known: undefined, resolve, reject };
      this.pending.push(p);
      if (this.connection !== null) write(this.connection, p);
    });
  }

  /** Ends the batch with its Sync: nothing may be added after. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connection?.sync();
  }

  // node-postgres calls these (Query's interface).
  submit(connection: Connection): null {
    this.connection = connection;
    for (const p of this.pending) write(connection, p);
    if (this.closed) connection.sync();
    return null;
  }

  /** The error a statement after `err`'s gets: "not run" after a statement's failure, else `err` itself. */
  private afterFailure(err: unknown): unknown {
    return statementFailure(err) ? skipped(err) : err;
  }

  /** Keeps what the statement being answered returns, for its next batches on this connection. */
  private remember(described: Described | null): void {
    const p = this.pending[0];
    if (p === undefined || p.known !== undefined || this.connection === null) return;
    let known = descriptions.get(this.connection);
    if (known === undefined) descriptions.set(this.connection, (known = new Map()));
    known.set(p.config.name, described);
  }

  handleRowDescription(msg: { fields: unknown[] }): void {
    this.result = new Result(undefined, this._result._types);
    this.result.addFields(msg.fields);
    this.remember({ fields: msg.fields, parsers: this.result._parsers, prebuilt: this.result._prebuiltEmptyResultObject });
  }

  /**
   * The answer being read: the one a RowDescription started, or for a statement sent without Describe,
   * one with the description kept (its rows come without one).
   */
  private reading(): RowsResult {
    const known = this.pending[0]?.known;
    this.result ??= known != null ? resultOf(known, this._result._types) : new Result(undefined, this._result._types);
    return this.result;
  }

  handleDataRow(msg: { fields: unknown[] }): void {
    if (this.rowError !== null) return;
    try {
      const r = this.reading();
      r.addRow(r.parseRow(msg.fields));
    } catch (err) {
      this.rowError = err;
    }
  }

  handleCommandComplete(msg: unknown): void {
    // A statement described with no RowDescription before its end returns no rows (PostgreSQL said NoData).
    if (this.result === null && this.pending[0]?.known === undefined) this.remember(null);
    const r = this.reading();
    r.addCommandComplete(msg);
    const rowError = this.rowError;
    this.result = null;
    this.rowError = null;
    const p = this.pending.shift();
    if (p === undefined) return;
    if (rowError !== null) p.reject(rowError);
    else p.resolve(r);
  }

  handleEmptyQuery(): void {
    this.handleCommandComplete({ text: "" });
  }

  /**
   * The server's error for the statement being answered (it skipped the rest), or the connection's:
   * then every statement gets it, as each would have on its own (a lost connection is unavailability,
   * not a failed statement).
   */
  handleError(err: unknown): void {
    this.failed = err;
    const [first, ...rest] = this.pending.splice(0);
    first?.reject(err);
    for (const p of rest) p.reject(this.afterFailure(err));
  }

  handleReadyForQuery(): void {
    // Every statement was answered before the Sync's ReadyForQuery; any left was not run.
    for (const p of this.pending.splice(0)) p.reject(new Error("statement batch ended without an answer for a statement"));
  }

  handlePortalSuspended(): void {
    this.handleError(new Error("a batched statement's portal was suspended"));
  }

  handleCopyInResponse(): void {
    this.handleError(new Error("a batched statement asked for COPY data"));
  }

  handleCopyData(): void {}
}
