// One of `provisio fleet generate --jobs N`'s workers: devices `start`..`start+devices-1` written through
// a store of its own, its progress posted to the command after each batch. Making a device and its
// tree's JSON is the generation's main cost and runs on one core: workers let a second core share it.
import { parentPort, workerData } from "node:worker_threads";
import { generateFleet, type GenerateOptions, type GenerateProgress } from "../sim/runtime/index.js";
import { openStore } from "../store/index.js";

export interface FleetWorkerData {
  url: string;
  options: Omit<GenerateOptions, "onProgress">;
}

export type FleetWorkerMessage = { progress: GenerateProgress } | { error: string; code?: string };

async function run(data: FleetWorkerData): Promise<void> {
  // The command opened (and migrated) the database before starting its workers.
  const store = await openStore(data.url, { migrate: false, postgres: { maxConnections: 2 } });
  try {
    await generateFleet(store, { ...data.options, onProgress: (progress) => parentPort!.postMessage({ progress } satisfies FleetWorkerMessage) });
  } finally {
    await store.close();
  }
}

run(workerData as FleetWorkerData).catch((err: unknown) => {
  const e = err as { message?: unknown; code?: unknown };
  parentPort!.postMessage({ error: String(e.message ?? err), ...(typeof e.code === "string" ? { code: e.code } : {}) } satisfies FleetWorkerMessage);
});
