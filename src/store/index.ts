// The store's public face: the interface (types.ts), the factory, typed errors.
import { openPostgresStore, type PostgresStoreOptions } from "./postgres/index.js";
import { openSqliteStore, type SqliteStoreOptions } from "./sqlite/index.js";
import type { Store } from "./types.js";
import { parseStoreUrl } from "./url.js";

export type * from "./types.js";
export { isGroupAborted, isStoreUnavailable, StoreError, type StoreErrorCode } from "./errors.js";
export type { AvailabilityChange } from "./availability.js";
export type { CheckpointReport } from "./sqlite/driver.js";
export { DEFAULT_STORE_URL, parseStoreUrl, type StoreLocation } from "./url.js";
export { DEFAULT_TASK_MAX_ATTEMPTS } from "./sql/tasks.js";
export type { SqliteStoreOptions, PostgresStoreOptions };
export { StoreCounters, type CountsSnapshot, type TransactionCounts } from "./counters.js";

export interface OpenStoreOptions {
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  sqlite?: Omit<SqliteStoreOptions, "migrate">;
  postgres?: Omit<PostgresStoreOptions, "migrate">;
}

/**
 * Opens the store at `url` ("sqlite:./data/provisio.db", "sqlite::memory:", a plain path, or
 * "postgres://user@host:port/db") and brings its schema up to date.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url);
  if (location.backend === "postgres") {
    return openPostgresStore(location.url, { ...options.postgres, migrate: options.migrate });
  }
  return openSqliteStore(location.path, { ...options.sqlite, migrate: options.migrate });
}
