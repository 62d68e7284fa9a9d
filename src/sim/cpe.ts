// The CPE protocol engine for one simulated device, sans-I/O: it is fed parsed ACS messages and the
// clock, and returns the messages to POST and effects for the runtime (start a session, perform a
// transfer, the device went down for a reboot). It holds no sockets, no timers and no clock:
//
//   powerOn(now)                    the device starts (BOOT, BOOTSTRAP on first contact)
//   tick(now) / nextDeadline()      timers: periodic and scheduled informs, retries, transfers, diagnostics
//   connectionRequest(now)          the ACS asked for a session
//   startSession(now)               -> the Inform envelope to POST
//   receive(envelope | null, now)   -> the next envelope to POST (null: an empty POST), or the end
//   sessionFailed(now)              the HTTP exchange failed; the session is retried with back-off
//   transferDone(now, id, outcome)  the runtime finished a transfer asked for by a "transfer" effect
//   toJSON() / new Cpe(..., state)  the device's state, to keep it across restarts
//   changeValue, raiseAlarm, clearAlarm, setSilent, reboot: what a test or a user does to the device
//
// After any call the runtime re-reads nextDeadline() and arranges to call tick() then.

import {
  cwmpFault,
  formatDateTime,
  parseDateTime,
  type CwmpEnvelope,
  type CwmpMessage,
  type CwmpNamespaceVersion,
  type DeploymentUnitOperation,
  type DUStateChangeComplete,
  type EventStruct,
  type FaultStruct,
  type OpResultStruct,
  type ParameterValueStruct,
  type TransferComplete,
} from "../cwmp/index.js";
import { checkLocalValue, checkSetValue } from "./constraints.js";
import { DeviceTree, type TreeState } from "./device-model.js";
import { SimError } from "./errors.js";
import { EVENT, EventQueue, sortEvents, type EventQueueState } from "./events.js";
import { FaultMgmt, type AlarmKey, type AlarmOutcome, type AlarmSpec, type FaultMgmtState } from "./fault-mgmt.js";
import type { DeviceModel, ParamDef } from "./model.js";
import { nextRandom } from "./rng.js";
import { defaultNetwork } from "./models/diagnostics.js";
import type { DiagnosticTransferJob, DiagnosticTransferResult, NetworkProfile } from "./source.js";
import * as params from "./rpc-parameters.js";
import { sessionStep, type SessionInput, type SessionState } from "./session-states.js";
import { SoftwareModules, softwareModuleTables } from "./software-modules.js";
import type { DeviceIdentity } from "./source.js";
import {
  acceptDownload,
  acceptScheduleDownload,
  acceptUpload,
  cancelTransfer,
  FILE_TYPE,
  firmwareVersion,
  getAllQueuedTransfers,
  getQueuedTransfers,
  TransferQueue,
  type QueuedTransfer,
  type TransferJob,
  type TransferOutcome,
  type TransferQueueState,
} from "./transfers.js";

export type CwmpVersion = "1.0" | "1.1" | "1.2" | "1.3" | "1.4";

export interface CpeOptions {
  /** The CWMP version the device speaks (its Inform's namespace, what it supports). Default "1.4". */
  cwmpVersion?: CwmpVersion;
  /** How long a reboot keeps the device down. Default 5 s. */
  rebootDurationMs?: number;
  /** Random delay added to each periodic inform, spreading devices that booted together. Default 0. */
  periodicJitterMs?: number;
  /** How often values that change by themselves are checked for Active Notification. Default 60 s. */
  notificationPollMs?: number;
  /** Transfers queued at once before Download answers 9004. Default 16. */
  maxQueuedTransfers?: number;
  /** A SetParameterValues value of another xsi:type is 9006 (default), or accepted when its text fits. */
  strictTypes?: boolean;
  /** The network diagnostics see (latency, loss, unreachable hosts). Default: defaultNetwork. */
  network?: Partial<NetworkProfile>;
  /**
   * Called with each request of the ACS the device carried out (answered without a fault), so that a
   * test can count what reached the device: a write applied twice shows there and nowhere else.
   */
  onApplied?: (request: CwmpMessage) => void;
}

export type CpeEffect =
  /** The device wants a session now: call startSession(). */
  | { kind: "startSession" }
  /** The device went down (reboot or factory reset); tick() at `until` brings it back up. */
  | { kind: "reboot"; factoryReset: boolean; until: number }
  /** Perform a transfer, then call transferDone(). */
  | { kind: "transfer"; job: TransferJob }
  /** ManagementServer.URL changed: the next session goes to `url`. */
  | { kind: "acsUrlChanged"; url: string }
  /** A TR-143 diagnostic: move the bytes, then call diagnosticTransferDone(). */
  | { kind: "diagnosticTransfer"; statePath: string; job: DiagnosticTransferJob };

export type SessionOutput =
  /** POST `reply` (null: an empty POST) and feed the answer to receive(). */
  | { done: false; reply: CwmpEnvelope | null; effects: CpeEffect[] }
  /** The session is over. */
  | { done: true; failed: boolean; effects: CpeEffect[] };

/** A request the CPE sends the ACS after the InformResponse. */
export type PendingRequest =
  | { kind: "TransferComplete"; transferId: number; event: string; commandKey: string; fault: FaultStruct; startTime: string; completeTime: string }
  | { kind: "DUStateChangeComplete"; commandKey: string; results: OpResultStruct[] };

type AfterSession =
  | { kind: "reboot"; commandKey: string | undefined }
  | { kind: "factoryReset" }
  | { kind: "changeDUState"; operations: DeploymentUnitOperation[]; commandKey: string }
  | { kind: "diagnostic"; statePath: string };

interface Session {
  state: SessionState;
  /** Namespace of the session: ours in the Inform, the ACS's once it answered. */
  ns: CwmpNamespaceVersion;
  /** HoldRequests of the ACS's latest envelope. */
  hold: boolean;
  /** The CPE sent the empty POST that says it has no more requests. */
  cpeDone: boolean;
  inFlight: PendingRequest | undefined;
  attempted: Set<PendingRequest>;
  pendingAtStart: ReadonlySet<PendingRequest>;
  /** Changed notified values carried by the Inform, recorded as reported once it is acknowledged. */
  reportedInInform: Array<[string, string]>;
  /** FaultMgmt event rows the Inform carried (the first ones of `alarmReports`). */
  alarmRowsInInform: number;
  after: AfterSession[];
  acsUrlChanged: string | undefined;
}

/**
 * What a device keeps across restarts of the simulator (JSON). A restored device is off: powerOn()
 * boots it, as a power cycle would; a session in progress when the state was taken is not kept.
 */
