// The ACS side of one CWMP session, sans I/O: parsed envelopes and the time go in, the reply and
// effects come out. Its whole state is a JSON snapshot, so any ACS process can carry a session on.

import { cwmpFault, type CwmpEnvelope, type CwmpMessage, type Fault, type Inform } from "../cwmp/index.js";
import { confirmation, confirmedOutcome, parameterKeyOf, unconfirmedOf, type Unconfirmed } from "./confirm.js";
import { answerCpeRequest, isCpeRequest } from "./cpe-requests.js";
import { DEVICE_ID_FIELD_LIMITS, deviceIdOf, overlongIdentityField } from "./device-id.js";
import type { Effect, SessionEndReason } from "./effects.js";
import type { JsonValue } from "./json.js";
import { DeviceData } from "../provisioning/data.js";
import type { Declaration } from "../provisioning/declarations.js";
import { applyFault as engineFault, applyResponse as engineResponse, newEngineState, plan as planProvisions, type EngineFault, type EngineState, type Intent, type Learned } from "../provisioning/engine.js";
import { handlerOf, plan, responseFor, settle, taskContext, type Origin, type PlanContext, type ReadyRpc, type TaskInput } from "./planner.js";
import { transitions, type Input, type Phase } from "./state-table.js";
import { faultStep } from "./tasks/handler.js";
import type { Step } from "./tasks/index.js";
import { negotiateVersion } from "./version.js";

export interface SessionConfig {
  /** Most names in one GetParameterValues. */
  gpvBatchSize: number;
  /** RPCs one session may send before it is stopped (guards against loops). */
  maxRpcs: number;
  /** Ask the CPE to hold its own requests while the ACS has work queued (TR-069 HoldRequests). */
  holdRequests: boolean;
}

export const defaultSessionConfig: SessionConfig = { gpvBatchSize: 32, maxRpcs: 256, holdRequests: false };

export interface SessionState {
  v: 1;
  id: string;
  deviceId: string;
  ns: CwmpEnvelope["ns"];
  cwmpVersion: string;
  rootObject: string | null;
  phase: Phase;
  startedAt: number;
  lastActivityAt: number;
  rpcCount: number;
  /** The RPC sent and not yet answered: for tasks (origins), or for provisions (intent). */
  pending: { id: string; request: CwmpMessage; origins: Origin[]; intent?: Intent } | null;
  /** Steps ready to send (continuations of tasks under way). */
  queued: ReadyRpc[];
  /** Tasks settled in this session: not started again in it. */
  settled: string[];
  /** The device's ParameterKey as last known (its Inform, then the writes it accepted); absent: unknown. */
  parameterKey?: string | null;
  /** HoldRequests is in force (the CPE holds its requests). */
  holding: boolean;
  /** The CPE said it has no more requests (an empty POST while not held). */
  cpeDone: boolean;
  /** The ACS sent its empty response; the session only waits for requests the CPE may have held. */
  acsDone: boolean;
  /** Provisioning's progress in this session; null when no provision applies. */
  provisioning: {
    engine: EngineState;
    done: boolean;
    faults: number;
    calls: ProvisionCallState[];
    /** False when the device had no provisioning fault on record as the session began; absent: it may have. */
    earlierFaults?: boolean;
  } | null;
  /**
   * The state once the ACS's first RPC is sent, planned while the Inform was handled for the empty POST
   * that almost always follows (see planAhead); the RPC is its `pending` request. Dropped when the CPE
   * sends a request first, since what that request records may change the plan.
   */
  ahead?: SessionState;
  /** The compatibility profile the edge writes this session's replies with (absent: the default). */
  compat?: string;
}

/** A provision chosen for this session, by the preset that chose it. */
export interface ProvisionCallState {
  name: string;
  args?: JsonValue;
  preset: string;
}

/** An HTTP answer: an envelope, or an empty body (HTTP 204) when `envelope` is null. */
export interface Reply {
  envelope: CwmpEnvelope | null;
  /** True when the session is over once this reply is sent. */
  ended: boolean;
}

export interface Outcome {
  reply: Reply;
  effects: Effect[];
}

