// Many USP agents in one process: one UspAgent each over its own AgentMtp, one deadline heap and one
// timer for all of them (DeviceTimers, as the CWMP runtime), downloads and speed tests over real HTTP. The MTP is the
// caller's choice (WebSocket, MQTT, or the in-process loopback of tests), made per agent by `mtp`.

import type { AgentMtp } from "../../../mtp/types.js";
import type { MtpConnect } from "../../../usp/index.js";
import { makeIdentity, type IdentityOptions } from "../../identity.js";
import { systemClock, type SimClock } from "../../runtime/clock.js";
import { DeviceTimers } from "../../runtime/device-timers.js";
import type { TlsClientOptions } from "../../runtime/http-session.js";
import { performSpeedTest } from "../../runtime/speed-test.js";
import { performTransfer } from "../../runtime/transfer.js";
import { UspAgent, type AgentEffect, type UspAgentOptions } from "../agent.js";
import type { UspModel } from "../supported.js";

/** Who an agent is, for its MTP: its endpoint id and its device's credentials. */
export interface AgentLogin {
  index: number;
  endpointId: string;
  username: string;
  password: string;
}

export interface UspSimulationOptions {
  /** Agents to run. */
  devices: number;
  model: UspModel;
  identity?: IdentityOptions;
  agent?: UspAgentOptions;
  /**
   * The MTP of one agent; it calls `reached()` each time it (re)connects to the controller, saying which
   * MTP it is for the agent's connect Record (none: the agent sends none, as over the loopback).
   */
  mtp: (login: AgentLogin, reached: (connect?: MtpConnect) => void) => AgentMtp;
  clock?: SimClock;
  /** Agents connecting at once (default 64). */
  connectConcurrency?: number;
  /** Longest wait for a file server (real ms, default 30,000). */
  transferTimeoutMs?: number;
  tls?: TlsClientOptions;
  /** Ends the run after this long (simulated ms). */
  durationMs?: number;
}

export interface UspSimulationStats {
  agents: number;
  /** Agents whose MTP reached the controller at least once. */
  connected: number;
  onboarded: number;
  up: number;
  recordsIn: number;
  recordsOut: number;
  /** Records the MTP could not send (not connected then). */
  sendFailures: number;
  downloads: { completed: number; failed: number };
  /** Notifies waiting for their NotifyResp. */
  unanswered: number;
  memory: { rssBytes: number; heapUsedBytes: number };
}

export interface UspAgentControls {
  /** Changes a value as the device itself would (ValueChange to subscribers); SimError for bad input. */
  setValue(path: string, text: string): void;
  /** Adds an instance to a table as the device itself would (ObjectCreation to subscribers); returns its path. SimError for bad input. */
  addObject(table: string): string;
  /** Deletes an instance as the device itself would (ObjectDeletion to subscribers). SimError for bad input. */
  deleteObject(path: string): void;
  reboot(): void;
}

export interface UspSimulation {
  readonly agents: readonly UspAgent[];
  controls(index: number): UspAgentControls;
  stats(): UspSimulationStats;
  /** Resolves once every agent tried its first connection. */
  readonly ready: Promise<void>;
  readonly finished: Promise<UspSimulationStats>;
  stop(): Promise<UspSimulationStats>;
}