export interface CpeState {
  version: 1;
  model: string;
  serialNumber: string;
  tree: TreeState;
  bootTime: number;
  bootstrapped: boolean;
  events: EventQueueState;
  pending: PendingRequest[];
  transfers: TransferQueueState;
  scheduled: Array<{ at: number; commandKey: string }>;
  periodicBase?: number;
  periodicAt?: number;
  retryCount: number;
  retryAt?: number;
  reported: Record<string, string>;
  diagnostics: Array<{ statePath: string; doneAt: number }>;
  rng: number;
  seq: number;
  wantSession: boolean;
  /** FaultMgmt: counters, and the expedited and queued event rows the ACS was not told of yet. */
  faultMgmt?: FaultMgmtState & { unreported: string[] };
  /** Silenced by setSilent(). */
  silent?: boolean;
}

const NS_OF: Readonly<Record<CwmpVersion, CwmpNamespaceVersion>> = { "1.0": "1-0", "1.1": "1-1", "1.2": "1-2", "1.3": "1-2", "1.4": "1-2" };
const SUPPORTED_VERSIONS: Readonly<Record<CwmpVersion, string>> = {
  "1.0": "1.0", "1.1": "1.0,1.1", "1.2": "1.0,1.1,1.2", "1.3": "1.0,1.1,1.2,1.3", "1.4": "1.0,1.1,1.2,1.3,1.4",
};

/** CPE methods by the first namespace that defines them. */
const CPE_METHODS: ReadonlyArray<[string, CwmpNamespaceVersion]> = [
  ["GetRPCMethods", "1-0"], ["SetParameterValues", "1-0"], ["GetParameterValues", "1-0"], ["GetParameterNames", "1-0"],
  ["SetParameterAttributes", "1-0"], ["GetParameterAttributes", "1-0"], ["AddObject", "1-0"], ["DeleteObject", "1-0"],
  ["Reboot", "1-0"], ["Download", "1-0"], ["Upload", "1-0"], ["FactoryReset", "1-0"], ["GetQueuedTransfers", "1-0"],
  ["GetAllQueuedTransfers", "1-1"], ["ScheduleInform", "1-0"], ["SetVouchers", "1-0"], ["GetOptions", "1-0"],
  ["ScheduleDownload", "1-2"], ["CancelTransfer", "1-2"], ["ChangeDUState", "1-2"],
];

/** Responses to the requests a CPE sends. */
const ACS_RESPONSES: ReadonlySet<string> = new Set([
  "TransferCompleteResponse", "DUStateChangeCompleteResponse", "GetRPCMethodsResponse", "AutonomousTransferCompleteResponse",
  "AutonomousDUStateChangeCompleteResponse", "RequestDownloadResponse", "KickedResponse",
]);

function minNs(a: CwmpNamespaceVersion, b: CwmpNamespaceVersion): CwmpNamespaceVersion {
  return a < b ? a : b;
}

const noFault: FaultStruct = { faultCode: 0, faultString: "" };

export class Cpe {
  readonly model: DeviceModel;
  readonly tree: DeviceTree;
  readonly cwmpVersion: CwmpVersion;
  private readonly opts: Required<Omit<CpeOptions, "cwmpVersion" | "onApplied" | "network">>;
  private readonly onApplied: ((request: CwmpMessage) => void) | undefined;
  private readonly ms: string;
  private events: EventQueue;
  private pending: PendingRequest[];
  private transfers: TransferQueue;
  private scheduled: Array<{ at: number; commandKey: string }>;
  private periodicBase: number | undefined;
  private periodicAt: number | undefined;
  private retryCount: number;
  private retryAt: number | undefined;
  private bootstrapped: boolean;
  private up: boolean;
  private bootAt: number | undefined;
  private reported: Map<string, string>;
  private diagnostics: Array<{ statePath: string; doneAt: number }>;
  private pollAt: number | undefined;
  private rng: number;
  private seq: number;
  private wantSession: boolean;
  private alarms: FaultMgmtState;
  private alarmReports: string[];
  private silent: boolean;
  private session: Session | undefined;
  private readonly network: NetworkProfile;

  constructor(model: DeviceModel, identity: DeviceIdentity, options: CpeOptions = {}, state?: CpeState) {
    this.model = model;
    this.cwmpVersion = options.cwmpVersion ?? "1.4";
    this.opts = {
      rebootDurationMs: options.rebootDurationMs ?? 5_000,
      periodicJitterMs: options.periodicJitterMs ?? 0,
      notificationPollMs: options.notificationPollMs ?? 60_000,
      maxQueuedTransfers: options.maxQueuedTransfers ?? 16,
      strictTypes: options.strictTypes ?? true,
    };
    this.onApplied = options.onApplied;
    this.network = { ...defaultNetwork, ...options.network };
    this.ms = `${model.root.path}ManagementServer.`;
    if (state !== undefined) {
      if (state.version !== 1) throw new SimError("SIM_STATE_INVALID", `device state version ${String(state.version)} is not 1`);
      if (state.model !== model.name) throw new SimError("SIM_STATE_INVALID", `device state is for model ${state.model}, not ${model.name}`);
      if (state.serialNumber !== identity.serialNumber) {
        throw new SimError("SIM_STATE_INVALID", `device state is for ${state.serialNumber}, not ${identity.serialNumber}`);
      }
    }
    this.tree = new DeviceTree(model, identity, state?.bootTime ?? 0, state?.tree);
    this.events = state ? EventQueue.fromJSON(state.events) : new EventQueue();
    this.pending = state ? state.pending.map((p) => ({ ...p })) : [];
    this.transfers = state ? TransferQueue.fromJSON(state.transfers) : new TransferQueue();
    this.scheduled = state ? state.scheduled.map((s) => ({ ...s })) : [];
    this.periodicBase = state?.periodicBase;
    this.periodicAt = state?.periodicAt;
    this.retryCount = state?.retryCount ?? 0;
    this.retryAt = state?.retryAt;
    this.bootstrapped = state?.bootstrapped ?? false;
    this.up = false;
    this.bootAt = undefined;
    this.reported = new Map(Object.entries(state?.reported ?? {}));
    this.diagnostics = state ? state.diagnostics.map((d) => ({ ...d })) : [];
    this.rng = state?.rng ?? identity.seed;
    this.seq = state?.seq ?? 0;
    this.wantSession = state?.wantSession ?? false;
    this.alarms = { alarms: state?.faultMgmt?.alarms ?? 0, written: { ...state?.faultMgmt?.written } };
    this.alarmReports = [...(state?.faultMgmt?.unreported ?? [])];
    this.silent = state?.silent ?? false;
  }

  // ---- what the runtime reads ----

  get identity(): DeviceIdentity {
    return this.tree.identity;
  }

  get isUp(): boolean {
    return this.up;
  }

