// UDP Connection Requests (TR-069 Annex G, TR-111 Part 2), the device side, for every simulated device
// whose ManagementServer.STUNEnable is true.
//
// Each such device gets a UDP socket of its own: its "UDP Connection Request port". From it the device
// sends TR-111 Binding Requests to its STUN server (STUNServerAddress:STUNServerPort, or the ACS URL's
// host) at its keep-alive period, learns the mapped address from the answers, reports it in
// UDPConnectionRequestAddress (and NATDetected), and sends BINDING-CHANGE when it changed. On the same
// socket it takes the ACS's signed UDP Connection Requests: checked (username, HMAC signature, ts window,
// message ID replay), then a session with 6 CONNECTION REQUEST. No answer is sent: UDP has none.
//
// Why one port per device, and not a few shared sockets: the ACS's STUN server learns a binding per
// device from the source address and port of its Binding Requests, and sends each UDP Connection
// Request there. Devices sharing a port would share one binding; telling them apart by the request's
// `un` fails whenever they share ConnectionRequestUsername, which is what an ACS's default credentials
// are. A port per device is also what a fleet behind NATs looks like to an ACS. The cost is bounded: a
// socket is opened only for a device that is up with STUN enabled (a simulation that uses no STUN opens
// none), a device running STUN costs one file descriptor and about 5 KB (measured with 10,000), and
// `maxSockets` (default 10,000) caps them; devices beyond it do not run STUN and are counted (`socketLimitHits`). Node raises
// its open-file limit to the hard limit at start; keep maxSockets under that, minus the HTTP sockets.
//
// Time: keep-alive periods and the notification limit are device behaviour, on the simulated clock (one
// deadline heap for all devices); retransmissions of an unanswered Binding Request are network
// behaviour, in real time, as HTTP timeouts are.

import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { unmapIPv4 } from "../../connreq/ip.js";
import { looksLikeStun } from "../../connreq/stun-message.js";
import { verifyUdpConnectionRequest, type UdpConnectionRequestFailure } from "../../connreq/udp-request.js";
import { keepAliveMs, stunSettings, type StunSettings } from "../connreq-settings.js";
import { unit } from "../rng.js";
import { bindingRequestBytes, natDetected, readBindingAnswer, ReplayWindow, udpAddressText } from "../tr111.js";
import type { SimClock } from "./clock.js";
import type { ChannelDevice, ConnectionRequestResult, DeviceChannel } from "./connection-requests.js";
import { DeviceTimers } from "./device-timers.js";
import type { SimulationSummary } from "./stats.js";

export interface UdpChannelOptions {
  /** The address the devices' UDP sockets bind. Default 127.0.0.1. */
  host?: string;
  /** Device i binds this port + i (0, the default: any free port, a new one after each reboot). */
  portBase?: number;
  /** Devices running STUN at once (one socket each). Default 10,000. */
  maxSockets?: number;
  /** A UDP Connection Request whose ts is further than this from the device's clock is refused. Default 300,000 ms; 0: no check. */
  maxClockSkewMs?: number;
  /** Waits before each retransmission of an unanswered Binding Request, then before giving up (real ms). Default 500, 1000, 2000, 4000. */
  retransmitMs?: readonly number[];
  /**
   * Binding Requests awaiting their answer at once, over all devices; the others wait their turn. A
   * fleet that powers on together would otherwise flood the STUN server's socket, and lose requests to
   * its receive buffer. Default 128.
   */
  maxBindingsInFlight?: number;
  /** The wall clock UDP Connection Requests' ts is checked against. Default Date.now. */
  now?: () => number;
}

/** The summary's `stun` (stats.ts says what each count is). */
export type UdpChannelStats = NonNullable<SimulationSummary["stun"]>;

interface Transaction {
  id: Buffer;
  bytes: Buffer;
  attempt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  bindingChange: boolean;
  key: string | undefined;
}

