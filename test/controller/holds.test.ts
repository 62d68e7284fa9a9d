// AgentHolds (src/controller/holds.ts) on a real store: a process takes the wakes carried to it while it
// holds agents, and leaves the store alone while it holds none; on PostgreSQL it is told of a wake
// carried to it, and takes it long before its poll would.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AgentHolds } from "../../src/controller/holds.js";
import { silentLogger } from "../../src/server/logger.js";
import type { UspForwardedWake } from "../../src/store/types.js";
import { eventually } from "../nbi/support.js";
import { availableBackends, backend, freshStore, twoStores } from "../support/pg.js";

describe("AgentHolds", () => {
  const b = backend("sqlite");

  test("takes the wakes carried to it only while it holds an agent", async (ctx) => {
    const store = await freshStore(b, ctx);
    let held: string[] = [];
    const woken: UspForwardedWake[] = [];
    const holds = new AgentHolds({ instance: "p1", heartbeatMs: 60_000, pollMs: 10 }, {
      store, log: silentLogger, clock: () => new Date(), held: () => held,
      woken: (w) => {
        woken.push(w);
        return true;
      },
    });
    await holds.start();
    try {
      const wake = { endpointId: "os::x-1", deviceId: "dev-1", taskId: null, createdAt: new Date() };
      await store.uspHolds.forward("p1", wake);
      // Many passes of the loop go by (10 ms apart) with no agent held: the wake stays in the store.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(woken.length, 0, "taken while no agent was held");
      held = ["os::x-1"];
      await eventually(() => (woken.length > 0 ? true : undefined), "the wake taken", 5000);
      assert.deepEqual(woken.map((w) => w.endpointId), ["os::x-1"]);
      assert.deepEqual(await store.uspHolds.take("p1", 10), [], "taken once");
    } finally {
      await holds.stop();
    }
  });
});

if (availableBackends().includes("postgres")) {
  describe("AgentHolds on PostgreSQL", () => {
    const b = backend("postgres");

    test("takes a wake another process carried to it when told, not at its next poll", async (ctx) => {
      const { store, other } = await twoStores(b, ctx);
      const woken: UspForwardedWake[] = [];
      const make = (instance: string, seen: UspForwardedWake[]) => new AgentHolds({ instance, heartbeatMs: 60_000, pollMs: 3_600_000 }, {
        store, log: silentLogger, clock: () => new Date(), held: () => ["os::x-1"],
        woken: (w) => {
          seen.push(w);
          return true;
        },
      });
      const holds = make("p1", woken);
      const bystander: UspForwardedWake[] = [];
      const another = make("p3", bystander);
      await holds.start();
      await another.start();
      try {
        // The first pass ran at start; the next poll is an hour away.
        await new Promise((r) => setTimeout(r, 100));
        await other.uspHolds.forward("p1", { endpointId: "os::x-1", deviceId: "dev-1", taskId: "t1", createdAt: new Date() });
        await eventually(() => (woken.length > 0 ? true : undefined), "the wake taken", 10_000);
        assert.deepEqual(woken.map((w) => w.taskId), ["t1"]);
        // In a transaction, the process is told once it commits.
        await other.transaction((tx) => tx.uspHolds.forward("p1", { endpointId: "os::x-1", deviceId: "dev-1", taskId: "t2", createdAt: new Date() }));
        await eventually(() => (woken.length > 1 ? true : undefined), "the second wake taken", 10_000);
        assert.deepEqual(woken.map((w) => w.taskId), ["t1", "t2"]);
        assert.equal(bystander.length, 0, "a wake for p1 is not p3's");
        assert.deepEqual(await store.uspHolds.take("p3", 10), []);
      } finally {
        await another.stop();
        await holds.stop();
      }
    });
  });
}
