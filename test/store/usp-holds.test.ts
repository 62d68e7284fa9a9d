// Conformance of USP holds (migration 25) on both backends: a live process's hold names it as the holder,
// a dead one's does not; a hold moves to the process that took the connection over and is released only
// by its holder; wakes carried to a process are taken once, oldest first; a dead process's holds and
// wakes are pruned, and its next heartbeat says so; leaving drops everything of the process.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { forEachBackend, freshStore, queryDirect, twoStores } from "../support/pg.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const at = (s: number) => new Date(T0.getTime() + s * 1000);

const wake = (endpointId: string, taskId: string | null, s: number) => ({ endpointId, deviceId: `dev-${endpointId}`, taskId, createdAt: at(s) });

forEachBackend((b) => {
  describe("USP holds", () => {
    test("name the live holder of an agent, move with the connection, and are released by their holder only", async (ctx) => {
      const s = await freshStore(b, ctx);
      assert.equal(await s.uspHolds.alive("a", T0, at(30)), false, "a process's first heartbeat");
      assert.equal(await s.uspHolds.alive("a", at(10), at(40)), true);
      assert.equal(await s.uspHolds.alive("b", T0, at(30)), false);
      await s.uspHolds.hold(["os::x-1", "os::x-2"], "a", T0);
      assert.equal(await s.uspHolds.holder("os::x-1", at(5)), "a");
      assert.equal(await s.uspHolds.holder("os::x-3", at(5)), null);

      // The agent reconnected to b; a's late release of it changes nothing.
      await s.transaction((tx) => tx.uspHolds.hold(["os::x-1"], "b", at(6)));
      await s.uspHolds.release("os::x-1", "a");
      assert.equal(await s.uspHolds.holder("os::x-1", at(7)), "b");
      await s.uspHolds.release("os::x-2", "a");
      assert.equal(await s.uspHolds.holder("os::x-2", at(7)), null);

      // b's heartbeat ran out at 30: it holds nothing any more, though its rows are still there.
      assert.equal(await s.uspHolds.holder("os::x-1", at(31)), null);
      assert.equal(await s.uspHolds.holder("os::x-1", at(29)), "b");
    });

    test("carry wakes to a process, taken once and in order", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.uspHolds.alive("a", T0, at(30));
      await s.uspHolds.forward("a", wake("os::x-1", "t1", 1));
      await s.uspHolds.forward("a", wake("os::x-2", null, 2));
      await s.uspHolds.forward("a", wake("os::x-3", "t3", 3));
      await s.uspHolds.forward("b", wake("os::x-9", "t9", 1));
      assert.deepEqual(await s.uspHolds.take("a", 2), [wake("os::x-1", "t1", 1), wake("os::x-2", null, 2)]);
      assert.deepEqual(await s.uspHolds.take("a", 10), [wake("os::x-3", "t3", 3)]);
      assert.deepEqual(await s.uspHolds.take("a", 10), []);
      assert.deepEqual(await s.uspHolds.take("b", 10), [wake("os::x-9", "t9", 1)]);
    });

    test("of a dead process are pruned, and of one that leaves are gone", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.uspHolds.alive("dead", T0, at(10));
      await s.uspHolds.alive("live", T0, at(100));
      await s.uspHolds.hold(["os::d-1"], "dead", T0);
      await s.uspHolds.hold(["os::l-1"], "live", T0);
      await s.uspHolds.forward("dead", wake("os::d-1", "t1", 1));
      await s.uspHolds.forward("live", wake("os::l-1", "t2", 1));

      assert.equal(await s.uspHolds.prune(at(5)), 0, "nobody is dead yet");
      assert.equal(await s.uspHolds.prune(at(20)), 1);
      assert.deepEqual(await s.uspHolds.take("dead", 10), []);
      assert.equal(await s.uspHolds.holder("os::l-1", at(20)), "live");
      // The dead process was only paused: its next heartbeat tells it its holds are gone.
      assert.equal(await s.uspHolds.alive("dead", at(21), at(50)), false);
      assert.equal(await s.uspHolds.holder("os::d-1", at(22)), null);

      await s.uspHolds.leave("live");
      assert.equal(await s.uspHolds.holder("os::l-1", at(20)), null);
      assert.deepEqual(await s.uspHolds.take("live", 10), []);
      assert.equal(await s.uspHolds.alive("live", at(21), at(50)), false, "it left: its next start is a first heartbeat");
    });

    test("tell the process a wake was carried to (a hint: SQLite has none), on the connection the outbox's watch uses", async (ctx) => {
      const { url, store: s, other } = await twoStores(b, ctx);
      const told: string[] = [];
      const stopA = await s.watchUspWakes("a", () => told.push("a"));
      const stopB = await s.watchUspWakes("b", () => told.push("b"));
      const stopOutbox = await s.watchOutbox(() => undefined);
      await other.uspHolds.forward("a", wake("os::x-1", "t1", 1));
      if (b.name === "postgres") {
        for (let i = 0; i < 250 && told.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(told, ["a"], "a is told, b is not");
        const [row] = await queryDirect(url, `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN %' AND query LIKE '%' || current_schema() || '"'`);
        assert.equal(row!.n, 1, "one connection listens for all three watches");
        await stopA();
        await other.uspHolds.forward("a", wake("os::x-2", "t2", 2));
        await other.uspHolds.forward("b", wake("os::x-3", "t3", 3));
        for (let i = 0; i < 250 && told.length === 1; i++) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(told, ["a", "b"], "a stopped watching");
      } else {
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(told, []);
      }
      assert.deepEqual((await s.uspHolds.take("a", 10)).map((w) => w.taskId), b.name === "postgres" ? ["t1", "t2"] : ["t1"], "the wakes are in the store either way");
      await stopA();
      await stopB();
      await stopOutbox();
    });
  });
});
