// Wakes devices for task retries. A task that failed waits out its back-off (notBefore); without this
// it would run only at the device's next periodic Inform, hours later. When the back-off ends, one
// process (the one whose conditional update claims the retry in the store) sends a connection request,
// so that several processes on one database wake a device once, and a retry that fell due while every
// process was down is found by the first pass after start. A device with no way to be reached is not
// asked: its task waits for its Inform (the API's nextAttemptBy says so).

import type { Store, TaskRecord } from "../store/types.js";
import type { DeviceReach, WakeResult } from "./connection-requests.js";
import type { Logger } from "./logger.js";

export interface RetryWakerDeps {
  store: Store;
  reach(deviceId: string): Promise<DeviceReach | null>;
  wake(deviceId: string, opts: { taskId: string }): Promise<WakeResult | null>;
  log: Logger;
  clock?: () => Date;
}

export interface RetryWakerOptions {
  pollMs: number;
  /** Devices woken at once. */
  concurrency: number;
  /** Retries read per pass. */
  batch?: number;
}

export class RetryWaker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Devices this process's rate limit refused, until when: their retries are claimed again after. */
  private readonly deferred = new Map<string, number>();
  private readonly clock: () => Date;

  constructor(private readonly o: RetryWakerOptions, private readonly d: RetryWakerDeps) {
    this.clock = d.clock ?? (() => new Date());
  }

  start(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .then(() => undefined, (err: unknown) => this.d.log.warn({ err }, "task retry wake pass failed"))
        .finally(() => {
          this.running = null;
          this.schedule(this.o.pollMs);
        });
    }, ms);
    this.timer.unref();
  }

  /** One pass: claims the retries due and wakes their devices; returns the devices asked to wake. */
  async pass(): Promise<number> {
    const now = this.clock();
    for (const [id, until] of this.deferred) if (until <= now.getTime()) this.deferred.delete(id);
    const due = (await this.d.store.tasks.dueRetries(now, this.o.batch ?? 100)).filter((t) => !this.deferred.has(t.deviceId));
    const byDevice = new Map<string, TaskRecord[]>();
    for (const t of due) {
      if (!(await this.d.store.tasks.claimRetryWake(t.id, now))) continue;
      const list = byDevice.get(t.deviceId) ?? [];
      list.push(t);
      byDevice.set(t.deviceId, list);
    }
    const queue = [...byDevice];
    let woken = 0;
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined && !this.stopped; next = queue.shift()) {
        try {
          if (await this.wakeFor(next[0], next[1])) woken++;
        } catch (err) {
          this.d.log.warn({ err, deviceId: next[0] }, "could not wake a device for a task retry");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, queue.length) }, worker));
    return woken;
  }

  private async wakeFor(deviceId: string, tasks: TaskRecord[]): Promise<boolean> {
    const reach = await this.d.reach(deviceId);
    const now = this.clock();
    if (reach === null || reach.plan.length === 0) {
      // Recorded without a request: the API shows the task waiting for the device's Inform.
      for (const t of tasks) await this.d.store.tasks.recordWake(t.id, now, "no-method");
      return false;
    }
    // One request per device: it runs every runnable task of the device in the session it opens.
    const result = await this.d.wake(deviceId, { taskId: tasks[0]!.id });
    if (result?.outcome === "rate-limited") {
      this.deferred.set(deviceId, now.getTime() + (result.retryAfterMs ?? this.o.pollMs));
      for (const t of tasks) await this.d.store.tasks.releaseRetryWake(t.id);
      return false;
    }
    if (result !== null) for (const t of tasks.slice(1)) await this.d.store.tasks.recordWake(t.id, now, result.outcome);
    return result !== null;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
  }
}
