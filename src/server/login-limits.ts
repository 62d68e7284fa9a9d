// Slowing down password guessing on the console's login (POST /api/session) without letting an
// attacker lock a real user out. Three limits, each aimed at one way of guessing:
//
// - one address guessing one username: the pair is locked out after `pairFailures` failures, for
//   `lockout`, doubled at each further failure up to `maxLockout`. This lock grows, as it only ever
//   holds back the address that failed, never the user logging in from elsewhere;
// - one address guessing many usernames: past `sourceFailures` failures in a window, the address is
//   refused until the window ends (AuthLimiter, as for CPE logins);
// - many addresses guessing one username: past `usernameFailures` failures in a window, attempts for the
//   username are spaced by `usernameDelay`, a short fixed delay, so that a distributed guess is slow and
//   the real user is only delayed. Addresses the user logged in from in the window are exempt.
//
// Counts live in each process's memory (as auth-limits.ts explains for CPEs): a login costs no write,
// and an attacker spread over N processes gets at most N times the rate. Unknown usernames are counted
// as known ones are, so that the limits tell nothing about which usernames exist.

import { AuthLimiter, sourceKey, type LimitVerdict } from "./auth-limits.js";

export interface LoginLimitsConfig {
  pairFailures: number;
  lockoutMs: number;
  maxLockoutMs: number;
  usernameFailures: number;
  usernameDelayMs: number;
  sourceFailures: number;
  windowMs: number;
  /** Most pairs and usernames tracked at once; the oldest are forgotten past it. */
  maxEntries?: number;
}

interface Pair {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

interface UsernameCount {
  since: number;
  failures: number;
  lastFailure: number;
  /** Addresses that logged in with this username in the window. */
  good: Set<string>;
}

const GOOD_SOURCES_KEPT = 64;

export class LoginLimiter {
  private readonly sources: AuthLimiter;
  private readonly pairs = new Map<string, Pair>();
  private readonly usernames = new Map<string, UsernameCount>();
  private readonly maxEntries: number;

  constructor(private readonly config: LoginLimitsConfig) {
    this.sources = new AuthLimiter({ sourceFailures: config.sourceFailures, usernameFailures: 0, windowMs: config.windowMs, maxEntries: config.maxEntries });
    this.maxEntries = config.maxEntries ?? 100_000;
  }

  /** Whether a login for `username` (lowercased) from `address` may be checked now. */
  check(address: string, username: string, now: number): LimitVerdict {
    const fromSource = this.sources.check(address, undefined, now);
    if (!fromSource.ok) return fromSource;
    const source = sourceKey(address);
    const pair = this.livePair(`${source} ${username}`, now);
    if (pair !== undefined && pair.lockedUntil > now) {
      return { ok: false, retryAfterSeconds: seconds(pair.lockedUntil - now), reason: `${pair.failures} failed logins for this username from this address` };
    }
    const user = this.liveUsername(username, now);
    if (user !== undefined && this.config.usernameFailures > 0 && user.failures >= this.config.usernameFailures && !user.good.has(source)) {
      const next = user.lastFailure + this.config.usernameDelayMs;
      if (next > now) return { ok: false, retryAfterSeconds: seconds(next - now), reason: `${user.failures} failed logins for this username` };
    }
    return { ok: true };
  }

  failed(address: string, username: string, now: number): void {
    this.sources.failed(address, undefined, now);
    const key = `${sourceKey(address)} ${username}`;
    const pair = this.livePair(key, now) ?? this.insert(this.pairs, key, { failures: 0, lastFailure: now, lockedUntil: 0 });
    pair.failures++;
    pair.lastFailure = now;
    const over = pair.failures - this.config.pairFailures;
    if (over >= 0) pair.lockedUntil = now + Math.min(this.config.maxLockoutMs, this.config.lockoutMs * 2 ** Math.min(over, 30));
    const user = this.liveUsername(username, now) ?? this.insert(this.usernames, username, { since: now, failures: 0, lastFailure: now, good: new Set() });
    user.failures++;
    user.lastFailure = now;
  }

  succeeded(address: string, username: string, now: number): void {
    const source = sourceKey(address);
    this.pairs.delete(`${source} ${username}`);
    const user = this.liveUsername(username, now) ?? this.insert(this.usernames, username, { since: now, failures: 0, lastFailure: 0, good: new Set() });
    if (user.good.size < GOOD_SOURCES_KEPT) user.good.add(source);
  }

  /** A pair is forgotten a window after its last failure and the end of its lockout. */
  private livePair(key: string, now: number): Pair | undefined {
    const p = this.pairs.get(key);
    if (p === undefined) return undefined;
    if (now < Math.max(p.lastFailure, p.lockedUntil) + this.config.windowMs) return p;
    this.pairs.delete(key);
    return undefined;
  }

  private liveUsername(username: string, now: number): UsernameCount | undefined {
    const u = this.usernames.get(username);
    if (u === undefined) return undefined;
    if (now - u.since < this.config.windowMs) return u;
    this.usernames.delete(username);
    return undefined;
  }

  private insert<T>(map: Map<string, T>, key: string, value: T): T {
    // Maps keep insertion order: the first key is the oldest.
    if (map.size >= this.maxEntries) map.delete(map.keys().next().value as string);
    map.set(key, value);
    return value;
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
