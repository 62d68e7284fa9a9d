// The runtime's clock and timers, injected so tests can move time by hand. Simulated time drives the
// devices (periodic informs, retries, reboots, scheduled informs); HTTP timeouts and latencies are
// always measured in real time, because they are about the network, not the devices.

export type TimerHandle = unknown;

export interface SimClock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The system clock and Node's timers. Timers do not keep the process alive on their own. */
export const systemClock: SimClock = Object.freeze({
  now: () => Date.now(),
  setTimer(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, Math.min(Math.max(0, ms), 0x7fffffff));
    t.unref();
    return t;
  },
  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
});

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A clock that moves only when told: advance(ms) runs, in time order, every timer that falls due,
 * each seeing now() at its own due time.
 */
export class ManualClock implements SimClock {
  private t: number;
  private seq = 0;
  private readonly timers = new Set<ManualTimer>();

  constructor(start: number) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as ManualTimer);
  }

  /** Moves the clock forward by `ms`, running the timers that fall due on the way. */
  advance(ms: number): void {
    const end = this.t + Math.max(0, ms);
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers) if (timer.at <= end && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer;
      if (next === undefined) break;
      this.timers.delete(next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }

  /** Timers waiting. */
  get pending(): number {
    return this.timers.size;
  }
}
