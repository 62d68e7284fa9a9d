// Slowing down password guessing on the CWMP endpoint. Failed logins are counted per source (an IPv4
// address, an IPv6 /64) and per username over a window; past a limit, logins are refused without checking the password, so
// that guessing gains nothing, until the window ends.
//
// A limit must not let an attacker lock a real device out:
// - the limit on a username applies only to sources that failed themselves in the window and have not
//   logged in with that username since: the device, which knows its password, keeps getting in from
//   its own address while someone else guesses its password from theirs;
// - the limit on a source applies to everything from it, which also holds back a device behind the same
//   address (a carrier-grade NAT): documented, and configurable (0 turns it off).
//
// Counts are kept in each process's memory, not in the store: a login costs no write, and an attacker
// spread over N processes gets at most N times the limit per window, still far from a useful rate.

import { isIPv4 } from "node:net";
import { formatIp, parseIp, unmapIPv4 } from "../connreq/ip.js";

/**
 * The key a client address is counted under: an IPv4 address, or the /64 an IPv6 address is in (one
 * subscriber's usual allocation: counted one by one, IPv6 addresses would give an attacker 2^64 sources).
 */
export function sourceKey(address: string): string {
  const text = unmapIPv4(address);
  // Node's isIPv4 takes only the dotted form formatIp writes (no leading zeros): the key is the text.
  if (isIPv4(text)) return text;
  const ip = parseIp(text);
  if (ip === null) return address;
  if (ip.family === "IPv4") return formatIp(ip.bytes);
  const prefix = Buffer.alloc(16);
  ip.bytes.copy(prefix, 0, 0, 8);
  return `${formatIp(prefix)}/64`;
}

export interface AuthLimitsConfig {
  /** Failed logins from one source in a window before it is refused; 0: no limit. */
  sourceFailures: number;
  /** Failed logins for one username in a window before the sources that failed it are refused; 0: no limit. */
  usernameFailures: number;
  windowMs: number;
  /** Most sources and usernames tracked at once; the oldest are forgotten past it. */
  maxEntries?: number;
}

interface Count {
  since: number;
  failures: number;
  /** Usernames this source failed (source entries) or sources that logged in (username entries). */
  names: Set<string>;
}

/** Usernames remembered per source, and good sources per username: bounds memory per entry. */
const NAMES_KEPT = 64;

export type LimitVerdict = { ok: true } | { ok: false; retryAfterSeconds: number; reason: string };

export class AuthLimiter {
  private readonly sources = new Map<string, Count>();
  private readonly usernames = new Map<string, Count>();
  private readonly maxEntries: number;

  constructor(private readonly config: AuthLimitsConfig) {
    this.maxEntries = config.maxEntries ?? 100_000;
  }

  /** Whether a login from `source` (with `username`, when known) may be checked now. */
  check(address: string | null, username: string | undefined, now: number): LimitVerdict {
    const source = address === null ? null : sourceKey(address);
    const from = source === null ? undefined : this.live(this.sources, source, now);
    const retry = (c: Count) => Math.max(1, Math.ceil((c.since + this.config.windowMs - now) / 1000));
    if (from !== undefined && this.config.sourceFailures > 0 && from.failures >= this.config.sourceFailures) {
      return { ok: false, retryAfterSeconds: retry(from), reason: `${from.failures} failed logins from this address` };
    }
    if (username === undefined || this.config.usernameFailures <= 0) return { ok: true };
    const user = this.live(this.usernames, username, now);
    if (user === undefined || user.failures < this.config.usernameFailures) return { ok: true };
    // Only a source that failed this username itself, and has not logged in with it since, is held back
    // (one that failed more usernames than are remembered counts as having failed them all).
    const failedIt = from !== undefined && (from.names.has(username) || from.names.size >= NAMES_KEPT);
    if (!failedIt || (source !== null && user.names.has(source))) return { ok: true };
    return { ok: false, retryAfterSeconds: retry(user), reason: `${user.failures} failed logins for this username` };
  }

  /** A login that failed for a reason that tells about the password (a wrong one, an unknown username). */
  failed(address: string | null, username: string | undefined, now: number): void {
    if (address !== null) {
      const c = this.entry(this.sources, sourceKey(address), now);
      c.failures++;
      if (username !== undefined && c.names.size < NAMES_KEPT) c.names.add(username);
    }
    if (username !== undefined) this.entry(this.usernames, username, now).failures++;
  }

  succeeded(address: string | null, username: string, now: number): void {
    if (address === null) return;
    const source = sourceKey(address);
    const user = this.live(this.usernames, username, now);
    if (user !== undefined && user.names.size < NAMES_KEPT) user.names.add(source);
    this.live(this.sources, source, now)?.names.delete(username);
  }

  /** The entry for `key` while its window lasts. */
  private live(map: Map<string, Count>, key: string, now: number): Count | undefined {
    const c = map.get(key);
    if (c === undefined) return undefined;
    if (now - c.since < this.config.windowMs) return c;
    map.delete(key);
    return undefined;
  }

  private entry(map: Map<string, Count>, key: string, now: number): Count {
    let c = this.live(map, key, now);
    if (c === undefined) {
      // Maps keep insertion order: the first key is the oldest window.
      if (map.size >= this.maxEntries) map.delete(map.keys().next().value as string);
      c = { since: now, failures: 0, names: new Set() };
      map.set(key, c);
    }
    return c;
  }
}
