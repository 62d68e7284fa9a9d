// Transactions that share one database transaction (TransactionOptions.group, PostgreSQL's
// groupTransactions): one BEGIN and COMMIT for the group, every member's answer after the commit; a
// member that fails fails them all, itself with its own error, the others with STORE_GROUP_ABORTED, and
// nothing of any is committed. Without the option, or on SQLite, transactions are their own.

import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import { StoreCounters, StoreError, type Store } from "../../src/store/index.js";
import { forEachBackend, twoStores } from "../support/pg.js";

const codeOf = (err: unknown) => (err instanceof StoreError ? err.code : (err as Error).message);

forEachBackend((b) => {
  describe("grouped transactions", () => {
    const open = async (ctx: TestContext, groupTransactions: number): Promise<{ store: Store; counters: StoreCounters; other: Store }> => {
      const counters = new StoreCounters();
      return { ...(await twoStores(b, ctx, { postgres: { groupTransactions, counters } })), counters };
    };
    const grouped = b.name === "postgres";

    test("run together in one database transaction, answered once it committed", async (ctx) => {
      const { store, counters, other } = await open(ctx, 4);
      const before = counters.commits;
      const seenAtAnswer: (unknown)[] = [];
      const results = await Promise.all([1, 2, 3, 4].map((i) => store.transaction(async (tx) => {
        await tx.settings.set(`k${i}`, { i });
        return i;
      }, { group: true }).then(async (r) => {
        // Committed by the time the member is answered: another store sees it.
        seenAtAnswer.push(await other.settings.get(`k${r}`));
        return r;
      })));
      assert.deepEqual(results, [1, 2, 3, 4]);
      assert.deepEqual(seenAtAnswer.map((v) => (v as { i: number }).i).sort(), [1, 2, 3, 4]);
      if (grouped) assert.equal(counters.commits - before, 1, "one COMMIT for the four");
      // A fifth beyond the group's size, and transactions that do not ask, are their own.
      const alone = counters.commits;
      await Promise.all([5, 6].map((i) => store.transaction((tx) => tx.settings.set(`k${i}`, { i }))));
      if (grouped) assert.equal(counters.commits - alone, 2);
    });

    test("fail together when one fails: its own error for it, STORE_GROUP_ABORTED for the others, nothing committed", async (ctx) => {
      const { store, other } = await open(ctx, 4);
      const outcomes = await Promise.allSettled([
        store.transaction((tx) => tx.settings.set("a", 1), { group: true }),
        store.transaction(async (tx) => {
          await tx.settings.set("b", 2);
          throw new Error("member b gave up");
        }, { group: true }),
        store.transaction(async (tx) => {
          await tx.settings.set("c", 3);
          return "c";
        }, { group: true }),
      ]);
      const reasons = outcomes.map((o) => (o.status === "rejected" ? codeOf(o.reason) : "ok"));
      if (grouped) {
        assert.deepEqual(reasons, ["STORE_GROUP_ABORTED", "member b gave up", "STORE_GROUP_ABORTED"]);
        for (const k of ["a", "b", "c"]) assert.equal(await other.settings.get(k), undefined, `${k} not committed`);
      } else {
        assert.deepEqual(reasons, ["ok", "member b gave up", "ok"], "on SQLite each is its own");
        assert.equal(await other.settings.get("b"), undefined);
      }
    });

    if (grouped) {
      test("fail together when a statement fails in the database, as a required row that is missing", async (ctx) => {
        const { store, other } = await open(ctx, 4);
        const outcomes = await Promise.allSettled([
          store.transaction((tx) => tx.settings.set("x", 1), { group: true }),
          store.transaction(async (tx) => {
            await tx.settings.set("y", 2);
            return tx.sessions.save("no-such-session", 1, {}, new Date(Date.now() + 60_000), { last: true });
          }, { group: true }),
        ]);
        const reasons = outcomes.map((o) => (o.status === "rejected" ? codeOf(o.reason) : `ok ${JSON.stringify(o.value)}`));
        assert.equal(reasons[0], "STORE_GROUP_ABORTED");
        assert.notEqual(reasons[1], "STORE_GROUP_ABORTED", "the member whose statement failed gets its own outcome");
        assert.equal(await other.settings.get("x"), undefined);
        assert.equal(await other.settings.get("y"), undefined);
        // And the store goes on: the next group commits.
        await Promise.all([store.transaction((tx) => tx.settings.set("z", 3), { group: true }), store.transaction((tx) => tx.settings.set("w", 4), { group: true })]);
        assert.equal(await other.settings.get("z"), 3);
      });

      test("tell a member that caught the error its statement got for another's failure that the group failed", async (ctx) => {
        const { store } = await open(ctx, 4);
        let release = () => {};
        const gate = new Promise<void>((r) => (release = r));
        const outcomes = await Promise.allSettled([
          store.transaction(async (tx) => {
            await tx.settings.set("p", 1);
            // Runs its next statement once the other member's has failed, and swallows its error.
            await gate;
            await tx.settings.set("q", 2).catch(() => undefined);
            return "swallowed";
          }, { group: true }),
          store.transaction(async (tx) => {
            try {
              await tx.sessions.save("no-such-session", 1, {}, new Date(Date.now() + 60_000), { last: true });
            } finally {
              release();
            }
          }, { group: true }),
        ]);
        assert.equal(outcomes[0]!.status === "rejected" ? codeOf(outcomes[0]!.reason) : "ok", "STORE_GROUP_ABORTED");
        assert.notEqual(outcomes[1]!.status === "rejected" ? codeOf(outcomes[1]!.reason) : "ok", "STORE_GROUP_ABORTED");
      });

      test("tell every member of a group PostgreSQL failed to break a deadlock STORE_GROUP_ABORTED, the one whose statement it failed too", async (ctx) => {
        // Groups of two: A holds x and wants y, B holds y and wants x. Neither member of the group that
        // PostgreSQL picks is at fault (the cycle runs through the other member's row), so both run
        // again on their own, as the CWMP handler does with STORE_GROUP_ABORTED.
        const { store, other } = await open(ctx, 2);
        await other.settings.set("x", 0);
        await other.settings.set("y", 0);
        let heldX = () => {};
        let heldY = () => {};
        const both = Promise.all([new Promise<void>((r) => (heldX = r)), new Promise<void>((r) => (heldY = r))]);
        const member = (group: string, key: string, then?: () => void) => store.transaction(async (tx) => {
          if (then === undefined) await both;
          await tx.settings.set(key, group);
          then?.();
          return group;
        }, { group: true });
        const outcomes = await Promise.allSettled([member("A", "x", heldX), member("A", "y"), member("B", "y", heldY), member("B", "x")]);
        const reasons = outcomes.map((o) => (o.status === "rejected" ? codeOf(o.reason) : o.value));
        const failed = reasons[0] === "A" ? [2, 3] : [0, 1];
        const committed = reasons[0] === "A" ? "A" : "B";
        assert.deepEqual(failed.map((i) => reasons[i]), ["STORE_GROUP_ABORTED", "STORE_GROUP_ABORTED"], `outcomes: ${reasons.join(", ")}`);
        const cause = (outcomes[failed[0]!] as PromiseRejectedResult).reason as Error;
        assert.equal((cause.cause as { code?: unknown }).code, "40P01", "the deadlock is the group's cause");
        assert.deepEqual(reasons.filter((r) => r === committed), [committed, committed]);
        assert.equal(await other.settings.get("x"), committed);
        assert.equal(await other.settings.get("y"), committed);
      });

      test("send the group's COMMIT with the last statement of the member that runs last", async (ctx) => {
        const { store, counters, other } = await open(ctx, 4);
        const expires = () => new Date(Date.now() + 60_000);
        // The first member is done before the second issues its last statement: that statement ends the
        // group. Two round trips (BEGIN with the first write, the last write with COMMIT), not three.
        const run = async (last: boolean, n: number) => {
          let firstDone = () => {};
          const done = new Promise<void>((r) => (firstDone = r));
          const [before, commits] = [counters.roundTrips, counters.commits];
          const results = await Promise.all([
            store.transaction(async (tx) => {
              await tx.settings.set(`first${n}`, n);
              firstDone();
            }, { group: true }),
            store.transaction(async (tx) => {
              await done;
              // Settled only after the first member's callback returned.
              await new Promise((r) => setImmediate(r));
              return tx.sessions.acquire(`dev-${n}`, `s-${n}`, { n }, expires(), { last });
            }, { group: true }),
          ]);
          assert.equal(results[1]?.id, `s-${n}`);
          assert.equal(counters.commits - commits, 1);
          return counters.roundTrips - before;
        };
        assert.equal(await run(true, 1), 2, "the COMMIT travels with the last statement");
        assert.equal(await run(false, 2), 3, "without `last`, the COMMIT is a round trip of its own");
        for (const n of [1, 2]) {
          assert.equal(await other.settings.get(`first${n}`), n);
          assert.equal((await other.sessions.ofDevice(`dev-${n}`))?.id, `s-${n}`);
        }
      });

      test("keep the group open for the members still running when one sends its last statement, and take no one after the one that ends it", async (ctx) => {
        const { store, counters, other } = await open(ctx, 4);
        const expires = () => new Date(Date.now() + 60_000);
        let lastSent = () => {};
        const sent = new Promise<void>((r) => (lastSent = r));
        const commits = counters.commits;
        let late: Promise<unknown> | undefined;
        await Promise.all([
          // Still running when the other member's last statement goes: its next statement must find the
          // transaction open, and commit with the group.
          store.transaction(async (tx) => {
            await tx.settings.set("running", 1);
            await sent;
            await tx.settings.set("after", 2);
          }, { group: true }),
          store.transaction(async (tx) => {
            const acquired = tx.sessions.acquire("dev-a", "s-a", {}, expires(), { last: true });
            lastSent();
            return acquired;
          }, { group: true }),
        ]);
        assert.equal(counters.commits - commits, 1);
        assert.equal(await other.settings.get("after"), 2);
        // A member alone: its last statement ends the group at once, so a transaction asking to join
        // right after it gets a group of its own instead of a closed one.
        await store.transaction(async (tx) => {
          const acquired = tx.sessions.acquire("dev-b", "s-b", {}, expires(), { last: true });
          late = store.transaction((tx2) => tx2.settings.set("late", 3), { group: true });
          return acquired;
        }, { group: true });
        await late;
        assert.equal(await other.settings.get("late"), 3);
        assert.equal((await other.sessions.ofDevice("dev-b"))?.id, "s-b");
      });

      test("are their own with groupTransactions 1", async (ctx) => {
        const { store, counters } = await open(ctx, 1);
        const before = counters.commits;
        await Promise.all([1, 2, 3].map((i) => store.transaction((tx) => tx.settings.set(`k${i}`, i), { group: true })));
        assert.equal(counters.commits - before, 3);
      });
    }
  });
});
