// `npm run bench:usp-mqtt`: what the MQTT MTP costs the simulator's agents and the controller, against
// the bare `mqtt` client it is built on, in the same run and through the same real Mosquitto (started
// here, in its own process, so that its memory is not counted).
//
// Work, for each contender ("bare mqtt.js" clients and controller, then the MTP's MqttAgentMtp and
// MqttControllerMtp):
// - N agents connect (MQTT 5, a login each) and subscribe to their own topic: agents/s, and heap and RSS
//   per agent once all are connected;
// - for a fixed time, `--concurrency` agents at a time each send a Get Record to the controller and wait
//   for it to come back (the controller sends every Record back on its reply-to topic): round trips/s
//   and latency percentiles.
// Each contender runs in a fresh process. Options: --agents N (default 1000), --seconds S (default 5),
// --concurrency C (default 32), --rounds R (default 3: each contender R times, alternating; medians), --json.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import type { MqttClient } from "mqtt";
import { MqttAgentMtp } from "../src/mtp/mqtt-agent.js";
import { MqttControllerMtp } from "../src/mtp/mqtt-controller.js";
import { USP_CONTENT_TYPE, agentTopic } from "../src/mtp/mqtt-usp.js";
import { encodeMsg, encodeRecord, noSessionContextRecord, uspMsg } from "../src/usp/index.js";
import { startMosquitto } from "../test/support/mosquitto.js";
import { runIfScript } from "./support/run-main.js";
import { percentile } from "./support/timing.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const CONTROLLER = "proto::provisio";
const TOPIC = "usp/controller";

interface Agent {
  send(bytes: Uint8Array): Promise<unknown>;
  /** Set by the round-trip loop: called with each Record that comes back. */
  onRecord: (bytes: Uint8Array) => void;
  close(): Promise<void>;
}

interface Contender {
  name: string;
  /** Starts the controller that sends every Record back. */
  controller(url: string): Promise<{ stop(): Promise<void> }>;
  agent(url: string, endpointId: string): Promise<Agent>;
}

interface Result {
  contender: string;
  agents: number;
  connectPerSec: number;
  heapPerAgentKiB: number;
  rssPerAgentKiB: number;
  roundTripsPerSec: number;
  p50ms: number;
  p99ms: number;
}

const login = { username: "bench", password: "bench-pw" };

/** As the MTP does: no Nagle delay on the client's socket. */
function noDelay(c: MqttClient): MqttClient {
  (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  return c;
}

const bare: Contender = {
  name: "bare mqtt.js",
  async controller(url) {
    const c = noDelay(await mqtt.connectAsync(url, { protocolVersion: 5, clientId: "bare-controller", ...login, reconnectPeriod: 1000 }));
    c.on("message", (_topic, payload, packet) => {
      const back = packet.properties?.responseTopic;
      if (back) c.publish(back, payload, { qos: 1, properties: { contentType: USP_CONTENT_TYPE, responseTopic: TOPIC } });
    });
    await c.subscribeAsync(TOPIC, { qos: 1 });
    return { stop: () => c.endAsync() };
  },
  async agent(url, endpointId) {
    const topic = agentTopic(endpointId);
    const c = noDelay(await mqtt.connectAsync(url, { protocolVersion: 5, clientId: endpointId, ...login, keepalive: 60, reconnectPeriod: 1000 }));
    await c.subscribeAsync(topic, { qos: 1 });
    const agent: Agent = {
      send: (bytes) => c.publishAsync(TOPIC, Buffer.from(bytes), { qos: 1, properties: { contentType: USP_CONTENT_TYPE, responseTopic: topic } }),
      onRecord: () => {},
      close: () => c.endAsync(),
    };
    c.on("message", (_t, payload) => agent.onRecord(payload));
    return agent;
  },
};

const mtp: Contender = {
  name: "USP MQTT MTP",
  async controller(url) {
    const c = new MqttControllerMtp({ url, ...login, endpointId: CONTROLLER, clientId: "mtp-controller", topic: TOPIC, maxRecordBytes: 16 * 1024 * 1024 });
    await c.start({ record: (bytes, route) => void c.send(route, bytes) });
    return { stop: () => c.stop() };
  },
  async agent(url, endpointId) {
    const m = new MqttAgentMtp({ url, endpointId, ...login, controllerTopic: TOPIC, keepaliveSeconds: 60 });
    const agent: Agent = { send: (bytes) => m.send(bytes), onRecord: () => {}, close: () => m.close() };
    await m.connect((bytes) => agent.onRecord(bytes));
    return agent;
  },
};

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error("run node with --expose-gc");
  g();
  g();
}

