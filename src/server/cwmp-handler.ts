// One HTTP exchange of the CWMP endpoint: authenticate, parse, run the session, apply its effects and
// save its state in one transaction, answer. Sockets stay in cwmp-server.ts; this file sees bytes.

import { RandomPool } from "../auth/index.js";
import { charsetFromContentType, cwmpFault, CwmpRemoteError, parseCwmp, serializeEnvelope, serializeMustUnderstandFault, type CwmpEnvelope, type Inform, type ParseResult } from "../cwmp/index.js";
import { AcsSession, confirmation, confirmedOutcome, InformError, resumeIn, TaskArgumentError, unconfirmedIn, type Effect, type Outcome, type PlanStep, type SessionConfig, type SessionState, type TaskInput } from "../session/index.js";
import type { DeviceRecord, JsonValue, SessionRecord, Store, StoreTx, TaskRecord } from "../store/types.js";
import { isGroupAborted } from "../store/errors.js";
import type { AlarmService } from "./alarms.js";
import { applyEffects, PROVISION_FAULTS, startInformWrites, type ApplyContext, type TaskPolicy } from "./apply-effects.js";
import { CURRENT_ALARM_COUNT } from "../alarms/index.js";
import { DIAGNOSTICS_COMPLETE } from "./diagnostics.js";
import { CompatProfiles, DEFAULT_PROFILE, withConnection, type CompatProfile } from "./compat.js";
import { parseCookies, formatSetCookie } from "./cookies.js";
import { credentialFitsDevice, type AuthRequest, type AuthResult, type CpeAuthenticator } from "./cpe-auth.js";
import { recordEvents, type AcsEvent, type EventBus } from "./events.js";
import type { Logger } from "./logger.js";
import type { CredentialSyncOptions } from "./credential-sync.js";
import type { ProvisioningService } from "./provisioning.js";
import { SessionCache, StaleSession, type CachedSession } from "./session-cache.js";
import { ScriptsNeeded } from "./script-runs.js";
import type { SessionExchange, SessionLogHook, UspExchanged } from "./session-log.js";
import type { SecretBox } from "./secrets.js";
import { endAbandoned } from "./session-end.js";
import type { MetricRecorder } from "./metric-recorder.js";
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
  /** Whether a session's last request came on another connection of this process that is still open. */
  heldElsewhere?: (sessionId: string) => boolean;
  /** What the body was read under (CwmpHandler.limitsFor); without it, those of a request outside a session. */
  limits?: IntakeLimits;
  /** A bridged exchange (CwmpHandler.bridged): the device was authenticated by its MTP, and replies are not written as XML. */
  bridged?: { auth: Extract<AuthResult, { ok: true }>; messages?: readonly UspExchanged[] };
}

/** One step of a session whose device an MTP authenticated (the USP bridge, src/controller). */
export interface BridgedStep {
  /** null: `envelopes` is the Inform that starts a session. */
  sessionId: string | null;
  envelopes: CwmpEnvelope[];
  /** How the MTP authenticated the agent: the credential is checked against the device as a CWMP login's is. */
  auth: Extract<AuthResult, { ok: true }>;
  remoteAddress: string | null;
  /** The USP Msgs exchanged with the agent since the last step, for the session history. */
  messages?: readonly UspExchanged[];
}

export interface BridgedReply {
  /** The session to go on with; null once it ended (or was refused). */
  sessionId: string | null;
  envelope: CwmpEnvelope | null;
  /** Why the step was refused (what an HTTP CPE would read in a 4xx/5xx body); undefined when it was not. */
  refused?: string;
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
  /** The envelope answered, unwritten (bridged exchanges read it instead of the body). */
  envelope?: CwmpEnvelope | null;
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
  /** Records what devices report as samples of the metrics defined for them (metric-recorder.ts). */
  metrics?: MetricRecorder;
  /** Alarm rules evaluated on what sessions record (alarms.ts). */
  alarms?: AlarmService;
  /**
   * A task's arguments as sent now (file-tasks.ts: the file server's URLs made again with a fresh expiry;
   * task-secrets.ts: secrets opened). May throw TaskArgumentError, which fails that task.
   */
  taskArgs?: (task: TaskRecord, now: Date) => JsonValue;
  /** Seals the secrets of session states on their way to the store (session-secrets.ts); without it they are stored as they are. */
  secrets?: SecretBox;
  /** cwmp.bootstrapReclaim: a device with credentials of its own may come back from a factory reset with the bootstrap ones. */
  bootstrapReclaim?: boolean;
  /** cwmp.compatProfiles: how replies are written for picky devices; without it, every device gets the default. */
  compat?: CompatProfiles;
  /** Told of every exchange of a session, for its log line (session-log.ts). */
  sessionLog?: SessionLogHook;
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
  /** The session's compatibility profile. */
  compat: string | undefined;
}

