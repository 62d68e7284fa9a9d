// What PostgreSQL did during a benchmark's window, from the server's statistics views and, when the
// server runs on this machine, from /proc: the CPU time of the backends serving one database, and the
// checkpoints the server made (they write every page changed since the last one, whoever changed it),
// and the WAL it wrote (the whole cluster's: the benchmark's database is the only one writing).

import pg from "pg";
import { totalCpuMs } from "./processes.js";

async function query<R>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}

/** The server processes (backends) connected to the database of `url`, this query's own excluded. */
export async function backendPids(url: string): Promise<number[]> {
  const rows = await query<{ pid: number }>(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
  return rows.map((r) => r.pid);
}

/** Checkpoints the server has made since its statistics were reset (PostgreSQL 17 moved them to pg_stat_checkpointer). */
export async function checkpoints(url: string): Promise<number> {
  try {
    const [row] = await query<{ n: string }>(url, "SELECT (num_timed + num_requested)::text AS n FROM pg_stat_checkpointer");
    return Number(row?.n ?? 0);
  } catch {
    const [row] = await query<{ n: string }>(url, "SELECT (checkpoints_timed + checkpoints_req)::text AS n FROM pg_stat_bgwriter");
    return Number(row?.n ?? 0);
  }
}

/** The server's WAL position, as text ("16/B374D848"). */
async function walPosition(url: string): Promise<string> {
  const [row] = await query<{ lsn: string }>(url, "SELECT pg_current_wal_lsn()::text AS lsn");
  return row!.lsn;
}

/** A window's start on the server: its backends' CPU so far, its checkpoint count and its WAL position. */
export interface PgMark {
  cpu: Map<number, number>;
  checkpoints: number;
  wal: string;
}

export async function markPg(url: string): Promise<PgMark> {
  const pids = await backendPids(url);
  return { cpu: new Map(pids.map((p) => [p, totalCpuMs([p])])), checkpoints: await checkpoints(url), wal: await walPosition(url) };
}

/**
 * CPU time (ms) the database's backends used since `from` (0 when the server is not on this machine: its
 * processes are not in /proc), and the checkpoints made meanwhile. A backend that ended meanwhile is
 * missed; one that started counts from its start. And the bytes of WAL written meanwhile.
 */
export async function sincePg(url: string, from: PgMark): Promise<{ cpuMs: number; checkpoints: number; walBytes: number }> {
  const pids = await backendPids(url);
  const cpuMs = pids.reduce((sum, p) => sum + totalCpuMs([p]) - (from.cpu.get(p) ?? 0), 0);
  if (!/^[0-9A-F]+\/[0-9A-F]+$/.test(from.wal)) throw new Error(`not a WAL position: ${from.wal}`);
  const [wal] = await query<{ n: string }>(url, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${from.wal}')::text AS n`);
  return { cpuMs, checkpoints: (await checkpoints(url)) - from.checkpoints, walBytes: Number(wal!.n) };
}
