// The sessions this process carried last, so that the next exchange of a session does not read back
// what this process just wrote. The store stays the truth: every save and end checks the session's
// version, and a session that moved to another process, or changed under us, is read again (StaleSession).
//
// An entry is taken out while an exchange uses it and put back once its transaction committed, so a
// failed exchange (whose state object may have been changed before the rollback) never leaves it behind.

import type { JsonValue } from "../store/types.js";

export interface CachedSession {
  deviceId: string;
  /** The version stored with `state`, or with the state it was adopted from (see cwmp-handler.ts). */
  version: number;
  expiresAt: Date;
  state: JsonValue;
}

/** Thrown in a transaction that worked from a cached session the store no longer has at that version. */
export class StaleSession extends Error {
  constructor() {
    super("the cached session changed in the store");
  }
}

export class SessionCache {
  private readonly entries = new Map<string, CachedSession>();

  constructor(private readonly maxEntries = 10_000) {}

  /** The session's entry, removed from the cache until put back; undefined when absent or expired. */
  take(id: string, now: Date): CachedSession | undefined {
    const e = this.entries.get(id);
    if (e === undefined) return undefined;
    this.entries.delete(id);
    return e.expiresAt.getTime() > now.getTime() ? e : undefined;
  }

  /** Whether the session is here and not expired, leaving it in place. */
  has(id: string, now: Date): boolean {
    const e = this.entries.get(id);
    return e !== undefined && e.expiresAt.getTime() > now.getTime();
  }

  drop(id: string): void {
    this.entries.delete(id);
  }

  put(id: string, entry: CachedSession, now: Date): void {
    // Sessions that ended normally are never put back; those whose CPE went away are the oldest entries,
    // and go once expired rather than when 10,000 newer ones push them out (each holds its state).
    // Entries are put in about the order they expire, so the first one not expired ends the search.
    for (const [oldest, e] of this.entries) {
      if (e.expiresAt.getTime() > now.getTime()) break;
      this.entries.delete(oldest);
    }
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, entry);
  }

  /** Entries held, expired ones included. */
  get size(): number {
    return this.entries.size;
  }
}
