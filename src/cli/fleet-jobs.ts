// `provisio fleet generate --jobs N`: the devices split into N runs of consecutive indexes, each written
// by a worker thread (fleet-worker.ts) with its own connections, so that making the devices (one core's
// work per process) uses more than one core. Progress is the workers' summed.
import { Worker } from "node:worker_threads";
import { SimSetupError, type GenerateOptions, type GenerateProgress } from "../sim/runtime/index.js";
import type { FleetWorkerData, FleetWorkerMessage } from "./fleet-worker.js";

/** Splits `o`'s devices into `jobs` runs and writes them at once; the options were checked by the caller. */
export async function generateInWorkers(url: string, o: GenerateOptions, jobs: number): Promise<GenerateProgress> {
  const started = performance.now();
  const per = Math.ceil(o.devices / jobs);
  const parts: FleetWorkerData[] = [];
  for (let from = o.start; from < o.start + o.devices; from += per) {
    const { onProgress: _, ...options } = o;
    parts.push({ url, options: { ...options, start: from, devices: Math.min(per, o.start + o.devices - from) } });
  }
  const latest = parts.map((): GenerateProgress => ({ devices: 0, values: 0, rows: 0, ms: 0 }));
  const total = (): GenerateProgress => ({
    devices: latest.reduce((n, p) => n + p.devices, 0), values: latest.reduce((n, p) => n + p.values, 0),
    rows: latest.reduce((n, p) => n + p.rows, 0), ms: performance.now() - started,
  });
  const workers = parts.map((data) => new Worker(new URL("./fleet-worker.js", import.meta.url), { workerData: data }));
  try {
    await Promise.all(workers.map((w, i) => new Promise<void>((resolve, reject) => {
      w.on("message", (m: FleetWorkerMessage) => {
        if ("error" in m) {
          reject(m.code === undefined ? new Error(m.error) : new SimSetupError(m.code as SimSetupError["code"], m.error));
          return;
        }
        latest[i] = m.progress;
        o.onProgress?.(total());
      });
      w.on("error", reject);
      w.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`fleet generate: worker ${i + 1} exited with ${code}`))));
    })));
  } finally {
    // After a failure the others stop where they are: what they wrote is whole batches (--start, --replace finish it).
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return total();
}
