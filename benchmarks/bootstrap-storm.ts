// `npm run bench:bootstrap`: what discovering new devices' data models costs a bootstrap storm.
//
// Work: N new simulated TR-181 gateways (this process) arrive at once, --concurrency sessions in flight
// at most, and each runs its bootstrap session: Inform with 0 BOOTSTRAP (and the Digest challenge), and
// what the ACS's presets do. The same storm runs twice, against a fresh `provisio serve` (its own process,
// SQLite by default) each time: with discovery off (no preset: the Inform alone), the baseline, then with
// a new installation's default preset (builtin:discover: GetParameterNames of the whole tree, then its
// values in batches of cwmp.gpvBatchSize). Reported per target: time to the last bootstrap, bootstraps/s,
// session latency percentiles (a bootstrap session's time is the device's time to provisioned),
// exchanges per session, the server's CPU per device and peak RSS, PostgreSQL's CPU per device (its
// backends', when it runs on this machine), the parameters stored per device and the database's size.
//
// With --fleet URL the storm with discovery goes into that database, kept (a fleet `provisio fleet
// generate` made, say): what a storm costs at that fleet's size; the database's figures are then what the
// storm added. There is no baseline then: the presets a database has (discovery, once a `serve` made it)
// stay whatever this benchmark says, so its baseline is the one measured on an empty database.
//
//   npm run bench:bootstrap -- [--devices 10000] [--concurrency 64] [--pg URL | --fleet URL] [--max-seconds 1800] [--json] [--cpu-prof DIR]

import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deviceIdOf } from "../src/session/index.js";
import { loadModel, startSimulation, type SessionReport } from "../src/sim/runtime/index.js";
import { openStore } from "../src/store/index.js";
import { keptDataDir } from "./support/api-process.js";
import { openDirect } from "./support/direct-sql.js";
import { markPg, sincePg } from "./support/pg-stats.js";
import { relationSizes } from "./support/table-sizes.js";
import { processTree, rssMb, SERVE_READY, serveArgs, startProcess, stopProcess, totalCpuMs } from "./support/processes.js";
import { option } from "./support/args.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

interface Options {
  devices: number;
  concurrency: number;
  pg: string | null;
  /** A kept database to storm into (the storm with discovery only, new devices each run). */
  fleet: string | null;
  maxSeconds: number;
  json: boolean;
}

function options(argv: string[]): Options {
  const get = (name: string) => option(argv, name);
  return {
    devices: Number(get("devices") ?? 10_000),
    concurrency: Number(get("concurrency") ?? 64),
    pg: get("pg") ?? null,
    fleet: get("fleet") ?? null,
    maxSeconds: Number(get("max-seconds") ?? 1800),
    json: argv.includes("--json"),
  };
}

const USER = "bench";
const PASS = "bench-password-0123456789";

interface Result {
  target: string;
  bootstraps: number;
  failed: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  exchanges: number;
  serverCpuMsPerDevice: number;
  dbCpuMsPerDevice: number | null;
  serverPeakRssMb: number;
  parametersPerDevice: number;
  databaseMb: number;
  /** The tables taking most of it, in kB per device (indexes included). */
  tablesKbPerDevice: Record<string, number>;
}

/** The size of the database (SQLite: the file with its WAL), in MB. */
async function databaseMb(db: string): Promise<number> {
  if (!db.startsWith("sqlite:")) {
    const direct = await openDirect(db);
    try {
      return Number((await direct.all("SELECT pg_database_size(current_database()) AS n"))[0]!.n) / 1024 / 1024;
    } finally {
      await direct.close();
    }
  }
  const file = db.slice("sqlite:".length);
  let bytes = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      bytes += statSync(f).size;
    } catch {
      // no WAL
    }
  }
  return bytes / 1024 / 1024;
}

async function deviceCount(db: string): Promise<number> {
  const store = await openStore(db);
  try {
    return await store.devices.count();
  } finally {
    await store.close();
  }
}

async function tableBytes(db: string): Promise<Map<string, number>> {
  const byTable = new Map<string, number>();
  for (const r of await relationSizes(db)) byTable.set(r.table, (byTable.get(r.table) ?? 0) + r.bytes);
  return byTable;
}

/** The five tables that grew most (with their indexes) since `before`, in kB per device. */
async function largestTables(db: string, devices: number, before: Map<string, number>): Promise<Record<string, number>> {
  const grown = [...(await tableBytes(db))].map(([t, bytes]) => [t, bytes - (before.get(t) ?? 0)] as const);
  const top = grown.sort((a, b) => b[1] - a[1]).slice(0, 5);
  return Object.fromEntries(top.map(([t, bytes]) => [t, devices === 0 ? 0 : bytes / 1024 / devices]));
}

