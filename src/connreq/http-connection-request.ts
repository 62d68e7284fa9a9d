// The HTTP Connection Request of TR-069 section 3.2.2: a GET (no body) to the ConnectionRequestURL
// the CPE reported, which the CPE authenticates with HTTP Digest and answers 200 or 204 before it
// opens a session with the "6 CONNECTION REQUEST" event. The CPE may answer 503 when it limits
// connection requests.
//
// How the exchange goes, and why:
// - The first GET carries no credentials: the CPE's 401 brings the Digest nonce. Basic is answered
//   only when the caller allows it (TR-069 wants Digest; Basic would send the password in clear).
// - Both requests share one connection when the CPE keeps it open (a private agent with one
//   socket). Some CPEs close it right after the 401, and Node may already have put the
//   authenticated GET on that dying socket: a connection-level failure of that GET is retried once
//   on a new connection, with the next nonce count.
// - The agent lives for one call and is destroyed after it: nothing is reused between devices.
// - One deadline covers the whole exchange.
//
// The result is an outcome, never an exception, for anything the device or the network does;
// only impossible options (a non-positive timeout) throw ConnreqLocalError.

import http from "node:http";
import { randomBytes as cryptoRandomBytes } from "node:crypto";
import type { LookupFunction } from "node:net";
import { AuthError, digestAuthorization, formatBasicAuthorization, parseChallenge, pickChallenge } from "../auth/index.js";
import type { Challenge } from "../auth/index.js";
import { ConnreqLocalError } from "./errors.js";
import { monotonicClock, systemTimers } from "./timers.js";
import type { Timers } from "./timers.js";

export type HttpConnectionRequestOutcome =
  /** 200 or 204: the CPE will open a session. */
  | "accepted"
  /** 401 to our credentials: wrong ConnectionRequestUsername or ConnectionRequestPassword. */
  | "auth-failed"
  /** Any other status: 503 (the CPE limits connection requests, or is busy), 404, 500... */
  | "refused"
  /** No HTTP answer could be had: connection refused or reset, no route, name not found. */
  | "unreachable"
  /** The deadline passed first. */
  | "timed-out"
  /** The URL is unusable, the CPE demands an authentication we will not or cannot give, or it
   * answered something that is not HTTP. */
  | "error";

export interface HttpConnectionRequestResult {
  method: "http";
  outcome: HttpConnectionRequestOutcome;
  /** From the call to its outcome, in milliseconds. */
  durationMs: number;
  /** The last HTTP status received, if any. */
  status: number | undefined;
  /** A stable reason, for metrics and filters: "HTTP_204", "HTTP_401", "HTTP_503", "ECONNREFUSED",
   * "ENOTFOUND", "TIMEOUT", "INVALID_URL", "BASIC_NOT_ALLOWED", "NO_USABLE_CHALLENGE"... */
  code: string;
  /** What happened, for people. */
  detail: string;
  /** HTTP requests sent (1 without authentication, 2 with, 3 with the retry on a new connection). */
  requests: number;
}

