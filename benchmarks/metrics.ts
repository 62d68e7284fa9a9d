// Performance history at scale, on SQLite and PostgreSQL (docs/BENCHMARKS.md has results):
//
//   npm run bench:metrics -- --backend sqlite|postgres [--url URL] [--devices 1000] [--metrics 20] [--informs 5]
//                            [--fleet 100000] [--concurrency 8] [--runs 9] [--keep]
//
// 1. Ingestion: `--devices` devices each report `--metrics` values per Inform (half gauges, half byte
//    counters), `--informs` rounds (the first, which makes each device's series, reported apart), each
//    device's in a transaction of its own as a session's would be, `--concurrency` at a time, through
//    recordObservations (definitions cached, filters matched in memory, series looked up, counters
//    turned into rates). The baseline, in the same run: a bare INSERT of the same sample rows, one
//    transaction per device, the same concurrency, as many rounds as the later Informs.
// 2. A device's 30-day series (auto: 720 hourly buckets; and 5-minute buckets, 8,640), among 1,000
//    series with 30 days of hourly buckets (100 of them also 5-minute ones, and 7 days of raw samples).
// 3. A fleet aggregate over `--fleet` devices (mean, p50, p95, min, max, count by product class): the
//    last hour (one step), and 24 hourly steps, from the fleet summaries housekeeping makes (and how
//    long it takes to make them); baseline in the same run: the same figures from every device's buckets.
// 4. Bytes stored per row of each tier (table and indexes), and per sample kept for two years with
//    the default tiers (raw 7 days, 5 minutes 90 days, 1 hour 2 years).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { openStore, type Store } from "../src/store/index.js";
import { METRIC_EPOCH } from "../src/store/sql/metrics.js";
import { MetricRecorder } from "../src/server/metric-recorder.js";
import { MetricService } from "../src/server/metric-service.js";
import { fleetFigures, summarizeMetrics } from "../src/server/metric-summaries.js";
import { silentLogger } from "../src/server/logger.js";
import type { DeviceScope, MetricDefinitionRecord, MetricSample } from "../src/store/types.js";
import { percentile, time } from "./support/timing.js";
import { option } from "./support/args.js";
import { runIfScript } from "./support/run-main.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const HOUR = 3600;
const DAY = 86400;
const NOW = Date.UTC(2026, 2, 31, 0, 0, 0);

/** Raw SQL beside the store, to fill big tables in a few statements. */
interface Raw {
  exec(sql: string): Promise<void>;
  one(sql: string): Promise<number>;
  close(): Promise<void>;
}

async function rawOf(backend: string, url: string): Promise<Raw> {
  if (backend === "postgres") {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return { exec: async (sql) => void (await c.query(sql)), one: async (sql) => Number(Object.values((await c.query(sql)).rows[0] ?? {})[0]), close: () => c.end() };
  }
  const db = new Database(url.replace(/^sqlite:/, ""));
  db.pragma("busy_timeout = 60000");
  return { exec: async (sql) => void db.exec(sql), one: async (sql) => Number(Object.values(db.prepare(sql).get() as object)[0]), close: async () => void db.close() };
}

/** n from 0 to count-1, as a row source named s(n). */
const series = (backend: string, count: number) =>
  backend === "postgres" ? `generate_series(0, ${count - 1}) AS s(n)` : `(WITH RECURSIVE r(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM r WHERE n < ${count - 1}) SELECT n FROM r) AS s`;

async function fillDevices(raw: Raw, backend: string, count: number): Promise<void> {
  const id = backend === "postgres" ? "'BENCH-' || lpad(n::text, 7, '0')" : "printf('BENCH-%07d', n)";
  const at = backend === "postgres" ? `to_timestamp(${NOW / 1000})` : String(NOW);
  // The last Inform's time: in device_informs on PostgreSQL (migration 29), in devices on SQLite.
  const informs = backend === "postgres";
  await raw.exec(`INSERT INTO devices (id, manufacturer, oui, product_class, serial_number, registered_at${informs ? "" : ", last_inform_at"})
    SELECT ${id}, 'Acme', 'A1B2C3', 'HGW-' || (n % 5), 'S' || n, ${at}${informs ? "" : `, ${at}`} FROM ${series(backend, count)}`);
  if (informs) await raw.exec(`INSERT INTO device_informs (device_id, last_inform_at) SELECT id, ${at} FROM devices`);
}

