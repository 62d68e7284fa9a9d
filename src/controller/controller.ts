// The USP controller, at the I/O edge: it owns the MTPs, decodes what agents send, answers what is
// malformed with USP Errors, keeps each agent's route and outstanding requests, acknowledges Notify, and
// runs bridged sessions (bridged-session.ts) so that USP agents are devices of the one fleet.

import { randomBytes } from "node:crypto";
import type { ControllerMtp, MtpPeer, MtpRoute } from "../mtp/types.js";
import {
  decodeMsg, decodeRecord, encodeMsg, encodeRecord, errorBody, msgBody, msgKind, noSessionContextRecord, peekString, recordHeader, SessionContext, uspMsg, UspRemoteError,
  type MessageBodies, type RequestBodies, type SessionContextRecord, type UspMsg, type UspRecord,
} from "../usp/index.js";
import type { Store } from "../store/types.js";
import type { Logger } from "../server/logger.js";
import type { BridgedReply, BridgedStep } from "../server/cwmp-handler.js";
import type { UspExchanged } from "../server/session-log.js";
import type { AgentAuth } from "./auth.js";
import type { AcsEvent } from "../server/events.js";
import type { BridgeContext } from "./bridge.js";
import type { AgentDataModels } from "./data-models.js";
import { runBridgedSession, type SessionTrigger } from "./bridged-session.js";
import { keepResults, readResults } from "./diagnostic-results.js";
import { AgentHolds, type AgentHoldsOptions } from "./holds.js";
import { completionOfAnswer, completionOfNotify, type DiagnosticCompletion } from "./diagnostics.js";
import { notifyEffect } from "./inform.js";
import { refusedRecordReply, unsupportedRecord, type RecordErrorReply } from "./record-errors.js";
import { keepObjectChange, type ObjectChange } from "./object-changes.js";
import { keepSubscriptions } from "./subscriptions.js";

const AGENT_REQUESTS = "Device.LocalAgent.Request.";

export interface UspControllerOptions {
  /** usp.endpointId. */
  endpointId: string;
  mtps: readonly ControllerMtp[];
  engine: { bridged(step: BridgedStep): Promise<BridgedReply> };
  auth: AgentAuth;
  store: Store;
  log: Logger;
  /** usp.requestTimeout: how long an agent has to answer a request. */
  requestTimeoutMs: number;
  bridge?: BridgeContext;
  /** The data models learnt with GetSupportedDM (data-models.ts); without it, `bridge` serves every agent. */
  dataModels?: AgentDataModels;
  /** Told the events the controller wrote (object creations and deletions), once committed. */
  events?: { emit(e: AcsEvent): void };
  clock?: () => Date;
  /** Several processes on one store: which agents' WebSockets this one holds, and wakes carried between them (holds.ts). */
  holds?: AgentHoldsOptions;
}

/** An agent did not answer a request in time, or its route went away. */
export class AgentUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentUnreachable";
  }
}

interface Agent {
  endpointId: string;
  /** The MTP that carried its Records (two may share a name: the WebSocket and the loopback ones). */
  mtp: ControllerMtp;
  route: MtpRoute;
  peer: MtpPeer;
  /** The device its sessions ran for, once one started. */
  deviceId: string | null;
  /** Set when the agent speaks in Session Context Records: ours then go in the same. */
  context: SessionContext | null;
  /** Sessions run one at a time, in the order they were asked for. */
  queue: Promise<void>;
  /** The bridge's context of its last session (its learnt data model). */
  bridge: BridgeContext | null;
  /** While a session runs: the Msgs exchanged with the agent that its next step has not taken yet. */
  exchanged: UspExchanged[] | null;
}

interface Pending {
  agent: Agent;
  resolve(msg: UspMsg): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** In a Session Context: when to ask the agent again for a Record that may have been lost. */
  again: NodeJS.Timeout | undefined;
}

const CONNECTION_REQUEST: SessionTrigger = { events: [{ eventCode: "6 CONNECTION REQUEST", commandKey: "" }] };
const BOOT_CODES = new Set(["0 BOOTSTRAP", "1 BOOT"]);
const DIAGNOSTICS_COMPLETE: SessionTrigger = { events: [{ eventCode: "8 DIAGNOSTICS COMPLETE", commandKey: "" }] };

