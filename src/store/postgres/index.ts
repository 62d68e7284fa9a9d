// The shared backend: one PostgreSQL database for many ACS processes.
import pg from "pg";
import { migrate } from "../sql/migrate.js";
import { createSqlStore } from "../sql/store.js";
import { Availability, type AvailabilityChange } from "../availability.js";
import type { StoreCounters } from "../counters.js";
import type { Store } from "../types.js";
import { postgresDialect } from "./dialect.js";
import { PostgresDriver, type PgPool } from "./driver.js";
import { postgresMigrations } from "./migrations.js";
import { channelSql, PgNotifications } from "./notifications.js";
import { postgresOutbox, postgresOutboxNotifier } from "./outbox.js";
import { storeTypes } from "./timestamps.js";

export interface PostgresStoreOptions {
  /** Most connections the pool opens (default 10). */
  maxConnections?: number;
  /** Use this pool instead of making one from the URL (the store then does not end it on close). */
  pool?: PgPool;
  /** Called with errors of idle pooled connections (a restarted server, say); they are dropped either way. */
  onPoolError?: (err: Error) => void;
  /** Apply migrations on open (default true). */
  migrate?: boolean;
  /** Apply only the migrations up to this version (the tests of a migration start from the schema before it). */
  migrateUpTo?: number;
  /** Called when the server stops answering, and again when it answers again. */
  onAvailability?: (change: AvailabilityChange) => void;
  /** How long a call waits for a connection, a new one or a pooled one (default 10 s). */
  connectTimeoutMs?: number;
  /** Counts the statements and round trips sent (benchmarks, tests). */
  counters?: StoreCounters;
  /** How long a commit notification of the outbox waits for others to share it (tests; default NOTIFY_WINDOW_MS). */
  notifyWindowMs?: number;
  /** Most transactions asking for it (TransactionOptions.group) that share one database transaction (default 1: none). */
  groupTransactions?: number;
  /** A transaction's prepared statements sent in one turn share one Sync (statement-batch.ts); default true. */
  batchStatements?: boolean;
}

/** How long opening a connection may take before the call fails as STORE_UNAVAILABLE (a server that drops packets). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * `url` with "-c jit=off" added to the options it gives the server (keeping any it has). JIT compilation
 * pays off for long analytical queries; for ours it only adds its own time: a device filter with OR over
 * parameters is costed high (for its correlated alternative) and spent 100 ms compiling a 20 ms query.
 */
export function withJitOff(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const existing = u.searchParams.get("options");
  if (existing !== null && /\bjit\s*=/.test(existing)) return url;
  u.searchParams.set("options", existing ? `${existing} -c jit=off` : "-c jit=off");
  return u.toString();
}

/** Connects to `url` (postgres://user:password@host:port/database?options). */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  let pool: PgPool;
  let owns = false;
  let saturated = () => false;
  if (options.pool) {
    pool = options.pool;
  } else {
    const max = options.maxConnections ?? 10;
    const made = new pg.Pool({ connectionString: withJitOff(url), max, connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, keepAlive: true, pipeline: true, types: storeTypes as pg.CustomTypesConfig });
    saturated = () => made.totalCount >= max && made.idleCount === 0;
    // Without a listener, an idle connection's error (the server restarting) would crash the process.
    made.on("error", (err) => options.onPoolError?.(err));
    // So would a connection's error while it is checked out (pg-pool listens only to idle ones): in a
    // transaction, the error also fails the statement under way, which is how the driver learns of it.
    made.on("connect", (client) => client.on("error", () => undefined));
    pool = made as unknown as PgPool;
    owns = true;
  }
  const driver = new PostgresDriver(pool, owns, undefined, new Availability(options.onAvailability), saturated, options.counters ?? null, options.groupTransactions ?? 1, options.batchStatements ?? true);
  try {
    if (options.migrate !== false) await migrate(driver, postgresMigrations.filter((m) => m.version <= (options.migrateUpTo ?? Infinity)));
  } catch (err) {
    await driver.close();
    throw err;
  }
  const notifications = new PgNotifications(pool);
  return createSqlStore(driver, postgresDialect, {
    outbox: postgresOutbox,
    watchOutbox: (wake) => notifications.watch("outbox", () => wake()),
    outboxCommits: postgresOutboxNotifier(driver, options.notifyWindowMs),
    // A wake carried to a process names it: the others' watchers let it pass.
    watchUspWakes: (instance, wake) => notifications.watch("usp_wakes", (to) => {
      if (to === null || to === instance) wake();
    }),
    uspWakeCarried: (s, instance) => s.run(`SELECT pg_notify(${channelSql("usp_wakes")}, $1)`, [instance]).then(() => undefined),
  });
}
