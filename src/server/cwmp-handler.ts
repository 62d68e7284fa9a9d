// One HTTP exchange of the CWMP endpoint: authenticate, parse, run the session, apply its effects and
// save its state in one transaction, answer. Sockets stay in cwmp-server.ts; this file sees bytes.

import { randomBytes } from "node:crypto";
import { charsetFromContentType, cwmpFault, CwmpRemoteError, parseCwmp, serializeEnvelope, serializeMustUnderstandFault, type CwmpEnvelope, type ParseResult } from "../cwmp/index.js";
import { AcsSession, InformError, TaskArgumentError, type Effect, type Outcome, type SessionConfig, type SessionState, type TaskInput } from "../session/index.js";
import type { DeviceRecord, JsonValue, SessionRecord, Store, StoreTx, TaskRecord } from "../store/types.js";
import { applyEffects, type TaskPolicy } from "./apply-effects.js";
import { parseCookies, formatSetCookie } from "./cookies.js";
import { credentialFitsDevice, type CpeAuthenticator } from "./cpe-auth.js";
import { recordEvents, type AcsEvent, type EventBus } from "./events.js";
import type { Logger } from "./logger.js";
import type { CredentialSyncOptions } from "./credential-sync.js";
import type { ProvisioningService } from "./provisioning.js";
import { SessionCache, StaleSession, type CachedSession } from "./session-cache.js";
import type { SecretBox } from "./secrets.js";
import { openSessionState, sealSessionState } from "./session-secrets.js";
import { checkInform, describeRefusal, intakeLimits, parseLimits, type InformLimitsConfig, type IntakeLimits } from "./intake-limits.js";

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  remoteAddress: string | null;
  secure: boolean;
  /** Session bound to the TCP connection, for CPEs that do not send cookies back. */
  connectionSession: string | null;
  /** The subject CN of a verified TLS client certificate. */
  clientCertCn: string | null;
  /** What the body was read under (CwmpHandler.limitsFor); without it, those of a request outside a session. */
  limits?: IntakeLimits;
}

/** What the handler needs to choose a request's limits before its body is read. */
export interface RequestHead {
  headers: Record<string, string | string[] | undefined>;
  connectionSession: string | null;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
  /** The session the connection now carries (null: none). */
  session: string | null;
}

/** Watches the CWMP traffic (metrics). Must not throw. */
export interface CwmpObserver {
  /** A session began (its Inform was accepted). */
  sessionStarted(): void;
  /** Messages a CPE sent (requests, responses, faults). */
  received(envelopes: readonly CwmpEnvelope[]): void;
  /** The message the ACS answered with (null: an empty answer). */
  sent(envelope: CwmpEnvelope | null): void;
}

export interface HandlerOptions {
  store: Store;
  auth: CpeAuthenticator;
  events: EventBus;
  log: Logger;
  session: SessionConfig;
  taskPolicy: TaskPolicy;
  sessionTimeoutMs: number;
  retryAfterSeconds: number;
  maxBodyBytes: number;
  cookieName: string;
  clientIdentity: "serialNumber" | "deviceId" | "none";
  clock?: () => Date;
  newSessionId?: () => string;
  observer?: CwmpObserver;
  /** Presets and provisions; without it sessions run tasks only. */
  provisioning?: ProvisioningService;
  /** Records credentials the ACS sets on devices. */
  credentials?: CredentialSyncOptions;
  /**
   * A task's arguments as sent now (file-tasks.ts: the file server's URLs made again with a fresh expiry;
   * task-secrets.ts: secrets opened). May throw TaskArgumentError, which fails that task.
   */
  taskArgs?: (task: TaskRecord, now: Date) => JsonValue;
  /** Seals the secrets of session states on their way to the store (session-secrets.ts); without it they are stored as they are. */
  secrets?: SecretBox;
  /** cwmp.bootstrapReclaim: a device with credentials of its own may come back from a factory reset with the bootstrap ones. */
  bootstrapReclaim?: boolean;
  /** cwmp.maxInform*: what an Inform may carry, by login (intake-limits.ts). */
  informLimits: InformLimitsConfig;
  bootstrapUsername: string;
}

