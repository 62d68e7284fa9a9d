// Connection requests wired into the ACS: how it wakes a device now. Built from src/connreq: the
// ConnectionRequester (method order, fallback, per-device rate limit) over the real transports: HTTP
// to the device's ConnectionRequestURL, UDP (TR-111 Annex G) sent from the ACS's own STUN server's
// socket to the NAT binding that server learned, and XMPP (Annex K) through the ACS's XMPP account.
//
// What the device can be reached by comes from its stored parameters (ManagementServer.* under
// Device. or InternetGatewayDevice.) and the STUN server's bindings (found by the device's
// STUNUsername). The credentials are the device's own (set through the API, sealed in the store), else
// the configured defaults. Every attempt is recorded, and the request's end is an event
// (connectionRequest.succeeded / .failed), in one transaction.

import { randomBytes } from "node:crypto";
import {
  ConnectionRequester,
  createTransports,
  StunServer,
  XmppConnectionRequester,
  type ConnectionRequestMethod,
  type ConnectionRequestResult,
  type DeviceContact,
  type StunBinding,
  type TransportDependencies,
  type XmppLinkStatus,
} from "../connreq/index.js";
import type { ParameterRecord, Store } from "../store/types.js";
import { recordEvents, type AcsEvent, type EventBus } from "./events.js";
import type { Logger } from "./logger.js";
import type { AcsMetrics } from "./metrics.js";
import { OwedWakes } from "./owed-wakes.js";
import type { SecretBox } from "./secrets.js";

export interface ConnectionRequestSettings {
  methods: readonly ConnectionRequestMethod[];
  fallback: boolean;
  minIntervalMs: number;
  httpTimeoutMs: number;
  allowBasic: boolean;
  defaultUsername: string;
  defaultPassword: string;
  udpCount: number;
  udpIntervalMs: number;
  /** Requests of a bulk task in flight at once. */
  concurrency: number;
  /** How long a process holds the wakes it owes (owed-wakes.ts); default 30 s. */
  leaseMs?: number;
  /** How often owed wakes whose lease ran out are looked for; default 1 s. */
  owedPollMs?: number;
  /** null: no STUN server (no UDP connection requests). */
  stun: { host: string; port: number } | null;
  /** null: no XMPP. */
  xmpp: { service: string; domain: string; username: string; password: string; resource: string; plainWithoutTls: boolean; timeoutMs: number } | null;
}

export interface ConnectionRequestDeps {
  store: Store;
  box: SecretBox;
  events: EventBus;
  log: Logger;
  metrics?: AcsMetrics;
  clock?: () => Date;
  /**
   * Wakes a USP device through the USP controller (controller/controller.ts): "woken" when a session
   * starts now, "unreachable" when this process cannot reach its agent, "not-usp" for a CWMP device.
   */
  usp?: (deviceId: string) => Promise<"woken" | "unreachable" | "not-usp">;
}

const ROOTS = ["Device.", "InternetGatewayDevice."] as const;
const FIELDS = ["ConnectionRequestURL", "UDPConnectionRequestAddress", "ConnReqJabberID", "STUNUsername"] as const;
type Field = (typeof FIELDS)[number];

/** Everything known about reaching one device, for the API and for the requester. */
export interface DeviceReach {
  contact: DeviceContact;
  stunUsername: string | null;
  stunBinding: StunBinding | null;
  /** Where the credentials come from. */
  credentials: { source: "device" | "default" | "none"; username: string | null };
  /** The methods that would be tried, in order. */
  plan: { method: ConnectionRequestMethod; target: string }[];
}

export type WakeResult = ConnectionRequestResult;

export const sealContext = (deviceId: string) => `connreq:${deviceId}`;

export class ConnectionRequests {
  private readonly background = new Set<Promise<unknown>>();
  private readonly clock: () => Date;
  /** Wakes owed for tasks, made by this process or, should it die, by another (owed-wakes.ts). */
  readonly owed: OwedWakes;

  private constructor(
    private readonly s: ConnectionRequestSettings,
    private readonly d: ConnectionRequestDeps,
    private readonly requester: ConnectionRequester,
    readonly stun: StunServer | null,
    readonly xmpp: XmppConnectionRequester | null,
  ) {
    this.clock = d.clock ?? (() => new Date());
    this.owed = new OwedWakes(
      { leaseMs: s.leaseMs ?? 30_000, pollMs: s.owedPollMs ?? 1000, concurrency: s.concurrency },
      { store: d.store, wake: (deviceId, o) => this.wake(deviceId, o), log: d.log, clock: this.clock },
    );
  }

