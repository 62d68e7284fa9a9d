// scripts/pg-cluster.mjs --batch: the throwaway cluster's processes, and the backends it forks later,
// run as SCHED_BATCH (so that a backend woken by the ACS does not take its core), also after a crash and
// restart; without it, as the system's default.

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import pg from "pg";
import { schedPolicy } from "../../benchmarks/support/processes.js";
import { pgClusterTools } from "../support/pg-cluster.js";

async function backendPolicy(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    return schedPolicy(rows[0]!.pid);
  } finally {
    await client.end();
  }
}

describe("pg-cluster --batch", () => {
  it("runs the server's backends as SCHED_BATCH, after a restart too, and leaves them alone without it", async (ctx) => {
    const tools = await pgClusterTools();
    const batchDir = join(mkdtempSync(join(tmpdir(), "provisio-pgbatch-")), "c");
    const plainDir = join(mkdtempSync(join(tmpdir(), "provisio-pgplain-")), "c");
    ctx.after(() => {
      tools.stopCluster(batchDir);
      tools.stopCluster(plainDir);
    });
    const batchUrl = await tools.startCluster(batchDir, { batch: true });
    assert.equal(await backendPolicy(batchUrl), "SCHED_BATCH");
    tools.haltServer(batchDir);
    tools.resumeServer(batchDir);
    assert.equal(await backendPolicy(batchUrl), "SCHED_BATCH", "after a crash and restart");
    const plainUrl = await tools.startCluster(plainDir);
    assert.equal(await backendPolicy(plainUrl), "SCHED_OTHER");
  });
});
