// From the API call to the task's result, through a connection request: one device at a time, and a
// bulk task over a fleet. `provisio serve` runs as a separate process (SQLite, and PostgreSQL when a URL
// is given or a throwaway cluster can be started); the simulated devices run in this process.
//
//   npm run bench:connreq -- [--backend sqlite|postgres|both] [--pg-url URL] [--devices 1000]
//        [--repeat 50] [--budget 600] [--json]
//
// For each backend:
//   single   POST /api/devices/{id}/tasks {getParameterValues, connectionRequest: true, wait: 30}, one
//            after the other, `--repeat` times: latency until the 200 with the task done.
//   bulk     POST /api/tasks {filter, getParameterValues, connectionRequest: true} over `--devices`
//            devices: time until every task is done (and each device's result, from the call).
// Baselines measured in the same run, on the same fleet:
//   wake-only    the same HTTP connection request (Digest) sent by this process to the device, until
//                the device's session with the ACS has ended: the ACS's CWMP side without the API,
//                the task and its wait. For bulk: every device woken so, 50 at a time (the ACS's
//                connectionRequests.concurrency), until every session has ended.
//   cr-inform    the same connection request to a device whose ACS is a bare endpoint in this
//                process, until its Inform arrives: the simulator and the network alone.
// It reports throughput, p50/p90/p99/max latencies, and the memory of the ACS process and of this one.
// The whole run is bounded by --budget seconds.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { httpConnectionRequest } from "../src/connreq/index.js";
import { parseCwmp, serializeEnvelope } from "../src/cwmp/index.js";
import { deviceIdOf } from "../src/session/index.js";
import { loadModel, startSimulation, type SessionReport, type Simulation } from "../src/sim/runtime/index.js";
import { apiCall, closeApiConnections, startApiProcess, type ApiProcess } from "./support/api-process.js";
import { runIfScript } from "./support/run-main.js";
import { option } from "./support/args.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

interface Options {
  backends: Array<"sqlite" | "postgres">;
  pgUrl: string | undefined;
  devices: number;
  repeat: number;
  budgetS: number;
  json: boolean;
}

function options(argv: string[]): Options {
  const get = (name: string) => option(argv, name);
  const backend = get("backend") ?? "both";
  return {
    backends: backend === "both" ? ["sqlite", "postgres"] : backend === "postgres" ? ["postgres"] : ["sqlite"],
    pgUrl: get("pg-url") ?? process.env.PROVISIO_BENCH_PG_URL,
    devices: Number(get("devices") ?? 1000),
    repeat: Number(get("repeat") ?? 50),
    budgetS: Number(get("budget") ?? 600),
    json: argv.includes("--json"),
  };
}

const CR = { username: "bench-cr", password: "bench-cr-secret" };
// Run from the repository root (npm run does): the throwaway-cluster script is found from there.
const PG_CLUSTER = join(process.cwd(), "scripts", "pg-cluster.mjs");

let deadline = Infinity;
function timeLeft(what: string): number {
  const left = deadline - Date.now();
  if (left <= 0) throw new Error(`out of time (--budget) while ${what}`);
  return left;
}

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, stepMs = 10): Promise<T> {
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    timeLeft(what);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

interface Stats {
  count: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function stats(ms: number[], wallMs: number): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { count: s.length, perSecond: r((s.length / wallMs) * 1000), p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), max: r(s[s.length - 1] ?? NaN) };
}

// ---- the ACS process ----

interface AcsProcess extends ApiProcess {
  bootstrap: { username: string; password: string };
}

async function startAcs(db: string | undefined): Promise<AcsProcess> {
  const p = await startApiProcess(db, {
    connectionRequests: { methods: ["http"], username: CR.username, password: CR.password, minInterval: 0 },
  }, (fn, what) => until(fn, what, 50));
  const bootstrap = JSON.parse(readFileSync(join(p.dir, "bootstrap-credentials.json"), "utf8")) as { username: string; password: string };
  return { ...p, bootstrap };
}

