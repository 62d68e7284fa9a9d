// The connection requester: wakes a device by the methods it can be reached by, in the configured
// order, falling back as requester-policy.ts decides, rate-limited per device, and reporting every
// attempt. The transports are injected (`createTransports` builds the real ones), so the rules can be
// tested without sockets.
//
// Calls for a device that already has a request in flight join it: they get the same result (with
// `joined: true`) rather than "rate-limited", because what they asked for, waking the device, is
// already under way. A call within `minIntervalMs` of the start of the last request for the
// device, once that one has finished, gets "rate-limited" with `retryAfterMs`, and nothing is sent.
// The limit is per process.

import type { HttpConnectionRequestOptions } from "./http-connection-request.js";
import { httpConnectionRequest } from "./http-connection-request.js";
import { RequestRateLimiter, checkMethods, DEFAULT_METHOD_ORDER, endsRequest, planAttempts } from "./requester-policy.js";
import type { AttemptOutcome, ConnectionRequestMethod, DeviceContact, PlannedAttempt } from "./requester-policy.js";
import type { UdpSender } from "./stun-server.js";
import { monotonicClock, wallClock } from "./timers.js";
import type { UdpConnectionRequestOptions } from "./udp-connection-request.js";
import { udpConnectionRequest } from "./udp-connection-request.js";
import type { XmppConnectionRequester } from "./xmpp-connection-request.js";

/** What a transport reports; the results of httpConnectionRequest, udpConnectionRequest and
 * XmppConnectionRequester.request all fit. */
export interface TransportReport {
  outcome: AttemptOutcome;
  durationMs: number;
  code: string;
  detail: string;
}

export interface TransportTarget {
  /** URL, UDP address or JID. */
  target: string;
  username: string;
  password: string;
}

export type Transport = (target: TransportTarget) => Promise<TransportReport>;

/** A transport per method; a missing one disables the method. */
export type ConnectionRequestTransports = Partial<Record<ConnectionRequestMethod, Transport>>;

/** One attempt by one method, as recorded. */
export interface ConnectionRequestAttempt {
  deviceId: string;
  method: ConnectionRequestMethod;
  /** URL, UDP address or JID. */
  target: string;
  outcome: AttemptOutcome;
  durationMs: number;
  code: string;
  detail: string;
  /** When the attempt started, ms since the epoch. */
  at: number;
}

export type ConnectionRequestOutcome =
  | AttemptOutcome
  /** Within the minimum interval since the last request to this device: nothing was sent. */
  | "rate-limited"
  /** No enabled method is known for the device (no URL, UDP address or JID). */
  | "no-method";

export interface ConnectionRequestResult {
  deviceId: string;
  /** The outcome of the last attempt (the one that ended the request), or rate-limited, no-method. */
  outcome: ConnectionRequestOutcome;
  /** The method of the last attempt. */
  method: ConnectionRequestMethod | undefined;
  attempts: ConnectionRequestAttempt[];
  durationMs: number;
  /** For "rate-limited": how long until a request is admitted. */
  retryAfterMs?: number;
  /** This call joined a request already in flight for the device. */
  joined: boolean;
}

export interface ConnectionRequesterOptions {
  transports: ConnectionRequestTransports;
  /** Methods in order of preference; a method not listed is never used. Default xmpp, http, udp. */
  methods?: readonly ConnectionRequestMethod[];
  /** Try the next method after a failure that another path could avoid. Default true. */
  fallback?: boolean;
  /** Minimum time between the starts of two requests to one device. Default 5000 ms; 0 disables. */
  minIntervalMs?: number;
  /** Called after each attempt, for the server to record it. Exceptions it throws are ignored. */
  onAttempt?: (attempt: ConnectionRequestAttempt) => void;
  /** Wall clock for `at` and the rate limit. */
  now?: () => number;
  /** Monotonic clock for durations. */
  clock?: () => number;
}

export const DEFAULT_MIN_INTERVAL_MS = 5000;

export class ConnectionRequester {
  readonly #transports: ConnectionRequestTransports;
  readonly #methods: readonly ConnectionRequestMethod[];
  readonly #fallback: boolean;
  readonly #limiter: RequestRateLimiter;
  readonly #onAttempt: ((attempt: ConnectionRequestAttempt) => void) | undefined;
  readonly #now: () => number;
  readonly #clock: () => number;
  readonly #inFlight = new Map<string, Promise<ConnectionRequestResult>>();