interface ExchangeResult {
  applied: AcsEvent[];
  outcome: Outcome;
  deviceId: string;
  /** The session as saved; null when it ended. */
  saved: SessionRecord | null;
}

/** Thrown inside a transaction to roll it back and answer with an HTTP status. */
class Refusal extends Error {
  constructor(readonly reply: Omit<HttpReply, "session">) {
    super("refused");
  }
}

const XML = { "Content-Type": 'text/xml; charset="utf-8"' };

/** A 401 with the authentication challenges to answer. */
function unauthorized(challenges: string[], body = "authentication required\n"): Omit<HttpReply, "session"> {
  return { status: 401, headers: { "WWW-Authenticate": challenges, "Content-Type": "text/plain" }, body };
}

export class CwmpHandler {
  private readonly clock: () => Date;
  private readonly newSessionId: () => string;
  private readonly cache = new SessionCache();

  constructor(private readonly o: HandlerOptions) {
    this.clock = o.clock ?? (() => new Date());
    this.newSessionId = o.newSessionId ?? (() => randomBytes(18).toString("base64url"));
  }

  /**
   * The limits a request's body is read under, from its head: a session's own when it names one that
   * is live (a made-up cookie does not count), an Inform's otherwise.
   */
  async limitsFor(head: RequestHead, now = this.clock()): Promise<IntakeLimits> {
    const id = parseCookies(headerOf(head.headers, "cookie")).get(this.o.cookieName) ?? head.connectionSession;
    const inSession = id !== null && (this.cache.has(id, now) || ((await this.o.store.sessions.get(id))?.expiresAt.getTime() ?? 0) > now.getTime());
    return intakeLimits(this.o.informLimits, this.o.maxBodyBytes, inSession, this.o.bootstrapUsername, headerOf(head.headers, "authorization"));
  }

  async handle(x: Exchange): Promise<HttpReply> {
    const now = this.clock();
    if (x.method !== "POST") {
      return { status: 405, headers: { Allow: "POST", "Content-Type": "text/plain" }, body: "CWMP is spoken with HTTP POST\n", session: x.connectionSession };
    }
    const cookieSession = parseCookies(x.headers.cookie).get(this.o.cookieName) ?? null;
    const sessionId = cookieSession ?? x.connectionSession;
    if (sessionId === null && x.clientCertCn === null && header(x, "authorization") === undefined) {
      // Outside a session, a request without credentials (the first step of every Digest exchange) is
      // challenged before its body is parsed: nobody unauthenticated makes the ACS read XML.
      const auth = await this.o.auth.authenticate({ authorization: undefined, method: x.method, url: x.url, secure: x.secure, now: now.getTime() });
      if (!auth.ok) {
        this.o.log.debug({ address: x.remoteAddress, reason: auth.reason }, "CPE authentication failed");
        return { ...unauthorized(auth.challenges), session: null };
      }
    }

    const limits = x.limits ?? (await this.limitsFor(x, now));
    let parsed: ParseResult;
    try {
      parsed = parseCwmp(x.body, { charset: charsetFromContentType(header(x, "content-type")), ...parseLimits(limits), salvageFaults: limits.inSession });
    } catch (err) {
      if (!(err instanceof CwmpRemoteError)) throw err;
      this.o.log.warn({ address: x.remoteAddress, code: err.code, err: err.message }, "unreadable CWMP message");
      return { status: err.httpStatus, headers: { "Content-Type": "text/plain" }, body: describeRefusal(err, limits), session: sessionId };
    }
    const envelopes = parsed.envelopes;
    const first = envelopes[0];
    if (parsed.notUnderstood !== undefined && first !== undefined) {
      // Nothing of the message is processed (SOAP 1.1, 4.2.3); a session in progress stays as it was.
      this.o.log.warn({ address: x.remoteAddress, headers: parsed.notUnderstood }, "mustUnderstand header entries not understood");
      return { status: 500, headers: XML, body: serializeMustUnderstandFault(first.ns, first.header.id, parsed.notUnderstood), session: sessionId };
    }
    // What the reader tolerated or left out (bytes invalid in the charset, object entries in a list of
    // values, a fault's code read from a misplaced detail): rare from real devices, and worth knowing.
    if (parsed.warnings.length > 0) this.o.log.warn({ address: x.remoteAddress, session: sessionId, warnings: parsed.warnings.slice(0, 8) }, "CWMP message read with warnings");
    if (first?.body?.method === "Inform") return this.startSession(x, first, sessionId, now, parsed.lossy === true, limits);
    if (sessionId === null) {
      // An empty POST with no session at all: HTTP clients that probe for the auth challenge with an
      // empty body (curl does) must get the challenge, not a silent 204.
      if (first === undefined) {
        const auth = await this.o.auth.authenticate({ authorization: header(x, "authorization"), method: x.method, url: x.url, secure: x.secure, now: now.getTime() });
        if (!auth.ok) return { ...unauthorized(auth.challenges), session: null };
      }
      return this.withoutSession(first, x);
    }
    return this.continueSession(x, envelopes, sessionId, now);
  }

