// The soak benchmark's bookkeeping: what each minute saw, its one-line row, and the verdict over the
// whole run (failed sessions, and the server's memory at the end against the start).

import type { SessionReport } from "../../src/sim/runtime/index.js";

export type TaskOutcome = "done" | "failed" | "unfinished" | "api-error";

/** What one minute saw, and the memory sampled at its end. */
export interface MinuteRow {
  minute: number;
  completed: number;
  failed: number;
  /** Failed sessions by the simulator's failure cause. */
  causes: Record<string, number>;
  p50: number;
  p99: number;
  bootstrapped: number;
  serverRssMb: number;
  /** Heap used by the server's V8, from its /metrics; null when not exposed. */
  serverHeapMb: number | null;
  simRssMb: number;
  tasks: Record<TaskOutcome, number>;
  databaseMb: number | null;
}

/** Collects one minute's sessions and tasks; take() hands them over and starts the next minute. */
export class MinuteCollector {
  private latencies: number[] = [];
  private failed = 0;
  private causes: Record<string, number> = {};
  private tasks = emptyTasks();

  session(r: SessionReport): void {
    if (r.ok) this.latencies.push(r.durationMs);
    else {
      this.failed++;
      const cause = r.cause ?? "unknown";
      this.causes[cause] = (this.causes[cause] ?? 0) + 1;
    }
  }

  task(outcome: TaskOutcome): void {
    this.tasks[outcome]++;
  }

  take(): Pick<MinuteRow, "completed" | "failed" | "causes" | "p50" | "p99" | "tasks"> {
    const lat = this.latencies.sort((a, b) => a - b);
    const row = { completed: lat.length, failed: this.failed, causes: this.causes, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), tasks: this.tasks };
    this.latencies = [];
    this.failed = 0;
    this.causes = {};
    this.tasks = emptyTasks();
    return row;
  }
}

function emptyTasks(): Record<TaskOutcome, number> {
  return { done: 0, failed: 0, unfinished: 0, "api-error": 0 };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export const TABLE_HEADER = [
  "| min | sessions | failed | failure causes | p50 ms | p99 ms | bootstrapped | server RSS MB | server heap MB | simulator RSS MB | tasks done | tasks failed | tasks unfinished | task API errors | database MB |",
  "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
].join("\n");

const mb = (n: number | null) => (n === null ? "-" : n.toFixed(0));

export function formatRow(r: MinuteRow): string {
  const causes = Object.entries(r.causes).map(([c, n]) => `${c} ${n}`).join(", ") || "-";
  return `| ${r.minute} | ${r.completed} | ${r.failed} | ${causes} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.bootstrapped} | ${mb(r.serverRssMb)} | ${mb(r.serverHeapMb)} | ${mb(r.simRssMb)} | ${r.tasks.done} | ${r.tasks.failed} | ${r.tasks.unfinished} | ${r.tasks["api-error"]} | ${r.databaseMb === null ? "-" : r.databaseMb.toFixed(1)} |`;
}

export interface Limits {
  /** Failed sessions, in % of all sessions that ended. */
  maxFailedPercent: number;
  /** Growth of the server's mean RSS from the first window of minutes to the last, in %. */
  maxRssGrowthPercent: number;
}

export interface Verdict {
  sessions: number;
  failed: number;
  failedPercent: number;
  /** Minutes averaged at each end: 10, or a third of the run when it is shorter than 30 minutes. */
  window: number;
  firstRssMb: number;
  lastRssMb: number;
  rssGrowthPercent: number;
  tasks: Record<TaskOutcome, number>;
  /** Why the run fails; empty when it passes. */
  breaches: string[];
}

export function verdict(rows: readonly MinuteRow[], limits: Limits): Verdict {
  const sessions = rows.reduce((n, r) => n + r.completed + r.failed, 0);
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  const failedPercent = sessions === 0 ? 0 : (100 * failed) / sessions;
  const window = Math.max(1, Math.min(10, Math.floor(rows.length / 3)));
  const mean = (rs: readonly MinuteRow[]) => (rs.length === 0 ? 0 : rs.reduce((n, r) => n + r.serverRssMb, 0) / rs.length);
  const firstRssMb = mean(rows.slice(0, window));
  const lastRssMb = mean(rows.slice(-window));
  const rssGrowthPercent = firstRssMb === 0 ? 0 : (100 * (lastRssMb - firstRssMb)) / firstRssMb;
  const tasks = emptyTasks();
  for (const r of rows) for (const k of Object.keys(tasks) as TaskOutcome[]) tasks[k] += r.tasks[k];
  const breaches: string[] = [];
  if (sessions === 0) breaches.push("no session completed");
  if (failedPercent > limits.maxFailedPercent) breaches.push(`failed sessions ${failedPercent.toFixed(3)}% > ${limits.maxFailedPercent}%`);
  if (rssGrowthPercent > limits.maxRssGrowthPercent) breaches.push(`server RSS grew ${rssGrowthPercent.toFixed(1)}% > ${limits.maxRssGrowthPercent}%`);
  return { sessions, failed, failedPercent, window, firstRssMb, lastRssMb, rssGrowthPercent, tasks, breaches };
}

export function formatVerdict(v: Verdict, limits: Limits): string {
  return [
    `Sessions: ${v.sessions} ended, ${v.failed} failed (${v.failedPercent.toFixed(3)}%; limit ${limits.maxFailedPercent}%).`,
    `Server RSS, mean of the first ${v.window} minutes ${v.firstRssMb.toFixed(0)} MB, of the last ${v.window} ${v.lastRssMb.toFixed(0)} MB: ${v.rssGrowthPercent >= 0 ? "+" : ""}${v.rssGrowthPercent.toFixed(1)}% (limit +${limits.maxRssGrowthPercent}%).`,
    `Tasks: ${v.tasks.done} done, ${v.tasks.failed} failed, ${v.tasks.unfinished} unfinished within their wait, ${v.tasks["api-error"]} API errors.`,
    v.breaches.length === 0 ? "PASS" : `FAIL: ${v.breaches.join("; ")}`,
  ].join("\n");
}
