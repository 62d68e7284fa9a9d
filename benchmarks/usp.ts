// `npm run bench:usp`: Get and Set round trips through the USP controller over WebSocket, against a
// bare `ws` echo of the same bytes in the same run.
//
// Work: one agent connected over real WebSocket on 127.0.0.1 (the controller's WebSocketControllerMtp,
// an agent's WebSocketAgentMtp). The controller sends a Get of 8 DeviceInfo parameters, or a Set of 4
// parameters on one object, with UspController.request(): the Msg is encoded, wrapped in a Record, sent;
// the agent decodes both, answers with a GetResp (8 values) or a SetResp, and the controller decodes the
// answer and settles the request by its msg_id. `--inflight` requests (default 1, then 16) are kept
// outstanding for `--seconds` (default 3) after a warm-up.
//
// Baseline: the same request Record's bytes sent by a `ws` client to a `ws` server that echoes them, the
// client waiting for the echo: what the sockets and framing cost, without the controller or the codec.
//
// Reports round trips/s, latency percentiles (ms) and the process's heap and RSS after each contender.
// Options: --seconds N, --inflight N (one level only), --json.

import { once } from "node:events";
import { WebSocket, WebSocketServer } from "ws";
import { AgentAuth } from "../src/controller/auth.js";
import { UspController } from "../src/controller/controller.js";
import { WebSocketAgentMtp } from "../src/mtp/websocket-client.js";
import { WebSocketControllerMtp } from "../src/mtp/websocket-server.js";
import { CpeAuthenticator } from "../src/server/cpe-auth.js";
import { silentLogger } from "../src/server/logger.js";
import type { Store } from "../src/store/types.js";
import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, msgBody, msgKind, noSessionContextRecord, uspMsg, type MessageBodies, type UspMsg } from "../src/usp/index.js";
import { option } from "./support/args.js";
import { runIfScript } from "./support/run-main.js";
import { percentile } from "./support/timing.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const CONTROLLER = "proto::bench-controller";
const AGENT = "os::00D09E-BENCH-0001";
const argv = process.argv.slice(2);
const seconds = Number(option(argv, "seconds") ?? 3);
const levels = option(argv, "inflight") === undefined ? [1, 16] : [Number(option(argv, "inflight"))];

const GET: MessageBodies["get"] = {
  paramPaths: ["Manufacturer", "ManufacturerOUI", "ProductClass", "SerialNumber", "SoftwareVersion", "HardwareVersion", "UpTime", "ProvisioningCode"].map((p) => `Device.DeviceInfo.${p}`),
  maxDepth: 0,
};
const SET: MessageBodies["set"] = {
  allowPartial: false,
  updateObjs: [{ objPath: "Device.WiFi.SSID.1.", paramSettings: ["SSID", "Enable", "Alias", "X_Vendor"].map((param, i) => ({ param, value: `value-${i}`, required: true })) }],
};

