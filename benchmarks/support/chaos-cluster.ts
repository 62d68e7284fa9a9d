// A throwaway PostgreSQL cluster that a chaos run may crash: scripts/pg-cluster.mjs with commits made
// durable as in production (the test cluster's synchronous_commit=off would lose the last ones).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { pgClusterTools } from "../../test/support/pg-cluster.js";

export interface CrashableCluster {
  url: string;
  /** `pg_ctl stop -m immediate`, then start again on the same port. */
  crashAndRestart(): void;
}

export async function withCrashableCluster<T>(fn: (cluster: CrashableCluster) => Promise<T>): Promise<T> {
  const tools = await pgClusterTools();
  if (!tools.findPgBin()) throw new Error("PostgreSQL server binaries not found (Debian: apt-get install postgresql; or set PROVISIO_PG_BIN)");
  const work = mkdtempSync(join(tmpdir(), "provisio-chaos-pg-"));
  const dir = join(work, "cluster");
  try {
    const url = await tools.startCluster(dir);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // A database setting wins over the server's command line.
      await admin.query("ALTER DATABASE postgres SET synchronous_commit = on");
    } finally {
      await admin.end();
    }
    return await fn({
      url,
      crashAndRestart() {
        tools.haltServer(dir);
        tools.resumeServer(dir);
      },
    });
  } finally {
    tools.stopCluster(dir);
    rmSync(work, { recursive: true, force: true });
  }
}
