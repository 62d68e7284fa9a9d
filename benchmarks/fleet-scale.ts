// A fleet with full trees (issue 18.3): what it costs on disk, and how the reads and fleet-wide
// operations an operator uses behave at that size, on SQLite and PostgreSQL.
//
//   npm run bench:fleet -- --backend sqlite|postgres [--url URL] [--devices 10000] [--runs 25] [--keep]
//        [--no-api] [--no-chosen] [--json]
//
// The database is filled by `provisio fleet generate`'s code (src/sim/fleet.ts: TR-181 and TR-098
// gateways, about 1,000 records each) unless it holds the fleet already (--url of a kept one). Then:
// - bytes on disk per device, per table and per index (SQLite dbstat; PostgreSQL pg_table_size and
//   pg_relation_size), and what a record is made of (path, value);
// - device list pages of 50 (filters on indexed device fields, on an indexed parameter, on parameters
//   that are not indexed, which read the trees), keyset paging deep, counts; one device's full tree
//   through the store, against a bare SELECT of its row (the baseline), and through GET
//   /api/devices/{id} (a `provisio serve` process);
// - a bulk task over every device (POST /api/tasks), and a housekeeping pass that expires those tasks,
//   against a pass with nothing to do;
// - an operator's indexed parameter (parameters.indexed, migration 28): UpTime chosen, its fill (steps
//   of 500 devices: rate, step p50/p95), the bytes it adds, and the UpTime filters again, against the
//   same filters read from the trees earlier in the run (the baseline); then the pattern is removed
//   (rate), leaving a kept database as it was. --no-chosen leaves it out.
// p50/p95 over --runs runs (after one warm-up) in milliseconds.
import { EventBus } from "../src/server/events.js";
import { housekeep } from "../src/server/housekeeping.js";
import { silentLogger } from "../src/server/logger.js";
import { defaultSessionConfig } from "../src/session/index.js";
import { generateFleet } from "../src/sim/runtime/index.js";
import { openStore, type DeviceQuery, type Store } from "../src/store/index.js";
import { apiCall, closeApiConnections, keptDataDir, pollFor, startApiProcess } from "./support/api-process.js";
import { benchDatabase, option } from "./support/args.js";
import { rssMb, watchPeakRss } from "./support/processes.js";
import { openDirect, type DirectSql } from "./support/direct-sql.js";
import { runIfScript } from "./support/run-main.js";
import { relationSizes, type RelationSize } from "./support/table-sizes.js";
import { percentile, time } from "./support/timing.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

interface Options {
  backend: "sqlite" | "postgres";
  url: string | undefined;
  devices: number;
  runs: number;
  keep: boolean;
  api: boolean;
  chosen: boolean;
  json: boolean;
}

function options(argv: string[]): Options {
  const get = (name: string) => option(argv, name);
  return {
    backend: get("backend") === "postgres" ? "postgres" : "sqlite",
    url: get("url"),
    devices: Number(get("devices") ?? 10_000),
    runs: Number(get("runs") ?? 25),
    keep: argv.includes("--keep"),
    api: !argv.includes("--no-api"),
    chosen: !argv.includes("--no-chosen"),
    json: argv.includes("--json"),
  };
}

/** The fleet's newest Inform, and its seed: a kept database is the same fleet at every run. */
const T_END = new Date(Date.UTC(2026, 11, 1));
const SEED = 1;

type Timing = { name: string; p50: number; p95: number };

async function fill(store: Store, o: Options): Promise<{ seconds: number; rowsPerSecond: number } | null> {
  const have = await store.devices.count();
  if (have >= o.devices) return null;
  if (have > 0) throw new Error(`the database holds ${have} devices, fewer than asked: start from an empty one`);
  process.stderr.write(`generating ${o.devices} devices...\n`);
  let last = 0;
  const done = await generateFleet(store, {
    devices: o.devices, start: 0, seed: SEED, end: T_END, informWindowMs: 86_400_000, serialPrefix: "GEN", batch: 500, replace: false,
    onProgress: (p) => {
      if (p.ms - last < 30_000) return;
      last = p.ms;
      process.stderr.write(`  ${p.devices} devices, ${p.rows} rows, ${Math.round(p.ms / 1000)} s\n`);
    },
  });
  return { seconds: done.ms / 1000, rowsPerSecond: done.rows / (done.ms / 1000) };
}

/** Ids spread over the fleet (every k-th in id order), for reads that should not hit one device's pages only. */
async function spreadIds(store: Store, devices: number, n: number): Promise<string[]> {
  const ids: string[] = [];
  const step = Math.max(1, Math.floor(devices / n));
  let after: string | undefined;
  while (ids.length < n) {
    const page = await store.devices.query({ limit: step, ...(after !== undefined ? { after } : {}) });
    if (page.devices.length === 0) break;
    ids.push(page.devices[0]!.id);
    if (page.next === null) break;
    after = page.devices[page.devices.length - 1]!.id;
  }
  return ids;
}

