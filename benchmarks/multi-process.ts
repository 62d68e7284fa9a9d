// `npm run bench:multi`: several `provisio serve` processes on one PostgreSQL, as separate machines would
// run them (a data folder each; the database URL, the secrets key and the bootstrap credentials in
// common), behind a TCP balancer without affinity, against one process on the same database as the
// baseline measured in the same run; then one of the processes killed with SIGKILL mid-run.
//
// Work: as `npm run bench:sessions`, without the discovery preset: N simulated devices (this process)
// inform every second; a session is Inform (Digest challenge first), InformResponse, empty POST, one
// GetParameterValues of 10 parameters from a preset (maxAge 0), its response, the empty 204. Each target
// is warmed up (every device completes one session on it, not measured), then measured for --seconds.
// Reported per target: sessions/s, session latency percentiles, failed sessions, each ACS process's CPU
// (share of one core and per session) and peak RSS, and the CPU of the PostgreSQL backends serving the
// benchmark's database (not the server's shared background processes). The kill phase runs the N
// processes for --seconds with one of them SIGKILLed a third of the way in (and taken out of the
// balancer, as a health check would): sessions/s before and after, sessions failed, and the gap, the
// longest time after the kill with no session completed anywhere.
//
//   npm run bench:multi -- [--processes 2] [--devices 1000] [--seconds 30] [--concurrency 48] [--pg URL] [--json]
//
// --pg (or PROVISIO_TEST_PG_URL) names a PostgreSQL server where the user may CREATE DATABASE; the
// benchmark makes a database of its own there and drops it at the end.

import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionReport } from "../src/sim/runtime/index.js";
import { createTestDatabase, queryDirect } from "../test/support/pg.js";
import { TcpBalancer } from "../test/support/tcp-balancer.js";
import { BENCH_PASS as PASS, BENCH_USER as USER, seedBenchPreset, startBenchDevices } from "./support/session-bench.js";
import { processTree, rssMb, SERVE_READY, serveArgs, startProcess, stopProcess, totalCpuMs } from "./support/processes.js";
import { runIfScript } from "./support/run-main.js";
import { percentile } from "./support/timing.js";
import { option } from "./support/args.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

interface Options {
  processes: number;
  devices: number;
  seconds: number;
  concurrency: number;
  pg: string;
  json: boolean;
}

function options(argv: string[]): Options {
  const get = (name: string) => option(argv, name);
  const pg = get("pg") ?? process.env.PROVISIO_TEST_PG_URL;
  if (pg === undefined || pg === "") throw new Error("bench:multi needs a PostgreSQL server: --pg postgres://user@host:port/db (or PROVISIO_TEST_PG_URL)");
  return {
    processes: Math.max(2, Number(get("processes") ?? 2)),
    devices: Number(get("devices") ?? 1000),
    seconds: Number(get("seconds") ?? 30),
    concurrency: Number(get("concurrency") ?? 48),
    pg,
    json: argv.includes("--json"),
  };
}


interface Acs {
  pid: number;
  port: number;
  child: Parameters<typeof stopProcess>[0];
  dataDir: string;
}

/** One ACS "machine": its own data folder; what it shares with the others is in `common`. */
async function startMachine(db: string, common: string[]): Promise<Acs> {
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-bench-multi-"));
  const { child, url } = await startProcess(serveArgs({ db, dataDir, username: USER, password: PASS, extra: common }), SERVE_READY);
  return { pid: child.pid!, port: Number(new URL(url).port), child, dataDir };
}

async function stopMachine(m: Acs): Promise<void> {
  if (m.child.exitCode === null && m.child.signalCode === null) await stopProcess(m.child);
  rmSync(m.dataDir, { recursive: true, force: true });
}

/** CPU time of the PostgreSQL backends serving `db` (pids seen during the window, each from when first seen). */
class PgCpu {
  private readonly first = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: string) {}

  async start(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => void this.sample().catch(() => undefined), 1000);
  }

  private async sample(): Promise<void> {
    const rows = await queryDirect(this.db, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    for (const r of rows) {
      const pid = Number(r.pid);
      if (!this.first.has(pid)) this.first.set(pid, totalCpuMs([pid]));
    }
  }

  /** CPU ms used since each backend was first seen. */
  async stop(): Promise<number> {
    clearInterval(this.timer);
    await this.sample().catch(() => undefined);
    let sum = 0;
    for (const [pid, at] of this.first) sum += Math.max(0, totalCpuMs([pid]) - at);
    return sum;
  }
}

