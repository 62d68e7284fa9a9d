// Owed wakes between two processes' loops on one store, on both backends, with a clock of the test's: a
// task retry claimed by a process that died before waking its device is woken by another once the
// lease ran out, once; a wake the rate limit refused is made once the limit lets it through.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DeviceReach, WakeResult } from "../../src/server/connection-requests.js";
import { silentLogger as log } from "../../src/server/logger.js";
import { OwedWakes } from "../../src/server/owed-wakes.js";
import { RetryWaker } from "../../src/server/task-retries.js";
import type { Store } from "../../src/store/index.js";
import { forEachBackend, freshStore } from "../support/pg.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const LEASE = 10_000;

/** A process's owed wakes: the devices it asked to wake, and what each request answers. */
function processOf(store: Store, clock: () => Date, answer: (deviceId: string) => WakeResult["outcome"]) {
  const woken: string[] = [];
  const owed = new OwedWakes({ leaseMs: LEASE, pollMs: 1000, concurrency: 4 }, {
    store, log, clock,
    wake: (deviceId) => {
      woken.push(deviceId);
      const outcome = answer(deviceId);
      const result: WakeResult = { deviceId, outcome, method: "http", attempts: [], durationMs: 0, joined: false, ...(outcome === "rate-limited" ? { retryAfterMs: 5000 } : {}) };
      return Promise.resolve(result);
    },
  });
  return { owed, woken };
}

async function dueRetry(s: Store, deviceId: string): Promise<string> {
  await s.devices.recordInform({ id: deviceId, manufacturer: "M", oui: "00D09E", productClass: "HGW", serialNumber: deviceId, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
  const task = await s.tasks.create({ deviceId, name: "reboot", args: {} }, T0);
  await s.tasks.update(task.id, { attempts: 1, notBefore: new Date(T0.getTime() - 1000) });
  return task.id;
}

const reachable = (deviceId: string) => Promise.resolve({ plan: [{ method: "http", target: `http://${deviceId}/` }] } as unknown as DeviceReach);

forEachBackend((b) => {
  describe("owed wakes between processes", () => {
    test("a retry claimed by a process that died before waking the device is woken by another, once", async (ctx) => {
      const s = await freshStore(b, ctx);
      let now = T0;
      const clock = () => now;
      const taskId = await dueRetry(s, "dev-r");
      // The first process claims the retry and dies before making its wake.
      const dead = processOf(s, clock, () => "accepted");
      const waker = new RetryWaker({ pollMs: 1000, concurrency: 2 }, { store: s, reach: reachable, owed: { owe: (tx, t) => dead.owed.owe(tx, t), send: () => undefined }, log, clock });
      assert.equal(await waker.pass(), 1);
      assert.deepEqual(await s.tasks.dueRetries(now, 10), [], "the retry is claimed");
      assert.deepEqual((await s.owedWakes.list()).map((w) => w.taskId), [taskId]);

      const other = processOf(s, clock, () => "accepted");
      assert.equal(await other.owed.pass(), 0, "not while the dead process's lease holds");
      now = new Date(T0.getTime() + LEASE);
      assert.equal(await other.owed.pass(), 1);
      await other.owed.idle();
      assert.deepEqual([other.woken, dead.woken], [["dev-r"], []]);
      assert.deepEqual(await s.owedWakes.list(), []);
      now = new Date(T0.getTime() + 3 * LEASE);
      assert.equal(await other.owed.pass(), 0);
      assert.deepEqual(other.woken, ["dev-r"]);
      await other.owed.close();
    });

    test("a wake the rate limit refused is kept until it may be made, then made by whichever process claims it", async (ctx) => {
      const s = await freshStore(b, ctx);
      let now = T0;
      const clock = () => now;
      const taskId = await dueRetry(s, "dev-l");
      const one = processOf(s, clock, () => "rate-limited");
      one.owed.send(await s.transaction((tx) => one.owed.owe(tx, [{ taskId, deviceId: "dev-l" }])));
      await one.owed.idle();
      assert.deepEqual(one.woken, ["dev-l"]);
      const [kept] = await s.owedWakes.list();
      assert.equal(kept?.leaseUntil.getTime(), T0.getTime() + 5000);
      const two = processOf(s, clock, () => "accepted");
      now = new Date(T0.getTime() + 4000);
      assert.equal(await two.owed.pass(), 0);
      now = new Date(T0.getTime() + 5000);
      assert.equal(await two.owed.pass(), 1);
      await two.owed.idle();
      assert.deepEqual(two.woken, ["dev-l"]);
      assert.deepEqual(await s.owedWakes.list(), []);
      await Promise.all([one.owed.close(), two.owed.close()]);
    });
  });
});