/** What `plan` works from: the device's runnable tasks, and what provisions declare with the data they read. */
export interface PlanInput {
  tasks: TaskInput[];
  declarations?: readonly Declaration[];
  /** What the store knows of the device, as far as provisioning asked for it (see PlanStep "load"). */
  data?: DeviceData;
}

export type PlanStep =
  /** Provisioning needs what the store knows of these exact paths and subtrees: add it to `data` and plan again. */
  | { kind: "load"; paths: string[]; prefixes: string[]; effects: Effect[] }
  | { kind: "reply"; reply: Reply; effects: Effect[] };

export interface StartOptions {
  /** Provisions apply to this session: plan them before tasks. */
  provisions?: boolean;
}

export class InformError extends Error {
  readonly code = "CWMP_INFORM_INVALID";
  readonly fault: Fault;
  /** `faultCode`: 8003 Invalid arguments, or 8004 Resources exceeded for an Inform past the ACS's limits. */
  constructor(message: string, faultCode: 8003 | 8004 = 8003) {
    super(message);
    this.name = "InformError";
    this.fault = cwmpFault(faultCode, message);
  }
}

const FIELD_NAMES = { manufacturer: "Manufacturer", oui: "OUI", productClass: "ProductClass", serialNumber: "SerialNumber" } as const;

function rootObjectOf(inform: Inform): string | null {
  for (const p of inform.parameterList) {
    const dot = p.name.indexOf(".");
    if (dot > 0) return p.name.slice(0, dot + 1);
  }
  return null;
}

function asJson<T>(v: T): JsonValue {
  return v as unknown as JsonValue;
}

export class AcsSession {
  private s: SessionState;
  private readonly config: SessionConfig;

  private constructor(state: SessionState, config: SessionConfig) {
    this.s = state;
    this.config = config;
  }

  /**
   * The device id an Inform names, or an InformError when it names none, or one that is not to be
   * trusted: fields longer than TR-069 allows, or (`lossy`: the message had bytes invalid in its
   * charset) a field holding U+FFFD, where two different serial numbers could read the same.
   */
  static deviceIdOf(inform: Inform, options: { lossy?: boolean } = {}): string {
    const { oui, productClass, serialNumber } = inform.deviceId;
    if (oui.trim() === "" || serialNumber.trim() === "") {
      throw new InformError("Inform DeviceId must carry an OUI and a SerialNumber");
    }
    const long = overlongIdentityField(inform.deviceId);
    if (long !== undefined) {
      throw new InformError(`Inform DeviceId ${FIELD_NAMES[long.field]} has ${long.length} characters; TR-069 allows ${DEVICE_ID_FIELD_LIMITS[long.field]}`);
    }
    if (options.lossy === true && [oui, productClass, serialNumber].some((f) => f.includes("\uFFFD"))) {
      throw new InformError("Inform DeviceId holds bytes that are not valid in the message's charset; it cannot name a device");
    }
    return deviceIdOf(inform.deviceId);
  }

  /**
   * What an Inform records whatever the session makes of it (the first effects of start()): the device's
   * Inform, and the values it reported. They depend on the message alone, so that the edge may write
   * them while it reads what the session needs. Throws InformError as start() does.
   */
  static informEffects(envelope: CwmpEnvelope): Effect[] {
    const inform = envelope.body;
    if (inform === null || inform.method !== "Inform") throw new InformError("a session must start with an Inform");
    const deviceId = AcsSession.deviceIdOf(inform);
    const negotiated = negotiateVersion(envelope.ns, envelope.header.supportedCwmpVersions);
    const effects: Effect[] = [
      { type: "inform", deviceId, identity: inform.deviceId, events: inform.event, ns: envelope.ns, cwmpVersion: negotiated.version, retryCount: inform.retryCount },
    ];
    if (inform.parameterList.length > 0) {
      effects.push({ type: "setValues", values: inform.parameterList.map((p) => ({ path: p.name, value: p.value.text, type: p.value.type })) });
    }
    return effects;
  }