  get inSession(): boolean {
    return this.session !== undefined;
  }

  /** A session is wanted (now, or at the retry time). */
  get wantsSession(): boolean {
    return this.wantSession;
  }

  get acsUrl(): string {
    return this.read(this.ms + "URL") ?? this.identity.acsUrl;
  }

  get acsCredentials(): { username: string; password: string } {
    return { username: this.read(this.ms + "Username") ?? this.identity.acsUsername, password: this.read(this.ms + "Password") ?? this.identity.acsPassword };
  }

  get connectionRequestCredentials(): { username: string; password: string } {
    return {
      username: this.read(this.ms + "ConnectionRequestUsername") ?? this.identity.connectionRequestUsername,
      password: this.read(this.ms + "ConnectionRequestPassword") ?? this.identity.connectionRequestPassword,
    };
  }

  /** Events queued for the next Inform (stored ones; those of pending requests are added when it is built). */
  get queuedEvents(): EventStruct[] {
    return this.events.toJSON().events.map(([eventCode, commandKey]) => ({ eventCode, commandKey }));
  }

  get pendingRequests(): readonly PendingRequest[] {
    return this.pending;
  }

  /** The time of the next timer, or undefined when nothing is scheduled. */
  nextDeadline(): number | undefined {
    let at: number | undefined;
    const consider = (t: number | undefined) => {
      if (t !== undefined && (at === undefined || t < at)) at = t;
    };
    if (!this.up) {
      consider(this.bootAt);
      return at;
    }
    consider(this.periodicAt);
    for (const s of this.scheduled) consider(s.at);
    for (const d of this.diagnostics) consider(d.doneAt);
    consider(this.pollAt);
    if (this.session === undefined) {
      consider(this.transfers.nextDeadline());
      if (this.wantSession && !this.silent) consider(this.retryAt);
    }
    return at;
  }

  // ---- lifecycle ----

  /** The device is switched on (first start, or a restart of the simulator with saved state). */
  powerOn(now: number): CpeEffect[] {
    if (this.up) throw new SimError("SIM_NOT_READY", "the device is already on");
    return this.boot(now);
  }

  /** Runs everything due at `now`. */
  tick(now: number): CpeEffect[] {
    if (!this.up) return this.bootAt !== undefined && this.bootAt <= now ? this.boot(now) : [];
    if (this.periodicAt !== undefined && this.periodicAt <= now) {
      this.events.add(EVENT.periodic);
      // From now, not from the missed time: after a long pause the device informs once, not once per period.
      this.schedulePeriodic(now);
      this.wantSession = true;
    }
    const due = this.scheduled.filter((s) => s.at <= now);
    if (due.length > 0) {
      this.scheduled = this.scheduled.filter((s) => s.at > now);
      this.events.add(EVENT.scheduled);
      for (const s of due) this.events.add(EVENT.mScheduleInform, s.commandKey);
      this.wantSession = true;
    }
    const finished = this.diagnostics.filter((d) => d.doneAt <= now);
    if (finished.length > 0) {
      this.diagnostics = this.diagnostics.filter((d) => d.doneAt > now);
      for (const d of finished) this.completeDiagnostic(d.statePath, now);
    }
    if (this.pollAt !== undefined && this.pollAt <= now) {
      this.pollAt = now + this.opts.notificationPollMs;
      this.checkActiveNotifications(now);
    }
    return this.runDue(now);
  }

  /**
   * ManagementServer.EnableCWMP, unless silenced (setSilent): when false the device neither informs nor
   * accepts Connection Requests.
   */
  get cwmpEnabled(): boolean {
    return !this.silent && this.read(this.ms + "EnableCWMP") !== "false";
  }

  get isSilent(): boolean {
    return this.silent;
  }

  /** The ACS sent a Connection Request (the runtime authenticated it). */
  connectionRequest(now: number): CpeEffect[] {
    if (!this.up || !this.cwmpEnabled) return [];
    this.events.add(EVENT.connectionRequest);
    this.wantSession = true;
    // A connection request does not wait for a retry back-off; during a session it waits for its end.
    if (this.session !== undefined) return [];
    this.retryAt = undefined;
    return this.runDue(now);
  }

  /**
   * A value changed on the device itself (a user, the runtime): Active Notification may start a session.
   * With `notify` false the value is only stored: the change is noticed by the next notifyChanges(), the
   * next poll, or the next Inform (which carries it) — how a CPE honours a notification limit.
   */
  setLocalValue(path: string, text: string, now: number, notify = true): CpeEffect[] {
    this.tree.setPath(path, text, now);
    return notify ? this.notifyChanges(now) : [];
  }

  /**
   * A value changed on the device as a test or a user says (read-only parameters too: a temperature, a
   * signal level), checked against its type and the model's restrictions; then as setLocalValue: the
   * notification attributes the ACS set decide whether the device informs now, next time, or never.
   */
  changeValue(path: string, text: string, now: number): CpeEffect[] {
    const node = this.tree.resolve(path, now);
    if (node?.kind !== "param") throw new SimError("SIM_UNKNOWN_PATH", `no parameter ${path}`);
    if (node.def.counts !== undefined) throw new SimError("SIM_BAD_VALUE", `${path} counts the rows of its table: change the table instead`);
    const checked = checkLocalValue(node.def, text);
    if (!checked.ok) throw new SimError("SIM_BAD_VALUE", `${path}: ${checked.message}`);
    return this.setLocalValue(path, checked.text, now);
  }

  /**
   * Raises an alarm in Device.FaultMgmt (fault-mgmt.ts). An expedited alarm makes the device inform now
   * with 4 VALUE CHANGE and the new ExpeditedEvent row's parameters; a queued one rides the next Inform
   * the same way (its QueuedEvent row); a logged one is only in the tables. Notification attributes the
   * ACS set (on CurrentAlarmNumberOfEntries, say) apply as to any change.
   */
  raiseAlarm(spec: AlarmSpec, now: number): AlarmOutcome & { effects: CpeEffect[] } {
    const outcome = new FaultMgmt(this.tree, this.alarms, now).raise(spec);
    return { ...outcome, effects: this.alarmReported(outcome, now) };
  }

  /** Clears a current alarm: its row goes, a Cleared event is logged and reported as it was raised. */
  clearAlarm(key: AlarmKey, now: number): AlarmOutcome & { effects: CpeEffect[] } {
    const outcome = new FaultMgmt(this.tree, this.alarms, now).clear(key);
    return { ...outcome, effects: this.alarmReported(outcome, now) };
  }

