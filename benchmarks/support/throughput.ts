// Throughput and latency of one synchronous call run back to back for a fixed time, for the in-process
// codec benchmarks.

import { percentile } from "./timing.js";

export interface Throughput {
  /** Calls per second. */
  perSec: number;
  /** Bytes handled per second, in MB, when each call handles `bytes`. */
  mbPerSec: number;
  p50us: number;
  p99us: number;
}

/** Runs `fn` for `warmMs`, then for `seconds`, timing every call. */
export function throughput(fn: () => unknown, bytes: number, seconds: number, warmMs = 300): Throughput {
  const warmEnd = performance.now() + warmMs;
  while (performance.now() < warmEnd) fn();
  const samples: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    const t0 = now;
    fn();
    now = performance.now();
    samples.push(now - t0);
  }
  const elapsed = (now - start) / 1000;
  samples.sort((a, b) => a - b);
  return {
    perSec: samples.length / elapsed,
    mbPerSec: (samples.length * bytes) / elapsed / 1e6,
    p50us: percentile(samples, 0.5) * 1000,
    p99us: percentile(samples, 0.99) * 1000,
  };
}
