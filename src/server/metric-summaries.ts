// Fleet figures (mean, p50, p95, min, max, count over devices of each device's mean per step and group),
// computed from a tier's rows, and the fleet summaries the rollup pass keeps of the hourly (and coarser)
// buckets: percentiles over devices cannot be made from coarser sums, so a day of hourly steps over a
// big fleet would read every device's 24 buckets; summarized when each bucket is made, it reads 24 rows
// per group. A summary holds the groups devices were in when it was made (a device's software version of
// that hour), and serves the whole fleet only: a tenant's or a filter's devices are read from the buckets.

import { bucketStart, summarize, type Summary, type Tier } from "../metrics/index.js";
import type { DeviceScope, MetricGroupBy, Store } from "../store/types.js";
import { SOFTWARE_VERSION_PATHS } from "../model/index.js";

/** About how many device means one read of a fleet aggregate returns. */
const ROWS_PER_READ = 200_000;


/** Tiers with buckets at least this long are summarized. Finer ones would cost a pass over the fleet per few minutes. */
export const SUMMARY_MIN_RESOLUTION = 3600;

export const GROUPINGS: readonly MetricGroupBy[] = ["none", "productClass", "softwareVersion", "tag"];

export interface FleetStep {
  at: Date;
  groups: ({ group: string } & Summary)[];
}

export interface FleetFiguresQuery {
  metricId: number;
  from: Date;
  to: Date;
  step: number;
  groupBy: MetricGroupBy;
  devices: DeviceScope[];
}

/** The fleet figures of [from, to) per step, read from the tier `resolution` (0: raw samples). */
export async function fleetFigures(store: Store, q: FleetFiguresQuery, resolution: number): Promise<FleetStep[]> {
  // A few steps at a time, about ROWS_PER_READ device means each: a long range over a big fleet is
  // never all in memory, and a small fleet is not read a step at a time.
  const stepMs = q.step * 1000;
  const total = Math.ceil((q.to.getTime() - q.from.getTime()) / stepMs);
  const chunk = Math.max(1, Math.floor(ROWS_PER_READ / Math.max(1, await store.metrics.seriesCount(q.metricId))));
  const steps: FleetStep[] = [];
  for (let first = 0; first < total; first += chunk) {
    const from = new Date(q.from.getTime() + first * stepMs);
    const to = new Date(Math.min(q.to.getTime(), from.getTime() + chunk * stepMs));
    const rows = await store.metrics.fleet({ metricId: q.metricId, from, to, step: q.step, resolution, groupBy: q.groupBy, devices: q.devices, versionPaths: SOFTWARE_VERSION_PATHS });
    const cells = new Map<number, Map<string, number[]>>();
    for (const r of rows) {
      let step = cells.get(r.step);
      if (step === undefined) cells.set(r.step, (step = new Map()));
      const values = step.get(r.group);
      if (values === undefined) step.set(r.group, [r.mean]);
      else values.push(r.mean);
    }
    for (const [k, groups] of [...cells.entries()].sort(([a], [b]) => a - b)) {
      steps.push({
        at: new Date(from.getTime() + k * stepMs),
        groups: [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([group, values]) => ({ group, ...summarize(values)! })),
      });
    }
  }
  return steps;
}

/**
 * The fleet figures from the summaries, when they answer the query: the whole fleet, steps of one
 * summarized bucket each, summarized up to `to`. Else null (read the buckets).
 */
export async function summarizedFigures(store: Store, q: FleetFiguresQuery, resolution: number): Promise<FleetStep[] | null> {
  if (q.devices.length > 0 || resolution < SUMMARY_MIN_RESOLUTION || resolution !== q.step) return null;
  const until = await store.metrics.summarizedUntil(resolution);
  if (until === null || until.getTime() < q.to.getTime()) return null;
  const stepMs = q.step * 1000;
  const steps: FleetStep[] = [];
  for (const r of await store.metrics.fleetSteps(q.metricId, resolution, q.groupBy, q.from, q.to)) {
    // The step holding the bucket, as when read from the buckets (from need not be on a bucket's start).
    const at = new Date(q.from.getTime() + Math.floor((r.bucket.getTime() - q.from.getTime()) / stepMs) * stepMs);
    const { bucket: _, group, ...figures } = r;
    if (steps.at(-1)?.at.getTime() !== at.getTime()) steps.push({ at, groups: [] });
    steps.at(-1)!.groups.push({ group, ...figures });
  }
  return steps;
}

/**
 * Summarizes, for each summarized tier, the buckets made since its last pass (at most `buckets` of them):
 * each metric's fleet figures by each grouping. Idempotent (replaced whole), and a gap costs nothing.
 * Returns how many buckets were summarized.
 */
export async function summarizeMetrics(store: Store, tiers: readonly Tier[], buckets: number): Promise<number> {
  let done = 0;
  const defs = await store.metrics.listDefinitions();
  for (const { resolution } of tiers) {
    if (resolution < SUMMARY_MIN_RESOLUTION) continue;
    const made = await store.metrics.rolledUntil(resolution);
    if (made === null) continue;
    const mark = await store.metrics.summarizedUntil(resolution);
    const next = await store.metrics.firstAt(resolution, mark ?? new Date(0));
    if (next === null || next.getTime() >= made.getTime()) {
      if (mark === null || mark.getTime() < made.getTime()) await store.metrics.setSummarizedUntil(resolution, made);
      continue;
    }
    const from = new Date(bucketStart(next.getTime() / 1000, resolution) * 1000);
    const to = new Date(Math.min(from.getTime() + buckets * resolution * 1000, made.getTime()));
    for (const def of defs) {
      for (const groupBy of GROUPINGS) {
        const steps = await fleetFigures(store, { metricId: def.id, from, to, step: resolution, groupBy, devices: [] }, resolution);
        await store.metrics.putFleetSteps(def.id, resolution, groupBy, from, to, steps.flatMap((s) => s.groups.map(({ group, ...f }) => ({ bucket: s.at, group, ...f }))));
      }
    }
    await store.metrics.setSummarizedUntil(resolution, to);
    done += (to.getTime() - from.getTime()) / 1000 / resolution;
  }
  return done;
}