  private alarmReported(outcome: AlarmOutcome, now: number): CpeEffect[] {
    if (outcome.reportRow !== undefined && !this.alarmReports.includes(outcome.reportRow)) this.alarmReports.push(outcome.reportRow);
    if (outcome.mechanism === "0 Expedited") this.wantSession = true;
    return this.notifyChanges(now);
  }

  /**
   * Silences the device (it stops informing and refuses Connection Requests, as one that lost its WAN
   * would), or lets it speak again: what it kept meanwhile (periodic informs, value changes) is sent then.
   */
  setSilent(silent: boolean, now: number): CpeEffect[] {
    this.silent = silent;
    return silent || this.session !== undefined ? [] : this.runDue(now);
  }

  /** The device is power-cycled (a user's reboot, not the ACS's: no M Reboot); during a session, after it. */
  reboot(now: number): CpeEffect[] {
    if (!this.up) return [];
    if (this.session !== undefined) {
      this.session.after.push({ kind: "reboot", commandKey: undefined });
      return [];
    }
    return [this.goDown(now, false)];
  }

  /** Looks for changed notified values now: Active Notification may start a session. */
  notifyChanges(now: number): CpeEffect[] {
    this.checkActiveNotifications(now);
    return this.session === undefined ? this.runDue(now) : [];
  }

  /** The current value of a parameter (secrets included), or undefined when it does not exist. */
  read(path: string, now = this.tree.bootTime): string | undefined {
    return this.tree.get(path, now);
  }

  private boot(now: number): CpeEffect[] {
    this.up = true;
    this.bootAt = undefined;
    this.tree.bootTime = now;
    this.events.rebooted();
    this.events.add(EVENT.boot);
    if (!this.bootstrapped) this.events.add(EVENT.bootstrap);
    // A firmware image downloaded before the reboot is now running.
    for (const t of this.transfers.list.filter((x) => x.state === 3)) {
      const sw = this.model.paramAt(`${this.model.root.path}DeviceInfo.SoftwareVersion`);
      if (sw !== undefined && t.version !== undefined) this.tree.set(sw.path, sw, t.version);
      this.completeTransfer(t, noFault, t.startedAt ?? now, now);
    }
    // Transfers the reboot interrupted start again, under a new id: a late outcome of the old one is ignored.
    for (const t of this.transfers.list) {
      if (t.state !== 2) continue;
      t.state = 1;
      t.id = this.transfers.nextId++;
    }
    this.retryCount = 0;
    this.retryAt = undefined;
    this.schedulePeriodic(now);
    this.updatePolling(now);
    this.checkNotifications(now);
    this.wantSession = true;
    return this.runDue(now);
  }

  private goDown(now: number, factoryReset: boolean): CpeEffect {
    this.up = false;
    this.bootAt = now + this.opts.rebootDurationMs;
    if (factoryReset) {
      this.tree.factoryReset();
      this.events.clear();
      this.pending = [];
      this.transfers = new TransferQueue();
      this.scheduled = [];
      this.reported.clear();
      this.bootstrapped = false;
      this.alarms = { alarms: 0, written: {} };
      this.alarmReports = [];
    }
    this.periodicAt = this.periodicBase = undefined;
    this.pollAt = undefined;
    // A diagnostic the reboot interrupted has no results (its state reads None).
    for (const d of this.diagnostics) {
      const def = this.model.paramAt(d.statePath);
      if (def !== undefined) this.tree.set(d.statePath, def, "None");
    }
    this.diagnostics = [];
    return { kind: "reboot", factoryReset, until: this.bootAt };
  }

  /** Starts due transfers and asks for a session when one is wanted and allowed now. */
  private runDue(now: number): CpeEffect[] {
    const effects: CpeEffect[] = [];
    if (!this.up || this.session !== undefined) return effects;
    const { start, expired } = this.transfers.due(now);
    for (const t of expired) {
      this.completeTransfer(t, { faultCode: 9020, faultString: "unable to complete download within specified time windows" }, now, now);
    }
    for (const t of start) effects.push({ kind: "transfer", job: this.startTransfer(t, now) });
    if (this.wantSession && this.cwmpEnabled && (this.retryAt === undefined || this.retryAt <= now)) effects.push({ kind: "startSession" });
    return effects;
  }

  // ---- periodic inform ----

  private schedulePeriodic(from: number): void {
    const enabled = this.read(this.ms + "PeriodicInformEnable");
    const interval = Number(this.read(this.ms + "PeriodicInformInterval") ?? "0");
    if (enabled !== "true" || !(interval > 0)) {
      this.periodicAt = this.periodicBase = undefined;
      return;
    }
    const period = interval * 1000;
    const timeText = this.read(this.ms + "PeriodicInformTime");
    const time = timeText === undefined ? null : parseDateTime(timeText);
    // The unknown time (year 1) means "no phase": periods count from the boot.
    const ref = time !== null && time.getUTCFullYear() > 1 ? time.getTime() : this.tree.bootTime;
    const base = ref + (Math.floor((from - ref) / period) + 1) * period;
    this.periodicBase = base;
    this.periodicAt = base + (this.opts.periodicJitterMs > 0 ? Math.floor(this.random() * this.opts.periodicJitterMs) : 0);
  }

  private random(): number {
    const [state, value] = nextRandom(this.rng);
    this.rng = state;
    return value;
  }

  // ---- notifications ----

  /** Notified parameters whose value differs from the one last reported. New ones are recorded silently. */
  private checkNotifications(now: number): Array<{ path: string; value: string; level: number }> {
    const changed: Array<{ path: string; value: string; level: number }> = [];
    const live = new Set<string>();
    for (const n of this.tree.notified(now)) {
      live.add(n.path);
      const value = this.tree.value(n.path, n.def, n.inst, now);
      const last = this.reported.get(n.path);
      if (last === undefined) this.reported.set(n.path, value);
      else if (last !== value) changed.push({ path: n.path, value, level: n.level });
    }
    for (const p of this.reported.keys()) if (!live.has(p)) this.reported.delete(p);
    return changed;
  }

  private checkActiveNotifications(now: number): void {
    // 2 is Active; 6 is Active plus passive lightweight. Both ask for a session.
    if (this.checkNotifications(now).some((c) => c.level === 2 || c.level === 6)) {
      this.events.add(EVENT.valueChange);
      this.wantSession = true;
    }
  }

  /** Polls only when an active-notified value can change by itself. */
  private updatePolling(now: number): void {
    const changesByItself = (def: ParamDef): boolean => {
      if (def.dynamic !== undefined || def.counts?.volatile !== undefined) return true;
      for (let o: ParamDef["object"] | undefined = def.object; o !== undefined; o = o.parent) if (o.volatile !== undefined) return true;
      return false;
    };
    const poll = this.tree.notified(now).some((n) => (n.level === 2 || n.level === 6) && changesByItself(n.def));
    if (!poll) this.pollAt = undefined;
    else this.pollAt ??= now + this.opts.notificationPollMs;
  }

