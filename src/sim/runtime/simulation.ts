// The simulator's runtime: N simulated CPEs in one Node process, on the event loop. One deadline heap
// and one timer serve every device's timers; sessions run as async tasks over HTTP(S), at most
// `concurrency` at a time; transfers are real HTTP GETs and PUTs; one HTTP server takes every device's
// Connection Requests, and devices whose parameters ask for it also take them over UDP with STUN
// (udp-channel.ts) and XMPP (xmpp-channel.ts). The protocol itself is the sans-I/O engine (../cpe.ts):
// this file only moves bytes and time between it and the network.

import { performance } from "node:perf_hooks";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import {
  charsetFromContentType,
  cwmpFault,
  CwmpRemoteError,
  parseCwmp,
  serializeEnvelope,
  type CwmpEnvelope,
  type CwmpMessage,
  type EventStruct,
} from "../../cwmp/index.js";
import type { AlarmKey, AlarmSpec } from "../fault-mgmt.js";
import { Cpe, type CpeEffect, type CpeOptions, type CpeState, type CwmpVersion, type SessionOutput } from "../cpe.js";
import { SimError } from "../errors.js";
import { makeIdentity, type IdentityOptions } from "../identity.js";
import type { DeviceModel } from "../model.js";
import { mix } from "../rng.js";
import type { DeviceIdentity, DiagnosticTransferJob } from "../source.js";
import type { TransferJob } from "../transfers.js";
import { systemClock, type SimClock, type TimerHandle } from "./clock.js";
import {
  HttpConnectionRequestListener,
  type ChannelDevice,
  type ConnectionRequestChannel,
  type ConnectionRequestKind,
  type DeviceChannel,
  type WakeTarget,
} from "./connection-requests.js";
import { DeviceTimers } from "./device-timers.js";
import { BulkDataSender, type BulkDataSenderOptions } from "./bulkdata-sender.js";
import { SimSetupError } from "./errors.js";
import { TransportError, type FailureCause } from "./failures.js";
import { FaultPicker, MALFORMED_XML, type FaultKind, type FaultOptions } from "./faults.js";
import { CwmpHttpSession, type TlsClientOptions } from "./http-session.js";
import { startScenario, type Scenario } from "./scenario.js";
import { loadState, saveState } from "./state-store.js";
import { memoryNow, SimulationStats, type SimulationSummary } from "./stats.js";
import { performTransfer } from "./transfer.js";
import { performSpeedTest } from "./speed-test.js";
import { UdpChannel, type UdpChannelOptions } from "./udp-channel.js";
import { XmppChannel, type XmppChannelOptions } from "./xmpp-channel.js";

export const CWMP_VERSIONS: readonly CwmpVersion[] = ["1.0", "1.1", "1.2", "1.3", "1.4"];

export interface ConnectionRequestOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) takes a free one. */
  port?: number;
  /**
   * The host written in each device's ConnectionRequestURL. Default: `host`, or this machine's first
   * external IPv4 address when listening on every address.
   */
  advertiseHost?: string;
  /** Connection Requests a device accepts in a burst before answering 503. Default 5. */
  burst?: number;
  /** One more accepted every this many ms (simulated time). Default 2,000. */
  refillMs?: number;
}

