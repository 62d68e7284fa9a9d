// Console logins: a username and password exchanged for a session cookie, and the cookie checked on
// every request after that.
//
// The cookie holds 32 random bytes; the store keeps only their SHA-256 (as for API keys: 256 random
// bits need no slow hash). The CSRF token is derived from the cookie's token (an HMAC keyed by it), so
// it needs no storage: only whoever holds the cookie can compute it, and a page of another site, which
// can make the browser send the cookie but never read it, cannot.
//
// A failed login says the same thing, and costs the same scrypt work, whether the username is unknown,
// the password wrong or the user disabled, so that neither the answer nor its timing tells which.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { generateSecret, hashPassword, needsRehash, verifyPassword } from "../auth/password.js";
import type { Config } from "../config/index.js";
import type { Store, UserRecord } from "../store/types.js";
import { LoginLimiter, type LoginLimitsConfig } from "./login-limits.js";
import { MAX_USERNAME_LENGTH } from "./users.js";

export const SESSION_COOKIE = "provisio_session";

export interface LoginSettings {
  idleMs: number;
  lifetimeMs: number;
  /** Mark the cookie Secure although the API itself is plain HTTP (a proxy serves HTTPS). */
  secureCookie: boolean;
  limits: LoginLimitsConfig;
}

export function loginSettings(config: Readonly<Config>): LoginSettings {
  const l = config.login;
  return {
    idleMs: l.idleTimeout * 1000,
    lifetimeMs: l.maxLifetime * 1000,
    secureCookie: l.secureCookie,
    limits: {
      pairFailures: l.pairFailures,
      lockoutMs: l.lockout * 1000,
      maxLockoutMs: l.maxLockout * 1000,
      usernameFailures: l.usernameFailures,
      usernameDelayMs: l.usernameDelay * 1000,
      sourceFailures: l.sourceFailures,
      windowMs: l.failureWindow * 1000,
    },
  };
}

export type LoginResult =
  | { ok: true; user: UserRecord; token: string; csrfToken: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "limited"; retryAfterSeconds: number };

export interface LoginSession {
  user: UserRecord;
  tokenHash: string;
  csrfToken: string;
}

/** Last-seen times are written at most this often per session, so requests do not all write. */
const TOUCH_EVERY_MS = 60_000;

export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function csrfTokenOf(token: string): string {
  return createHmac("sha256", token).update("provisio csrf token").digest("base64url");
}

/** Constant-time comparison of a CSRF token sent with one expected. */
export function csrfMatches(sent: string | undefined, expected: string): boolean {
  if (sent === undefined) return false;
  const a = Buffer.from(sent, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

export class Logins {
  readonly limiter: LoginLimiter;
  /** A hash of no one's password, verified for unknown usernames so that they cost what known ones do. */
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly store: Store, readonly settings: LoginSettings, private readonly clock: () => Date = () => new Date()) {
    this.limiter = new LoginLimiter(settings.limits);
  }

  /** Checks the password (rate-limited per address and username) and opens a session. */
  async login(typedUsername: string, password: string, address: string): Promise<LoginResult> {
    const username = typedUsername.trim().normalize("NFC").toLowerCase().slice(0, MAX_USERNAME_LENGTH + 1);
    const started = this.clock();
    const verdict = this.limiter.check(address, username, started.getTime());
    if (!verdict.ok) return { ok: false, reason: "limited", retryAfterSeconds: verdict.retryAfterSeconds };
    const user = await this.store.users.get(username);
    const matches = await verifyPassword(password, user?.passwordHash ?? (await this.dummy()));
    const now = this.clock();
    if (user === null || !matches || user.disabledAt !== null) {
      this.limiter.failed(address, username, now.getTime());
      return { ok: false, reason: "invalid" };
    }
    this.limiter.succeeded(address, username, now.getTime());
    // A hash made with weaker parameters than today's is replaced while the password is at hand.
    if (needsRehash(user.passwordHash)) await this.store.users.update(username, { passwordHash: await hashPassword(password) });
    const token = generateSecret(32);
    await this.store.transaction(async (tx) => {
      await tx.userSessions.create({
        tokenHash: hashSessionToken(token),
        username,
        createdAt: now,
        lastSeenAt: now,
        idleUntil: new Date(now.getTime() + this.settings.idleMs),
        endsAt: new Date(now.getTime() + this.settings.lifetimeMs),
      });
      await tx.users.recordLogin(username, now);
    });
    return { ok: true, user: { ...user, lastLoginAt: now }, token, csrfToken: csrfTokenOf(token) };
  }

  /** The live session of a cookie's token, or null (unknown, ended, expired, user disabled). */
  async authenticate(token: string): Promise<LoginSession | null> {
    const tokenHash = hashSessionToken(token);
    const found = await this.store.userSessions.byHash(tokenHash);
    if (found === null) return null;
    const { session, user } = found;
    const now = this.clock();
    if (user.disabledAt !== null || now >= session.idleUntil || now >= session.endsAt) return null;
    if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
      await this.store.userSessions.touch(tokenHash, now, new Date(now.getTime() + this.settings.idleMs), new Date(now.getTime() - TOUCH_EVERY_MS));
    }
    return { user, tokenHash, csrfToken: csrfTokenOf(token) };
  }

  async logout(tokenHash: string): Promise<void> {
    await this.store.userSessions.delete(tokenHash);
  }

  /**
   * Checks a logged-in user's current password (a stolen session must not be enough to take the account
   * over), with the login's rate limits, since it is a password guess too.
   */
  async checkCurrentPassword(user: UserRecord, password: string, address: string): Promise<{ ok: boolean; retryAfterSeconds?: number }> {
    const verdict = this.limiter.check(address, user.username, this.clock().getTime());
    if (!verdict.ok) return { ok: false, retryAfterSeconds: verdict.retryAfterSeconds };
    if (await verifyPassword(password, user.passwordHash)) return { ok: true };
    this.limiter.failed(address, user.username, this.clock().getTime());
    return { ok: false };
  }

  /** The Set-Cookie value for a session token (null: the one that clears it). */
  cookie(token: string | null, overTls: boolean): string {
    const secure = overTls || this.settings.secureCookie ? "; Secure" : "";
    if (token === null) return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${secure}`;
    return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/${secure}`;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword(generateSecret(16));
    return this.dummyHash;
  }
}
