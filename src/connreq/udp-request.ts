// The UDP Connection Request of TR-069 Annex G (first defined in TR-111 Part 2): an HTTP/1.1 GET
// carried in one UDP datagram, sent by the ACS to the address a CPE learned through STUN:
//
//   GET http://host:port?ts=1120673700&id=1234&un=user&cn=XTGU&sig=<40 hex> HTTP/1.1
//   Host: host:port
//
// - ts: the time the message was made, seconds since the Unix epoch;
// - id: an unsigned integer message ID, the same in every retransmission of one request;
// - un: the CPE's ConnectionRequestUsername; cn: a random cnonce chosen by the ACS;
// - sig: HMAC-SHA1 with key ConnectionRequestPassword over the concatenation ts id un cn (the
//   values, no separators), as hexadecimal. We send lowercase and accept either case.
// The query is application/x-www-form-urlencoded; the signature covers the decoded values.
// The authority is UDPConnectionRequestAddress as the CPE reported it ("host:port", or "host"
// when the port is 80), and the path is empty.
//
// The CPE ignores a request that is malformed, names another user, is badly signed, or repeats a
// message ID it has seen (retransmissions: ACSs send each request several times). The replay state
// (last accepted ts, seen IDs) belongs to the caller, who passes it in and records accepted
// requests; a request older than the last accepted one is refused too. Checking ts against the
// CPE's own clock is optional (`maxClockSkewMs`), since CPEs may not have a synchronised clock.

import { createHmac, timingSafeEqual } from "node:crypto";
import { ConnreqLocalError } from "./errors.js";

export interface BuildUdpConnectionRequestOptions {
  /** UDPConnectionRequestAddress as reported by the CPE: "host:port", "[v6]:port" or "host". */
  authority: string;
  username: string;
  password: string;
  /** Current time, ms since the epoch (ts is its whole seconds). */
  now: number;
  /** Message ID: keep it for retransmissions, change it for a new request. */
  id: number;
  /** Random cnonce; the caller supplies the randomness. */
  cnonce: string;
}

export interface UdpConnectionRequest {
  authority: string;
  /** Host header, when present. */
  host: string | undefined;
  /** The query values, decoded, as text (ts and id exactly as sent, since they are signed so). */
  ts: string;
  id: string;
  un: string;
  cn: string;
  sig: string;
}

/** sig = hex(HMAC-SHA1(password, ts + id + un + cn)), lowercase. */
export function udpConnectionRequestSignature(password: string, ts: string, id: string, un: string, cn: string): string {
  return createHmac("sha1", Buffer.from(password, "utf8")).update(`${ts}${id}${un}${cn}`, "utf8").digest("hex");
}