interface UdpDevice {
  readonly dev: ChannelDevice;
  settings: StunSettings;
  key: string;
  socket: dgram.Socket | undefined;
  local: { address: string; port: number } | undefined;
  server: { address: string; port: number } | undefined;
  tx: Transaction | undefined;
  /** The next Binding Request carries BINDING-CHANGE. */
  bindingChange: boolean;
  keepAliveAt: number | undefined;
  notifyAt: number | undefined;
  sent: number;
  opening: boolean;
  /** In the queue of devices waiting to send a Binding Request. */
  waiting: boolean;
  stopped: boolean;
}

const DEFAULT_RETRANSMIT = [500, 1000, 2000, 4000];
const RETRY_LATER_MS = 30_000;

export class UdpChannel implements DeviceChannel {
  readonly kind = "udp" as const;
  private readonly devices = new Map<number, UdpDevice>();
  private readonly replays = new Map<number, ReplayWindow>();
  /** When each device last notified a change of its address: the limit outlives a reboot's new socket. */
  private readonly notifiedAt = new Map<number, number>();
  private readonly overLimit = new Set<number>();
  private readonly timers: DeviceTimers;
  private readonly host: string;
  private readonly maxSockets: number;
  private readonly skewMs: number;
  private readonly retransmitMs: readonly number[];
  private readonly now: () => number;
  private readonly resolved = new Map<string, Promise<string>>();
  private readonly closing = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  private inFlight = 0;
  private waiting: UdpDevice[] = [];
  private waitingHead = 0;
  private localAddresses: string[] | undefined;
  private readonly warned = new Set<string>();
  private closed = false;
  private readonly s: Omit<UdpChannelStats, "sockets" | "socketLimitHits" | "refusedRequests"> = {
    bindingRequests: 0, retransmissions: 0, bindingResponses: 0, bindingErrors: 0, bindingTimeouts: 0, bindingChanges: 0, duplicateRequests: 0, bindErrors: 0, sendErrors: 0,
  };
  private readonly requests: Record<ConnectionRequestResult, number> = { accepted: 0, refused: 0, unavailable: 0, unknown: 0 };
  private readonly refusedBy = new Map<UdpConnectionRequestFailure, number>();

  constructor(
    private readonly clock: SimClock,
    capacity: number,
    private readonly o: UdpChannelOptions = {},
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.timers = new DeviceTimers(clock, capacity, (i, now) => this.due(i, now));
    this.host = o.host ?? "127.0.0.1";
    this.maxSockets = o.maxSockets ?? 10_000;
    this.skewMs = o.maxClockSkewMs ?? 300_000;
    this.retransmitMs = o.retransmitMs !== undefined && o.retransmitMs.length > 0 ? o.retransmitMs : DEFAULT_RETRANSMIT;
    this.now = o.now ?? Date.now;
    this.maxInFlight = Math.max(1, o.maxBindingsInFlight ?? 128);
  }

  stats(): UdpChannelStats {
    return { sockets: this.devices.size, socketLimitHits: this.overLimit.size, ...this.s, refusedRequests: Object.fromEntries(this.refusedBy) };
  }

  /** UDP Connection Requests received, by outcome. */
  requestCounts(): Record<ConnectionRequestResult, number> {
    return { ...this.requests };
  }

  /** The local port of a device's socket, when it has one. */
  portOf(index: number): number | undefined {
    return this.devices.get(index)?.local?.port;
  }

