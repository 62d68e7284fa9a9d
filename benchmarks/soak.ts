// `npm run bench:soak`: does the ACS hold up for an hour under a fleet's steady load, or does it leak
// memory or start failing sessions over time?
//
// Work: `provisio serve` in its own process (SQLite by default, or PostgreSQL with --pg), with the
// production defaults but for what a benchmark on one machine needs (127.0.0.1, no file server or
// STUN, no discovery preset, so that the load is the same from the first minute to the last). N
// simulated TR-181 gateways (this process) power on spread over one interval, bootstrap, then inform
// every --interval seconds (plus up to a tenth of it at random). Beside them, --tasks per second go
// through the REST API to devices that have bootstrapped, each with a connection request and a wait:
// setParameterValues and getParameterValues in turn. Every minute one row: sessions completed and
// failed (by cause), session latency, the server's RSS (/proc) and V8 heap (its /metrics), the
// simulator's RSS, tasks, the database's size. At the end the table, the server's RSS at the start
// against the end, and the exit code: 1 when failed sessions or the RSS growth pass their limits.
//
//   npm run bench:soak -- [--devices 10000] [--minutes 60] [--interval 300] [--tasks 2] [--pg URL]
//                         [--max-failed-percent 0.1] [--max-rss-growth-percent 20]

import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deviceIdOf } from "../src/session/index.js";
import { loadModel, startSimulation, type Simulation } from "../src/sim/runtime/index.js";
import { processTree, rssMb, SERVE_READY, serveCommand, startProcess, stopProcess } from "./support/processes.js";
import { formatRow, formatVerdict, MinuteCollector, TABLE_HEADER, verdict, type Limits, type MinuteRow, type TaskOutcome } from "./support/soak-stats.js";
import { option } from "./support/args.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

interface Options extends Limits {
  devices: number;
  minutes: number;
  interval: number;
  tasksPerSecond: number;
  pg: string | null;
}

function options(argv: string[]): Options {
  const get = (name: string) => option(argv, name);
  const o: Options = {
    devices: Number(get("devices") ?? 10_000),
    minutes: Number(get("minutes") ?? 60),
    interval: Number(get("interval") ?? 300),
    tasksPerSecond: Number(get("tasks") ?? 2),
    pg: get("pg") ?? null,
    maxFailedPercent: Number(get("max-failed-percent") ?? 0.1),
    maxRssGrowthPercent: Number(get("max-rss-growth-percent") ?? 20),
  };
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === "number" && !(Number.isFinite(v) && v >= 0)) throw new Error(`--${k}: expected a non-negative number`);
  }
  if (o.devices < 1 || o.minutes < 1 || o.interval < 1) throw new Error("--devices, --minutes and --interval must be at least 1");
  return o;
}

const USER = "soak";
const PASS = "soak-password-0123456789";
const CR = { username: "soak-cr", password: "soak-cr-secret-0123" };
/** A task waits this long for its device's session; past it, it counts as unfinished. */
const TASK_WAIT_S = 30;
/** Tasks in flight at most, so that a slow server does not pile up requests without bound. */
const MAX_TASKS_IN_FLIGHT = 64;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The database: a SQLite file in `dir`, or a new database on the PostgreSQL server. */
async function database(o: Options, dir: string): Promise<{ url: string; sizeMb: () => Promise<number>; drop: () => Promise<void> }> {
  if (o.pg === null) {
    const file = join(dir, "soak.db");
    const sizeMb = () => {
      let bytes = 0;
      for (const f of [file, `${file}-wal`]) {
        try {
          bytes += statSync(f).size;
        } catch {
          // no WAL yet
        }
      }
      return Promise.resolve(bytes / 1024 / 1024);
    };
    return { url: `sqlite:${file}`, sizeMb, drop: () => Promise.resolve() };
  }
  const { createTestDatabase, createTestSchema, queryDirect } = await import("../test/support/pg.js");
  const db = await createTestDatabase(o.pg);
  const url = await createTestSchema(db.url).catch(async (err: unknown) => {
    await db.drop();
    throw err;
  });
  const sizeMb = async () => Number((await queryDirect(db.url, "SELECT pg_database_size(current_database()) AS n"))[0]!.n) / 1024 / 1024;
  return { url, sizeMb, drop: () => db.drop() };
}

/** Heap used by the server's V8, from the Prometheus text of its /metrics (prom-client's default metrics). */
async function serverHeapMb(api: string, key: string): Promise<number | null> {
  try {
    const res = await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(10_000) });
    const m = /^provisio_nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(await res.text());
    return m ? Number(m[1]) / 1024 / 1024 : null;
  } catch {
    return null;
  }
}