export interface SimulationOptions {
  /** The ACS's CWMP URL (http: or https:), each device's factory ManagementServer.URL. */
  acsUrl: string;
  devices: number;
  /** The compiled model every device is made from (shared, read-only). */
  model: DeviceModel;
  /**
   * Identity templates: serial prefix, OUI, product class, ACS credentials ("{serial}", "{oui}",
   * "{productClass}", "{index}", "{secret}" are replaced per device), seed.
   */
  identity?: Omit<IdentityOptions, "acsUrl" | "connectionRequestUrl">;
  /** One version for every device, or a list that devices take in turn (device i gets list[i % n]). */
  cwmpVersion?: CwmpVersion | readonly CwmpVersion[];
  /** Engine options: reboot duration, periodic jitter, ... */
  cpe?: Omit<CpeOptions, "cwmpVersion">;
  /** Sessions in flight at once; others wait their turn. Default 256. */
  concurrency?: number;
  /** Devices power on spread evenly over this many ms (simulated time). Default 0: all at once. */
  rampMs?: number;
  /** Stop after this long (simulated time). */
  durationMs?: number;
  /** Stop once this many sessions have ended (completed or failed). */
  maxSessions?: number;
  tls?: TlsClientOptions;
  /** Longest wait for the ACS or a file server, per request (real time). Default 30,000 ms. */
  httpTimeoutMs?: number;
  /** The Connection Request listener; false for none. */
  connectionRequests?: ConnectionRequestOptions | false;
  /**
   * UDP Connection Requests with STUN (TR-111): devices whose STUNEnable is true open a UDP socket, keep
   * their binding with the STUN server and take signed requests on it. false: never (STUNEnable is
   * then ignored). The bind address defaults to the Connection Request listener's.
   */
  udp?: UdpChannelOptions | false;
  /** XMPP Connection Requests (TR-069 Annex K): devices whose ConnReqXMPPConnection is set log in. false: never. */
  xmpp?: XmppChannelOptions | false;
  /** Bulk Data reports of devices whose BulkData profiles are enabled (bulkdata-sender.ts). false: never sent. */
  bulkData?: BulkDataSenderOptions | false;
  /** Keep every device's state here: restored on start, saved periodically and on stop. */
  stateDir?: string;
  /** Default 60,000 ms (simulated time). */
  saveIntervalMs?: number;
  faults?: FaultOptions;
  /** Seeds fault injection; also mixed into the devices' identities unless `identity.seed` is set. */
  seed?: number;
  clock?: SimClock;
  /** How long stop() lets sessions in flight finish before it cuts them (real time). Default 5,000 ms. */
  stopGraceMs?: number;
  /** Called for every session that ends. */
  onSession?: (report: SessionReport) => void;
  /** Timed steps from the start: values set, alarms raised and cleared, silence, reboots (scenario.ts). */
  scenario?: Scenario;
}

export interface SessionReport {
  device: number;
  serialNumber: string;
  /** The Inform's events. */
  events: EventStruct[];
  ok: boolean;
  cause?: FailureCause;
  /** The fault injected in this session. */
  injected?: FaultKind;
  /** HTTP requests made (answers received). */
  exchanges: number;
  /** Real duration. */
  durationMs: number;
  /** Simulated time at the end. */
  at: number;
}

/**
 * What happens to a device, as a test or a scenario says (Cpe.changeValue and the rest): each throws
 * SimError for what the device cannot take (an unknown path, a value that does not fit, an alarm it
 * does not support) and changes nothing then.
 */
export interface DeviceControls {
  setValue(path: string, value: string): void;
  /** Returns the alarm's AlarmIdentifier (undefined when the model disables it). */
  raiseAlarm(alarm: AlarmSpec): string | undefined;
  clearAlarm(alarm: AlarmKey): void;
  /** Stops informing and refusing Connection Requests until resume(). */
  silence(): void;
  resume(): void;
  /** A power cycle: down for the reboot time, then 1 BOOT. */
  reboot(): void;
}

/** A simulated device as the library's users see it. */
export interface SimDevice extends DeviceControls {
  readonly index: number;
  readonly identity: DeviceIdentity;
  readonly serialNumber: string;
  /** The protocol engine: read values with cpe.read(path), state with cpe.toJSON(). */
  readonly cpe: Cpe;
  readonly connectionRequestUrl: string;
}

export interface Simulation {
  readonly devices: readonly SimDevice[];
  /** Counters so far (the same shape as the final summary). */
  stats(): SimulationSummary;
  connectionRequestUrl(index: number): string;
  /** Device `index` (0 for the first); RangeError when there is none. */
  device(index: number): SimDevice;
  /** The local port of a device's UDP Connection Request socket, while it runs STUN. */
  udpPort(index: number): number | undefined;
  /** The JID a device is logged in to XMPP as, while it is. */
  jabberId(index: number): string | undefined;
  /** Listens to ended sessions; returns the unsubscribe function. */
  onSession(listener: (report: SessionReport) => void): () => void;
  /** Saves every device's state now (no-op without stateDir). */
  save(): Promise<void>;
  /** Resolves with the final summary when the run ends (duration, session count, or stop()). */
  readonly finished: Promise<SimulationSummary>;
  /** Stops the run: no new sessions, lets those in flight finish (up to stopGraceMs), saves state. */
  stop(): Promise<SimulationSummary>;
}

/** A CPE fault to an ACS request must be built here: the engine has not seen the request. */
function isAcsRequest(m: CwmpMessage | null): boolean {
  return m !== null && m.method !== "Fault" && m.method !== "InformResponse" && !m.method.endsWith("Response");
}

/** The first external IPv4 address of this machine: what an ACS elsewhere can reach. */
function externalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

class Device implements SimDevice, ChannelDevice {
  powered = false;
  queued = false;
  inSession = false;
  lastTickAt = Number.NaN;
  crTokens: number;
  crStamp = 0;

