// Where a repository's statements run: on the store (each statement on its own, or several made atomic
// by `atomic`) or inside a caller's transaction (where `atomic` adds nothing: the transaction already is).
import { StoreError } from "../errors.js";
import type { Dialect } from "./dialect.js";
import type { QueryOptions, Row, SqlConn, SqlDriver } from "./driver.js";

export interface Scope {
  readonly dialect: Dialect;
  all<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs several statements so that they commit together or not at all. */
  atomic<T>(fn: (scope: Scope) => Promise<T>): Promise<T>;
}

function wrapError(dialect: Dialect, err: unknown): unknown {
  if (err instanceof StoreError) return err;
  const code = dialect.classifyError(err);
  if (code === "STORE_UNKNOWN_REFERENCE") return new StoreError(code, `refers to a row that does not exist: ${(err as Error).message}`, { cause: err });
  if (code === "STORE_DUPLICATE") return new StoreError(code, `duplicate key: ${(err as Error).message}`, { cause: err });
  return err;
}

class ConnScope implements Scope {
  constructor(
    readonly dialect: Dialect,
    private readonly conn: SqlConn,
    private readonly atomicFn: <T>(self: ConnScope, fn: (scope: Scope) => Promise<T>) => Promise<T>,
  ) {}

  async all<R extends Row = Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<R[]> {
    try {
      return await this.conn.all<R>(sql, params, options);
    } catch (err) {
      throw wrapError(this.dialect, err);
    }
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    try {
      return await this.conn.run(sql, params);
    } catch (err) {
      throw wrapError(this.dialect, err);
    }
  }

  atomic<T>(fn: (scope: Scope) => Promise<T>): Promise<T> {
    return this.atomicFn(this, fn);
  }
}

/**
 * The rows of a statement that must return one (QueryOptions.required, with `options`): one that returns
 * none fails its transaction in the database and gives no rows here; the caller must fail it too.
 */
export async function requiredRows(s: Scope, sql: string, params: readonly unknown[], options: QueryOptions = {}): Promise<Row[]> {
  try {
    return await s.all(sql, params, { ...options, required: true });
  } catch (err) {
    if (err instanceof StoreError && err.code === "STORE_NO_ROW") return [];
    throw err;
  }
}

const passThrough = <T>(self: ConnScope, fn: (scope: Scope) => Promise<T>): Promise<T> => fn(self);

/** The store's own scope: `atomic` opens a transaction. */
export function storeScope(driver: SqlDriver, dialect: Dialect): Scope {
  return new ConnScope(dialect, driver, (_self, fn) => driver.transaction((conn) => fn(new ConnScope(dialect, conn, passThrough))));
}

/**
 * A caller's transaction. It refuses use after the transaction ended, and remembers a failed statement:
 * PostgreSQL aborts the whole transaction on one (and would turn COMMIT into a silent ROLLBACK), so both
 * backends behave that way, and `transaction()` reports it instead of pretending to commit.
 */
export class TxGuard implements SqlConn {
  private closed = false;
  failure: unknown = null;

  constructor(private readonly conn: SqlConn) {}

  private check(): void {
    if (this.closed) throw new StoreError("STORE_TX_CLOSED", "the transaction has ended; use the store, or do the work inside the transaction callback");
    if (this.failure !== null) {
      throw new StoreError("STORE_TX_ABORTED", "an earlier statement of this transaction failed; the transaction will be rolled back", { cause: this.failure });
    }
  }

  async all<R extends Row = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]> {
    this.check();
    try {
      return await this.conn.all<R>(sql, params, options);
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }

  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    this.check();
    try {
      return await this.conn.run(sql, params);
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }

  close(): void {
    this.closed = true;
  }
}

export function txScope(guard: TxGuard, dialect: Dialect): Scope {
  return new ConnScope(dialect, guard, passThrough);
}