export class UspController {
  private readonly agents = new Map<string, Agent>();
  private readonly pending = new Map<string, Pending>();
  private readonly clock: () => Date;
  private readonly idPrefix = randomBytes(4).toString("hex");
  private nextId = 0;
  private stopped = false;
  private readonly holds: AgentHolds | null;

  constructor(private readonly o: UspControllerOptions) {
    this.clock = o.clock ?? (() => new Date());
    this.holds = o.holds === undefined ? null : new AgentHolds(o.holds, {
      store: o.store,
      log: o.log,
      clock: this.clock,
      held: () => [...this.agents.values()].filter((a) => held(a)).map((a) => a.endpointId),
      woken: (w) => {
        const agent = [...this.agents.values()].find((a) => held(a) && a.endpointId === w.endpointId);
        if (agent === undefined) return false;
        agent.deviceId ??= w.deviceId;
        this.schedule(agent, CONNECTION_REQUEST);
        return true;
      },
    });
  }

  async start(): Promise<void> {
    for (const mtp of this.o.mtps) {
      await mtp.start({ record: (bytes, route, peer) => this.record(mtp, bytes, route, peer), gone: (route) => this.gone(mtp, route) });
    }
    await this.holds?.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.holds?.stop();
    for (const [id, p] of this.pending) this.settle(id, p)?.reject(new AgentUnreachable("the controller stopped"));
    for (const mtp of this.o.mtps) await mtp.stop();
    await Promise.allSettled([...this.agents.values()].map((a) => a.queue));
    this.agents.clear();
  }

  /** The agents this process reaches now, by endpoint id. */
  connected(): string[] {
    return [...this.agents.values()].map((a) => a.endpointId);
  }

  /**
   * Wakes a USP device for its tasks: a session starts now when this process reaches its agent (it holds
   * its connection, or the agent listens on an MQTT topic). "not-usp": the device is no USP agent;
   * "unreachable": it is one this process cannot reach now (another process holds its WebSocket, or it is
   * away); its tasks run at its next contact.
   */
  async wake(deviceId: string): Promise<"woken" | "unreachable" | "not-usp"> {
    let agent = [...this.agents.values()].find((a) => a.deviceId === deviceId);
    if (agent === undefined) {
      const known = await this.o.store.uspEndpoints.ofDevice(deviceId);
      if (known === null) return "not-usp";
      // Connected since this process started, with no session yet: known by its endpoint id.
      agent = [...this.agents.values()].find((a) => a.endpointId === known.endpointId);
      const mqtt = this.o.mtps.find((m) => m.name === "mqtt");
      if (agent === undefined && known.mtp !== "mqtt") {
        // Another process may hold its WebSocket: the wake is carried there.
        const carried = await this.holds?.forward({ endpointId: known.endpointId, deviceId, taskId: null, createdAt: this.clock() });
        return carried === true ? "woken" : "unreachable";
      }
      if (agent === undefined && mqtt === undefined) return "unreachable";
      agent ??= this.agentAt(mqtt!, { mtp: "mqtt", address: known.route }, known.endpointId, { endpointId: known.endpointId, username: null, certCn: null, remoteAddress: null });
      agent.deviceId = deviceId;
    }
    this.schedule(agent, CONNECTION_REQUEST);
    return "woken";
  }

  /** Sends a request to an agent this process reaches and resolves with its answer (a response or an Error). */
  request<K extends keyof RequestBodies>(endpointId: string, kind: K, body: RequestBodies[K]): Promise<UspMsg> {
    const agent = this.connectedAgent(endpointId);
    return agent instanceof AgentUnreachable ? Promise.reject(agent) : this.ask(agent, kind, body);
  }

  private connectedAgent(endpointId: string): Agent | AgentUnreachable {
    return [...this.agents.values()].find((a) => a.endpointId === endpointId) ?? new AgentUnreachable(`${endpointId} is not connected to this process`);
  }

