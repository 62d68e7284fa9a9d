// Provisioning faults across sessions: what a session could not apply stays on record until a session
// applies every provision cleanly, which clears it (the session knows from its Inform whether the device
// has such faults; one that had none looks for none at its end: session-round-trips counts that). On
// both backends.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cwmpFault, xsdValue, type CwmpMessage } from "../../src/cwmp/index.js";
import type { AcsEvent } from "../../src/server/events.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

const PATH = "Device.DeviceInfo.ProvisioningCode";

forEachBackend((backend) => {
  describe("provisioning faults across sessions", () => {
    let t: TestAcs;
    const seen: AcsEvent[] = [];
    before(async () => {
      t = await startTestAcs(backend);
      t.acs.events.subscribe((e) => seen.push(e));
      const now = new Date();
      await t.acs.store.provisioning.put("provision", "pf", { name: "pf", kind: "declarative", declarations: [{ path: PATH, maxAge: 0 }] }, now);
      await t.acs.store.provisioning.put("preset", "pf", { name: "pf", enabled: true, weight: 0, filter: "", events: [], provisions: [{ name: "pf" }] }, now);
    });
    after(() => t.stop());

    /** One session; the provision's read is answered by `answer`. Returns the RPC methods the ACS sent. */
    async function session(c: TestCpe, events: string[], answer: (rpc: CwmpMessage) => CwmpMessage): Promise<string[]> {
      assert.equal((await c.inform(events)).status, 200);
      const methods: string[] = [];
      let reply = await c.send(null);
      while (reply.status === 200 && methods.length < 10) {
        const rpc = rpcIn(reply);
        methods.push(rpc.method);
        reply = await c.answer(reply, answer(rpc));
      }
      assert.equal(reply.status, 204);
      return methods;
    }

    const provisionFaults = async (deviceId: string) => (await t.acs.store.faults.list({ deviceId })).filter((f) => f.channel.startsWith("provisions:"));

    it("a clean session clears the faults an earlier session raised; a device with none has none to clear", async () => {
      const failing = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { serialNumber: "PF-FAIL" } });
      const clean = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { serialNumber: "PF-CLEAN" } });
      try {
        const refuse = () => cwmpFault(9005, "Invalid parameter name");
        const read = (rpc: CwmpMessage): CwmpMessage => {
          assert.equal(rpc.method, "GetParameterValues");
          return { method: "GetParameterValuesResponse", parameterList: [{ name: PATH, value: xsdValue("xsd:string", "ZT") }] };
        };
        assert.deepEqual(await session(failing, ["0 BOOTSTRAP", "1 BOOT"], refuse), ["GetParameterValues"]);
        const raised = await provisionFaults(failing.deviceId);
        assert.equal(raised.length, 1, "the refused read is a provisioning fault");
        // Another device's clean sessions leave it alone (and clear nothing of their own).
        assert.deepEqual(await session(clean, ["0 BOOTSTRAP", "1 BOOT"], read), ["GetParameterValues"]);
        assert.deepEqual(await session(clean, ["2 PERIODIC"], read), ["GetParameterValues"]);
        assert.equal((await provisionFaults(failing.deviceId)).length, 1);

        // The failing device's next session applies its provision: the fault is cleared, once.
        assert.deepEqual(await session(failing, ["2 PERIODIC"], read), ["GetParameterValues"]);
        assert.deepEqual(await provisionFaults(failing.deviceId), []);
        const cleared = seen.filter((e) => e.type === "fault.cleared" && e.channel.startsWith("provisions:"));
        assert.deepEqual(cleared.map((e) => [e.deviceId, e.type === "fault.cleared" ? e.channel : ""]), [[failing.deviceId, raised[0]!.channel]]);
      } finally {
        failing.close();
        clean.close();
      }
    });
  });
});