export interface HttpConnectionRequestOptions {
  /** ConnectionRequestURL as the CPE reported it (http only; IPv6 literals in brackets). */
  url: string;
  /** ConnectionRequestUsername and ConnectionRequestPassword; empty when absent. */
  username?: string;
  password?: string;
  /** Answer a Basic challenge (sends the password in clear). Default false. */
  allowBasic?: boolean;
  /** Deadline for the whole exchange. Default 5000 ms. */
  timeoutMs?: number;
  /** Sent as User-Agent. */
  userAgent?: string;
  /** Monotonic milliseconds, for the duration. */
  clock?: () => number;
  timers?: Timers;
  /** Randomness for the Digest cnonce. */
  randomBytes?: (size: number) => Buffer;
  /** Name resolution (tests replace it; default the system resolver). */
  lookup?: LookupFunction;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 5000;

/** Errors that mean the CPE could not be reached at all. ECONNRESET belongs here too: a listener
 * that drops the connection without an answer is not serving connection requests. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NODATA",
  "EAI_NONAME",
]);

/** Failures of a request on a connection the CPE may have closed after its 401. */
const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

interface Target {
  hostname: string;
  port: number;
  /** The Host header: as in the URL, brackets included, port omitted when it is 80. */
  host: string;
  /** Path and query: the request target, and the Digest uri. */
  path: string;
}

/** Reads a ConnectionRequestURL into what a request needs, or the reason it cannot be used. */
export function parseConnectionRequestUrl(url: string): { ok: true; target: Target } | { ok: false; code: string; detail: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, code: "INVALID_URL", detail: `${JSON.stringify(url.slice(0, 200))} is not a URL` };
  }
  if (u.protocol !== "http:") {
    return { ok: false, code: "UNSUPPORTED_SCHEME", detail: `${u.protocol} URL: TR-069 connection requests use http` };
  }
  if (u.hostname === "") return { ok: false, code: "INVALID_URL", detail: "the URL has no host" };
  if (u.username !== "" || u.password !== "") {
    return { ok: false, code: "INVALID_URL", detail: "the URL carries credentials" };
  }
  const hostname = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  return { ok: true, target: { hostname, port: u.port === "" ? 80 : Number(u.port), host: u.host, path: `${u.pathname}${u.search}` } };
}

class Deadline extends Error {
  constructor() {
    super("deadline");
  }
}

interface Answer {
  status: number;
  challenges: Challenge[];
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "UNKNOWN";
}

