// The rules of the connection requester, without I/O: which methods to try for a device and in
// which order, when a failure calls for the next method, and the per-device rate limit.
//
// The default order is XMPP, then HTTP, then UDP:
// - XMPP first: when the CPE has a JID and Provisio an XMPP account, the CPE keeps its own
//   connection to the XMPP server open, so the request crosses any NAT or firewall, and the CPE's
//   answer (result, not-authorized, service-unavailable) is definite. An offline CPE is told at
//   once by the XMPP server.
// - HTTP next: every CPE must support it, and its answer is definite too; but a CPE behind a NAT
//   reports a private URL that cannot be reached, which costs a timeout.
// - UDP last: it crosses NATs but brings no answer, so "sent" ends the request with no way to know
//   it worked, and nothing can be tried after it.
// The order is configuration ("methods"); a method not listed is disabled.
//
// A failure moves to the next method only when another path could succeed: the CPE could not be
// reached (unreachable, timed out, XMPP not connected or CPE offline, an unusable URL). It stops
// when the CPE answered: accepted or sent (done); refused (a 503 means the CPE is busy or limits
// connection requests, and going round it by another path defeats that); wrong credentials (the
// same ConnectionRequestUsername and ConnectionRequestPassword serve every method, so another path
// would be refused too).

import type { HttpConnectionRequestOutcome } from "./http-connection-request.js";
import type { UdpConnectionRequestOutcome } from "./udp-connection-request.js";
import { formatUdpConnectionRequestAddress } from "./udp-connection-request.js";
import type { XmppConnectionRequestOutcome } from "./xmpp-connection-request.js";
import { ConnreqLocalError } from "./errors.js";

export type ConnectionRequestMethod = "http" | "udp" | "xmpp";

export const CONNECTION_REQUEST_METHODS: readonly ConnectionRequestMethod[] = Object.freeze(["http", "udp", "xmpp"]);

export const DEFAULT_METHOD_ORDER: readonly ConnectionRequestMethod[] = Object.freeze(["xmpp", "http", "udp"]);

export type AttemptOutcome = HttpConnectionRequestOutcome | UdpConnectionRequestOutcome | XmppConnectionRequestOutcome;

/** What is known of a device for waking it, from its parameters and the STUN server. */
export interface DeviceContact {
  deviceId: string;
  /** ManagementServer.ConnectionRequestURL. */
  connectionRequestUrl?: string | null;
  /** ManagementServer.UDPConnectionRequestAddress, as last reported. */
  udpConnectionRequestAddress?: string | null;
  /** When that value was reported (ms since the epoch), to compare with the STUN binding. */
  udpConnectionRequestAddressAt?: number | null;
  /** The binding the STUN server learned for the device's STUNUsername. */
  stunBinding?: { address: string; port: number; at: number } | null;
  /** ManagementServer.ConnReqJabberID. */
  jabberId?: string | null;
  /** ManagementServer.ConnectionRequestUsername and ConnectionRequestPassword. */
  username?: string | null;
  password?: string | null;
}

export type PlannedAttempt =
  | { method: "xmpp"; target: string }
  | { method: "http"; target: string }
  /** `source` tells where the address came from. */
  | { method: "udp"; target: string; source: "stun" | "parameter" };

const present = (v: string | null | undefined): v is string => typeof v === "string" && v.trim() !== "";

/** The UDP address to use: the STUN binding when it is at least as recent as the reported
 * parameter (it is what the ACS itself saw last), else the parameter. */
export function udpTarget(device: DeviceContact): { target: string; source: "stun" | "parameter" } | undefined {
  const b = device.stunBinding;
  const binding = b ? { target: formatUdpConnectionRequestAddress(b.address, b.port), source: "stun" as const } : undefined;
  const parameter = present(device.udpConnectionRequestAddress) ? { target: device.udpConnectionRequestAddress.trim(), source: "parameter" as const } : undefined;
  if (binding && parameter) {
    const reportedAt = device.udpConnectionRequestAddressAt;
    return reportedAt != null && b && reportedAt > b.at ? parameter : binding;
  }
  return binding ?? parameter;
}

/** The attempts to make, in order: the configured methods the device can be reached by and for
 * which a transport is available. */
export function planAttempts(
  device: DeviceContact,
  methods: readonly ConnectionRequestMethod[],
  available: ReadonlySet<ConnectionRequestMethod>,
): PlannedAttempt[] {
  const plan: PlannedAttempt[] = [];
  for (const method of methods) {
    if (!available.has(method) || plan.some((p) => p.method === method)) continue;
    if (method === "xmpp" && present(device.jabberId)) plan.push({ method, target: device.jabberId.trim() });
    if (method === "http" && present(device.connectionRequestUrl)) plan.push({ method, target: device.connectionRequestUrl.trim() });
    if (method === "udp") {
      const udp = udpTarget(device);
      if (udp) plan.push({ method, ...udp });
    }
  }
  return plan;
}

/** True when an attempt's outcome ends the request (success, or the CPE answered); false when the
 * next method should be tried. */
export function endsRequest(outcome: AttemptOutcome): boolean {
  switch (outcome) {
    case "accepted":
    case "sent":
    case "refused":
    case "auth-failed":
    case "not-authorized":
      return true;
    case "unreachable":
    case "timed-out":
    case "not-connected":
    case "service-unavailable":
    case "error":
      return false;
  }
}

/** Checks a configured method list: known methods, no repeats. */
export function checkMethods(methods: readonly string[]): ConnectionRequestMethod[] {
  const out: ConnectionRequestMethod[] = [];
  for (const m of methods) {
    if (!(CONNECTION_REQUEST_METHODS as readonly string[]).includes(m)) {
      throw new ConnreqLocalError("CR_INVALID_OPTIONS", `unknown connection request method ${JSON.stringify(m)}`);
    }
    if (out.includes(m as ConnectionRequestMethod)) throw new ConnreqLocalError("CR_INVALID_OPTIONS", `method ${m} is listed twice`);
    out.push(m as ConnectionRequestMethod);
  }
  return out;
}

export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Per-device rate limit: at most one connection request started per `minIntervalMs` for a device,
 * counted from the start of the last one whatever its outcome (a device that could not be reached
 * is not hammered either). Time is passed in. Entries older than the interval are swept when the
 * table grows, so it stays as large as the devices requested within one interval.
 */
export class RequestRateLimiter {
  readonly #minIntervalMs: number;
  readonly #lastStart = new Map<string, number>();
  readonly #sweepAbove: number;

  constructor(minIntervalMs: number, sweepAbove = 10_000) {
    if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) {
      throw new ConnreqLocalError("CR_INVALID_OPTIONS", `minIntervalMs must be >= 0, not ${minIntervalMs}`);
    }
    this.#minIntervalMs = minIntervalMs;
    this.#sweepAbove = sweepAbove;
  }

  /** Admits a request for the device at `now` (and records it), or tells how long to wait. */
  admit(deviceId: string, now: number): Admission {
    const last = this.#lastStart.get(deviceId);
    if (last !== undefined && now - last < this.#minIntervalMs) return { ok: false, retryAfterMs: this.#minIntervalMs - (now - last) };
    this.#lastStart.set(deviceId, now);
    if (this.#lastStart.size > this.#sweepAbove) this.#sweep(now);
    return { ok: true };
  }

  /** Devices with a recorded start. */
  get size(): number {
    return this.#lastStart.size;
  }

  #sweep(now: number): void {
    for (const [id, at] of this.#lastStart) if (now - at >= this.#minIntervalMs) this.#lastStart.delete(id);
  }
}
