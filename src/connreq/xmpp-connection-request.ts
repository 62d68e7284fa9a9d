// The XMPP Connection Request of TR-069 Annex K, ACS side.
//
// Provisio logs in to an XMPP server as an ordinary client and keeps that one connection up,
// reconnecting with exponential back-off (with jitter, capped) when it drops or cannot be made.
// To wake a CPE it sends an IQ get to the CPE's JID (ManagementServer.ConnReqJabberID, a full JID)
// carrying the CPE's ConnectionRequestUsername and ConnectionRequestPassword:
//
//   <iq type="get" to="cpe@example.net/cwmp" id="...">
//     <connectionRequest xmlns="urn:broadband-forum-org:cwmp:xmppConnReq-1-0">
//       <username>...</username><password>...</password>
//     </connectionRequest>
//   </iq>
//
// The CPE answers an empty IQ result and then opens a session with "6 CONNECTION REQUEST"; or an
// IQ error: not-authorized for wrong credentials, service-unavailable when it will not (or does
// not support it). The XMPP server answers service-unavailable itself when the CPE is offline.
// The CPE accepts requests only from the JIDs in its ConnReqAllowedJabberIDs: the ACS's JID must
// be there (the server sets it), or the CPE answers an error.

import { randomBytes } from "node:crypto";
import { client, xml } from "@xmpp/client";
import type { ClientOptions, XmlElement, XmppClient } from "@xmpp/client";
import { ConnreqLocalError } from "./errors.js";
import { monotonicClock, systemTimers } from "./timers.js";
import type { Timers } from "./timers.js";

export const XMPP_CONNREQ_NS = "urn:broadband-forum-org:cwmp:xmppConnReq-1-0";
export const XMPP_STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas";

export type XmppConnectionRequestOutcome =
  /** IQ result: the CPE will open a session. */
  | "accepted"
  /** not-authorized: the CPE refused the credentials. */
  | "not-authorized"
  /** service-unavailable and its kin: the CPE is offline, unknown, busy, or does not do this. */
  | "service-unavailable"
  /** No answer within the timeout. */
  | "timed-out"
  /** Provisio is not connected to the XMPP server (or lost it while waiting). */
  | "not-connected"
  /** Any other error condition, or an unusable JID. */
  | "error";

export interface XmppConnectionRequestResult {
  method: "xmpp";
  outcome: XmppConnectionRequestOutcome;
  durationMs: number;
  /** "RESULT", the XMPP error condition ("not-authorized", "service-unavailable", "forbidden"...),
   * "TIMEOUT", "NOT_CONNECTED", "CONNECTION_LOST", "INVALID_JID". */
  code: string;
  detail: string;
  jid: string;
}

/** An XMPP account: where and who to log in as. */
export interface XmppAccount {
  /** "xmpp://host:port" (plain or STARTTLS) or "xmpps://host:port" (direct TLS). */
  service: string;
  /** The XMPP domain; by default the service's host. */
  domain?: string;
  username: string;
  password: string;
  resource?: string;
  /** Use SASL PLAIN even without TLS (the password then travels in clear): for tests and trusted
   * links. By default @xmpp/client refuses PLAIN without TLS and uses SCRAM-SHA-1. */
  plainWithoutTls?: boolean;
}

/** The @xmpp/client options for an account. */
export function xmppClientOptions(account: XmppAccount, resource: string, timeoutMs: number): ClientOptions {
  const { username, password } = account;
  return {
    service: account.service,
    ...(account.domain !== undefined ? { domain: account.domain } : {}),
    username,
    password,
    resource: account.resource ?? resource,
    timeout: timeoutMs,
    ...(account.plainWithoutTls
      ? {
          credentials: (authenticate, mechanisms) =>
            authenticate({ username, password }, mechanisms.includes("PLAIN") ? "PLAIN" : mechanisms.find((m) => m !== "ANONYMOUS")),
        }
      : {}),
  };
}

export type XmppLinkStatus = "connecting" | "online" | "offline" | "stopped";