interface Completed {
  report: SessionReport;
  /** When the session ended (ms, performance.now()). */
  endMs: number;
}

interface Window {
  target: string;
  processes: number;
  seconds: number;
  sessions: number;
  failed: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  /** Per ACS process: share of one core, ms per session (of all sessions), peak RSS. */
  acs: { cpuPercent: number; cpuMsPerSession: number; peakRssMb: number }[];
  pgCpuPercent: number;
  pgCpuMsPerSession: number;
  kill?: { atS: number; gapMs: number; perSecondBefore: number; perSecondAfter: number; failedAfter: number };
}

/**
 * Runs the devices against `url` until each has completed a session, then measures for `seconds`;
 * `during` runs meanwhile (the kill phase's kill), given the session log.
 */
async function measure(target: string, url: string, machines: Acs[], db: string, o: Options, during?: (log: Completed[], t0: number) => Promise<Window["kill"]>): Promise<Window> {
  const log: Completed[] = [];
  let measuring = false;
  const warmedUp = new Set<number>();
  const sim = await startBenchDevices({
    url,
    devices: o.devices,
    concurrency: o.concurrency,
    serialPrefix: "MULTI",
    // A session the kill broke is tried again after a second.
    values: { "ManagementServer.CWMPRetryMinimumWaitInterval": "1" },
    onSession: (r) => {
      if (r.ok) warmedUp.add(r.device);
      if (measuring) log.push({ report: r, endMs: performance.now() });
    },
  });
  const pids = machines.map((m) => processTree(m.pid));
  const peaks = machines.map(() => 0);
  // A killed process's CPU is what it had used when last seen (/proc forgets it).
  const cpuSeen = pids.map((p) => totalCpuMs(p));
  const sampler = setInterval(() => pids.forEach((p, i) => {
    peaks[i] = Math.max(peaks[i]!, p.reduce((s, x) => s + rssMb(x), 0));
    cpuSeen[i] = Math.max(cpuSeen[i]!, totalCpuMs(p));
  }), 250);
  const pg = new PgCpu(db);
  try {
    const deadline = Date.now() + 180_000;
    while (warmedUp.size < o.devices && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (warmedUp.size < o.devices) process.stderr.write(`${target}: only ${warmedUp.size} of ${o.devices} devices completed a session in the warm-up; measuring anyway\n`);
    await pg.start();
    const cpuStart = pids.map((p, i) => (cpuSeen[i] = Math.max(cpuSeen[i]!, totalCpuMs(p))));
    measuring = true;
    const t0 = performance.now();
    const [kill] = await Promise.all([during?.(log, t0), new Promise((r) => setTimeout(r, o.seconds * 1000))]);
    measuring = false;
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = pids.map((p, i) => Math.max(cpuSeen[i]!, totalCpuMs(p)) - cpuStart[i]!);
    const pgMs = await pg.stop();
    const ok = log.filter((c) => c.report.ok);
    const lat = ok.map((c) => c.report.durationMs).sort((a, b) => a - b);
    return {
      target, processes: machines.length, seconds: Math.round(elapsed * 10) / 10, sessions: ok.length, failed: log.length - ok.length, perSecond: ok.length / elapsed,
      p50: percentile(lat, 0.5), p90: percentile(lat, 0.9), p99: percentile(lat, 0.99),
      acs: cpu.map((ms, i) => ({ cpuPercent: (100 * ms) / (elapsed * 1000), cpuMsPerSession: ok.length === 0 ? 0 : ms / ok.length, peakRssMb: peaks[i]! })),
      pgCpuPercent: (100 * pgMs) / (elapsed * 1000),
      pgCpuMsPerSession: ok.length === 0 ? 0 : pgMs / ok.length,
      ...(kill ? { kill } : {}),
    };
  } finally {
    clearInterval(sampler);
    await sim.stop();
  }
}

/** Kills `victim` a third of the way into the window; what the devices saw around it. */
function killer(victim: Acs, balancer: TcpBalancer, o: Options): (log: Completed[], t0: number) => Promise<NonNullable<Window["kill"]>> {
  return async (log, t0) => {
    await new Promise((r) => setTimeout(r, (o.seconds * 1000) / 3));
    const at = performance.now();
    victim.child.kill("SIGKILL");
    balancer.remove(victim.port);
    await new Promise((r) => setTimeout(r, (o.seconds * 1000 * 2) / 3 - 200));
    const end = performance.now();
    const ends = log.filter((c) => c.report.ok && c.endMs >= at).map((c) => c.endMs).sort((a, b) => a - b);
    let gap = (ends[0] ?? end) - at;
    for (let i = 1; i < ends.length; i++) gap = Math.max(gap, ends[i]! - ends[i - 1]!);
    const okBefore = log.filter((c) => c.report.ok && c.endMs < at).length;
    return {
      atS: Math.round((at - t0) / 100) / 10,
      gapMs: gap,
      perSecondBefore: okBefore / ((at - t0) / 1000),
      perSecondAfter: ends.length / ((end - at) / 1000),
      failedAfter: log.filter((c) => !c.report.ok && c.endMs >= at).length,
    };
  };
}


async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const database = await createTestDatabase(o.pg);
  const db = database.url;
  // No discovery preset: a new device's discovery (dozens of exchanges) is not the work measured here,
  // and would make the first warm-up a bootstrap storm.
  const common = ["--set", `secretsKey=${randomBytes(32).toString("base64")}`, "--set", "provisioning.defaultPresets=false"];
  const balancer = await TcpBalancer.start([]);
  const machines: Acs[] = [];
  const windows: Window[] = [];
  try {
    await seedBenchPreset(db);
    const one = await startMachine(db, common);
    machines.push(one);
    balancer.add(one.port);
    windows.push(await measure("1 process (baseline)", balancer.url, [one], db, o));
    for (let i = 1; i < o.processes; i++) {
      const m = await startMachine(db, common);
      machines.push(m);
      balancer.add(m.port);
    }
    windows.push(await measure(`${o.processes} processes`, balancer.url, machines, db, o));
    windows.push(await measure(`${o.processes} processes, one SIGKILLed`, balancer.url, machines, db, o, killer(machines[0]!, balancer, o)));
  } finally {
    for (const m of machines) await stopMachine(m);
    await balancer.close();
    await database.drop();
  }
  if (o.json) {
    console.log(JSON.stringify({ node: process.version, options: { ...o, pg: "(given)" }, windows }, null, 2));
    return;
  }
  const base = windows[0]!.perSecond;
  console.log(`Several ACS processes on one PostgreSQL (node ${process.version}; ${o.devices} devices, ${o.seconds}s measured per target, ${o.concurrency} sessions in flight at most; load average ${loadAverage()})\n`);
  console.log("| target | sessions/s | vs 1 process | failed | p50 ms | p90 ms | p99 ms | ACS CPU per process (% of a core; ms/session) | ACS peak RSS | PostgreSQL backends CPU (% of a core; ms/session) |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---|---|---|");
  for (const w of windows) {
    const acs = w.acs.map((a) => `${a.cpuPercent.toFixed(0)}%; ${a.cpuMsPerSession.toFixed(2)}`).join(" / ");
    const rss = w.acs.map((a) => `${a.peakRssMb.toFixed(0)} MB`).join(" / ");
    console.log(`| ${w.target} | ${w.perSecond.toFixed(0)} | ${((100 * w.perSecond) / base).toFixed(0)}% | ${w.failed} | ${w.p50.toFixed(1)} | ${w.p90.toFixed(1)} | ${w.p99.toFixed(1)} | ${acs} | ${rss} | ${w.pgCpuPercent.toFixed(0)}%; ${w.pgCpuMsPerSession.toFixed(2)} |`);
  }
  const k = windows[2]?.kill;
  if (k) {
    console.log(`\nThe kill, at ${k.atS} s: sessions/s ${k.perSecondBefore.toFixed(0)} before, ${k.perSecondAfter.toFixed(0)} after; ${k.failedAfter} sessions failed after it (the devices retried them);`);
    console.log(`longest time with no session completed anywhere after it: ${k.gapMs.toFixed(0)} ms`);
  }
}

function loadAverage(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

runIfScript(import.meta.url, main);