  /**
   * Starts a session on an Inform. `tasks` are the device's runnable tasks (used to decide whether to
   * hold the CPE's requests). Throws InformError when the Inform cannot start a session.
   */
  static start(sessionId: string, envelope: CwmpEnvelope, now: Date, tasks: TaskInput[], config: SessionConfig = defaultSessionConfig, options: StartOptions = {}): { session: AcsSession } & Outcome {
    const inform = envelope.body;
    if (inform === null || inform.method !== "Inform") throw new InformError("a session must start with an Inform");
    const deviceId = AcsSession.deviceIdOf(inform);
    const negotiated = negotiateVersion(envelope.ns, envelope.header.supportedCwmpVersions);
    const holding = config.holdRequests && (tasks.length > 0 || options.provisions === true);
    const state: SessionState = {
      v: 1,
      id: sessionId,
      deviceId,
      ns: envelope.ns,
      cwmpVersion: negotiated.version,
      rootObject: rootObjectOf(inform),
      phase: "cpeRequests",
      startedAt: now.getTime(),
      lastActivityAt: now.getTime(),
      rpcCount: 0,
      pending: null,
      queued: [],
      settled: [],
      parameterKey: parameterKeyOf(inform),
      holding,
      cpeDone: false,
      acsDone: false,
      provisioning: options.provisions === true ? { engine: newEngineState(), done: false, faults: 0, calls: [] } : null,
    };
    const session = new AcsSession(state, config);
    const effects = AcsSession.informEffects(envelope);
    const header: CwmpEnvelope["header"] = {};
    if (envelope.header.id !== undefined) header.id = envelope.header.id;
    if (holding) header.holdRequests = true;
    if (negotiated.useVersion !== undefined) header.useCwmpVersion = negotiated.useVersion;
    const reply: Reply = { envelope: { ns: envelope.ns, header, body: { method: "InformResponse", maxEnvelopes: 1 } }, ended: false };
    return { session, reply, effects };
  }

  static restore(state: JsonValue, config: SessionConfig = defaultSessionConfig): AcsSession {
    const s = state as unknown as SessionState;
    if (s === null || typeof s !== "object" || s.v !== 1) throw new TypeError("not a session snapshot");
    return new AcsSession(s, config);
  }

  get id(): string {
    return this.s.id;
  }

  /**
   * Applies these provisions in this session (chosen by the edge from the presets, once the Inform is
   * recorded). `earlierFaults`: whether the device has provisioning faults of earlier sessions on record
   * (that a clean run would clear); unknown when not given.
   */
  useProvisions(calls: readonly ProvisionCallState[], earlierFaults?: boolean): void {
    if (calls.length === 0) return;
    this.s.provisioning = { engine: newEngineState(), done: false, faults: 0, calls: [...calls], ...(earlierFaults === undefined ? {} : { earlierFaults }) };
  }

  /** Writes this session's replies with the named compatibility profile (the edge chose it from the Inform). */
  useCompat(name: string): void {
    this.s.compat = name;
  }

  get compat(): string | undefined {
    return this.s.compat;
  }

  /** The provisions of this session while they are still being applied; none once they converged. */
  get pendingProvisions(): readonly ProvisionCallState[] {
    const p = this.s.provisioning;
    return p === null || p.done ? [] : p.calls;
  }

  get rootObject(): string | null {
    return this.s.rootObject;
  }

  /** What provisioning gave up, listed and read as partial paths in this session (scripts of the GenieACS dialect see it). */
  get provisioningProgress(): { failed: readonly string[]; enumerated: readonly string[]; refreshed: readonly string[] } {
    const e = this.s.provisioning?.engine;
    return { failed: e?.failed ?? [], enumerated: e?.enumerated ?? [], refreshed: e?.refreshed ?? [] };
  }

  /** When the session started (its Inform), in ms since the epoch. */
  get startedAt(): number {
    return this.s.startedAt;
  }

  get deviceId(): string {
    return this.s.deviceId;
  }

  get phase(): Phase {
    return this.s.phase;
  }

  /**
   * True once the ACS has nothing more to send and only waits for requests the CPE may have held: a new
   * Inform from the device may then take the session over without waiting for it to time out.
   */
  get lingering(): boolean {
    return this.s.acsDone;
  }

  get lastActivityAt(): number {
    return this.s.lastActivityAt;
  }

