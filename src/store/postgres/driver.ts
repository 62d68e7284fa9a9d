// node-postgres (a Pool) adapted to the core's SqlDriver. Statements outside a transaction go to any
// pooled connection; a transaction holds one connection from BEGIN to COMMIT. Parameters are always
// bound (never spliced into the text), and each distinct statement text gets a name, so a connection
// parses and plans it once (server-side prepared statements).
import { StoreError } from "../errors.js";
import type { QueryOptions, Row, SqlConn, SqlDriver } from "../sql/driver.js";
import type { MigrationDb, MigrationHost } from "../sql/migrate.js";

/** The subset of node-postgres this backend uses. */
export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  name?: string;
}

export interface PgResult {
  rows: Row[];
  rowCount: number | null;
}

export interface PgQueryable {
  query(config: PgQueryConfig): Promise<PgResult>;
}

export interface PgPoolClient extends PgQueryable {
  release(destroy?: Error | boolean): void;
}

export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

/** A fixed key for pg_advisory_lock: "provisio migrations". */
const MIGRATION_LOCK_KEY = "7020519161040001";

export class PostgresDriver implements SqlDriver, MigrationHost {
  private readonly names = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly pool: PgPool,
    private readonly ownsPool: boolean,
    private readonly maxNamedStatements = 1000,
  ) {}

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
  }

  private conn(q: PgQueryable): SqlConn {
    return {
      all: async <R extends Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions) =>
        (await q.query(this.config(sql, params, options))).rows as R[],
      run: async (sql: string, params: readonly unknown[] = []) => (await q.query(this.config(sql, params))).rowCount ?? 0,
    };
  }

  async all<R extends Row = Row>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<R[]> {
    this.check();
    return (await this.pool.query(this.config(sql, params, options))).rows as R[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    this.check();
    return (await this.pool.query(this.config(sql, params))).rowCount ?? 0;
  }

  async transaction<T>(fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    this.check();
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query({ text: "BEGIN" });
      try {
        const result = await fn(this.conn(client));
        await client.query({ text: "COMMIT" });
        return result;
      } catch (err) {
        try {
          await client.query({ text: "ROLLBACK" });
        } catch (rollbackError) {
          // The connection is in an unknown state: do not give it back to the pool.
          broken = rollbackError as Error;
        }
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  // Migrations run on one connection holding a session-level advisory lock: a second process starting
  // at the same time waits on it, then finds the migrations applied. Each migration is a transaction
  // (PostgreSQL's DDL is transactional).
  async withLock<T>(fn: (db: MigrationDb) => Promise<T>): Promise<T> {
    this.check();
    const client = await this.pool.connect();
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
      throw err;
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
