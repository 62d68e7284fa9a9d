// Simulated devices whose sessions break off (the connection dropped after the InformResponse, as the
// simulator's "drop" fault does) retry at once against the real ACS, on both storage backends: the retry
// is served rather than refused with 503 until the old session times out, and the RPC the ACS had
// planned for the dropped session counts as an attempt of its task, once.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, ManualClock, startSimulation, type SessionReport, type Simulation } from "../../src/sim/runtime/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { sessionsWhere } from "./support/runtime.js";

const N = 3;

forEachBackend((backend) => {
  describe("simulated devices retrying a dropped session", () => {
    let t: TestAcs;
    let sim: Simulation;
    let clock: ManualClock;
    before(async () => {
      // The ACS's own clock runs in real time: its sessions do not time out during the test.
      t = await startTestAcs(backend, { settings: { cwmp: { sessionTimeout: 600 } } });
      clock = new ManualClock(Date.now());
    });
    after(async () => {
      await sim?.stop();
      await t.stop();
    });

    it("are served at once, and the dropped session's RPC is one attempt", async () => {
      sim = await startSimulation({
        acsUrl: t.url,
        devices: N,
        model: loadModel({ builtin: "tr181-gateway" }),
        identity: { acsUsername: t.username, acsPassword: t.password, serialPrefix: `RETRY${backend.name.slice(0, 2).toUpperCase()}` },
        faults: { rate: 1, kinds: ["drop"] },
        connectionRequests: false,
        clock,
      });
      const first = await sessionsWhere(sim, N, () => true);
      assert.deepEqual(first.map((r) => r.cause), Array(N).fill("injected-drop"));
      const tasks = await Promise.all(sim.devices.map((d) => t.acs.tasks.create(deviceIdOf(d.identity), "reboot", {}, { maxAttempts: 5 })));

      // Two rounds of retries: the first drops the RPC planned with the Inform, the second settles it.
      const retries: SessionReport[] = [];
      for (let round = 0; round < 2; round++) {
        const next = sessionsWhere(sim, N, () => true);
        clock.advance(3_600_000);
        retries.push(...(await next));
      }
      assert.deepEqual(retries.map((r) => r.cause), Array(2 * N).fill("injected-drop"), "no retry refused as a session in progress");
      for (const task of tasks) {
        const now = await t.acs.tasks.get(task.id);
        assert.deepEqual([now?.status, now?.attempts, now?.lastFault?.code], ["pending", 1, "session.replaced"]);
      }
    });
  });
});