export interface XmppConnectionRequesterOptions extends XmppAccount {
  /** First reconnection delay (default 1000 ms), multiplied by `retryFactor` (default 2) after each
   * failure up to `maxRetryMs` (default 60000 ms); each delay is drawn in [50%, 100%] of that. */
  initialRetryMs?: number;
  retryFactor?: number;
  maxRetryMs?: number;
  /** Deadline for one login (TCP, stream, SASL, bind). Default 15000 ms. */
  connectTimeoutMs?: number;
  /** Default timeout of `request`. Default 10000 ms. */
  requestTimeoutMs?: number;
  onStatus?: (status: XmppLinkStatus, detail: string | undefined) => void;
  timers?: Timers;
  clock?: () => number;
  /** In [0, 1), for the jitter. */
  random?: () => number;
}

export interface XmppConnectionRequest {
  /** ConnReqJabberID of the CPE. */
  jid: string;
  /** ConnectionRequestUsername and ConnectionRequestPassword. */
  username?: string;
  password?: string;
  timeoutMs?: number;
}

interface Pending {
  jid: string;
  started: number;
  timer: unknown;
  resolve: (result: XmppConnectionRequestResult) => void;
}

function positive(name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < min) throw new ConnreqLocalError("CR_INVALID_OPTIONS", `${name} must be at least ${min}, not ${v}`);
  return v;
}

/** The condition of an IQ error: the first child in the stanzas namespace, else the first child. */
export function xmppErrorCondition(stanza: XmlElement): string {
  const error = stanza.getChild("error");
  if (!error) return "undefined-condition";
  const children = error.getChildElements();
  const condition = children.find((c) => c.attrs.xmlns === XMPP_STANZAS_NS) ?? children[0];
  return condition?.name ?? "undefined-condition";
}

/** How an IQ reply to a connection request reads. */
export function classifyXmppReply(stanza: XmlElement): { outcome: XmppConnectionRequestOutcome; code: string; detail: string } {
  if (stanza.attrs.type === "result") return { outcome: "accepted", code: "RESULT", detail: "the CPE accepted the connection request" };
  const condition = xmppErrorCondition(stanza);
  const text = stanza.getChild("error")?.getChildText("text", XMPP_STANZAS_NS);
  const detail = `${condition}${text ? `: ${text}` : ""}`;
  switch (condition) {
    case "not-authorized":
    case "not-autorized": // sic: a deployed CPE stack sends this spelling
      return { outcome: "not-authorized", code: "not-authorized", detail };
    case "service-unavailable":
    case "recipient-unavailable":
    case "item-not-found":
    case "feature-not-implemented":
    case "remote-server-not-found":
    case "gone":
      return { outcome: "service-unavailable", code: condition, detail };
    case "remote-server-timeout":
      return { outcome: "timed-out", code: condition, detail };
    default:
      return { outcome: "error", code: condition, detail };
  }
}

/** The XMPP account Provisio sends connection requests from; one connection, kept up. */
export class XmppConnectionRequester {
  readonly #o: XmppConnectionRequesterOptions;
  readonly #timers: Timers;
  readonly #clock: () => number;
  readonly #random: () => number;
  readonly #initialRetryMs: number;
  readonly #retryFactor: number;
  readonly #maxRetryMs: number;
  readonly #connectTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  readonly #onlineWaiters = new Set<() => void>();
  #status: XmppLinkStatus = "offline";
  #started = false;
  #stopped = false;
  #current: XmppClient | undefined;
  /** The client of the login in progress. */
  #connecting: XmppClient | undefined;
  #failures = 0;
  #retryTimer: unknown;
  #jid: string | undefined;

  constructor(options: XmppConnectionRequesterOptions) {
    if (!/^(xmpps?|wss?):\/\/[^/\s]+/.test(options.service ?? "")) {
      throw new ConnreqLocalError("CR_INVALID_OPTIONS", `XMPP service ${JSON.stringify(options.service)} is not xmpp://host:port, xmpps://, ws:// or wss://`);
    }
    if (!options.username) throw new ConnreqLocalError("CR_INVALID_OPTIONS", "the XMPP username is required");
    this.#o = options;
    this.#timers = options.timers ?? systemTimers;
    this.#clock = options.clock ?? monotonicClock;
    this.#random = options.random ?? Math.random;
    this.#initialRetryMs = positive("initialRetryMs", options.initialRetryMs, 1000);
    this.#retryFactor = positive("retryFactor", options.retryFactor, 2);
    this.#maxRetryMs = positive("maxRetryMs", options.maxRetryMs, 60_000);
    this.#connectTimeoutMs = positive("connectTimeoutMs", options.connectTimeoutMs, 15_000);
    this.#requestTimeoutMs = positive("requestTimeoutMs", options.requestTimeoutMs, 10_000);
  }