  update(dev: ChannelDevice): void {
    if (this.closed) return;
    const settings = dev.up ? stunSettings(dev.cpe) : undefined;
    const st = this.devices.get(dev.index);
    if (settings === undefined) {
      this.overLimit.delete(dev.index);
      // Disabled while up: the device no longer listens, so it has no address to report.
      if (st !== undefined) this.stop(st, dev.up);
      return;
    }
    const key = JSON.stringify(settings);
    if (st !== undefined) {
      if (st.key === key) return;
      st.settings = settings;
      st.key = key;
      st.server = undefined;
      this.abandon(st);
      this.later(st, 0);
      return;
    }
    if (this.devices.size >= this.maxSockets) {
      if (!this.overLimit.has(dev.index)) {
        this.overLimit.add(dev.index);
        this.warnOnce("limit", `${this.maxSockets} devices already run STUN (the UDP socket limit): others do not until some stop`);
      }
      return;
    }
    this.overLimit.delete(dev.index);
    const fresh: UdpDevice = {
      dev, settings, key, socket: undefined, local: undefined, server: undefined, tx: undefined, bindingChange: false,
      keepAliveAt: undefined, notifyAt: undefined, sent: 0, opening: false, waiting: false, stopped: false,
    };
    this.devices.set(dev.index, fresh);
    void this.open(fresh);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timers.close();
    for (const st of [...this.devices.values()]) this.stop(st, false);
    await Promise.all([...this.closing]);
  }

  // ---- sockets ----

  private async open(st: UdpDevice): Promise<void> {
    if (st.opening || st.socket !== undefined) return;
    st.opening = true;
    try {
      await this.bind(st);
    } finally {
      st.opening = false;
    }
  }

