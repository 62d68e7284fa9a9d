// The embedded backend: one SQLite file (WAL), shareable by several processes on one machine.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { migrate } from "../sql/migrate.js";
import { createSqlStore } from "../sql/store.js";
import { Availability, type AvailabilityChange } from "../availability.js";
import type { StoreCounters } from "../counters.js";
import type { Store } from "../types.js";
import { whenNotBusy } from "./busy.js";
import { startCheckpointer, type Checkpointer } from "./checkpointer.js";
import { sqliteDialect } from "./dialect.js";
import { SqliteDriver, type CheckpointReport, type SqliteDatabase } from "./driver.js";
import { sqliteMigrations } from "./migrations.js";
import { sqliteOutbox } from "./outbox.js";

export interface SqliteStoreOptions {
  /**
   * How long a statement waits for another connection's (another process's) write lock before failing
   * with SQLITE_BUSY (default 5000 ms). The wait does not block the event loop (see busy.ts).
   */
  busyTimeoutMs?: number;
  /** Prepared statements kept per connection (default 500). */
  statementCacheSize?: number;
  /** Apply migrations on open (default true). */
  migrate?: boolean;
  /** Apply only the migrations up to this version (the tests of a migration start from the schema before it). */
  migrateUpTo?: number;
  /**
   * Catch a store call made inside one of the store's own transactions (which would wait for that
   * transaction forever) with a clear error. A guard against programming errors, for tests and
   * development: it tracks the async context of every promise, about 6% of the ACS's CPU under load.
   * Default: on when the environment has PROVISIO_TEST_STORE_CHECKS=1 (as `npm test` sets it).
   */
  checkTransactions?: boolean;
  /** Called when writes start failing for the file's sake (full disk, read-only file, I/O error), and when one succeeds again. */
  onAvailability?: (change: AvailabilityChange) => void;
  /** Counts the statements run (benchmarks, tests). */
  counters?: StoreCounters;
  /**
   * Checkpoint the WAL in a worker thread, every this many ms, instead of in the COMMIT that fills it
   * (checkpoint-worker.ts): the ACS's default (config sqliteCheckpointEvery), off elsewhere (a command, a test).
   * Not for ":memory:".
   */
  checkpointEveryMs?: number;
  /** Told what each of those checkpoints took (the ACS warns of one that held transactions long: a disk slow to sync). */
  onCheckpoint?: (c: CheckpointReport) => void;
}

export const MEMORY = ":memory:";

/** Pages the WAL grows to before a COMMIT checkpoints it (see below). */
const WAL_CHECKPOINT_PAGES = 4000;
/**
 * With checkpoints in a worker thread, the COMMIT's own is a fallback for a worker that cannot keep up
 * or has gone: a WAL of 64 MB, which the worker's checkpoints (at most one second of commits) never reach.
 */
const WAL_FALLBACK_CHECKPOINT_PAGES = 16000;

/** Opens (creating it and its folder when missing) the SQLite database at `path`; ":memory:" for a private in-memory one. */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  const memory = path === MEMORY;
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(memory ? MEMORY : resolve(path));
  let checkpointer: Checkpointer | undefined;
  try {
    const busy = { timeoutMs: Math.max(0, options.busyTimeoutMs ?? 5000) };
    // SQLite's busy handler would wait synchronously; waits are asynchronous retries instead (busy.ts).
    db.pragma("busy_timeout = 0");
    // WAL: readers never block the writer nor each other, across processes too. NORMAL is durable
    // in WAL mode except for the last transactions on power loss, never corrupting.
    if (!memory) await whenNotBusy(() => db.pragma("journal_mode = WAL"), busy);
    db.pragma("synchronous = NORMAL");
    // A checkpoint (run by the COMMIT that fills the WAL past this many pages) copies each page changed
    // since the last one once, however often it changed: the hot pages (sessions, the outbox's tail, the
    // time indexes) change in almost every transaction. At SQLite's default of 1000 pages, checkpoints
    // were more than half the cost of the benchmark's COMMITs; at 4000 (a WAL of about 16 MB), under a quarter.
    const background = !memory && options.checkpointEveryMs !== undefined && options.checkpointEveryMs > 0;
    if (!memory) db.pragma(`wal_autocheckpoint = ${background ? WAL_FALLBACK_CHECKPOINT_PAGES : WAL_CHECKPOINT_PAGES}`);
    db.pragma("foreign_keys = ON");
    const checks = options.checkTransactions ?? process.env.PROVISIO_TEST_STORE_CHECKS === "1";
    // A checkpoint waits this long for other processes' writers and readers, the driver's transactions
    // waiting for it meanwhile; past it, the next one tries again.
    if (background) checkpointer = await startCheckpointer(resolve(path), { busyTimeoutMs: Math.min(busy.timeoutMs, 200) });
    const driver = new SqliteDriver(db as unknown as SqliteDatabase, busy, {
      statementCacheSize: options.statementCacheSize, checkTransactions: checks, ...(checkpointer === undefined ? {} : { checkpoints: { checkpointer, everyMs: options.checkpointEveryMs!, ...(options.onCheckpoint === undefined ? {} : { report: options.onCheckpoint }) } }),
    },
      new Availability(options.onAvailability), options.counters ?? null);
    if (options.migrate !== false) await migrate(driver, sqliteMigrations.filter((m) => m.version <= (options.migrateUpTo ?? Infinity)));
    // Temporary files in memory once migrated, among them the sub-journal: a group's transactions are
    // savepoints (driver.ts), and each page a savepoint changes first is copied there. Past 64 kB, SQLite
    // spilled it to a file of its own in /var/tmp, opened, written and deleted again in each group: about
    // 20 writes and 40 kB a session in the sessions benchmark, a third of the server's file writes
    // (BENCHMARKS.md, issue 18 round 20). A group's savepoints change a few hundred kB of pages; a
    // migration, one savepoint that may rewrite every page of the file, runs before, spilling to a file.
    db.pragma("temp_store = MEMORY");
    return createSqlStore(driver, sqliteDialect, { outbox: sqliteOutbox });
  } catch (err) {
    await checkpointer?.close();
    db.close();
    throw err;
  }
}