  /**
   * A copy of this session that has received the CPE's empty POST, for planning the first RPC ahead of
   * it; null unless the session is right after its Inform. Planning reads the store and may need
   * several rounds (provisions), which the edge runs; keepAhead() then keeps the result.
   */
  planAhead(now: Date): AcsSession | null {
    if (this.s.phase !== "cpeRequests" || this.s.rpcCount > 0 || this.s.acsDone || this.s.ahead !== undefined) return null;
    // The state is JSON by design; a JSON round trip copies it faster than structuredClone.
    const copy = new AcsSession(JSON.parse(JSON.stringify(this.s)) as SessionState, this.config);
    copy.consume([], now);
    return copy;
  }

  /** Keeps what a copy from planAhead() planned: an RPC to send, that left nothing to record. */
  keepAhead(copy: AcsSession, step: PlanStep): boolean {
    if (step.kind !== "reply" || step.effects.length > 0 || step.reply.envelope === null || step.reply.ended || copy.s.pending === null) return false;
    this.s.ahead = copy.s;
    return true;
  }

  /** An RPC planned ahead waits for the CPE's empty POST. */
  get hasAhead(): boolean {
    return this.s.ahead !== undefined;
  }

  /** The session's state as JSON, to store between HTTP exchanges. */
  snapshot(): JsonValue {
    return asJson(this.s);
  }

  /**
   * Handles one HTTP POST of the session: its envelopes (none for an empty POST) and, for planning,
   * the device's runnable tasks at this moment. For sessions without provisions; with them, use
   * consume() then plan().
   */
  receive(envelopes: CwmpEnvelope[], now: Date, tasks: TaskInput[]): Outcome {
    const consumed = this.consume(envelopes, now);
    if (consumed.reply !== null) return { reply: consumed.reply, effects: consumed.effects };
    const step = this.plan(now, { tasks });
    if (step.kind === "load") throw new Error("internal: provisions need data; use consume() and plan()");
    return { reply: step.reply, effects: [...consumed.effects, ...step.effects] };
  }

  /**
   * First half of handling a POST: takes in what the CPE sent. When `reply` is null, the ACS's next
   * move is to be planned with plan() (after the effects are applied, so planning sees them).
   */
  consume(envelopes: CwmpEnvelope[], now: Date): { reply: Reply | null; effects: Effect[] } {
    const envelope = envelopes[0];
    const message = envelope?.body ?? null;
    const input = classify(message);
    const ahead = this.s.ahead;
    if (ahead !== undefined) {
      // The state before the RPC planned ahead is left as it was (the edge may still hold it as stored).
      if (input === "empty") {
        this.s = ahead;
        this.s.lastActivityAt = now.getTime();
        const { id, request } = ahead.pending!;
        return { reply: { envelope: { ns: ahead.ns, header: this.header(id), body: request }, ended: false }, effects: [] };
      }
      // A response can only answer the RPC planned ahead, which only an empty POST got.
      if (input === "response" || input === "fault") this.s = ahead;
      else delete this.s.ahead;
    }
    this.s.lastActivityAt = now.getTime();
    const action = transitions[this.s.phase][input];
    switch (action) {
      case "answerRequest":
        return this.answer(envelope!, message!);
      case "plan":
        if (!this.s.holding) this.s.cpeDone = true;
        return { reply: null, effects: [] };
      case "settleAndPlan":
        return this.settlePending(envelope!, message!, now);
      case "abandonAndEnd":
        return this.end("completed", this.abandonPending("session.no-response", "the CPE sent an empty POST instead of answering"));
      case "unexpectedAndEnd":
        return this.end("protocol-error", [
          { type: "sessionFault", code: "session.unexpected-message", message: `unexpected ${message === null ? "empty POST" : message.method} in phase ${this.s.phase}` },
        ]);
      case "restart":
        // The edge starts a new session for an Inform; reaching here means it did not.
        return this.end("replaced", this.abandonPending("session.replaced", "the CPE started a new session"));
    }
  }

