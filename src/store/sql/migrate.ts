// Versioned migrations: each backend lists its own (the DDL differs); this runner applies the missing
// ones in order, each atomically with its row in schema_migrations, under a lock every process honours,
// so that several processes starting at once apply each migration exactly once.
import { StoreError } from "../errors.js";
import type { Row } from "./driver.js";

export interface Migration {
  version: number;
  name: string;
  /** One or more statements. */
  sql: string;
}

/** A connection held under the migration lock. */
export interface MigrationDb {
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements. */
  exec(script: string): Promise<void>;
  /** Runs `fn` so that its statements commit together or not at all. */
  atomic(fn: () => Promise<void>): Promise<void>;
}

export interface MigrationHost {
  /** Runs `fn` on one connection while holding a lock that every process of this store honours. */
  withLock<T>(fn: (db: MigrationDb) => Promise<T>): Promise<T>;
}

/** Applies the migrations the database lacks; returns their versions. */
export function migrate(host: MigrationHost, migrations: readonly Migration[], now: () => Date = () => new Date()): Promise<number[]> {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  const latest = sorted.at(-1)?.version ?? 0;
  return host.withLock(async (db) => {
    // Created under the lock: concurrent CREATE TABLE IF NOT EXISTS can still collide on PostgreSQL.
    await db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
    const applied = new Set((await db.all("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
    const newest = Math.max(0, ...applied);
    if (newest > latest) {
      throw new StoreError("STORE_SCHEMA_TOO_NEW",
        `the database is at schema version ${newest}, newer than this Provisio knows (${latest}); upgrade Provisio`);
    }
    const done: number[] = [];
    for (const m of sorted) {
      if (applied.has(m.version)) continue;
      await db.atomic(async () => {
        await db.exec(m.sql);
        await db.all("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [m.version, m.name, now().toISOString()]);
      });
      done.push(m.version);
    }
    return done;
  });
}
