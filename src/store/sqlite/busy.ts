// Waiting for another connection's write lock without blocking the event loop.
//
// SQLite's own busy_timeout waits inside the call, synchronously (better-sqlite3 is synchronous): the
// whole process, every session it serves, stands still while another process holds the write lock, and
// two stores on one file in one process deadlock (the waiting one blocks the event loop the holder
// needs to finish). So the connection's busy_timeout is 0 and a statement that finds the database busy
// is retried after a timer, with backoff, until the store's busy timeout has passed. Only statements
// that took no effect are retried: BEGIN IMMEDIATE, statements outside a transaction, pragmas at open.

export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_"));
}

export interface BusyPolicy {
  /** Longest total wait, in milliseconds. */
  timeoutMs: number;
  /** Clock and timer, injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work`, retrying it while the database is busy, until `policy.timeoutMs` has passed. */
export async function whenNotBusy<T>(work: () => T, policy: BusyPolicy, firstError?: unknown): Promise<T> {
  const now = policy.now ?? Date.now;
  const sleep = policy.sleep ?? defaultSleep;
  const deadline = now() + policy.timeoutMs;
  let delay = 1;
  let pending = firstError;
  for (;;) {
    if (pending !== undefined) {
      if (!isBusy(pending) || now() >= deadline) throw pending;
      await sleep(delay);
      delay = Math.min(delay * 2, 25);
    }
    try {
      return work();
    } catch (err) {
      pending = err;
    }
  }
}