  /** Only an Inform starts a session; an empty POST after a session is answered as ended (some CPEs send one more). */
  private withoutSession(first: CwmpEnvelope | undefined, x: Exchange): HttpReply {
    if (first === undefined) return { status: 204, headers: {}, body: "", session: null };
    const fault = cwmpFault(8003, "A CWMP session must start with an Inform");
    const envelope: CwmpEnvelope = { ns: first.ns, header: first.header.id === undefined ? {} : { id: first.header.id }, body: fault };
    this.o.log.warn({ address: x.remoteAddress, method: first.body?.method ?? "empty" }, "message outside a session");
    return { status: 500, headers: XML, body: serializeEnvelope(envelope), session: null };
  }

  private async startSession(x: Exchange, envelope: CwmpEnvelope, previous: string | null, now: Date, lossy: boolean, limits: IntakeLimits): Promise<HttpReply> {
    // The device's id is known before authenticating, so that its own credentials are read with the
    // login's; an Inform that names no device, or carries too much, is answered only after
    // authentication, as any other.
    let claimed: string | InformError;
    try {
      const inform = envelope.body as Extract<CwmpEnvelope["body"], { method: "Inform" }>;
      checkInform(inform, limits);
      claimed = AcsSession.deviceIdOf(inform, { lossy });
    } catch (err) {
      if (!(err instanceof InformError)) throw err;
      claimed = err;
    }
    const auth = await this.o.auth.authenticate({ authorization: header(x, "authorization"), method: x.method, url: x.url, secure: x.secure, now: now.getTime(), ...(typeof claimed === "string" ? { deviceId: claimed } : {}) });
    await this.o.provisioning?.refresh(now.getTime());
    const certOk = this.clientCertFits(x, envelope);
    if (certOk === false) {
      this.o.log.warn({ address: x.remoteAddress, cn: x.clientCertCn }, "client certificate does not match the device");
      return { status: 403, headers: { "Content-Type": "text/plain" }, body: "client certificate does not match this device\n", session: null };
    }
    if (!auth.ok && certOk !== true) {
      // A first request without credentials is how every Digest exchange starts: not worth a warning.
      const level = auth.reason === "no credentials" ? "debug" : "warn";
      this.o.log[level]({ address: x.remoteAddress, username: auth.username, reason: auth.reason }, "CPE authentication failed");
      return { ...unauthorized(auth.challenges), session: null };
    }
    if (claimed instanceof InformError) {
      return { status: 500, headers: XML, body: serializeEnvelope({ ns: envelope.ns, header: envelope.header.id === undefined ? {} : { id: envelope.header.id }, body: claimed.fault }), session: null };
    }
    const deviceId = claimed;
    const sessionId = this.newSessionId();
    let reclaimed = false;
    try {
      const events = await this.o.store.transaction(async (tx) => {
        if (auth.ok && auth.credential !== null) {
          // Whether the device has credentials of its own matters only for shared (bootstrap) ones.
          const own = auth.credential.deviceId === null && (auth.deviceHasOwn ?? (await tx.credentials.forDevice(deviceId)).length > 0);
          if (!credentialFitsDevice(auth.credential, deviceId, own)) {
            if (!this.reclaims(auth.credential.deviceId, envelope)) {
              throw new Refusal(unauthorized(this.o.auth.challenges({ authorization: undefined, method: x.method, url: x.url, secure: x.secure, now: now.getTime() }), "these credentials do not belong to this device\n"));
            }
            // A factory reset: the device forgot its credentials; the ACS forgets them too, so that the
            // bootstrap provisioning gives it new ones.
            for (const c of await tx.credentials.forDevice(deviceId)) await tx.credentials.delete(c.username);
            reclaimed = true;
          }
        }
        const effects: Effect[] = [];
        if (previous !== null) effects.push(...(await this.endPrevious(tx, previous, deviceId)));
        const tasks = await this.runnable(tx, deviceId, now);
        const started = AcsSession.start(sessionId, envelope, now, tasks, this.o.session);
        // The Inform is recorded first, so that presets are matched against what it reported; a refusal
        // below rolls all of it back.
        let device: DeviceRecord | undefined;
        const applied = await recordEvents(tx, await applyEffects([...effects, ...started.effects], { ...this.applyContext(tx, deviceId, now, x), informed: (d) => (device = d) }));
        if (this.o.provisioning !== undefined) {
          const inform = envelope.body as Extract<CwmpEnvelope["body"], { method: "Inform" }>;
          started.session.useProvisions(await this.o.provisioning.select(tx, deviceId, inform.event.map((e) => e.eventCode), now, device));
        }
        await this.planAhead(tx, started.session, now, tasks);
        const lock = await tx.sessions.acquire(deviceId, sessionId, this.stored(started.session), this.expiry(now), now);
        if (lock === null) {
          throw new Refusal({ status: 503, headers: { "Retry-After": String(this.o.retryAfterSeconds), "Content-Type": "text/plain" }, body: "this device already has a session in progress\n" });
        }
        return { applied, reply: started.reply, lock };
      });
      if (reclaimed) this.o.log.warn({ deviceId, address: x.remoteAddress }, "device back with the bootstrap credentials and 0 BOOTSTRAP (a factory reset): its own credentials are forgotten (cwmp.bootstrapReclaim)");
      this.cache.put(sessionId, { deviceId, version: events.lock.version, expiresAt: events.lock.expiresAt, state: events.lock.state });
      this.publish(events.applied);
      this.o.observer?.received([envelope]);
      this.o.observer?.sessionStarted();
      this.o.observer?.sent(events.reply.envelope);
      this.o.log.debug({ deviceId, session: sessionId }, "session started");
      const cookie = formatSetCookie({ name: this.o.cookieName, value: sessionId, path: "/", httpOnly: true });
      return { ...this.render(events.reply), headers: { ...XML, "Set-Cookie": cookie }, session: sessionId };
    } catch (err) {
      if (err instanceof Refusal) {
        this.o.log.warn({ deviceId, address: x.remoteAddress, status: err.reply.status, reason: String(err.reply.body).trim() }, "session refused");
        return { ...err.reply, session: null };
      }
      throw err;
    }
  }

