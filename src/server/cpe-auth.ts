// Authenticating CPEs on the CWMP endpoint: HTTP Digest (MD5, qop=auth, stateless nonces that every
// ACS process can verify), HTTP Basic over HTTPS (or plain HTTP when explicitly allowed), or a TLS client
// certificate bound to the device's identity. Only the first request of a session authenticates; the
// session cookie carries it from there.

import { createHash } from "node:crypto";
import { createChallenge, parseAuthorization, verifyDigest, verifyPassword, type Secret } from "../auth/index.js";
import type { CpeCredential } from "../store/types.js";

export interface CpeAuthConfig {
  mode: "required" | "open";
  methods: readonly ("digest" | "basic")[];
  basicOverHttp: boolean;
  realm: string;
  nonceTtlMs: number;
  /** Shared by every ACS process (kept in the store), so any of them can verify a nonce. */
  secret: Secret;
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
}

export type AuthResult =
  | {
      ok: true;
      username: string | null;
      credential: CpeCredential | null;
      via: "digest" | "basic" | "open";
      /** Whether AuthRequest.deviceId has credentials of its own; undefined when not looked up. */
      deviceHasOwn?: boolean;
    }
  | { ok: false; status: 401; challenges: string[]; reason: string; username?: string };

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
  constructor(
    private readonly config: CpeAuthConfig,
    private readonly credentials: CredentialLookup,
    private readonly basicCache = new BasicCache(10 * 60_000),
  ) {}

  private basicAllowed(secure: boolean): boolean {
    return this.config.methods.includes("basic") && (secure || this.config.basicOverHttp);
  }

  /** The WWW-Authenticate values offered to a CPE on this transport. */
  challenges(req: AuthRequest, stale = false): string[] {
    const out: string[] = [];
    if (this.config.methods.includes("digest")) {
      out.push(createChallenge({ realm: this.config.realm, now: req.now, secret: this.config.secret, nonceTtlMs: this.config.nonceTtlMs, stale }));
    }
    if (this.basicAllowed(req.secure)) out.push(`Basic realm="${this.config.realm.replace(/["\\]/g, "")}", charset="UTF-8"`);
    return out;
  }

  private async lookup(username: string, deviceId: string | undefined): Promise<{ credential: CpeCredential; deviceHasOwn?: boolean } | null> {
    if (deviceId !== undefined && this.credentials.forLogin !== undefined) return this.credentials.forLogin(username, deviceId);
    const credential = await this.credentials.get(username);
    return credential === null ? null : { credential };
  }

  async authenticate(req: AuthRequest): Promise<AuthResult> {
    if (this.config.mode === "open") return { ok: true, username: null, credential: null, via: "open" };
    const refuse = (reason: string, username?: string, stale = false): AuthResult => ({
      ok: false,
      status: 401,
      challenges: this.challenges(req, stale),
      reason,
      ...(username === undefined ? {} : { username }),
    });
    const parsed = parseAuthorization(req.authorization);
    if (parsed === null) return refuse("no credentials");
    if (parsed.kind === "malformed") return refuse(`malformed ${parsed.scheme} credentials: ${parsed.problem}`);
    if (parsed.kind === "other") return refuse(`unsupported scheme ${parsed.scheme}`);
    if (parsed.kind === "basic") {
      if (!this.basicAllowed(req.secure)) return refuse(req.secure ? "Basic is not enabled" : "Basic is refused over plain HTTP", parsed.username);
      const found = await this.lookup(parsed.username, req.deviceId);
      if (found === null) return refuse("unknown username", parsed.username);
      const key = this.basicCache.key(parsed.username, parsed.password, found.credential.passwordHash);
      if (!this.basicCache.has(key, req.now)) {
        if (!(await verifyPassword(parsed.password, found.credential.passwordHash))) return refuse("wrong password", parsed.username);
        this.basicCache.add(key, req.now);
      }
      return { ok: true, username: parsed.username, via: "basic", ...found };
    }
    if (!this.config.methods.includes("digest")) return refuse("Digest is not enabled", parsed.username);
    const found = await this.lookup(parsed.username, req.deviceId);
    if (found === null) return refuse("unknown username", parsed.username);
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
    });
    if (!result.ok) return refuse(`digest ${result.reason}`, parsed.username, result.reason === "stale-nonce");
    return { ok: true, username: parsed.username, via: "digest", ...found };
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
