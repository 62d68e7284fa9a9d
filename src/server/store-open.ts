// Opening the configured store at start-up: a database that does not answer yet (PostgreSQL still
// starting, or down for a restart) is waited for, up to config.dbStartupWait, with growing pauses; and
// the store reports outages once each to the log, for the operator (docs/operations.md).
import type { Config } from "../config/index.js";
import { isStoreUnavailable, openStore, StoreError, type AvailabilityChange, type CheckpointReport, type OpenStoreOptions } from "../store/index.js";
import type { Store } from "../store/types.js";
import type { Logger } from "./logger.js";
import { maskUrlSecrets } from "./redact.js";


export function storeLogOptions(log: Logger): OpenStoreOptions {
  const onAvailability = (c: AvailabilityChange) => {
    if (c.up) log.warn({ downSince: c.since.toISOString() }, "the database is available again");
    else log.error({ err: c.error?.message }, "the database is unavailable: CPEs are answered 503 and background work pauses until it is back");
  };
  return {
    postgres: { onAvailability, onPoolError: (err) => log.debug({ err: err.message }, "an idle database connection failed") },
    sqlite: { onAvailability, onCheckpoint: (c) => slowCheckpoint(log, c) },
  };
}

/**
 * A WAL checkpoint that held SQLite's connection this long (ms) is worth the operator's notice: every
 * CPE's transaction waited for it. 19 to 31 ms a second in the sessions benchmark (BENCHMARKS.md, issue
 * 18 round 15); far more means a disk slow to sync, or a WAL that grows faster than it is copied.
 */
export const SLOW_CHECKPOINT_MS = 250;

function slowCheckpoint(log: Logger, c: CheckpointReport): void {
  if (c.heldMs < SLOW_CHECKPOINT_MS) return;
  log.warn({ heldMs: Math.round(c.heldMs), copyMs: Math.round(c.copyMs) },
    `a SQLite WAL checkpoint held every transaction for longer than ${SLOW_CHECKPOINT_MS} ms: the disk is slow to sync, or the WAL grows faster than it is copied (docs/operations.md)`);
}

export interface WaitOptions {
  log: Logger;
  /** Longest wait, in milliseconds (0: one attempt). */
  waitMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const PAUSE_MS = { first: 250, max: 5000 };

/** Opens the store at `url`, waiting for it while it is unavailable; throws STORE_UNAVAILABLE, with what to do, after `waitMs`. */
export async function openStoreWaiting(url: string, options: OpenStoreOptions, o: WaitOptions): Promise<Store> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const start = now();
  let pause = PAUSE_MS.first;
  let warned = false;
  for (;;) {
    try {
      const store = await openStore(url, options);
      if (warned) o.log.info({ waitedMs: now() - start }, "the database answers: starting");
      return store;
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      const waited = now() - start;
      if (waited + pause > o.waitMs) {
        throw new StoreError("STORE_UNAVAILABLE",
          `the database at ${maskUrlSecrets(url)} is unavailable (${(err as Error).message})` +
          (o.waitMs > 0 ? ` and did not come up within dbStartupWait (${o.waitMs / 1000} s)` : "") +
          ": start it, or check the db setting", { cause: err });
      }
      if (!warned) {
        warned = true;
        o.log.warn({ db: maskUrlSecrets(url), err: (err as Error).message, waitS: o.waitMs / 1000 }, "waiting for the database to answer (dbStartupWait)");
      }
      await sleep(pause);
      pause = Math.min(PAUSE_MS.max, pause * 2);
    }
  }
}

/** The store of `config`, waited for as configured; `onCheckpoint` is also told of SQLite's checkpoints (it must not throw). */
export function openConfiguredStore(config: Config, url: string, log: Logger, onCheckpoint?: (c: CheckpointReport) => void): Promise<Store> {
  const options = storeLogOptions(log);
  const checkpoint = (c: CheckpointReport) => {
    slowCheckpoint(log, c);
    onCheckpoint?.(c);
  };
  return openStoreWaiting(url, {
    ...options,
    postgres: { ...options.postgres, maxConnections: config.dbPoolSize, groupTransactions: config.dbGroupSessions },
    sqlite: { ...options.sqlite, checkpointEveryMs: config.sqliteCheckpointEvery * 1000, onCheckpoint: checkpoint },
  }, { log, waitMs: config.dbStartupWait * 1000 });
}