  /**
   * Plans the session's first RPC now, for the empty POST that almost always follows the InformResponse:
   * that POST is then answered from the stored (or cached) state, without a transaction of its own.
   */
  private async planAhead(tx: StoreTx, session: AcsSession, now: Date, tasks: TaskInput[]): Promise<void> {
    const copy = session.planAhead(now);
    if (copy === null) return;
    const step = this.o.provisioning !== undefined ? await this.o.provisioning.plan(tx, copy, now, tasks, true) : copy.plan(now, { tasks });
    if (step !== null) session.keepAhead(copy, step);
  }

  /** An Inform on a connection or cookie that still had a session: that session is over. */
  private async endPrevious(tx: StoreTx, id: string, deviceId: string): Promise<Effect[]> {
    this.cache.drop(id);
    const rec = await tx.sessions.get(id);
    if (rec === null || rec.deviceId !== deviceId) return [];
    const effects = this.restore(rec.state).timeout().map((e): Effect => (e.type === "sessionEnded" ? { ...e, reason: "replaced" } : e));
    await tx.sessions.end(id);
    return effects;
  }

  private async continueSession(x: Exchange, envelopes: CwmpEnvelope[], sessionId: string, now: Date): Promise<HttpReply> {
    const cached = this.cache.take(sessionId, now);
    if (cached !== undefined && envelopes.length === 0) {
      const session = this.restore(cached.state);
      if (session.hasAhead) {
        // The RPC planned with the Inform: nothing to record. The store keeps the state from before it,
        // which leads to the same place whatever the CPE sends next (AcsSession.consume); only this
        // process's copy moves on, so that a second empty POST ends the session as it should.
        const { reply } = session.consume([], now);
        this.cache.put(sessionId, { ...cached, state: session.snapshot() as never });
        this.o.observer?.received(envelopes);
        this.o.observer?.sent(reply!.envelope);
        return { ...this.render(reply!), session: sessionId };
      }
    }
    try {
      let result: ExchangeResult | null;
      try {
        result = await this.o.store.transaction((tx) => this.exchange(tx, x, envelopes, sessionId, now, cached));
      } catch (err) {
        // From the cache, anything going wrong (the session moved on, or the device was deleted under
        // it) is settled by the store's own copy.
        if (cached === undefined || err instanceof Refusal) throw err;
        if (!(err instanceof StaleSession)) this.o.log.debug({ session: sessionId, err: (err as Error).message }, "exchange from the cached session failed; from the store");
        result = await this.o.store.transaction((tx) => this.exchange(tx, x, envelopes, sessionId, now, undefined));
      }
      if (result === null) return this.withoutSession(envelopes[0], x);
      if (result.saved !== null) this.cache.put(sessionId, { deviceId: result.deviceId, version: result.saved.version, expiresAt: result.saved.expiresAt, state: result.saved.state });
      this.publish(result.applied);
      this.o.observer?.received(envelopes);
      this.o.observer?.sent(result.outcome.reply.envelope);
      if (result.outcome.reply.ended) this.o.log.debug({ deviceId: result.deviceId, session: sessionId }, "session ended");
      return { ...this.render(result.outcome.reply), session: result.outcome.reply.ended ? null : sessionId };
    } catch (err) {
      if (err instanceof Refusal) return { ...err.reply, session: sessionId };
      throw err;
    }
  }