async function runContender(c: Contender, url: string, count: number, seconds: number, concurrency: number): Promise<Result> {
  const controller = await c.controller(url);
  gc();
  const before = process.memoryUsage();
  const agents: Agent[] = [];
  const t0 = performance.now();
  // Connect in waves, as a simulator starting a fleet would, without a thousand handshakes at once.
  for (let i = 0; i < count; i += 50) {
    const ids = Array.from({ length: Math.min(50, count - i) }, (_, k) => `os::00D09E-Bench-${c.name.length}${String(i + k).padStart(6, "0")}`);
    agents.push(...(await Promise.all(ids.map((id) => c.agent(url, id)))));
  }
  const connectMs = performance.now() - t0;
  gc();
  const after = process.memoryUsage();

  const record = encodeRecord(noSessionContextRecord("os::00D09E-Bench-1", CONTROLLER, encodeMsg(uspMsg("get", "bench", { paramPaths: ["Device.DeviceInfo."], maxDepth: 0 }))));
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    agents.slice(0, concurrency).map(async (agent) => {
      while (performance.now() < end) {
        const started = performance.now();
        const back = new Promise<void>((resolve) => (agent.onRecord = () => resolve()));
        await agent.send(record);
        await back;
        samples.push(performance.now() - started);
      }
    }),
  );
  samples.sort((a, b) => a - b);
  for (const a of agents) await a.close();
  await controller.stop();
  return {
    contender: c.name,
    agents: count,
    connectPerSec: count / (connectMs / 1000),
    heapPerAgentKiB: (after.heapUsed - before.heapUsed) / count / 1024,
    rssPerAgentKiB: (after.rss - before.rss) / count / 1024,
    roundTripsPerSec: samples.length / seconds,
    p50ms: percentile(samples, 0.5),
    p99ms: percentile(samples, 0.99),
  };
}

/** Each figure's median over the runs of one contender. */
function medianOf(runs: Result[]): Result {
  const median = (pick: (r: Result) => number) => {
    const v = runs.map(pick).sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  return {
    contender: runs[0]!.contender,
    agents: runs[0]!.agents,
    connectPerSec: median((r) => r.connectPerSec),
    heapPerAgentKiB: median((r) => r.heapPerAgentKiB),
    rssPerAgentKiB: median((r) => r.rssPerAgentKiB),
    roundTripsPerSec: median((r) => r.roundTripsPerSec),
    p50ms: median((r) => r.p50ms),
    p99ms: median((r) => r.p99ms),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, def: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : def);
  const count = opt("--agents", 1000);
  const seconds = opt("--seconds", 5);
  const concurrency = Math.min(opt("--concurrency", 32), count);
  if (args.includes("--contender")) {
    // A child of the run below: one contender in a fresh process, so that its RSS is its own.
    const c = [bare, mtp].find((x) => x.name === args[args.indexOf("--contender") + 1])!;
    const result = await runContender(c, args[args.indexOf("--url") + 1]!, count, seconds, concurrency);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const broker = await startMosquitto({ accounts: [{ user: login.username, password: login.password }] });
  const rounds = opt("--rounds", 3);
  const runs: Result[] = [];
  try {
    // Alternating, several times: on a shared machine the load moves between runs; medians are reported.
    for (let round = 0; round < rounds; round++) for (const c of [bare, mtp]) {
      // Not spawnSync: the broker's log must keep flowing meanwhile.
      const child = spawn(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...args, "--contender", c.name, "--url", broker.url], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      if (code !== 0) throw new Error(`${c.name} failed (${code})`);
      runs.push(JSON.parse(out.trim().split("\n").at(-1)!) as Result);
    }
  } finally {
    await broker.stop();
  }
  const results = [bare, mtp].map((c) => medianOf(runs.filter((r) => r.contender === c.name)));
  if (args.includes("--json")) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  const base = results[0]!;
  const lines = [
    `USP MQTT MTP benchmark (node ${process.version}, mosquitto, ${count} agents, round trips for ${seconds}s with ${concurrency} agents at a time; medians of ${rounds} runs each)`,
    "",
    "| contender | agents/s connecting | heap per agent | RSS per agent | round trips/s | p50 ms | p99 ms | round trips vs bare |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...results.map(
      (r) =>
        `| ${r.contender} | ${r.connectPerSec.toFixed(0)} | ${r.heapPerAgentKiB.toFixed(1)} KiB | ${r.rssPerAgentKiB.toFixed(1)} KiB | ${r.roundTripsPerSec.toFixed(0)} | ${r.p50ms.toFixed(2)} | ${r.p99ms.toFixed(2)} | ${(r.roundTripsPerSec / base.roundTripsPerSec).toFixed(2)}× |`,
    ),
    "",
    "Each contender runs in a process of its own; heap and RSS are their growth from before the first agent to all connected, after a GC.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

runIfScript(import.meta.url, main);