// Letters, digits and "-._~" stay; everything else is percent-encoded (RFC 3986 unreserved).
function encodeQueryValue(v: string): string {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The datagram of a UDP Connection Request. Returns its text and fields so the caller can log
 * them and retransmit the same bytes. */
export function buildUdpConnectionRequest(options: BuildUdpConnectionRequestOptions): { message: Buffer; request: UdpConnectionRequest } {
  const { authority } = options;
  if (authority.length === 0 || /[\s/?#@\\]/.test(authority)) {
    throw new ConnreqLocalError("UDP_CR_INVALID_ARGUMENT", `${JSON.stringify(authority)} is not a host:port authority`);
  }
  if (!Number.isSafeInteger(options.id) || options.id < 0) {
    throw new ConnreqLocalError("UDP_CR_INVALID_ARGUMENT", `message ID ${options.id} is not an unsigned integer`);
  }
  if (!Number.isFinite(options.now) || options.now < 0) throw new ConnreqLocalError("UDP_CR_INVALID_ARGUMENT", `time ${options.now} is invalid`);
  if (options.cnonce.length === 0) throw new ConnreqLocalError("UDP_CR_INVALID_ARGUMENT", "the cnonce is empty");
  const ts = String(Math.floor(options.now / 1000));
  const id = String(options.id);
  const sig = udpConnectionRequestSignature(options.password, ts, id, options.username, options.cnonce);
  const query = [
    `ts=${ts}`,
    `id=${id}`,
    `un=${encodeQueryValue(options.username)}`,
    `cn=${encodeQueryValue(options.cnonce)}`,
    `sig=${sig}`,
  ].join("&");
  const text = `GET http://${authority}?${query} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`;
  return {
    message: Buffer.from(text, "utf8"),
    request: { authority, host: authority, ts, id, un: options.username, cn: options.cnonce, sig },
  };
}

export type ParseUdpConnectionRequestResult =
  | { ok: true; request: UdpConnectionRequest }
  | { ok: false; reason: "malformed"; detail: string };

const MAX_DATAGRAM = 8192;

function decodeFormValue(v: string): string | null {
  try {
    return decodeURIComponent(v.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

/** Reads a UDP Connection Request datagram. Tolerates what ACSs send besides the exact form: a "/"
 * path, lowercase or uppercase scheme and method, LF line ends, no Host header, extra headers and
 * query parameters; an origin-form target ("/?ts=...") takes its authority from Host. */
export function parseUdpConnectionRequest(datagram: Uint8Array | string): ParseUdpConnectionRequestResult {
  const malformed = (detail: string): ParseUdpConnectionRequestResult => ({ ok: false, reason: "malformed", detail });
  if (typeof datagram !== "string" && !(datagram instanceof Uint8Array)) return malformed("not a datagram");
  if (datagram.length > MAX_DATAGRAM) return malformed("longer than a UDP Connection Request can be");
  // UTF-8, because some ACSs put a non-ASCII username in the query without percent-encoding it.
  const text = typeof datagram === "string" ? datagram : Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength).toString("utf8");
  const headEnd = text.search(/\r?\n\r?\n/);
  const lines = (headEnd >= 0 ? text.slice(0, headEnd) : text).split(/\r?\n/);
  const requestLine = /^(\S+) (\S+) HTTP\/1\.[01]$/i.exec((lines[0] ?? "").trim());
  if (!requestLine) return malformed("no HTTP/1.x request line");
  if ((requestLine[1] as string).toUpperCase() !== "GET") return malformed(`method ${requestLine[1]} is not GET`);
  let host: string | undefined;
  for (const line of lines.slice(1)) {
    const m = /^([^:\s]+)\s*:\s*(.*)$/.exec(line);
    if (m && (m[1] as string).toLowerCase() === "host" && host === undefined) host = (m[2] as string).trim();
  }
  const target = requestLine[2] as string;
  const absolute = /^http:\/\/([^/?#]*)\/?(?:\?([^#]*))?$/i.exec(target);
  const origin = /^\/?\?([^#]*)$/.exec(target);
  let authority: string;
  let query: string;
  if (absolute) {
    authority = absolute[1] as string;
    query = absolute[2] ?? "";
  } else if (origin && host !== undefined) {
    authority = host;
    query = origin[1] as string;
  } else {
    return malformed(`request target ${JSON.stringify(target.slice(0, 100))} is not http://authority?query`);
  }
  if (authority.length === 0) return malformed("empty authority");
  const values = new Map<string, string>();
  for (const pair of query.split("&")) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf("=");
    const name = decodeFormValue(eq < 0 ? pair : pair.slice(0, eq));
    const value = decodeFormValue(eq < 0 ? "" : pair.slice(eq + 1));
    if (name === null || value === null) return malformed("bad percent-encoding in the query");
    if (!values.has(name)) values.set(name, value);
  }
  for (const name of ["ts", "id", "un", "cn", "sig"]) if (!values.has(name)) return malformed(`no ${name} in the query`);
  const ts = values.get("ts") as string;
  const id = values.get("id") as string;
  const sig = values.get("sig") as string;
  if (!/^[0-9]{1,15}$/.test(ts)) return malformed("ts is not a number of seconds");
  if (!/^[0-9]{1,20}$/.test(id)) return malformed("id is not an unsigned integer");
  if (!/^[0-9a-fA-F]{40}$/.test(sig)) return malformed("sig is not 40 hex digits");
  return { ok: true, request: { authority, host, ts, id, un: values.get("un") as string, cn: values.get("cn") as string, sig } };
}

export interface UdpReplayState {
  /** ts (seconds) of the last request the CPE accepted. */
  lastTs?: number;
  /** Message IDs already accepted (a recent window is enough). */
  seenIds?: ReadonlySet<string>;
}

export interface VerifyUdpConnectionRequestOptions {
  /** ConnectionRequestUsername and ConnectionRequestPassword of the CPE. */
  username: string;
  password: string;
  /** Current time, ms since the epoch. */
  now: number;
  /** When given, refuse a ts further than this from `now` (either way). Leave unset on a CPE
   * whose clock may not be synchronised. */
  maxClockSkewMs?: number;
  replay?: UdpReplayState;
}

export type UdpConnectionRequestFailure =
  | "malformed"
  | "wrong-username"
  | "bad-signature"
  /** ts is outside maxClockSkewMs of now. */
  | "ts-out-of-window"
  /** ts is older than the last accepted request's. */
  | "ts-not-newer"
  /** The message ID was accepted before: a retransmission or a replay. */
  | "replayed-id";

export type VerifyUdpConnectionRequestResult =
  | { ok: true; request: UdpConnectionRequest; ts: number; id: string }
  | { ok: false; reason: UdpConnectionRequestFailure; detail?: string };

/** The CPE-side check of a UDP Connection Request. On success the caller records `ts` and `id`
 * in its replay state and starts a session with the "6 CONNECTION REQUEST" event. */
export function verifyUdpConnectionRequest(
  datagram: Uint8Array | string | UdpConnectionRequest,
  options: VerifyUdpConnectionRequestOptions,
): VerifyUdpConnectionRequestResult {
  let request: UdpConnectionRequest;
  if (typeof datagram === "string" || datagram instanceof Uint8Array) {
    const parsed = parseUdpConnectionRequest(datagram);
    if (!parsed.ok) return { ok: false, reason: "malformed", detail: parsed.detail };
    request = parsed.request;
  } else {
    request = datagram;
  }
  if (request.un !== options.username) return { ok: false, reason: "wrong-username" };
  const expected = Buffer.from(udpConnectionRequestSignature(options.password, request.ts, request.id, request.un, request.cn), "latin1");
  const given = Buffer.from(request.sig.toLowerCase(), "latin1");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad-signature" };
  const ts = Number(request.ts);
  if (options.maxClockSkewMs !== undefined && Math.abs(options.now - ts * 1000) > options.maxClockSkewMs) {
    return { ok: false, reason: "ts-out-of-window" };
  }
  const replay = options.replay ?? {};
  if (replay.seenIds?.has(request.id)) return { ok: false, reason: "replayed-id" };
  if (replay.lastTs !== undefined && ts < replay.lastTs) return { ok: false, reason: "ts-not-newer" };
  return { ok: true, request, ts, id: request.id };
}
