// Fleet figures: one number per settled run and metric (throughput, latency, loss, ...), and their
// percentiles per group of devices (product class, software version). Pure.

import type { DiagnosticKind } from "./kinds.js";

type Results = { results?: Record<string, unknown>; tables?: Record<string, Record<string, unknown>[]> } | null;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
/** A dateTime in microseconds since the epoch, keeping the fraction a Date would drop; null when not one. */
export function micros(v: unknown): number | null {
  if (typeof v !== "string") return null;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  const frac = /\.(\d+)(?:Z|[+-]\d\d:\d\d)?$/.exec(v.trim())?.[1] ?? "";
  const beyondMs = frac.length > 3 ? Number(`0.${frac.slice(3)}`) * 1000 : 0;
  return t * 1000 + Math.floor(beyondMs);
}

/** Bits per second of a TR-143 transfer: its test bytes over BOMTime..EOMTime. */
function throughput(r: Record<string, unknown>, bytesKey: string): number | null {
  const bytes = num(r[bytesKey]);
  const bom = micros(r.BOMTime);
  const eom = micros(r.EOMTime);
  if (bytes === null || bom === null || eom === null || eom <= bom) return null;
  return Math.round((bytes * 8 * 1_000_000) / (eom - bom));
}

function lossPercent(r: Record<string, unknown>): number | null {
  const ok = num(r.SuccessCount);
  const ko = num(r.FailureCount);
  return ok === null || ko === null || ok + ko === 0 ? null : (100 * ko) / (ok + ko);
}

/** The metrics of one completed run, by name (units in the name). */
export function metricsOf(kind: DiagnosticKind, stored: unknown): Record<string, number> {
  const s = (stored ?? null) as Results;
  const r = s?.results ?? {};
  const out: Record<string, number | null> = {};
  switch (kind) {
    case "download":
      out.throughputBps = throughput(r, "TestBytesReceived");
      break;
    case "upload":
      out.throughputBps = throughput(r, "TestBytesSent") ?? throughput(r, "TotalBytesSent");
      break;
    case "ipPing":
    case "udpEcho":
      out[kind === "ipPing" ? "averageResponseTimeMs" : "averageResponseTimeUs"] = num(r.AverageResponseTime);
      out.lossPercent = lossPercent(r);
      break;
    case "traceRoute":
      out.responseTimeMs = num(r.ResponseTime);
      out.hops = s?.tables?.RouteHops?.length ?? null;
      break;
    case "nsLookup": {
      const times = (s?.tables?.Result ?? []).map((x) => num(x.ResponseTime)).filter((x): x is number => x !== null);
      out.responseTimeMs = times.length === 0 ? null : times.reduce((a, b) => a + b, 0) / times.length;
      break;
    }
    case "serverSelection":
      out.averageResponseTimeUs = num(r.AverageResponseTime);
      break;
    case "wifiScan":
      out.neighbours = s?.tables?.Result?.length ?? 0;
      break;
  }
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, number] => e[1] !== null));
}

export interface Distribution {
  count: number;
  min: number;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of sorted values. */
function rank(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return { count: s.length, min: s[0]!, p10: rank(s, 10), p50: rank(s, 50), p90: rank(s, 90), p99: rank(s, 99), max: s[s.length - 1]! };
}

export interface GroupSummary {
  group: string;
  /** Runs by status (complete, error, timeout, ...). */
  statuses: Record<string, number>;
  metrics: Record<string, Distribution>;
}

/** Percentiles of every metric per group; runs not complete count in `statuses` only. */
export function summarize(kind: DiagnosticKind, runs: readonly { group: string; status: string; results: unknown }[]): GroupSummary[] {
  const groups = new Map<string, { statuses: Record<string, number>; values: Map<string, number[]> }>();
  for (const run of runs) {
    const g = groups.get(run.group) ?? { statuses: {} as Record<string, number>, values: new Map<string, number[]>() };
    groups.set(run.group, g);
    g.statuses[run.status] = (g.statuses[run.status] ?? 0) + 1;
    if (run.status !== "complete") continue;
    for (const [m, v] of Object.entries(metricsOf(kind, run.results))) g.values.set(m, [...(g.values.get(m) ?? []), v]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([group, g]) => ({
      group,
      statuses: g.statuses,
      metrics: Object.fromEntries([...g.values.entries()].map(([m, v]) => [m, distribution(v)!])),
    }));
}
