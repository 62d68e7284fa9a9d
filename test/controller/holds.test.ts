// AgentHolds (src/controller/holds.ts) on a real store: a process takes the wakes carried to it while it
// holds agents, and leaves the store alone while it holds none.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AgentHolds } from "../../src/controller/holds.js";
import { silentLogger } from "../../src/server/logger.js";
import type { UspForwardedWake } from "../../src/store/types.js";
import { eventually } from "../nbi/support.js";
import { backend, freshStore } from "../support/pg.js";

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
