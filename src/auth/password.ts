// Password storage and secrets. Hashes are self-describing strings, "scrypt$N$r$p$salt$hash"
// (salt and hash in standard base64), so the cost can be raised later without a migration:
// `needsRehash` tells the caller when a stored hash is weaker than the current parameters.

import { createHash, randomBytes as nodeRandomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { AuthLocalError } from "./errors.js";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
  /** Derived key length in bytes. */
  keyLength: number;
}

/** OWASP-style interactive-login defaults: about 16 MiB and a few tens of milliseconds per hash. */
export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 16384, r: 8, p: 1, keyLength: 32 });

/** Returns `n` cryptographically random bytes; injectable so tests are deterministic. */
export type RandomBytes = (n: number) => Uint8Array;

const SALT_BYTES = 16;
// Bounds for parameters read back from storage: a tampered or corrupt row must not make us
// allocate gigabytes or spin for minutes.
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;
const MIN_KEY = 16;
const MAX_KEY = 128;

export interface HashPasswordOptions {
  params?: Partial<ScryptParams>;
  randomBytes?: RandomBytes;
}

export interface ParsedPasswordHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

function validParams(p: ScryptParams): boolean {
  return (
    Number.isInteger(p.N) && p.N >= 2 && p.N <= MAX_N && (p.N & (p.N - 1)) === 0 &&
    Number.isInteger(p.r) && p.r >= 1 && p.r <= MAX_R &&
    Number.isInteger(p.p) && p.p >= 1 && p.p <= MAX_P &&
    Number.isInteger(p.keyLength) && p.keyLength >= MIN_KEY && p.keyLength <= MAX_KEY
  );
}

function derive(password: string, salt: Uint8Array, p: ScryptParams): Promise<Buffer> {
  // scrypt needs about 128 * N * r bytes; give it that plus headroom instead of the 32 MiB default.
  const maxmem = 128 * p.N * p.r * (p.p + 1) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, p.keyLength, { N: p.N, r: p.r, p: p.p, maxmem }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** Hashes a password for storage. The password is NFC-normalised first so that visually identical
 * passwords typed on different systems verify. */
export async function hashPassword(password: string, options: HashPasswordOptions = {}): Promise<string> {
  const params: ScryptParams = { ...DEFAULT_SCRYPT_PARAMS, ...options.params };
  if (!validParams(params)) {
    throw new AuthLocalError("AUTH_INVALID_ARGUMENT", `invalid scrypt parameters N=${params.N} r=${params.r} p=${params.p} keyLength=${params.keyLength}`);
  }
  const salt = Buffer.from((options.randomBytes ?? nodeRandomBytes)(SALT_BYTES));
  if (salt.length !== SALT_BYTES) throw new AuthLocalError("AUTH_INVALID_ARGUMENT", "randomBytes returned the wrong number of bytes");
  const hash = await derive(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Reads a stored hash; `null` when it is not one this module wrote (or is out of bounds). */
export function parsePasswordHash(encoded: string): ParsedPasswordHash | null {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [, n, r, p, saltText, hashText] = parts as [string, string, string, string, string, string];
  if (![n, r, p].every((x) => /^[1-9][0-9]{0,7}$/.test(x))) return null;
  if (!BASE64.test(saltText) || !BASE64.test(hashText)) return null;
  const salt = Buffer.from(saltText, "base64");
  const hash = Buffer.from(hashText, "base64");
  const parsed: ParsedPasswordHash = { N: Number(n), r: Number(r), p: Number(p), keyLength: hash.length, salt, hash };
  if (!validParams(parsed) || salt.length < 8) return null;
  return parsed;
}

/** True when `password` matches the stored hash. A malformed stored hash never matches. The final
 * comparison is constant-time; the scrypt work itself is the same for right and wrong passwords. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}

/** True when a stored hash should be recomputed (at the next successful login) with `params`. */
export function needsRehash(encoded: string, params: Partial<ScryptParams> = {}): boolean {
  const want: ScryptParams = { ...DEFAULT_SCRYPT_PARAMS, ...params };
  const got = parsePasswordHash(encoded);
  if (!got) return true;
  return got.N < want.N || got.r < want.r || got.p < want.p || got.keyLength < want.keyLength;
}

/** A random secret (for nonce keys, connection-request passwords, cookies), URL-safe base64 without
 * padding: only [A-Za-z0-9_-], so it survives URLs, headers, XML and shell quoting. */
export function generateSecret(byteLength = 32, randomBytes: RandomBytes = nodeRandomBytes): string {
  if (!Number.isInteger(byteLength) || byteLength < 1 || byteLength > 1024) {
    throw new AuthLocalError("AUTH_INVALID_ARGUMENT", `secret length ${byteLength} is out of range 1..1024`);
  }
  const bytes = Buffer.from(randomBytes(byteLength));
  if (bytes.length !== byteLength) throw new AuthLocalError("AUTH_INVALID_ARGUMENT", "randomBytes returned the wrong number of bytes");
  return bytes.toString("base64url");
}

/** HA1 of HTTP Digest (RFC 2617 section 3.2.2.2): MD5("username:realm:password") in lowercase hex.
 * Storing HA1 instead of the password lets the ACS verify Digest without knowing the password. */
export function digestHa1(username: string, realm: string, password: string): string {
  return createHash("md5").update(`${username}:${realm}:${password}`, "utf8").digest("hex");
}