  constructor(
    readonly index: number,
    readonly cpe: Cpe,
    readonly connectionRequestUrl: string,
    readonly powerOnAt: number,
    private readonly runtime: Runtime,
  ) {
    this.crTokens = runtime.crBurst;
  }

  get identity(): DeviceIdentity {
    return this.cpe.identity;
  }

  get serialNumber(): string {
    return this.cpe.identity.serialNumber;
  }

  connectionRequestCredentials(): { username: string; password: string } {
    return this.cpe.connectionRequestCredentials;
  }

  get up(): boolean {
    return this.powered && this.cpe.isUp;
  }

  admitConnectionRequest(kind: ConnectionRequestKind): boolean {
    return this.runtime.admit(this, kind);
  }

  wake(): void {
    this.runtime.wake(this);
  }

  setLocalValues(values: ReadonlyArray<readonly [string, string]>, notify = true): void {
    this.runtime.setLocalValues(this, values, notify);
  }

  notifyChanges(): void {
    this.runtime.setLocalValues(this, [], true);
  }

  setValue(path: string, value: string): void {
    this.runtime.drive(this, (cpe, now) => cpe.changeValue(path, value, now));
  }

  raiseAlarm(alarm: AlarmSpec): string | undefined {
    let id: string | undefined;
    this.runtime.drive(this, (cpe, now) => {
      const r = cpe.raiseAlarm(alarm, now);
      id = r.alarmIdentifier;
      return r.effects;
    });
    return id;
  }

  clearAlarm(alarm: AlarmKey): void {
    this.runtime.drive(this, (cpe, now) => cpe.clearAlarm(alarm, now).effects);
  }

  silence(): void {
    this.runtime.drive(this, (cpe, now) => cpe.setSilent(true, now));
  }

  resume(): void {
    this.runtime.drive(this, (cpe, now) => cpe.setSilent(false, now));
  }

  reboot(): void {
    this.runtime.drive(this, (cpe, now) => cpe.reboot(now));
  }
}

class Runtime implements Simulation, WakeTarget {
  readonly devices: Device[] = [];
  readonly crBurst: number;
  private readonly crRefillMs: number;
  private readonly clock: SimClock;
  private readonly timers: DeviceTimers;
  private readonly queue: Device[] = [];
  private queueHead = 0;
  private inFlight = 0;
  private readonly httpSessions = new Set<CwmpHttpSession>();
  private readonly transferAborts = new Set<AbortController>();
  private readonly byPath = new Map<string, Device>();
  private readonly listeners = new Set<(r: SessionReport) => void>();
  private readonly stats_ = new SimulationStats();
  private readonly faults: FaultPicker | undefined;
  private readonly startedReal = performance.now();
  private durationTimer: TimerHandle | undefined;
  private saveTimer: TimerHandle | undefined;
  private stopScenario: (() => void) | undefined;
  private saving: Promise<void> | undefined;
  private stopping: Promise<SimulationSummary> | undefined;
  private ended: SimulationSummary["ended"] = "running";
  private channel: ConnectionRequestChannel | undefined;
  private udp: UdpChannel | undefined;
  private xmpp: XmppChannel | undefined;
  private readonly deviceChannels: DeviceChannel[] = [];
  private bulkData: BulkDataSender | undefined;
  private idleWaiters: Array<() => void> = [];
  private resolveFinished!: (s: SimulationSummary) => void;
  readonly finished: Promise<SimulationSummary>;

  constructor(readonly o: SimulationOptions) {
    this.clock = o.clock ?? systemClock;
    this.timers = new DeviceTimers(this.clock, o.devices, (i, now) => this.fire(this.devices[i]!, now));
    this.crBurst = (o.connectionRequests || {}).burst ?? 5;
    this.crRefillMs = (o.connectionRequests || {}).refillMs ?? 2_000;
    this.faults = o.faults !== undefined && o.faults.rate > 0 ? new FaultPicker(o.faults, mix(o.seed ?? 0, 0xfa17)) : undefined;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    if (o.onSession) this.listeners.add(o.onSession);
  }