  /**
   * Second half: the ACS's next RPC, or the end. Provisions come first, until they converge; then
   * tasks. Provisioning may ask for stored data first ("load"): add it to `input.data` and call again.
   */
  plan(now: Date, input: PlanInput): PlanStep {
    const effects: Effect[] = [];
    const prov = this.s.provisioning;
    if (prov !== null && !prov.done) {
      const step = planProvisions(input.declarations ?? [], input.data ?? new DeviceData(), prov.engine, {
        now: now.getTime(),
        sessionStart: this.s.startedAt,
        gpvBatchSize: this.config.gpvBatchSize,
        parameterKey: this.s.id.slice(0, 8),
        maxRpcs: this.config.maxRpcs,
      });
      effects.push(...this.provisionFaults(step.faults));
      if (step.plan.kind === "load") return { kind: "load", paths: step.plan.paths, prefixes: step.plan.prefixes, effects };
      if (step.plan.kind === "rpc") {
        if (this.s.rpcCount < this.config.maxRpcs) {
          const out = this.send({ request: step.plan.request, origins: [] }, effects, step.plan.intent);
          return { kind: "reply", ...out };
        }
        effects.push(...this.provisionFaults([{ code: "provision.loop", message: "the session reached its RPC limit" }]));
      }
      prov.done = true;
      effects.push({ type: "provisionsDone", faults: prov.faults, ...(prov.earlierFaults === undefined ? {} : { earlierFaults: prov.earlierFaults }) });
    }
    const out = this.planTasks(now, input.tasks, effects);
    return { kind: "reply", ...out };
  }

  private provisionFaults(faults: EngineFault[]): Effect[] {
    if (this.s.provisioning !== null) this.s.provisioning.faults += faults.length;
    return faults.map((f) => ({ type: "provisionFault", code: f.code, message: f.message, ...(f.path === undefined ? {} : { path: f.path }) }));
  }

  /** The CPE vanished: settle what was outstanding, retryable, and end. */
  timeout(): Effect[] {
    return this.abandon("timeout");
  }

  /**
   * The session will see no more of its CPE: it went silent ("timeout") or started a new session
   * ("replaced"). What was outstanding is settled, retryable, and the session ends.
   */
  abandon(reason: "timeout" | "replaced", next?: Inform): Effect[] {
    // An RPC planned ahead may have reached the CPE (its empty POST is answered without a write): it
    // counts as sent, so that a CPE that dies on it cannot loop on the task.
    if (this.s.ahead !== undefined) this.s = this.s.ahead;
    const faults = reason === "timeout" ? this.abandonPending("session.timeout", "the CPE stopped answering", next) : this.abandonPending("session.replaced", "the CPE started a new session", next);
    return this.end(reason, faults).effects;
  }

  private header(id?: string): CwmpEnvelope["header"] {
    const h: CwmpEnvelope["header"] = {};
    if (id !== undefined) h.id = id;
    if (this.s.holding) h.holdRequests = true;
    return h;
  }

  private answer(envelope: CwmpEnvelope, message: CwmpMessage): Outcome {
    const { reply, effects } = answerCpeRequest(message, this.s.ns);
    return { reply: { envelope: { ns: this.s.ns, header: this.header(envelope.header.id), body: reply }, ended: false }, effects };
  }