/**
 * Buckets of `resolution` for every series of metric `m`, over the `span` seconds before NOW, written
 * a bucket after the other as housekeeping writes them (PostgreSQL's heap keeps that order).
 */
async function fillRollups(raw: Raw, backend: string, m: number, resolution: number, span: number, where = ""): Promise<void> {
  const end = NOW / 1000 - METRIC_EPOCH;
  const v = "((s.id * 7 + b.n * 13) % 1000)";
  await raw.exec(`INSERT INTO metric_rollups (series_id, resolution, bucket, metric_id, count, sum, min, max)
    SELECT s.id, ${resolution}, ${end - span} + b.n * ${resolution}, ${m}, 12, ${v} * 12.0, ${v} - 1.0, ${v} + 1.0
    FROM ${series(backend, span / resolution).replace("AS s", "AS b")} CROSS JOIN metric_series s WHERE s.metric_id = ${m}${where} ORDER BY b.n, s.id`);
}

async function fillRaw(raw: Raw, backend: string, m: number, span: number, every: number, where: string): Promise<void> {
  const end = NOW / 1000 - METRIC_EPOCH;
  await raw.exec(`INSERT INTO metric_samples (series_id, t, metric_id, value)
    SELECT s.id, ${end - span} + b.n * ${every}, ${m}, (s.id * 7 + b.n * 13) % 1000
    FROM ${series(backend, span / every).replace("AS s", "AS b")} CROSS JOIN metric_series s WHERE s.metric_id = ${m}${where} ORDER BY b.n, s.id`);
}

/** Bytes of a table and its indexes. */
async function tableBytes(raw: Raw, backend: string, table: string): Promise<number> {
  if (backend === "postgres") return raw.one(`SELECT pg_total_relation_size('${table}')`);
  return raw.one(`SELECT SUM(pgsize) FROM dbstat WHERE name = '${table}' OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = '${table}')`);
}