  async start(): Promise<void> {
    const o = this.o;
    const saved = o.stateDir !== undefined ? await loadState(o.stateDir, o.model.name) : new Map<string, CpeState>();
    let crBase = "http://127.0.0.1:7548";
    if (o.connectionRequests !== false) {
      const cr = o.connectionRequests ?? {};
      try {
        const listener = await HttpConnectionRequestListener.start(this, {
          ...(cr.host !== undefined ? { host: cr.host } : {}),
          port: cr.port ?? 0,
          onResult: (r) => this.stats_.connectionRequests[r]++,
        });
        this.channel = listener;
        const bind = cr.host ?? "127.0.0.1";
        const wildcard = bind === "0.0.0.0" || bind === "::";
        const host = cr.advertiseHost ?? (wildcard ? externalIPv4() ?? "127.0.0.1" : bind);
        crBase = `http://${isIP(host) === 6 ? `[${host}]` : host}:${listener.port}`;
      } catch (e) {
        throw new SimSetupError("SIM_LISTEN_FAILED", `cannot listen for Connection Requests on ${cr.host ?? "127.0.0.1"}:${cr.port ?? 0}: ${(e as Error).message}`, { cause: e });
      }
    }
    if (o.udp !== false) {
      const host = o.udp?.host ?? (o.connectionRequests !== false ? o.connectionRequests?.host : undefined);
      this.udp = new UdpChannel(this.clock, o.devices, { ...o.udp, ...(host !== undefined ? { host } : {}) }, (m) => this.warn(m));
      this.deviceChannels.push(this.udp);
    }
    if (o.xmpp !== false) {
      this.xmpp = new XmppChannel(this.clock, o.devices, o.xmpp ?? {});
      this.deviceChannels.push(this.xmpp);
    }
    if (o.bulkData !== false) this.bulkData = new BulkDataSender(this.clock, { timeoutMs: o.httpTimeoutMs ?? 30_000, ...o.bulkData });
    const versions = typeof o.cwmpVersion === "string" ? [o.cwmpVersion] : o.cwmpVersion ?? ["1.4"];
    const idOptions: IdentityOptions = { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...o.identity, acsUrl: o.acsUrl };
    const t0 = this.clock.now();
    const ramp = o.rampMs ?? 0;
    try {
      for (let i = 0; i < o.devices; i++) {
        const base = makeIdentity(o.model.identityDefaults, idOptions, i);
        // The path carries the serial number (unique) and a per-device token (not guessable from it).
        const path = `/cr/${encodeURIComponent(base.serialNumber)}-${mix(base.seed, 0xc0de).toString(36)}`;
        const identity: DeviceIdentity = { ...base, connectionRequestUrl: crBase + path };
        let cpe: Cpe;
        try {
          cpe = new Cpe(o.model, identity, { ...o.cpe, cwmpVersion: versions[i % versions.length]! }, saved.get(identity.serialNumber));
        } catch (e) {
          if (e instanceof SimError) throw new SimSetupError("SIM_STATE_DIR", `the saved state of ${identity.serialNumber} in ${o.stateDir ?? "?"} cannot be used: ${e.message}`, { cause: e });
          throw e;
        }
        const dev = new Device(i, cpe, identity.connectionRequestUrl, t0 + (o.devices > 1 ? Math.floor((ramp * i) / o.devices) : 0), this);
        this.devices.push(dev);
        this.byPath.set(path, dev);
        this.timers.set(i, dev.powerOnAt, false);
      }
    } catch (e) {
      await this.channel?.close();
      // makeIdentity refuses an OUI that is not six hex digits.
      if (e instanceof RangeError) throw new SimSetupError("SIM_OPTIONS_INVALID", e.message, { cause: e });
      throw e;
    }
    if (o.durationMs !== undefined) this.durationTimer = this.clock.setTimer(() => void this.finish("duration"), o.durationMs);
    if (o.stateDir !== undefined) this.armSave();
    if (o.scenario !== undefined) this.stopScenario = startScenario(this, o.scenario, this.clock, (m) => this.warn(m));
    this.timers.arm();
  }

  // ---- scheduling ----

  private fire(dev: Device, now: number): void {
    dev.lastTickAt = now;
    let effects: CpeEffect[];
    try {
      if (!dev.powered) {
        dev.powered = true;
        effects = dev.cpe.powerOn(now);
      } else effects = dev.cpe.tick(now);
    } catch (e) {
      this.internal(e);
      effects = [];
    }
    this.handle(dev, effects);
    this.reschedule(dev, false);
  }

  private reschedule(dev: Device, arm = true): void {
    // Whatever just happened (a boot, a reboot, a session that changed settings) may start or stop the
    // device's UDP socket or XMPP login.
    if (this.stopping === undefined) for (const c of this.deviceChannels) c.update(dev);
    if (this.stopping === undefined) this.bulkData?.update(dev);
    let at = dev.powered ? dev.cpe.nextDeadline() : dev.powerOnAt;
    const now = this.clock.now();
    if (dev.powered && at !== undefined && at <= now) {
      // What is due again right after a tick is a session the device wants: it waits for a slot (queued),
      // for its session to end, or (CWMP disabled) for a later look.
      if (dev.queued || dev.inSession) at = undefined;
      else if (dev.lastTickAt === now) at = now + 1_000;
    }
    this.timers.set(dev.index, at, arm);
  }

