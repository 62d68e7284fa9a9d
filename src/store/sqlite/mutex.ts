// A FIFO async mutex. `tryLock` lets an uncontended caller run synchronously, without a microtask.
export class Mutex {
  private held = false;
  private readonly waiters: (() => void)[] = [];

  get locked(): boolean {
    return this.held;
  }

  /** How many callers wait for it. */
  get waiting(): number {
    return this.waiters.length;
  }

  tryLock(): boolean {
    if (this.held) return false;
    this.held = true;
    return true;
  }

  lock(): Promise<void> {
    if (this.tryLock()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  unlock(): void {
    const next = this.waiters.shift();
    // Handed straight to the next waiter, so nobody can barge in between.
    if (next) next();
    else this.held = false;
  }
}