/** RSS and peak RSS of a process, from /proc (Linux), in MiB. */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMiB: Math.round(kb("VmRSS") / 1024), peakMiB: Math.round(kb("VmHWM") / 1024) };
  } catch {
    return null;
  }
}

const api = apiCall;

// ---- PostgreSQL ----

interface Pg {
  url: string;
  stop(): Promise<void>;
}

async function postgres(o: Options): Promise<Pg | null> {
  let server = o.pgUrl;
  let cluster: string | undefined;
  if (server === undefined) {
    cluster = mkdtempSync(join(tmpdir(), "provisio-bench-pg-"));
    const r = spawnSync(process.execPath, [PG_CLUSTER, "start", cluster], { encoding: "utf8" });
    if (r.status !== 0) {
      process.stderr.write(`PostgreSQL skipped: no --pg-url and no throwaway cluster (${(r.stderr || r.stdout).trim().split("\n")[0]})\n`);
      rmSync(cluster, { recursive: true, force: true });
      return null;
    }
    server = r.stdout.trim().split("\n").pop()!;
  }
  const name = `provisio_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async stop() {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
      if (cluster !== undefined) {
        spawnSync(process.execPath, [PG_CLUSTER, "stop", cluster], { encoding: "utf8" });
        rmSync(cluster, { recursive: true, force: true });
      }
    },
  };
}

// ---- the baseline endpoint: a CWMP endpoint that only notes when each Inform arrives ----

async function bareEndpoint(onInform: (serial: string) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const env = body.length === 0 ? null : parseCwmp(body).envelopes[0] ?? null;
      if (env?.body?.method === "Inform") {
        onInform(env.body.deviceId.serialNumber);
        const reply = serializeEnvelope({ ns: env.ns, header: env.header.id === undefined ? {} : { id: env.header.id }, body: { method: "InformResponse", maxEnvelopes: 1 } });
        res.writeHead(200, { "content-type": "text/xml", "content-length": String(Buffer.byteLength(reply)) }).end(reply);
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

// ---- one backend ----

interface BackendResult {
  backend: string;
  devices: number;
  single: { api: Stats; wakeOnly: Stats; crInform: Stats };
  bulk: { apiAllDoneMs: number; api: Stats; wakeOnlyAllDoneMs: number; wakeOnly: Stats };
  memory: { acs: { rssMiB: number; peakMiB: number } | null; bench: { rssMiB: number; peakMiB: number } | null };
  bootstrapS: number;
}

const woken = (r: SessionReport) => r.ok && r.events.some((e) => e.eventCode === "6 CONNECTION REQUEST");

async function runBackend(backend: "sqlite" | "postgres", db: string | undefined, o: Options): Promise<BackendResult> {
  const acs = await startAcs(db);
  let sim: Simulation | undefined;
  let bare: Simulation | undefined;
  let endpoint: Server | undefined;
  try {
    const ended: Array<(r: SessionReport) => void> = [];
    const productClass = "BenchCR";
    sim = await startSimulation({
      acsUrl: acs.cwmpUrl,
      devices: o.devices,
      model: loadModel({ builtin: "tr181-gateway" }),
      identity: { acsUsername: acs.bootstrap.username, acsPassword: acs.bootstrap.password, connectionRequestUsername: CR.username, connectionRequestPassword: CR.password, serialPrefix: "BCR", productClass },
      connectionRequests: { burst: 1_000 },
      udp: false,
      xmpp: false,
      onSession: (r) => {
        for (const f of ended) f(r);
      },
    });
    const s = sim;
    const t0 = performance.now();
    await until(() => (s.stats().sessions.completed >= o.devices ? true : undefined), `${o.devices} bootstraps`, 50);
    const bootstrapS = Math.round((performance.now() - t0) / 100) / 10;
    const waitSession = (index: number) => new Promise<number>((resolve) => {
      const f = (r: SessionReport) => {
        if (r.device !== index || !woken(r)) return;
        ended.splice(ended.indexOf(f), 1);
        resolve(performance.now());
      };
      ended.push(f);
    });

    // Single device: the API path, then the wake-only baseline, on devices taken in turn.
    const apiMs: number[] = [];
    let started = performance.now();
    for (let i = 0; i < o.repeat; i++) {
      timeLeft("the single-device runs");
      const d = i % o.devices;
      const a = performance.now();
      const res = await api(acs.apiUrl, acs.key, "POST", `/api/devices/${encodeURIComponent(deviceIdOf(s.devices[d]!.identity))}/tasks`, {
        name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.UpTime"] }, connectionRequest: true, wait: 30,
      });
      if (res.status !== 200 || res.body.status !== "done") throw new Error(`a single task did not complete: ${res.status} ${JSON.stringify(res.body)}`);
      apiMs.push(performance.now() - a);
    }
    const singleApi = stats(apiMs, performance.now() - started);
    const wakeMs: number[] = [];
    started = performance.now();
    for (let i = 0; i < o.repeat; i++) {
      timeLeft("the wake-only baseline");
      const d = i % o.devices;
      const a = performance.now();
      const done = waitSession(d);
      const r = await httpConnectionRequest({ url: s.connectionRequestUrl(d), ...CR });
      if (r.outcome !== "accepted") throw new Error(`the baseline's connection request was ${r.outcome}: ${r.detail}`);
      wakeMs.push((await done) - a);
    }
    const singleWake = stats(wakeMs, performance.now() - started);

    // The simulator and the network alone: the same request, until the Inform arrives at a bare endpoint.
    let informed: ((serial: string) => void) | undefined;
    const bareServer = await bareEndpoint((serial) => informed?.(serial));
    endpoint = bareServer.server;
    bare = await startSimulation({
      acsUrl: bareServer.url, devices: 1, model: loadModel({ builtin: "tr181-gateway" }),
      identity: { connectionRequestUsername: CR.username, connectionRequestPassword: CR.password, serialPrefix: "BARE" },
      connectionRequests: { burst: 1_000 }, udp: false, xmpp: false,
    });
    const b = bare;
    await until(() => (b.stats().sessions.completed >= 1 ? true : undefined), "the bare device's bootstrap");
    const crMs: number[] = [];
    started = performance.now();
    for (let i = 0; i < o.repeat; i++) {
      timeLeft("the cr-inform baseline");
      await until(() => (b.stats().sessions.inFlight === 0 ? true : undefined), "the bare device's previous session", 1);
      const a = performance.now();
      const arrived = new Promise<number>((resolve) => (informed = () => resolve(performance.now())));
      const r = await httpConnectionRequest({ url: b.connectionRequestUrl(0), ...CR });
      if (r.outcome !== "accepted") throw new Error(`the bare device refused: ${r.detail}`);
      crMs.push((await arrived) - a);
    }
    const crInform = stats(crMs, performance.now() - started);

    // Bulk through the API: every task done.
    const done = new Map<number, number>();
    const onBulk = (r: SessionReport) => {
      if (woken(r)) done.set(r.device, performance.now());
    };
    ended.push(onBulk);
    const bulkStart = performance.now();
    const res = await api(acs.apiUrl, acs.key, "POST", "/api/tasks", {
      filter: `productClass = "${productClass}"`, name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.UpTime"] }, connectionRequest: true,
    });
    if (res.status !== 201 || res.body.created !== o.devices) throw new Error(`the bulk task: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    await until(async () => ((await api(acs.apiUrl, acs.key, "GET", "/api/tasks?status=pending,waiting&limit=1")).body.tasks.length === 0 ? true : undefined), "the bulk tasks", 20);
    const apiAllDoneMs = Math.round(performance.now() - bulkStart);
    const failed = (await api(acs.apiUrl, acs.key, "GET", "/api/tasks?status=failed,expired,cancelled&limit=1")).body.tasks.length;
    if (failed > 0) throw new Error("some bulk tasks failed");
    const bulkApi = stats([...done.values()].map((t) => t - bulkStart), apiAllDoneMs);
    ended.splice(ended.indexOf(onBulk), 1);

    // Bulk baseline: the same wake-ups sent from here, 50 at a time, until every session has ended.
    const wakeDone = new Map<number, number>();
    const onWake = (r: SessionReport) => {
      if (woken(r)) wakeDone.set(r.device, performance.now());
    };
    ended.push(onWake);
    const wakeStart = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 50 }, async () => {
      for (let d = next++; d < o.devices; d = next++) {
        const r = await httpConnectionRequest({ url: s.connectionRequestUrl(d), ...CR });
        if (r.outcome !== "accepted") throw new Error(`baseline wake of device ${d}: ${r.outcome}`);
      }
    }));
    await until(() => (wakeDone.size >= o.devices ? true : undefined), "the baseline's sessions", 10);
    const wakeOnlyAllDoneMs = Math.round(performance.now() - wakeStart);
    const bulkWake = stats([...wakeDone.values()].map((t) => t - wakeStart), wakeOnlyAllDoneMs);
    ended.splice(ended.indexOf(onWake), 1);

    const me = memoryOf(process.pid);
    return {
      backend,
      devices: o.devices,
      single: { api: singleApi, wakeOnly: singleWake, crInform },
      bulk: { apiAllDoneMs, api: bulkApi, wakeOnlyAllDoneMs, wakeOnly: bulkWake },
      memory: { acs: memoryOf(acs.child.pid!), bench: me },
      bootstrapS,
    };
  } finally {
    await bare?.stop();
    endpoint?.close();
    await sim?.stop();
    await acs.stop();
  }
}

function table(results: BackendResult[], o: Options): string {
  const row = (backend: string, what: string, s: Stats, extra = "") =>
    `| ${backend} | ${what} | ${s.count} | ${s.perSecond} | ${s.p50} | ${s.p90} | ${s.p99} | ${s.max} | ${extra} |`;
  const lines = [
    `Connection-request benchmark (node ${process.version}, ${o.devices} simulated devices, ${o.repeat} single-device runs)`,
    "",
    "| backend | measure | n | per s | p50 ms | p90 ms | p99 ms | max ms | note |",
    "|---|---|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of results) {
    lines.push(row(r.backend, "single: API call → task done (200)", r.single.api));
    lines.push(row(r.backend, "single baseline: HTTP CR → session ended (no API)", r.single.wakeOnly));
    lines.push(row(r.backend, "single baseline: HTTP CR → Inform at a bare endpoint", r.single.crInform));
    lines.push(row(r.backend, `bulk: API call → each device's task done`, r.bulk.api, `all ${r.devices} done in ${r.bulk.apiAllDoneMs} ms`));
    lines.push(row(r.backend, `bulk baseline: ${r.devices} HTTP CRs (50 at once) → sessions ended`, r.bulk.wakeOnly, `all done in ${r.bulk.wakeOnlyAllDoneMs} ms`));
  }
  lines.push("");
  for (const r of results) {
    const m = (x: { rssMiB: number; peakMiB: number } | null) => (x === null ? "n/a" : `${x.rssMiB} MiB (peak ${x.peakMiB} MiB)`);
    lines.push(`${r.backend}: bootstrap of ${r.devices} devices ${r.bootstrapS} s; memory: ACS process ${m(r.memory.acs)}, bench + simulator ${m(r.memory.bench)}`);
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  if (!(o.devices >= 1 && o.repeat >= 1 && o.budgetS > 0)) throw new Error("--devices, --repeat and --budget must be positive");
  deadline = Date.now() + o.budgetS * 1000;
  const results: BackendResult[] = [];
  for (const backend of o.backends) {
    if (backend === "sqlite") {
      results.push(await runBackend("sqlite", undefined, o));
      continue;
    }
    const db = await postgres(o);
    if (db === null) continue;
    try {
      results.push(await runBackend("postgres", db.url, o));
    } finally {
      await db.stop();
    }
  }
  closeApiConnections();
  process.stdout.write(o.json ? `${JSON.stringify(results, null, 2)}\n` : table(results, o));
}

runIfScript(import.meta.url, main);
