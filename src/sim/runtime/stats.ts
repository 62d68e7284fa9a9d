// What a simulation counts, and the summary it reports (the shape of `provisio sim --json`).

import type { UdpConnectionRequestFailure } from "../../connreq/udp-request.js";
import type { ConnectionRequestKind, ConnectionRequestResult } from "./connection-requests.js";
import type { FailureCause } from "./failures.js";
import type { FaultKind } from "./faults.js";
import { LatencyHistogram, type LatencySummary } from "./latency.js";

export interface SimulationSummary {
  /** Why the run ended: "duration", "sessions", "stopped"; "running" while it runs. */
  ended: "running" | "duration" | "sessions" | "stopped";
  devices: { total: number; poweredOn: number; up: number };
  /** Real time since the start, ms. */
  durationMs: number;
  sessions: {
    started: number;
    completed: number;
    failed: number;
    inFlight: number;
    /** Waiting for a free slot (--concurrency). */
    queued: number;
    /** Ended sessions (completed and failed) per second of real time. */
    perSecond: number;
  };
  /** Failed sessions by cause. */
  failures: Partial<Record<FailureCause, number>>;
  /** Inform event codes sent, with how many Informs carried each. */
  events: Record<string, number>;
  latencyMs: {
    /** Completed sessions, from the Inform to the end. */
    session: LatencySummary;
    /** Each HTTP request of a session, answered. */
    http: LatencySummary;
  };
  transfers: { started: number; completed: number; failed: number; faults: Record<string, number> };
  /** Connection Requests received, by outcome: every method together, then by method. */
  connectionRequests: Record<ConnectionRequestResult, number> & { byMethod: Record<ConnectionRequestKind, Record<ConnectionRequestResult, number>> };
  /** The device side of TR-111 (null when the UDP channel is off). */
  stun: {
    /** Devices running STUN now, each with a UDP socket. */
    sockets: number;
    /** Devices that wanted STUN while the socket limit was reached. */
    socketLimitHits: number;
    bindingRequests: number;
    retransmissions: number;
    bindingResponses: number;
    /** Error responses (401, 431, ...). */
    bindingErrors: number;
    /** Binding Requests never answered. */
    bindingTimeouts: number;
    /** Binding Requests with BINDING-CHANGE that were answered. */
    bindingChanges: number;
    /** Copies of a UDP Connection Request already acted on. */
    duplicateRequests: number;
    /** UDP Connection Requests refused, by reason (bad-signature, wrong-username, ts-out-of-window, ...). */
    refusedRequests: Partial<Record<UdpConnectionRequestFailure, number>>;
    bindErrors: number;
    sendErrors: number;
  } | null;
  /** XMPP logins (null when the XMPP channel is off). */
  xmpp: {
    /** Devices logged in now. */
    online: number;
    /** Logouts not finished yet (the server may still route IQs to those devices until they are). */
    loggingOut: number;
    logins: number;
    loginFailures: number;
  } | null;
  faultsInjected: Partial<Record<FaultKind, number>>;
  reboots: number;
  factoryResets: number;
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number; maxRssBytes: number };
}

export class SimulationStats {
  sessionsStarted = 0;
  sessionsCompleted = 0;
  sessionsFailed = 0;
  readonly failures = new Map<FailureCause, number>();
  readonly events = new Map<string, number>();
  readonly sessionLatency = new LatencyHistogram();
  readonly httpLatency = new LatencyHistogram();
  transfersStarted = 0;
  transfersCompleted = 0;
  transfersFailed = 0;
  readonly transferFaults = new Map<string, number>();
  readonly connectionRequests: Record<ConnectionRequestResult, number> = { accepted: 0, refused: 0, unavailable: 0, unknown: 0 };
  readonly injected = new Map<FaultKind, number>();
  reboots = 0;
  factoryResets = 0;

  get sessionsEnded(): number {
    return this.sessionsCompleted + this.sessionsFailed;
  }

  static bump<K>(map: Map<K, number>, key: K): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}

export function memoryNow(): SimulationSummary["memory"] {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, externalBytes: m.external, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}