  private handle(dev: Device, effects: readonly CpeEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case "startSession":
          this.enqueue(dev);
          break;
        case "reboot":
          if (e.factoryReset) this.stats_.factoryResets++;
          else this.stats_.reboots++;
          break;
        case "transfer":
          this.transfer(dev, e.job);
          break;
        case "diagnosticTransfer":
          this.speedTest(dev, e.statePath, e.job);
          break;
        case "acsUrlChanged":
          // The engine reads ManagementServer.URL for every session; nothing to move here.
          break;
      }
    }
  }

  // ---- sessions ----

  private enqueue(dev: Device): void {
    if (dev.queued || dev.inSession || this.stopping !== undefined) return;
    dev.queued = true;
    this.queue.push(dev);
    this.pump();
  }

  private pump(): void {
    const limit = this.o.concurrency ?? 256;
    while (this.inFlight < limit && this.queueHead < this.queue.length && this.stopping === undefined) {
      const dev = this.queue[this.queueHead++]!;
      dev.queued = false;
      const cpe = dev.cpe;
      if (!cpe.isUp || cpe.inSession || !cpe.wantsSession || !cpe.cwmpEnabled) {
        this.reschedule(dev);
        continue;
      }
      this.inFlight++;
      dev.inSession = true;
      void this.session(dev);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  private async session(dev: Device): Promise<void> {
    const cpe = dev.cpe;
    const started = performance.now();
    const fault = this.faults?.pick();
    let injected: FaultKind | undefined;
    let exchanges = 0;
    let cause: FailureCause | undefined;
    let out: SessionOutput | undefined;
    let events: EventStruct[] = [];
    let http: CwmpHttpSession | undefined;
    this.stats_.sessionsStarted++;
    try {
      const inform = cpe.startSession(this.clock.now());
      if (inform.body?.method === "Inform") events = inform.body.event;
      for (const e of events) SimulationStats.bump(this.stats_.events, e.eventCode);
      const { username, password } = cpe.acsCredentials;
      http = new CwmpHttpSession({
        url: cpe.acsUrl,
        username,
        password,
        ...(this.o.tls !== undefined ? { tls: this.o.tls } : {}),
        timeoutMs: this.o.httpTimeoutMs ?? 30_000,
        onExchange: (ms) => this.stats_.httpLatency.record(ms),
      });
      this.httpSessions.add(http);
      let env: CwmpEnvelope | null = inform;
      let lastSent: "inform" | "request" | "response" | "empty" = "inform";
      for (;;) {
        let body = env === null ? "" : serializeEnvelope(env);
        if (fault === "slow") {
          injected = fault;
          await this.delay(this.faults!.slowMs);
        }
        if (exchanges === 1 && fault === "drop") {
          injected = fault;
          await http.dropMidRequest(body);
          cause = "injected-drop";
          out = cpe.sessionFailed(this.clock.now());
          break;
        }
        if (exchanges === 1 && fault === "malformed") {
          injected = fault;
          body = MALFORMED_XML;
        }
        const res = await http.post(body);
        exchanges++;
        const now = this.clock.now();
        if (injected === "malformed") {
          cause = "injected-malformed";
          out = cpe.sessionFailed(now);
          break;
        }
        let unreadable = false;
        if (res.status === 204 || (res.status === 200 && res.body.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09))) {
          out = cpe.receive(null, now);
        } else if (res.status === 200) {
          let envelope: CwmpEnvelope | null = null;
          try {
            const charset = charsetFromContentType(res.headers["content-type"]);
            envelope = parseCwmp(res.body, charset === undefined ? {} : { charset }).envelopes[0] ?? null;
          } catch (e) {
            if (!(e instanceof CwmpRemoteError)) throw e;
            unreadable = true;
          }
          if (unreadable) out = cpe.receiveUnreadable(now);
          else if (fault === "cpe-fault" && injected === undefined && (lastSent === "empty" || lastSent === "response") && isAcsRequest(envelope?.body ?? null)) {
            injected = fault;
            // Answered without the engine: it is serving, and stays so (the request is not applied).
            out = {
              done: false,
              reply: { ns: envelope!.ns, header: envelope!.header.id === undefined ? {} : { id: envelope!.header.id }, body: cwmpFault(this.faults!.cpeFaultCode) },
              effects: [],
            };
          } else out = cpe.receive(envelope, now);
        } else {
          cause = `http-${res.status}`;
          out = cpe.sessionFailed(now);
          break;
        }
        if (out.done) {
          if (out.failed) cause = unreadable ? "unreadable" : "protocol";
          break;
        }
        this.handle(dev, out.effects);
        env = out.reply;
        lastSent = env === null ? "empty" : env.body !== null && (env.body.method === "Fault" || env.body.method.endsWith("Response")) ? "response" : "request";
      }
    } catch (e) {
      if (e instanceof TransportError) cause = this.stopping !== undefined ? "aborted" : e.code;
      else {
        this.internal(e);
        cause = "internal";
      }
      if (cpe.inSession) out = cpe.sessionFailed(this.clock.now());
    } finally {
      if (http !== undefined) {
        http.close();
        this.httpSessions.delete(http);
      }
    }
    const durationMs = performance.now() - started;
    const ok = out !== undefined && out.done && !out.failed;
    if (ok) {
      this.stats_.sessionsCompleted++;
      this.stats_.sessionLatency.record(durationMs);
    } else {
      this.stats_.sessionsFailed++;
      SimulationStats.bump(this.stats_.failures, cause ?? "protocol");
    }
    if (injected !== undefined) SimulationStats.bump(this.stats_.injected, injected);
    dev.inSession = false;
    this.inFlight--;
    if (out?.done) this.handle(dev, out.effects);
    this.reschedule(dev);
    const report: SessionReport = {
      device: dev.index, serialNumber: dev.serialNumber, events, ok, exchanges, durationMs, at: this.clock.now(),
      ...(ok ? {} : { cause: cause ?? "protocol" }),
      ...(injected !== undefined ? { injected } : {}),
    };
    for (const l of this.listeners) {
      try {
        l(report);
      } catch (e) {
        this.internal(e);
      }
    }
    const max = this.o.maxSessions;
    if (max !== undefined && this.stats_.sessionsEnded >= max) void this.finish("sessions");
    this.pump();
    if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      // A slow session must not hold the process open after stop().
      t.unref();
    });
  }

  private internal(e: unknown): void {
    process.emitWarning(`provisio sim: ${(e as Error)?.stack ?? String(e)}`, "SimulatorWarning");
  }

  private warn(message: string): void {
    process.emitWarning(`provisio sim: ${message}`, "SimulatorWarning");
  }

  // ---- transfers ----

  private transfer(dev: Device, job: TransferJob): void {
    if (this.stopping !== undefined) return;
    this.stats_.transfersStarted++;
    const abort = new AbortController();
    this.transferAborts.add(abort);
    void performTransfer(job, {
      ...(this.o.tls !== undefined ? { tls: this.o.tls } : {}),
      timeoutMs: this.o.httpTimeoutMs ?? 30_000,
      now: () => this.clock.now(),
      signal: abort.signal,
    }).then((outcome) => {
      this.transferAborts.delete(abort);
      if (abort.signal.aborted) return;
      if (outcome.ok) this.stats_.transfersCompleted++;
      else {
        this.stats_.transfersFailed++;
        SimulationStats.bump(this.stats_.transferFaults, String(outcome.faultCode));
      }
      let effects: CpeEffect[] = [];
      try {
        effects = dev.cpe.transferDone(this.clock.now(), job.id, outcome);
      } catch (e) {
        this.internal(e);
      }
      this.handle(dev, effects);
      this.reschedule(dev);
    });
  }

  private speedTest(dev: Device, statePath: string, job: DiagnosticTransferJob): void {
    if (this.stopping !== undefined) return;
    const abort = new AbortController();
    this.transferAborts.add(abort);
    void performSpeedTest(job, { now: () => this.clock.now(), timeoutMs: this.o.httpTimeoutMs ?? 30_000, signal: abort.signal }).then((result) => {
      this.transferAborts.delete(abort);
      if (abort.signal.aborted) return;
      let effects: CpeEffect[] = [];
      try {
        effects = dev.cpe.diagnosticTransferDone(this.clock.now(), statePath, result);
      } catch (e) {
        this.internal(e);
      }
      this.handle(dev, effects);
      this.reschedule(dev);
    });
  }

  // ---- connection requests ----

  find(key: string): Device | undefined {
    return this.byPath.get(key);
  }

  admit(dev: Device, kind: ConnectionRequestKind): boolean {
    if (this.stopping !== undefined || !dev.powered) return false;
    const cpe = dev.cpe;
    if (!cpe.isUp || !cpe.cwmpEnabled) return false;
    if (kind === "http" && cpe.read(`${cpe.model.root.path}ManagementServer.HTTPConnectionRequestEnable`) === "false") return false;
    const now = this.clock.now();
    if (this.crRefillMs > 0) {
      const refill = Math.floor((now - dev.crStamp) / this.crRefillMs);
      if (refill > 0) {
        dev.crTokens = Math.min(this.crBurst, dev.crTokens + refill);
        dev.crStamp = now;
      }
    }
    if (dev.crTokens <= 0) return false;
    if (dev.crTokens === this.crBurst) dev.crStamp = now;
    dev.crTokens--;
    return true;
  }

  wake(dev: Device): void {
    if (this.stopping !== undefined) return;
    let effects: CpeEffect[] = [];
    try {
      effects = dev.cpe.connectionRequest(this.clock.now());
    } catch (e) {
      this.internal(e);
    }
    this.handle(dev, effects);
    this.reschedule(dev);
  }

  /** Something a test or a scenario does to a device; the engine's errors (bad input) reach the caller. */
  drive(dev: Device, act: (cpe: Cpe, now: number) => CpeEffect[]): void {
    if (this.stopping !== undefined) throw new SimError("SIM_NOT_READY", "the simulation is stopping");
    if (!dev.powered) throw new SimError("SIM_NOT_READY", `device ${dev.index} is not powered on yet`);
    const effects = act(dev.cpe, this.clock.now());
    this.handle(dev, effects);
    this.reschedule(dev);
  }

  /** Values the device sets itself (the channels' findings); then Active Notification may start a session. */
  setLocalValues(dev: Device, values: ReadonlyArray<readonly [string, string]>, notify: boolean): void {
    if (this.stopping !== undefined || !dev.up) return;
    const now = this.clock.now();
    let effects: CpeEffect[] = [];
    try {
      for (const [path, text] of values) dev.cpe.setLocalValue(path, text, now, false);
      if (notify) effects = dev.cpe.notifyChanges(now);
    } catch (e) {
      this.internal(e);
    }
    this.handle(dev, effects);
    this.reschedule(dev);
  }

  // ---- the library's face ----

  udpPort(index: number): number | undefined {
    return this.udp?.portOf(index);
  }

  jabberId(index: number): string | undefined {
    return this.xmpp?.jidOf(index);
  }

  connectionRequestUrl(index: number): string {
    return this.device(index).connectionRequestUrl;
  }

  device(index: number): Device {
    const d = this.devices[index];
    if (d === undefined) throw new RangeError(`no device ${index} (there are ${this.devices.length})`);
    return d;
  }

  onSession(listener: (r: SessionReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private connectionRequestCounts(): SimulationSummary["connectionRequests"] {
    const http = { ...this.stats_.connectionRequests };
    const udp = this.udp?.requestCounts() ?? { accepted: 0, refused: 0, unavailable: 0, unknown: 0 };
    const xmpp = this.xmpp?.requestCounts() ?? { accepted: 0, refused: 0, unavailable: 0, unknown: 0 };
    const sum = (k: keyof typeof http) => http[k] + udp[k] + xmpp[k];
    return { accepted: sum("accepted"), refused: sum("refused"), unavailable: sum("unavailable"), unknown: sum("unknown"), byMethod: { http, udp, xmpp } };
  }

  stats(): SimulationSummary {
    const s = this.stats_;
    const elapsed = performance.now() - this.startedReal;
    let poweredOn = 0;
    let up = 0;
    for (const d of this.devices) {
      if (d.powered) poweredOn++;
      if (d.cpe.isUp) up++;
    }
    return {
      ended: this.ended,
      devices: { total: this.devices.length, poweredOn, up },
      durationMs: Math.round(elapsed),
      sessions: {
        started: s.sessionsStarted,
        completed: s.sessionsCompleted,
        failed: s.sessionsFailed,
        inFlight: this.inFlight,
        queued: this.queue.length - this.queueHead,
        perSecond: elapsed > 0 ? Math.round((s.sessionsEnded / elapsed) * 1000 * 100) / 100 : 0,
      },
      failures: Object.fromEntries(s.failures),
      events: Object.fromEntries([...s.events].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))),
      latencyMs: { session: s.sessionLatency.summary(), http: s.httpLatency.summary() },
      transfers: { started: s.transfersStarted, completed: s.transfersCompleted, failed: s.transfersFailed, faults: Object.fromEntries(s.transferFaults) },
      connectionRequests: this.connectionRequestCounts(),
      stun: this.udp?.stats() ?? null,
      xmpp: this.xmpp?.stats() ?? null,
      faultsInjected: Object.fromEntries(s.injected),
      reboots: s.reboots,
      factoryResets: s.factoryResets,
      memory: memoryNow(),
    };
  }

  private armSave(): void {
    this.saveTimer = this.clock.setTimer(() => {
      this.saveTimer = undefined;
      void this.save().catch((e: unknown) => this.internal(e)).finally(() => {
        if (this.stopping === undefined) this.armSave();
      });
    }, this.o.saveIntervalMs ?? 60_000);
  }

  save(): Promise<void> {
    const dir = this.o.stateDir;
    if (dir === undefined) return Promise.resolve();
    // One save at a time; a save asked for during another follows it.
    const run = async (): Promise<void> => {
      const states = this.devices.map((d) => ({ serialNumber: d.serialNumber, state: d.cpe.toJSON() }));
      await saveState(dir, this.o.model.name, states);
    };
    const next = (this.saving ?? Promise.resolve()).catch(() => undefined).then(run);
    this.saving = next;
    return next;
  }

  private finish(reason: "duration" | "sessions"): Promise<SimulationSummary> {
    if (this.stopping === undefined) this.ended = reason;
    return this.stop();
  }

  stop(): Promise<SimulationSummary> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<SimulationSummary> {
    if (this.ended === "running") this.ended = "stopped";
    this.timers.close();
    for (const t of [this.durationTimer, this.saveTimer]) if (t !== undefined) this.clock.clearTimer(t);
    this.durationTimer = this.saveTimer = undefined;
    this.stopScenario?.();
    for (const d of this.queue.slice(this.queueHead)) d.queued = false;
    this.queue.length = 0;
    this.queueHead = 0;
    const closing = Promise.all([this.channel?.close(), ...this.deviceChannels.map((c) => c.close()), this.bulkData?.close()]);
    for (const a of this.transferAborts) a.abort();
    if (this.inFlight > 0) {
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, this.o.stopGraceMs ?? 5_000))),
      ]);
      clearTimeout(graceTimer);
      for (const h of this.httpSessions) h.close();
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    await closing;
    await this.save();
    const summary = this.stats();
    this.resolveFinished(summary);
    return summary;
  }
}