async function storm(target: string, db: string, discovery: boolean, o: Options): Promise<Result> {
  // A kept database keeps its data folder (the secrets key its first `serve` made), new devices each run.
  const kept = o.fleet !== null;
  const dataDir = kept ? keptDataDir(db) : mkdtempSync(join(tmpdir(), "provisio-bench-"));
  mkdirSync(dataDir, { recursive: true });
  const serialPrefix = kept ? `S${Date.now().toString(36).toUpperCase()}-` : "STORM";
  const sizeBefore = kept ? await databaseMb(db) : 0;
  const tablesBefore = kept ? await tableBytes(db) : new Map<string, number>();
  try {
    const { child, url } = await startProcess(
      serveArgs({ db, dataDir, username: USER, password: PASS, extra: ["--set", `provisioning.defaultPresets=${discovery}`] }),
      SERVE_READY,
    );
    const pids = processTree(child.pid!);
    const reports: SessionReport[] = [];
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, pids.reduce((sum, p) => sum + rssMb(p), 0))), 250);
    const cpuStart = totalCpuMs(pids);
    const pgMark = db.startsWith("sqlite:") ? null : await markPg(db);
    const start = performance.now();
    let identities: string[] = [];
    try {
      const sim = await startSimulation({
        acsUrl: url,
        devices: o.devices,
        // Each device informs once: its bootstrap; the next periodic Inform is a day away.
        model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": "86400" } }),
        identity: { acsUsername: USER, acsPassword: PASS, serialPrefix },
        connectionRequests: false,
        concurrency: o.concurrency,
        maxSessions: o.devices,
        durationMs: o.maxSeconds * 1000,
        httpTimeoutMs: 120_000,
        onSession: (r) => reports.push(r),
      });
      identities = sim.devices.slice(0, 20).map((d) => deviceIdOf(d.identity));
      // The cap's timer is cleared once the storm ends first: it would keep the process alive after the report.
      let cap: NodeJS.Timeout | undefined;
      await Promise.race([sim.finished, new Promise((r) => (cap = setTimeout(r, o.maxSeconds * 1000)))]);
      clearTimeout(cap);
      await sim.stop();
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = totalCpuMs(pids) - cpuStart;
    const dbCpu = pgMark === null ? null : (await sincePg(db, pgMark)).cpuMs;
    await stopProcess(child);
    const store = await openStore(db);
    let stored = 0;
    try {
      for (const id of identities) stored += (await store.parameters.subtree(id, "Device.")).filter((p) => !p.object).length;
    } finally {
      await store.close();
    }
    const ok = reports.filter((r) => r.ok);
    const lat = ok.map((r) => r.durationMs).sort((a, b) => a - b);
    const pct = (p: number) => (lat.length === 0 ? 0 : lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!);
    return {
      target,
      bootstraps: ok.length,
      failed: reports.length - ok.length,
      seconds,
      perSecond: ok.length / seconds,
      p50: pct(0.5),
      p90: pct(0.9),
      p95: pct(0.95),
      p99: pct(0.99),
      exchanges: ok.length === 0 ? 0 : ok.reduce((n, r) => n + r.exchanges, 0) / ok.length,
      serverCpuMsPerDevice: ok.length === 0 ? 0 : cpu / ok.length,
      dbCpuMsPerDevice: dbCpu === null || ok.length === 0 ? null : dbCpu / ok.length,
      serverPeakRssMb: peak,
      parametersPerDevice: identities.length === 0 ? 0 : stored / identities.length,
      databaseMb: (await databaseMb(db)) - sizeBefore,
      tablesKbPerDevice: await largestTables(db, ok.length, tablesBefore),
    };
  } finally {
    if (!kept) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function database(o: Options): Promise<{ url: string; drop(): Promise<void> }> {
  if (o.fleet !== null) return { url: o.fleet, drop: () => Promise.resolve() };
  if (o.pg === null) {
    const dir = mkdtempSync(join(tmpdir(), "provisio-bench-db-"));
    return { url: `sqlite:${join(dir, "storm.db")}`, drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) };
  }
  const { createTestDatabase } = await import("../test/support/pg.js");
  return createTestDatabase(o.pg);
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const backend = `${o.pg === null && !o.fleet?.startsWith("postgres") ? "SQLite" : "PostgreSQL"}${o.fleet !== null ? ", into the fleet" : ""}`;
  const results: Result[] = [];
  const storms = [[`discovery off (baseline), ${backend}`, false], [`discovery on (default preset), ${backend}`, true]] as const;
  for (const [name, discovery] of o.fleet === null ? storms : storms.slice(1)) {
    const db = await database(o);
    try {
      results.push(await storm(name, db.url, discovery, o));
    } finally {
      await db.drop();
    }
  }
  if (o.json) {
    console.log(JSON.stringify({ node: process.version, options: o, results }, null, 2));
    return;
  }
  const into = o.fleet === null ? "" : `, into a database of ${await deviceCount(o.fleet)} devices at the end (the database's figures: what the storm added)`;
  console.log(`Bootstrap storm (node ${process.version}; ${o.devices} new devices, ${o.concurrency} sessions in flight at most${into})\n`);
  console.log("| target | bootstraps | failed | time to the last | bootstraps/s | p50 ms | p90 ms | p95 ms | p99 ms | exchanges per session | server CPU per device | database CPU per device | server peak RSS | parameters per device | database |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results) {
    console.log(
      `| ${r.target} | ${r.bootstraps} | ${r.failed} | ${r.seconds.toFixed(1)} s | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.exchanges.toFixed(1)} | ${r.serverCpuMsPerDevice.toFixed(2)} ms | ${r.dbCpuMsPerDevice === null ? "-" : `${r.dbCpuMsPerDevice.toFixed(2)} ms`} | ${r.serverPeakRssMb.toFixed(0)} MB | ${r.parametersPerDevice.toFixed(0)} | ${r.databaseMb.toFixed(0)} MB |`,
    );
  }
  console.log(`\nWhere the database's bytes are (the ${o.fleet === null ? "largest tables" : "tables that grew most"} with their indexes, kB per device bootstrapped):\n`);
  for (const r of results) console.log(`- ${r.target}: ${Object.entries(r.tablesKbPerDevice).map(([t, kb]) => `${t} ${kb.toFixed(1)}`).join(", ")}`);
}

await main();