  // ---- the session ----

  /** Builds the Inform that opens a session. */
  startSession(now: number): CwmpEnvelope {
    if (!this.up) throw new SimError("SIM_NOT_READY", "the device is down");
    if (this.session !== undefined) throw new SimError("SIM_SESSION_IN_PROGRESS", "a session is already in progress");
    const changed = this.checkNotifications(now);
    if (changed.length > 0 || this.alarmReports.length > 0) this.events.add(EVENT.valueChange);
    const event = this.events.forInform();
    let transferEvent = false;
    let duEvent = false;
    for (const p of this.pending) {
      if (p.kind === "TransferComplete") {
        transferEvent = true;
        event.push({ eventCode: p.event, commandKey: p.commandKey });
      } else {
        duEvent = true;
        event.push({ eventCode: EVENT.mChangeDUState, commandKey: p.commandKey });
      }
    }
    if (transferEvent) event.push({ eventCode: EVENT.transferComplete, commandKey: "" });
    if (duEvent) event.push({ eventCode: EVENT.duStateChangeComplete, commandKey: "" });

    const parameterList: ParameterValueStruct[] = [];
    const listed = new Set<string>();
    for (const def of this.model.forcedInform) {
      for (const { path, inst } of this.tree.pathsOf(def, now)) {
        listed.add(path);
        parameterList.push({ name: path, value: { type: def.type, text: def.secret ? "" : this.tree.value(path, def, inst, now) } });
      }
    }
    for (const c of changed) {
      if (listed.has(c.path)) continue;
      listed.add(c.path);
      const node = this.tree.resolve(c.path, now);
      if (node?.kind !== "param") continue;
      parameterList.push({ name: c.path, value: { type: node.def.type, text: node.def.secret ? "" : c.value } });
    }
    for (const name of [...this.alarmReports, ...this.informParameters(event, now)]) {
      const node = this.tree.resolve(name, now);
      if (node === undefined) continue;
      this.tree.forEachParam(node, now, (path, def, inst) => {
        if (listed.has(path)) return;
        listed.add(path);
        parameterList.push({ name: path, value: { type: def.type, text: def.secret ? "" : this.tree.value(path, def, inst, now) } });
      });
    }

    const ns = NS_OF[this.cwmpVersion];
    this.session = {
      state: "informing", ns, hold: false, cpeDone: false, inFlight: undefined, attempted: new Set(), pendingAtStart: new Set(this.pending),
      reportedInInform: changed.map((c) => [c.path, c.value]), alarmRowsInInform: this.alarmReports.length, after: [], acsUrlChanged: undefined,
    };
    this.wantSession = false;
    const id = this.identity;
    return {
      ns,
      header: { id: String(++this.seq), ...(this.cwmpVersion === "1.4" ? { supportedCwmpVersions: SUPPORTED_VERSIONS["1.4"] } : {}) },
      body: {
        method: "Inform",
        deviceId: { manufacturer: id.manufacturer, oui: id.oui, productClass: id.productClass, serialNumber: id.serialNumber },
        event: sortEvents(event),
        maxEnvelopes: 1,
        currentTime: formatDateTime(new Date(now)),
        retryCount: this.retryCount,
        parameterList,
      },
    };
  }

