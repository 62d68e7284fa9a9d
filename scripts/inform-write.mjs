// The Inform's write of the device (DeviceRepo.recordInform) alone, against a build of Provisio given by
// its dist folder, so that two builds (before and after a change) can be run in turns on the same
// machine: issue 18.2 (docs/BENCHMARKS.md, "Issue 18, round 6").
//
//   node scripts/inform-write.mjs --dist DIR --db URL [--devices 2000] [--rounds 5] [--concurrency 8]
//
// URL: a PostgreSQL database (dropped and created again: give a throwaway one; pg_stat_statements must be
// loaded for the per-statement figures) or sqlite:FILE (created; removed at the end). Work: DEVICES
// devices bootstrap (an Inform with 0 BOOTSTRAP and 1 BOOT each, a tag for one in ten), have one
// periodic Inform each (warm-up), then ROUNDS rounds of one periodic Inform each ("2 PERIODIC", the
// values of the usual case: nothing but the time changes), CONCURRENCY at a time. Reported for the
// measured rounds: Informs per second, the call's latency percentiles, the process's heap and RSS; on
// PostgreSQL, per Inform, the execution time and WAL of the statements that write devices,
// device_informs and device_events (pg_stat_statements), the updates of devices and device_informs and
// how many of them were HOT (pg_stat_user_tables), and the tables' and their indexes' sizes.
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log("usage: node scripts/inform-write.mjs --dist DIR --db URL [--devices 2000] [--rounds 5] [--concurrency 8]");
  process.exit(0);
}
const dist = resolve(option("dist", "dist"));
const db = option("db");
const devices = Number(option("devices", 2000));
const rounds = Number(option("rounds", 5));
const concurrency = Number(option("concurrency", 8));
if (!db) throw new Error("--db URL is needed (postgres://.../throwaway or sqlite:FILE)");
const isPg = db.startsWith("postgres");

async function sql(url, text, params = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

if (isPg) {
  const u = new URL(db);
  const name = u.pathname.slice(1);
  u.pathname = "/postgres";
  await sql(u.toString(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await sql(u.toString(), `CREATE DATABASE "${name}"`);
  await sql(db, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
}

const { openStore } = await import(pathToFileURL(join(dist, "src/store/index.js")).href);
const open = () => openStore(db, { postgres: { maxConnections: concurrency } });
let store = await open();
const T0 = Date.UTC(2026, 0, 1);
const id = (i) => `A1B2C3-HGW-${String(i).padStart(7, "0")}`;
const inform = (i, at, events) => store.devices.recordInform({
  id: id(i), manufacturer: "Acme", oui: "A1B2C3", productClass: "HGW", serialNumber: String(i).padStart(7, "0"),
  at: new Date(at), address: `198.51.100.${i % 250}`, cwmpNamespace: "1-2", cwmpVersion: "1.4",
  events: events.map((code) => ({ code, commandKey: "" })),
});

async function round(at, events, latencies) {
  let next = 0;
  const worker = async () => {
    while (next < devices) {
      const i = next++;
      const t = process.hrtime.bigint();
      await inform(i, at + i, events);
      latencies?.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function tableStats() {
  const rows = await sql(db, `SELECT relname, n_tup_upd::bigint AS upd, n_tup_hot_upd::bigint AS hot,
      pg_relation_size(relid) AS heap, pg_indexes_size(relid) AS indexes
    FROM pg_stat_user_tables WHERE relname IN ('devices', 'device_informs') ORDER BY relname`);
  return Object.fromEntries(rows.map((r) => [r.relname, { upd: Number(r.upd), hot: Number(r.hot), heap: Number(r.heap), indexes: Number(r.indexes) }]));
}

/**
 * The table statistics, once the store's connections are closed (a backend that stays idle reports its
 * statistics only after a while, one that ends at once), and settled.
 */
async function settledStats() {
  await store.close();
  let last = "";
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = await tableStats();
    const text = JSON.stringify(s);
    if (text === last) {
      store = await open();
      return s;
    }
    last = text;
  }
  throw new Error("the table statistics never settled");
}

try {
  for (let i = 0; i < devices; i += concurrency * 4) {
    await Promise.all(Array.from({ length: Math.min(concurrency * 4, devices - i) }, (_v, k) => inform(i + k, T0, ["0 BOOTSTRAP", "1 BOOT"])));
  }
  for (let i = 0; i < devices; i += 10) await store.devices.updateTags(id(i), ["lab"], []);
  await round(T0 + 60_000, ["2 PERIODIC"]);
  let before;
  if (isPg) {
    before = await settledStats();
    await sql(db, "SELECT pg_stat_statements_reset(0::oid, (SELECT oid FROM pg_database WHERE datname = current_database()), 0::bigint)");
  }
  const latencies = [];
  const started = process.hrtime.bigint();
  for (let r = 1; r <= rounds; r++) await round(T0 + 60_000 * (r + 1), ["2 PERIODIC"], latencies);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(3);
  const n = devices * rounds;
  const out = {
    dist, backend: isPg ? "postgres" : "sqlite", devices, rounds, concurrency,
    informsPerSecond: Math.round(n / seconds), p50ms: pct(50), p90ms: pct(90), p99ms: pct(99),
    heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
  if (isPg) {
    const statements = await sql(db, `SELECT s.calls::bigint AS calls, s.total_exec_time AS ms, s.wal_bytes::bigint AS wal, s.wal_records::bigint AS records,
        left(regexp_replace(s.query, '\\s+', ' ', 'g'), 70) AS query
      FROM pg_stat_statements s WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND s.query ~ '(UPDATE devices|device_informs|INSERT INTO device_events)' ORDER BY s.total_exec_time DESC`);
    const after = await settledStats();
    const per = (v) => Math.round(v / n);
    out.execUsPerInform = per(statements.reduce((t, s) => t + s.ms * 1000, 0));
    out.walBytesPerInform = per(statements.reduce((t, s) => t + Number(s.wal), 0));
    out.walRecordsPerInform = (statements.reduce((t, s) => t + Number(s.records), 0) / n).toFixed(3);
    out.statements = statements.map((s) => ({ calls: Number(s.calls), usPerCall: Math.round((s.ms * 1000) / Number(s.calls)), query: s.query }));
    out.tables = Object.fromEntries(Object.entries(after).map(([t, a]) => [t, {
      updates: a.upd - (before[t]?.upd ?? 0), hot: a.hot - (before[t]?.hot ?? 0), heapKb: Math.round(a.heap / 1024), indexesKb: Math.round(a.indexes / 1024),
    }]));
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  await store.close();
  if (!isPg) for (const suffix of ["", "-wal", "-shm"]) rmSync(`${db.slice("sqlite:".length)}${suffix}`, { force: true });
}
