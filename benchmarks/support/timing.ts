// Repeated timings of one call, for the benchmarks that measure queries in process (no HTTP).

/** The value at fraction `p` (0..1) of an ascending list. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

export interface Timing {
  p50: number;
  p90: number;
  p95: number;
}

/** The p50, p90 and p95 of these durations. */
function summarize(ms: number[]): Timing {
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 0.5), p90: percentile(ms, 0.9), p95: percentile(ms, 0.95) };
}

/** Runs `fn` once to warm up, then `runs` times; the p50, p90 and p95 of those runs, in milliseconds. */
export async function time(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return summarize(ms);
}

/** time() for a synchronous call, without an await between runs (statements in process); warmed up `warmup` times. */
export function timeSync(runs: number, fn: (i: number) => unknown, warmup = 20): Timing {
  for (let i = 0; i < warmup; i++) fn(i);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn(i);
    ms.push(performance.now() - t0);
  }
  return summarize(ms);
}