/** Thrown inside a transaction to roll it back and answer with an HTTP status. */
class Refusal extends Error {
  /** `logLevel`: of the "session refused" line; debug for refusals logged where they were decided. */
  constructor(readonly reply: Omit<HttpReply, "session">, readonly logLevel: "debug" | "info" | "warn" = "warn") {
    super("refused");
  }
}

const XML = { "Content-Type": 'text/xml; charset="utf-8"' };


/** A session row's write that is its transaction's last statement (SessionWriteOptions). */
const LAST = { last: true } as const;

/** Events of an Inform after which the CPE cannot still be in an earlier session. */
const BOOT_EVENTS = new Set(["0 BOOTSTRAP", "1 BOOT"]);

/** A 401 with the authentication challenges to answer. */
function unauthorized(challenges: string[], body = "authentication required\n"): Omit<HttpReply, "session"> {
  return { status: 401, headers: { "WWW-Authenticate": challenges, "Content-Type": "text/plain" }, body };
}

export class CwmpHandler {
  private readonly clock: () => Date;
  private readonly newSessionId: () => string;
  private readonly cache = new SessionCache();
  private readonly compat: CompatProfiles;

  constructor(private readonly o: HandlerOptions) {
    this.clock = o.clock ?? (() => new Date());
    const random = new RandomPool();
    this.newSessionId = o.newSessionId ?? (() => random.take(18).toString("base64url"));
    this.compat = o.compat ?? new CompatProfiles([]);
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
      // challenged before its body is parsed: nobody unauthenticated makes the ACS read XML. With
      // compatibility profiles, the challenge is a picky device's first reply, so its Inform is read for
      // its profile (a request with wrong credentials is read too, to know its device).
      const auth = await this.o.auth.authenticate({ authorization: undefined, method: x.method, url: x.url, secure: x.secure, now: now.getTime() });
      if (!auth.ok) {
        const refused = { ...this.refused(x, auth), session: null };
        // A login refused for too many failures is not worth reading a body for.
        return auth.status === 503 ? refused : withConnection(refused, this.compat.forBody(x.body, header(x, "content-type"), this.o.maxBodyBytes, now));
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
    if (first?.body?.method === "Inform") {
      const profile = this.compat.forInform(first, now);
      return withConnection(await this.startSession(x, first, sessionId, now, profile, parsed.lossy === true, limits), profile);
    }
    if (sessionId === null) {
      // An empty POST with no session at all: HTTP clients that probe for the auth challenge with an
      // empty body (curl does) must get the challenge, not a silent 204.
      if (first === undefined) {
        const auth = await this.o.auth.authenticate({ authorization: header(x, "authorization"), method: x.method, url: x.url, secure: x.secure, now: now.getTime(), address: x.remoteAddress });
        if (!auth.ok) return { ...this.refused(x, auth), session: null };
      }
      return this.withoutSession(first, x);
    }
    return this.continueSession(x, envelopes, sessionId, now);
  }

  /**
   * One step of a bridged session: envelopes already parsed, for a device its MTP already authenticated.
   * The same session engine, transactions and effects as handle(), without HTTP or XML.
   */
  async bridged(step: BridgedStep): Promise<BridgedReply> {
    const now = this.clock();
    const x: Exchange = {
      method: "POST", url: "", headers: {}, body: Buffer.alloc(0), remoteAddress: step.remoteAddress, secure: true,
      connectionSession: step.sessionId, clientCertCn: null, bridged: { auth: step.auth, ...(step.messages === undefined ? {} : { messages: step.messages }) },
    };
    const first = step.envelopes[0];
    let reply: HttpReply;
    if (first?.body?.method === "Inform") {
      reply = await this.startSession(x, first, step.sessionId, now, DEFAULT_PROFILE, false, intakeLimits(this.o.informLimits, this.o.maxBodyBytes, false, this.o.bootstrapUsername, undefined));
    } else if (step.sessionId === null) {
      reply = this.withoutSession(first, x);
    } else {
      reply = await this.continueSession(x, step.envelopes, step.sessionId, now);
    }
    const envelope = reply.envelope ?? null;
    const refused = envelope === null && reply.status >= 400 ? String(reply.body).trim() : undefined;
    return { sessionId: reply.session, envelope, ...(refused === undefined ? {} : { refused }) };
  }

  /** Logs and answers a request that did not authenticate. */
  private refused(x: Exchange, auth: Extract<AuthResult, { ok: false }>): Omit<HttpReply, "session"> {
    if (auth.status === 503) {
      this.o.log.warn({ address: x.remoteAddress, username: auth.username, reason: auth.reason }, "CPE login refused without checking it");
      return { status: 503, headers: { "Retry-After": String(auth.retryAfterSeconds), "Content-Type": "text/plain" }, body: "too many failed logins; retry later\n" };
    }
    if (auth.reason === "no credentials") {
      // How every Digest exchange starts, not a failure: "authentication failed" is kept for wrong
      // credentials, as the docs tell operators.
      this.o.log.debug({ address: x.remoteAddress }, "CPE challenged for credentials");
    } else {
      this.o.log.warn({ address: x.remoteAddress, username: auth.username, reason: auth.reason }, "CPE authentication failed");
    }
    return unauthorized(auth.challenges);
  }

  /** Only an Inform starts a session; an empty POST after a session is answered as ended (some CPEs send one more). */
  private withoutSession(first: CwmpEnvelope | undefined, x: Exchange): HttpReply {
    if (first === undefined) return { status: 204, headers: {}, body: "", session: null };
    const fault = cwmpFault(8003, "A CWMP session must start with an Inform");
    const envelope: CwmpEnvelope = { ns: first.ns, header: first.header.id === undefined ? {} : { id: first.header.id }, body: fault };
    this.o.log.warn({ address: x.remoteAddress, method: first.body?.method ?? "empty" }, "message outside a session");
    return { status: 500, headers: XML, body: serializeEnvelope(envelope), session: null };
  }

  private async startSession(x: Exchange, envelope: CwmpEnvelope, previous: string | null, now: Date, profile: CompatProfile, lossy: boolean, limits: IntakeLimits): Promise<HttpReply> {
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
    const login: AuthRequest = { authorization: header(x, "authorization"), method: x.method, url: x.url, secure: x.secure, now: now.getTime(), address: x.remoteAddress, ...(typeof claimed === "string" ? { deviceId: claimed } : {}) };
    const certOk = this.clientCertFits(x, envelope);
    // On PostgreSQL a login whose credentials must be read is checked in the session's transaction, where
    // the read travels with the exchange's first statements (a round trip less); a refusal rolls back
    // what they did. SQLite answers in its own process, a read costs it no round trip, and its
    // transactions run one after the other: there the read stays before the transaction (measured: the
    // sessions benchmark lost about a tenth). The rest (no credentials, too many failures, a certificate,
    // a bridged login, an Inform that names no device) is settled here, without a transaction.
    const checkedInTx = this.o.store.backend === "postgres" && x.bridged === undefined && typeof claimed === "string" && certOk === null
      && this.o.auth.readsCredentials(login);
    const settled = x.bridged?.auth ?? (checkedInTx ? null : await this.o.auth.authenticate(login));
    await this.o.provisioning?.refresh(now.getTime());
    if (certOk === false) {
      this.o.log.warn({ address: x.remoteAddress, cn: x.clientCertCn }, "client certificate does not match the device");
      return { status: 403, headers: { "Content-Type": "text/plain" }, body: "client certificate does not match this device\n", session: null };
    }
    if (settled !== null && !settled.ok && certOk !== true) return { ...this.refused(x, settled), session: null };
    if (claimed instanceof InformError) {
      const faulted: CwmpEnvelope = { ns: envelope.ns, header: envelope.header.id === undefined ? {} : { id: envelope.header.id }, body: claimed.fault };
      return { status: 500, headers: XML, body: x.bridged === undefined ? serializeEnvelope(faulted, profile.serialize) : "", session: null, envelope: faulted };
    }
    const deviceId = claimed;
    const sessionId = this.newSessionId();
    let reclaimed = false;
    try {
      const informTx = async (tx: StoreTx) => {
        // What the exchange reads first does not depend on itself: asked for together, the statements
        // travel to PostgreSQL together (one round trip on a pipelined connection).
        const authed = settled !== null ? Promise.resolve(settled) : this.o.auth.authenticate({ ...login, credentials: tx.credentials });
        authed.catch(() => undefined);
        const reloaded = this.o.provisioning?.reloadIn(tx);
        reloaded?.catch(() => undefined);
        const reads = Promise.all([
          tx.sessions.ofDevice(deviceId),
          tx.tasks.atInform(deviceId, now),
          // Whether the session's clean provisioning must look for faults to clear at its end.
          this.o.provisioning === undefined ? undefined : tx.faults.anyOnChannels(deviceId, PROVISION_FAULTS),
        ]);
        // So do the Inform's own writes (the device's record, the values it reported), which depend on
        // none of those reads; a refusal below rolls them back with the rest.
        let device: DeviceRecord | undefined;
        let queued = false;
        const ctx: ApplyContext = { ...this.applyContext(tx, deviceId, now, x), informed: (d) => (device = d), taskQueued: () => (queued = true) };
        const informInEnvelope = AcsSession.informEffects(envelope);
        const informWrites = startInformWrites(informInEnvelope, ctx);
        const auth = await authed;
        if (!auth.ok && certOk !== true) throw new Refusal(this.refused(x, auth), "debug");
        const [old, tasksFirst, earlierFaults] = await reads;
        // Shared credentials for a device that has none of its own: its bootstrap is not finished.
        let bootstrapLogin = false;
        if (auth.ok && auth.credential !== null) {
          // Whether the device has credentials of its own matters only for shared (bootstrap) ones.
          const own = auth.credential.deviceId === null && (auth.deviceHasOwn ?? (await tx.credentials.forDevice(deviceId)).length > 0);
          bootstrapLogin = auth.credential.deviceId === null && !own;
          if (!credentialFitsDevice(auth.credential, deviceId, own)) {
            if (!this.reclaims(auth.credential.deviceId, envelope)) {
              throw new Refusal(unauthorized(this.o.auth.challenges({ authorization: undefined, method: x.method, url: x.url, secure: x.secure, now: now.getTime() }), "these credentials do not belong to this device\n"));
            }
            // A factory reset: the device forgot its credentials; the ACS forgets them too, so that the
            // bootstrap provisioning gives it new ones.
            for (const c of await tx.credentials.forDevice(deviceId)) await tx.credentials.delete(c.username);
            reclaimed = bootstrapLogin = true;
          }
        }
        // The session this Inform ends is settled, so that the tasks read next count its attempt. What
        // settling it writes to the device's values came after the Inform's values it was written with:
        // they are written again over it (rare: a session that broke off).
        const inform = envelope.body as Inform;
        const ended = await this.endOld(tx, deviceId, previous, inform, x, now, old);
        const reported = informWrites?.values;
        if (old !== null && reported != null) await tx.parameters.setValues(deviceId, await reported, now);
        // Tasks whose write was in flight when an earlier session broke off, and that this Inform shows
        // took effect, are settled rather than sent again (confirmedOutcome): pending ones, and those that
        // failed since the device last informed (housekeeping ran out their attempts as it ended the session).
        // With no earlier session to end, the tasks read with the session row are still current.
        const atInform = old === null ? tasksFirst : await tx.tasks.atInform(deviceId, now);
        const runnable = this.inputs(atInform.runnable, now);
        const confirmed = confirmedBy([...runnable, ...this.inputs(atInform.failedSinceInform, now)], inform);
        const tasks = confirmed.taskIds.size === 0 ? runnable : runnable.filter((t) => !confirmed.taskIds.has(t.id));
        const started = AcsSession.start(sessionId, envelope, now, tasks, this.o.session);
        if (profile !== DEFAULT_PROFILE) started.session.useCompat(profile.name);
        // The Inform is recorded first (its writes issued above), so that presets are matched against what
        // it reported; a refusal below rolls all of it back.
        const effects = await applyEffects([...started.effects, ...confirmed.effects], ctx, informWrites);
        // Nothing below reads the outbox: its append travels with the session row's (awaited there; a
        // failure until then is not an unhandled rejection).
        const recorded = recordEvents(tx, [...ended, ...effects]);
        recorded.catch(() => undefined);
        if (this.o.provisioning !== undefined) {
          started.session.useProvisions(await this.o.provisioning.select(tx, deviceId, inform.event.map((e) => e.eventCode), now, device, bootstrapLogin, reloaded), earlierFaults);
        }
        // 8 DIAGNOSTICS COMPLETE queued the reads of the device's diagnostics (diagnostics.ts) with the
        // Inform, and alarms may have queued the read of its FaultMgmt table: they are this session's work too.
        const diagnosticsDone = inform.event.some((e) => e.eventCode.trim() === DIAGNOSTICS_COMPLETE);
        await this.planAhead(tx, started.session, now, diagnosticsDone || queued ? await this.runnable(tx, deviceId, now) : tasks);
        // The Digest nonce's use goes with the transaction's last statements: a count that does not grow
        // fails the transaction in the database.
        const digestUse = auth.ok ? auth.digestUse : undefined;
        const fresh = digestUse === undefined ? Promise.resolve(true) : tx.digestNonces.use(digestUse.nonce, digestUse.nc, digestUse.expiresAt, { failsTransaction: true });
        fresh.catch(() => undefined);
        // The transaction's last statement (COMMIT travels with it): a lock not taken fails it in the database.
        const last = Promise.all([recorded, tx.sessions.acquire(deviceId, sessionId, this.stored(started.session), this.expiry(now), LAST)]);
        last.catch(() => undefined);
        if (!(await fresh)) {
          // A replay, or a CPE that sends its last session's Authorization again: either way a fresh
          // nonce (stale=true: the credentials were right), which a real CPE answers at once.
          const stale = this.o.auth.challenges({ authorization: undefined, method: x.method, url: x.url, secure: x.secure, now: now.getTime() }, true);
          throw new Refusal(unauthorized(stale, "these Digest credentials were used already (nonce count not increasing)\n"), "info");
        }
        const [applied, lock] = await last;
        if (lock === null) {
          throw new Refusal(this.busy("this device already has a session in progress\n"));
        }
        return { applied, reply: started.reply, lock, auth };
      };
      // The Inform's transaction may share its database transaction with other exchanges'
      // (dbGroupSessions). What it changes outside the store before it commits is the same when it runs
      // again (presets reloaded, scripts started ahead, whose results are kept): if another of its group failed,
      // it runs again on its own.
      const events = await this.o.store.transaction(informTx, { group: true }).catch((err: unknown) => {
        if (!isGroupAborted(err)) throw err;
        return this.o.store.transaction(informTx);
      });
      const { auth } = events;
      if (auth.ok && auth.digestUse !== undefined && auth.username !== null) {
        this.o.auth.loggedIn(x.remoteAddress, auth.username, now.getTime());
        if (auth.digestUse.nc === 0) this.o.log.debug({ deviceId, address: x.remoteAddress }, "RFC 2069 Digest (no qop) accepted: its nonce is used once only");
      }
      if (reclaimed) this.o.log.warn({ deviceId, address: x.remoteAddress }, "device back with the bootstrap credentials and 0 BOOTSTRAP (a factory reset): its own credentials are forgotten (cwmp.bootstrapReclaim)");
      this.cache.put(sessionId, { deviceId, version: events.lock.version, expiresAt: events.lock.expiresAt, state: events.lock.state }, now);
      const rendered = this.render(events.reply, profile, x);
      this.o.sessionLog?.exchange({ session: sessionId, deviceId, received: [envelope], sent: events.reply.envelope, events: events.applied, at: now, ...this.bodies(x, rendered) });
      this.publish(events.applied);
      this.o.observer?.received([envelope]);
      this.o.observer?.sessionStarted();
      this.o.observer?.sent(events.reply.envelope);
      this.o.log.debug({ deviceId, session: sessionId, ...(profile === DEFAULT_PROFILE ? {} : { compat: profile.name }) }, "session started");
      const cookie = formatSetCookie({ name: this.o.cookieName, value: sessionId, path: "/", httpOnly: true });
      return { ...rendered, headers: { ...XML, "Set-Cookie": cookie }, session: sessionId };
    } catch (err) {
      if (err instanceof Refusal) {
        this.o.log[err.logLevel]({ deviceId, address: x.remoteAddress, status: err.reply.status, reason: String(err.reply.body).trim() }, "session refused");
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
    let step: PlanStep | null;
    try {
      step = this.o.provisioning !== undefined ? await this.o.provisioning.plan(tx, copy, now, tasks, true) : copy.plan(now, { tasks });
    } catch (err) {
      if (!(err instanceof ScriptsNeeded)) throw err;
      // No plan ahead; the scripts start now, outside the transaction, for the exchange that follows.
      this.o.provisioning!.runScripts(err).catch((e: unknown) => this.o.log.error({ deviceId: session.deviceId, err: (e as Error).message }, "provisioning script run failed"));
      return;
    }
    if (step !== null) session.keepAhead(copy, step);
  }

  /**
   * Ends the device's session before this Inform, settled (session-end.ts): it lapsed, or the new Inform
   * says the CPE is done with it (it rebooted, crashed or gave up: a CPE keeps one session at a time).
   * Only a concurrent duplicate is refused: the old session's CPE still holds its connection to this
   * process, the ACS is not done with that session, and the new Inform reports no boot.
   */
  private async endOld(tx: StoreTx, deviceId: string, previous: string | null, inform: Inform, x: Exchange, now: Date, first: SessionRecord | null): Promise<AcsEvent[]> {
    if (previous !== null) this.cache.drop(previous);
    // A session that changed meanwhile (it went on, or another process ended it) is looked at again.
    for (let tries = 0; tries < 3; tries++) {
      const old = tries === 0 ? first : await tx.sessions.ofDevice(deviceId);
      if (old === null) return [];
      const lapsed = old.expiresAt.getTime() <= now.getTime();
      if (!lapsed && old.id !== previous && this.duplicate(old, inform, x)) throw new Refusal(this.busy("this device already has a session in progress\n"));
      this.cache.drop(old.id);
      const ended = await endAbandoned(tx, old, lapsed ? "timeout" : "replaced", now, { session: this.o.session, policy: this.o.taskPolicy, log: this.o.log }, inform);
      if (ended !== null) return ended;
    }
    return [];
  }

  /** Whether a live session's device informs again from a second connection while the first is mid-exchange. */
  private duplicate(old: SessionRecord, inform: Inform, x: Exchange): boolean {
    if (x.heldElsewhere?.(old.id) !== true) return false;
    // A device that booted has no connection left, whatever this side of the old one still says.
    if (inform.event.some((e) => BOOT_EVENTS.has(e.eventCode.trim()))) return false;
    try {
      return !AcsSession.restore(old.state, this.o.session).lingering;
    } catch (err) {
      if (err instanceof TypeError) return false;
      throw err;
    }
  }

  private busy(body: string): Omit<HttpReply, "session"> {
    return { status: 503, headers: { "Retry-After": String(this.o.retryAfterSeconds), "Content-Type": "text/plain" }, body };
  }

  private async continueSession(x: Exchange, envelopes: CwmpEnvelope[], sessionId: string, now: Date): Promise<HttpReply> {
    const cached = this.cache.take(sessionId, now);
    if (cached !== undefined && envelopes.length === 0) {
      const session = this.restore(cached.state);
      const profile = this.compat.named(session.compat);
      if (session.hasAhead) {
        // The RPC planned with the Inform: nothing to record. The store keeps the state from before it,
        // which leads to the same place whatever the CPE sends next (AcsSession.consume); only this
        // process's copy moves on, so that a second empty POST ends the session as it should.
        const { reply } = session.consume([], now);
        this.cache.put(sessionId, { ...cached, state: session.snapshot() as never }, now);
        const rendered = this.render(reply!, profile, x);
        this.o.sessionLog?.exchange({ session: sessionId, deviceId: cached.deviceId, received: envelopes, sent: reply!.envelope, events: [], at: now, ...this.bodies(x, rendered) });
        this.o.observer?.received(envelopes);
        this.o.observer?.sent(reply!.envelope);
        return withConnection({ ...rendered, session: sessionId }, profile);
      }
    }
    try {
      let result: ExchangeResult | null;
      const fromStore = () => this.transaction((tx) => this.exchange(tx, x, envelopes, sessionId, now, undefined));
      try {
        // From the cache, the exchange may share its database transaction with others (dbGroupSessions):
        // if another of them fails, this one runs again from the store, below, as when the cache is stale.
        result = await this.o.store.transaction((tx) => this.exchange(tx, x, envelopes, sessionId, now, cached), { group: cached !== undefined });
      } catch (err) {
        if (err instanceof Refusal) throw err;
        if (err instanceof ScriptsNeeded) {
          // Scripts run with no transaction open; the exchange then starts again from the store, since
          // the rolled-back attempt may have moved the cached copy on.
          await this.o.provisioning!.runScripts(err);
        } else {
          // From the cache, anything going wrong (the session moved on, or the device was deleted under
          // it) is settled by the store's own copy.
          if (cached === undefined) throw err;
          if (!(err instanceof StaleSession)) this.o.log.debug({ session: sessionId, err: (err as Error).message }, "exchange from the cached session failed; from the store");
        }
        result = await fromStore();
      }
      if (result === null) return this.withoutSession(envelopes[0], x);
      if (result.saved !== null) this.cache.put(sessionId, { deviceId: result.deviceId, version: result.saved.version, expiresAt: result.saved.expiresAt, state: result.saved.state }, now);
      const profile = this.compat.named(result.compat);
      const rendered = this.render(result.outcome.reply, profile, x);
      this.o.sessionLog?.exchange({ session: sessionId, deviceId: result.deviceId, received: envelopes, sent: result.outcome.reply.envelope, events: result.applied, at: now, ...this.bodies(x, rendered) });
      this.publish(result.applied);
      this.o.observer?.received(envelopes);
      this.o.observer?.sent(result.outcome.reply.envelope);
      if (result.outcome.reply.ended) this.o.log.debug({ deviceId: result.deviceId, session: sessionId }, "session ended");
      return withConnection({ ...rendered, session: result.outcome.reply.ended ? null : sessionId }, profile);
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
    // What only records values (a provisioning read's response) changes no task: the tasks to plan with
    // are read now, in the round trip of those writes.
    const tasksAhead = consumed.reply === null && consumed.effects.every(recordsValuesOnly) ? this.runnable(tx, rec.deviceId, now) : null;
    tasksAhead?.catch(() => undefined);
    const events = await applyEffects(consumed.effects, ctx);
    let outcome: Outcome;
    if (consumed.reply !== null) {
      outcome = { reply: consumed.reply, effects: consumed.effects };
    } else {
      const tasks = await (tasksAhead ?? this.runnable(tx, rec.deviceId, now));
      const step = this.o.provisioning !== undefined ? await this.o.provisioning.plan(tx, session, now, tasks) : session.plan(now, { tasks });
      if (step.kind !== "reply") throw new Error("internal: planning without provisioning asked for data");
      events.push(...(await applyEffects(step.effects, ctx)));
      outcome = { reply: step.reply, effects: [...consumed.effects, ...step.effects] };
    }
    // The outbox's append and the session row's write travel together, with COMMIT: the write is the
    // transaction's last statement, and one that finds the session moved on fails it in the database.
    const recorded = recordEvents(tx, events);
    recorded.catch(() => undefined);
    let saved: SessionRecord | null = null;
    if (outcome.reply.ended) {
      // From the cache, the end must find the version the cache had, or the exchange starts over.
      const [, ended] = await Promise.all([recorded, tx.sessions.end(sessionId, cached?.version, LAST)]);
      if (!ended && cached !== undefined) throw new StaleSession();
    } else {
      [, saved] = await Promise.all([recorded, tx.sessions.save(sessionId, rec.version, this.stored(session), this.expiry(now), LAST)]);
      if (saved === null) {
        if (cached !== undefined) throw new StaleSession();
        throw new Refusal(this.busy("session changed concurrently\n"));
      }
    }
    return { applied: await recorded, outcome, deviceId: rec.deviceId, saved, compat: session.compat };
  }

  /** A transaction whose provisioning may roll it back to run scripts outside it (ProvisioningService.transaction). */
  private transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.o.provisioning !== undefined ? this.o.provisioning.transaction(fn) : this.o.store.transaction(fn);
  }

  private applyContext(tx: StoreTx, deviceId: string, now: Date, x: Exchange) {
    return {
      tx, deviceId, now, address: x.remoteAddress, policy: this.o.taskPolicy,
      ...(this.o.credentials === undefined ? {} : { credentials: this.o.credentials }),
      ...(this.o.metrics === undefined ? {} : { metrics: this.o.metrics }),
      ...(this.o.alarms === undefined ? {} : { alarms: this.o.alarms }),
    };
  }

  private async runnable(tx: StoreTx, deviceId: string, now: Date): Promise<TaskInput[]> {
    return this.inputs(await tx.tasks.runnable(deviceId, now), now);
  }

  private inputs(records: TaskRecord[], now: Date): TaskInput[] {
    const args = this.o.taskArgs ?? ((t: TaskRecord) => t.args);
    return records.map((t) => {
      const unconfirmed = unconfirmedIn(t.lastFault?.detail);
      const resume = resumeIn(t.lastFault?.detail);
      try {
        return { id: t.id, name: t.name, args: args(t, now), ...(unconfirmed === null ? {} : { unconfirmed }), ...(resume === undefined ? {} : { resume }) };
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

  private render(reply: Outcome["reply"], profile: CompatProfile, x: Exchange): Omit<HttpReply, "session"> {
    if (reply.envelope === null) return { status: 204, headers: {}, body: "", envelope: null };
    const isFault = reply.envelope.body?.method === "Fault";
    // A bridged exchange reads the envelope: XML would be written for nobody.
    const body = x.bridged === undefined ? serializeEnvelope(reply.envelope, profile.serialize) : "";
    return { status: isFault ? 500 : 200, headers: XML, body, envelope: reply.envelope };
  }

  /** What the session history keeps: the bodies, or for a bridged exchange (none) the USP Msgs that carried it. */
  private bodies(x: Exchange, rendered: Omit<HttpReply, "session">): Pick<SessionExchange, "receivedBody" | "sentBody" | "uspMessages"> {
    if (x.bridged === undefined) return { receivedBody: x.body, sentBody: rendered.body };
    return x.bridged.messages === undefined ? {} : { uspMessages: x.bridged.messages };
  }

  private publish(events: AcsEvent[]): void {
    for (const e of events) this.o.events.emit(e);
  }
}

/**
 * Whether applying `e` leaves the device's tasks as they were: values, names and attributes recorded,
 * but not the FaultMgmt count, whose change may queue the read of the table (alarm-faultmgmt.ts).
 */
function recordsValuesOnly(e: Effect): boolean {
  if (e.type === "setValues") return !e.values.some((v) => v.path === CURRENT_ALARM_COUNT);
  return e.type === "setNames" || e.type === "setAttributes";
}

/** What settles the tasks whose last fault left a write unconfirmed that `inform` confirms. */
function confirmedBy(tasks: TaskInput[], inform: Inform): { effects: Effect[]; taskIds: Set<string> } {
  const effects: Effect[] = [];
  const taskIds = new Set<string>();
  for (const t of tasks) {
    const how = t.unconfirmed === undefined ? null : confirmation(t.unconfirmed, inform);
    if (how === null) continue;
    const settled = confirmedOutcome(t, t.unconfirmed!, how, t.resume);
    // Arguments that did not open (a sealed secret) cannot say what was set: the task settles all the same.
    effects.push(...(t.argsError === undefined ? settled : settled.filter((e) => e.type !== "setValues")));
    taskIds.add(t.id);
  }
  return { effects, taskIds };
}

function header(x: Exchange, name: string): string | undefined {
  return headerOf(x.headers, name);
}

function headerOf(headers: RequestHead["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