  private record(mtp: ControllerMtp, bytes: Uint8Array, route: MtpRoute, peer: MtpPeer): void {
    let record: UspRecord;
    try {
      record = decodeRecord(bytes);
    } catch (err) {
      if (!(err instanceof UspRemoteError)) throw err;
      this.o.log.warn({ route: route.address, code: err.code, err: err.message }, "USP Record refused");
      const reply = refusedRecordReply(bytes, err, { endpointId: this.o.endpointId, peerEndpointId: peer.endpointId, returnPath: route.address !== "" });
      if (reply !== null) void this.recordError(mtp, route, reply);
      return;
    }
    if (record.toId !== this.o.endpointId) {
      this.o.log.warn({ route: route.address, to: record.toId, from: record.fromId }, "USP Record for another controller");
      return;
    }
    if (peer.endpointId !== null && peer.endpointId !== record.fromId) {
      this.o.log.warn({ route: route.address, claimed: peer.endpointId, from: record.fromId }, "USP Record from another endpoint than its connection's");
      return;
    }
    const unsupported = unsupportedRecord(record);
    if (unsupported !== null) {
      this.o.log.warn({ route: route.address, from: record.fromId, uspErrCode: unsupported.uspErrCode, err: unsupported.message }, "USP Record refused");
      void this.recordError(mtp, route, { toId: record.fromId, ...unsupported });
      return;
    }
    // An MQTTConnect Record names the agent's topic, the way back when its PUBLISH gave no reply-to.
    if (record.recordType === "mqttConnect" && route.address === "") route = { mtp: "mqtt", address: record.mqttConnect.subscribedTopic };
    const agent = this.agents.get(this.routeKey(mtp, route)) ?? this.agentAt(mtp, route, record.fromId, peer);
    switch (record.recordType) {
      case "noSessionContext":
        this.message(agent, record.noSessionContext.payload);
        return;
      case "sessionContext": {
        agent.context ??= new SessionContext({ sessionId: record.sessionContext.sessionId });
        for (const e of agent.context.receive(record.sessionContext)) {
          if (e.type === "deliver") this.message(agent, e.payload);
          else if (e.type === "send") void this.sendRecord(agent, this.inContext(agent, e.record));
          else if (e.type === "error") this.o.log.warn({ endpointId: agent.endpointId, uspErrCode: e.uspErrCode, err: e.message }, "USP Session Context broken");
        }
        return;
      }
      case "disconnect":
        this.forget(agent, `the agent disconnected: ${record.disconnect.reason}`);
        return;
      default:
        // WebSocketConnect, MQTTConnect...: the agent tells it can be reached (again).
        this.reached(agent);
    }
  }

  /**
   * R-MTP.6: an agent's connect Record. It is seen now, and its device's pending tasks run now, as at a
   * connection request; an agent that never had a session has no tasks (its onboarding starts the first).
   */
  private reached(agent: Agent): void {
    const log = { endpointId: agent.endpointId, mtp: agent.mtp.name };
    const run = async () => {
      const known = await this.o.store.uspEndpoints.get(agent.endpointId);
      if (known === null) return this.o.log.debug(log, "USP agent connected; it has never had a session");
      agent.deviceId ??= known.deviceId;
      await this.o.store.uspEndpoints.record({ ...known, mtp: agent.route.mtp, route: agent.route.address, lastSeen: this.clock() });
      const pending = await this.o.store.tasks.pendingCount(known.deviceId);
      this.o.log.debug({ ...log, deviceId: known.deviceId, pending }, "USP agent connected");
      if (pending > 0) void this.schedule(agent, CONNECTION_REQUEST);
    };
    run().catch((err: unknown) => this.o.log.warn({ ...log, err: (err as Error).message }, "USP agent's connection not followed up"));
  }

