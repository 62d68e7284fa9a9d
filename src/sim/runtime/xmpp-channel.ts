// XMPP Connection Requests (TR-069 Annex K), the device side, for every simulated device whose
// ManagementServer.ConnReqXMPPConnection names an enabled XMPP.Connection row with an account.
//
// The device logs in with that account (src/connreq's startXmppDevice: SASL PLAIN without TLS unless the
// row's UseTLS is true, for speed at scale), reports the JID it got in the row's JabberID and in
// ManagementServer.ConnReqJabberID (Active Notification, forced by the data model: the ACS hears of it
// with 4 VALUE CHANGE), and answers connectionRequest IQs: service-unavailable to a sender that
// ConnReqAllowedJabberIDs does not allow, not-authorized for wrong ConnectionRequestUsername/Password,
// service-unavailable when it is down or over its rate limit, else an empty result and a session with
// 6 CONNECTION REQUEST. Credentials and allowed JIDs are read at each request (the ACS may change them).
//
// A device that goes down (reboot) logs out and logs in again when it is back; a failed login is tried
// again after ServerRetryInitialInterval, multiplied by ServerRetryIntervalMultiplier each time up to
// ServerRetryMaxInterval, ServerConnectAttempts times (simulated time). Logins run a few at a time
// (`loginConcurrency`), so a fleet powering on does not storm the XMPP server.

import { startXmppDevice, type XmppDevice, type XmppDeviceOptions } from "../../connreq/xmpp-device.js";
import { formatDateTime } from "../../cwmp/index.js";
import { listItems, xmppSettings, type XmppSettings } from "../connreq-settings.js";
import type { SimClock } from "./clock.js";
import type { ChannelDevice, ConnectionRequestResult, DeviceChannel } from "./connection-requests.js";
import { DeviceTimers } from "./device-timers.js";
import type { SimulationSummary } from "./stats.js";

export interface XmppChannelOptions {
  /** Logins in progress at once. Default 16. */
  loginConcurrency?: number;
  /** How long one login may take (real ms). Default 10,000. */
  loginTimeoutMs?: number;
}

/** The summary's `xmpp` (stats.ts says what each count is). */
export type XmppChannelStats = NonNullable<SimulationSummary["xmpp"]>;

type Phase = "queued" | "connecting" | "online" | "waiting";

interface XmppDeviceState {
  readonly dev: ChannelDevice;
  readonly settings: XmppSettings;
  readonly key: string;
  phase: Phase;
  client: XmppDevice | undefined;
  failures: number;
  stopped: boolean;
}

export class XmppChannel implements DeviceChannel {
  readonly kind = "xmpp" as const;
  private readonly devices = new Map<number, XmppDeviceState>();
  private readonly queue: XmppDeviceState[] = [];
  private connecting = 0;
  private readonly timers: DeviceTimers;
  private readonly stopping = new Set<Promise<void>>();
  private readonly loggingIn = new Set<Promise<void>>();
  private readonly concurrency: number;
  private closed = false;
  private logins = 0;
  private loginFailures = 0;
  private readonly requests: Record<ConnectionRequestResult, number> = { accepted: 0, refused: 0, unavailable: 0, unknown: 0 };

  constructor(
    private readonly clock: SimClock,
    capacity: number,
    private readonly o: XmppChannelOptions = {},
  ) {
    this.timers = new DeviceTimers(clock, capacity, (i) => this.retryDue(i));
    this.concurrency = Math.max(1, o.loginConcurrency ?? 16);
  }

  stats(): XmppChannelStats {
    let online = 0;
    for (const st of this.devices.values()) if (st.phase === "online") online++;
    return { online, loggingOut: this.stopping.size, logins: this.logins, loginFailures: this.loginFailures };
  }

  /** XMPP Connection Requests received, by outcome. */
  requestCounts(): Record<ConnectionRequestResult, number> {
    return { ...this.requests };
  }

  /** The JID a device is logged in as, when it is. */
  jidOf(index: number): string | undefined {
    const st = this.devices.get(index);
    return st?.phase === "online" ? st.client?.jid : undefined;
  }

  update(dev: ChannelDevice): void {
    if (this.closed) return;
    const settings = dev.up ? xmppSettings(dev.cpe) : undefined;
    const st = this.devices.get(dev.index);
    const key = settings === undefined ? "" : JSON.stringify(settings);
    if (st !== undefined && st.key === key) return;
    if (st !== undefined) this.stop(st, dev.up && settings === undefined);
    if (settings === undefined) return;
    const fresh: XmppDeviceState = { dev, settings, key, phase: "queued", client: undefined, failures: 0, stopped: false };
    this.devices.set(dev.index, fresh);
    this.enqueue(fresh);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timers.close();
    this.queue.length = 0;
    for (const st of [...this.devices.values()]) this.stop(st, false);
    // A login in progress ends (within its timeout) and logs out at once: wait for both.
    await Promise.all([...this.loggingIn]);
    await Promise.all([...this.stopping]);
  }

  private enqueue(st: XmppDeviceState): void {
    st.phase = "queued";
    this.queue.push(st);
    this.pump();
  }