  static async start(s: ConnectionRequestSettings, d: ConnectionRequestDeps): Promise<ConnectionRequests> {
    let stun: StunServer | null = null;
    let xmpp: XmppConnectionRequester | null = null;
    try {
      if (s.stun !== null) {
        stun = await StunServer.start({
          address: s.stun.host,
          port: s.stun.port,
          software: "Provisio",
          onError: (err, from) => d.log.debug({ code: err.code, err: err.message, from }, "STUN datagram refused"),
        });
      }
      if (s.xmpp !== null) {
        const resource = s.xmpp.resource !== "" ? s.xmpp.resource : `provisio-${randomBytes(4).toString("hex")}`;
        xmpp = new XmppConnectionRequester({
          service: s.xmpp.service,
          ...(s.xmpp.domain !== "" ? { domain: s.xmpp.domain } : {}),
          username: s.xmpp.username,
          password: s.xmpp.password,
          resource,
          plainWithoutTls: s.xmpp.plainWithoutTls,
          requestTimeoutMs: s.xmpp.timeoutMs,
          onStatus: (status, detail) => d.log[status === "offline" ? "warn" : "info"]({ status, detail }, "XMPP link for connection requests"),
        });
        xmpp.start();
      }
      const deps: TransportDependencies = { http: { timeoutMs: s.httpTimeoutMs, allowBasic: s.allowBasic, userAgent: "Provisio" } };
      if (stun !== null) deps.udp = { sender: stun, count: s.udpCount, intervalMs: s.udpIntervalMs };
      if (xmpp !== null) deps.xmpp = { requester: xmpp, timeoutMs: s.xmpp!.timeoutMs };
      const requester = new ConnectionRequester({ transports: createTransports(deps), methods: s.methods, fallback: s.fallback, minIntervalMs: s.minIntervalMs });
      return new ConnectionRequests(s, d, requester, stun, xmpp);
    } catch (err) {
      await stun?.close();
      await xmpp?.stop();
      throw err;
    }
  }

  /** The methods usable, in order (configured, with a transport). */
  get methods(): ConnectionRequestMethod[] {
    return this.requester.methods;
  }

  /** The STUN server's bound address, when it runs. */
  get stunAddress(): { address: string; port: number } | null {
    return this.stun?.address() ?? null;
  }

  get xmppStatus(): { status: XmppLinkStatus; jid: string | null } | null {
    return this.xmpp === null ? null : { status: this.xmpp.status, jid: this.xmpp.jid ?? null };
  }

  /** What is known about reaching the device; null when there is no such device. */
  async reach(deviceId: string): Promise<DeviceReach | null> {
    const { store, box } = this.d;
    if ((await store.devices.get(deviceId)) === null) return null;
    const paths = ROOTS.flatMap((r) => FIELDS.map((f) => `${r}ManagementServer.${f}`));
    const found = new Map<Field, ParameterRecord>();
    for (const rec of await store.parameters.get(deviceId, paths)) {
      const field = rec.path.slice(rec.path.lastIndexOf(".") + 1) as Field;
      if (rec.value !== null && rec.value.trim() !== "" && !found.has(field)) found.set(field, rec);
    }
    const value = (f: Field) => found.get(f)?.value?.trim() ?? null;
    const stunUsername = value("STUNUsername");
    const binding = stunUsername !== null ? this.stun?.binding(stunUsername) ?? null : null;
    const own = await store.connectionRequests.credentials(deviceId);
    let credentials: DeviceReach["credentials"];
    let username: string | null = null;
    let password: string | null = null;
    if (own !== null) {
      credentials = { source: "device", username: own.username };
      username = own.username;
      password = box.open(own.passwordSealed, sealContext(deviceId));
    } else if (this.s.defaultUsername !== "" || this.s.defaultPassword !== "") {
      credentials = { source: "default", username: this.s.defaultUsername };
      username = this.s.defaultUsername;
      password = this.s.defaultPassword;
    } else {
      credentials = { source: "none", username: null };
    }
    const contact: DeviceContact = {
      deviceId,
      connectionRequestUrl: value("ConnectionRequestURL"),
      udpConnectionRequestAddress: value("UDPConnectionRequestAddress"),
      udpConnectionRequestAddressAt: found.get("UDPConnectionRequestAddress")?.valueAt?.getTime() ?? null,
      stunBinding: binding === null ? null : { address: binding.address, port: binding.port, at: binding.at },
      jabberId: value("ConnReqJabberID"),
      username,
      password,
    };
    return {
      contact,
      stunUsername,
      stunBinding: binding,
      credentials,
      plan: this.requester.plan(contact).map((p) => ({ method: p.method, target: p.target })),
    };
  }