  private message(agent: Agent, payload: Uint8Array): void {
    let msg: UspMsg;
    try {
      msg = decodeMsg(payload);
    } catch (err) {
      if (!(err instanceof UspRemoteError)) throw err;
      this.o.log.warn({ endpointId: agent.endpointId, code: err.code, err: err.message }, "USP Msg refused");
      void this.send(agent, uspMsg("error", peekString(payload, [1, 1]) || "unreadable", errorBody(err.uspErrCode, err.message)));
      return;
    }
    // Msgs that come while no session runs go with the session they start, if they start one.
    const seen = agent.exchanged ?? [];
    seen.push(this.exchange(agent, "received", msg));
    const id = msg.header.msgId;
    if (msg.body.msgBody !== "request") {
      const p = this.settle(id);
      if (p === undefined) this.o.log.debug({ endpointId: agent.endpointId, msgId: id, kind: msgKind(msg) }, "USP answer to nothing outstanding");
      else p.resolve(msg);
      return;
    }
    const notify = msgBody(msg, "notify");
    if (notify === undefined) {
      void this.send(agent, uspMsg("error", id, errorBody(7001, `${msgKind(msg)} is not supported by this controller`)));
      return;
    }
    if (notify.sendResp) {
      const resp = uspMsg("notifyResp", id, { subscriptionId: notify.subscriptionId });
      if (seen !== agent.exchanged) seen.push(this.exchange(agent, "sent", resp));
      void this.send(agent, resp);
    }
    const diagnostic = notify.notification === "operComplete" ? completionOfNotify(notify.operComplete) : null;
    if (diagnostic !== null) return this.diagnosticDone(agent, diagnostic, seen === agent.exchanged ? undefined : seen);
    if (notify.notification === "objCreation") return this.objectChanged(agent, { kind: "created", path: notify.objCreation.objPath, uniqueKeys: notify.objCreation.uniqueKeys });
    if (notify.notification === "objDeletion") return this.objectChanged(agent, { kind: "deleted", path: notify.objDeletion.objPath });
    const effect = notifyEffect(notify, this.clock());
    if (effect.kind === "session") {
      const { kind: _kind, ...trigger } = effect;
      this.schedule(agent, seen === agent.exchanged ? trigger : { ...trigger, messages: seen });
    } else if (effect.kind === "operationComplete") {
      this.o.log.info({ endpointId: agent.endpointId, deviceId: agent.deviceId, command: effect.path + effect.command, commandKey: effect.commandKey, ok: effect.ok, detail: effect.detail }, "USP operation complete");
    }
  }

  /**
   * A diagnostic ended: its results are kept for the read, then a session reports it as a CWMP device
   * would. Both wait for the session that requested it, whose end marks the run requested.
   */
  private diagnosticDone(agent: Agent, done: DiagnosticCompletion, messages?: UspExchanged[]): void {
    const log = { endpointId: agent.endpointId, command: done.diagnostic.command, commandKey: done.commandKey, failure: done.failure };
    this.o.log.info(log, "USP diagnostic complete");
    this.schedule(agent, messages === undefined ? DIAGNOSTICS_COMPLETE : { ...DIAGNOSTICS_COMPLETE, messages }, async () => {
      const deviceId = await this.deviceOf(agent);
      if (deviceId === undefined) throw new Error(`${agent.endpointId} reported ${done.diagnostic.command} complete but has never had a session`);
      await keepResults(this.o.store, deviceId, done, this.clock());
    }).catch((err: unknown) => this.o.log.warn({ ...log, err: (err as Error).message }, "USP diagnostic results lost"));
  }

  /** An instance created or deleted on the agent: kept in its device's tree, after the sessions before it. */
  private objectChanged(agent: Agent, change: ObjectChange): void {
    const log = { endpointId: agent.endpointId, change: change.kind, path: change.path };
    // The agent's rows for our own async commands come and go with each command: reading one back
    // waited behind the command's session and, with the agent rebooting into a new firmware, held its
    // later sessions (a firmware campaign stalled).
    if (change.path.startsWith(AGENT_REQUESTS)) return this.o.log.debug(log, "USP object change of an async command's request row; ignored");
    const run = agent.queue.then(async () => {
      const deviceId = await this.deviceOf(agent);
      if (deviceId === undefined) return this.o.log.info(log, "USP object change of an agent that has never had a session; ignored");
      const bridge = agent.bridge ?? this.o.bridge ?? {};
      const events = await keepObjectChange({ store: this.o.store, deviceId, get: (body) => this.ask(agent, "get", body), bridge, now: this.clock() }, change);
      for (const e of events) this.o.events?.emit(e);
    });
    agent.queue = run.catch((err: unknown) => this.o.log.warn({ ...log, err: (err as Error).message }, "USP object change not kept"));
  }

