// Who may post a device's Bulk Data reports. The ACS keeps only hashes of a device's CWMP password, so
// it cannot write that password into the device's BulkData profile; instead each device gets collector
// credentials of its own, derived from the secret every ACS process shares (as the file server's Digest
// credentials are, files/links.ts): username its device id, password an HMAC of it. Any process checks
// them without a lookup, and nothing of them is stored. They travel to the device in
// SetParameterValues inside its authenticated CWMP session (builtin:bulkdata).
//
// The collector asks for Digest (MD5, qop=auth) and takes Basic where cwmp.authMethods and
// cwmp.basicOverHttp take it on the CWMP endpoint. A Digest login's nonce count is recorded in the store
// by the caller (a replayed header is refused), and failed logins count towards the same kind of
// per-source and per-username limits (auth-limits.ts).

import { createHmac, timingSafeEqual } from "node:crypto";
import { createChallenge, digestHa1, parseAuthorization, verifyDigest, type Secret } from "../auth/index.js";
import { AuthLimiter, type AuthLimitsConfig } from "./auth-limits.js";
import type { DigestUse } from "./cpe-auth.js";

export const BULKDATA_REALM = "provisio-bulkdata";

export interface BulkDataAuthConfig {
  methods: readonly ("digest" | "basic")[];
  basicOverHttp: boolean;
  nonceTtlMs: number;
  /** Shared by every ACS process (the nonce secret). */
  secret: Secret;
  limits?: AuthLimitsConfig;
}

export type BulkDataLogin =
  | { ok: true; username: string; digestUse?: DigestUse }
  | { ok: false; status: 401 | 503; reason: string; headers: Record<string, string | string[]> };

export class BulkDataAuth {
  private readonly limiter: AuthLimiter | null;
  constructor(private readonly c: BulkDataAuthConfig) {
    this.limiter = c.limits === undefined ? null : new AuthLimiter(c.limits);
  }

  /** The credentials a device's BulkData profile carries (HTTP.Username, HTTP.Password). */
  credentials(deviceId: string): { username: string; password: string } {
    const password = createHmac("sha256", this.c.secret).update(`provisio-bulkdata-password-v1\n${deviceId}`, "utf8").digest().subarray(0, 18).toString("base64url");
    return { username: deviceId, password };
  }

  private challenges(now: number, secure: boolean, stale = false): string[] {
    const out: string[] = [];
    if (this.c.methods.includes("digest")) out.push(createChallenge({ realm: BULKDATA_REALM, now, secret: this.c.secret, nonceTtlMs: this.c.nonceTtlMs, stale }));
    if (this.basicAllowed(secure)) out.push(`Basic realm="${BULKDATA_REALM}", charset="UTF-8"`);
    return out;
  }

  private basicAllowed(secure: boolean): boolean {
    return this.c.methods.includes("basic") && (secure || this.c.basicOverHttp);
  }

  /** The refusal of a Digest login whose nonce count was used already (a replay): a fresh challenge. */
  replayed(now: number, secure: boolean): BulkDataLogin {
    return { ok: false, status: 401, reason: "digest nonce count reused", headers: { "WWW-Authenticate": this.challenges(now, secure, true) } };
  }

  /** Checks a request's Authorization header; `address` for the limits on failed logins. */
  authenticate(r: { authorization: string | undefined; method: string; url: string; secure: boolean; address: string | null; now: number }): BulkDataLogin {
    const parsed = parseAuthorization(r.authorization);
    const username = parsed?.kind === "basic" || parsed?.kind === "digest" ? parsed.username : undefined;
    const verdict = this.limiter === null || parsed === null ? null : this.limiter.check(r.address, username, r.now);
    if (verdict !== null && !verdict.ok) {
      return { ok: false, status: 503, reason: `too many failed logins: ${verdict.reason}`, headers: { "Retry-After": String(verdict.retryAfterSeconds) } };
    }
    const refuse = (reason: string, guessed = false, stale = false): BulkDataLogin => {
      if (guessed) this.limiter?.failed(r.address, username, r.now);
      return { ok: false, status: 401, reason, headers: { "WWW-Authenticate": this.challenges(r.now, r.secure, stale) } };
    };
    if (parsed === null) return refuse("authentication required");
    if (parsed.kind === "malformed") return refuse(`malformed ${parsed.scheme} credentials: ${parsed.problem}`);
    if (parsed.kind === "other") return refuse(`unsupported scheme ${parsed.scheme}`);
    const expected = this.credentials(parsed.username);
    if (parsed.kind === "basic") {
      if (!this.basicAllowed(r.secure)) return refuse(r.secure ? "Basic is not enabled" : "Basic is refused over plain HTTP");
      const a = Buffer.from(parsed.password, "utf8");
      const b = Buffer.from(expected.password, "utf8");
      if (a.length !== b.length || !timingSafeEqual(a, b)) return refuse("wrong password", true);
      this.limiter?.succeeded(r.address, parsed.username, r.now);
      return { ok: true, username: parsed.username };
    }
    if (!this.c.methods.includes("digest")) return refuse("Digest is not enabled");
    const result = verifyDigest({
      authorization: parsed, method: r.method, ha1: digestHa1(expected.username, BULKDATA_REALM, expected.password), secret: this.c.secret, realm: BULKDATA_REALM,
      now: r.now, nonceTtlMs: this.c.nonceTtlMs, uri: r.url,
    });
    if (!result.ok) return refuse(`digest ${result.reason}${result.detail === undefined ? "" : `: ${result.detail}`}`, result.reason === "bad-response", result.reason === "stale-nonce");
    return { ok: true, username: parsed.username, digestUse: { nonce: result.nonce, nc: result.nc ?? 0, expiresAt: new Date(result.nonceExpiresAt) } };
  }

  /** A Digest login whose nonce count was recorded: its address is known good for its username. */
  loggedIn(address: string | null, username: string, now: number): void {
    this.limiter?.succeeded(address, username, now);
  }
}
