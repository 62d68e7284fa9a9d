// A connection of the benchmark's own to a store's database, beside the store: for baselines (the bare
// SELECT a store call is compared with) and for side tables a benchmark builds to measure a design.
// Statements use $1, $2, ... on both backends.
import Database from "better-sqlite3";
import pg from "pg";
import { parseStoreUrl } from "../../src/store/index.js";

export interface DirectSql {
  all(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Several statements, no parameters (DDL). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export async function openDirect(url: string): Promise<DirectSql> {
  const location = parseStoreUrl(url);
  if (location.backend === "postgres") {
    const client = new pg.Client({ connectionString: location.url });
    await client.connect();
    return {
      all: async (sql, params = []) => (await client.query(sql, params)).rows as Record<string, unknown>[],
      exec: async (sql) => void (await client.query(sql)),
      close: () => client.end(),
    };
  }
  const db = new Database(location.path);
  db.pragma("busy_timeout = 60000");
  const statements = new Map<string, Database.Statement>();
  return {
    all(sql, params = []) {
      const order: number[] = [];
      const text = sql.replace(/\$(\d+)/g, (_m, i: string) => (order.push(Number(i) - 1), "?"));
      let stmt = statements.get(sql);
      if (stmt === undefined) {
        stmt = db.prepare(text);
        statements.set(sql, stmt);
      }
      const bound = order.map((i) => (typeof params[i] === "boolean" ? Number(params[i]) : params[i]));
      return Promise.resolve(stmt.reader ? (stmt.all(...bound) as Record<string, unknown>[]) : (stmt.run(...bound), []));
    },
    exec: (sql) => Promise.resolve(void db.exec(sql)),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