/** One task through the API, waiting for its device's session; resolves with how it ended. */
async function runTask(api: string, key: string, deviceId: string, n: number): Promise<TaskOutcome> {
  const body =
    n % 2 === 0
      ? { name: "setParameterValues", args: { parameterValues: [{ name: "Device.DeviceInfo.ProvisioningCode", value: `soak-${n}` }] } }
      : { name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.UpTime", "Device.DeviceInfo.SoftwareVersion", "Device.ManagementServer.PeriodicInformInterval"] } };
  try {
    const res = await fetch(`${api}/api/devices/${encodeURIComponent(deviceId)}/tasks`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ ...body, connectionRequest: true, wait: TASK_WAIT_S }),
      signal: AbortSignal.timeout((TASK_WAIT_S + 30) * 1000),
    });
    const task = (await res.json()) as { status?: string };
    if (res.status === 200) return task.status === "done" ? "done" : "failed";
    return res.status === 202 ? "unfinished" : "api-error";
  } catch {
    return "api-error";
  }
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const limits: Limits = { maxFailedPercent: o.maxFailedPercent, maxRssGrowthPercent: o.maxRssGrowthPercent };
  const dir = mkdtempSync(join(tmpdir(), "provisio-soak-"));
  const db = await database(o, dir);
  const apiPort = await freePort();
  const serverLog: string[] = [];
  let serverLogLines = 0;
  let server: Awaited<ReturnType<typeof startProcess>> | null = null;
  let sim: Simulation | null = null;
  const timers: NodeJS.Timeout[] = [];
  const rows: MinuteRow[] = [];
  try {
    server = await startProcess(
      [
        ...serveCommand(),
        "--api-port",
        String(apiPort),
        "--db",
        db.url,
        "--data-dir",
        dir,
        "--log-level",
        "warn",
        "--log-format",
        "json",
        ...["nbi.host=127.0.0.1", "files.enabled=false", "stun.enabled=false", "provisioning.defaultPresets=false"].flatMap((s) => ["--set", s]),
        ...[`cwmp.bootstrapUsername=${USER}`, `cwmp.bootstrapPassword=${PASS}`, `connectionRequests.username=${CR.username}`, `connectionRequests.password=${CR.password}`].flatMap((s) => ["--set", s]),
      ],
      SERVE_READY,
    );
    const child = server.child;
    // What the server logs at warn or above is the soak's evidence of trouble: keep the last lines.
    const keep = (d: Buffer) => {
      for (const line of d.toString().split("\n")) {
        if (line.trim() === "") continue;
        serverLogLines++;
        serverLog.push(line.slice(0, 400));
      }
      if (serverLog.length > 200) serverLog.splice(0, serverLog.length - 200);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const serverExited = new Promise<never>((_, reject) => child.once("exit", (code, signal) => reject(new Error(`the server exited (${code ?? signal}) during the soak`))));
    serverExited.catch(() => undefined);
    const api = `http://127.0.0.1:${apiPort}`;
    const key = (JSON.parse(readFileSync(join(dir, "admin-api-key.json"), "utf8")) as { key: string }).key;
    const pids = processTree(child.pid!);

    const minute = new MinuteCollector();
    const bootstrapped: number[] = [];
    const seen = new Set<number>();
    sim = await startSimulation({
      acsUrl: server.url,
      devices: o.devices,
      model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": String(o.interval) } }),
      identity: { acsUsername: USER, acsPassword: PASS, connectionRequestUsername: CR.username, connectionRequestPassword: CR.password, serialPrefix: "SOAK" },
      connectionRequests: { host: "127.0.0.1", port: 0 },
      udp: false,
      xmpp: false,
      rampMs: o.interval * 1000,
      cpe: { periodicJitterMs: o.interval * 100 },
      httpTimeoutMs: 60_000,
      onSession: (r) => {
        minute.session(r);
        if (r.ok && !seen.has(r.device)) {
          seen.add(r.device);
          bootstrapped.push(r.device);
        }
      },
    });
    const devices = sim.devices;

    let inFlight = 0;
    let n = 0;
    if (o.tasksPerSecond > 0) {
      timers.push(
        setInterval(() => {
          if (bootstrapped.length === 0 || inFlight >= MAX_TASKS_IN_FLIGHT) return;
          const device = devices[bootstrapped[Math.floor(Math.random() * bootstrapped.length)]!]!;
          inFlight++;
          void runTask(api, key, deviceIdOf(device.identity), n++).then((outcome) => {
            inFlight--;
            minute.task(outcome);
          });
        }, 1000 / o.tasksPerSecond),
      );
    }

    console.log(`Soak: ${o.devices} TR-181 gateways informing every ${o.interval} s, ${o.tasksPerSecond} tasks/s, ${o.minutes} min, ${o.pg === null ? "SQLite" : "PostgreSQL"} (node ${process.version})\n`);
    console.log(TABLE_HEADER);
    const started = Date.now();
    for (let m = 1; m <= o.minutes; m++) {
      await Promise.race([new Promise((r) => setTimeout(r, started + m * 60_000 - Date.now())), serverExited]);
      const row: MinuteRow = {
        minute: m,
        ...minute.take(),
        bootstrapped: bootstrapped.length,
        serverRssMb: pids.reduce((sum, p) => sum + rssMb(p), 0),
        serverHeapMb: await serverHeapMb(api, key),
        simRssMb: process.memoryUsage().rss / 1024 / 1024,
        databaseMb: await db.sizeMb().catch(() => null),
      };
      rows.push(row);
      console.log(formatRow(row));
    }
  } catch (err) {
    // The run ends here: what the server said last is the only account of why.
    if (serverLog.length > 0) console.error(`The server's last log lines at warn or above:\n${serverLog.slice(-40).join("\n")}`);
    throw err;
  } finally {
    for (const t of timers) clearInterval(t);
    await sim?.stop();
    if (server !== null) await stopProcess(server.child);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  const v = verdict(rows, limits);
  console.log(`\nServer log lines at warn or above: ${serverLogLines}${serverLogLines > 0 ? ` (the last:\n${serverLog.slice(-5).join("\n")})` : ""}`);
  console.log(formatVerdict(v, limits));
  if (v.breaches.length > 0) process.exitCode = 1;
}

await main().catch((err: unknown) => {
  console.error(`soak: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
});
