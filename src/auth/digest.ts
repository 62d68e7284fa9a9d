// HTTP Digest (RFC 2617, RFC 7616) for both roles CWMP needs:
// - server: the ACS challenges CPEs, and the simulator's connection-request listener challenges
//   the ACS;
// - client: the simulator answers the ACS, and the ACS answers a CPE's connection-request
//   challenge.
//
// Nonces are stateless: `hex(expiry ms, 6 bytes) || hex(random, 6 bytes) ||
// hex(HMAC-SHA256(secret, realm, expiry, random)[0..12])`, 48 hex digits. Any ACS process that
// shares the secret can check one without storage, and an authentic but expired nonce is reported
// as "stale-nonce" so the next challenge can say stale=true (the client then retries without
// asking for the password again). The random part makes each nonce unique, which counting its uses
// needs: two challenges made in the same millisecond must not share one.
//
// Replay: nonce-count (nc) is not tracked here, as that needs per-nonce state. A verifier that must
// refuse replays records the `nonce` and `nc` of each success (0 for the RFC 2069 form, whose
// nonce is then single-use) until the nonce expires, and challenges again with stale=true when the
// count does not grow: the ACS keeps them in the store (DigestNonceRepo), shared by its processes.

import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { decodeBasicToken } from "./basic.js";
import { AuthLocalError, AuthRemoteError } from "./errors.js";
import { hasControl, parseAuthItems, quote } from "./header-params.js";

type HashName = "md5" | "sha256";

/** Digest algorithms the client side can answer. The server side offers and verifies MD5 and
 * MD5-sess only, because the stored HA1 is an MD5 (TR-069 requires MD5, and MD5-sess of CPEs). */
export type DigestAlgorithm = "MD5" | "MD5-sess" | "SHA-256" | "SHA-256-sess";

const ALGORITHMS: ReadonlyMap<string, { name: DigestAlgorithm; hash: HashName; sess: boolean }> = new Map([
  ["md5", { name: "MD5", hash: "md5", sess: false }],
  ["md5-sess", { name: "MD5-sess", hash: "md5", sess: true }],
  ["sha-256", { name: "SHA-256", hash: "sha256", sess: false }],
  ["sha-256-sess", { name: "SHA-256-sess", hash: "sha256", sess: true }],
]);

function h(hash: HashName, text: string): string {
  return createHash(hash).update(text, "utf8").digest("hex");
}

function hBytes(hash: HashName, bytes: Uint8Array): string {
  return createHash(hash).update(bytes).digest("hex");
}

