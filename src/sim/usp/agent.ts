// One simulated USP agent (TR-369), sans-I/O: Record bytes in, effects out (Records to send, a
// download to perform, a reboot), time passed in by the caller. Its data model is a DeviceTree of a
// shared UspModel, so thousands of agents cost what their differences from the factory cost.
//
// Lifecycle: powerOn() boots the agent (Boot! to its Event subscribers); connected() tells it the MTP
// reaches the controller (a factory-fresh agent sends OnBoardRequest, waiting Notifies go again);
// receive() answers the controller; tick() runs what falls due (async commands, Notify retries,
// Periodic!, the end of a reboot). Records from the controller are answered the way they came:
// NoSessionContext, or the Session Context the controller opened; with the sessionContext option the
// agent opens one itself.

import {
  connectRecord, decodeMsg, decodeRecord, encodeMsg, encodeRecord, errorBody, msgKind, noSessionContextRecord, recordHeader, SessionContext, UspRemoteError, uspMsg,
  type MessageBodies, type MessageKind, type MtpConnect, type Notifications, type NotificationType, type Operate, type OperateResp, type StringMap, type UspMsg, type UspRecord,
} from "../../usp/index.js";
import { DeviceTree, type Node, type TreeState } from "../device-model.js";
import { SimError } from "../errors.js";
import { checkLocalValue } from "../constraints.js";
import { commandOutputs, defaultNetwork } from "../models/diagnostics.js";
import { nextRandom } from "../rng.js";
import type { DeviceIdentity, DiagnosticTransferJob, DiagnosticTransferResult, NetworkProfile } from "../source.js";
import type { TransferOutcome } from "../transfers.js";
import { add, del, set, type Applied } from "./change.js";
import { checkArgs, diagnosticDuration, imageVersion, setImage, speedTestJob } from "./commands.js";
import { get, getInstances } from "./get.js";
import { controllers, dropVolatileSubscriptions, Outbox, subscriptionsOf, SUBSCRIPTIONS } from "./notifications.js";
import { AGENT_PROTOCOL_VERSIONS, agentEndpointId } from "./overlay.js";
import { refersTo, resolveUsp, tableMatches } from "./paths.js";
import { commandAt, getSupportedDm, type CommandDef, type UspModel } from "./supported.js";
import { peekString } from "../../usp/wire.js";

/** Misbehaviour on purpose: a share of the controller's requests answered with an Error, not answered, or answered late. */
export interface UspFaultOptions {
  /** Share of requests that misbehave, 0..1. */
  rate: number;
  kinds?: readonly UspFaultKind[];
  /** Only these messages misbehave (default: every request). */
  messages?: readonly MessageKind[];
  /** The Error's code for "error" (default 7002, Request denied). */
  errorCode?: number;
  /** The delay of "delay" (simulated ms, default 2,000). */
  delayMs?: number;
}
export const USP_FAULT_KINDS = ["error", "drop", "delay"] as const;
export type UspFaultKind = (typeof USP_FAULT_KINDS)[number];

export interface UspAgentOptions {
  /** How long a reboot keeps the agent down (simulated ms, default 5,000). */
  rebootMs?: number;
  network?: NetworkProfile;
  faults?: UspFaultOptions;
  /**
   * Speak to the controller in a Session Context of the agent's own (a new one at each connection and
   * boot) rather than NoSessionContext; Msgs above `maxSegmentBytes` (default 64 KiB) are segmented.
   */
  sessionContext?: { maxSegmentBytes?: number };
}

export type AgentEffect =
  | { type: "send"; bytes: Uint8Array }
  /** Down until `until`: Records are lost meanwhile; tick() at `until` boots it. */
  | { type: "reboot"; until: number }
  /** Fetch `url`, then call transferDone(id, outcome). */
  | { type: "download"; id: number; url: string; username: string; password: string; fileSize: number }
  /** A DownloadDiagnostics() or UploadDiagnostics() test: move the bytes, then call speedTestDone(id, result). */
  | { type: "speedTest"; id: number; job: DiagnosticTransferJob };

type BootCause = "LocalReboot" | "RemoteReboot" | "LocalFactoryReset" | "RemoteFactoryReset";

/** An async command running: its Request row, and what completes it. */
interface Running {
  id: number;
  request: string;
  command: string;
  commandKey: string;
  /** A diagnostic that moves no bytes: when it completes; downloads and speed tests complete when the runtime says. */
  at?: number;
  args: StringMap;
  def: CommandDef;
}