  private settlePending(envelope: CwmpEnvelope, message: CwmpMessage, now: Date): { reply: Reply | null; effects: Effect[] } {
    const pending = this.s.pending!;
    this.s.pending = null;
    const effects: Effect[] = [];
    const expected = `${pending.request.method}Response`;
    // The device set the key with the write it accepted: a lost answer to a later write is told by it.
    if (message.method === expected && "parameterKey" in pending.request) this.s.parameterKey = pending.request.parameterKey;
    if (message.method !== "Fault" && message.method !== expected) {
      effects.push({ type: "sessionFault", code: "session.wrong-response", message: `expected ${expected} to ${pending.id}, got ${message.method}` });
      for (const o of pending.origins) {
        effects.push({ type: "taskFault", taskId: o.taskId, fault: { code: "session.wrong-response", message: `the CPE answered ${message.method} to ${pending.request.method}` }, retry: true });
        this.s.settled.push(o.taskId);
      }
      return this.end("protocol-error", effects);
    }
    if (envelope.header.id !== undefined && envelope.header.id !== pending.id) {
      effects.push({ type: "sessionFault", code: "session.id-mismatch", message: `response carries cwmp:ID ${envelope.header.id}, expected ${pending.id}; accepted by method` });
    }
    if (pending.intent !== undefined && this.s.provisioning !== null) {
      if (message.method === "Fault") effects.push(...this.provisionFaults(engineFault(pending.intent, message, this.s.provisioning.engine)));
      else effects.push(...learnedEffects(engineResponse(pending.intent, message, this.s.provisioning.engine)));
      return { reply: null, effects };
    }
    const ctx = this.planContext(now);
    const continuing: ReadyRpc[] = [];
    const batchFaulted = message.method === "Fault" && pending.origins.length > 1;
    for (const origin of pending.origins) {
      if (batchFaulted) {
        // One bad name faults a whole batched read: ask again for each task alone, to blame the right one.
        continuing.push(this.restartAlone(origin, ctx));
        continue;
      }
      const handler = handlerOf(origin.name);
      const tctx = taskContext(origin.taskId, ctx);
      let step: Step;
      if (message.method === "Fault") step = handler.onFault ? handler.onFault(origin.args, origin.state, message, tctx) : faultStep(message);
      else step = handler.onResponse(origin.args, origin.state, responseFor(origin, message), tctx);
      const done = settle(origin.taskId, step);
      if (done !== undefined) {
        effects.push(...done);
        this.s.settled.push(origin.taskId);
      } else {
        const rpc = step as Extract<Step, { kind: "rpc" }>;
        effects.push(...(rpc.effects ?? []));
        continuing.push({ request: rpc.request, origins: [{ taskId: origin.taskId, name: origin.name, args: origin.args, state: rpc.state }] });
      }
    }
    // Continuations go first: a task under way finishes before new ones start.
    this.s.queued = [...continuing, ...this.s.queued];
    return { reply: null, effects };
  }

  private restartAlone(origin: Origin, ctx: PlanContext): ReadyRpc {
    // From where the task is (a handler may resume there: an addObject reading its new instance).
    const step = handlerOf(origin.name).start(origin.args, { ...taskContext(origin.taskId, ctx), resume: origin.state }) as Extract<Step, { kind: "rpc" }>;
    return { request: step.request, origins: [{ taskId: origin.taskId, name: origin.name, args: origin.args, state: step.state, alone: true }] };
  }

  private planContext(now: Date): PlanContext {
    return { now, ns: this.s.ns, gpvBatchSize: this.config.gpvBatchSize, rootObject: this.s.rootObject };
  }

  private planTasks(now: Date, tasks: TaskInput[], effects: Effect[]): Outcome {
    const skip = new Set(this.s.settled);
    const queued = this.s.queued;
    for (const q of queued) for (const o of q.origins) skip.add(o.taskId);
    const p = plan(queued, tasks, skip, this.planContext(now));
    effects.push(...p.effects);
    this.s.settled.push(...p.settled);
    if (p.next === null) {
      this.s.queued = [];
      if (this.s.holding) return this.releaseHold(effects);
      return this.end("completed", effects);
    }
    if (this.s.rpcCount >= this.config.maxRpcs) {
      effects.push({ type: "sessionFault", code: "session.rpc-limit", message: `more than ${this.config.maxRpcs} RPCs in one session; stopped` });
      for (const o of [...queued.flatMap((q) => q.origins), ...p.next.origins]) {
        effects.push({ type: "taskFault", taskId: o.taskId, fault: { code: "session.rpc-limit", message: "the session reached its RPC limit" }, retry: true });
      }
      return this.end("rpc-limit", effects);
    }
    const used = new Set(p.next.origins.map((o) => o.taskId));
    this.s.queued = queued.filter((q) => !q.origins.some((o) => used.has(o.taskId)));
    return this.send(p.next, effects);
  }

  private send(rpc: ReadyRpc, effects: Effect[], intent?: Intent): Outcome {
    this.s.rpcCount++;
    const id = `${this.s.id.slice(0, 8)}.${this.s.rpcCount}`;
    this.s.pending = intent === undefined ? { id, request: rpc.request, origins: rpc.origins } : { id, request: rpc.request, origins: [], intent };
    this.s.phase = "awaitingResponse";
    return { reply: { envelope: { ns: this.s.ns, header: this.header(id), body: rpc.request }, ended: false }, effects };
  }