  /** One exchange of a session in a transaction, from the cached session when this process has it. */
  private async exchange(tx: StoreTx, x: Exchange, envelopes: CwmpEnvelope[], sessionId: string, now: Date, cached: CachedSession | undefined): Promise<ExchangeResult | null> {
    const rec = cached ?? (await tx.sessions.get(sessionId));
    if (rec === null || rec.expiresAt.getTime() <= now.getTime()) {
      return null;
    }
    const session = this.restore(rec.state);
    const ctx = this.applyContext(tx, rec.deviceId, now, x);
    // What the CPE sent is recorded before planning, so that planning sees it.
    const consumed = session.consume(envelopes, now);
    const events = await applyEffects(consumed.effects, ctx);
    let outcome: Outcome;
    if (consumed.reply !== null) {
      outcome = { reply: consumed.reply, effects: consumed.effects };
    } else {
      const tasks = await this.runnable(tx, rec.deviceId, now);
      const step = this.o.provisioning !== undefined ? await this.o.provisioning.plan(tx, session, now, tasks) : session.plan(now, { tasks });
      if (step.kind !== "reply") throw new Error("internal: planning without provisioning asked for data");
      events.push(...(await applyEffects(step.effects, ctx)));
      outcome = { reply: step.reply, effects: [...consumed.effects, ...step.effects] };
    }
    const applied = await recordEvents(tx, events);
    let saved: SessionRecord | null = null;
    if (outcome.reply.ended) {
      // From the cache, the end must find the version the cache had, or the exchange starts over.
      if (!(await tx.sessions.end(sessionId, cached?.version)) && cached !== undefined) throw new StaleSession();
    } else {
      saved = await tx.sessions.save(sessionId, rec.version, this.stored(session), this.expiry(now));
      if (saved === null) {
        if (cached !== undefined) throw new StaleSession();
        throw new Refusal({ status: 503, headers: { "Retry-After": String(this.o.retryAfterSeconds), "Content-Type": "text/plain" }, body: "session changed concurrently\n" });
      }
    }
    return { applied, outcome, deviceId: rec.deviceId, saved };
  }