export interface UspAgentState {
  tree: TreeState;
  onboarded: boolean;
  /** Activate() completes once the new image has booted. */
  afterBoot?: { command: string; commandKey: string }[];
}

const isRequest = (k: MessageKind) => ["get", "getSupportedDm", "getInstances", "set", "add", "delete", "operate", "notify", "getSupportedProtocol", "register", "deregister"].includes(k);

export class UspAgent {
  readonly tree: DeviceTree;
  readonly endpointId: string;
  #onboarded = false;
  #up = false;
  #reachable = false;
  #downUntil: number | undefined;
  #bootCause: BootCause = "LocalReboot";
  #bootCommandKey = "";
  #firmwareUpdated = false;
  #afterBoot: { command: string; commandKey: string }[] | undefined;
  #running: Running[] | undefined;
  #delayed: { at: number; bytes: Uint8Array }[] | undefined;
  #periodicAt: number | undefined;
  #session: SessionContext | undefined;
  #sessionPeer = "";
  #sessionsOpened = 0;
  #msgIds = 0;
  #runIds = 0;
  #random: number;
  readonly #outbox = new Outbox();

  constructor(
    readonly m: UspModel,
    identity: DeviceIdentity,
    private readonly o: UspAgentOptions = {},
    state?: UspAgentState,
  ) {
    this.tree = new DeviceTree(m.model, identity, 0, state?.tree);
    this.endpointId = agentEndpointId(identity);
    this.#onboarded = state?.onboarded ?? false;
    if (state?.afterBoot?.length) this.#afterBoot = [...state.afterBoot];
    this.#random = identity.seed >>> 0;
  }

  get up(): boolean {
    return this.#up;
  }

  get onboarded(): boolean {
    return this.#onboarded;
  }

  /** Notifies waiting for their NotifyResp. */
  get unanswered(): number {
    return this.#outbox.size;
  }

