// CSV export at scale: every device with three parameters as columns, as GET /api/devices/export
// writes it (src/nbi/csv.ts), on SQLite or PostgreSQL.
//
//   npm run bench:export -- --backend sqlite|postgres [--url URL] [--devices 100000] [--keep]
//
// Baseline in the same run: the bare keyset walk over the same devices (pages of 1,000, no
// parameters, no CSV). Reports devices per second, CSV bytes and the peak heap and RSS seen while the
// export runs (sampled at each chunk), which stay flat whatever the number of devices. The database is
// filled as by bench:list (about 30 parameters a device), and may be reused with --keep and --url.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devicesCsv } from "../src/nbi/csv.js";
import { openStore, type Store } from "../src/store/index.js";
import { fill, T_END } from "./list-query.js";
import { runIfScript } from "./support/run-main.js";
import { option } from "./support/args.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const COLUMNS = ["Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.UpTime", "Device.ManagementServer.PeriodicInformInterval"];

interface Run {
  devices: number;
  ms: number;
  bytes: number;
  peakHeapMb: number;
  peakRssMb: number;
}

function mb(n: number): number {
  return Math.round(n / 1048576);
}

async function baseline(store: Store): Promise<Run> {
  const started = performance.now();
  let peakHeap = 0;
  let peakRss = 0;
  let devices = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.devices.query({ limit: 1000, ...(after !== undefined ? { after } : {}) });
    devices += page.devices.length;
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
    if (page.next === null) break;
    after = page.next;
  }
  return { devices, ms: performance.now() - started, bytes: 0, peakHeapMb: mb(peakHeap), peakRssMb: mb(peakRss) };
}

async function exportCsv(store: Store): Promise<Run> {
  const started = performance.now();
  let peakHeap = 0;
  let peakRss = 0;
  let bytes = 0;
  let lines = 0;
  for await (const chunk of devicesCsv(store, { columns: COLUMNS, now: new Date(T_END), onlineWithinMs: 300_000 })) {
    bytes += Buffer.byteLength(chunk);
    for (let i = chunk.indexOf("\n"); i !== -1; i = chunk.indexOf("\n", i + 1)) lines++;
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  }
  return { devices: lines - 1, ms: performance.now() - started, bytes, peakHeapMb: mb(peakHeap), peakRssMb: mb(peakRss) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const get = (name: string) => option(argv, name);
  const backend = get("backend") === "postgres" ? "postgres" : "sqlite";
  const count = Number(get("devices") ?? 100_000);
  let url = get("url");
  let dir: string | null = null;
  if (url === undefined) {
    if (backend === "postgres") throw new Error("--url postgres://... is needed for PostgreSQL");
    dir = mkdtempSync(join(tmpdir(), "provisio-export-bench-"));
    url = `sqlite:${join(dir, "bench.sqlite")}`;
  }
  const store = await openStore(url, { postgres: { maxConnections: 8 } });
  try {
    const have = await store.devices.count();
    if (have < count) {
      if (have > 0) throw new Error(`the database holds ${have} devices, fewer than asked: start from an empty one`);
      process.stderr.write(`filling ${url} with ${count} devices...\n`);
      await fill(store, count, backend);
    }
    const rows: [string, Run][] = [["keyset walk, no parameters, no CSV (baseline)", await baseline(store)], ["CSV export, 3 parameter columns", await exportCsv(store)]];
    process.stdout.write(`| ${backend}, ${count} devices | devices | seconds | devices/s | CSV MB | peak heap MB | peak RSS MB |\n|---|---:|---:|---:|---:|---:|---:|\n`);
    for (const [name, r] of rows) {
      process.stdout.write(`| ${name} | ${r.devices} | ${(r.ms / 1000).toFixed(1)} | ${Math.round(r.devices / (r.ms / 1000))} | ${(r.bytes / 1048576).toFixed(1)} | ${r.peakHeapMb} | ${r.peakRssMb} |\n`);
    }
  } finally {
    await store.close();
    if (dir !== null && !argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
  }
}

runIfScript(import.meta.url, main);