export function startUspSimulation(o: UspSimulationOptions): UspSimulation {
  const clock = o.clock ?? systemClock;
  const identityDefaults = o.model.model.identityDefaults;
  const agents: UspAgent[] = [];
  const mtps: AgentMtp[] = [];
  const reachedOnce = new Uint8Array(o.devices);
  const counts = { recordsIn: 0, recordsOut: 0, sendFailures: 0, completed: 0, failed: 0 };
  let stopped = false;
  const abort = new AbortController();
  const timers = new DeviceTimers(clock, o.devices, (i, now) => handle(i, agents[i]!.tick(now)));

  /** `replyTo`: where the Record these effects answer came from (MQTT: the controller process that asked). */
  function handle(i: number, effects: AgentEffect[], replyTo?: string): void {
    const agent = agents[i]!;
    for (const e of effects) {
      if (stopped) return;
      switch (e.type) {
        case "send":
          counts.recordsOut++;
          void mtps[i]!.send(e.bytes, replyTo).then((ok) => {
            if (!ok) counts.sendFailures++;
          }, () => counts.sendFailures++);
          break;
        case "reboot":
          break; // The agent is down until its deadline; its MTP stays, and what comes meanwhile is lost.
        case "download":
          void performTransfer(
            { id: e.id, direction: "download", url: e.url, username: e.username, password: e.password, fileType: "1 Firmware Upgrade Image", fileSize: e.fileSize, targetFileName: "" },
            { timeoutMs: o.transferTimeoutMs ?? 30_000, now: () => clock.now(), signal: abort.signal, ...(o.tls ? { tls: o.tls } : {}) },
          ).then((outcome) => {
            if (stopped) return;
            if (outcome.ok) counts.completed++;
            else counts.failed++;
            handle(i, agent.transferDone(e.id, outcome, clock.now()));
          });
          break;
        case "speedTest":
          void performSpeedTest(e.job, { now: () => clock.now(), timeoutMs: o.transferTimeoutMs ?? 30_000, signal: abort.signal }).then((result) => {
            if (!stopped) handle(i, agent.speedTestDone(e.id, result, clock.now()));
          });
          break;
      }
    }
    timers.set(i, agent.nextDeadline());
  }

  const now = clock.now();
  for (let i = 0; i < o.devices; i++) {
    const identity = makeIdentity(identityDefaults, o.identity ?? {}, i);
    const agent = new UspAgent(o.model, identity, o.agent);
    agents.push(agent);
    const login = { index: i, endpointId: agent.endpointId, username: identity.acsUsername, password: identity.acsPassword };
    mtps.push(o.mtp(login, (connect) => {
      if (stopped) return;
      reachedOnce[i] = 1;
      handle(i, agent.connected(clock.now(), connect));
    }));
  }
  // Powered on before connecting: the agents' first Records go once their MTP is up.
  for (let i = 0; i < o.devices; i++) handle(i, agents[i]!.powerOn(now));

  const ready = (async () => {
    let next = 0;
    const worker = async () => {
      while (!stopped && next < o.devices) {
        const i = next++;
        try {
          await mtps[i]!.connect((bytes, replyTo) => {
            if (stopped) return;
            counts.recordsIn++;
            handle(i, agents[i]!.receive(bytes, clock.now()), replyTo);
          });
        } catch {
          continue; // The MTP keeps trying by itself; reached() tells when it gets there.
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.devices, o.connectConcurrency ?? 64) }, worker));
  })();

  let finish!: (s: UspSimulationStats) => void;
  const finished = new Promise<UspSimulationStats>((resolve) => (finish = resolve));
  const stats = (): UspSimulationStats => {
    const mem = process.memoryUsage();
    return {
      agents: o.devices,
      connected: reachedOnce.reduce((a, b) => a + b, 0),
      onboarded: agents.filter((a) => a.onboarded).length,
      up: agents.filter((a) => a.up).length,
      recordsIn: counts.recordsIn,
      recordsOut: counts.recordsOut,
      sendFailures: counts.sendFailures,
      downloads: { completed: counts.completed, failed: counts.failed },
      unanswered: agents.reduce((n, a) => n + a.unanswered, 0),
      memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed },
    };
  };
  const stop = async (): Promise<UspSimulationStats> => {
    if (!stopped) {
      stopped = true;
      timers.close();
      abort.abort();
      await Promise.allSettled(mtps.map((m) => m.close()));
      finish(stats());
    }
    return finished;
  };
  if (o.durationMs !== undefined) clock.setTimer(() => void stop(), o.durationMs);

  return {
    agents,
    controls(index) {
      const agent = agents[index];
      if (agent === undefined) throw new RangeError(`there is no agent ${index}`);
      return {
        setValue: (path, text) => handle(index, agent.changeValue(path, text, clock.now())),
        addObject: (table) => {
          const { path, effects } = agent.addObject(table, clock.now());
          handle(index, effects);
          return path;
        },
        deleteObject: (path) => handle(index, agent.deleteObject(path, clock.now())),
        reboot: () => handle(index, agent.reboot(clock.now())),
      };
    },
    stats,
    ready,
    finished,
    stop,
  };
}
