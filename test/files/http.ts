// HTTP helpers for the file tests: plain requests with full control of headers and body, and a
// deterministic stream of bytes of any length (each 4-byte word is its own offset / 4) whose any
// range can be recomputed without keeping the whole.

import { createHash, randomBytes } from "node:crypto";
import { request, type IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { digestAuthorization, parseChallenge, pickChallenge } from "../../src/auth/index.js";

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function http(method: string, url: string, headers: Record<string, string> = {}, body?: Buffer | Readable): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

/** A GET that hashes the body as it comes instead of keeping it. */
export function httpHash(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; size: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers, agent: false }, (res) => {
      const hash = createHash("sha256");
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        hash.update(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, size, sha256: hash.digest("hex") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** GET or PUT answering a Digest challenge with these credentials. */
export async function withDigest(method: string, url: string, username: string, password: string, body?: Buffer): Promise<HttpAnswer> {
  const first = await http(method, url, {}, body);
  if (first.status !== 401) return first;
  const challenge = pickChallenge(parseChallenge(first.headers["www-authenticate"]));
  if (challenge === undefined || challenge.scheme !== "Digest") return first;
  const u = new URL(url);
  const authorization = digestAuthorization({ challenge, username, password, method, uri: u.pathname + u.search, cnonce: randomBytes(8).toString("hex"), nc: 1 });
  return http(method, url, { Authorization: authorization }, body);
}

/** Bytes start..end (inclusive) of the pattern. */
export function patternBytes(start: number, end: number): Buffer {
  const first = Math.floor(start / 4);
  const last = Math.floor(end / 4);
  const words = Buffer.alloc((last - first + 1) * 4);
  for (let w = first; w <= last; w++) words.writeUInt32BE(w >>> 0, (w - first) * 4);
  return words.subarray(start - first * 4, start - first * 4 + (end - start + 1));
}

/** The pattern's first `size` bytes as a stream of 64 KiB pieces, optionally stopping after `pauseAt` bytes until `resume` resolves. */
export function patternStream(size: number, pauseAt?: number, resume?: Promise<void>): Readable {
  const piece = 64 * 1024;
  async function* gen(): AsyncGenerator<Buffer> {
    for (let at = 0; at < size; at += piece) {
      if (pauseAt !== undefined && at >= pauseAt && resume !== undefined) {
        await resume;
        pauseAt = undefined;
      }
      yield patternBytes(at, Math.min(size, at + piece) - 1);
    }
  }
  return Readable.from(gen(), { objectMode: false });
}

export function patternSha256(size: number): string {
  const hash = createHash("sha256");
  const piece = 1024 * 1024;
  for (let at = 0; at < size; at += piece) hash.update(patternBytes(at, Math.min(size, at + piece) - 1));
  return hash.digest("hex");
}

export function sha256(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}
