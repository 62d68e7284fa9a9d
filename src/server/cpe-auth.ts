// Authenticating CPEs on the CWMP endpoint: HTTP Digest (MD5, qop=auth, stateless nonces that every
// ACS process can verify), HTTP Basic over HTTPS (or plain HTTP when explicitly allowed), or a TLS client
// certificate bound to the device's identity. Only the first request of a session authenticates; the
// session cookie carries it from there.
//
// A Digest success names the nonce and count it used (`digestUse`): the caller records them in the
// store in the transaction that starts the session, and refuses a count that does not grow (a replay)
// with a stale challenge. The check is there, not here, so that every ACS process sees every use
// without a write of its own per login. Failed logins are limited per source and username
// (auth-limits.ts).

import { createHash } from "node:crypto";
import { createChallenge, parseAuthorization, RandomPool, verifyDigest, verifyPassword, type Secret } from "../auth/index.js";
import type { CpeCredential } from "../store/types.js";
import { AuthLimiter, type AuthLimitsConfig } from "./auth-limits.js";

export interface CpeAuthConfig {
  mode: "required" | "open";
  methods: readonly ("digest" | "basic")[];
  basicOverHttp: boolean;
  realm: string;
  nonceTtlMs: number;
  /** Shared by every ACS process (kept in the store), so any of them can verify a nonce. */
  secret: Secret;
  /** Limits on failed logins; none when absent. */
  limits?: AuthLimitsConfig;
}

export interface AuthRequest {
  authorization: string | undefined;
  method: string;
  url: string;
  /** The request came over TLS. */
  secure: boolean;
  now: number;
  /** The device the request speaks for, when known: its own credentials are then looked up too. */
  deviceId?: string;
  /** The client's address, for the limits on failed logins. */
  address?: string | null;
  /**
   * Where the credentials are read: a session's transaction, whose first statements the read then
   * travels with; the authenticator's own lookup (the store) when absent.
   */
  credentials?: CredentialLookup;
}

/** A Digest login's nonce and count (0: the RFC 2069 form without one), to record as used. */
export interface DigestUse {
  nonce: string;
  nc: number;
  expiresAt: Date;
}

export type AuthResult =
  | {
      ok: true;
      username: string | null;
      credential: CpeCredential | null;
      via: "digest" | "basic" | "open";
      /** Whether AuthRequest.deviceId has credentials of its own; undefined when not looked up. */
      deviceHasOwn?: boolean;
      /** Digest only: to record, refusing the login when it was used already. */
      digestUse?: DigestUse;
    }
  /** `guessed`: the refusal tells about the password tried (a wrong one, an unknown username), and counts
   * towards the limits; a missing, malformed, stale or replayed login does not, so that a device's
   * quirks never lock it out. */
  | { ok: false; status: 401; challenges: string[]; reason: string; username?: string; guessed?: boolean }
  /** Too many failed logins: refused without checking the password. */
  | { ok: false; status: 503; retryAfterSeconds: number; reason: string; username?: string };

export interface CredentialLookup {
  get(username: string): Promise<CpeCredential | null>;
  /** The credential and whether the device has its own, in one read (store.credentials.forLogin). */
  forLogin?(username: string, deviceId: string): Promise<{ credential: CpeCredential; deviceHasOwn: boolean } | null>;
}

/**
 * scrypt is deliberately slow (tens of milliseconds); a CPE using Basic sends the same password every
 * session. Remembering recent successful checks (by a SHA-256 of username, password and stored hash)
 * keeps Basic affordable at thousands of sessions per second without weakening what is stored.
 */
export class BasicCache {
  private readonly entries = new Map<string, number>();
  constructor(private readonly ttlMs: number, private readonly maxEntries = 100_000) {}

  key(username: string, password: string, storedHash: string): string {
    return createHash("sha256").update(`${username}\0${password}\0${storedHash}`).digest("base64");
  }

