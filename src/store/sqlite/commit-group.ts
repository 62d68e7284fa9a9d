// Group commit for the SQLite connection.
//
// A process has one connection, so its transactions run one after the other anyway; what each one
// costs most is its COMMIT, which writes every page it changed to the WAL (about 15 us a page on the
// benchmark machine). Consecutive transactions share many pages: the tails of the event outbox and of
// the time indexes, the session table. So while others wait for the connection, a transaction that ends
// releases its savepoint and hands the open transaction to the next one; the group commits once nobody
// waits, or when it is large or old enough. Every member's promise is settled only by the commit, so a
// caller never acts on what could still be lost, and a member that fails rolls back to its own savepoint
// without touching the others.

/** Bounds on a group: its write lock keeps other processes out, and its first member waits for the last. */
export const GROUP_LIMITS = { members: 64, ageMs: 20 };

interface Member {
  resolve(): void;
  reject(err: unknown): void;
}

export class CommitGroup {
  private readonly members: Member[] = [];

  constructor(private readonly openedAt: number, private readonly limits = GROUP_LIMITS) {}

  /** A member that finished: its promise settles with the group. */
  add<T>(result: T): Promise<T> {
    return new Promise<T>((resolve, reject) => this.members.push({ resolve: () => resolve(result), reject }));
  }

  /** Whether another caller may still join. */
  takesMore(now: number): boolean {
    return this.members.length < this.limits.members && now - this.openedAt < this.limits.ageMs;
  }

  get size(): number {
    return this.members.length;
  }

  committed(): void {
    for (const m of this.members.splice(0)) m.resolve();
  }

  /** The transaction is gone (a failed COMMIT, or SQLite rolled it back): no member's work stands. */
  fail(err: unknown): void {
    for (const m of this.members.splice(0)) m.reject(err);
  }
}
