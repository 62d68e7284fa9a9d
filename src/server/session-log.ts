// One info line per CWMP session, when it ends: the device, the Inform's events, the RPCs the ACS sent,
// the CPE's own requests, the tasks it settled, the CPE's faults, how long it took and how it ended.
// The handler feeds every exchange in (SessionLogHook); sessions settled outside an exchange (the
// timeouts housekeeping settles) arrive as events on the bus. The same summary, with the envelopes,
// goes to the device's session history (session-history.ts) when one is given.

import type { CwmpEnvelope } from "../cwmp/index.js";
import type { UspMsg } from "../usp/index.js";
import type { AcsEvent } from "./events.js";
import type { Logger } from "./logger.js";
import type { EnvelopeCapture, SessionHistory } from "./session-history.js";

/** What the CWMP handler tells of each exchange of a session. Must not throw. */
export interface SessionLogHook {
  exchange(x: SessionExchange): void;
}

export interface SessionExchange {
  session: string;
  deviceId: string;
  /** What the CPE sent in this exchange. */
  received: readonly CwmpEnvelope[];
  /** What the ACS answered (null: an empty answer). */
  sent: CwmpEnvelope | null;
  /** The events the exchange made, in order. */
  events: readonly AcsEvent[];
  at: Date;
  /** The request body as received and the answer as sent, for the session history's envelopes. */
  receivedBody?: Buffer;
  sentBody?: string | Buffer;
  /** A USP device's session (bridged): the Msgs exchanged with the agent for this exchange, in order. */
  uspMessages?: readonly UspExchanged[];
}

/** One USP Msg as a USP device's session exchanged it (src/controller). */
export interface UspExchanged {
  direction: "received" | "sent";
  at: Date;
  /** The MTP that carried it (MtpRoute["mtp"]). */
  mtp: string;
  msg: UspMsg;
}

interface Running {
  session: string;
  startedAt: Date;
  lastAt: Date;
  events: string[];
  rpcs: string[];
  cpeRequests: string[];
  tasks: { done: number; failed: number };
  faults: string[];
  /** The envelopes kept for the session history; null when they are not kept. */
  capture: EnvelopeCapture | null;
}

/** Requests, as opposed to responses and faults: what one side asked of the other. */
function requestMethod(e: CwmpEnvelope | null): string | null {
  const method = e?.body?.method;
  if (method === undefined || method === "Fault" || method.endsWith("Response")) return null;
  return method;
}

/** What the CPE sent in an exchange, kept: its body, or for a USP device the Msgs that carried it. */
function received(capture: EnvelopeCapture, x: SessionExchange): void {
  if (x.receivedBody !== undefined) capture.add("received", x.receivedBody, x.at);
  for (const m of x.uspMessages ?? []) capture.addUsp(m);
}

export class SessionLog implements SessionLogHook {
  /** By device: a device has one session at a time. */
  private readonly running = new Map<string, Running>();
  /** Events already seen through exchange(), so that the bus does not count them again. */
  private readonly seen = new WeakSet<AcsEvent>();
  private lastSweep = 0;

  /** `forgetAfterMs`: a session not heard of for this long ended elsewhere (another process settled it). */
  constructor(
    private readonly log: Logger,
    private readonly forgetAfterMs: number,
    /** Told of each session's end, for the device's recent-sessions log. */
    private readonly history?: SessionHistory,
  ) {}

  exchange(x: SessionExchange): void {
    try {
      this.take(x);
    } catch (err) {
      // A log line is not worth an exchange.
      this.log.error({ err, deviceId: x.deviceId }, "session log failed");
    }
  }

  private take(x: SessionExchange): void {
    // What the CPE sent counts before the events, which may end the session.
    const before = this.running.get(x.deviceId);
    if (before !== undefined && before.session === x.session) {
      this.received(before, x.received);
      // Before the events, which may end the session.
      if (before.capture) received(before.capture, x);
    }
    for (const e of x.events) {
      this.seen.add(e);
      this.apply(e, x.session);
    }
    const run = this.running.get(x.deviceId);
    if (run === undefined || run.session !== x.session) return;
    run.lastAt = x.at;
    // A session that this exchange started (its Inform) had no capture before the events.
    if (run !== before && run.capture) received(run.capture, x);
    if (x.sentBody !== undefined) run.capture?.add("sent", x.sentBody, x.at);
    const rpc = requestMethod(x.sent);
    if (rpc !== null) run.rpcs.push(rpc);
  }

  /** Events from the bus: those of no exchange (a session housekeeping timed out) end their session. */
  event(e: AcsEvent): void {
    if (this.seen.has(e) || e.type !== "session.ended") return;
    this.apply(e, null);
  }

  private received(run: Running, envelopes: readonly CwmpEnvelope[]): void {
    for (const e of envelopes) {
      if (e.body?.method === "Fault") run.faults.push(String(e.body.detail.faultCode));
      const request = requestMethod(e);
      if (request !== null && request !== "Inform") run.cpeRequests.push(request);
    }
  }

  /** `session`: the exchange's (an Inform starts it), null for the bus's events. */
  private apply(e: AcsEvent, session: string | null): void {
    if (e.deviceId === null) return;
    const run = this.running.get(e.deviceId);
    switch (e.type) {
      case "device.inform": {
        if (session === null) return;
        this.sweep(e.at);
        // A session of the device this process did not see end (another process settled it).
        run?.capture?.release();
        this.running.set(e.deviceId, { session, startedAt: e.at, lastAt: e.at, events: e.events, rpcs: [], cpeRequests: [], tasks: { done: 0, failed: 0 }, faults: [], capture: this.history?.capture() ?? null });
        return;
      }
      case "task.completed":
        if (run !== undefined) run.tasks.done++;
        return;
      case "task.failed":
        if (run !== undefined) run.tasks.failed++;
        return;
      case "session.ended":
        if (run !== undefined) {
          this.running.delete(e.deviceId);
          this.write(e.deviceId, run, e.reason, e.at);
        }
        return;
      default:
        return;
    }
  }

  private write(deviceId: string, run: Running, outcome: string, at: Date): void {
    this.history?.ended(
      { deviceId, sessionId: run.session, startedAt: run.startedAt, endedAt: at, outcome, summary: { events: run.events, rpcs: run.rpcs, cpeRequests: run.cpeRequests, tasks: run.tasks, faults: run.faults } },
      run.capture,
    );
    this.log.info(
      {
        deviceId,
        session: run.session,
        events: run.events,
        rpcs: run.rpcs,
        cpeRequests: run.cpeRequests,
        tasks: run.tasks,
        faults: run.faults,
        durationMs: Math.max(0, at.getTime() - run.startedAt.getTime()),
        outcome,
      },
      "session",
    );
  }

  /** Forgets sessions another process ended, at most once per forgetAfterMs. */
  private sweep(now: Date): void {
    const t = now.getTime();
    if (t - this.lastSweep < this.forgetAfterMs) return;
    this.lastSweep = t;
    for (const [deviceId, run] of this.running) {
      if (t - run.lastAt.getTime() > this.forgetAfterMs) {
        this.running.delete(deviceId);
        run.capture?.release();
      }
    }
  }
}
