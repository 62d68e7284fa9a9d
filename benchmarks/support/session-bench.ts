// What the session benchmarks (bench:sessions, bench:multi) share: the ACS's preset, a provision that
// reads BENCH_PARAMETERS at every session (maxAge 0), so that each session has one GetParameterValues
// to go through provisioning and storage; and the simulated gateways that inform every second.

import { loadModel, startSimulation, type SessionReport, type Simulation } from "../../src/sim/runtime/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { BENCH_PARAMETERS } from "./baseline-server.js";

/** The bootstrap credentials the session benchmarks give the ACS and the devices. */
export const BENCH_USER = "bench";
export const BENCH_PASS = "bench-password-0123456789";

export async function seedBenchPreset(db: string): Promise<void> {
  const store = await openStore(db);
  try {
    await seedBenchPresetIn(store);
  } finally {
    await store.close();
  }
}

export async function seedBenchPresetIn(store: Store): Promise<void> {
  await store.provisioning.put("provision", "bench-refresh", { name: "bench-refresh", kind: "declarative", declarations: BENCH_PARAMETERS.map((path) => ({ path, maxAge: 0 })) }, new Date());
  await store.provisioning.put("preset", "bench", { name: "bench", enabled: true, weight: 0, filter: "", events: [], provisions: [{ name: "bench-refresh" }] }, new Date());
}

/** TR-181 gateways informing every second, `concurrency` sessions in flight at most; `values` adds to their model's. */
export function startBenchDevices(o: { url: string; devices: number; concurrency: number; serialPrefix: string; values?: Record<string, string>; rampMs?: number; onSession: (r: SessionReport) => void }): Promise<Simulation> {
  return startSimulation({
    acsUrl: o.url,
    devices: o.devices,
    model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": "1", ...o.values } }),
    identity: { acsUsername: BENCH_USER, acsPassword: BENCH_PASS, serialPrefix: o.serialPrefix },
    connectionRequests: false,
    concurrency: o.concurrency,
    rampMs: o.rampMs ?? 2000,
    cpe: { periodicJitterMs: 500 },
    httpTimeoutMs: 60_000,
    onSession: o.onSession,
  });
}