  /**
   * Wakes the device: tries its methods, records every attempt and the outcome's event. Null when there
   * is no such device. Never throws for what the device or the network does.
   */
  async wake(deviceId: string, opts: { taskId?: string | null } = {}): Promise<WakeResult | null> {
    const usp = this.d.usp === undefined ? "not-usp" : await this.d.usp(deviceId);
    if (usp !== "not-usp") return this.wokeUsp(deviceId, usp === "woken", opts.taskId ?? null);
    const reach = await this.reach(deviceId);
    if (reach === null) return null;
    const result = await this.requester.request(reach.contact);
    if (result.joined) return result;
    const m = this.d.metrics;
    for (const a of result.attempts) m?.connectionRequest(a.method, a.outcome);
    if (result.outcome === "rate-limited" || result.outcome === "no-method") m?.connectionRequest("none", result.outcome);
    if (result.outcome === "rate-limited") return result;
    await this.recordWake(deviceId, result, opts.taskId ?? null);
    return result;
  }

  /**
   * A USP device's wake: a bridged session started now, or none (its agent is not reached from this
   * process: its tasks wait for its next contact). Recorded and told as a connection request's end.
   */
  private async wokeUsp(deviceId: string, woken: boolean, taskId: string | null): Promise<WakeResult> {
    const result: WakeResult = { deviceId, outcome: woken ? "sent" : "no-method", method: undefined, attempts: [], durationMs: 0, joined: false };
    await this.recordWake(deviceId, result, taskId, "usp");
    return result;
  }

  private async recordWake(deviceId: string, result: WakeResult, taskId: string | null, via?: "usp"): Promise<void> {
    const now = this.clock();
    const last = result.attempts[result.attempts.length - 1];
    const ok = result.outcome === "accepted" || result.outcome === "sent";
    const event: AcsEvent = ok
      ? { type: "connectionRequest.succeeded", deviceId, at: now, method: via ?? last!.method, outcome: result.outcome, target: via === "usp" ? "a USP session" : last!.target, durationMs: result.durationMs, taskId }
      : {
          type: "connectionRequest.failed",
          deviceId,
          at: now,
          method: via ?? last?.method ?? null,
          outcome: result.outcome,
          code: last?.code ?? "NO_METHOD",
          detail: via === "usp" ? "the USP agent is not reached from this process now; its tasks run at its next contact"
            : (last?.detail ?? "the device reported no ConnectionRequestURL, UDPConnectionRequestAddress or ConnReqJabberID usable by the enabled methods"),
          taskId,
        };
    try {
      const events = await this.d.store.transaction(async (tx) => {
        await tx.connectionRequests.record(result.attempts.map((a) => ({
          deviceId, at: new Date(a.at), method: a.method, target: a.target, outcome: a.outcome, code: a.code, detail: a.detail, durationMs: a.durationMs, taskId,
        })));
        // What the task's outlook says (nextAttemptBy: woken, or waiting for its Inform) comes from here.
        if (taskId !== null) await tx.tasks.recordWake(taskId, now, result.outcome);
        return recordEvents(tx, [event]);
      });
      for (const e of events) this.d.events.emit(e);
    } catch (err) {
      // The device may have been deleted meanwhile; the request itself happened either way.
      this.d.log.warn({ err, deviceId }, "could not record a connection request");
    }
    if (!ok) this.d.log.info({ deviceId, outcome: result.outcome, method: result.method, detail: event.type === "connectionRequest.failed" ? event.detail : "" }, "connection request failed");
  }

  /**
   * Wakes devices in the background, `concurrency` at a time, from this process's memory (campaigns,
   * whose runner catches up on the wakes a dead process owed). Others owe theirs through `owed`.
   */
  wakeAll(targets: readonly { deviceId: string; taskId: string | null }[]): void {
    if (targets.length === 0) return;
    const queue = [...targets];
    const worker = async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
        try {
          await this.wake(t.deviceId, { taskId: t.taskId });
        } catch (err) {
          this.d.log.warn({ err, deviceId: t.deviceId }, "connection request failed to run");
        }
      }
    };
    const run = Promise.all(Array.from({ length: Math.min(this.s.concurrency, queue.length) }, worker));
    this.background.add(run);
    void run.finally(() => this.background.delete(run));
  }

  async setCredentials(deviceId: string, username: string, password: string): Promise<boolean> {
    const { store, box } = this.d;
    if ((await store.devices.get(deviceId)) === null) return false;
    await store.connectionRequests.setCredentials({ deviceId, username, passwordSealed: box.seal(password, sealContext(deviceId)), updatedAt: this.clock() });
    return true;
  }

  async close(): Promise<void> {
    await this.owed.close();
    await Promise.allSettled([...this.background]);
    await this.xmpp?.stop();
    await this.stun?.close();
  }
}
