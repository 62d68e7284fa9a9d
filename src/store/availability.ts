// Whether the database is reachable, as a driver sees it from its own calls. After a failure the driver
// stops sending calls for a while that grows with each failure in a row (PostgreSQL: no connection
// attempt per request while the server is down), and reports each change once, so that an outage makes
// two log lines instead of one per request.
import { StoreError } from "./errors.js";

export interface AvailabilityChange {
  up: boolean;
  /** Why it went down (absent when it came back). */
  error?: Error;
  /** When it went down; with `up`, how long it was down started then. */
  since: Date;
}

export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { firstMs: 100, maxMs: 5000 };

interface Down {
  since: number;
  error: Error;
  delayMs: number;
  retryAt: number;
}

export class Availability {
  private down: Down | null = null;

  constructor(
    private readonly onChange: ((change: AvailabilityChange) => void) | undefined,
    private readonly backoff: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly now: () => number = Date.now,
  ) {}

  get isDown(): boolean {
    return this.down !== null;
  }

  /** Throws STORE_UNAVAILABLE, without trying the database, while waiting to retry after a failure. */
  gate(): void {
    const d = this.down;
    if (d === null || this.now() >= d.retryAt) return;
    throw new StoreError("STORE_UNAVAILABLE", `the database is unavailable (${d.error.message}); retrying in ${d.retryAt - this.now()} ms`, { cause: d.error });
  }

  /** Records a call that found the database unavailable; returns the error to throw. */
  failed(error: Error): StoreError {
    const t = this.now();
    const d = this.down;
    const delayMs = d === null ? this.backoff.firstMs : Math.min(this.backoff.maxMs, d.delayMs * 2);
    this.down = { since: d?.since ?? t, error, delayMs, retryAt: t + delayMs };
    if (d === null) this.onChange?.({ up: false, error, since: new Date(t) });
    return error instanceof StoreError ? error : new StoreError("STORE_UNAVAILABLE", `the database is unavailable: ${error.message}`, { cause: error });
  }

  /** Records a call that reached the database (for SQLite: that wrote to it). */
  succeeded(): void {
    const d = this.down;
    if (d === null) return;
    this.down = null;
    this.onChange?.({ up: true, since: new Date(d.since) });
  }
}
