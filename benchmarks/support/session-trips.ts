// What one CWMP session of the sessions benchmark asks of the store: statements, round trips,
// transactions and COMMITs per session, counted by the store's driver (StoreCounters) while simulated
// devices run the benchmark's session against an ACS in this process. Counts do not depend on the
// machine's speed, so they show what a change to the store's work did where timings are too noisy.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.js";
import { startAcs } from "../../src/server/acs.js";
import { loadModel, startSimulation, type SessionReport, type Simulation } from "../../src/sim/runtime/index.js";
import { openStore, StoreCounters, type CountsSnapshot, type Store } from "../../src/store/index.js";
import { BENCH_PARAMETERS } from "./baseline-server.js";

export const BENCH_USER = "bench";
export const BENCH_PASSWORD = "bench-password-0123456789";

/** The preset that makes the ACS read the benchmark's 10 parameters in every session (maxAge 0). */
export async function seedBenchPreset(store: Store): Promise<void> {
  await store.provisioning.put("provision", "bench-refresh", { name: "bench-refresh", kind: "declarative", declarations: BENCH_PARAMETERS.map((path) => ({ path, maxAge: 0 })) }, new Date());
  await store.provisioning.put("preset", "bench", { name: "bench", enabled: true, weight: 0, filter: "", events: [], provisions: [{ name: "bench-refresh" }] }, new Date());
}

/** The benchmark's devices: TR-181 gateways that inform every second (with jitter), with the bootstrap login. */
export function benchSimulation(url: string, o: { devices: number; concurrency: number; serialPrefix: string; rampMs: number; httpTimeoutMs?: number; onSession: (r: SessionReport) => void }): Promise<Simulation> {
  return startSimulation({
    acsUrl: url,
    devices: o.devices,
    model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": "1" } }),
    identity: { acsUsername: BENCH_USER, acsPassword: BENCH_PASSWORD, serialPrefix: o.serialPrefix },
    connectionRequests: false,
    concurrency: o.concurrency,
    rampMs: o.rampMs,
    cpe: { periodicJitterMs: 500 },
    ...(o.httpTimeoutMs === undefined ? {} : { httpTimeoutMs: o.httpTimeoutMs }),
    onSession: o.onSession,
  });
}

export interface TripsPerSession extends CountsSnapshot {
  /** Sessions counted over. */
  sessions: number;
}

export interface TripsOptions {
  devices: number;
  /** Completed sessions counted over. */
  sessions: number;
  /** Sessions in flight at once. */
  concurrency: number;
}

/**
 * Runs `devices` simulated devices against an ACS on the store at `db` (seeded with the benchmark's
 * preset) until each has completed a session (bootstraps, not counted), then counts the store's work
 * over the next `sessions` completed sessions. The counts include what the ACS does in the background
 * meanwhile (the outbox's tail, webhook polls), as in the benchmark: at a rate of sessions like the
 * benchmark's, that is a small part of them.
 */
export async function sessionTrips(db: string, o: TripsOptions): Promise<TripsPerSession> {
  const counters = new StoreCounters();
  const store = await openStore(db, { postgres: { counters }, sqlite: { counters } });
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-bench-trips-"));
  try {
    await seedBenchPreset(store);
    const config = loadConfig({
      file: {
        dataDir,
        db,
        log: { level: "silent" },
        cwmp: { host: "127.0.0.1", port: 0, bootstrapUsername: BENCH_USER, bootstrapPassword: BENCH_PASSWORD },
        nbi: { enabled: false },
        files: { enabled: false },
        stun: { enabled: false },
      },
    });
    const acs = await startAcs(config, { store });
    try {
      return await count(acs.cwmpUrl, counters, o);
    } finally {
      await acs.close();
    }
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function count(url: string, counters: StoreCounters, o: TripsOptions): Promise<TripsPerSession> {
  const warmedUp = new Set<number>();
  let counted = 0;
  let start: CountsSnapshot | null = null;
  let end: CountsSnapshot | null = null;
  const sim = await benchSimulation(url, {
    devices: o.devices,
    concurrency: o.concurrency,
    serialPrefix: "TRIPS",
    rampMs: 1000,
    onSession: (r) => {
      if (!r.ok) return;
      if (start !== null && end === null && ++counted === o.sessions) end = counters.snapshot();
      warmedUp.add(r.device);
      if (start === null && warmedUp.size === o.devices) start = counters.snapshot();
    },
  });
  try {
    const deadline = Date.now() + 300_000;
    while (end === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    await sim.stop();
  }
  if (start === null || end === null) throw new Error(`the devices did not complete ${o.sessions} sessions in time`);
  const [s, e]: [CountsSnapshot, CountsSnapshot] = [start, end];
  const per = (k: keyof CountsSnapshot) => (e[k] - s[k]) / counted;
  return { sessions: counted, statements: per("statements"), roundTrips: per("roundTrips"), transactionRoundTrips: per("transactionRoundTrips"), transactions: per("transactions"), commits: per("commits") };
}
