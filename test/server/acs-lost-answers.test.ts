// An RPC whose answer was lost (the CPE died after applying it, or the ACS died before committing its
// answer) is not sent again when the device's next Inform shows that it took effect: the ParameterKey for
// SetParameterValues, AddObject and DeleteObject, "M Reboot" with the Reboot's CommandKey, "0 BOOTSTRAP"
// after a FactoryReset. Whether the next Inform finds the old session or housekeeping settled it first.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { xsdValue, type CwmpMessage, type ParameterValueStruct } from "../../src/cwmp/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

const KEY = "Device.ManagementServer.ParameterKey";

interface Kind {
  task: string;
  args: unknown;
  method: string;
  /** What the device reports after applying the RPC `rpc`: events, and its ParameterKey. */
  applied(rpc: CwmpMessage): { events: string[]; key: string };
  confirmed: string;
}

const keyOf = (rpc: CwmpMessage) => ("parameterKey" in rpc ? rpc.parameterKey : "");

const KINDS: Kind[] = [
  { task: "setParameterValues", args: { parameterValues: [{ name: "Device.DeviceInfo.ProvisioningCode", value: "P1", type: "xsd:string" }] }, method: "SetParameterValues", applied: (r) => ({ events: ["2 PERIODIC"], key: keyOf(r) }), confirmed: "ParameterKey" },
  { task: "addObject", args: { objectName: "Device.NAT.PortMapping." }, method: "AddObject", applied: (r) => ({ events: ["2 PERIODIC"], key: keyOf(r) }), confirmed: "ParameterKey" },
  { task: "deleteObject", args: { objectName: "Device.NAT.PortMapping.3." }, method: "DeleteObject", applied: (r) => ({ events: ["2 PERIODIC"], key: keyOf(r) }), confirmed: "ParameterKey" },
  { task: "reboot", args: {}, method: "Reboot", applied: (r) => ({ events: ["1 BOOT", `M Reboot|${r.method === "Reboot" ? r.commandKey : ""}`], key: "before" }), confirmed: "M Reboot" },
  { task: "factoryReset", args: {}, method: "FactoryReset", applied: () => ({ events: ["0 BOOTSTRAP", "1 BOOT"], key: "" }), confirmed: "0 BOOTSTRAP" },
];

const withKey = (key: string): ParameterValueStruct[] => [
  { name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "1.0.0") },
  { name: KEY, value: xsdValue("xsd:string", key) },
];