function algorithmInfo(name: string | undefined) {
  return ALGORITHMS.get((name ?? "MD5").toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// The response computation, shared by both roles.

interface ResponseInput {
  hash: HashName;
  sess: boolean;
  /** H(username:realm:password), lowercase hex. */
  ha1: string;
  nonce: string;
  cnonce: string | undefined;
  nc: string | undefined;
  qop: string | undefined;
  method: string;
  uri: string;
  body: Uint8Array | undefined;
}

function computeResponse(x: ResponseInput): string {
  const ha1 = x.sess ? h(x.hash, `${x.ha1.toLowerCase()}:${x.nonce}:${x.cnonce ?? ""}`) : x.ha1.toLowerCase();
  const qop = x.qop?.toLowerCase();
  const ha2 = qop === "auth-int"
    ? h(x.hash, `${x.method}:${x.uri}:${hBytes(x.hash, x.body ?? new Uint8Array(0))}`)
    : h(x.hash, `${x.method}:${x.uri}`);
  if (x.qop === undefined) return h(x.hash, `${ha1}:${x.nonce}:${ha2}`);
  return h(x.hash, `${ha1}:${x.nonce}:${x.nc ?? ""}:${x.cnonce ?? ""}:${x.qop}:${ha2}`);
}

// ---------------------------------------------------------------------------------------------
// Stateless nonces.

export type Secret = string | Uint8Array;

function secretBytes(secret: Secret): Buffer {
  const b = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
  if (b.length === 0) throw new AuthLocalError("AUTH_INVALID_ARGUMENT", "the nonce secret is empty");
  return b;
}

function nonceMac(secret: Secret, realm: string, head: Buffer): Buffer {
  return createHmac("sha256", secretBytes(secret))
    .update("provisio-digest-nonce-v2\0")
    .update(realm, "utf8")
    .update("\0")
    .update(head)
    .digest()
    .subarray(0, 12);
}

/** The largest expiry 6 bytes hold (year 10889). */
const MAX_EXPIRY = 2 ** 48 - 1;

/** A nonce valid until `expiresAt` (ms since the epoch) for `realm`. Hex only: some CPEs mishandle
 * anything else in a nonce. `random` (6 bytes) is for tests; by default it comes from the system. */
export function createNonce(secret: Secret, realm: string, expiresAt: number, random: Uint8Array = randomBytes(6)): string {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0 || expiresAt > MAX_EXPIRY) {
    throw new AuthLocalError("AUTH_INVALID_ARGUMENT", `nonce expiry ${expiresAt} is not an integer in 0..2^48-1`);
  }
  if (random.length !== 6) throw new AuthLocalError("AUTH_INVALID_ARGUMENT", "a nonce's random part is 6 bytes");
  const head = Buffer.alloc(12);
  head.writeUIntBE(expiresAt, 0, 6);
  head.set(random, 6);
  return head.toString("hex") + nonceMac(secret, realm, head).toString("hex");
}

/** Checks that a nonce was made with `secret` for `realm`; returns its expiry, or null. */
export function readNonce(nonce: string, secret: Secret, realm: string): { expiresAt: number } | null {
  if (!/^[0-9a-fA-F]{48}$/.test(nonce)) return null;
  const raw = Buffer.from(nonce, "hex");
  const head = raw.subarray(0, 12);
  if (!timingSafeEqual(raw.subarray(12), nonceMac(secret, realm, head))) return null;
  return { expiresAt: head.readUIntBE(0, 6) };
}

// ---------------------------------------------------------------------------------------------
// Server side.

export interface CreateChallengeOptions {
  realm: string;
  /** Current time, ms since the epoch. */
  now: number;
  secret: Secret;
  /** How long the nonce stays fresh. */
  nonceTtlMs: number;
  /** Say that the client's last nonce was stale (its credentials were right). */
  stale?: boolean;
  /** Default MD5. */
  algorithm?: "MD5" | "MD5-sess";
  /** Sent back unchanged by clients; Provisio does not need it, some old clients want one. */
  opaque?: string;
  /** The nonce's 6 random bytes (createNonce); by default from the system. */
  random?: Uint8Array;
}

/** A `WWW-Authenticate` header value: a Digest challenge with qop="auth" (TR-069 section 3.4.5). */
export function createChallenge(options: CreateChallengeOptions): string {
  if (!Number.isFinite(options.nonceTtlMs) || options.nonceTtlMs <= 0) {
    throw new AuthLocalError("AUTH_INVALID_ARGUMENT", "nonceTtlMs must be positive");
  }
  const nonce = createNonce(options.secret, options.realm, Math.floor(options.now + options.nonceTtlMs), options.random);
  let out = `Digest realm=${quote(options.realm)}, qop="auth", nonce="${nonce}", algorithm=${options.algorithm ?? "MD5"}`;
  if (options.opaque !== undefined) out += `, opaque=${quote(options.opaque)}`;
  if (options.stale) out += ", stale=true";
  return out;
}

/** Digest credentials from an Authorization header. Parameter values are as sent. */
export interface DigestCredentials {
  kind: "digest";
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: string | undefined;
  cnonce: string | undefined;
  nc: string | undefined;
  qop: string | undefined;
  opaque: string | undefined;
  /** Every parameter, by lowercased name. */
  params: ReadonlyMap<string, string>;
}

export type ParsedAuthorization =
  | DigestCredentials
  | { kind: "basic"; username: string; password: string }
  /** Another scheme (Bearer, NTLM...). */
  | { kind: "other"; scheme: string }
  /** Basic or Digest, but unusable: bad base64, or Digest without a required parameter. */
  | { kind: "malformed"; scheme: string; problem: string };

/** Reads an Authorization header value; `null` when it is absent or empty. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | null {
  if (header === undefined) return null;
  const item = parseAuthItems(header)[0];
  if (!item) return null;
  const scheme = item.scheme.toLowerCase();
  if (scheme === "basic") {
    const creds = item.token68 !== undefined ? decodeBasicToken(item.token68) : null;
    return creds ? { kind: "basic", ...creds } : { kind: "malformed", scheme: item.scheme, problem: "credentials are not base64 of user:password" };
  }
  if (scheme !== "digest") return { kind: "other", scheme: item.scheme };
  const p = item.params;
  const missing = ["username", "realm", "nonce", "uri", "response"].filter((k) => !p.has(k));
  if (missing.length > 0) return { kind: "malformed", scheme: item.scheme, problem: `missing ${missing.join(", ")}` };
  return {
    kind: "digest",
    username: p.get("username") as string,
    realm: p.get("realm") as string,
    nonce: p.get("nonce") as string,
    uri: p.get("uri") as string,
    response: p.get("response") as string,
    algorithm: p.get("algorithm"),
    cnonce: p.get("cnonce"),
    nc: p.get("nc"),
    qop: p.get("qop"),
    opaque: p.get("opaque"),
    params: p,
  };
}

export type DigestFailureReason =
  /** Not Digest credentials, or Digest without a required parameter or with a bad nc. */
  | "malformed"
  /** The realm in the credentials is not ours. */
  | "wrong-realm"
  /** An algorithm we did not offer (only MD5 and MD5-sess are verified). */
  | "unsupported-algorithm"
  /** A qop other than auth (auth-int only when the body is given), or no qop when legacy is off. */
  | "unsupported-qop"
  /** The nonce was not made by us (another secret or realm, or tampered). */
  | "bad-nonce"
  /** The digest uri does not name the request target. */
  | "uri-mismatch"
  /** The opaque value differs from the one we send. */
  | "opaque-mismatch"
  /** The response does not match: wrong password (or username). */
  | "bad-response"
  /** Everything is right but the nonce has expired: challenge again with stale=true. */
  | "stale-nonce";

export interface VerifyDigestOptions {
  /** The Authorization header value, or credentials already parsed (to look up the user first). */
  authorization: string | ParsedAuthorization | null | undefined;
  /** The request method, e.g. "POST". */
  method: string;
  /** MD5(username:realm:password) in hex, looked up by the credentials' username. */
  ha1: string;
  secret: Secret;
  realm: string;
  /** Current time, ms since the epoch. */
  now: number;
  /** When given, a nonce claiming to expire later than now + nonceTtlMs (+ clockSkewMs) is refused:
   * it was minted by a process whose clock is far ahead, or with a longer TTL than we accept. */
  nonceTtlMs?: number;
  /** Tolerated clock difference between ACS processes sharing the secret (default 30 s). */
  clockSkewMs?: number;
  /** The request target as received (e.g. "/acs?x=1"). When given, the digest uri must name it. */
  uri?: string;
  /** The request body, needed only to verify qop=auth-int. */
  body?: Uint8Array;
  /** The opaque value sent in challenges, if any. */
  opaque?: string;
  /** Accept the RFC 2069 form without qop, which some CPEs still send (default true). */
  allowLegacy?: boolean;
}

export type VerifyDigestResult =
  | {
      ok: true;
      username: string;
      /** The nonce and its expiry, for callers that track nc per nonce. */
      nonce: string;
      nonceExpiresAt: number;
      /** Absent for the legacy form. */
      nc: number | undefined;
      cnonce: string | undefined;
      qop: string | undefined;
    }
  /** `detail` says for people what exactly was wrong, when the reason alone does not. */
  | { ok: false; reason: DigestFailureReason; detail?: string };

/** The request target that a digest-uri names: itself, or the path and query of an absolute URI
 * (some clients send the whole URL). */
function uriMatches(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(digestUri)) {
    try {
      const u = new URL(digestUri);
      const target = u.pathname + u.search;
      if (target === requestUri) return true;
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(requestUri)) {
        const r = new URL(requestUri);
        return r.pathname + r.search === target;
      }
    } catch {
      return false;
    }
  }
  return false;
}