  get status(): XmppLinkStatus {
    return this.#status;
  }

  /** The full JID Provisio is logged in as (the one CPEs must allow), while online. */
  get jid(): string | undefined {
    return this.#jid;
  }

  /** Starts connecting (and keeps reconnecting). Returns at once; see `waitOnline`. */
  start(): void {
    if (this.#stopped) throw new ConnreqLocalError("CR_INVALID_OPTIONS", "this XMPP requester was stopped");
    if (this.#started) return;
    this.#started = true;
    void this.#connect();
  }

  /** Resolves true once online, false if `timeoutMs` passes first or the requester stops. */
  waitOnline(timeoutMs: number): Promise<boolean> {
    if (this.#status === "online") return Promise.resolve(true);
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        this.#timers.clearTimeout(timer);
        this.#onlineWaiters.delete(onOnline);
        resolve(value);
      };
      const onOnline = () => done(this.#status === "online");
      const timer = this.#timers.setTimeout(() => done(false), timeoutMs);
      this.#onlineWaiters.add(onOnline);
    });
  }

  /** Sends the connection request IQ and waits for its answer. Never throws for what the network,
   * the server or the CPE does. */
  request(req: XmppConnectionRequest): Promise<XmppConnectionRequestResult> {
    const started = this.#clock();
    const jid = req.jid.trim();
    const result = (outcome: XmppConnectionRequestOutcome, code: string, detail: string): XmppConnectionRequestResult => ({
      method: "xmpp",
      outcome,
      durationMs: Math.max(0, this.#clock() - started),
      code,
      detail,
      jid,
    });
    if (!/^[^@/\s]+@[^@/\s]+(\/.+)?$/.test(jid)) return Promise.resolve(result("error", "INVALID_JID", `${JSON.stringify(jid.slice(0, 200))} is not a JID`));
    const timeoutMs = req.timeoutMs ?? this.#requestTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ConnreqLocalError("CR_INVALID_OPTIONS", `timeoutMs must be positive, not ${timeoutMs}`);
    const c = this.#current;
    if (!c || this.#status !== "online") return Promise.resolve(result("not-connected", "NOT_CONNECTED", `not connected to the XMPP server (${this.#status})`));

    const id = `provisio-cr-${randomBytes(9).toString("hex")}`;
    const iq = xml(
      "iq",
      { type: "get", to: jid, id },
      xml("connectionRequest", { xmlns: XMPP_CONNREQ_NS }, xml("username", {}, req.username ?? ""), xml("password", {}, req.password ?? "")),
    );
    return new Promise<XmppConnectionRequestResult>((resolve) => {
      const timer = this.#timers.setTimeout(() => {
        this.#settle(id, (p) => ({ ...result("timed-out", "TIMEOUT", `no answer within ${timeoutMs} ms`), durationMs: Math.max(0, this.#clock() - p.started) }));
      }, timeoutMs);
      this.#pending.set(id, { jid, started, timer, resolve });
      c.send(iq).catch((err: unknown) => {
        this.#settle(id, () => result("not-connected", "CONNECTION_LOST", `sending failed: ${err instanceof Error ? err.message : String(err)}`));
      });
    });
  }

  /** Closes the connection and stops reconnecting; requests still waiting end "not-connected". */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timers.clearTimeout(this.#retryTimer);
    this.#failAll("the XMPP requester is stopping");
    const c = this.#current;
    this.#current = undefined;
    this.#jid = undefined;
    // A login in progress ends now: its socket goes, and the attempt sees it.
    this.#connecting?.socket?.destroy();
    if (c) await this.#dispose(c);
    this.#setStatus("stopped", undefined);
  }

  // -------------------------------------------------------------------------------------------

  #setStatus(status: XmppLinkStatus, detail: string | undefined): void {
    this.#status = status;
    this.#o.onStatus?.(status, detail);
    if (status === "online" || status === "stopped") for (const w of [...this.#onlineWaiters]) w();
  }

  #settle(id: string, make: (p: Pending) => XmppConnectionRequestResult): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    this.#timers.clearTimeout(p.timer);
    p.resolve(make(p));
  }

  #failAll(detail: string): void {
    for (const [id, p] of [...this.#pending]) {
      this.#settle(id, () => ({ method: "xmpp", outcome: "not-connected", durationMs: Math.max(0, this.#clock() - p.started), code: "CONNECTION_LOST", detail, jid: p.jid }));
    }
  }

  #onStanza(stanza: XmlElement): void {
    if (stanza.name !== "iq") return;
    const type = stanza.attrs.type;
    const id = stanza.attrs.id;
    if ((type !== "result" && type !== "error") || id === undefined || !this.#pending.has(id)) return;
    const { outcome, code, detail } = classifyXmppReply(stanza);
    this.#settle(id, (p) => ({ method: "xmpp", outcome, durationMs: Math.max(0, this.#clock() - p.started), code, detail, jid: p.jid }));
  }

  async #dispose(c: XmppClient): Promise<void> {
    c.removeAllListeners("stanza");
    c.removeAllListeners("disconnect");
    // The error listener stays: the library emits errors while closing. Closing waits for the
    // server's end of stream at most this long.
    c.timeout = Math.min(c.timeout, 2000);
    try {
      await c.stop();
    } catch {
      // Closing a half-open connection can fail; the socket goes anyway.
    }
    c.socket?.destroy();
  }

