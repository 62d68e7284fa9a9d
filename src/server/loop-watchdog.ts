// Tells an operator when the event loop was blocked: every request of the process, on every port,
// waits while it is, and nothing else would say so. A timer that should fire every `intervalMs` is
// compared with the clock; when it fires much later than due, the loop was held (by a synchronous
// piece of work: SQLite's, a parse, a major GC) for about that long. Waits on the store or the network
// do not hold the loop, so a slow answer without a stall logged was a wait, not a block.

import type { Logger } from "./logger.js";

/** How often the watchdog's timer is due, by default: small against any threshold worth logging. */
const INTERVAL_MS = 100;

/** Measures lateness from the times at which a periodic tick ran; no timers of its own (tests drive it). */
export class StallDetector {
  private last: number;

  constructor(
    private readonly intervalMs: number,
    private readonly thresholdMs: number,
    now: number,
  ) {
    this.last = now;
  }

  /** The time the loop was blocked before this tick (ms), when at least the threshold; otherwise null. */
  tick(now: number): number | null {
    const blocked = now - this.last - this.intervalMs;
    this.last = now;
    return blocked >= this.thresholdMs ? blocked : null;
  }
}

export interface LoopWatchdogOptions {
  /** Least block logged and counted (ms); 0: no watchdog. */
  thresholdMs: number;
  log: Logger;
  /** Told of each block at or over the threshold, in ms (the metrics). */
  onStall?: (blockedMs: number) => void;
  intervalMs?: number;
}

/** Starts the watchdog; the timer does not keep the process alive. */
export function startLoopWatchdog(o: LoopWatchdogOptions): { stop(): void } {
  if (o.thresholdMs <= 0) return { stop: () => undefined };
  const intervalMs = o.intervalMs ?? INTERVAL_MS;
  const detector = new StallDetector(intervalMs, o.thresholdMs, performance.now());
  const timer = setInterval(() => {
    const blocked = detector.tick(performance.now());
    if (blocked === null) return;
    o.log.warn({ blockedMs: Math.round(blocked), thresholdMs: o.thresholdMs }, "event loop blocked: every request of this process waited meanwhile");
    o.onStall?.(blocked);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
