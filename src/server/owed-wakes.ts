// Connection requests owed for tasks (bulk tasks, fleet diagnostics, task retries), made so that a
// process that dies owing them leaves them to another. They are recorded in the store (owed_wakes),
// under a claim of this process's with a lease, in the transaction that makes them owed where there is
// one; this process then makes them in the background, renewing the lease of each just before making
// it and forgetting it after. Every process's loop claims, under a new claim, those whose lease ran
// out (their owner died, or was too slow to get to them), so none is lost; a wake is made only under a
// live claim, so at most once per lease. A device its rate limit refused is kept until the limit lets
// it through, for whichever process claims it then.

import { randomUUID } from "node:crypto";
import type { Store, StoreTx } from "../store/types.js";
import type { WakeResult } from "./connection-requests.js";
import type { Logger } from "./logger.js";
import { PollLoop } from "./poll-loop.js";

export interface OwedWakeTarget {
  taskId: string;
  deviceId: string;
}

/** Wakes recorded under one claim, to be made once the transaction that recorded them committed. */
export interface OwedBatch {
  claim: string;
  targets: readonly OwedWakeTarget[];
}

export interface OwedWakesOptions {
  leaseMs: number;
  pollMs: number;
  /** Devices woken at once. */
  concurrency: number;
  /** Wakes claimed per pass. */
  batch?: number;
}

export interface OwedWakesDeps {
  store: Store;
  wake(deviceId: string, opts: { taskId: string }): Promise<WakeResult | null>;
  log: Logger;
  clock?: () => Date;
}

/** One device's wakes of one claim: one connection request runs every runnable task of the device. */
interface Job {
  deviceId: string;
  claim: string;
  taskIds: string[];
}

export class OwedWakes {
  private readonly queue: Job[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loop: PollLoop;
  private stopped = false;
  private readonly clock: () => Date;

  constructor(private readonly o: OwedWakesOptions, private readonly d: OwedWakesDeps) {
    this.clock = d.clock ?? (() => new Date());
    this.loop = new PollLoop(() => this.pass(), o.pollMs, (err) => d.log.warn({ err }, "owed connection request pass failed"));
  }

  private leaseFrom(now: Date): Date {
    return new Date(now.getTime() + this.o.leaseMs);
  }

  /** Records wakes owed, in the caller's transaction; `send` the batch once it committed. */
  async owe(tx: StoreTx, targets: readonly OwedWakeTarget[]): Promise<OwedBatch> {
    const claim = randomUUID();
    const now = this.clock();
    await tx.owedWakes.owe(targets, claim, this.leaseFrom(now), now);
    return { claim, targets };
  }

  /** Records wakes owed in a transaction of their own and makes them in the background. */
  async oweAndSend(targets: readonly OwedWakeTarget[]): Promise<void> {
    if (targets.length === 0) return;
    this.send(await this.d.store.transaction((tx) => this.owe(tx, targets)));
  }

  /** Makes the batch's wakes in the background, `concurrency` devices at a time. */
  send(batch: OwedBatch): void {
    const byDevice = new Map<string, string[]>();
    for (const t of batch.targets) byDevice.set(t.deviceId, [...(byDevice.get(t.deviceId) ?? []), t.taskId]);
    for (const [deviceId, taskIds] of byDevice) this.queue.push({ deviceId, claim: batch.claim, taskIds });
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.inFlight.size < this.o.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      const run: Promise<void> = this.make(job)
        .catch((err: unknown) => this.d.log.warn({ err, deviceId: job.deviceId }, "could not make an owed connection request"))
        .finally(() => {
          this.inFlight.delete(run);
          this.pump();
        });
      this.inFlight.add(run);
    }
  }

  private async make(job: Job): Promise<void> {
    const { store } = this.d;
    const now = this.clock();
    const held: string[] = [];
    // Only under a live claim: a lease that ran out may be another process's by now.
    for (const id of job.taskIds) if (await store.owedWakes.renew(id, job.claim, now, this.leaseFrom(now))) held.push(id);
    if (held.length === 0) return;
    const result = await this.d.wake(job.deviceId, { taskId: held[0]! });
    if (result?.outcome === "rate-limited") {
      const until = new Date(this.clock().getTime() + (result.retryAfterMs ?? this.o.pollMs));
      for (const id of held) await store.owedWakes.defer(id, job.claim, until);
      return;
    }
    const at = this.clock();
    for (const id of held.slice(1)) if (result !== null) await store.tasks.recordWake(id, at, result.outcome);
    for (const id of held) await store.owedWakes.settle(id, job.claim);
  }

  start(): void {
    this.loop.start();
  }

  /** One pass: claims the wakes whose lease ran out and queues them; returns how many it claimed. */
  async pass(): Promise<number> {
    const batch = this.o.batch ?? 100;
    // No more claimed than this process is about to make: the rest stay for the others.
    const room = batch - this.queue.length;
    if (this.stopped || room <= 0) return 0;
    const now = this.clock();
    const claim = randomUUID();
    const taken = await this.d.store.owedWakes.claimExpired(claim, now, this.leaseFrom(now), room);
    if (taken.length > 0) this.send({ claim, targets: taken });
    return taken.length;
  }

  /** Resolves once nothing is queued or in flight (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
    // What is still queued goes back at once, not when its lease runs out, to whichever process claims it.
    const left = this.queue.splice(0);
    await Promise.allSettled([...this.inFlight]);
    const now = this.clock();
    try {
      for (const job of left) for (const id of job.taskIds) await this.d.store.owedWakes.defer(id, job.claim, now);
    } catch (err) {
      this.d.log.warn({ err }, "could not give owed connection requests back; their leases run out by themselves");
    }
  }
}
