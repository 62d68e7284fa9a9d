// Downsampling: a bucket keeps count, sum, min and max of the samples in it, so that coarser buckets
// are made from finer ones exactly (no mean of means), and percentiles over devices of their means.

export interface Bucket {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function bucketOf(values: readonly number[]): Bucket | null {
  if (values.length === 0) return null;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { count: values.length, sum, min, max };
}

/** Several buckets as one (a 1-hour bucket from its 5-minute ones). */
export function mergeBuckets(buckets: readonly Bucket[]): Bucket | null {
  if (buckets.length === 0) return null;
  return buckets.reduce((a, b) => ({ count: a.count + b.count, sum: a.sum + b.sum, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) }));
}

export const meanOf = (b: Bucket): number => b.sum / b.count;

/** The start of the bucket of `resolution` seconds that holds `t` (seconds). */
export const bucketStart = (t: number, resolution: number): number => Math.floor(t / resolution) * resolution;

/**
 * The q-quantile (0..1) of `sorted` (ascending), interpolated between the two nearest ranks (as
 * numpy's default and Prometheus's quantile_over_time); NaN for no values.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Summary {
  count: number;
  mean: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
}

/** mean, p50, p95, min, max and count of values (one per device). */
export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return { count: sorted.length, mean: sum / sorted.length, min: sorted[0]!, max: sorted[sorted.length - 1]!, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}