function cycle(ids: string[]): () => string {
  let i = 0;
  return () => ids[i++ % ids.length]!;
}

type ListTiming = { name: string; matches: number; list: Timing; count: Timing };

/** Each query's matches, a page of 50 (p50/p95 over --runs) and a count. */
async function listTimings(store: Store, o: Options, cases: { name: string; query: DeviceQuery }[]): Promise<ListTiming[]> {
  const out = [];
  for (const c of cases) {
    const q: DeviceQuery = { now: T_END, ...c.query };
    const matches = await store.devices.count(q);
    const list = await time(o.runs, () => store.devices.query({ ...q, limit: 50 }));
    const count = await time(Math.max(3, Math.floor(o.runs / 3)), () => store.devices.count(q));
    out.push({ name: c.name, matches, list: { name: c.name, ...list }, count: { name: c.name, ...count } });
    process.stderr.write(`  ${c.name}: ${matches} match, list p95 ${list.p95.toFixed(1)} ms\n`);
  }
  return out;
}

const UPTIME = ["Device.DeviceInfo.UpTime", "InternetGatewayDevice.DeviceInfo.UpTime"];
const UPTIME_CASES = [
  { name: "UpTime < 1 day (numeric, 3%)", query: { filter: "Device.DeviceInfo.UpTime < 86400" } },
  { name: "lab devices' UpTime < 1 day", query: { filter: 'tag = "lab" AND Device.DeviceInfo.UpTime < 86400' } },
];

