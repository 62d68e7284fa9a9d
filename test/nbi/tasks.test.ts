// Tasks through the API, driven by a scripted CPE: created (201), finished within `wait` (200) or not
// (202); values checked against the device's, the standard's or the caller's type before any device
// sees them; cancel and retry; faults; bulk tasks over 1,000 devices.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cwmpFault, xsdValue, type CwmpMessage } from "../../src/cwmp/index.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe, type CpeReply } from "../support/test-cpe.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

forEachBackend((backend) => {
  describe("tasks", () => {
    let t: ApiAcs;
    let operator: ReturnType<ApiAcs["api"]["with"]>;
    before(async () => {
      t = await startApiAcs(backend);
      operator = t.api.with(await t.keyFor("operator"));
    });
    after(() => t.stop());

    async function device(params: { name: string; type: string; value: string }[] = []): Promise<TestCpe> {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, ns: "1-2" });
      await c.inform(["0 BOOTSTRAP"], params.length > 0 ? params.map((p) => ({ name: p.name, value: xsdValue(p.type as "xsd:string", p.value) })) : []);
      await c.send(null);
      return c;
    }

    /** One session in which the CPE answers each RPC in turn; returns the RPCs. */
    async function session(c: TestCpe, answers: ((rpc: CwmpMessage) => CwmpMessage)[]): Promise<CwmpMessage[]> {
      await c.inform(["2 PERIODIC"]);
      let reply: CpeReply = await c.send(null);
      const rpcs: CwmpMessage[] = [];
      for (const answer of answers) {
        const rpc = rpcIn(reply);
        rpcs.push(rpc);
        reply = await c.answer(reply, answer(rpc));
      }
      assert.equal(reply.status, 204);
      return rpcs;
    }

    const path = (c: TestCpe) => `/api/devices/${encodeURIComponent(c.deviceId)}/tasks`;

    it("queues a task: 201 with the task and where to find it", async () => {
      const c = await device();
      const res = await operator.post(path(c), { name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.UpTime"] }, expiresIn: 3600, maxAttempts: 2 });
      assert.equal(res.status, 201, res.text);
      // The task as GET answers it, with the outcome of the connection request beside its fields.
      const { connectionRequest, ...task } = res.body;
      assert.equal(res.headers.location, `/api/tasks/${task.id}`);
      assert.deepEqual([task.deviceId, task.name, task.status, task.maxAttempts, task.attempts], [c.deviceId, "getParameterValues", "pending", 2, 0]);
      assert.deepEqual(task.args, { parameterNames: ["Device.DeviceInfo.UpTime"] });
      assert.ok(Date.parse(task.expiresAt) - Date.parse(task.createdAt) === 3_600_000);
      assert.equal(connectionRequest, null);
      assert.deepEqual((await operator.get(`/api/tasks/${task.id}`)).body, task);
      c.close();
    });

    it("answers 200 with the finished task when it completes within `wait`", async () => {
      const c = await device();
      const call = operator.post(path(c), { name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.ModelName"] }, wait: 20 });
      // The CPE's next session runs it while the API call waits.
      await new Promise((r) => setTimeout(r, 50));
      const rpcs = await session(c, [() => ({ method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.ModelName", value: xsdValue("xsd:string", "HGW-9") }] })]);
      assert.equal(rpcs[0]?.method, "GetParameterValues");
      const res = await call;
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, "done");
      assert.deepEqual(res.body.result.values, { "Device.DeviceInfo.ModelName": { value: "HGW-9", type: "xsd:string" } });
      c.close();
    });

    it("answers 202 with the task as it stands when `wait` runs out first", async () => {
      const c = await device();
      const res = await operator.post(path(c), { name: "reboot", wait: 0.2 });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.status, "pending");
      c.close();
    });

    it("bounds `wait`, and checks each task kind's arguments by its own schema", async () => {
      const c = await device();
      const long = await operator.post(path(c), { name: "reboot", wait: 121 });
      assert.ok(isError(long, 400, "VALIDATION"));
      assert.equal(long.body.error.details[0].field, "wait");
      const args = await operator.post(path(c), { name: "getParameterValues", args: { parameterNames: [] } });
      assert.ok(isError(args, 400, "VALIDATION"));
      assert.equal(args.body.error.details[0].field, "args.parameterNames");
      const extra = await operator.post(path(c), { name: "reboot", args: { now: true } });
      assert.ok(isError(extra, 400, "VALIDATION"));
      assert.equal(extra.body.error.details[0].field, "args.now");
      const kind = await operator.post(path(c), { name: "brewCoffee" });
      assert.ok(isError(kind, 400, "VALIDATION"));
      assert.match(kind.body.error.message, /^body\.name: must be one of getParameterValues, /);
      assert.ok(isError(await operator.post(path(c), "{not json"), 400, "BAD_JSON"));
      assert.ok(isError(await operator.call("POST", path(c), "name=reboot", { "content-type": "text/plain" }), 415, "UNSUPPORTED_MEDIA_TYPE"));
      assert.ok(isError(await operator.post(path(c), { name: "reboot", pad: "x".repeat(1024 * 1024) }), 413, "BODY_TOO_LARGE"));
      assert.ok(isError(await operator.post("/api/devices/no-such-device/tasks", { name: "reboot" }), 404, "DEVICE_NOT_FOUND"));
      assert.deepEqual((await operator.get(`/api/tasks?deviceId=${encodeURIComponent(c.deviceId)}`)).body.tasks, []);
      c.close();
    });

    it("refuses a value that cannot be of its parameter's type: as the device reported it, else as the standard defines it, else as given", async () => {
      const c = await device([{ name: "Device.ManagementServer.PeriodicInformEnable", type: "xsd:boolean", value: "1" }]);
      const spv = (name: string, value: string | number | boolean, type?: string) =>
        operator.post(path(c), { name: "setParameterValues", args: { parameterValues: [{ name, value, ...(type ? { type } : {}) }] } });

      const reported = await spv("Device.ManagementServer.PeriodicInformEnable", "often", "xsd:string");
      assert.ok(isError(reported, 400, "TASK_VALUE_TYPE"));
      assert.deepEqual({ ...reported.body.error.details[0], reason: undefined }, { name: "Device.ManagementServer.PeriodicInformEnable", value: "often", type: "xsd:boolean", source: "device", reason: undefined });
      assert.match(reported.body.error.message, /PeriodicInformEnable.*"often" does not fit xsd:boolean \(the type the device reported\)/);

      // Not reported by the device: TR-181 says unsignedInt.
      const standard = await spv("Device.ManagementServer.PeriodicInformInterval", -5);
      assert.ok(isError(standard, 400, "TASK_VALUE_TYPE"));
      assert.deepEqual([standard.body.error.details[0].type, standard.body.error.details[0].source], ["xsd:unsignedInt", "standard"]);
      const tr098 = await spv("InternetGatewayDevice.ManagementServer.PeriodicInformInterval", "soon");
      assert.ok(isError(tr098, 400, "TASK_VALUE_TYPE"));
      assert.equal(tr098.body.error.details[0].source, "standard");

      // A vendor parameter the standard does not know: the caller's type decides.
      const caller = await spv("Device.X_ACME_Level", "high", "xsd:int");
      assert.ok(isError(caller, 400, "TASK_VALUE_TYPE"));
      assert.deepEqual([caller.body.error.details[0].type, caller.body.error.details[0].source], ["xsd:int", "caller"]);
      assert.deepEqual((await operator.get(`/api/tasks?deviceId=${encodeURIComponent(c.deviceId)}`)).body.tasks, [], "nothing was queued");

      // Values that fit are queued with the type they will be sent with.
      const ok = await spv("Device.ManagementServer.PeriodicInformInterval", 300);
      assert.equal(ok.status, 201, ok.text);
      assert.deepEqual(ok.body.args.parameterValues, [{ name: "Device.ManagementServer.PeriodicInformInterval", value: 300, type: "xsd:unsignedInt" }]);
      c.close();
    });

    it("cancels and retries tasks, and says why it cannot", async () => {
      const c = await device();
      const created = (await operator.post(path(c), { name: "reboot" })).body;
      const cancelled = await operator.post(`/api/tasks/${created.id}/cancel`);
      assert.equal(cancelled.status, 200);
      assert.equal(cancelled.body.status, "cancelled");
      assert.ok(isError(await operator.post(`/api/tasks/${created.id}/cancel`), 409, "TASK_NOT_CANCELLABLE"));
      const retried = await operator.post(`/api/tasks/${created.id}/retry`);
      assert.equal(retried.body.status, "pending");
      assert.ok(isError(await operator.post(`/api/tasks/${created.id}/retry`), 409, "TASK_NOT_RETRYABLE"));
      assert.ok(isError(await operator.get("/api/tasks/no-such-task"), 404, "TASK_NOT_FOUND"));
      assert.ok(isError(await operator.post("/api/tasks/no-such-task/cancel"), 404, "TASK_NOT_FOUND"));
      assert.ok(isError(await operator.post("/api/tasks/no-such-task/retry"), 404, "TASK_NOT_FOUND"));
      const listed = await operator.get(`/api/tasks?deviceId=${encodeURIComponent(c.deviceId)}&status=pending,waiting`);
      assert.deepEqual(listed.body.tasks.map((x: { id: string }) => x.id), [created.id]);
      assert.deepEqual((await operator.get(`/api/tasks?deviceId=${encodeURIComponent(c.deviceId)}&status=done`)).body.tasks, []);
      assert.ok(isError(await operator.get("/api/tasks?status=finished"), 400, "VALIDATION"));
      c.close();
    });

    it("lists a failed task's fault and clears it", async () => {
      const c = await device();
      const task = (await operator.post(path(c), { name: "reboot", maxAttempts: 1 })).body;
      await session(c, [() => cwmpFault(9001, "Request denied")]);
      assert.equal((await operator.get(`/api/tasks/${task.id}`)).body.status, "failed");
      const faults = (await operator.get(`/api/faults?deviceId=${encodeURIComponent(c.deviceId)}`)).body.faults;
      assert.equal(faults.length, 1);
      assert.deepEqual([faults[0].channel, faults[0].code, faults[0].message], [`task:${task.id}`, "cwmp.9001", "Request denied"]);
      assert.equal((await operator.del(`/api/faults/${faults[0].id}`)).status, 204);
      assert.deepEqual((await operator.get(`/api/faults?deviceId=${encodeURIComponent(c.deviceId)}`)).body.faults, []);
      assert.ok(isError(await operator.del(`/api/faults/${faults[0].id}`), 404, "FAULT_NOT_FOUND"));
      const events = await outboxEvents(t.acs.store, (e) => e.type === "fault.cleared" && e.deviceId === c.deviceId, (l) => l.length > 0);
      assert.deepEqual(events.map((e) => [e.type, (e.payload as { channel?: string }).channel]), [["fault.cleared", `task:${task.id}`]]);
      c.close();
    });
  });

  describe("bulk tasks", () => {
    let t: ApiAcs;
    const DEVICES = 1000;
    before(async () => {
      t = await startApiAcs(backend, { settings: { nbi: { bulkLimit: DEVICES } } });
      const at = new Date();
      for (let i = 0; i < DEVICES; i++) {
        const id = `00D09E-Bulk-${String(i).padStart(4, "0")}`;
        await t.acs.store.devices.recordInform({ id, manufacturer: "Acme", oui: "00D09E", productClass: "Bulk", serialNumber: String(i), at, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
      }
      // Three devices reported the vendor parameter as a number: a word cannot be set there.
      for (const i of [10, 500, 999]) {
        await t.acs.store.parameters.setValues(`00D09E-Bulk-${String(i).padStart(4, "0")}`, [{ path: "Device.X_ACME_Level", value: "3", type: "xsd:int" }], at);
      }
      await t.acs.store.devices.recordInform({ id: "00D09E-Other-1", manufacturer: "Acme", oui: "00D09E", productClass: "Other", serialNumber: "1", at, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
    });
    after(() => t.stop());

    it("creates one task per matching device, reports the devices whose values do not fit, and counts them", async () => {
      const operator = t.api.with(await t.keyFor("operator"));
      const res = await operator.post("/api/tasks", { filter: 'productClass = "Bulk"', name: "setParameterValues", args: { parameterValues: [{ name: "Device.X_ACME_Level", value: "high" }] } });
      assert.equal(res.status, 201, res.text.slice(0, 500));
      assert.deepEqual([res.body.matched, res.body.created, res.body.failed, res.body.connectionRequests], [DEVICES, DEVICES - 3, 3, 0]);
      assert.deepEqual(res.body.failures.map((f: { deviceId: string; code: string }) => [f.deviceId, f.code]), [10, 500, 999].map((i) => [`00D09E-Bulk-${String(i).padStart(4, "0")}`, "TASK_VALUE_TYPE"]));
      assert.equal(new Set(res.body.taskIds).size, DEVICES - 3);
      const pending = await t.acs.store.tasks.list({ status: ["pending"] });
      assert.equal(pending.length, DEVICES - 3);
      assert.equal(new Set(pending.map((p) => p.deviceId)).size, DEVICES - 3);
      assert.equal(await t.acs.store.tasks.pendingCount("00D09E-Other-1"), 0);
      // Each creation is an event too.
      const created = await outboxEvents(t.acs.store, (e) => e.type === "task.created", (l) => l.length >= DEVICES - 3);
      assert.equal(created.length, DEVICES - 3);
    });

    it("refuses a filter that matches more devices than the bulk limit, or none that parses", async () => {
      const res = await t.api.post("/api/tasks", { filter: 'oui = "00D09E"', name: "reboot" });
      assert.ok(isError(res, 400, "BULK_TOO_MANY"));
      assert.deepEqual(res.body.error.details, { matched: DEVICES + 1, limit: DEVICES });
      assert.ok(isError(await t.api.post("/api/tasks", { filter: "productClass ==", name: "reboot" }), 400, "FILTER_INVALID"));
      assert.ok(isError(await t.api.post("/api/tasks", { name: "reboot" }), 400, "VALIDATION"));
    });
  });
});
