// Fleet summaries of the hourly (and coarser) rollup buckets (migration 20): what a dashboard's day of
// hourly steps over the whole fleet reads, a few rows a step. The rollup pass makes them
// (src/server/metric-summaries.ts); buckets' times are seconds since METRIC_EPOCH, as in metrics.ts.
import type { MetricFleetStep, MetricGroupBy } from "../types.js";
import type { Scope } from "./scope.js";

const toSeconds = (d: Date, epoch: number): number => Math.floor(d.getTime() / 1000) - epoch;

export async function readFleetSteps(s: Scope, epoch: number, metricId: number, resolution: number, groupBy: MetricGroupBy, from: Date, to: Date): Promise<MetricFleetStep[]> {
  const rows = await s.all(
    `SELECT bucket, grp, count, mean, p50, p95, min, max FROM metric_fleet_steps
     WHERE resolution = $1 AND metric_id = $2 AND group_by = $3 AND bucket >= $4 AND bucket < $5 ORDER BY bucket, grp`,
    [Math.floor(resolution), metricId, groupBy, toSeconds(from, epoch), toSeconds(to, epoch)],
  );
  return rows.map((r) => ({
    bucket: new Date((Number(r.bucket) + epoch) * 1000), group: String(r.grp),
    count: Number(r.count), mean: Number(r.mean), p50: Number(r.p50), p95: Number(r.p95), min: Number(r.min), max: Number(r.max),
  }));
}

export function writeFleetSteps(scope: Scope, epoch: number, metricId: number, resolution: number, groupBy: MetricGroupBy, from: Date, to: Date, steps: readonly MetricFleetStep[]): Promise<void> {
  return scope.atomic(async (s) => {
    // Replaced whole: a group no device is in any more goes.
    const res = Math.floor(resolution);
    await s.run("DELETE FROM metric_fleet_steps WHERE resolution = $1 AND metric_id = $2 AND group_by = $3 AND bucket >= $4 AND bucket < $5",
      [res, metricId, groupBy, toSeconds(from, epoch), toSeconds(to, epoch)]);
    if (steps.length === 0) return;
    const src = s.dialect.rowSource(4, [
      { name: "bucket", type: "int" }, { name: "grp", type: "text" }, { name: "count", type: "int" }, { name: "mean", type: "real" },
      { name: "p50", type: "real" }, { name: "p95", type: "real" }, { name: "min", type: "real" }, { name: "max", type: "real" },
    ], steps.map((x) => [toSeconds(x.bucket, epoch), x.group, x.count, x.mean, x.p50, x.p95, x.min, x.max]));
    // ON CONFLICT: two processes summarizing the same buckets at once write the same figures.
    await s.run(
      `INSERT INTO metric_fleet_steps (resolution, metric_id, group_by, bucket, grp, count, mean, p50, p95, min, max)
       SELECT CAST($1 AS INTEGER), CAST($2 AS INTEGER), $3, r.bucket, r.grp, r.count, r.mean, r.p50, r.p95, r.min, r.max FROM ${src.sql} WHERE true
       ON CONFLICT (resolution, metric_id, group_by, bucket, grp) DO UPDATE SET count = excluded.count, mean = excluded.mean,
         p50 = excluded.p50, p95 = excluded.p95, min = excluded.min, max = excluded.max`,
      [res, metricId, groupBy, ...src.params],
    );
  });
}

export async function readSummarizedUntil(s: Scope, epoch: number, resolution: number): Promise<Date | null> {
  const rows = await s.all("SELECT summarized_until FROM metric_rollup_marks WHERE resolution = $1", [Math.floor(resolution)]);
  const t = rows[0]?.summarized_until;
  return t == null ? null : new Date((Number(t) + epoch) * 1000);
}

export async function writeSummarizedUntil(s: Scope, epoch: number, resolution: number, until: Date): Promise<void> {
  // Never backwards, as the rollup marks; a tier is summarized only once rolled up, so its row exists.
  await s.run(
    "UPDATE metric_rollup_marks SET summarized_until = $2 WHERE resolution = $1 AND (summarized_until IS NULL OR summarized_until < $2)",
    [Math.floor(resolution), toSeconds(until, epoch)],
  );
}
