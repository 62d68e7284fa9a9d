// One timer per device on the simulated clock: a deadline heap and a single clock timer for all of
// them, so that thousands of devices cost one armed timer (and a ManualClock, which scans its timers,
// stays fast). The runtime uses one for the devices' own deadlines (informs, reboots, transfers), each
// connection-request channel one for its keep-alives and retries.

import type { SimClock, TimerHandle } from "./clock.js";
import { DeadlineHeap } from "./deadlines.js";

const BATCH = 2_000;

export class DeviceTimers {
  private readonly heap: DeadlineHeap;
  private timer: TimerHandle | undefined;
  private armedAt: number | undefined;
  private immediate = false;
  private closed = false;
  /** While due devices are handed out, their new deadlines are only recorded: one arm at the end. */
  private firing = false;

  constructor(
    private readonly clock: SimClock,
    capacity: number,
    private readonly onDue: (index: number, now: number) => void,
  ) {
    this.heap = new DeadlineHeap(capacity);
  }

  /**
   * Sets (undefined: clears) the device's deadline, in simulated ms since the epoch. With `arm` false
   * the clock timer is left as it is until the next `arm()` (many deadlines set at once).
   */
  set(index: number, at: number | undefined, arm = true): void {
    if (this.heap.get(index) === at) return;
    this.heap.set(index, at);
    if (arm) this.arm();
  }

  get(index: number): number | undefined {
    return this.heap.get(index);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  arm(): void {
    if (this.closed || this.immediate || this.firing) return;
    const top = this.heap.peek();
    if (top?.at === this.armedAt && this.timer !== undefined) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.armedAt = top?.at;
    if (top === undefined) return;
    const wait = top.at - this.clock.now();
    if (wait <= 0) {
      // Due now: the next turn of the event loop, whatever the clock (a manual one waits for advance()).
      this.immediate = true;
      this.armedAt = undefined;
      setImmediate(() => {
        this.immediate = false;
        this.fire();
      });
      return;
    }
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.armedAt = undefined;
      this.fire();
    }, wait);
  }

  private fire(): void {
    if (this.closed) return;
    const now = this.clock.now();
    this.firing = true;
    try {
      for (let n = 0; n < BATCH; n++) {
        const i = this.heap.popDue(now);
        if (i === undefined) break;
        this.onDue(i, now);
        if (this.closed) return;
      }
    } finally {
      this.firing = false;
    }
    this.arm();
  }
}