/** Starts a simulation: devices power on (spread over rampMs) and run until the end condition or stop(). */
export async function startSimulation(options: SimulationOptions): Promise<Simulation> {
  validate(options);
  const rt = new Runtime(options);
  await rt.start();
  return rt;
}

function validate(o: SimulationOptions): void {
  const bad = (m: string) => new SimSetupError("SIM_OPTIONS_INVALID", m);
  let url: URL;
  try {
    url = new URL(o.acsUrl);
  } catch {
    throw bad(`the ACS URL ${JSON.stringify(o.acsUrl)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw bad(`the ACS URL must be http: or https:, not ${url.protocol}`);
  if (!Number.isSafeInteger(o.devices) || o.devices < 1) throw bad(`the device count must be a positive integer, not ${o.devices}`);
  if (o.concurrency !== undefined && (!Number.isSafeInteger(o.concurrency) || o.concurrency < 1)) throw bad(`the concurrency must be a positive integer, not ${o.concurrency}`);
  for (const [name, v] of [["rampMs", o.rampMs], ["durationMs", o.durationMs], ["httpTimeoutMs", o.httpTimeoutMs], ["saveIntervalMs", o.saveIntervalMs]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw bad(`${name} must be a non-negative number, not ${v}`);
  }
  if (o.maxSessions !== undefined && (!Number.isSafeInteger(o.maxSessions) || o.maxSessions < 1)) throw bad(`the session count must be a positive integer, not ${o.maxSessions}`);
  const versions = typeof o.cwmpVersion === "string" ? [o.cwmpVersion] : o.cwmpVersion ?? [];
  if (versions.length === 0 && o.cwmpVersion !== undefined) throw bad("the list of CWMP versions is empty");
  for (const v of versions) if (!CWMP_VERSIONS.includes(v)) throw bad(`CWMP version ${JSON.stringify(v)} is not one of ${CWMP_VERSIONS.join(", ")}`);
  if (o.faults !== undefined && !(o.faults.rate >= 0 && o.faults.rate <= 1)) throw bad(`the fault rate must be between 0 and 1, not ${o.faults.rate}`);
}