/** Steps the indexed parameters' work until idle; the rate and each step's time. */
async function stepAll(store: Store, devices: number): Promise<{ seconds: number; devicesPerSecond: number; stepP50: number; stepP95: number; steps: number }> {
  const ms: number[] = [];
  const t0 = performance.now();
  for (;;) {
    const s0 = performance.now();
    const r = await store.indexedParameters.step(500, new Date());
    if (r === "idle") break;
    ms.push(performance.now() - s0);
    if (r === "waiting") await new Promise((res) => setTimeout(res, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  ms.sort((a, b) => a - b);
  return { seconds, devicesPerSecond: devices / seconds, stepP50: percentile(ms, 0.5), stepP95: percentile(ms, 0.95), steps: ms.length };
}

/** UpTime chosen, filled, queried, then removed (module comment). */
async function chosenIndex(store: Store, url: string, o: Options, devices: number) {
  const bytes = async () => (await relationSizes(url)).filter((r) => r.table === "param_index").reduce((n, r) => n + r.bytes, 0);
  const before = await bytes();
  await store.indexedParameters.set(UPTIME, new Date());
  process.stderr.write("filling the chosen UpTime...\n");
  const fill = await stepAll(store, devices);
  const added = (await bytes()) - before;
  const lists = await listTimings(store, o, UPTIME_CASES.map((c) => ({ ...c, name: `${c.name}, chosen and ready` })));
  await store.indexedParameters.set([], new Date());
  process.stderr.write("removing it...\n");
  const removal = await stepAll(store, devices);
  return { fill, bytesPerDevice: added / devices, lists, removal };
}

async function queries(store: Store, o: Options, deepAfter: string): Promise<ListTiming[]> {
  const cases: { name: string; query: DeviceQuery }[] = [
    { name: "no filter", query: {} },
    { name: "productClass = (indexed, 25%)", query: { filter: 'productClass = "HGW5200AX"' } },
    { name: "tag = lab (indexed, 10%)", query: { filter: 'tag = "lab"' } },
    { name: "tag = broken (indexed, 1%)", query: { filter: 'tag = "broken"' } },
    { name: "SoftwareVersion = (indexed parameter, 4%)", query: { filter: 'Device.DeviceInfo.SoftwareVersion = "4.0.3"' } },
    { name: "HostName *= (parameter not indexed: reads the trees)", query: { filter: 'Device.Hosts.Host.3.HostName *= "-a"' } },
    ...UPTIME_CASES.map((c) => ({ ...c, name: `${c.name}, not indexed: reads the trees` })),
    { name: "keyset page deep (after, 80%)", query: { after: deepAfter } },
  ];
  return listTimings(store, o, cases);
}

async function treeReads(store: Store, sql: DirectSql, ids: string[], o: Options): Promise<{ timings: Timing[]; rows: number }> {
  const next = cycle(ids);
  const rows = (await store.parameters.all(ids[0]!)).length;
  const timings: Timing[] = [
    { name: "bare SELECT of a device's tree row (baseline)", ...(await time(o.runs, () => sql.all("SELECT * FROM device_trees WHERE device_id = $1", [next()]))) },
    { name: "store: parameters.all (full tree)", ...(await time(o.runs, () => store.parameters.all(next()))) },
    { name: "store: parameters.subtree Device.WiFi.", ...(await time(o.runs, () => store.parameters.subtree(next(), "Device.WiFi."))) },
  ];
  return { timings, rows };
}

async function apiRuns(url: string, ids: string[], o: Options, devices: number): Promise<{ timings: Timing[]; bulk: { created: number; ms: number }[]; serverRssMb: number; bulkPeakRssMb: number }> {
  const config = { nbi: { host: "127.0.0.1", port: 0, bulkLimit: Math.max(devices, 10_000) } };
  // A database given by --url outlives the run: its API folder too.
  const api = await startApiProcess(url, config, pollFor(120_000), o.url !== undefined ? keptDataDir(url) : undefined);
  try {
    const next = cycle(ids);
    const get = async () => {
      const res = await apiCall(api.apiUrl, api.key, "GET", `/api/devices/${encodeURIComponent(next())}`);
      if (res.status !== 200) throw new Error(`GET /api/devices/{id}: ${res.status}`);
    };
    const timings: Timing[] = [{ name: "API: GET /api/devices/{id} (full tree)", ...(await time(o.runs, get)) }];
    const bulk: { created: number; ms: number }[] = [];
    // Tasks that expire in a minute: the housekeeping pass below finds them all due.
    const peak = watchPeakRss(api.child.pid!);
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const res = await apiCall(api.apiUrl, api.key, "POST", "/api/tasks", {
        filter: 'NOT tag = "no-such-tag"', name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.UpTime"] }, expiresIn: 60,
      });
      if (res.status !== 201) throw new Error(`POST /api/tasks: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      bulk.push({ created: Number(res.body.created), ms: performance.now() - t0 });
      process.stderr.write(`  bulk task: ${res.body.created} created in ${Math.round(performance.now() - t0)} ms\n`);
    }
    const bulkPeakRssMb = peak.stop();
    return { timings, bulk, serverRssMb: rssMb(api.child.pid!), bulkPeakRssMb };
  } finally {
    await api.stop();
  }
}

async function housekeeping(store: Store): Promise<{ expiring: { ms: number; tasks: number }; idle: number }> {
  const pass = (at: Date) => housekeep({
    store, events: new EventBus(), log: silentLogger, session: defaultSessionConfig, taskPolicy: { maxAttempts: 3, retryBaseMs: 60_000, retryMaxMs: 3_600_000 },
    clock: () => at,
    retention: { eventsMs: 7 * 86_400_000, webhooksMs: 7 * 86_400_000, connectionRequestsMs: 7 * 86_400_000, deviceEventsMs: 30 * 86_400_000, auditMs: 365 * 86_400_000, diagnosticsMs: 30 * 86_400_000 },
  });
  const later = new Date(Date.now() + 3_600_000);
  const t0 = performance.now();
  const r = await pass(later);
  const ms = performance.now() - t0;
  const t1 = performance.now();
  await pass(later);
  return { expiring: { ms, tasks: r.tasks }, idle: performance.now() - t1 };
}

const TREE_TABLES = new Set(["device_trees", "param_index", "param_paths"]);

function sizeTable(sizes: RelationSize[], devices: number, rowsPerDevice: number): string {
  const lines = ["| relation | kind | MiB | bytes per device | bytes per parameter record |", "|---|---|---:|---:|---:|"];
  const interesting = sizes.filter((s) => s.bytes > 64 * 1024).sort((a, b) => (a.table === b.table ? (a.kind === b.kind ? b.bytes - a.bytes : a.kind === "table" ? -1 : 1) : a.table < b.table ? -1 : 1));
  for (const s of interesting) {
    lines.push(`| ${s.name} | ${s.kind} | ${(s.bytes / 1048576).toFixed(1)} | ${Math.round(s.bytes / devices)} | ${TREE_TABLES.has(s.table) ? (s.bytes / devices / rowsPerDevice).toFixed(1) : "-"} |`);
  }
  const sum = (f: (s: RelationSize) => boolean) => sizes.filter(f).reduce((n, s) => n + s.bytes, 0);
  const all = sum(() => true);
  const params = sum((s) => TREE_TABLES.has(s.table));
  lines.push(`| **every table and index** | | ${(all / 1048576).toFixed(1)} | ${Math.round(all / devices)} | |`);
  lines.push(`| **parameters: device_trees, param_index, param_paths** | | ${(params / 1048576).toFixed(1)} | ${Math.round(params / devices)} | ${(params / devices / rowsPerDevice).toFixed(1)} |`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const db = benchDatabase(o.backend, o.url, "fleet");
  const url = db.url;
  const store = await openStore(url, { postgres: { maxConnections: 8 } });
  const sql = await openDirect(url);
  try {
    const generated = await fill(store, o);
    if (o.backend === "postgres") {
      // What autovacuum does a little later on a live server: statistics, and the visibility map for index-only scans.
      process.stderr.write("VACUUM ANALYZE...\n");
      for (const table of ["devices", "device_tags", "device_trees", "param_index", "param_paths", "tasks"]) await sql.exec(`VACUUM ANALYZE ${table}`);
    }
    const devices = await store.devices.count();
    const ids = await spreadIds(store, devices, 50);
    // What a record is made of, from the sampled devices' trees.
    const sample = (await Promise.all(ids.map((id) => store.parameters.all(id)))).flat();
    const avg = (f: (r: (typeof sample)[number]) => number) => sample.reduce((n, r) => n + f(r), 0) / Math.max(1, sample.length);
    const shape = { id: ids.reduce((n, id) => n + id.length, 0) / Math.max(1, ids.length), path: avg((r) => r.path.length), value: avg((r) => r.value?.length ?? 0) };
    const rowsPerDevice = sample.length / Math.max(1, ids.length);
    const deep = (await store.devices.query({ limit: 1, offset: Math.floor(devices * 0.8) })).devices[0]!.id;
    process.stderr.write("device lists...\n");
    const lists = await queries(store, o, deep);
    process.stderr.write("full trees...\n");
    const trees = await treeReads(store, sql, ids, o);
    const chosen = o.chosen ? await chosenIndex(store, url, o, devices) : null;
    const api = o.api ? await apiRuns(url, ids, o, devices) : null;
    const hk = o.api ? await housekeeping(store) : null;
    const sizes = await relationSizes(url);
    const result = { backend: o.backend, devices, rowsPerDevice, shape, generated, sizes, lists, trees, chosen, api, housekeeping: hk };
    if (o.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const out: string[] = [];
    out.push(`Fleet with full trees: ${o.backend}, ${devices} devices, ${rowsPerDevice.toFixed(0)} parameter records per device ` +
      `(average device id ${Number(shape.id).toFixed(0)}, path ${Number(shape.path).toFixed(0)}, value ${Number(shape.value).toFixed(1)} characters)`);
    if (generated) out.push(`generated in ${generated.seconds.toFixed(0)} s (${Math.round(generated.rowsPerSecond)} parameter records/s, ${Math.round(devices / generated.seconds)} devices/s)`);
    out.push("", sizeTable(sizes, devices, rowsPerDevice), "");
    out.push("| device list (page of 50) | matches | list p50 | list p95 | count p50 | count p95 |", "|---|---:|---:|---:|---:|---:|");
    for (const l of [...lists, ...(chosen?.lists ?? [])]) out.push(`| ${l.name} | ${l.matches} | ${l.list.p50.toFixed(1)} | ${l.list.p95.toFixed(1)} | ${l.count.p50.toFixed(1)} | ${l.count.p95.toFixed(1)} |`);
    if (chosen) {
      const f = chosen.fill;
      out.push("", `chosen indexed parameter (UpTime, both data models): filled in ${f.seconds.toFixed(1)} s (${Math.round(f.devicesPerSecond)} devices/s; ` +
        `${f.steps} steps, p50 ${f.stepP50.toFixed(0)} ms, p95 ${f.stepP95.toFixed(0)} ms); ${Math.round(chosen.bytesPerDevice)} B per device in param_index; ` +
        `removed in ${chosen.removal.seconds.toFixed(1)} s`);
    }
    out.push("", `| one device's tree (${trees.rows} records) | p50 ms | p95 ms |`, "|---|---:|---:|");
    for (const t of [...trees.timings, ...(api?.timings ?? [])]) out.push(`| ${t.name} | ${t.p50.toFixed(1)} | ${t.p95.toFixed(1)} |`);
    if (api) {
      out.push("", `bulk task over every device (POST /api/tasks): ${api.bulk.map((b) => `${b.created} tasks in ${(b.ms / 1000).toFixed(1)} s (${Math.round(b.created / (b.ms / 1000))}/s)`).join("; ")}`);
      out.push(`API process RSS: at most ${api.bulkPeakRssMb.toFixed(0)} MiB during the bulk tasks (sampled every 100 ms), ${api.serverRssMb.toFixed(0)} MiB after its runs`);
    }
    if (hk) out.push(`housekeeping pass expiring ${hk.expiring.tasks} tasks: ${(hk.expiring.ms / 1000).toFixed(1)} s; a pass with nothing to do (baseline): ${hk.idle.toFixed(0)} ms`);
    const m = process.memoryUsage();
    out.push(`benchmark process: RSS ${(m.rss / 1048576).toFixed(0)} MiB, heap used ${(m.heapUsed / 1048576).toFixed(0)} MiB at the end`);
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    closeApiConnections();
    await sql.close();
    await store.close();
    if (!o.keep) db.remove();
  }
}

runIfScript(import.meta.url, main);