  /** The agent's device: known from its sessions in this process, else from the store; undefined if it never had one. */
  private async deviceOf(agent: Agent): Promise<string | undefined> {
    return agent.deviceId ?? (await this.o.store.uspEndpoints.get(agent.endpointId))?.deviceId;
  }

  private schedule(agent: Agent, trigger: SessionTrigger, before?: () => Promise<void>): Promise<void> {
    const run = agent.queue.then(async () => {
      await before?.();
      await this.runSession(agent, trigger);
    });
    // What fails in a session is logged (the store away, a bug), never thrown at an MTP.
    agent.queue = run.catch((err: unknown) => this.o.log.error({ endpointId: agent.endpointId, err }, "USP session failed"));
    return run;
  }

  private async runSession(agent: Agent, trigger: SessionTrigger): Promise<void> {
    if (this.stopped) return;
    const auth = await this.o.auth.forSession(agent.peer);
    if (auth === null) {
      this.o.log.warn({ endpointId: agent.endpointId, username: agent.peer.username }, "USP agent's credentials are gone; no session");
      return;
    }
    agent.exchanged = [...(trigger.messages ?? [])];
    try {
      const outcome = await runBridgedSession(
        {
          endpointId: agent.endpointId,
          auth,
          remoteAddress: agent.peer.remoteAddress,
          request: async (kind, body) => {
            const answer = await this.ask(agent, kind, body);
            const diagnostic = completionOfAnswer(kind, body, answer);
            if (diagnostic !== null) this.diagnosticDone(agent, diagnostic);
            return answer;
          },
          exchanged: () => agent.exchanged?.splice(0) ?? [],
          local: (rpc) => (agent.deviceId === null ? Promise.resolve(null) : readResults(this.o.store, agent.deviceId, rpc)),
          engine: this.o.engine,
          started: async (deviceId) => {
            agent.deviceId = deviceId;
            await this.o.store.uspEndpoints.record({ endpointId: agent.endpointId, deviceId, mtp: agent.route.mtp, route: agent.route.address, lastSeen: this.clock() });
          },
          ...(this.o.bridge === undefined ? {} : { bridge: this.o.bridge }),
          bridgeFor: async (values) => {
            const boot = trigger.events.some((e) => BOOT_CODES.has(e.eventCode));
            const models = this.o.dataModels;
            agent.bridge = models === undefined ? (this.o.bridge ?? {}) : await models.bridgeFor(agent.endpointId, values, boot, (kind, body) => this.ask(agent, kind, body));
            return agent.bridge;
          },
          now: this.clock,
        },
        trigger,
      );
      if (outcome.kind === "refused") {
        this.o.log.warn({ endpointId: agent.endpointId, reason: outcome.reason }, "USP session refused");
        return;
      }
      this.o.log.debug({ endpointId: agent.endpointId, deviceId: outcome.deviceId, rpcs: outcome.rpcs }, "USP session ended");
      if (trigger.events.some((e) => BOOT_CODES.has(e.eventCode))) await keepSubscriptions((kind, body) => this.ask(agent, kind, body), this.o.log, agent.endpointId);
    } catch (err) {
      // The session stays in the store as the agent left it: it lapses and is settled as a CWMP one
      // whose CPE went silent (its tasks retried).
      if (!(err instanceof AgentUnreachable)) throw err;
      this.o.log.info({ endpointId: agent.endpointId, err: err.message }, "USP session broken off");
    } finally {
      agent.exchanged = null;
    }
  }

