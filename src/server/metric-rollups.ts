// Downsampling and retention of metric samples, a housekeeping pass at a time: each tier's buckets are
// made from the finer tier's once they are over (plus a grace for late samples), up to a bounded number
// per pass, from the first data after the tier's mark (so a gap costs nothing); then what is past its
// retention goes, but never what the next tier has not been made from yet. Buckets are made again whole
// from the finer tier, so a pass run twice, or by two processes at once, writes the same. The hourly
// (and coarser) buckets are then summarized over the fleet (metric-summaries.ts).

import { bucketStart, type Tier } from "../metrics/index.js";
import type { Store } from "../store/types.js";
import { summarizeMetrics } from "./metric-summaries.js";

export interface MetricRollupOptions {
  /** Raw first (resolution 0), then each downsampled tier (metrics.rawRetention and metrics.tiers). */
  tiers: readonly Tier[];
  /** Seconds a bucket stays open after its end (metrics.lateness). */
  lateness: number;
  /** Most buckets of each tier made per pass (metrics.rollupBuckets). */
  rollupBuckets: number;
}

/** Rows deleted at a time, and most such deletes per tier and pass. */
const PRUNE_BATCH = 10_000;
const PRUNE_BATCHES = 10;

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const date = (s: number) => new Date(s * 1000);

/** One pass: buckets written and rows pruned. */
export async function rollUpMetrics(store: Store, o: MetricRollupOptions, now: Date): Promise<{ buckets: number; pruned: number }> {
  let buckets = 0;
  for (let i = 1; i < o.tiers.length; i++) {
    const { resolution } = o.tiers[i]!;
    const finer = o.tiers[i - 1]!.resolution;
    let end = bucketStart(seconds(now) - o.lateness, resolution);
    if (finer > 0) {
      // Only what the finer tier has been made of.
      const finerMark = await store.metrics.rolledUntil(finer);
      if (finerMark === null) continue;
      end = Math.min(end, bucketStart(seconds(finerMark), resolution));
    }
    const mark = await store.metrics.rolledUntil(resolution);
    const next = await store.metrics.firstAt(finer, mark ?? new Date(0));
    if (next === null || seconds(next) >= end) {
      if (mark === null || seconds(mark) < end) await store.metrics.setRolledUntil(resolution, date(end));
      continue;
    }
    const from = bucketStart(seconds(next), resolution);
    const to = Math.min(from + o.rollupBuckets * resolution, end);
    buckets += await store.metrics.rollup(resolution, finer, date(from), date(to));
    await store.metrics.setRolledUntil(resolution, date(to));
  }
  // Before pruning: a summary is made from its buckets (kept as long as they are).
  await summarizeMetrics(store, o.tiers, o.rollupBuckets);
  let pruned = 0;
  for (let i = 0; i < o.tiers.length; i++) {
    const { resolution, retention } = o.tiers[i]!;
    if (retention <= 0) continue;
    let before = seconds(now) - retention;
    const coarser = o.tiers[i + 1];
    if (coarser !== undefined) {
      const made = await store.metrics.rolledUntil(coarser.resolution);
      before = Math.min(before, made === null ? -Infinity : seconds(made));
    }
    if (!Number.isFinite(before)) continue;
    for (let b = 0; b < PRUNE_BATCHES; b++) {
      const n = await store.metrics.prune(resolution, date(before), PRUNE_BATCH);
      pruned += n;
      if (n < PRUNE_BATCH) break;
    }
  }
  return { buckets, pruned };
}