  private pump(): void {
    while (this.connecting < this.concurrency && this.queue.length > 0 && !this.closed) {
      const st = this.queue.shift()!;
      if (st.stopped) continue;
      this.connecting++;
      const p = this.login(st).finally(() => {
        this.connecting--;
        this.loggingIn.delete(p);
        this.pump();
      });
      this.loggingIn.add(p);
    }
  }

  private async login(st: XmppDeviceState): Promise<void> {
    // Not within update(), which may have queued this login: the runtime is rescheduling the device.
    await Promise.resolve();
    if (st.stopped) return;
    const { dev, settings } = st;
    st.phase = "connecting";
    this.set(st, [["Status", "Connecting"]]);
    const ms = `${dev.cpe.model.root.path}ManagementServer.`;
    const requests = this.requests;
    const options: XmppDeviceOptions = {
      service: settings.service,
      domain: settings.domain,
      username: settings.username,
      password: settings.password,
      ...(settings.resource !== "" ? { resource: settings.resource } : {}),
      plainWithoutTls: !settings.useTls,
      timeoutMs: this.o.loginTimeoutMs ?? 10_000,
      // Read at each request: the ACS may change them through SetParameterValues.
      get connectionRequestUsername() {
        return dev.connectionRequestCredentials().username;
      },
      get connectionRequestPassword() {
        return dev.connectionRequestCredentials().password;
      },
      get allowedJids() {
        return listItems(dev.cpe.read(ms + "ConnReqAllowedJabberIDs"));
      },
      onConnectionRequest: () => {
        if (st.stopped || !dev.admitConnectionRequest("xmpp")) {
          requests.unavailable++;
          return "busy";
        }
        requests.accepted++;
        // After the result has gone out.
        setImmediate(() => dev.wake());
        return "accept";
      },
      onRefused: () => {
        requests.refused++;
      },
    };
    let client: XmppDevice;
    try {
      client = await startXmppDevice(options);
    } catch (e) {
      this.loginFailures++;
      if (st.stopped) return;
      st.failures++;
      const message = e instanceof Error ? e.message : String(e);
      this.set(st, [["Status", /not-authorized|auth|credentials|SASL/i.test(message) ? "Error_AuthenticationFailure" : "ServerNotPresent"]]);
      st.phase = "waiting";
      const r = settings.retry;
      // ServerConnectAttempts spent: the device waits for new settings (or a reboot).
      if (r.attempts > 0 && st.failures >= r.attempts) return;
      const waitS = Math.min(r.maxS, r.initialS * r.multiplier ** (st.failures - 1));
      this.timers.set(dev.index, this.clock.now() + waitS * 1000);
      return;
    }
    this.logins++;
    if (st.stopped) {
      this.track(client.stop());
      return;
    }
    st.client = client;
    st.phase = "online";
    st.failures = 0;
    const now = this.clock.now();
    this.set(st, [["JabberID", client.jid], ["Status", "Enabled"], ["LastChangeDate", formatDateTime(new Date(now))]], [[ms + "ConnReqJabberID", client.jid]]);
  }

  private retryDue(index: number): void {
    const st = this.devices.get(index);
    if (st !== undefined && !st.stopped && st.phase === "waiting") this.enqueue(st);
  }

  /** Logs out. `disabled`: the device is up and no longer wants XMPP, so its parameters say so. */
  private stop(st: XmppDeviceState, disabled: boolean): void {
    st.stopped = true;
    this.devices.delete(st.dev.index);
    this.timers.set(st.dev.index, undefined);
    if (st.client !== undefined) this.track(st.client.stop());
    st.client = undefined;
    if (!disabled) return;
    const dev = st.dev;
    const ms = `${dev.cpe.model.root.path}ManagementServer.`;
    // Outside update(): the runtime is in the middle of rescheduling this device. ConnReqJabberID is
    // empty when the connection is disabled or none is named (TR-181).
    setImmediate(() => {
      if (this.closed || !dev.up || this.devices.has(dev.index)) return;
      const values: Array<[string, string]> = [];
      if (dev.cpe.read(st.settings.connection + "Enable") === "false") values.push([st.settings.connection + "Status", "Disabled"]);
      if ((dev.cpe.read(ms + "ConnReqJabberID") ?? "") !== "") values.push([ms + "ConnReqJabberID", ""]);
      if (values.length > 0) dev.setLocalValues(values);
    });
  }

  private track(p: Promise<void>): void {
    const done = p.catch(() => undefined);
    this.stopping.add(done);
    void done.then(() => this.stopping.delete(done));
  }

  /** Sets values of the connection row (by name) and others (by path), if the device still runs this login. */
  private set(st: XmppDeviceState, row: Array<[string, string]>, other: Array<[string, string]> = []): void {
    if (st.stopped || !st.dev.up) return;
    const cpe = st.dev.cpe;
    const values = [...row.map(([name, v]) => [st.settings.connection + name, v] as [string, string]), ...other].filter(([path, v]) => {
      const current = cpe.read(path);
      return current !== undefined && current !== v;
    });
    if (values.length > 0) st.dev.setLocalValues(values);
  }
}