  has(key: string, now: number): boolean {
    const until = this.entries.get(key);
    return until !== undefined && until > now;
  }

  add(key: string, now: number): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, now + this.ttlMs);
  }
}

export class CpeAuthenticator {
  private readonly limiter: AuthLimiter | null;
  /** Every Digest challenge's nonce takes 6 random bytes from here. */
  private readonly random = new RandomPool();

  constructor(
    private readonly config: CpeAuthConfig,
    private readonly credentials: CredentialLookup,
    private readonly basicCache = new BasicCache(10 * 60_000),
  ) {
    this.limiter = config.limits === undefined ? null : new AuthLimiter(config.limits);
  }

  private basicAllowed(secure: boolean): boolean {
    return this.config.methods.includes("basic") && (secure || this.config.basicOverHttp);
  }

  /** The WWW-Authenticate values offered to a CPE on this transport. */
  challenges(req: AuthRequest, stale = false): string[] {
    const out: string[] = [];
    if (this.config.methods.includes("digest")) {
      out.push(createChallenge({ realm: this.config.realm, now: req.now, secret: this.config.secret, nonceTtlMs: this.config.nonceTtlMs, stale, random: this.random.take(6) }));
    }
    if (this.basicAllowed(req.secure)) out.push(`Basic realm="${this.config.realm.replace(/["\\]/g, "")}", charset="UTF-8"`);
    return out;
  }

  private async lookup(req: Pick<AuthRequest, "deviceId" | "credentials">, username: string): Promise<{ credential: CpeCredential; deviceHasOwn?: boolean } | null> {
    const from = req.credentials ?? this.credentials;
    if (req.deviceId !== undefined && from.forLogin !== undefined) return from.forLogin(username, req.deviceId);
    const credential = await from.get(username);
    return credential === null ? null : { credential };
  }

  /** A refusal for too many failed logins (without checking the password), or null. */
  private limited(address: string | null, username: string | undefined, now: number): AuthResult | null {
    const verdict = this.limiter?.check(address, username, now);
    if (verdict === undefined || verdict.ok) return null;
    return { ok: false, status: 503, retryAfterSeconds: verdict.retryAfterSeconds, reason: `too many failed logins: ${verdict.reason}`, ...(username === undefined ? {} : { username }) };
  }

  /**
   * Whether authenticate() would read a credential for this request: its Authorization names a user by
   * an enabled method, and the limits on failed logins do not refuse it first.
   */
  readsCredentials(req: AuthRequest): boolean {
    if (this.config.mode === "open") return false;
    const parsed = parseAuthorization(req.authorization);
    const enabled = (parsed?.kind === "digest" && this.config.methods.includes("digest")) || (parsed?.kind === "basic" && this.basicAllowed(req.secure));
    return enabled && this.limited(req.address ?? null, parsed.username, req.now) === null;
  }

  async authenticate(req: AuthRequest): Promise<AuthResult> {
    if (this.config.mode === "open") return { ok: true, username: null, credential: null, via: "open" };
    const parsed = parseAuthorization(req.authorization);
    const username = parsed?.kind === "basic" || parsed?.kind === "digest" ? parsed.username : undefined;
    const address = req.address ?? null;
    const limited = parsed === null ? null : this.limited(address, username, req.now);
    if (limited !== null) return limited;
    const result = await this.check(req, parsed);
    if (result.ok) {
      // A Digest login is not known good before its nonce count is recorded (the caller's loggedIn):
      // a replayed header must not make its sender's address trusted.
      if (username !== undefined && result.digestUse === undefined) this.limiter?.succeeded(address, username, req.now);
    } else if (result.status === 401 && result.guessed === true) {
      this.limiter?.failed(address, username, req.now);
    }
    return result;
  }

  /** A Digest login whose nonce count was recorded: its address is known good for its username. */
  loggedIn(address: string | null, username: string, now: number): void {
    this.limiter?.succeeded(address, username, now);
  }