  toJSON(): UspAgentState {
    return { tree: this.tree.toJSON(), onboarded: this.#onboarded, ...(this.#afterBoot ? { afterBoot: this.#afterBoot } : {}) };
  }

  // ---- lifecycle ----

  powerOn(now: number): AgentEffect[] {
    return this.#boot(now);
  }

  /**
   * The MTP reaches the controller (again): its connect Record (R-MTP.6) when the MTP says which it is,
   * onboarding if never done, and every Notify still unanswered.
   */
  connected(now: number, mtp?: MtpConnect): AgentEffect[] {
    this.#reachable = true;
    if (!this.#up) return [];
    // A new connection is a new Session Context: the controller starts one per connection.
    if (this.o.sessionContext !== undefined) this.#session = undefined;
    const out: AgentEffect[] = [];
    if (mtp !== undefined) out.push({ type: "send", bytes: encodeRecord(connectRecord(this.endpointId, this.m.controllerId, mtp)) });
    for (const w of this.#outbox.all()) out.push(...this.#records(w.to, w.msg));
    if (!this.#onboarded && !this.#outbox.has("onboard")) {
      const id = this.tree.identity;
      this.#notify(out, this.m.controllerId, "", true, "onBoardReq", { oui: id.oui, productClass: id.productClass, serialNumber: id.serialNumber, agentSupportedProtocolVersions: AGENT_PROTOCOL_VERSIONS }, now, "onboard");
    }
    return out;
  }

  /** A reboot from outside (a user, a scenario). */
  reboot(now: number, cause: BootCause = "LocalReboot", commandKey = ""): AgentEffect[] {
    if (!this.#up) return [];
    this.#up = false;
    this.#bootCause = cause;
    this.#bootCommandKey = commandKey;
    this.#downUntil = now + (this.o.rebootMs ?? 5_000);
    this.#running = undefined;
    this.#delayed = undefined;
    this.#session = undefined;
    return [{ type: "reboot", until: this.#downUntil }];
  }

  #boot(now: number): AgentEffect[] {
    this.#up = true;
    this.#downUntil = undefined;
    this.tree.bootTime = now;
    const out: AgentEffect[] = [];
    // Requests in flight did not survive; nor did subscriptions that were not persistent.
    const requests = this.tree.resolve("Device.LocalAgent.Request.", now);
    if (requests?.kind === "table") for (const n of [...this.tree.instancesOf(requests.def, requests.inst, now, requests.path)]) this.tree.deleteInstance({ kind: "object", path: `${requests.path}${n}.`, def: requests.def, inst: [n] }, now);
    dropVolatileSubscriptions(this.tree, now);
    this.#event(out, "Device.", "Boot!", {
      CommandKey: this.#bootCommandKey,
      Cause: this.#bootCause,
      FirmwareUpdated: String(this.#firmwareUpdated),
      ParameterMap: "{}",
    }, now);
    for (const a of this.#afterBoot ?? []) {
      const dot = a.command.lastIndexOf(".");
      this.#operationComplete(out, a.command.slice(0, dot + 1), a.command.slice(dot + 1), a.commandKey, { ok: true, output: {} }, now);
    }
    this.#afterBoot = undefined;
    this.#bootCause = "LocalReboot";
    this.#bootCommandKey = "";
    this.#firmwareUpdated = false;
    this.#schedulePeriodic(now);
    // A factory reset made it fresh again: it onboards anew.
    if (this.#reachable) out.push(...this.connected(now));
    return out;
  }

  // ---- time ----

  nextDeadline(): number | undefined {
    if (!this.#up) return this.#downUntil;
    let at = this.#outbox.nextAt;
    const min = (t: number | undefined) => {
      if (t !== undefined && (at === undefined || t < at)) at = t;
    };
    for (const r of this.#running ?? []) min(r.at);
    for (const d of this.#delayed ?? []) min(d.at);
    min(this.#periodicAt);
    return at;
  }

  tick(now: number): AgentEffect[] {
    if (!this.#up) return this.#downUntil !== undefined && now >= this.#downUntil ? this.#boot(now) : [];
    const out: AgentEffect[] = [];
    if (this.#delayed) {
      for (const d of this.#delayed.filter((x) => x.at <= now)) out.push({ type: "send", bytes: d.bytes });
      this.#delayed = this.#delayed.filter((x) => x.at > now);
      if (this.#delayed.length === 0) this.#delayed = undefined;
    }
    for (const r of [...(this.#running ?? [])]) {
      if (r.at === undefined || r.at > now) continue;
      this.#finish(out, r, { ok: true, output: this.#diagnosticOutputs(r, now) }, now);
    }
    for (const w of this.#outbox.due(now, (to, n) => this.#retryDelay(to, n, now))) out.push(...this.#records(w.to, w.msg));
    if (this.#periodicAt !== undefined && this.#periodicAt <= now) {
      this.#event(out, "Device.LocalAgent.", "Periodic!", {}, now);
      this.#schedulePeriodic(now);
    }
    return out;
  }

  /** TR-369's retry wait: the controller's minimum wait, times its multiplier for each attempt after the first. */
  #retryDelay(to: string, attempts: number, now: number): number {
    const row = controllers(this.tree, now).find((c) => c.endpointId === to)?.path ?? "Device.LocalAgent.Controller.1.";
    const min = Number(this.tree.get(row + "USPNotifRetryMinimumWaitInterval", now) ?? "5");
    const mult = Number(this.tree.get(row + "USPNotifRetryIntervalMultiplier", now) ?? "2000") / 1000;
    return Math.min(3_600_000, min * 1000 * mult ** Math.max(0, attempts - 1));
  }

  #schedulePeriodic(now: number): void {
    const subscribed = subscriptionsOf(this.tree, "Event", now).some((s) => s.refs.some((r) => refersTo(this.tree, r, "Device.LocalAgent.Periodic!", now)));
    const interval = Number(this.tree.get("Device.LocalAgent.Controller.1.PeriodicNotifInterval", now) ?? "86400");
    this.#periodicAt = subscribed ? now + interval * 1000 : undefined;
  }

  // ---- what a user or a test does ----

  /** Changes a value as the device itself would (a user, a scenario): ValueChange to subscribers. SimError for bad input. */
  changeValue(path: string, text: string, now: number): AgentEffect[] {
    const node = this.tree.resolve(path, now);
    if (node?.kind !== "param") throw new SimError("SIM_UNKNOWN_PATH", `no parameter ${path}`);
    const checked = checkLocalValue(node.def, text);
    if (!checked.ok) throw new SimError("SIM_BAD_VALUE", `${path}: ${checked.message}`);
    const before = this.tree.value(path, node.def, node.inst, now);
    this.tree.set(path, node.def, checked.text);
    const out: AgentEffect[] = [];
    if (this.#up && before !== checked.text) this.#valueChanges(out, [{ path, value: checked.text }], undefined, now);
    return out;
  }

  /**
   * Adds an instance to a table as the device itself would (a user, a scenario): ObjectCreation to
   * subscribers. Returns its path; SimError for a path that is no table instances can be added to.
   */
  addObject(table: string, now: number): { path: string; effects: AgentEffect[] } {
    const r = add(this.tree, { allowPartial: false, createObjs: [{ objPath: table, paramSettings: [] }] }, now);
    const created = r.ok ? r.applied.created[0] : undefined;
    if (!r.ok || created === undefined) throw new SimError("SIM_UNKNOWN_PATH", `cannot add to ${table}: ${r.ok ? "nothing created" : (r.error.paramErrs[0]?.errMsg ?? r.error.errMsg)}`);
    const out: AgentEffect[] = [];
    if (this.#up) this.#applied(out, r.applied, "", now);
    return { path: created.path, effects: out };
  }

  /** Deletes an instance as the device itself would: ObjectDeletion to subscribers. SimError for a path that names none. */
  deleteObject(path: string, now: number): AgentEffect[] {
    const r = del(this.tree, { allowPartial: false, objPaths: [path] }, now);
    if (!r.ok || r.applied.deleted.length === 0) throw new SimError("SIM_UNKNOWN_PATH", `cannot delete ${path}: ${r.ok ? "no such instance" : (r.error.paramErrs[0]?.errMsg ?? r.error.errMsg)}`);
    const out: AgentEffect[] = [];
    if (this.#up) this.#applied(out, r.applied, "", now);
    return out;
  }

  /** A download asked for by Download() ended. */
  transferDone(id: number, outcome: TransferOutcome, now: number): AgentEffect[] {
    const r = this.#running?.find((x) => x.id === id);
    if (r === undefined || !this.#up) return [];
    const image = r.command.slice(0, r.command.lastIndexOf(".") + 1);
    const out: AgentEffect[] = [];
    if (!outcome.ok) {
      setImage(this.tree, image, { Status: "DownloadFailed" }, now);
      this.#finish(out, r, { ok: false, errCode: 7022, errMsg: `download failed (${outcome.faultCode}): ${outcome.faultString ?? ""}` }, now);
      return out;
    }
    const version = imageVersion(r.args.URL!, this.tree.get("Device.DeviceInfo.SoftwareVersion", now) ?? "");
    const name = decodeURIComponent(r.args.URL!.split(/[?#]/)[0]!.split("/").pop() ?? "");
    setImage(this.tree, image, { Name: name.slice(0, 64), Version: version, Available: "true", Status: "Available" }, now);
    if (r.args.AutoActivate !== "true" && r.args.AutoActivate !== "1") {
      this.#finish(out, r, { ok: true, output: {} }, now);
      return out;
    }
    // The image activates at once, so the download is reported from the new image, after the boot: a
    // controller reading the version on its OperationComplete reads the new one, not a rebooting agent.
    this.#finish(out, r, undefined, now);
    (this.#afterBoot ??= []).push({ command: r.command, commandKey: r.commandKey });
    out.push(...this.#activate(image, undefined, now));
    return out;
  }

  /** A speed test asked for by DownloadDiagnostics() or UploadDiagnostics() ended. */
  speedTestDone(id: number, result: DiagnosticTransferResult, now: number): AgentEffect[] {
    const r = this.#running?.find((x) => x.id === id);
    if (r === undefined || !this.#up) return [];
    const out: AgentEffect[] = [];
    this.#finish(out, r, { ok: true, output: this.#diagnosticOutputs(r, now, result) }, now);
    return out;
  }

  #diagnosticOutputs(r: Running, now: number, transfer?: DiagnosticTransferResult): StringMap {
    const env = { net: this.o.network ?? defaultNetwork, ...(transfer !== undefined ? { transfer } : {}) };
    return commandOutputs(r.def.diagnostic!.kind, r.args, this.tree.context(now, []), env);
  }

  // ---- Records in ----

  receive(bytes: Uint8Array, now: number): AgentEffect[] {
    if (!this.#up) return [];
    let record: UspRecord;
    try {
      record = decodeRecord(bytes);
    } catch (e) {
      if (!(e instanceof UspRemoteError)) throw e;
      // The peer is told why in a Disconnect Record, when we can tell who it is.
      const from = peekString(bytes, [3]) ?? this.m.controllerId;
      return this.#disconnect(from, e.uspErrCode, e.message);
    }
    if (record.toId !== this.endpointId) return [];
    const out: AgentEffect[] = [];
    switch (record.recordType) {
      case "noSessionContext":
        this.#message(out, record.fromId, record.noSessionContext.payload, now);
        break;
      case "sessionContext": {
        if (this.#session === undefined || this.#sessionPeer !== record.fromId) {
          this.#session = this.#sessionContext(record.sessionContext.sessionId);
          this.#sessionPeer = record.fromId;
        }
        for (const effect of this.#session.receive(record.sessionContext)) {
          if (effect.type === "deliver") this.#message(out, record.fromId, effect.payload, now);
          else if (effect.type === "send") out.push({ type: "send", bytes: encodeRecord({ ...recordHeader(this.endpointId, record.fromId), recordType: "sessionContext", sessionContext: effect.record }) });
          else if (effect.type === "error") {
            out.push(...this.#disconnect(record.fromId, effect.uspErrCode, effect.message));
            this.#session = undefined;
          }
        }
        break;
      }
      case "disconnect":
        this.#session = undefined;
        break;
      default:
        // WebSocketConnect, MQTTConnect and the like say the MTP is up; the MTP already told us.
        break;
    }
    return out;
  }

  #disconnect(to: string, reasonCode: number, reason: string): AgentEffect[] {
    const record: UspRecord = { ...recordHeader(this.endpointId, to), recordType: "disconnect", disconnect: { reason: reason.slice(0, 200), reasonCode } };
    try {
      return [{ type: "send", bytes: encodeRecord(record) }];
    } catch {
      return []; // A from_id that is no endpoint id: nobody to tell.
    }
  }

  #sessionContext(sessionId: bigint): SessionContext {
    const max = this.o.sessionContext?.maxSegmentBytes;
    return new SessionContext({ sessionId, ...(max === undefined ? {} : { maxSegmentBytes: max }) });
  }

  /** Record(s) carrying a Msg to a controller, in its Session Context if it opened one (or the agent opens them). */
  #records(to: string, msg: Uint8Array): AgentEffect[] {
    if (this.o.sessionContext !== undefined && this.#session === undefined && to === this.m.controllerId) {
      // Session ids differ from one context to the next, and between agents (the random part).
      this.#session = this.#sessionContext((BigInt(Math.floor(this.#random01() * 2 ** 32)) << 16n) | BigInt(++this.#sessionsOpened & 0xffff || 1));
      this.#sessionPeer = to;
    }
    if (this.#session !== undefined && this.#sessionPeer === to) {
      return this.#session.send(msg).map((sc) => ({ type: "send" as const, bytes: encodeRecord({ ...recordHeader(this.endpointId, to), recordType: "sessionContext", sessionContext: sc }) }));
    }
    return [{ type: "send", bytes: encodeRecord(noSessionContextRecord(this.endpointId, to, msg)) }];
  }

  #reply<K extends MessageKind>(out: AgentEffect[], to: string, msgId: string, kind: K, body: MessageBodies[K], delayUntil?: number): void {
    const effects = this.#records(to, encodeMsg(uspMsg(kind, msgId, body)));
    if (delayUntil === undefined) out.push(...effects);
    else for (const e of effects) if (e.type === "send") (this.#delayed ??= []).push({ at: delayUntil, bytes: e.bytes });
  }

  #random01(): number {
    const [s, v] = nextRandom(this.#random);
    this.#random = s;
    return v;
  }

  #pickFault(kind: MessageKind): UspFaultKind | undefined {
    const f = this.o.faults;
    if (f === undefined || !(f.rate > 0) || (f.messages !== undefined && !f.messages.includes(kind))) return undefined;
    if (this.#random01() >= f.rate) return undefined;
    const kinds = f.kinds?.length ? f.kinds : USP_FAULT_KINDS;
    return kinds[Math.floor(this.#random01() * kinds.length)]!;
  }

  #message(out: AgentEffect[], from: string, payload: Uint8Array, now: number): void {
    let msg: UspMsg;
    try {
      msg = decodeMsg(payload);
    } catch (e) {
      if (!(e instanceof UspRemoteError)) throw e;
      const msgId = peekString(payload, [1, 1]) || "unknown";
      this.#reply(out, from, msgId, "error", errorBody(e.uspErrCode, e.message.slice(0, 500)));
      return;
    }
    const kind = msgKind(msg);
    const msgId = msg.header.msgId;
    if (kind === "notifyResp") {
      if (msgId === "onboard" && this.#outbox.has("onboard")) this.#onboarded = true;
      this.#outbox.ack(msgId);
      return;
    }
    if (!isRequest(kind)) return; // A response or Error to nothing we asked: nothing to answer.
    const fault = this.#pickFault(kind);
    if (fault === "drop") return;
    if (fault === "error") {
      this.#reply(out, from, msgId, "error", errorBody(this.o.faults?.errorCode ?? 7002, "fault injected by the simulator"));
      return;
    }
    const later = fault === "delay" ? now + (this.o.faults?.delayMs ?? 2_000) : undefined;
    const b = msg.body.msgBody === "request" ? msg.body.request : undefined;
    if (b === undefined) return;
    switch (b.reqType) {
      case "get":
        this.#reply(out, from, msgId, "getResp", get(this.tree, b.get, now), later);
        return;
      case "getInstances":
        this.#reply(out, from, msgId, "getInstancesResp", getInstances(this.tree, b.getInstances, now), later);
        return;
      case "getSupportedDm":
        this.#reply(out, from, msgId, "getSupportedDmResp", getSupportedDm(this.m, b.getSupportedDm), later);
        return;
      case "getSupportedProtocol":
        this.#reply(out, from, msgId, "getSupportedProtocolResp", { agentSupportedProtocolVersions: AGENT_PROTOCOL_VERSIONS }, later);
        return;
      case "set": {
        const r = set(this.tree, b.set, now);
        if (!r.ok) return this.#reply(out, from, msgId, "error", r.error, later);
        this.#reply(out, from, msgId, "setResp", r.resp, later);
        this.#applied(out, r.applied, from, now);
        return;
      }
      case "add": {
        const r = add(this.tree, b.add, now, (def) => (def.path === SUBSCRIPTIONS + "{i}." ? this.#subscriptionDefaults(from, now) : {}));
        if (!r.ok) return this.#reply(out, from, msgId, "error", r.error, later);
        this.#reply(out, from, msgId, "addResp", r.resp, later);
        this.#applied(out, r.applied, from, now);
        return;
      }
      case "delete": {
        const r = del(this.tree, b.delete, now);
        if (!r.ok) return this.#reply(out, from, msgId, "error", r.error, later);
        this.#reply(out, from, msgId, "deleteResp", r.resp, later);
        this.#applied(out, r.applied, from, now);
        return;
      }
      case "operate":
        this.#operate(out, from, msgId, b.operate, now, later);
        return;
      default:
        // Notify, Register and Deregister go to controllers, not to agents.
        this.#reply(out, from, msgId, "error", errorBody(7001, `an agent does not take ${b.reqType}`), later);
    }
  }

  #subscriptionDefaults(from: string, now: number): StringMap {
    const row = controllers(this.tree, now).find((c) => c.endpointId === from);
    return { Recipient: row ? row.path.slice(0, -1) : "", CreationDate: new Date(now).toISOString().slice(0, 19) + "Z" };
  }

  // ---- notifications ----

  #notify<T extends NotificationType>(out: AgentEffect[], to: string, subscriptionId: string, sendResp: boolean, type: T, body: Notifications[T], now: number, msgId = `notify-${++this.#msgIds}`): void {
    const msg = encodeMsg(uspMsg("notify", msgId, { subscriptionId, sendResp, notification: type, [type]: body } as unknown as MessageBodies["notify"]));
    if (sendResp) this.#outbox.add(msgId, to, msg, now, this.#retryDelay(to, 1, now));
    out.push(...this.#records(to, msg));
  }

  /** The endpoint id a subscription's Recipient names (the configured controller when it names none). */
  #recipient(recipient: string, now: number): string | undefined {
    const all = controllers(this.tree, now);
    const row = recipient === "" || recipient === "." ? all[0] : all.find((c) => c.path === recipient);
    return row?.enabled ? row.endpointId : undefined;
  }

  #each(type: "ValueChange" | "ObjectCreation" | "ObjectDeletion" | "OperationComplete" | "Event", now: number, matches: (ref: string) => boolean, send: (to: string, subscriptionId: string, retry: boolean) => void, except?: string): void {
    for (const s of subscriptionsOf(this.tree, type, now)) {
      const to = this.#recipient(s.recipient, now);
      if (to === undefined || to === except || !s.refs.some(matches)) continue;
      send(to, s.id, s.retry);
    }
  }

  #event(out: AgentEffect[], objPath: string, eventName: string, params: StringMap, now: number): void {
    const path = objPath + eventName;
    this.#each("Event", now, (r) => refersTo(this.tree, r, path, now), (to, id, retry) => this.#notify(out, to, id, retry, "event", { objPath, eventName, params }, now));
  }

  /** ValueChange for values a controller other than `except` (or the device itself) changed. */
  #valueChanges(out: AgentEffect[], values: Applied["values"], except: string | undefined, now: number): void {
    for (const v of values) {
      this.#each("ValueChange", now, (r) => refersTo(this.tree, r, v.path, now), (to, id, retry) => this.#notify(out, to, id, retry, "valueChange", { paramPath: v.path, paramValue: v.value }, now), except);
    }
  }

  #applied(out: AgentEffect[], a: Applied, from: string, now: number): void {
    this.#valueChanges(out, a.values, from, now);
    const table = (p: string) => p.replace(/\d+\.$/, "");
    for (const c of a.created) {
      this.#each("ObjectCreation", now, (r) => tableMatches(r, table(c.path)), (to, id, retry) => this.#notify(out, to, id, retry, "objCreation", { objPath: c.path, uniqueKeys: c.uniqueKeys }, now));
    }
    for (const d of a.deleted) {
      this.#each("ObjectDeletion", now, (r) => tableMatches(r, table(d)), (to, id, retry) => this.#notify(out, to, id, retry, "objDeletion", { objPath: d }, now));
    }
    if ([...a.created.map((c) => c.path), ...a.deleted, ...a.values.map((v) => v.path)].some((p) => p.startsWith(SUBSCRIPTIONS) || p.startsWith("Device.LocalAgent.Controller."))) this.#schedulePeriodic(now);
  }

  #operationComplete(out: AgentEffect[], objPath: string, commandName: string, commandKey: string, result: { ok: true; output: StringMap } | { ok: false; errCode: number; errMsg: string }, now: number): void {
    const path = objPath + commandName;
    const body: Notifications["operComplete"] = result.ok
      ? { objPath, commandName, commandKey, operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: result.output } }
      : { objPath, commandName, commandKey, operationResp: "cmdFailure", cmdFailure: { errCode: result.errCode, errMsg: result.errMsg } };
    // The command itself, its object, or a search path naming either.
    this.#each("OperationComplete", now, (r) => r === objPath || refersTo(this.tree, r, path, now), (to, id, retry) => this.#notify(out, to, id, retry, "operComplete", body, now));
  }

  // ---- commands ----

  #operate(out: AgentEffect[], from: string, msgId: string, req: Operate, now: number, later: number | undefined): void {
    const r = resolveUsp(this.tree, req.command, now, ["command"]);
    if (!r.ok) return this.#reply(out, from, msgId, "error", errorBody(r.errCode === 7026 ? 7026 : r.errCode, r.errMsg), later);
    const name = req.command.slice(req.command.lastIndexOf(".") + 1);
    const targets = r.nodes.filter((n) => commandAt(this.m, n.path + name) !== undefined);
    if (targets.length === 0 && !r.path.search) return this.#reply(out, from, msgId, "error", errorBody(7026, `${req.command} is not a command of this agent`), later);
    const results: OperateResp["operationResults"] = [];
    const after: (() => AgentEffect[])[] = [];
    for (const node of targets) {
      const executedCommand = node.path + name;
      const def = commandAt(this.m, executedCommand)!;
      const bad = checkArgs(def, req.inputArgs);
      if (bad) {
        results.push({ executedCommand, operationResp: "cmdFailure", cmdFailure: bad });
        continue;
      }
      const started = this.#start(node, name, executedCommand, req, from, now, out);
      if ("fail" in started) {
        results.push({ executedCommand, operationResp: "cmdFailure", cmdFailure: started.fail });
        continue;
      }
      if ("request" in started) results.push({ executedCommand, operationResp: "reqObjPath", reqObjPath: started.request });
      else results.push({ executedCommand, operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: started.output } });
      if (started.then) after.push(started.then);
    }
    if (req.sendResp) this.#reply(out, from, msgId, "operateResp", { operationResults: results }, later);
    // A reboot comes after its answer has left.
    for (const f of after) out.push(...f());
  }

  #start(node: Node, name: string, command: string, req: Operate, from: string, now: number, out: AgentEffect[]): { fail: { errCode: number; errMsg: string } } | { request: string; then?: () => AgentEffect[] } | { output: StringMap; then?: () => AgentEffect[] } {
    switch (name) {
      case "Reboot()":
        return { output: {}, then: () => this.reboot(now, "RemoteReboot", req.commandKey) };
      case "FactoryReset()":
        return {
          output: {},
          then: () => {
            this.tree.factoryReset();
            this.#onboarded = false;
            this.#outbox.clear();
            return this.reboot(now, "RemoteFactoryReset", req.commandKey);
          },
        };
      case "Activate()": {
        const status = this.tree.get(node.path + "Status", now);
        if (status !== "Available" && status !== "Active") return { fail: { errCode: 7022, errMsg: `${node.path} holds no image to activate (${status})` } };
        const request = this.#request(command, req.commandKey, from, now, out);
        (this.#afterBoot ??= []).push({ command, commandKey: req.commandKey });
        return { request, then: () => this.#activate(node.path, req.commandKey, now) };
      }
      default: {
        const request = this.#request(command, req.commandKey, from, now, out);
        const def = commandAt(this.m, command)!;
        const run: Running = { id: ++this.#runIds, request, command, commandKey: req.commandKey, args: { ...req.inputArgs }, def };
        (this.#running ??= []).push(run);
        const kind = def.diagnostic?.kind;
        if (kind === "download" || kind === "upload") out.push({ type: "speedTest", id: run.id, job: speedTestJob(kind, run.args) });
        else if (kind !== undefined) run.at = now + diagnosticDuration(kind, run.args, this.o.network ?? defaultNetwork);
        else {
          setImage(this.tree, node.path, { Status: "Downloading" }, now);
          const a = req.inputArgs;
          out.push({ type: "download", id: run.id, url: a.URL!, username: a.Username ?? "", password: a.Password ?? "", fileSize: Number(a.FileSize ?? "0") });
        }
        return { request };
      }
    }
  }

  /** A Device.LocalAgent.Request.{i}. row for an async command; its path without the dot. */
  #request(command: string, commandKey: string, from: string, now: number, out: AgentEffect[]): string {
    const table = this.tree.resolve("Device.LocalAgent.Request.", now);
    if (table?.kind !== "table") return "";
    const n = this.tree.addInstance(table, now);
    const row = `${table.path}${n}.`;
    for (const [k, v] of Object.entries({ Originator: from, Command: command, CommandKey: commandKey, Status: "Active" })) this.tree.setPath(row + k, v, now);
    this.#applied(out, { values: [], created: [{ path: row, uniqueKeys: {} }], deleted: [] }, "", now);
    return row;
  }

  /** Ends a command: its Request row goes, and its OperationComplete (unless `result` is left to later). */
  #finish(out: AgentEffect[], r: Running, result: { ok: true; output: StringMap } | { ok: false; errCode: number; errMsg: string } | undefined, now: number): void {
    this.#running = this.#running?.filter((x) => x !== r);
    if (this.#running?.length === 0) this.#running = undefined;
    const row = this.tree.resolve(r.request, now);
    if (row?.kind === "object") {
      this.tree.deleteInstance(row, now);
      this.#applied(out, { values: [], created: [], deleted: [r.request] }, "", now);
    }
    if (result === undefined) return;
    const dot = r.command.lastIndexOf(".");
    this.#operationComplete(out, r.command.slice(0, dot + 1), r.command.slice(dot + 1), r.commandKey, result, now);
  }

  /** Boots the image: it becomes the active one and the software version; Activate() completes after the boot. */
  #activate(image: string, commandKey: string | undefined, now: number): AgentEffect[] {
    const version = this.tree.get(image + "Version", now) ?? "";
    const active = this.tree.get("Device.DeviceInfo.ActiveFirmwareImage", now) ?? "";
    if (active !== "" && active + "." !== image) setImage(this.tree, active + ".", { Status: "Available" }, now);
    setImage(this.tree, image, { Status: "Active" }, now);
    setImage(this.tree, "Device.DeviceInfo.", { ActiveFirmwareImage: image.slice(0, -1), SoftwareVersion: version }, now);
    setImage(this.tree, "Device.LocalAgent.", { SoftwareVersion: version }, now);
    this.#firmwareUpdated = true;
    return this.reboot(now, "RemoteReboot", commandKey ?? "");
  }
}