  private ask<K extends keyof RequestBodies>(agent: Agent, kind: K, body: RequestBodies[K]): Promise<UspMsg> {
    const msgId = `${this.idPrefix}-${++this.nextId}`;
    return new Promise<UspMsg>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(msgId)?.reject(new AgentUnreachable(`${agent.endpointId} did not answer ${kind} ${msgId} in ${this.o.requestTimeoutMs} ms`)), this.o.requestTimeoutMs);
      timer.unref();
      // An answer lost as the agent's last Record leaves no gap to notice: half way, ask for it again
      // (an agent that has not sent it yet ignores the request).
      const again = agent.context === null ? undefined : setTimeout(() => this.askAgain(agent), this.o.requestTimeoutMs / 2).unref();
      this.pending.set(msgId, { agent, resolve, reject, timer, again });
      this.send(agent, uspMsg(kind, msgId, body as MessageBodies[K])).then(
        (sent) => {
          if (!sent) this.settle(msgId)?.reject(new AgentUnreachable(`${agent.endpointId} cannot be reached`));
        },
        (err: unknown) => this.settle(msgId)?.reject(err as Error),
      );
    });
  }

  private settle(msgId: string, p = this.pending.get(msgId)): Pending | undefined {
    if (p === undefined) return undefined;
    clearTimeout(p.timer);
    clearTimeout(p.again);
    this.pending.delete(msgId);
    return p;
  }

  private askAgain(agent: Agent): void {
    if (agent.context === null) return;
    this.o.log.debug({ endpointId: agent.endpointId, sequenceId: String(agent.context.expectedId) }, "USP Record asked for again");
    void this.sendRecord(agent, this.inContext(agent, agent.context.requestRetransmit()));
  }

  private async send(agent: Agent, msg: UspMsg): Promise<boolean> {
    const payload = encodeMsg(msg);
    agent.exchanged?.push(this.exchange(agent, "sent", msg));
    if (agent.context === null) return this.sendRecord(agent, noSessionContextRecord(this.o.endpointId, agent.endpointId, payload));
    let sent = true;
    for (const sessionContext of agent.context.send(payload)) {
      sent = (await this.sendRecord(agent, this.inContext(agent, sessionContext))) && sent;
    }
    return sent;
  }

  /** R-MTP.5: an Error in a Record of its own, back the way the refused Record came. */
  private recordError(mtp: ControllerMtp, route: MtpRoute, reply: RecordErrorReply): Promise<boolean> {
    const msg = encodeMsg(uspMsg("error", "unreadable", errorBody(reply.uspErrCode, reply.message)));
    return mtp.send(route, encodeRecord(noSessionContextRecord(this.o.endpointId, reply.toId, msg))).catch(() => false);
  }

  private exchange(agent: Agent, direction: UspExchanged["direction"], msg: UspMsg): UspExchanged {
    return { direction, at: this.clock(), mtp: agent.mtp.name, msg };
  }

  private inContext(agent: Agent, sessionContext: SessionContextRecord): UspRecord {
    return { ...recordHeader(this.o.endpointId, agent.endpointId), recordType: "sessionContext", sessionContext };
  }

  private sendRecord(agent: Agent, record: UspRecord): Promise<boolean> {
    return agent.mtp.send(agent.route, encodeRecord(record));
  }

  private agentAt(mtp: ControllerMtp, route: MtpRoute, endpointId: string, peer: MtpPeer): Agent {
    const agent: Agent = { endpointId, mtp, route, peer, deviceId: null, context: null, queue: Promise.resolve(), bridge: null, exchanged: null };
    this.agents.set(this.routeKey(mtp, route), agent);
    if (held(agent)) this.holds?.hold(endpointId);
    return agent;
  }

  private gone(mtp: ControllerMtp, route: MtpRoute): void {
    const agent = this.agents.get(this.routeKey(mtp, route));
    if (agent !== undefined) this.forget(agent, "its connection closed");
  }

  /** Agents by the MTP that reaches them (its place in the list) and their route on it. */
  private routeKey(mtp: ControllerMtp, route: MtpRoute): string {
    return `${this.o.mtps.indexOf(mtp)} ${route.address}`;
  }

  private forget(agent: Agent, why: string): void {
    this.agents.delete(this.routeKey(agent.mtp, agent.route));
    // Still held when it reconnected to this process before its old connection was seen to close.
    if (held(agent) && ![...this.agents.values()].some((a) => held(a) && a.endpointId === agent.endpointId)) this.holds?.release(agent.endpointId);
    for (const [id, p] of this.pending) if (p.agent === agent) this.settle(id, p)?.reject(new AgentUnreachable(`${agent.endpointId}: ${why}`));
  }
}

/** Whether this process alone reaches the agent (a connection it holds), unlike MQTT, which any process reaches. */
function held(agent: Agent): boolean {
  return agent.mtp.name !== "mqtt";
}