  /**
   * A username and password checked as a Basic login is, whatever cwmp.authMethods says: for transports
   * that carry them themselves (a USP agent's WebSocket upgrade). The limits on failed logins apply.
   */
  async password(username: string, password: string, now: number, address: string | null): Promise<AuthResult> {
    if (this.config.mode === "open") return { ok: true, username: null, credential: null, via: "open" };
    const limited = this.limited(address, username, now);
    if (limited !== null) return limited;
    const checked = await this.checkPassword(username, password, { now });
    if (typeof checked === "string") {
      this.limiter?.failed(address, username, now);
      return { ok: false, status: 401, challenges: [], reason: checked, username, guessed: true };
    }
    this.limiter?.succeeded(address, username, now);
    return checked;
  }

  /** A Basic login's check; the reason it failed otherwise. */
  private async checkPassword(username: string, password: string, req: Pick<AuthRequest, "deviceId" | "credentials" | "now">): Promise<Extract<AuthResult, { ok: true }> | string> {
    const { now } = req;
    const found = await this.lookup(req, username);
    if (found === null) return "unknown username";
    const key = this.basicCache.key(username, password, found.credential.passwordHash);
    if (!this.basicCache.has(key, now)) {
      if (!(await verifyPassword(password, found.credential.passwordHash))) return "wrong password";
      this.basicCache.add(key, now);
    }
    return { ok: true, username, via: "basic", ...found };
  }

  private async check(req: AuthRequest, parsed: ReturnType<typeof parseAuthorization>): Promise<AuthResult> {
    const refuse = (reason: string, username?: string, stale = false, guessed = false): AuthResult => ({
      ok: false,
      status: 401,
      challenges: this.challenges(req, stale),
      reason,
      ...(username === undefined ? {} : { username }),
      ...(guessed ? { guessed } : {}),
    });
    if (parsed === null) return refuse("no credentials");
    if (parsed.kind === "malformed") return refuse(`malformed ${parsed.scheme} credentials: ${parsed.problem}`);
    if (parsed.kind === "other") return refuse(`unsupported scheme ${parsed.scheme}`);
    if (parsed.kind === "basic") {
      if (!this.basicAllowed(req.secure)) return refuse(req.secure ? "Basic is not enabled" : "Basic is refused over plain HTTP", parsed.username);
      const checked = await this.checkPassword(parsed.username, parsed.password, req);
      return typeof checked === "string" ? refuse(checked, parsed.username, false, true) : checked;
    }
    if (!this.config.methods.includes("digest")) return refuse("Digest is not enabled", parsed.username);
    const found = await this.lookup(req, parsed.username);
    if (found === null) return refuse("unknown username", parsed.username, false, true);
    const { credential } = found;
    if (credential.realm !== this.config.realm) return refuse(`credentials were made for realm "${credential.realm}"`, parsed.username);
    const result = verifyDigest({
      authorization: parsed,
      method: req.method,
      ha1: credential.digestHa1,
      secret: this.config.secret,
      realm: this.config.realm,
      now: req.now,
      nonceTtlMs: this.config.nonceTtlMs,
      uri: req.url,
    });
    if (!result.ok) return refuse(`digest ${result.reason}${result.detail === undefined ? "" : `: ${result.detail}`}`, parsed.username, result.reason === "stale-nonce", result.reason === "bad-response");
    const digestUse = { nonce: result.nonce, nc: result.nc ?? 0, expiresAt: new Date(result.nonceExpiresAt) };
    return { ok: true, username: parsed.username, via: "digest", ...found, digestUse };
  }
}

/**
 * Whether an authenticated credential may speak for this device: its own credentials always; shared
 * (bootstrap) credentials only while the device has none of its own.
 */
export function credentialFitsDevice(credential: CpeCredential | null, deviceId: string, deviceHasOwn: boolean): boolean {
  if (credential === null) return true;
  if (credential.deviceId !== null) return credential.deviceId === deviceId;
  return !deviceHasOwn;
}