async function pool(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await fn(next++);
  }));
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function ingestion(store: Store, o: { devices: number; metrics: number; informs: number; concurrency: number }): Promise<void> {
  const ids = Array.from({ length: o.devices }, (_, i) => `BENCH-${String(i).padStart(7, "0")}`);
  const defs: MetricDefinitionRecord[] = [];
  for (let k = 0; k < o.metrics; k++) {
    const counter = k % 2 === 1;
    defs.push((await store.metrics.putDefinition({
      name: `m${k}`, path: `Device.Bench.M${k}`, kind: counter ? "counter" : "gauge", scale: counter ? 8 : 1, unit: counter ? "bit/s" : "",
      filter: k % 4 === 0 ? 'productClass ^= "HGW"' : "", interval: 0, export: false, description: "",
    }, new Date(NOW))).definition);
  }
  const recorder = new MetricRecorder({ log: silentLogger, onlineWithinMs: 600_000 });
  const observations = (i: number, round: number) => defs.map((d, k) => ({
    path: d.path,
    value: String(d.kind === "counter" ? (i * 1_000_003 + round * 300 * 125_000 * (1 + (k % 3))) % 4294967296 : (i + k + round) % 100),
    type: "xsd:unsignedInt",
  }));
  const run = async (label: string, one: (i: number, round: number, at: Date) => Promise<void>, startAt: number, rounds: readonly number[]) => {
    const lat: number[] = [];
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    for (const round of rounds) {
      const at = new Date(startAt + round * 300_000);
      await pool(o.devices, o.concurrency, async (i) => {
        const s = performance.now();
        await one(i, round, at);
        lat.push(performance.now() - s);
      });
    }
    const secs = (performance.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    const samples = o.devices * o.metrics * rounds.length;
    process.stdout.write(`  ${label.padEnd(34)} ${String(Math.round(samples / secs)).padStart(8)} values/s  per device-Inform p50 ${ms(percentile(lat, 0.5))}  p95 ${ms(percentile(lat, 0.95))}  p99 ${ms(percentile(lat, 0.99))}  heap +${mb(process.memoryUsage().heapUsed - heap0)}\n`);
  };
  process.stdout.write(`ingestion: ${o.devices} devices x ${o.metrics} metrics per Inform, ${o.informs} Informs, ${o.concurrency} at a time\n`);
  const record = (i: number, round: number, at: Date) => store.transaction((tx) => recorder.recordObservations(tx, ids[i]!, observations(i, round), at).then(() => undefined));
  // A device's first Inform with the metrics also makes its series (once in its life): apart.
  const later = Array.from({ length: Math.max(1, o.informs - 1) }, (_, k) => k + 1);
  await run("recordObservations, first Inform", record, NOW - DAY * 1000, [0]);
  await run("recordObservations, next Informs", record, NOW - DAY * 1000, later);
  // The same rows, inserted bare (series looked up once beforehand, as if free).
  const seriesIds = new Map<string, { id: number; metricId: number }[]>();
  for (const id of ids) seriesIds.set(id, (await store.metrics.series(id, defs.map((d) => d.id))).map((s) => ({ id: s.id, metricId: s.metricId })));
  await run("bare INSERT of the same rows", (i, round, at) => store.transaction(async (tx) => {
    const rows: MetricSample[] = seriesIds.get(ids[i]!)!.map((s, k) => ({ seriesId: s.id, metricId: s.metricId, at, value: (i + k + round) % 100 }));
    await tx.metrics.addSamples(rows);
  }), NOW - DAY * 1000 + 150_000, later);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const backend = option(argv, "backend") === "postgres" ? "postgres" : "sqlite";
  const devices = Number(option(argv, "devices") ?? 1000);
  const metrics = Number(option(argv, "metrics") ?? 20);
  const informs = Number(option(argv, "informs") ?? 5);
  const fleet = Number(option(argv, "fleet") ?? 100_000);
  const concurrency = Number(option(argv, "concurrency") ?? 8);
  const runs = Number(option(argv, "runs") ?? 9);
  let url = option(argv, "url");
  let dir: string | null = null;
  if (url === undefined) {
    if (backend === "postgres") throw new Error("--url postgres://... (an empty database) is needed for PostgreSQL");
    dir = mkdtempSync(join(tmpdir(), "provisio-metrics-bench-"));
    url = `sqlite:${join(dir, "bench.sqlite")}`;
  }
  const store = await openStore(url, { postgres: { maxConnections: concurrency } });
  const raw = await rawOf(backend, url);
  try {
    process.stderr.write(`filling ${backend} with ${Math.max(fleet, devices)} devices...\n`);
    await fillDevices(raw, backend, Math.max(fleet, devices));
    await ingestion(store, { devices, metrics, informs, concurrency });

    // A device's series among 1,000 with 30 days of rollups and 7 days of raw samples (one every 5 minutes).
    const tiers = [{ resolution: 0, retention: 7 * DAY }, { resolution: 300, retention: 90 * DAY }, { resolution: 3600, retention: 730 * DAY }];
    const svc = new MetricService(store, tiers, () => new Date(NOW));
    const chart = (await store.metrics.putDefinition({ name: "chart", path: "Device.Bench.Chart", kind: "gauge", scale: 1, unit: "", filter: "", interval: 0, export: false, description: "" }, new Date(NOW))).definition;
    await raw.exec(`INSERT INTO metric_series (device_id, metric_id) SELECT id, ${chart.id} FROM devices WHERE id < 'BENCH-0001000'`);
    process.stderr.write("filling 30 days of hourly buckets for 1,000 series, 5-minute ones and raw samples for 100...\n");
    // Raw samples and 5-minute buckets for a tenth of them (the tables' sizes matter little to a read by index).
    const tenth = " AND s.device_id < 'BENCH-0000100'";
    await fillRaw(raw, backend, chart.id, 7 * DAY, 300, tenth);
    await fillRollups(raw, backend, chart.id, 300, 30 * DAY, tenth);
    await fillRollups(raw, backend, chart.id, 3600, 30 * DAY);
    const device = "BENCH-0000050";
    const from = new Date(NOW - 30 * DAY * 1000);
    const to = new Date(NOW);
    process.stdout.write("a device's 30-day series (goal < 50 ms)\n");
    for (const [label, res, f] of [["auto (1h, 720 points)", "auto", from], ["5m (8,640 points)", "5m", from], ["raw, 7 days (2,016 points)", "raw", new Date(NOW - 7 * DAY * 1000)]] as const) {
      let points = 0;
      const t = await time(runs, async () => (points = (await svc.series(device, chart, f, to, res)).points.length));
      process.stdout.write(`  ${label.padEnd(30)} ${points} points  p50 ${ms(t.p50)}  p90 ${ms(t.p90)}\n`);
    }

    // A fleet aggregate: `fleet` series with 24 hours of hourly buckets.
    const load = (await store.metrics.putDefinition({ name: "fleet", path: "Device.Bench.Fleet", kind: "gauge", scale: 1, unit: "", filter: "", interval: 0, export: true, description: "" }, new Date(NOW))).definition;
    await raw.exec(`INSERT INTO metric_series (device_id, metric_id) SELECT id, ${load.id} FROM devices`);
    process.stderr.write(`filling 24 hourly buckets for ${fleet} series...\n`);
    await fillRollups(raw, backend, load.id, 3600, DAY);
    await store.metrics.setRolledUntil(3600, new Date(NOW));
    await store.metrics.setRolledUntil(300, new Date(NOW));
    if (backend === "postgres") for (const t of ["devices", "metric_series", "metric_samples", "metric_rollups"]) await raw.exec(`VACUUM ANALYZE ${t}`);
    else await raw.exec("ANALYZE");
    // The fleet summaries, as housekeeping makes them (24 hourly buckets a pass): the chart's 30 days, then the last day with the fleet's.
    let passes = 0;
    let last = 0;
    while ((await store.metrics.summarizedUntil(3600))?.getTime() !== NOW) {
      const s0 = performance.now();
      await summarizeMetrics(store, tiers, 24);
      last = performance.now() - s0;
      passes++;
    }
    process.stdout.write(`summarizing (housekeeping): ${passes} passes of 24 hourly buckets; the last day's, with ${fleet} devices' buckets by 4 groupings, ${(last / 1000).toFixed(1)} s\n`);
    process.stdout.write(`a fleet aggregate over ${fleet} devices by product class (goal < 1 s)\n`);
    const query = (span: number, devices: DeviceScope[]) => ({ from: new Date(NOW - span * 1000), to: new Date(NOW), step: HOUR, groupBy: "productClass" as const, devices });
    const cases = [
      ["last hour, 1 step", (span: number) => svc.aggregate(load, query(span, [])), HOUR],
      ["24 hours, 24 steps", (span: number) => svc.aggregate(load, query(span, [])), DAY],
      // Baseline, same run: read from every device's buckets, as a tenant's or a filter's query is.
      ["last hour, from the buckets", async (span: number) => ({ steps: await fleetFigures(store, { metricId: load.id, ...query(span, []) }, HOUR) }), HOUR],
      ["24 hours, from the buckets", async (span: number) => ({ steps: await fleetFigures(store, { metricId: load.id, ...query(span, []) }, HOUR) }), DAY],
    ] as const;
    for (const [label, read, span] of cases) {
      let groups = 0;
      // The long ones from the buckets a few times only: they read 24 times as much.
      const t = await time(span === DAY && label.includes("buckets") ? Math.min(runs, 3) : runs, async () => {
        groups = (await read(span)).steps.reduce((n, s) => n + s.groups.length, 0);
      });
      process.stdout.write(`  ${label.padEnd(30)} ${groups} groups  p50 ${ms(t.p50)}  p90 ${ms(t.p90)}\n`);
    }

    // Bytes per row of each tier, and per sample over two years with the default tiers (5-minute samples).
    const rawRows = await raw.one("SELECT COUNT(*) FROM metric_samples");
    const rollRows = await raw.one("SELECT COUNT(*) FROM metric_rollups");
    const perRaw = (await tableBytes(raw, backend, "metric_samples")) / rawRows;
    const perBucket = (await tableBytes(raw, backend, "metric_rollups")) / rollRows;
    const samples = (730 * DAY) / 300;
    const kept = 7 * 288 * perRaw + 90 * 288 * perBucket + 730 * 24 * perBucket;
    process.stdout.write(`storage: ${perRaw.toFixed(1)} bytes per raw sample (${rawRows} rows), ${perBucket.toFixed(1)} bytes per bucket (${rollRows} rows, indexes included)\n`);
    process.stdout.write(`  a series sampled every 5 minutes, kept raw 7 days, 5m 90 days, 1h 2 years: ${mb(kept)} for ${samples} samples, ${(kept / samples).toFixed(2)} bytes per sample\n`);
    process.stdout.write(`memory: max RSS ${mb(process.resourceUsage().maxRSS * 1024)}\n`);
  } finally {
    await raw.close();
    await store.close();
    if (dir !== null && !argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
  }
}

runIfScript(import.meta.url, main);