  constructor(options: ConnectionRequesterOptions) {
    this.#transports = { ...options.transports };
    this.#methods = checkMethods(options.methods ?? DEFAULT_METHOD_ORDER);
    this.#fallback = options.fallback ?? true;
    this.#limiter = new RequestRateLimiter(options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS);
    this.#onAttempt = options.onAttempt;
    this.#now = options.now ?? wallClock;
    this.#clock = options.clock ?? monotonicClock;
  }

  /** The methods usable at all: configured and with a transport. */
  get methods(): ConnectionRequestMethod[] {
    return this.#methods.filter((m) => this.#transports[m] !== undefined);
  }

  /** What would be tried for the device, in order (no I/O). */
  plan(device: DeviceContact): PlannedAttempt[] {
    return planAttempts(device, this.#methods, new Set(this.methods));
  }

  /** Wakes the device. Never throws for what devices or networks do. */
  request(device: DeviceContact): Promise<ConnectionRequestResult> {
    const running = this.#inFlight.get(device.deviceId);
    if (running) return running.then((r) => ({ ...r, joined: true }));
    const plan = this.plan(device);
    if (plan.length === 0) {
      return Promise.resolve({ deviceId: device.deviceId, outcome: "no-method", method: undefined, attempts: [], durationMs: 0, joined: false });
    }
    const admission = this.#limiter.admit(device.deviceId, this.#now());
    if (!admission.ok) {
      return Promise.resolve({
        deviceId: device.deviceId,
        outcome: "rate-limited",
        method: undefined,
        attempts: [],
        durationMs: 0,
        retryAfterMs: admission.retryAfterMs,
        joined: false,
      });
    }
    const run = this.#run(device, plan).finally(() => this.#inFlight.delete(device.deviceId));
    this.#inFlight.set(device.deviceId, run);
    return run;
  }

  /** Devices with a request in flight. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  async #run(device: DeviceContact, plan: PlannedAttempt[]): Promise<ConnectionRequestResult> {
    const started = this.#clock();
    const attempts: ConnectionRequestAttempt[] = [];
    for (const step of plan) {
      const transport = this.#transports[step.method] as Transport;
      const at = this.#now();
      const t0 = this.#clock();
      let report: TransportReport;
      try {
        report = await transport({ target: step.target, username: device.username ?? "", password: device.password ?? "" });
      } catch (err) {
        // A transport that throws has a bug; the request goes on with the next method.
        report = { outcome: "error", durationMs: Math.max(0, this.#clock() - t0), code: "INTERNAL", detail: err instanceof Error ? err.message : String(err) };
      }
      const attempt: ConnectionRequestAttempt = {
        deviceId: device.deviceId,
        method: step.method,
        target: step.target,
        outcome: report.outcome,
        durationMs: report.durationMs,
        code: report.code,
        detail: report.detail,
        at,
      };
      attempts.push(attempt);
      try {
        this.#onAttempt?.(attempt);
      } catch {
        // Recording is the caller's business; a failure there must not change the request.
      }
      if (endsRequest(report.outcome) || !this.#fallback) break;
    }
    const last = attempts[attempts.length - 1] as ConnectionRequestAttempt;
    return {
      deviceId: device.deviceId,
      outcome: last.outcome,
      method: last.method,
      attempts,
      durationMs: Math.max(0, this.#clock() - started),
      joined: false,
    };
  }
}

/** What the real transports need; leave one out to disable its method. */
export interface TransportDependencies {
  /** HTTP options other than the target and credentials (timeoutMs, allowBasic...). */
  http?: Omit<HttpConnectionRequestOptions, "url" | "username" | "password">;
  /** The STUN server to send from, and the repetition. */
  udp?: { sender: UdpSender } & Omit<UdpConnectionRequestOptions, "address" | "username" | "password" | "sender">;
  /** The ACS's XMPP account, and the IQ timeout. */
  xmpp?: { requester: XmppConnectionRequester; timeoutMs?: number };
}

/** The real transports: HTTP with Digest, UDP from the STUN server's port, XMPP IQ. */
export function createTransports(deps: TransportDependencies): ConnectionRequestTransports {
  const transports: ConnectionRequestTransports = {};
  const { http, udp, xmpp } = deps;
  if (http) transports.http = ({ target, username, password }) => httpConnectionRequest({ ...http, url: target, username, password });
  if (udp) transports.udp = ({ target, username, password }) => udpConnectionRequest({ ...udp, address: target, username, password });
  if (xmpp) {
    transports.xmpp = ({ target, username, password }) =>
      xmpp.requester.request({ jid: target, username, password, ...(xmpp.timeoutMs !== undefined ? { timeoutMs: xmpp.timeoutMs } : {}) });
  }
  return transports;
}
