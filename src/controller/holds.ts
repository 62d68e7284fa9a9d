// Several controller processes on one store: an agent's WebSocket lives in one of them. This process says
// in the store which agents it holds and that it is alive (a heartbeat), carries a wake it cannot make to
// the holder, and takes the wakes carried to it. A holder that dies stops beating: its holds count for
// nothing once its heartbeat ran out, its agents reconnect to a live process, and their tasks run then.

import { PollLoop } from "../server/poll-loop.js";
import type { Logger } from "../server/logger.js";
import type { Store, UspForwardedWake } from "../store/types.js";

export interface AgentHoldsOptions {
  /** This process's name in the store (random per start). */
  instance: string;
  /** How often this process says it is alive; it counts as dead 3 heartbeats after its last. */
  heartbeatMs: number;
  /** How often it looks for wakes carried to it. */
  pollMs: number;
}

export interface AgentHoldsDeps {
  store: Store;
  log: Logger;
  clock: () => Date;
  /** The agents whose connections this process holds now (said again when the store forgot them). */
  held(): string[];
  /** Starts the session of a wake carried here; false when the agent is no longer connected here. */
  woken(wake: UspForwardedWake): boolean;
}

/** Wakes taken per pass. */
const BATCH = 100;

export class AgentHolds {
  private readonly beat: PollLoop;
  private readonly poll: PollLoop;
  /** Holds and releases are written in the order they happened, so that a quick reconnection ends held. */
  private writes: Promise<void> = Promise.resolve();
  private unwatch: (() => Promise<void>) | null = null;

  constructor(private readonly o: AgentHoldsOptions, private readonly d: AgentHoldsDeps) {
    this.beat = new PollLoop(() => this.heartbeat(), o.heartbeatMs, (err) => d.log.warn({ err }, "USP controller heartbeat failed"));
    this.poll = new PollLoop(() => this.takeWakes(), o.pollMs, (err) => d.log.warn({ err }, "could not take the USP wakes carried to this process"));
  }

  get instance(): string {
    return this.o.instance;
  }

  async start(): Promise<void> {
    await this.heartbeat();
    this.beat.start();
    this.poll.start();
    // A wake carried here is taken at once where the store tells (PostgreSQL), else within pollMs.
    this.unwatch = await this.d.store.watchUspWakes(this.o.instance, () => this.poll.now()).catch((err: unknown) => {
      this.d.log.warn({ err }, "could not watch for USP wakes carried to this process; they are polled for");
      return null;
    });
  }

  async stop(): Promise<void> {
    await this.unwatch?.();
    await this.beat.stop();
    await this.poll.stop();
    await this.writes;
    // Wakes still carried here are dropped: the agents reconnect elsewhere and their tasks run there.
    await this.d.store.uspHolds.leave(this.o.instance).catch((err: unknown) => this.d.log.warn({ err }, "could not leave the USP holds; they lapse with the heartbeat"));
  }

  hold(endpointId: string): void {
    this.write(() => this.d.store.uspHolds.hold([endpointId], this.o.instance, this.d.clock()));
  }

  release(endpointId: string): void {
    this.write(() => this.d.store.uspHolds.release(endpointId, this.o.instance));
  }

  /**
   * Carries a wake to the live process holding the agent: true when there is one (not this process),
   * false when none holds it now (it is offline, or its holder died: it runs its tasks when it reconnects).
   */
  async forward(wake: UspForwardedWake): Promise<boolean> {
    const holder = await this.d.store.uspHolds.holder(wake.endpointId, this.d.clock());
    if (holder === null || holder === this.o.instance) return false;
    await this.d.store.uspHolds.forward(holder, wake);
    return true;
  }

  private write(op: () => Promise<void>): void {
    this.writes = this.writes.then(op).catch((err: unknown) => this.d.log.warn({ err }, "could not record which USP agents this process holds"));
  }

  private async heartbeat(): Promise<void> {
    const now = this.d.clock();
    const { uspHolds } = this.d.store;
    const wasAlive = await uspHolds.alive(this.o.instance, now, new Date(now.getTime() + 3 * this.o.heartbeatMs));
    // First beat, or beats missed long enough for another process to prune us: say again what we hold.
    if (!wasAlive) await uspHolds.hold(this.d.held(), this.o.instance, now);
    await uspHolds.prune(now);
  }

  private async takeWakes(): Promise<void> {
    // Wakes are carried only to a process that holds the agent: holding none, it has none to take but
    // those of agents gone meanwhile, which it could not serve anyway (taken once it holds an agent again,
    // or dropped when it leaves). A process without agents (most, in a CWMP fleet) then asks nothing of
    // the store every pollMs.
    if (this.d.held().length === 0) return;
    for (;;) {
      const wakes = await this.d.store.uspHolds.take(this.o.instance, BATCH);
      for (const w of wakes) {
        if (!this.d.woken(w)) this.d.log.info({ endpointId: w.endpointId, deviceId: w.deviceId, taskId: w.taskId }, "USP wake carried here for an agent no longer connected; its tasks run at its next contact");
      }
      if (wakes.length < BATCH) return;
    }
  }
}