forEachBackend((backend) => {
  describe("an RPC whose answer was lost", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend, { manualClock: true, settings: { cwmp: { sessionTimeout: 30 } } });
    });
    after(() => t.stop());

    /** A known device in a session with `name` as its task (created just before): the ACS's first RPC. */
    async function sessionWith(name: string, args: unknown, maxAttempts = 3) {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"], withKey("before"));
      await c.send(null);
      const task = await t.acs.tasks.create(c.deviceId, name, args, { maxAttempts });
      await c.inform(["2 PERIODIC"], withKey("before"));
      return { c, task, first: await c.send(null) };
    }

    /** A device with the task's RPC sent to it and left unanswered: the CPE is gone, its connection closed. */
    async function inFlight(kind: Kind, maxAttempts = 3) {
      const { c, task, first } = await sessionWith(kind.task, kind.args, maxAttempts);
      const rpc = rpcIn(first);
      assert.equal(rpc.method, kind.method);
      c.reset();
      return { c, task, rpc };
    }

    it("a write in flight settled by the next Inform: the values that Inform reports are what is stored", async () => {
      // The settlement records the values the write set; the Inform, written with the exchange's first
      // reads, reports the device's own: its value wins (the device changed it since).
      const { c, task, rpc } = await inFlight(KINDS[0]!);
      const reported = [...withKey(keyOf(rpc)), { name: "Device.DeviceInfo.ProvisioningCode", value: xsdValue("xsd:string", "P2") }];
      assert.equal((await c.inform(["2 PERIODIC"], reported)).status, 200);
      assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
      const stored = await t.acs.store.parameters.get(c.deviceId, ["Device.DeviceInfo.ProvisioningCode", KEY]);
      assert.deepEqual(stored.map((p) => [p.path, p.value]), [["Device.DeviceInfo.ProvisioningCode", "P2"], [KEY, keyOf(rpc)]]);
      assert.equal((await c.send(null)).status, 204);
    });

    for (const kind of KINDS) {
      for (const path of ["the next Inform", "housekeeping"] as const) {
        it(`${kind.method}, applied, settled by ${path}: done, not sent again`, async () => {
          const { c, task, rpc } = await inFlight(kind);
          if (path === "housekeeping") {
            t.advance(31_000);
            assert.equal((await t.acs.housekeep()).sessions >= 1, true);
            assert.equal((await t.acs.tasks.get(task.id))?.status, "pending");
          }
          const { events, key } = kind.applied(rpc);
          assert.equal((await c.inform(events, withKey(key))).status, 200);
          const after = await t.acs.tasks.get(task.id);
          assert.deepEqual([after?.status, after?.result], ["done", { confirmed: kind.confirmed }]);
          assert.deepEqual(await t.acs.store.faults.list({ deviceId: c.deviceId }), []);
          const next = await c.send(null);
          assert.equal(next.status, 204, `nothing sent again, got ${next.envelope?.body?.method}`);
          c.close();
        });
      }

      it(`${kind.method}, not applied: sent again`, async () => {
        const { c, task } = await inFlight(kind);
        assert.equal((await c.inform(["2 PERIODIC"], withKey("before"))).status, 200);
        const after = await t.acs.tasks.get(task.id);
        assert.deepEqual([after?.status, after?.attempts, after?.lastFault?.code], ["pending", 1, "session.replaced"]);
        assert.equal(rpcIn(await c.send(null)).method, kind.method);
        c.close();
      });
    }

    for (const values of [false, true]) {
      it(`an addObject interrupted after the instance was added is not added again (${values ? "with" : "without"} values to set)`, async () => {
        const args = { objectName: "Device.NAT.PortMapping.", ...(values ? { parameterValues: [{ name: "Description", value: "x", type: "xsd:string" }] } : {}) };
        const { c, task, first: add } = await sessionWith("addObject", args);
        assert.equal(rpcIn(add).method, "AddObject");
        assert.equal(rpcIn(await c.answer(add, { method: "AddObjectResponse", instanceNumber: 7, status: 0 })).method, "GetParameterNames");
        c.reset(); // dies while the ACS reads the new instance
        assert.equal((await c.inform(["2 PERIODIC"], withKey(keyOf(rpcIn(add))))).status, 200);
        const after = await t.acs.tasks.get(task.id);
        if (!values) {
          assert.deepEqual([after?.status, after?.result], ["done", { instanceNumber: 7, path: "Device.NAT.PortMapping.7." }]);
          assert.equal((await c.send(null)).status, 204, "AddObject is not sent again");
          c.close();
          return;
        }
        // It resumes where it broke off, on the instance it made.
        assert.deepEqual([after?.status, after?.lastFault?.detail], ["pending", { resume: { phase: "names", instance: 7 } }]);
        const names = await c.send(null);
        assert.deepEqual(rpcIn(names), { method: "GetParameterNames", parameterPath: "Device.NAT.PortMapping.7.", nextLevel: false });
        const read = await c.answer(names, { method: "GetParameterNamesResponse", parameterList: [{ name: "Device.NAT.PortMapping.7.Description", writable: true }] });
        assert.equal(rpcIn(read).method, "GetParameterValues");
        const set = await c.answer(read, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.NAT.PortMapping.7.Description", value: xsdValue("xsd:string", "") }] });
        const spv = rpcIn(set);
        assert.equal(spv.method, "SetParameterValues");
        assert.notEqual(keyOf(spv), keyOf(rpcIn(add)), "each write has a ParameterKey of its own");
        assert.equal((await c.answer(set, { method: "SetParameterValuesResponse", status: 0 })).status, 204);
        assert.deepEqual((await t.acs.tasks.get(task.id))?.result, { instanceNumber: 7, path: "Device.NAT.PortMapping.7." });
        c.close();
      });
    }

    for (const path of ["the next Inform", "housekeeping"] as const) {
      it(`an addObject with values whose AddObject answer was lost, confirmed by the ParameterKey (settled by ${path}), fails with task.interrupted (its values were never set) and is not added again`, async () => {
        const args = { objectName: "Device.NAT.PortMapping.", parameterValues: [{ name: "Description", value: "x", type: "xsd:string" }] };
        const { c, task, rpc } = await inFlight({ ...KINDS[1]!, args });
        if (path === "housekeeping") {
          t.advance(31_000);
          await t.acs.housekeep();
        }
        assert.equal((await c.inform(["2 PERIODIC"], withKey(keyOf(rpc)))).status, 200);
        const after = await t.acs.tasks.get(task.id);
        assert.deepEqual([after?.status, after?.lastFault?.code, after?.lastFault?.detail], ["failed", "task.interrupted", { confirmed: "ParameterKey" }]);
        assert.equal((await c.send(null)).status, 204, "AddObject is not sent again");
        c.close();
      });
    }

    for (const queued of [true, false]) {
      it(`a Download whose answer was lost is looked for among the queued transfers: ${queued ? "found, it waits for its TransferComplete" : "absent, it is sent again"}`, async () => {
        const download = { task: "download", args: { url: "http://127.0.0.1:9/fw.bin", fileType: "1 Firmware Upgrade Image" }, method: "Download", applied: () => ({ events: [], key: "" }), confirmed: "" };
        const { c, task, rpc } = await inFlight(download);
        const key = rpc.method === "Download" ? rpc.commandKey : "";
        assert.equal((await c.inform(["2 PERIODIC"], withKey("before"))).status, 200);
        const check = await c.send(null);
        assert.equal(rpcIn(check).method, "GetQueuedTransfers", "CWMP 1.0 has no GetAllQueuedTransfers");
        const next = await c.answer(check, { method: "GetQueuedTransfersResponse", transferList: queued ? [{ commandKey: key, state: 2 }] : [{ commandKey: "other", state: 1 }] });
        if (queued) {
          assert.equal(next.status, 204);
          const waiting = await t.acs.tasks.get(task.id);
          assert.deepEqual([waiting?.status, waiting?.result], ["waiting", { queued: { state: 2 } }]);
          await c.inform(["7 TRANSFER COMPLETE", `M Download|${key}`], withKey("before"));
          const done = await c.send({ method: "TransferComplete", commandKey: key, faultStruct: { faultCode: 0, faultString: "" }, startTime: "2026-12-06T00:00:00Z", completeTime: "2026-12-06T00:01:00Z" });
          assert.deepEqual(rpcIn(done), { method: "TransferCompleteResponse" });
          assert.equal((await c.send(null)).status, 204);
          assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
        } else {
          assert.equal(rpcIn(next).method, "Download");
        }
        c.close();
      });
    }

    it("a SetParameterValues confirmed by its ParameterKey stores the values it set, as its answer would have", async () => {
      const { c, task, rpc } = await inFlight(KINDS[0]!);
      assert.equal((await c.inform(["2 PERIODIC"], withKey(keyOf(rpc)))).status, 200);
      assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
      const [code] = await t.acs.store.parameters.get(c.deviceId, ["Device.DeviceInfo.ProvisioningCode"]);
      assert.equal(code?.value, "P1");
      c.close();
    });

    for (const kind of [KINDS[0]!, KINDS[3]!, KINDS[4]!]) {
      it(`${kind.method}, failed by housekeeping with its attempts used up, shown applied by the next Inform: done, with its event`, async () => {
        const { c, task, rpc } = await inFlight(kind, 1);
        t.advance(31_000);
        await t.acs.housekeep();
        const failed = await t.acs.tasks.get(task.id);
        assert.deepEqual([failed?.status, failed?.lastFault?.code], ["failed", "session.timeout"]);
        const { events, key } = kind.applied(rpc);
        assert.equal((await c.inform(events, withKey(key))).status, 200);
        const after = await t.acs.tasks.get(task.id);
        assert.deepEqual([after?.status, after?.result, after?.lastFault], ["done", { confirmed: kind.confirmed }, null]);
        assert.deepEqual(await t.acs.store.faults.list({ deviceId: c.deviceId }), [], "its fault is cleared");
        const completed = await outboxEvents(t.acs.store, (e) => e.type === "task.completed" && (e.payload as { taskId?: string }).taskId === task.id, (l) => l.length > 0);
        assert.deepEqual(completed.map((e) => (e.payload as { result?: unknown }).result), [{ confirmed: kind.confirmed }]);
        assert.equal((await c.send(null)).status, 204);
        c.close();
      });
    }

    it("a task failed by housekeeping that the next Inform does not show applied stays failed, whatever later Informs report", async () => {
      const { c, task } = await inFlight(KINDS[4]!, 1);
      t.advance(31_000);
      await t.acs.housekeep();
      assert.equal((await c.inform(["2 PERIODIC"], withKey("before"))).status, 200);
      await c.send(null);
      // A factory reset later, by someone else, says nothing of this task's.
      assert.equal((await c.inform(["0 BOOTSTRAP", "1 BOOT"], withKey(""))).status, 200);
      assert.equal((await t.acs.tasks.get(task.id))?.status, "failed");
      c.close();
    });

    /** An addObject with a value to set, its SetParameterValues sent and left unanswered. */
    async function settingValues() {
      const args = { objectName: "Device.NAT.PortMapping.", parameterValues: [{ name: "Description", value: "x", type: "xsd:string" }] };
      const { c, task, first: add } = await sessionWith("addObject", args);
      const names = await c.answer(add, { method: "AddObjectResponse", instanceNumber: 4, status: 0 });
      const read = await c.answer(names, { method: "GetParameterNamesResponse", parameterList: [{ name: "Device.NAT.PortMapping.4.Description", writable: true }] });
      const set = rpcIn(await c.answer(read, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.NAT.PortMapping.4.Description", value: xsdValue("xsd:string", "") }] }));
      assert.equal(set.method, "SetParameterValues");
      c.reset();
      return { c, task, addKey: keyOf(rpcIn(add)), setKey: keyOf(set) };
    }

    for (const path of ["the next Inform", "housekeeping"] as const) {
      it(`an addObject whose values' answer was lost, shown set by their own ParameterKey (settled by ${path}): done with its instance, the values stored`, async () => {
        const { c, task, addKey, setKey } = await settingValues();
        assert.notEqual(addKey, setKey);
        assert.ok(addKey.length <= 32 && setKey.length <= 32);
        if (path === "housekeeping") {
          t.advance(31_000);
          await t.acs.housekeep();
        }
        assert.equal((await c.inform(["2 PERIODIC"], withKey(setKey))).status, 200);
        const after = await t.acs.tasks.get(task.id);
        assert.deepEqual([after?.status, after?.result], ["done", { instanceNumber: 4, path: "Device.NAT.PortMapping.4.", confirmed: "ParameterKey" }]);
        const [description] = await t.acs.store.parameters.get(c.deviceId, ["Device.NAT.PortMapping.4.Description"]);
        assert.equal(description?.value, "x");
        assert.equal((await c.send(null)).status, 204, "nothing sent again");
        c.close();
      });

      it(`an addObject whose values' answer was lost, not shown set (settled by ${path}): the values are sent again to the same instance`, async () => {
        const { c, task, addKey } = await settingValues();
        if (path === "housekeeping") {
          t.advance(31_000);
          await t.acs.housekeep();
        }
        assert.equal((await c.inform(["2 PERIODIC"], withKey(addKey))).status, 200);
        assert.equal((await t.acs.tasks.get(task.id))?.status, "pending");
        const again = await c.send(null);
        const set = rpcIn(again);
        assert.equal(set.method, "SetParameterValues");
        assert.deepEqual(set.method === "SetParameterValues" ? set.parameterList.map((p) => p.name) : [], ["Device.NAT.PortMapping.4.Description"]);
        assert.equal((await c.answer(again, { method: "SetParameterValuesResponse", status: 0 })).status, 204);
        assert.deepEqual((await t.acs.tasks.get(task.id))?.result, { instanceNumber: 4, path: "Device.NAT.PortMapping.4." });
        c.close();
      });
    }

    it("a key the device had already shows nothing: the write is sent again", async () => {
      const kind = { ...KINDS[0]!, args: { ...(KINDS[0]!.args as object), parameterKey: "before" } };
      const { c, task, rpc } = await inFlight(kind);
      assert.equal(keyOf(rpc), "before", "a key given with the task is sent as it is");
      assert.equal((await c.inform(["2 PERIODIC"], withKey("before"))).status, 200);
      assert.equal((await t.acs.tasks.get(task.id))?.status, "pending");
      assert.equal(rpcIn(await c.send(null)).method, "SetParameterValues");
      c.close();
    });

    it("a key given with the task confirms the write like a generated one", async () => {
      const kind = { ...KINDS[0]!, args: { ...(KINDS[0]!.args as object), parameterKey: "mine-42" } };
      const { c, task, rpc } = await inFlight(kind);
      assert.equal(keyOf(rpc), "mine-42");
      assert.equal((await c.inform(["2 PERIODIC"], withKey("mine-42"))).status, 200);
      assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
      assert.equal((await c.send(null)).status, 204);
      c.close();
    });
  });
});
