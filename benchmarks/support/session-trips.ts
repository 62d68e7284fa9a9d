// What one CWMP session of the sessions benchmark asks of the store: statements, round trips,
// PostgreSQL's Syncs, transactions and COMMITs per session, counted by the store's driver (StoreCounters) while simulated
// devices run the benchmark's session against an ACS in this process. Counts do not depend on the
// machine's speed, so they show what a change to the store's work did where timings are too noisy.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.js";
import { startAcs } from "../../src/server/acs.js";
import { openStore, StoreCounters, type CountsSnapshot } from "../../src/store/index.js";
import { BENCH_PASS, BENCH_USER, seedBenchPresetIn, startBenchDevices } from "./session-bench.js";

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
  /** With the default presets: each device's first session discovers its data model (full trees). */
  discovered?: boolean;
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
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-bench-trips-"));
  const config = loadConfig({
    file: {
      dataDir,
      db,
      log: { level: "silent" },
      cwmp: { host: "127.0.0.1", port: 0, bootstrapUsername: BENCH_USER, bootstrapPassword: BENCH_PASS },
      nbi: { enabled: false },
      files: { enabled: false },
      stun: { enabled: false },
      // As the benchmark's ACS: no discovery of new devices unless asked (not the work counted).
      provisioning: { defaultPresets: o.discovered === true },
      usp: { enabled: false },
    },
  });
  // The store as `serve` opens it from this configuration (its groups of transactions), with counters.
  const store = await openStore(db, { postgres: { counters, groupTransactions: config.dbGroupSessions }, sqlite: { counters } });
  try {
    await seedBenchPresetIn(store);
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
  const sim = await startBenchDevices({
    url,
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
  return { sessions: counted, statements: per("statements"), roundTrips: per("roundTrips"), syncs: per("syncs"), transactionRoundTrips: per("transactionRoundTrips"), transactions: per("transactions"), commits: per("commits") };
}
