// Latency percentiles in constant memory: a log-linear histogram of microseconds (exact below 64 µs,
// then 32 buckets per power of two, so a percentile is within about 3% of the true value), with exact
// count, sum, minimum and maximum. Recording is O(1); a percentile walks 1,200 buckets.

const SUB = 32;
const EXACT = 64;
const MAX_EXP = 40;
const BUCKETS = EXACT + (MAX_EXP - 5) * SUB;

export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

function bucketOf(us: number): number {
  if (us < EXACT) return us;
  const e = Math.min(Math.floor(Math.log2(us)), MAX_EXP);
  const sub = Math.min(Math.floor(us / 2 ** (e - 5)) - SUB, SUB - 1);
  return EXACT + (e - 6) * SUB + sub;
}

/** The middle of a bucket, in microseconds. */
function valueOf(bucket: number): number {
  if (bucket < EXACT) return bucket;
  const e = Math.floor((bucket - EXACT) / SUB) + 6;
  const sub = (bucket - EXACT) % SUB;
  const width = 2 ** (e - 5);
  return (SUB + sub) * width + width / 2;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private n = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = 0;

  /** Records one duration in milliseconds. */
  record(ms: number): void {
    if (!(ms >= 0)) return;
    const us = Math.round(ms * 1000);
    this.counts[bucketOf(us)]!++;
    this.n++;
    this.sum += ms;
    if (ms < this.lo) this.lo = ms;
    if (ms > this.hi) this.hi = ms;
  }

  get count(): number {
    return this.n;
  }

  /** The q-quantile (0..1) in milliseconds; 0 when nothing was recorded. */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return Math.min(this.hi, Math.max(this.lo, valueOf(b) / 1000));
    }
    return this.hi;
  }

  summary(): LatencySummary {
    const round = (x: number) => Math.round(x * 1000) / 1000;
    return {
      count: this.n,
      mean: this.n === 0 ? 0 : round(this.sum / this.n),
      min: this.n === 0 ? 0 : round(this.lo),
      p50: round(this.quantile(0.5)),
      p90: round(this.quantile(0.9)),
      p95: round(this.quantile(0.95)),
      p99: round(this.quantile(0.99)),
      max: round(this.hi),
    };
  }
}
