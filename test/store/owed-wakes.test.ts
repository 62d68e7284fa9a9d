// Conformance of owed wakes (migration 22) on both backends: recorded under a claim and a lease, made
// only under that claim while the lease holds, claimed again by another once it has run out, never by
// two claimers at once, kept for later (a rate limit), forgotten once made or once their task is done.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Store } from "../../src/store/index.js";
import { forEachBackend, freshStore } from "../support/pg.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const at = (s: number) => new Date(T0.getTime() + s * 1000);

/** A device with `n` pending tasks; their ids. */
async function tasksOf(s: Store, deviceId: string, n: number): Promise<{ taskId: string; deviceId: string }[]> {
  await s.devices.recordInform({ id: deviceId, manufacturer: "M", oui: "00D09E", productClass: "HGW", serialNumber: deviceId, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
  const out: { taskId: string; deviceId: string }[] = [];
  for (let i = 0; i < n; i++) out.push({ taskId: (await s.tasks.create({ deviceId, name: "reboot", args: {} }, T0)).id, deviceId });
  return out;
}

forEachBackend((b) => {
  describe("owed wakes", () => {
    test("are made under their claim while its lease holds, and claimed again by another once it ran out", async (ctx) => {
      const s = await freshStore(b, ctx);
      const [a, c] = await tasksOf(s, "dev-1", 2);
      await s.transaction((tx) => tx.owedWakes.owe([a!, c!], "first", at(30), T0));
      // A second owing of the same task keeps the first claim.
      await s.owedWakes.owe([a!], "other", at(99), T0);
      assert.deepEqual((await s.owedWakes.list()).map((w) => [w.taskId, w.claim, w.leaseUntil.getTime()]).sort(), [[a!.taskId, "first", at(30).getTime()], [c!.taskId, "first", at(30).getTime()]].sort());

      // Within the lease: nobody else claims them; the holder renews and makes them.
      assert.deepEqual(await s.owedWakes.claimExpired("second", at(29), at(60), 10), []);
      assert.equal(await s.owedWakes.renew(a!.taskId, "first", at(10), at(40)), true);
      assert.equal(await s.owedWakes.renew(a!.taskId, "second", at(10), at(40)), false);
      await s.owedWakes.settle(a!.taskId, "first");
      assert.deepEqual((await s.owedWakes.list()).map((w) => w.taskId), [c!.taskId]);

      // The holder died: once its lease ran out, another claims the wake under a new claim, and the old
      // claim can neither renew nor settle it.
      const taken = await s.owedWakes.claimExpired("second", at(30), at(60), 10);
      assert.deepEqual(taken.map((w) => [w.taskId, w.deviceId, w.claim, w.leaseUntil.getTime()]), [[c!.taskId, "dev-1", "second", at(60).getTime()]]);
      assert.equal(await s.owedWakes.renew(c!.taskId, "first", at(31), at(90)), false);
      await s.owedWakes.settle(c!.taskId, "first");
      assert.equal((await s.owedWakes.list()).length, 1);
      // An expired lease is not renewed by its own holder either: someone else may have claimed it.
      assert.equal(await s.owedWakes.renew(c!.taskId, "second", at(60), at(90)), false);
      await s.owedWakes.settle(c!.taskId, "second");
      assert.deepEqual(await s.owedWakes.list(), []);
    });

    test("a deferred wake waits until its time; wakes of tasks no longer pending are dropped; a deleted device takes its wakes", async (ctx) => {
      const s = await freshStore(b, ctx);
      const [a, c, e] = await tasksOf(s, "dev-2", 3);
      const [g] = await tasksOf(s, "dev-3", 1);
      await s.owedWakes.owe([a!, c!, e!, g!], "k", at(5), T0);
      await s.owedWakes.defer(a!.taskId, "k", at(50));
      await s.tasks.update(c!.taskId, { status: "done", completedAt: T0 });
      await s.devices.delete("dev-3");
      const taken = await s.owedWakes.claimExpired("k2", at(10), at(60), 10);
      assert.deepEqual(taken.map((w) => w.taskId), [e!.taskId]);
      assert.deepEqual((await s.owedWakes.list()).map((w) => w.taskId).sort(), [a!.taskId, e!.taskId].sort());
      assert.deepEqual((await s.owedWakes.claimExpired("k3", at(50), at(80), 10)).map((w) => w.taskId), [a!.taskId]);
      assert.deepEqual((await s.owedWakes.list({ taskIds: [e!.taskId] })).map((w) => w.claim), ["k2"]);
    });

    test("claimers racing for expired wakes never share one, and together take them all", async (ctx) => {
      const s = await freshStore(b, ctx);
      const owed = await tasksOf(s, "dev-4", 40);
      await s.owedWakes.owe(owed, "dead", at(1), T0);
      const claims = await Promise.all(Array.from({ length: 4 }, (_, i) => s.owedWakes.claimExpired(`racer-${i}`, at(2), at(60), 15)));
      const ids = claims.flat().map((w) => w.taskId);
      assert.equal(new Set(ids).size, ids.length, "a wake claimed twice");
      // Whatever the first round left (the limit is per claimer), a second round takes.
      const rest = await s.owedWakes.claimExpired("late", at(2), at(60), 100);
      assert.deepEqual([...ids, ...rest.map((w) => w.taskId)].sort(), owed.map((o) => o.taskId).sort());
      assert.deepEqual(await s.owedWakes.claimExpired("later", at(3), at(60), 100), []);
    });
  });
});