  private applyContext(tx: StoreTx, deviceId: string, now: Date, x: Exchange) {
    return { tx, deviceId, now, address: x.remoteAddress, policy: this.o.taskPolicy, ...(this.o.credentials === undefined ? {} : { credentials: this.o.credentials }) };
  }

  private async runnable(tx: StoreTx, deviceId: string, now: Date): Promise<TaskInput[]> {
    const args = this.o.taskArgs ?? ((t: TaskRecord) => t.args);
    return (await tx.tasks.runnable(deviceId, now)).map((t) => {
      try {
        return { id: t.id, name: t.name, args: args(t, now) };
      } catch (err) {
        // One task's arguments that cannot be sent fail that task, not the session.
        if (err instanceof TaskArgumentError) return { id: t.id, name: t.name, args: t.args, argsError: err.message };
        throw err;
      }
    });
  }

  /** Whether shared credentials may take in a device that has its own: a factory-reset one, when allowed. */
  private reclaims(credentialDevice: string | null, envelope: CwmpEnvelope): boolean {
    if (this.o.bootstrapReclaim !== true || credentialDevice !== null) return false;
    const inform = envelope.body as Extract<CwmpEnvelope["body"], { method: "Inform" }>;
    return inform.event.some((e) => e.eventCode.trim() === "0 BOOTSTRAP");
  }

  /** A session's state as the store keeps it. */
  private stored(session: AcsSession): JsonValue {
    const state = session.snapshot();
    return this.o.secrets === undefined ? state : (sealSessionState(this.o.secrets, state as unknown as SessionState) as unknown as JsonValue);
  }

  /** A session taken up from a stored (or cached) state. */
  private restore(state: JsonValue): AcsSession {
    const s = state as unknown as SessionState | null;
    // Anything but a snapshot goes to AcsSession.restore as it is, to be refused there.
    const opened = this.o.secrets === undefined || s === null || typeof s !== "object" || s.v !== 1 ? state : (openSessionState(this.o.secrets, s) as unknown as JsonValue);
    return AcsSession.restore(opened, this.o.session);
  }

  private expiry(now: Date): Date {
    return new Date(now.getTime() + this.o.sessionTimeoutMs);
  }

  /** True: a verified certificate names this device; false: it names another; null: no certificate or no rule. */
  private clientCertFits(x: Exchange, envelope: CwmpEnvelope): boolean | null {
    if (x.clientCertCn === null || this.o.clientIdentity === "none") return null;
    const inform = envelope.body as Extract<CwmpEnvelope["body"], { method: "Inform" }>;
    const expected = this.o.clientIdentity === "serialNumber" ? inform.deviceId.serialNumber.trim() : AcsSession.deviceIdOf(inform);
    return x.clientCertCn === expected;
  }

  private render(reply: Outcome["reply"]): Omit<HttpReply, "session"> {
    if (reply.envelope === null) return { status: 204, headers: {}, body: "" };
    const isFault = reply.envelope.body?.method === "Fault";
    return { status: isFault ? 500 : 200, headers: XML, body: serializeEnvelope(reply.envelope) };
  }

  private publish(events: AcsEvent[]): void {
    for (const e of events) this.o.events.emit(e);
  }
}

function header(x: Exchange, name: string): string | undefined {
  return headerOf(x.headers, name);
}

function headerOf(headers: RequestHead["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