/** The agent's answer to a request: values for a Get, success for a Set. */
function answer(msg: UspMsg): UspMsg {
  const id = msg.header.msgId;
  if (msgKind(msg) === "get") {
    return uspMsg("getResp", id, {
      reqPathResults: msgBody(msg, "get")!.paramPaths.map((p) => ({ requestedPath: p, errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.DeviceInfo.", resultParams: { [p.slice(18)]: "bench-value" } }] })),
    });
  }
  const set = msgBody(msg, "set")!;
  return uspMsg("setResp", id, {
    updatedObjResults: set.updateObjs.map((u) => ({
      requestedPath: u.objPath,
      operStatus: { operStatus: "operSuccess" as const, operSuccess: { updatedInstResults: [{ affectedPath: u.objPath, paramErrs: [], updatedParams: Object.fromEntries(u.paramSettings.map((p) => [p.param, p.value])) }] } },
    })),
  });
}

interface Row {
  contender: string;
  work: string;
  inflight: number;
  roundTrips: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  heapMiB: number;
  rssMiB: number;
}

/** Keeps `inflight` calls of `one` going for `seconds` after a warm-up; throughput and latency. */
async function measure(contender: string, work: string, inflight: number, one: () => Promise<unknown>): Promise<Row> {
  const warmUntil = performance.now() + 500;
  while (performance.now() < warmUntil) await one();
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await one();
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inflight }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const mem = process.memoryUsage();
  const r = (n: number) => Math.round(n * 1000) / 1000;
  return {
    contender, work, inflight, roundTrips: latencies.length, perSecond: Math.round(latencies.length / elapsed),
    p50: r(percentile(latencies, 0.5)), p90: r(percentile(latencies, 0.9)), p99: r(percentile(latencies, 0.99)),
    heapMiB: Math.round(mem.heapUsed / 2 ** 20), rssMiB: Math.round(mem.rss / 2 ** 20),
  };
}

/** The controller and one agent over WebSocket; `request` is a round trip through both. */
async function controllerPair(): Promise<{ request(kind: "get" | "set"): Promise<UspMsg>; close(): Promise<void> }> {
  const ws = new WebSocketControllerMtp({
    host: "127.0.0.1", port: 0, path: "/usp", endpointId: CONTROLLER, tls: null, auth: "open", realm: "bench", allowedOrigins: [],
    maxRecordBytes: 16 * 2 ** 20, pingIntervalMs: 0, maxConnections: 0, maxConnectionsPerAddress: 0, retryAfterSeconds: 1, log: silentLogger,
  }, () => Promise.resolve(true));
  // Requests alone: no session runs, so neither the engine nor the store is reached.
  const unused = () => Promise.reject(new Error("no sessions in this benchmark"));
  const cpe = new CpeAuthenticator({ mode: "open", methods: ["basic"], basicOverHttp: true, realm: "bench", nonceTtlMs: 1000, secret: Buffer.alloc(32) }, { get: () => Promise.resolve(null) });
  const controller = new UspController({
    endpointId: CONTROLLER, mtps: [ws], engine: { bridged: unused }, auth: new AgentAuth({ cpe, credentials: { get: () => Promise.resolve(null) }, mode: "open" }),
    store: null as unknown as Store, log: silentLogger, requestTimeoutMs: 30_000,
  });
  await controller.start();
  const agent = new WebSocketAgentMtp({ url: `ws://127.0.0.1:${ws.port}/usp`, endpointId: AGENT });
  const reply = (bytes: Uint8Array) => {
    const record = decodeRecord(bytes);
    if (record.recordType !== "noSessionContext") return;
    const msg = decodeMsg(record.noSessionContext.payload);
    if (msg.body.msgBody !== "request") return;
    void agent.send(encodeRecord(noSessionContextRecord(AGENT, CONTROLLER, encodeMsg(answer(msg)))));
  };
  await agent.connect(reply);
  // A notification the controller only acknowledges tells it the agent's route.
  await agent.send(encodeRecord(noSessionContextRecord(AGENT, CONTROLLER, encodeMsg(uspMsg("notify", "hello", { subscriptionId: "s", sendResp: false, notification: "objDeletion", objDeletion: { objPath: "Device.X.1." } })))));
  for (let i = 0; i < 200 && !controller.connected().includes(AGENT); i++) await new Promise((r) => setTimeout(r, 10));
  return {
    request: (kind) => (kind === "get" ? controller.request(AGENT, "get", GET) : controller.request(AGENT, "set", SET)),
    close: async () => {
      await agent.close();
      await controller.stop();
    },
  };
}

/** A bare `ws` echo: the client sends the bytes and waits for them back, one round trip at a time per slot. */
async function echoPair(): Promise<{ roundTrip(bytes: Uint8Array): Promise<void>; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await once(server, "listening");
  server.on("connection", (s) => s.on("message", (data) => s.send(data as Buffer)));
  const port = (server.address() as { port: number }).port;
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await once(client, "open");
  const waiting: (() => void)[] = [];
  client.on("message", () => waiting.shift()?.());
  return {
    roundTrip: (bytes) => new Promise<void>((resolve) => {
      waiting.push(resolve);
      client.send(bytes);
    }),
    close: async () => {
      client.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const requestBytes = {
    get: encodeRecord(noSessionContextRecord(CONTROLLER, AGENT, encodeMsg(uspMsg("get", "bench-1", GET)))),
    set: encodeRecord(noSessionContextRecord(CONTROLLER, AGENT, encodeMsg(uspMsg("set", "bench-1", SET)))),
  };
  for (const inflight of levels) {
    for (const work of ["get", "set"] as const) {
      const echo = await echoPair();
      rows.push(await measure("ws echo (baseline)", work, inflight, () => echo.roundTrip(requestBytes[work])));
      await echo.close();
      const pair = await controllerPair();
      rows.push(await measure("controller over WebSocket", work, inflight, () => pair.request(work)));
      await pair.close();
    }
  }
  if (argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  process.stdout.write(`USP round trips over WebSocket on 127.0.0.1, ${seconds} s per contender (Record bytes: Get ${requestBytes.get.length}, Set ${requestBytes.set.length})\n\n`);
  process.stdout.write("| work | in flight | contender | round trips/s | p50 ms | p90 ms | p99 ms | heap MiB | RSS MiB |\n|---|---|---|---|---|---|---|---|---|\n");
  for (const r of rows) process.stdout.write(`| ${r.work} | ${r.inflight} | ${r.contender} | ${r.perSecond} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.heapMiB} | ${r.rssMiB} |\n`);
}

runIfScript(import.meta.url, main);