  /** Nothing left to send while the CPE holds its requests: one last harmless RPC without HoldRequests lets it go. */
  private releaseHold(effects: Effect[]): Outcome {
    this.s.holding = false;
    this.s.rpcCount++;
    const id = `${this.s.id.slice(0, 8)}.${this.s.rpcCount}`;
    this.s.pending = { id, request: { method: "GetRPCMethods" }, origins: [] };
    this.s.phase = "awaitingResponse";
    return { reply: { envelope: { ns: this.s.ns, header: { id }, body: { method: "GetRPCMethods" } }, ended: false }, effects };
  }

  /**
   * Faults the tasks under way, retryable. A write in flight may have taken effect: its fault says what
   * would show it (confirm.ts), and `next`, the device's new Inform when there is one, may show it now.
   */
  private abandonPending(code: string, message: string, next?: Inform): Effect[] {
    const effects: Effect[] = [];
    const inFlight = this.s.pending === null ? null : unconfirmedOf(this.s.pending.request, this.s.parameterKey ?? null);
    const how = inFlight !== null && next !== undefined ? confirmation(inFlight, next) : null;
    // A task settles here, or tries again: from where it broke off when its handler says so, with what
    // would show whether its RPC in flight took effect.
    const interrupted = (o: Origin, unconfirmed: Unconfirmed | null): Effect[] => {
      const step = handlerOf(o.name).onInterrupted?.(o.args, o.state);
      if (step !== undefined && step.kind !== "resume") return settle(o.taskId, step) ?? [];
      const detail = { ...(unconfirmed === null ? {} : { unconfirmed }), ...(step === undefined ? {} : { resume: step.state }) };
      return [{ type: "taskFault", taskId: o.taskId, fault: { code, message, ...(Object.keys(detail).length === 0 ? {} : { detail }) }, retry: true }];
    };
    for (const o of this.s.pending?.origins ?? []) {
      effects.push(...(how !== null ? confirmedOutcome({ id: o.taskId, name: o.name, args: o.args }, inFlight!, how, o.state) : interrupted(o, inFlight)));
    }
    for (const o of this.s.queued.flatMap((q) => q.origins)) effects.push(...interrupted(o, null));
    this.s.pending = null;
    this.s.queued = [];
    return effects;
  }

  private end(reason: SessionEndReason, effects: Effect[]): Outcome {
    this.s.phase = "ended";
    this.s.pending = null;
    // After an ACS's empty response a CPE that still holds requests may send them (TR-069 3.7.2.x); a
    // CPE that said it is done is finished, and so is a session ended for any other reason.
    const over = this.s.cpeDone || reason !== "completed";
    if (!over) {
      this.s.phase = "cpeRequests";
      this.s.acsDone = true;
      return { reply: { envelope: null, ended: false }, effects };
    }
    return { reply: { envelope: null, ended: true }, effects: [...effects, { type: "sessionEnded", reason }] };
  }
}

function learnedEffects(l: Learned): Effect[] {
  const effects: Effect[] = [];
  for (const n of l.names) effects.push({ type: "setNames", requestPath: n.requestPath, nextLevel: n.nextLevel, names: n.names });
  const read = l.values.filter((v) => v.set !== true).map(({ path, value, type }) => ({ path, value, type }));
  const set = l.values.filter((v) => v.set === true).map(({ path, value, type }) => ({ path, value, type }));
  if (read.length > 0) effects.push({ type: "setValues", values: read });
  if (set.length > 0) effects.push({ type: "setValues", values: set, set: true });
  if (l.attributes.length > 0) effects.push({ type: "setAttributes", attributes: l.attributes });
  for (const d of l.deleted) effects.push({ type: "deleteSubtree", prefix: d });
  return effects;
}

function classify(m: CwmpMessage | null): Input {
  if (m === null) return "empty";
  if (m.method === "Inform") return "inform";
  if (m.method === "Fault") return "fault";
  if (isCpeRequest(m)) return "cpeRequest";
  return "response";
}
