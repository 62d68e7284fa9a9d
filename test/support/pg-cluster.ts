// scripts/pg-cluster.mjs (the throwaway PostgreSQL clusters `npm test` starts), typed, for tests and
// benchmarks that start and crash clusters of their own.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./paths.js";

export interface PgClusterTools {
  findPgBin(): string | null;
  /** `batch`: the server's processes SCHED_BATCH. */
  startCluster(dir: string, options?: { owner?: number | null; statStatements?: boolean; batch?: boolean }): Promise<string>;
  stopCluster(dir: string): void;
  /** `pg_ctl stop -m immediate`. */
  haltServer(dir: string): void;
  resumeServer(dir: string): void;
}

export async function pgClusterTools(): Promise<PgClusterTools> {
  return (await import(pathToFileURL(join(repoRoot, "scripts", "pg-cluster.mjs")).href)) as PgClusterTools;
}
