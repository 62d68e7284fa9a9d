// Sending the UDP Connection Request of TR-069 Annex G to a CPE behind a NAT.
//
// The datagram (see udp-request.ts) goes to the CPE's UDPConnectionRequestAddress: the value it
// reported in its Inform, or the binding the STUN server learned from its TR-111 Binding Requests.
// It must leave from the STUN server's socket: the CPE's NAT mapping was opened by datagrams sent to
// that address and port, and a port-restricted NAT admits replies only from there.
//
// UDP brings no acknowledgement, so the request is repeated: `count` copies of the same datagram
// (same message ID, timestamp and signature, so the CPE acts on the first and ignores the others
// as replays), `intervalMs` apart, so that one burst of loss does not take them all. The outcome
// "sent" says only that the datagrams left; the caller knows the CPE got one when it opens a session
// with the "6 CONNECTION REQUEST" event. "unreachable" and "error" come from the local send.

import { randomBytes as cryptoRandomBytes } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { ConnreqLocalError } from "./errors.js";
import type { UdpSender } from "./stun-server.js";
import { monotonicClock, sleep, systemTimers, wallClock } from "./timers.js";
import type { Timers } from "./timers.js";
import { buildUdpConnectionRequest } from "./udp-request.js";

export type UdpConnectionRequestOutcome =
  /** The copies were sent (at least the first: a later failure stops the repetition). Delivery is
   * unknown until the CPE opens a session. */
  | "sent"
  /** The system could not send towards the address (no route, name not found). */
  | "unreachable"
  /** The address is unusable, or sending failed otherwise (socket closed...). */
  | "error";

export interface UdpConnectionRequestResult {
  method: "udp";
  outcome: UdpConnectionRequestOutcome;
  durationMs: number;
  /** A stable reason: "SENT", "SENT_PARTIAL", "INVALID_ADDRESS", "ENETUNREACH", "ENOTFOUND"... */
  code: string;
  detail: string;
  /** Copies sent before the outcome. */
  sent: number;
  /** The message ID used by every copy. */
  id: number;
  /** Where the datagrams went. */
  host: string;
  port: number;
}

export interface UdpConnectionRequestOptions {
  /** UDPConnectionRequestAddress: "host:port", "[v6]:port", or "host" for port 80. */
  address: string;
  /** ConnectionRequestUsername and ConnectionRequestPassword (the signature key). */
  username?: string;
  password?: string;
  /** Sends from the STUN server's port (a StunServer). */
  sender: UdpSender;
  /** Copies of the datagram. Default 3. */
  count?: number;
  /** Between copies. Default 500 ms. */
  intervalMs?: number;
  /** Wall clock (ms since the epoch) for ts. */
  now?: () => number;
  /** Monotonic clock for the duration. */
  clock?: () => number;
  timers?: Timers;
  /** Randomness for the message ID and cnonce. */
  randomBytes?: (size: number) => Buffer;
}

export const DEFAULT_UDP_COUNT = 3;
export const DEFAULT_UDP_INTERVAL_MS = 500;

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NODATA",
  "EAI_NONAME",
]);

/** Splits a UDPConnectionRequestAddress into host and port; `null` when it is not one. The port
 * may be omitted only when it is 80 (TR-069 Annex G). */
export function parseUdpConnectionRequestAddress(text: string): { host: string; port: number } | null {
  const t = text.trim();
  let host: string;
  let port = "80";
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(t);
  if (bracketed) {
    host = bracketed[1] as string;
    if (!isIPv6(host)) return null;
    if (bracketed[2] !== undefined) port = bracketed[2];
  } else if (isIPv6(t)) {
    // A bare IPv6 address cannot carry a port: all of it is the host.
    host = t;
  } else {
    const m = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(t);
    if (!m) return null;
    host = m[1] as string;
    if (m[2] !== undefined) port = m[2];
    if (!isIPv4(host) && !/^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(host)) return null;
  }
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 0xffff) return null;
  return { host, port: n };
}

/** The authority for a learned binding: "a.b.c.d:port" or "[v6]:port". */
export function formatUdpConnectionRequestAddress(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "UNKNOWN";
}

/** Sends a UDP Connection Request, repeated, from the STUN server's socket. */
export async function udpConnectionRequest(options: UdpConnectionRequestOptions): Promise<UdpConnectionRequestResult> {
  const count = options.count ?? DEFAULT_UDP_COUNT;
  const intervalMs = options.intervalMs ?? DEFAULT_UDP_INTERVAL_MS;
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new ConnreqLocalError("CR_INVALID_OPTIONS", `count must be 1..100, not ${count}`);
  if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new ConnreqLocalError("CR_INVALID_OPTIONS", `intervalMs must be >= 0, not ${intervalMs}`);
  const clock = options.clock ?? monotonicClock;
  const timers = options.timers ?? systemTimers;
  const random = options.randomBytes ?? cryptoRandomBytes;
  const started = clock();
  const id = random(4).readUInt32BE(0);
  let sent = 0;
  const target = parseUdpConnectionRequestAddress(options.address);
  const finish = (outcome: UdpConnectionRequestOutcome, code: string, detail: string): UdpConnectionRequestResult => ({
    method: "udp",
    outcome,
    durationMs: Math.max(0, clock() - started),
    code,
    detail,
    sent,
    id,
    host: target?.host ?? "",
    port: target?.port ?? 0,
  });
  if (!target) return finish("error", "INVALID_ADDRESS", `${JSON.stringify(options.address.slice(0, 200))} is not a host:port address`);

  const { message } = buildUdpConnectionRequest({
    // The authority as the CPE reported it, in canonical form (a bare IPv6 gets its brackets).
    authority: formatUdpConnectionRequestAddress(target.host, target.port).replace(/:80$/, ""),
    username: options.username ?? "",
    password: options.password ?? "",
    now: (options.now ?? wallClock)(),
    id,
    cnonce: random(8).toString("hex"),
  });
  for (let k = 0; k < count; k++) {
    if (k > 0 && intervalMs > 0) await sleep(timers, intervalMs);
    try {
      await options.sender.send(message, target.port, target.host);
      sent++;
    } catch (err) {
      const code = errorCode(err);
      const detail = err instanceof Error ? err.message : String(err);
      // A copy already left: the CPE may have it, so the request counts as sent.
      if (sent > 0) return finish("sent", "SENT_PARTIAL", `${sent} of ${count} datagrams sent, then ${code}: ${detail}`);
      return finish(UNREACHABLE_CODES.has(code) ? "unreachable" : "error", code, detail);
    }
  }
  return finish("sent", "SENT", `${sent} datagram${sent === 1 ? "" : "s"} sent to ${formatUdpConnectionRequestAddress(target.host, target.port)}`);
}
