// Importing a GenieACS fleet (`provisio import genieacs --from`, issue 16): devices from devices.ndjson,
// each with 30 typed parameters and two tags, written in batches of --batch devices per transaction.
//
//   npm run bench:genieacs-import -- --backend sqlite|postgres [--url URL] [--devices 20000] [--batch 500]
//
// Baseline in the same run: reading and translating the same file (src/genieacs/, no store), which is
// the floor of what the import can do. Reports devices per second, each batch's latency (p50, p90,
// p99) and the peak heap and RSS sampled after each batch, which stay flat whatever the fleet's size
// since one batch is held at a time.
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { importGenieacs } from "../src/cli/genieacs-import.js";
import { folderSource } from "../src/cli/genieacs-source.js";
import { fileService } from "../src/server/files-wiring.js";
import { loadConfig } from "../src/config/index.js";
import { translateDevice } from "../src/genieacs/index.js";
import { openStore } from "../src/store/index.js";
import { runIfScript } from "./support/run-main.js";
import { percentile } from "./support/timing.js";
import { option } from "./support/args.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const PARAMETERS = 30;

interface Run {
  devices: number;
  ms: number;
  batches: number[];
  peakHeapMb: number;
  peakRssMb: number;
}

const mb = (n: number) => Math.round(n / 1048576);

/** One device as GenieACS's NBI shows it: identity, times, tags, and PARAMETERS values under Device. */
function device(i: number): string {
  const ts = "2024-05-01T10:00:00.000Z";
  const params: Record<string, unknown> = {};
  for (let p = 0; p < PARAMETERS; p++) params[`P${p}`] = p % 3 === 0 ? { _value: i + p, _type: "xsd:unsignedInt", _timestamp: ts } : { _value: `value-${i}-${p}`, _type: "xsd:string", _timestamp: ts };
  const serial = `BENCH${String(i).padStart(8, "0")}`;
  return JSON.stringify({
    _id: `00D09E-HGW-${serial}`,
    _deviceId: { _Manufacturer: "Acme", _OUI: "00D09E", _ProductClass: "HGW", _SerialNumber: serial },
    _registered: "2024-01-01T00:00:00.000Z", _lastInform: ts, _tags: ["migrated", `wave-${i % 10}`],
    Device: { _object: true, DeviceInfo: { _object: true, ...params } },
  });
}

async function writeExport(dir: string, count: number): Promise<void> {
  const out = createWriteStream(join(dir, "devices.ndjson"));
  for (let i = 0; i < count; i++) if (!out.write(device(i) + "\n")) await once(out, "drain");
  out.end();
  await once(out, "finish");
}

function sampler() {
  let heap = 0;
  let rss = 0;
  return {
    sample() {
      const m = process.memoryUsage();
      heap = Math.max(heap, m.heapUsed);
      rss = Math.max(rss, m.rss);
    },
    peaks: () => ({ peakHeapMb: mb(heap), peakRssMb: mb(rss) }),
  };
}

async function baseline(dir: string, batch: number): Promise<Run> {
  const mem = sampler();
  const batches: number[] = [];
  const started = performance.now();
  let devices = 0;
  let t0 = performance.now();
  for await (const g of folderSource(dir).devices()) {
    translateDevice(g);
    if (++devices % batch === 0) {
      batches.push(performance.now() - t0);
      mem.sample();
      t0 = performance.now();
    }
  }
  return { devices, ms: performance.now() - started, batches, ...mem.peaks() };
}

async function imported(url: string, dir: string, batch: number): Promise<Run> {
  const store = await openStore(url, { postgres: { maxConnections: 8 } });
  const mem = sampler();
  const batches: number[] = [];
  try {
    const config = loadConfig({ file: { dataDir: dir }, env: {}, flags: {} });
    const started = performance.now();
    const report = await importGenieacs({
      store, files: fileService(config, store, dir, () => new Date()), source: folderSource(dir), only: ["devices"], dryRun: false, overwrite: false, batchSize: batch, now: () => new Date(),
      onBatch: (_n, ms) => {
        batches.push(ms);
        mem.sample();
      },
    });
    return { devices: report.devices!.create, ms: performance.now() - started, batches, ...mem.peaks() };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const get = (name: string) => option(argv, name);
  const backend = get("backend") === "postgres" ? "postgres" : "sqlite";
  const count = Number(get("devices") ?? 20_000);
  const batch = Number(get("batch") ?? 500);
  const dir = mkdtempSync(join(tmpdir(), "provisio-genieacs-bench-"));
  const url = get("url") ?? (backend === "postgres" ? undefined : `sqlite:${join(dir, "bench.sqlite")}`);
  if (url === undefined) throw new Error("--url postgres://... (an empty database) is needed for PostgreSQL");
  try {
    await writeExport(dir, count);
    const rows: [string, Run][] = [["read and translate, no store (baseline)", await baseline(dir, batch)], [`import, ${batch} devices a transaction`, await imported(url, dir, batch)]];
    process.stdout.write(`| ${backend}, ${count} devices, ${PARAMETERS} parameters each | devices | seconds | devices/s | batch p50 / p90 / p99 ms | peak heap MB | peak RSS MB |\n|---|---:|---:|---:|---:|---:|---:|\n`);
    for (const [name, r] of rows) {
      const b = [...r.batches].sort((x, y) => x - y);
      const p = (q: number) => percentile(b, q).toFixed(0);
      process.stdout.write(`| ${name} | ${r.devices} | ${(r.ms / 1000).toFixed(1)} | ${Math.round(r.devices / (r.ms / 1000))} | ${p(0.5)} / ${p(0.9)} / ${p(0.99)} | ${r.peakHeapMb} | ${r.peakRssMb} |\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runIfScript(import.meta.url, main);