  #scheduleRetry(detail: string | undefined): void {
    if (this.#stopped) return;
    this.#setStatus("offline", detail);
    const base = Math.min(this.#maxRetryMs, this.#initialRetryMs * this.#retryFactor ** this.#failures);
    this.#failures++;
    const delay = Math.round(base * (0.5 + this.#random() / 2));
    this.#retryTimer = this.#timers.setTimeout(() => void this.#connect(), delay);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    this.#setStatus("connecting", undefined);
    let c: XmppClient;
    try {
      c = client(xmppClientOptions(this.#o, "provisio", this.#connectTimeoutMs));
    } catch (err) {
      this.#scheduleRetry(err instanceof Error ? err.message : String(err));
      return;
    }
    c.reconnect.stop(); // reconnection is ours, with back-off
    let lastError: string | undefined;
    c.on("error", (err: unknown) => {
      lastError = err instanceof Error ? err.message : String(err);
    });
    c.on("stanza", (stanza: XmlElement) => this.#onStanza(stanza));
    c.on("connect", () => {
      // Requests are single small stanzas: without this, Nagle and delayed ACKs add ~40 ms to each.
      c.socket?.setNoDelay?.(true);
      // The connection idles between requests; TCP keepalive notices a peer that vanished.
      c.socket?.setKeepAlive?.(true, 60_000);
    });
    c.on("disconnect", () => {
      if (this.#current !== c) return;
      this.#current = undefined;
      this.#jid = undefined;
      this.#failAll("the XMPP connection was lost");
      void this.#dispose(c);
      this.#scheduleRetry(`connection lost${lastError ? `: ${lastError}` : ""}`);
    });

    // One login attempt ends with the first of: online, an error, a lost socket, the deadline.
    this.#connecting = c;
    const attempt = await new Promise<{ ok: true; jid: string } | { ok: false; why: string }>((resolve) => {
      const timer = this.#timers.setTimeout(() => resolve({ ok: false, why: `login took longer than ${this.#connectTimeoutMs} ms` }), this.#connectTimeoutMs);
      const done = (value: { ok: true; jid: string } | { ok: false; why: string }) => {
        this.#timers.clearTimeout(timer);
        resolve(value);
      };
      c.once("disconnect", () => done({ ok: false, why: `disconnected during login${lastError ? `: ${lastError}` : ""}` }));
      c.start().then(
        (jid) => done({ ok: true, jid: jid.toString() }),
        (err: unknown) => done({ ok: false, why: err instanceof Error ? err.message : String(err) }),
      );
    });
    this.#connecting = undefined;
    if (!attempt.ok || this.#stopped) {
      await this.#dispose(c);
      if (!attempt.ok) this.#scheduleRetry(attempt.why);
      return;
    }
    this.#current = c;
    this.#jid = attempt.jid;
    this.#failures = 0;
    this.#setStatus("online", attempt.jid);
  }
}
