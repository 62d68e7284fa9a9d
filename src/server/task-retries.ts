// Wakes devices for task retries. A task that failed waits out its back-off (notBefore); without this
// it would run only at the device's next periodic Inform, hours later. When the back-off ends, one
// process (the one whose conditional update claims the retry in the store) owes a connection request,
// so that several processes on one database wake a device once, and a retry that fell due while every
// process was down is found by the first pass after start. The wake owed is recorded with the claim
// (owed-wakes.ts): a process that dies between the two leaves it to another, not to the next Inform. A
// device with no way to be reached is not asked: its task waits for its Inform (the API's nextAttemptBy
// says so).

import type { Store, TaskRecord } from "../store/types.js";
import type { DeviceReach } from "./connection-requests.js";
import type { Logger } from "./logger.js";
import type { OwedWakes, OwedWakeTarget } from "./owed-wakes.js";
import { PollLoop } from "./poll-loop.js";

export interface RetryWakerDeps {
  store: Store;
  reach(deviceId: string): Promise<DeviceReach | null>;
  /** Makes the wakes: recorded with the claim, so that a process that dies after claiming leaves them to another. */
  owed: Pick<OwedWakes, "owe" | "send">;
  log: Logger;
  clock?: () => Date;
}

export interface RetryWakerOptions {
  pollMs: number;
  /** Devices looked at once. */
  concurrency: number;
  /** Retries read per pass. */
  batch?: number;
}

export class RetryWaker {
  private readonly loop: PollLoop;
  private stopped = false;
  private readonly clock: () => Date;

  constructor(private readonly o: RetryWakerOptions, private readonly d: RetryWakerDeps) {
    this.clock = d.clock ?? (() => new Date());
    this.loop = new PollLoop(() => this.pass(), o.pollMs, (err) => d.log.warn({ err }, "task retry wake pass failed"));
  }

  start(): void {
    this.loop.start();
  }

  /** One pass: claims the retries due and has their devices woken; returns the devices asked to wake. */
  async pass(): Promise<number> {
    const now = this.clock();
    const due = await this.d.store.tasks.dueRetries(now, this.o.batch ?? 100);
    const byDevice = new Map<string, TaskRecord[]>();
    for (const t of due) byDevice.set(t.deviceId, [...(byDevice.get(t.deviceId) ?? []), t]);
    const queue = [...byDevice];
    let woken = 0;
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined && !this.stopped; next = queue.shift()) {
        try {
          if (await this.wakeFor(next[0], next[1], now)) woken++;
        } catch (err) {
          this.d.log.warn({ err, deviceId: next[0] }, "could not wake a device for a task retry");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, queue.length) }, worker));
    return woken;
  }

  private async wakeFor(deviceId: string, due: TaskRecord[], now: Date): Promise<boolean> {
    // The claim and the wake owed commit together: whoever claims a retry owes its wake until made.
    const batch = await this.d.store.transaction(async (tx) => {
      const claimed: OwedWakeTarget[] = [];
      for (const t of due) if (await tx.tasks.claimRetryWake(t.id, now)) claimed.push({ taskId: t.id, deviceId });
      return claimed.length === 0 ? null : this.d.owed.owe(tx, claimed);
    });
    if (batch === null) return false;
    const reach = await this.d.reach(deviceId);
    if (reach === null || reach.plan.length === 0) {
      // Recorded without a request: the API shows the task waiting for the device's Inform.
      const at = this.clock();
      for (const t of batch.targets) {
        await this.d.store.tasks.recordWake(t.taskId, at, "no-method");
        await this.d.store.owedWakes.settle(t.taskId, batch.claim);
      }
      return false;
    }
    // One request per device (it runs every runnable task of the device in the session it opens); one
    // the rate limit refuses is made once it lets it through.
    this.d.owed.send(batch);
    return true;
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }
}
