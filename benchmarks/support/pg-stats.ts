// What PostgreSQL did during a benchmark's window, from the server's statistics views and, when the
// server runs on this machine, from /proc: the CPU time of the backends serving one database, and the
// checkpoints the server made (they write every page changed since the last one, whoever changed it),
// and the WAL it wrote (the whole cluster's: the benchmark's database is the only one writing).

import pg from "pg";
import { schedPolicy, totalCpuMs } from "./processes.js";

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
 * missed; one that started counts from its start. And the bytes of WAL written meanwhile, and the
 * scheduling policies of the backends at the end (empty when they are not on this machine).
 */
export async function sincePg(url: string, from: PgMark): Promise<{ cpuMs: number; checkpoints: number; walBytes: number; policies: string[] }> {
  const pids = await backendPids(url);
  const cpuMs = pids.reduce((sum, p) => sum + totalCpuMs([p]) - (from.cpu.get(p) ?? 0), 0);
  // How the backends were scheduled (none: the server is not on this machine).
  const policies = [...new Set(pids.map(schedPolicy).filter((x): x is string => x !== null))].sort();
  if (!/^[0-9A-F]+\/[0-9A-F]+$/.test(from.wal)) throw new Error(`not a WAL position: ${from.wal}`);
  const [wal] = await query<{ n: string }>(url, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${from.wal}')::text AS n`);
  return { cpuMs, checkpoints: (await checkpoints(url)) - from.checkpoints, walBytes: Number(wal!.n), policies };
}

/** One statement's work in a window, from pg_stat_statements. */
export interface StatementStats {
  query: string;
  calls: number;
  /** Execution time, ms, waits included (a busy machine's descheduling too). */
  execMs: number;
  walBytes: number;
}

/**
 * Whether the server keeps pg_stat_statements (loaded at its start: `scripts/pg-cluster.mjs start DIR
 * --stat-statements`); if so, makes the extension in the database of `url` and empties its figures for
 * that database, so that a window's reading holds the window's statements only.
 */
export async function resetStatements(url: string): Promise<boolean> {
  const [loaded] = await query<{ on: boolean }>(url, "SELECT current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%' AS on");
  if (loaded?.on !== true) return false;
  await query(url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  await query(url, "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)");
  return true;
}

/** The database's statements since resetStatements, by execution time. */
export async function readStatements(url: string): Promise<StatementStats[]> {
  const rows = await query<{ query: string; calls: string; exec: number; wal: string }>(url,
    `SELECT query, calls::text AS calls, total_exec_time AS exec, wal_bytes::text AS wal FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC`);
  return rows.map((r) => ({ query: r.query.replace(/\s+/g, " "), calls: Number(r.calls), execMs: Number(r.exec), walBytes: Number(r.wal) }));
}

/** Windows' statements as one list: the same statement's figures added up. */
export function mergeStatements(windows: readonly StatementStats[][]): StatementStats[] {
  const byQuery = new Map<string, StatementStats>();
  for (const w of windows) {
    for (const s of w) {
      const m = byQuery.get(s.query) ?? { query: s.query, calls: 0, execMs: 0, walBytes: 0 };
      byQuery.set(s.query, { query: s.query, calls: m.calls + s.calls, execMs: m.execMs + s.execMs, walBytes: m.walBytes + s.walBytes });
    }
  }
  return [...byQuery.values()].sort((a, b) => b.execMs - a.execMs);
}

/** A Markdown table of the `top` statements by execution time, per session of `sessions`. */
export function statementsTable(stats: readonly StatementStats[], sessions: number, top: number): string[] {
  const total = stats.reduce((n, s) => n + s.execMs, 0);
  const lines = [
    `All statements: ${((1000 * total) / sessions).toFixed(0)} us of execution a session.`,
    "",
    "| statement | calls per session | us per call | us per session | WAL per call |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const s of stats.slice(0, top)) {
    const text = s.query.length > 110 ? `${s.query.slice(0, 110)}...` : s.query;
    lines.push(`| \`${text.replace(/\|/g, "\\|").replace(/`/g, "'")}\` | ${(s.calls / sessions).toFixed(2)} | ${((1000 * s.execMs) / s.calls).toFixed(0)} | ${((1000 * s.execMs) / sessions).toFixed(0)} | ${(s.walBytes / s.calls).toFixed(0)} B |`);
  }
  return lines;
}