  /**
   * The names ManagementServer.InformParameter asks to add to this Inform: enabled rows whose EventList
   * is empty or names one of the Inform's events.
   */
  private informParameters(events: readonly EventStruct[], now: number): string[] {
    const table = this.tree.resolve(this.ms + "InformParameter.", now);
    if (table?.kind !== "table") return [];
    const codes = new Set(events.map((e) => e.eventCode));
    const out: string[] = [];
    for (const n of this.tree.instancesOf(table.def, table.inst, now, table.path)) {
      const row = `${table.path}${n}.`;
      if (this.tree.get(row + "Enable", now) !== "true") continue;
      const name = this.tree.get(row + "ParameterName", now) ?? "";
      const wanted = (this.tree.get(row + "EventList", now) ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
      if (name !== "" && (wanted.length === 0 || wanted.some((w) => codes.has(w)))) out.push(name);
    }
    return out;
  }

  /** Feeds the ACS's answer: an envelope, or null for an empty HTTP body. */
  receive(envelope: CwmpEnvelope | null, now: number): SessionOutput {
    const s = this.session;
    if (s === undefined) throw new SimError("SIM_NO_SESSION", "no session is in progress");
    const body = envelope?.body ?? null;
    const input = this.classify(body);
    if (envelope !== null) s.hold = envelope.header.holdRequests === true;
    switch (sessionStep(s.state, input)) {
      case "fail":
        return this.fail(now);
      case "end":
        return this.end(now);
      case "serve": {
        const env = envelope!;
        s.state = "serving";
        const reply = this.serve(body!, env.ns, now);
        if (reply.method !== "Fault") this.onApplied?.(body!);
        return { done: false, reply: { ns: env.ns, header: env.header.id === undefined ? {} : { id: env.header.id }, body: reply }, effects: [] };
      }
      case "proceed": {
        if (input === "informResponse") {
          s.ns = envelope!.ns;
          this.informAcknowledged();
        } else if (s.state === "requesting" && input !== "empty") {
          if (!this.answered(body!)) return this.fail(now);
        }
        const next = !s.hold && !s.cpeDone ? this.pending.find((p) => !s.attempted.has(p) && this.sendable(p, s.ns)) : undefined;
        if (next !== undefined) {
          s.state = "requesting";
          s.inFlight = next;
          s.attempted.add(next);
          return { done: false, reply: { ns: s.ns, header: { id: String(++this.seq) }, body: this.requestMessage(next) }, effects: [] };
        }
        if (input === "empty") return this.end(now);
        if (!s.hold) s.cpeDone = true;
        s.state = "serving";
        s.inFlight = undefined;
        return { done: false, reply: null, effects: [] };
      }
    }
  }

  /**
   * The ACS's answer could not be parsed (the runtime caught a CwmpRemoteError). During the Inform the
   * session fails; otherwise the CPE answers with a Fault carrying `faultCode` (9003 by default).
   */
  receiveUnreadable(now: number, faultCode = 9003): SessionOutput {
    const s = this.session;
    if (s === undefined) throw new SimError("SIM_NO_SESSION", "no session is in progress");
    if (s.state === "informing" || s.state === "requesting") return this.fail(now);
    return { done: false, reply: { ns: s.ns, header: {}, body: cwmpFault(faultCode) }, effects: [] };
  }

  /** The HTTP exchange failed (connection refused or dropped, timeout, HTTP error, authentication). */
  sessionFailed(now: number): SessionOutput & { done: true } {
    if (this.session === undefined) throw new SimError("SIM_NO_SESSION", "no session is in progress");
    return this.fail(now);
  }

  private classify(body: CwmpMessage | null): SessionInput {
    if (body === null) return "empty";
    if (body.method === "InformResponse") return "informResponse";
    if (body.method === "Fault") return "fault";
    if (ACS_RESPONSES.has(body.method)) return "response";
    return "request";
  }

  private sendable(p: PendingRequest, ns: CwmpNamespaceVersion): boolean {
    return p.kind === "TransferComplete" || ns >= "1-2";
  }

  private requestMessage(p: PendingRequest): TransferComplete | DUStateChangeComplete {
    if (p.kind === "TransferComplete") {
      return { method: "TransferComplete", commandKey: p.commandKey, faultStruct: p.fault, startTime: p.startTime, completeTime: p.completeTime };
    }
    return { method: "DUStateChangeComplete", results: p.results, commandKey: p.commandKey };
  }

  /** The answer to our in-flight request. False when it answers something else. */
  private answered(body: CwmpMessage): boolean {
    const s = this.session!;
    const req = s.inFlight;
    s.inFlight = undefined;
    if (req === undefined) return false;
    if (body.method === "Fault") {
      // 8005: try again in a later session; any other fault: the ACS will never take it.
      if (body.detail.faultCode !== 8005) this.pending = this.pending.filter((p) => p !== req);
      return true;
    }
    if (body.method !== `${req.kind}Response`) return false;
    this.pending = this.pending.filter((p) => p !== req);
    return true;
  }

  private informAcknowledged(): void {
    const s = this.session!;
    const delivered = this.events.acknowledged();
    if (delivered.includes(EVENT.bootstrap)) this.bootstrapped = true;
    for (const [path, value] of s.reportedInInform) this.reported.set(path, value);
    this.alarmReports.splice(0, s.alarmRowsInInform);
  }

  private end(now: number): SessionOutput {
    const s = this.session!;
    this.session = undefined;
    // Requests this session could not deliver (held back by the ACS, refused with 8005, or not in its
    // namespace) wait for a retry with back-off; requests that arose during the session get a new one.
    const stuck = this.pending.some((p) => s.attempted.has(p) || s.pendingAtStart.has(p));
    if (stuck) this.scheduleRetry(now);
    else {
      this.retryCount = 0;
      this.retryAt = undefined;
      if (this.pending.length > 0) this.wantSession = true;
    }
    return { done: true, failed: false, effects: this.afterSession(s, now) };
  }

  private fail(now: number): SessionOutput & { done: true } {
    const s = this.session!;
    this.session = undefined;
    if (s.state === "informing") this.events.failed();
    if (this.events.size > 0 || this.pending.length > 0) this.scheduleRetry(now);
    return { done: true, failed: true, effects: this.afterSession(s, now) };
  }

  /** TR-069 3.2.1.1: the n-th retry waits between m*k^(n-1) and m*k^n seconds (n capped at 10). */
  private scheduleRetry(now: number): void {
    this.retryCount++;
    const m = Number(this.read(this.ms + "CWMPRetryMinimumWaitInterval") ?? "5") || 5;
    const k = (Number(this.read(this.ms + "CWMPRetryIntervalMultiplier") ?? "2000") || 2000) / 1000;
    const n = Math.min(this.retryCount, 10);
    const lo = m * k ** (n - 1);
    const hi = m * k ** n;
    this.retryAt = now + Math.round((lo + this.random() * (hi - lo)) * 1000);
    this.wantSession = true;
  }

  /** What the RPCs of a session asked to happen once it is over. */
  private afterSession(s: Session, now: number): CpeEffect[] {
    const effects: CpeEffect[] = [];
    if (s.acsUrlChanged !== undefined) effects.push({ kind: "acsUrlChanged", url: s.acsUrlChanged });
    let down: AfterSession | undefined;
    for (const a of s.after) {
      switch (a.kind) {
        case "reboot":
          if (a.commandKey !== undefined) this.events.add(EVENT.mReboot, a.commandKey);
          if (down?.kind !== "factoryReset") down = a;
          break;
        case "factoryReset":
          down = a;
          break;
        case "changeDUState": {
          const results = new SoftwareModules(this.tree, now).apply(a.operations, ++this.seq * 16);
          this.pending.push({ kind: "DUStateChangeComplete", commandKey: a.commandKey, results });
          this.wantSession = true;
          break;
        }
        case "diagnostic": {
          const d = this.model.diagnostics.get(a.statePath);
          if (d?.transfer !== undefined) effects.push({ kind: "diagnosticTransfer", statePath: a.statePath, job: d.transfer((p) => this.tree.get(p, now) ?? "") });
          else if (d !== undefined) this.diagnostics.push({ statePath: a.statePath, doneAt: now + d.durationMs });
          break;
        }
      }
    }
    if (down !== undefined) {
      effects.push(this.goDown(now, down.kind === "factoryReset"));
      return effects;
    }
    effects.push(...this.runDue(now));
    return effects;
  }

  // ---- answering the ACS ----

  private supports(method: string, ns: CwmpNamespaceVersion): boolean {
    const entry = CPE_METHODS.find(([m]) => m === method);
    if (entry === undefined) return false;
    if (method === "ChangeDUState" && softwareModuleTables(this.tree) === undefined) return false;
    return entry[1] <= minNs(NS_OF[this.cwmpVersion], ns);
  }

  private serve(m: CwmpMessage, ns: CwmpNamespaceVersion, now: number): CwmpMessage {
    const s = this.session!;
    if (!this.supports(m.method, ns)) return cwmpFault(9000, `Method not supported: ${m.method === "Unknown" ? m.name : m.method}`);
    const ctx: params.RpcContext = { tree: this.tree, now, ns, strictTypes: this.opts.strictTypes };
    const limits = { maxQueued: this.opts.maxQueuedTransfers };
    switch (m.method) {
      case "GetRPCMethods":
        return { method: "GetRPCMethodsResponse", methodList: CPE_METHODS.map(([name]) => name).filter((name) => this.supports(name, ns)) };
      case "GetParameterValues":
        return this.applied(params.getParameterValues(ctx, m), now);
      case "GetParameterNames":
        return this.applied(params.getParameterNames(ctx, m), now);
      case "SetParameterValues":
        return this.applied(params.setParameterValues(ctx, m), now);
      case "GetParameterAttributes":
        return this.applied(params.getParameterAttributes(ctx, m), now);
      case "SetParameterAttributes":
        return this.applied(params.setParameterAttributes(ctx, m), now);
      case "AddObject":
        return this.applied(params.addObject(ctx, m), now);
      case "DeleteObject":
        return this.applied(params.deleteObject(ctx, m), now);
      case "Reboot":
        s.after.push({ kind: "reboot", commandKey: m.commandKey });
        return { method: "RebootResponse" };
      case "FactoryReset":
        s.after.push({ kind: "factoryReset" });
        return { method: "FactoryResetResponse" };
      case "Download":
        return acceptDownload(this.transfers, m, now, limits);
      case "Upload":
        return acceptUpload(this.transfers, m, now, limits);
      case "ScheduleDownload":
        return acceptScheduleDownload(this.transfers, m, now, limits);
      case "CancelTransfer":
        return cancelTransfer(this.transfers, m);
      case "GetQueuedTransfers":
        return getQueuedTransfers(this.transfers);
      case "GetAllQueuedTransfers":
        return getAllQueuedTransfers(this.transfers);
      case "ScheduleInform":
        if (m.delaySeconds <= 0) return cwmpFault(9003, "DelaySeconds must be greater than zero");
        this.scheduled.push({ at: now + m.delaySeconds * 1000, commandKey: m.commandKey });
        return { method: "ScheduleInformResponse" };
      case "ChangeDUState":
        if (m.operations.length === 0) return cwmpFault(9003, "ChangeDUState holds no operation");
        s.after.push({ kind: "changeDUState", operations: m.operations, commandKey: m.commandKey ?? "" });
        return { method: "ChangeDUStateResponse" };
      case "SetVouchers":
        // Vouchers are signed documents enabling options; the simulated device has no option to enable.
        return { method: "SetVouchersResponse" };
      case "GetOptions":
        return { method: "GetOptionsResponse", optionList: [] };
      default:
        return cwmpFault(9000, `Method not supported: ${m.method}`);
    }
  }

  /** The engine's side of a parameter RPC: ParameterKey, notifications, special parameters. */
  private applied(r: params.RpcResult, now: number): CwmpMessage {
    const s = this.session!;
    if (r.parameterKey !== undefined) {
      const key = this.model.paramAt(this.ms + "ParameterKey");
      if (key !== undefined) this.tree.set(key.path, key, r.parameterKey);
    }
    // Changes the ACS made are not reported back to it (TR-069 3.2.1: notifications are for other causes).
    let periodicChanged = false;
    const changed = r.changed ?? [];
    for (const c of changed) {
      if (this.reported.has(c.path)) this.reported.set(c.path, this.tree.value(c.path, c.def, c.inst, now));
      if (c.path === this.ms + "URL" && c.value !== c.previous) {
        s.acsUrlChanged = c.value;
        this.bootstrapped = false;
        this.events.add(EVENT.bootstrap);
        this.wantSession = true;
      }
      if (c.path.startsWith(this.ms + "PeriodicInform")) periodicChanged = true;
    }
    if (changed.length > 0) this.diagnosticsChanged(changed, now);
    if (periodicChanged) this.schedulePeriodic(now);
    for (const n of r.notificationChanged ?? []) {
      this.reported.delete(n.path);
      this.reported.set(n.path, this.tree.value(n.path, n.def, n.inst, now));
    }
    if (r.notificationChanged !== undefined) {
      this.checkNotifications(now);
      this.updatePolling(now);
    }
    if (r.rowsChanged !== undefined) {
      const { table, deleted } = r.rowsChanged;
      if (deleted !== undefined) for (const p of [...this.reported.keys()]) if (p.startsWith(deleted)) this.reported.delete(p);
      const node = this.tree.resolve(table, now);
      const count = node?.kind === "table" ? node.def.numEntries : undefined;
      if (node !== undefined && count !== undefined) {
        const countPath = table.slice(0, table.length - node.def.name.length - 1) + count.name;
        if (this.reported.has(countPath)) this.reported.set(countPath, this.tree.value(countPath, count, node.inst, now));
      }
    }
    return r.reply;
  }

  // ---- transfers ----

  private startTransfer(t: QueuedTransfer, now: number): TransferJob {
    t.state = 2;
    t.attempts++;
    t.startedAt = now;
    const job: TransferJob = {
      id: t.id, direction: t.origin === "Upload" ? "upload" : "download", url: t.url, username: t.username, password: t.password,
      fileType: t.fileType, fileSize: t.fileSize, targetFileName: t.targetFileName,
    };
    if (t.origin === "Upload") {
      if (t.fileType.includes("Configuration")) {
        job.body = JSON.stringify(this.configSnapshot(now), null, 1);
        job.contentType = "application/json";
      } else {
        job.body = this.logSnapshot(now);
        job.contentType = "text/plain";
      }
    }
    return job;
  }

  /** The vendor configuration file: every writable parameter's value. */
  private configSnapshot(now: number): Record<string, string> {
    const out: Record<string, string> = {};
    this.tree.forEachParam({ kind: "object", path: this.model.root.path, def: this.model.root, inst: [] }, now, (path, def, inst) => {
      if (def.writable) out[path] = this.tree.value(path, def, inst, now);
    });
    return out;
  }

  private logSnapshot(now: number): string {
    const id = this.identity;
    const t = (ms: number) => formatDateTime(new Date(ms));
    return [
      `${t(this.tree.bootTime)} boot: ${id.manufacturer} ${id.productClass} ${id.serialNumber}`,
      `${t(this.tree.bootTime)} software ${this.read(`${this.model.root.path}DeviceInfo.SoftwareVersion`, now) ?? "unknown"}`,
      `${t(now)} log upload requested`,
      "",
    ].join("\n");
  }

  /** The runtime finished a transfer. Unknown ids (a transfer canceled by a reboot) are ignored. */
  transferDone(now: number, id: number, outcome: TransferOutcome): CpeEffect[] {
    const t = this.transfers.find(id);
    if (t === undefined || t.state !== 2) return [];
    const start = outcome.startTime ?? t.startedAt ?? now;
    const complete = outcome.completeTime ?? now;
    if (!outcome.ok) {
      const w = t.windows;
      const retriesLeft = w !== undefined && (w[0]!.maxRetries === -1 ? t.attempts < 3 : t.attempts <= w[0]!.maxRetries);
      if (retriesLeft && w!.some((x) => x.end > now)) {
        t.state = 1;
        t.notBefore = now + 30_000;
        return this.session === undefined ? this.runDue(now) : [];
      }
      this.completeTransfer(t, { faultCode: outcome.faultCode, faultString: outcome.faultString ?? "File transfer failure" }, start, complete);
      return this.session === undefined ? this.runDue(now) : [];
    }
    if (t.origin !== "Upload" && t.fileType === FILE_TYPE.firmware) {
      // The image is applied by a reboot; TransferComplete follows it (with 1 BOOT).
      const current = this.read(`${this.model.root.path}DeviceInfo.SoftwareVersion`, now) ?? "";
      t.state = 3;
      t.version = outcome.version ?? firmwareVersion(t, current);
      t.startedAt = start;
      t.completedAt = complete;
      if (this.session !== undefined) {
        this.session.after.push({ kind: "reboot", commandKey: undefined });
        return [];
      }
      return [this.goDown(now, false)];
    }
    if (t.origin !== "Upload" && t.fileType === FILE_TYPE.config && outcome.content !== undefined) {
      const fault = this.applyConfig(outcome.content, now);
      if (fault !== undefined) {
        this.completeTransfer(t, fault, start, complete);
        return this.session === undefined ? this.runDue(now) : [];
      }
    }
    this.completeTransfer(t, noFault, start, complete);
    return this.session === undefined ? this.runDue(now) : [];
  }

  /** Restores a configuration file made by an Upload: each writable parameter it names that fits. */
  private applyConfig(content: string | Uint8Array, now: number): FaultStruct | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof content === "string" ? content : Buffer.from(content).toString("utf8"));
    } catch {
      return { faultCode: 9018, faultString: "File transfer failure: file corrupted or otherwise unusable" };
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return { faultCode: 9018, faultString: "File transfer failure: file corrupted or otherwise unusable" };
    }
    for (const [path, value] of Object.entries(parsed)) {
      if (typeof value !== "string") continue;
      const node = this.tree.resolve(path, now);
      if (node?.kind !== "param" || !node.def.writable) continue;
      const checked = checkSetValue(node.def, { type: node.def.type, text: value, untyped: true });
      if (checked.ok) this.tree.set(path, node.def, checked.text);
    }
    this.schedulePeriodic(now);
    return undefined;
  }

  private completeTransfer(t: QueuedTransfer, fault: FaultStruct, start: number, complete: number): void {
    this.transfers.remove(t.id);
    const event = t.origin === "Upload" ? EVENT.mUpload : t.origin === "ScheduleDownload" ? EVENT.mScheduleDownload : EVENT.mDownload;
    this.pending.push({
      kind: "TransferComplete", transferId: t.id, event, commandKey: t.commandKey, fault,
      startTime: formatDateTime(new Date(start)), completeTime: formatDateTime(new Date(complete)),
    });
    this.wantSession = true;
  }

  // ---- diagnostics ----

  /**
   * A SetParameterValues touched diagnostics (TR-181 DiagnosticsState): "Requested" runs the test after
   * the session; "Canceled", or a change to one of the test's other parameters, stops it and resets
   * the state to "None".
   */
  private diagnosticsChanged(changed: readonly params.ParameterChange[], now: number): void {
    const s = this.session!;
    for (const statePath of this.model.diagnostics.keys()) {
      const prefix = statePath.slice(0, statePath.lastIndexOf(".") + 1);
      const state = changed.find((c) => c.path === statePath);
      const inputs = changed.some((c) => c.path !== statePath && c.path.startsWith(prefix));
      if (state?.value === "Requested") {
        this.diagnostics = this.diagnostics.filter((d) => d.statePath !== statePath);
        if (!s.after.some((a) => a.kind === "diagnostic" && a.statePath === statePath)) s.after.push({ kind: "diagnostic", statePath });
      } else if (state?.value === "Canceled" || (state === undefined && inputs)) {
        this.diagnostics = this.diagnostics.filter((d) => d.statePath !== statePath);
        s.after = s.after.filter((a) => !(a.kind === "diagnostic" && a.statePath === statePath));
        const def = this.model.paramAt(statePath);
        if (def !== undefined && this.tree.get(statePath, now) !== "None") this.tree.set(statePath, def, "None");
      }
    }
  }

  /** The runtime finished the transfer of a TR-143 diagnostic asked for by a "diagnosticTransfer" effect. */
  diagnosticTransferDone(now: number, statePath: string, result: DiagnosticTransferResult): CpeEffect[] {
    if (!this.up) return [];
    this.completeDiagnostic(statePath, now, result);
    return this.session === undefined ? this.runDue(now) : [];
  }

  private completeDiagnostic(statePath: string, now: number, transfer?: DiagnosticTransferResult): void {
    const d = this.model.diagnostics.get(statePath);
    if (d === undefined || this.tree.get(statePath, now) !== "Requested") return;
    const out = d.complete((p) => this.tree.get(p, now) ?? "", this.tree.context(now, []), { net: this.network, ...(transfer !== undefined ? { transfer } : {}) });
    // The previous run's rows go; this run's are added in order.
    for (const table of d.tables ?? []) {
      const node = this.tree.resolve(table, now);
      if (node?.kind !== "table") continue;
      for (const n of this.tree.instancesOf(node.def, node.inst, now, table)) {
        const row = this.tree.resolve(`${table}${n}.`, now);
        if (row?.kind === "object") this.tree.deleteInstance(row, now);
      }
      for (const values of out.rows?.[table] ?? []) {
        const n = this.tree.addInstance(node, now);
        for (const [name, value] of Object.entries(values)) this.setResult(`${table}${n}.${name}`, value, now);
      }
    }
    for (const [path, value] of Object.entries(out.values)) this.setResult(path, value, now);
    this.events.add(EVENT.diagnosticsComplete);
    this.wantSession = true;
  }

  private setResult(path: string, value: string, now: number): void {
    const node = this.tree.resolve(path, now);
    if (node?.kind === "param") this.tree.set(path, node.def, value);
  }

  // ---- state ----

  toJSON(): CpeState {
    const out: CpeState = {
      version: 1,
      model: this.model.name,
      serialNumber: this.identity.serialNumber,
      tree: this.tree.toJSON(),
      bootTime: this.tree.bootTime,
      bootstrapped: this.bootstrapped,
      events: this.events.toJSON(),
      pending: this.pending.map((p) => ({ ...p })),
      transfers: this.transfers.toJSON(),
      scheduled: this.scheduled.map((s) => ({ ...s })),
      retryCount: this.retryCount,
      reported: Object.fromEntries(this.reported),
      diagnostics: this.diagnostics.map((d) => ({ ...d })),
      rng: this.rng,
      seq: this.seq,
      wantSession: this.wantSession,
    };
    if (this.periodicBase !== undefined) out.periodicBase = this.periodicBase;
    if (this.periodicAt !== undefined) out.periodicAt = this.periodicAt;
    if (this.retryAt !== undefined) out.retryAt = this.retryAt;
    if (this.alarms.alarms > 0 || this.alarmReports.length > 0) out.faultMgmt = { ...this.alarms, written: { ...this.alarms.written }, unreported: [...this.alarmReports] };
    if (this.silent) out.silent = true;
    return out;
  }
}