/** A nonce shorter than ours that starts with an expiry close to now: most likely one of ours that the
 * client cut short (some CPE stacks keep a fixed-size buffer), worth saying in the log. */
function cutShort(nonce: string, now: number): boolean {
  if (!/^[0-9a-fA-F]{12,47}$/.test(nonce)) return false;
  const expiresAt = parseInt(nonce.slice(0, 12), 16);
  return Math.abs(expiresAt - now) < 86_400_000;
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), "utf8");
  const y = Buffer.from(b.toLowerCase(), "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Verifies Digest credentials against a stored HA1. The checks run in an order that never tells
 * an unauthenticated client more than it could learn anyway; "stale-nonce" is returned only when
 * the response is right (RFC 2617 section 3.2.1, stale). */
export function verifyDigest(options: VerifyDigestOptions): VerifyDigestResult {
  const fail = (reason: DigestFailureReason, detail?: string): VerifyDigestResult => (detail === undefined ? { ok: false, reason } : { ok: false, reason, detail });
  const auth = typeof options.authorization === "string" || options.authorization == null
    ? parseAuthorization(options.authorization ?? undefined)
    : options.authorization;
  if (!auth || auth.kind !== "digest") return fail("malformed");
  if (auth.realm !== options.realm) return fail("wrong-realm");
  const alg = algorithmInfo(auth.algorithm);
  if (!alg || alg.hash !== "md5") return fail("unsupported-algorithm");

  const qop = auth.qop?.toLowerCase();
  if (qop === undefined) {
    if (options.allowLegacy === false) return fail("unsupported-qop");
    if (alg.sess) return fail("malformed"); // MD5-sess needs a cnonce, which only exists with qop
  } else if (!(qop === "auth" || (qop === "auth-int" && options.body !== undefined))) {
    return fail("unsupported-qop");
  }
  let nc: number | undefined;
  if (qop !== undefined) {
    if (auth.nc === undefined || auth.cnonce === undefined || !/^[0-9a-fA-F]{1,8}$/.test(auth.nc)) return fail("malformed");
    nc = parseInt(auth.nc, 16);
  }

  const nonce = readNonce(auth.nonce, options.secret, options.realm);
  if (!nonce) {
    // A CPE that cuts the nonce short cannot be verified: say so, since the device is not at fault
    // for its password.
    return fail("bad-nonce", cutShort(auth.nonce, options.now) ? `the nonce has ${auth.nonce.length} hex digits where ours have 48: cut short by the client` : undefined);
  }
  const skew = options.clockSkewMs ?? 30_000;
  if (options.nonceTtlMs !== undefined && nonce.expiresAt > options.now + options.nonceTtlMs + skew) return fail("bad-nonce");
  if (options.uri !== undefined && !uriMatches(auth.uri, options.uri)) {
    // An empty uri binds the response to no request target, so it is refused like any other.
    const target = JSON.stringify(options.uri.slice(0, 200));
    return fail("uri-mismatch", auth.uri === "" ? `the digest uri is empty; the request target is ${target}` : `the digest uri ${JSON.stringify(auth.uri.slice(0, 200))} does not name the request target ${target}`);
  }
  if (options.opaque !== undefined && auth.opaque !== options.opaque) return fail("opaque-mismatch");

  const expected = computeResponse({
    hash: alg.hash,
    sess: alg.sess,
    ha1: options.ha1,
    nonce: auth.nonce,
    cnonce: auth.cnonce,
    nc: auth.nc,
    qop: auth.qop,
    method: options.method,
    uri: auth.uri,
    body: options.body,
  });
  if (!equalHex(expected, auth.response)) return fail("bad-response");
  if (options.now > nonce.expiresAt) return fail("stale-nonce");
  return {
    ok: true,
    username: auth.username,
    nonce: auth.nonce,
    nonceExpiresAt: nonce.expiresAt,
    nc,
    cnonce: qop === undefined ? undefined : auth.cnonce,
    qop: auth.qop,
  };
}

// ---------------------------------------------------------------------------------------------
// Client side.

export interface DigestChallenge {
  scheme: "Digest";
  realm: string;
  nonce: string;
  opaque: string | undefined;
  /** As sent; undefined means MD5. */
  algorithm: string | undefined;
  /** The qop options offered, lowercased; empty for the legacy RFC 2069 form. */
  qop: string[];
  stale: boolean;
  /** Every parameter, by lowercased name. */
  params: ReadonlyMap<string, string>;
}

export interface BasicChallenge {
  scheme: "Basic";
  realm: string | undefined;
  params: ReadonlyMap<string, string>;
}

export interface OtherChallenge {
  scheme: "Other";
  /** The scheme as sent. */
  name: string;
  params: ReadonlyMap<string, string>;
  token68: string | undefined;
}

export type Challenge = DigestChallenge | BasicChallenge | OtherChallenge;

/** Reads WWW-Authenticate: every challenge in one header value (or in several header lines, as
 * Node gives them when the header repeats), in order. A Digest challenge without a nonce cannot be
 * answered and is reported as an "Other" challenge named "Digest". */
export function parseChallenge(wwwAuthenticate: string | readonly string[] | undefined): Challenge[] {
  if (wwwAuthenticate === undefined) return [];
  const lines = typeof wwwAuthenticate === "string" ? [wwwAuthenticate] : wwwAuthenticate;
  const out: Challenge[] = [];
  for (const line of lines) {
    for (const item of parseAuthItems(line)) {
      const scheme = item.scheme.toLowerCase();
      const p = item.params;
      if (scheme === "digest" && p.has("nonce")) {
        out.push({
          scheme: "Digest",
          realm: p.get("realm") ?? "",
          nonce: p.get("nonce") as string,
          opaque: p.get("opaque"),
          algorithm: p.get("algorithm"),
          qop: (p.get("qop") ?? "").split(",").map((q) => q.trim().toLowerCase()).filter((q) => q.length > 0),
          stale: (p.get("stale") ?? "").toLowerCase() === "true",
          params: p,
        });
      } else if (scheme === "basic") {
        out.push({ scheme: "Basic", realm: p.get("realm"), params: p });
      } else {
        out.push({ scheme: "Other", name: item.scheme, params: p, token68: item.token68 });
      }
    }
  }
  return out;
}

/** The challenge a client should answer: the first Digest one it can compute, else Basic when
 * allowed. */
export function pickChallenge(challenges: readonly Challenge[], options: { allowBasic?: boolean } = {}): DigestChallenge | BasicChallenge | undefined {
  const digest = challenges.find(
    (c): c is DigestChallenge => c.scheme === "Digest" && algorithmInfo(c.algorithm) !== undefined && (c.qop.length === 0 || c.qop.includes("auth") || c.qop.includes("auth-int")),
  );
  if (digest) return digest;
  if (options.allowBasic) return challenges.find((c): c is BasicChallenge => c.scheme === "Basic");
  return undefined;
}

export interface DigestAuthorizationOptions {
  challenge: DigestChallenge;
  username: string;
  /** The password, or `ha1` = H(username:realm:password) with the challenge algorithm's hash. */
  password?: string;
  ha1?: string;
  method: string;
  /** The request target, e.g. "/acs" or "/?x=1". */
  uri: string;
  /** Client nonce; the caller supplies the randomness. */
  cnonce: string;
  /** Nonce count: how many requests this client has made with this nonce, starting at 1. */
  nc: number;
  /** The request body, used only if the server offers qop=auth-int alone. */
  body?: Uint8Array;
}

/** The Authorization header value answering a Digest challenge. Prefers qop=auth; uses auth-int
 * only when it is the sole option; the legacy RFC 2069 form when the challenge has no qop. */
export function digestAuthorization(options: DigestAuthorizationOptions): string {
  const { challenge } = options;
  const alg = algorithmInfo(challenge.algorithm);
  if (!alg) throw new AuthRemoteError("AUTH_UNSUPPORTED_ALGORITHM", `digest algorithm ${challenge.algorithm} is not supported`);
  let qop: string | undefined;
  if (challenge.qop.length > 0) {
    if (challenge.qop.includes("auth")) qop = "auth";
    else if (challenge.qop.includes("auth-int")) qop = "auth-int";
    else throw new AuthRemoteError("AUTH_UNSUPPORTED_QOP", `qop ${challenge.qop.join(",")} is not supported`);
  } else if (alg.sess) {
    // A -sess algorithm hashes the cnonce, which may only be sent with a qop (RFC 2617 3.2.2).
    throw new AuthRemoteError("AUTH_UNSUPPORTED_QOP", `${alg.name} without qop cannot be answered`);
  }
  if (!Number.isInteger(options.nc) || options.nc < 1 || options.nc > 0xffffffff) {
    throw new AuthLocalError("AUTH_INVALID_ARGUMENT", `nc ${options.nc} is out of range 1..ffffffff`);
  }
  if (options.cnonce.length === 0 || /["\\]/.test(options.cnonce) || hasControl(options.cnonce)) {
    throw new AuthLocalError("AUTH_INVALID_ARGUMENT", "cnonce must be a non-empty printable string without quotes");
  }
  let ha1: string;
  if (options.ha1 !== undefined) ha1 = options.ha1;
  else if (options.password !== undefined) ha1 = h(alg.hash, `${options.username}:${challenge.realm}:${options.password}`);
  else throw new AuthLocalError("AUTH_INVALID_ARGUMENT", "either password or ha1 is required");
  const nc = options.nc.toString(16).padStart(8, "0");
  const response = computeResponse({
    hash: alg.hash,
    sess: alg.sess,
    ha1,
    nonce: challenge.nonce,
    cnonce: options.cnonce,
    nc,
    qop,
    method: options.method,
    uri: options.uri,
    body: options.body,
  });
  const parts = [
    `username=${quote(options.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(options.uri)}`,
  ];
  if (challenge.algorithm !== undefined) parts.push(`algorithm=${challenge.algorithm}`);
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(options.cnonce)}`);
  parts.push(`response="${response}"`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(", ")}`;
}