/** Sends one GET connection request, with Digest authentication, and tells what came of it. */
export async function httpConnectionRequest(options: HttpConnectionRequestOptions): Promise<HttpConnectionRequestResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ConnreqLocalError("CR_INVALID_OPTIONS", `timeoutMs must be positive, not ${timeoutMs}`);
  }
  const clock = options.clock ?? monotonicClock;
  const timers = options.timers ?? systemTimers;
  const random = options.randomBytes ?? cryptoRandomBytes;
  const started = clock();
  let requests = 0;
  let lastStatus: number | undefined;
  const finish = (outcome: HttpConnectionRequestOutcome, code: string, detail: string): HttpConnectionRequestResult => ({
    method: "http",
    outcome,
    durationMs: Math.max(0, clock() - started),
    status: lastStatus,
    code,
    detail,
    requests,
  });

  const parsed = parseConnectionRequestUrl(options.url);
  if (!parsed.ok) return finish("error", parsed.code, parsed.detail);
  const target = parsed.target;

  // One socket at most, kept between the challenge and the authenticated GET.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const live = new Set<http.ClientRequest>();
  const all: http.ClientRequest[] = [];
  let expired = false;
  const timer = timers.setTimeout(() => {
    expired = true;
    for (const req of live) req.destroy(new Deadline());
  }, timeoutMs);

  const get = (authorization: string | undefined, freshConnection: boolean): Promise<Answer> =>
    new Promise<Answer>((resolve, reject) => {
      if (expired) {
        reject(new Deadline());
        return;
      }
      requests++;
      const headers: Record<string, string> = { Host: target.host, "User-Agent": options.userAgent ?? "Provisio" };
      if (authorization !== undefined) headers.Authorization = authorization;
      const req = http.request({
        method: "GET",
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        headers,
        setHost: false,
        agent: freshConnection ? false : agent,
        ...(options.lookup ? { lookup: options.lookup } : {}),
      });
      live.add(req);
      all.push(req);
      req.on("response", (res) => {
        // The body does not matter (TR-069 wants none); reading it frees the socket for reuse.
        res.resume();
        res.on("error", () => undefined);
        live.delete(req);
        resolve({ status: res.statusCode ?? 0, challenges: parseChallenge(res.headersDistinct["www-authenticate"]) });
      });
      req.on("error", (err) => {
        live.delete(req);
        reject(err);
      });
      req.end();
    });

  const failure = (err: unknown): HttpConnectionRequestResult => {
    if (err instanceof Deadline || expired) return finish("timed-out", "TIMEOUT", `no answer within ${timeoutMs} ms`);
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    if (UNREACHABLE_CODES.has(code)) return finish("unreachable", code, message);
    return finish("error", code, message);
  };

  const authorize = (challenge: Challenge, nc: number): { ok: true; header: string } | { ok: false; result: HttpConnectionRequestResult } => {
    const username = options.username ?? "";
    const password = options.password ?? "";
    try {
      if (challenge.scheme === "Basic") return { ok: true, header: formatBasicAuthorization(username, password) };
      if (challenge.scheme !== "Digest") return { ok: false, result: finish("error", "NO_USABLE_CHALLENGE", `cannot answer ${challenge.name}`) };
      const header = digestAuthorization({
        challenge,
        username,
        password,
        method: "GET",
        uri: target.path,
        cnonce: random(16).toString("hex"),
        nc,
      });
      return { ok: true, header };
    } catch (err) {
      if (err instanceof AuthError) return { ok: false, result: finish("error", err.code, err.message) };
      throw err;
    }
  };

  const choose = (challenges: Challenge[]): { ok: true; challenge: Challenge } | { ok: false; result: HttpConnectionRequestResult } => {
    const challenge = pickChallenge(challenges, { allowBasic: options.allowBasic === true });
    if (challenge) return { ok: true, challenge };
    if (challenges.length === 0) return { ok: false, result: finish("error", "NO_CHALLENGE", "401 without a WWW-Authenticate challenge") };
    if (challenges.some((c) => c.scheme === "Basic")) {
      return { ok: false, result: finish("error", "BASIC_NOT_ALLOWED", "the CPE asks for Basic authentication, which is not allowed") };
    }
    const offered = challenges.map((c) => (c.scheme === "Other" ? c.name : c.scheme)).join(", ");
    return { ok: false, result: finish("error", "NO_USABLE_CHALLENGE", `no challenge we can answer among: ${offered}`) };
  };

  const settled = (answer: Answer): HttpConnectionRequestResult | null => {
    lastStatus = answer.status;
    if (answer.status === 200 || answer.status === 204) return finish("accepted", `HTTP_${answer.status}`, `the CPE answered ${answer.status}`);
    if (answer.status === 401) return null;
    return finish("refused", `HTTP_${answer.status}`, `the CPE answered ${answer.status}`);
  };

  try {
    let answer: Answer;
    try {
      answer = await get(undefined, false);
    } catch (err) {
      return failure(err);
    }
    const first = settled(answer);
    if (first) return first;

    let nc = 1;
    // At most one more challenge after the first: when the CPE calls our nonce stale.
    for (let round = 0; round < 2; round++) {
      const picked = choose(answer.challenges);
      if (!picked.ok) return picked.result;
      let auth = authorize(picked.challenge, nc);
      if (!auth.ok) return auth.result;
      try {
        answer = await get(auth.header, false);
      } catch (err) {
        if (expired || !CONNECTION_LOST_CODES.has(errorCode(err))) return failure(err);
        // The CPE closed the connection after its challenge: the same credentials on a new one.
        nc++;
        auth = authorize(picked.challenge, nc);
        if (!auth.ok) return auth.result;
        try {
          answer = await get(auth.header, true);
        } catch (retryErr) {
          return failure(retryErr);
        }
      }
      const result = settled(answer);
      if (result) return result;
      const stale = picked.challenge.scheme === "Digest" && answer.challenges.some((c) => c.scheme === "Digest" && c.stale);
      if (!stale) break;
      nc = 1;
    }
    return finish("auth-failed", "HTTP_401", "the CPE refused the connection-request credentials");
  } finally {
    timers.clearTimeout(timer);
    agent.destroy();
    // The retry's own connection, if its body is still coming: nothing outlives the call.
    for (const req of all) req.destroy();
  }
}