  private async bind(st: UdpDevice): Promise<void> {
    const socket = dgram.createSocket({ type: isIP(this.host) === 6 ? "udp6" : "udp4" });
    socket.on("message", (msg, rinfo) => this.receive(st, msg, rinfo));
    const base = this.o.portBase ?? 0;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ port: base > 0 ? base + st.dev.index : 0, address: this.host, exclusive: true }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
    } catch (e) {
      this.s.bindErrors++;
      this.warnOnce("bind", `a device's UDP socket cannot bind ${this.host}${base > 0 ? `:${base + st.dev.index}` : ""}: ${(e as Error).message}`);
      socket.close();
      if (!st.stopped) this.later(st, RETRY_LATER_MS);
      return;
    }
    if (st.stopped) {
      this.closeSocket(socket);
      return;
    }
    socket.on("error", () => this.s.sendErrors++);
    st.socket = socket;
    const a = socket.address();
    st.local = { address: a.address, port: a.port };
    this.later(st, 0);
  }

  private closeSocket(socket: dgram.Socket): void {
    const done = new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
    this.closing.add(done);
    void done.then(() => this.closing.delete(done));
  }

  private stop(st: UdpDevice, clearValues: boolean): void {
    st.stopped = true;
    this.abandon(st);
    this.devices.delete(st.dev.index);
    this.timers.set(st.dev.index, undefined);
    if (st.socket !== undefined) this.closeSocket(st.socket);
    st.socket = undefined;
    if (!clearValues) return;
    const dev = st.dev;
    const ms = `${dev.cpe.model.root.path}ManagementServer.`;
    // Outside update(): the runtime is in the middle of rescheduling this device.
    setImmediate(() => {
      if (this.closed || !dev.up || this.devices.has(dev.index)) return;
      const values: Array<[string, string]> = [];
      if ((dev.cpe.read(ms + "UDPConnectionRequestAddress") ?? "") !== "") values.push([ms + "UDPConnectionRequestAddress", ""]);
      if (dev.cpe.read(ms + "NATDetected") === "true") values.push([ms + "NATDetected", "false"]);
      if (values.length > 0) dev.setLocalValues(values);
    });
  }

  private receive(st: UdpDevice, msg: Buffer, from: dgram.RemoteInfo): void {
    if (st.stopped) return;
    if (looksLikeStun(msg)) this.onStun(st, msg, from);
    else this.onRequest(st, msg);
  }

  // ---- STUN ----

  /** Sends the next Binding Request `ms` from now (simulated time); 0: at once. */
  private later(st: UdpDevice, ms: number): void {
    st.keepAliveAt = this.clock.now() + ms;
    this.schedule(st);
  }

  private schedule(st: UdpDevice): void {
    let at = st.keepAliveAt;
    if (st.notifyAt !== undefined && (at === undefined || st.notifyAt < at)) at = st.notifyAt;
    this.timers.set(st.dev.index, at);
  }

  private due(index: number, now: number): void {
    const st = this.devices.get(index);
    if (st === undefined) return;
    if (st.notifyAt !== undefined && st.notifyAt <= now) {
      st.notifyAt = undefined;
      this.notifiedAt.set(index, now);
      st.dev.notifyChanges();
    }
    if (st.keepAliveAt !== undefined && st.keepAliveAt <= now) {
      st.keepAliveAt = undefined;
      // Without a socket, the last bind failed: try again.
      if (st.socket === undefined) void this.open(st);
      else this.send(st);
    }
    this.schedule(st);
  }

  /** Resolves STUNServerAddress when it is a name (once per name), then sends. */
  private async resolveAndSend(st: UdpDevice): Promise<void> {
    const { host, port } = st.settings;
    let p = this.resolved.get(host);
    if (p === undefined) {
      p = lookup(host, { family: isIP(this.host) === 6 ? 6 : 4 }).then((r) => r.address);
      this.resolved.set(host, p);
      p.catch(() => this.resolved.delete(host));
    }
    const settings = st.settings;
    let address: string;
    try {
      address = await p;
    } catch (e) {
      this.warnOnce(`dns:${host}`, `the STUN server ${host} cannot be resolved: ${(e as Error).message}`);
      if (!st.stopped && st.settings === settings) this.later(st, keepAliveMs(settings, 0));
      return;
    }
    if (st.stopped || st.settings !== settings) return;
    st.server = { address, port };
    this.send(st);
  }

  /** Sends a Binding Request now (synchronously once the server's address is known), or when its turn comes. */
  private send(st: UdpDevice): void {
    if (st.tx !== undefined || st.socket === undefined || st.waiting) return;
    if (this.inFlight >= this.maxInFlight) {
      st.waiting = true;
      this.waiting.push(st);
      return;
    }
    const settings = st.settings;
    if (st.server === undefined) {
      if (isIP(settings.host) === 0) {
        void this.resolveAndSend(st);
        return;
      }
      st.server = { address: settings.host, port: settings.port };
    }
    const id = randomBytes(16);
    const sign = settings.password !== "";
    st.tx = {
      id, attempt: 0, timer: undefined, bindingChange: st.bindingChange, key: sign ? settings.password : undefined,
      bytes: bindingRequestBytes(settings, { transactionId: id, bindingChange: st.bindingChange, sign }),
    };
    this.s.bindingRequests++;
    this.inFlight++;
    this.transmit(st, st.tx, st.server);
  }

  /** A transaction ended (answered, given up, abandoned): the next waiting device may send. */
  private ended(): void {
    this.inFlight--;
    while (this.inFlight < this.maxInFlight && this.waitingHead < this.waiting.length && !this.closed) {
      const st = this.waiting[this.waitingHead++]!;
      st.waiting = false;
      if (!st.stopped) this.send(st);
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private transmit(st: UdpDevice, tx: Transaction, server: { address: string; port: number }): void {
    try {
      st.socket?.send(tx.bytes, server.port, server.address, (err) => {
        if (err) this.s.sendErrors++;
      });
    } catch {
      this.s.sendErrors++;
    }
    const wait = this.retransmitMs[tx.attempt]!;
    tx.timer = setTimeout(() => {
      if (st.tx !== tx || st.stopped) return;
      tx.attempt++;
      if (tx.attempt < this.retransmitMs.length) {
        this.s.retransmissions++;
        this.transmit(st, tx, server);
        return;
      }
      this.s.bindingTimeouts++;
      st.tx = undefined;
      this.ended();
      this.later(st, keepAliveMs(st.settings, unit(st.dev.cpe.identity.seed, st.sent++)));
    }, wait);
    tx.timer.unref();
  }

  /** Forgets the Binding Request in flight. */
  private abandon(st: UdpDevice): void {
    if (st.tx === undefined) return;
    if (st.tx.timer !== undefined) clearTimeout(st.tx.timer);
    st.tx = undefined;
    this.ended();
  }

  private onStun(st: UdpDevice, msg: Buffer, from: dgram.RemoteInfo): void {
    const tx = st.tx;
    // Only the server's answers: the request went to it, and its NAT mapping is towards it.
    if (tx === undefined || st.server === undefined || from.port !== st.server.port || unmapIPv4(from.address) !== st.server.address) return;
    const answer = readBindingAnswer(msg, tx.id, tx.key);
    if (answer.kind === "ignored") return;
    this.abandon(st);
    const spread = unit(st.dev.cpe.identity.seed, st.sent++);
    if (answer.kind !== "mapped") {
      this.s.bindingErrors++;
      this.later(st, keepAliveMs(st.settings, spread));
      return;
    }
    this.s.bindingResponses++;
    if (tx.bindingChange) {
      st.bindingChange = false;
      this.s.bindingChanges++;
    }
    const cpe = st.dev.cpe;
    const ms = `${cpe.model.root.path}ManagementServer.`;
    const text = udpAddressText(answer.address, answer.port);
    const previous = cpe.read(ms + "UDPConnectionRequestAddress") ?? "";
    const nat = String(natDetected(answer, st.local!, this.interfaces()));
    const values: Array<[string, string]> = [];
    if (previous !== text) values.push([ms + "UDPConnectionRequestAddress", text]);
    if (cpe.read(ms + "NATDetected") !== undefined && cpe.read(ms + "NATDetected") !== nat) values.push([ms + "NATDetected", nat]);
    if (values.length > 0) this.report(st, values, previous !== text);
    if (previous !== "" && previous !== text) {
      // The binding moved: say so at once (BINDING-CHANGE is exempt from the minimum period).
      st.bindingChange = true;
      this.later(st, 0);
      return;
    }
    this.later(st, keepAliveMs(st.settings, spread));
  }

  /** Stores the values; a change of address is notified at most once per UDPConnectionRequestAddressNotificationLimit. */
  private report(st: UdpDevice, values: Array<[string, string]>, addressChanged: boolean): void {
    const limitMs = st.settings.notificationLimitS * 1000;
    const now = this.clock.now();
    const last = this.notifiedAt.get(st.dev.index);
    if (addressChanged && limitMs > 0 && last !== undefined && now - last < limitMs) {
      st.dev.setLocalValues(values, false);
      st.notifyAt = last + limitMs;
      this.schedule(st);
      return;
    }
    st.dev.setLocalValues(values);
    if (addressChanged) this.notifiedAt.set(st.dev.index, now);
  }

  private interfaces(): string[] {
    this.localAddresses ??= Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));
    return this.localAddresses;
  }

  // ---- UDP Connection Requests ----

  private onRequest(st: UdpDevice, msg: Buffer): void {
    const dev = st.dev;
    let replay = this.replays.get(dev.index);
    if (replay === undefined) this.replays.set(dev.index, (replay = new ReplayWindow()));
    const { username, password } = dev.connectionRequestCredentials();
    const v = verifyUdpConnectionRequest(msg, {
      username,
      password,
      now: this.now(),
      ...(this.skewMs > 0 ? { maxClockSkewMs: this.skewMs } : {}),
      replay: replay.state,
    });
    if (!v.ok) {
      if (v.reason === "replayed-id") this.s.duplicateRequests++;
      else {
        this.requests.refused++;
        this.refusedBy.set(v.reason, (this.refusedBy.get(v.reason) ?? 0) + 1);
      }
      return;
    }
    replay.record(v.ts, v.id);
    if (!dev.admitConnectionRequest("udp")) {
      this.requests.unavailable++;
      return;
    }
    this.requests.accepted++;
    dev.wake();
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message);
  }
}
