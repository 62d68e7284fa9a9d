// The fault-injection proof of `npm run chaos` (benchmarks/chaos.ts), small enough for the suite so that
// it cannot rot: the ACS process SIGKILLed at random moments of the sessions of simulated devices with
// tasks of every kind of write, PostgreSQL crashed too, and then each task settled with its write
// carried out exactly once when done, never when failed.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { withCrashableCluster } from "../../benchmarks/support/chaos-cluster.js";
import { runChaos, type ChaosOptions, type ChaosResult } from "../../benchmarks/support/chaos-run.js";

const small = { kills: 5, devices: 12, maxKillDelayMs: 1_500, settleMs: 60_000 };

function assertProof(r: ChaosResult): void {
  assert.deepEqual(r.violations, [], r.history.join("\n"));
  assert.equal(r.kills, small.kills);
  for (const kind of ["setParameterValues", "addObject", "reboot", "download"]) assert.ok((r.tasks[kind] ?? 0) > 0, `a ${kind} task ran: ${JSON.stringify(r.tasks)}`);
}

describe("fault injection: the ACS killed at random points of sessions", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-chaos-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const seed = Number(process.env.PROVISIO_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const run = (o: Pick<ChaosOptions, "db" | "dataDir"> & Partial<ChaosOptions>) => runChaos({ ...small, seed, ...o });

  it(`on SQLite: no task lost or applied twice (seed ${seed})`, async () => {
    assertProof(await run({ db: `sqlite:${join(dataDir, "acs.db")}`, dataDir: join(dataDir, "sqlite") }));
  });

  it(`on PostgreSQL, crashed twice in the run too: no task lost or applied twice (seed ${seed})`, async () => {
    const r = await withCrashableCluster((cluster) => run({ db: cluster.url, dataDir: join(dataDir, "pg"), restartDatabase: cluster.crashAndRestart, databaseRestarts: 2 }));
    assertProof(r);
    assert.equal(r.databaseRestarts, 2);
  });
});
