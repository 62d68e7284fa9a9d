// Every task kind end to end over HTTP: the RPC the ACS sends, the scripted CPE's answer, and what the
// task and the device record hold afterwards. On both backends.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cwmpFault, xsdValue, type CwmpMessage } from "../../src/cwmp/index.js";
import { TaskArgumentError } from "../../src/session/index.js";
import { TaskError } from "../../src/server/tasks.js";
import type { TaskRecord } from "../../src/store/types.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe, type CpeReply } from "../support/test-cpe.js";

const T0 = "2026-11-21T10:00:00Z";
const T1 = "2026-11-21T10:00:05Z";

forEachBackend((backend) => {
  describe("every task kind end to end", () => {
    let t: TestAcs;
    before(async () => {
      t = await startTestAcs(backend);
    });
    after(() => t.stop());

    /** A known device with an open session; returns the CPE. */
    async function device(ns: "1-0" | "1-2" = "1-2"): Promise<TestCpe> {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, ns });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      return c;
    }

    /**
     * Runs one session in which the CPE answers each RPC with the next answer; returns the RPCs seen
     * and the task's record at the end.
     */
    async function session(c: TestCpe, task: TaskRecord, answers: ((rpc: CwmpMessage) => CwmpMessage)[]): Promise<{ rpcs: CwmpMessage[]; task: TaskRecord }> {
      await c.inform();
      let reply: CpeReply = await c.send(null);
      const rpcs: CwmpMessage[] = [];
      for (const answer of answers) {
        const rpc = rpcIn(reply);
        rpcs.push(rpc);
        reply = await c.answer(reply, answer(rpc));
      }
      assert.equal(reply.status, 204, `the session should end after ${answers.length} RPCs, got ${reply.text.slice(0, 300)}`);
      return { rpcs, task: (await t.acs.tasks.get(task.id))! };
    }

    it("getParameterValues stores the values and returns them", async () => {
      const c = await device();
      const task = await t.acs.tasks.create(c.deviceId, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime", "Device.DeviceInfo.ModelName"] });
      const { rpcs, task: done } = await session(c, task, [
        () => ({
          method: "GetParameterValuesResponse",
          parameterList: [
            { name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "77") },
            { name: "Device.DeviceInfo.ModelName", value: xsdValue("xsd:string", "HGW-X") },
          ],
        }),
      ]);
      assert.deepEqual(rpcs, [{ method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.UpTime", "Device.DeviceInfo.ModelName"] }]);
      assert.equal(done.status, "done");
      assert.deepEqual((done.result as { values: unknown }).values, { "Device.DeviceInfo.UpTime": { value: "77", type: "xsd:unsignedInt" }, "Device.DeviceInfo.ModelName": { value: "HGW-X", type: "xsd:string" } });
      const stored = await t.acs.store.parameters.get(c.deviceId, ["Device.DeviceInfo.ModelName"]);
      assert.equal(stored[0]?.value, "HGW-X");
      c.close();
    });

    it("getParameterNames refreshes a subtree: names with writability, then values", async () => {
      const c = await device();
      const task = await t.acs.tasks.create(c.deviceId, "getParameterNames", { parameterPath: "Device.WiFi.SSID." });
      const { rpcs, task: done } = await session(c, task, [
        () => ({
          method: "GetParameterNamesResponse",
          parameterList: [
            { name: "Device.WiFi.SSID.", writable: true },
            { name: "Device.WiFi.SSID.1.", writable: true },
            { name: "Device.WiFi.SSID.1.SSID", writable: true },
            { name: "Device.WiFi.SSID.1.Status", writable: false },
          ],
        }),
        () => ({
          method: "GetParameterValuesResponse",
          parameterList: [
            { name: "Device.WiFi.SSID.1.SSID", value: xsdValue("xsd:string", "home") },
            { name: "Device.WiFi.SSID.1.Status", value: xsdValue("xsd:string", "Up") },
          ],
        }),
      ]);
      assert.deepEqual(rpcs.map((r) => r.method), ["GetParameterNames", "GetParameterValues"]);
      assert.deepEqual(rpcs[0], { method: "GetParameterNames", parameterPath: "Device.WiFi.SSID.", nextLevel: false });
      assert.equal(done.status, "done");
      const tree = await t.acs.store.parameters.subtree(c.deviceId, "Device.WiFi.SSID.");
      const byPath = new Map(tree.map((p) => [p.path, p]));
      assert.equal(byPath.get("Device.WiFi.SSID.1.SSID")?.writable, true);
      assert.equal(byPath.get("Device.WiFi.SSID.1.SSID")?.value, "home");
      assert.equal(byPath.get("Device.WiFi.SSID.1.Status")?.writable, false);
      assert.equal(byPath.get("Device.WiFi.SSID.1.")?.object, true);
      c.close();
    });

    it("setParameterValues types values by what the device reported and records them", async () => {
      const c = await device();
      await c.inform(["2 PERIODIC"], [{ name: "Device.ManagementServer.PeriodicInformInterval", value: xsdValue("xsd:unsignedInt", "3600") }]);
      await c.send(null);
      const task = await t.acs.tasks.create(c.deviceId, "setParameterValues", { parameterValues: [{ name: "Device.ManagementServer.PeriodicInformInterval", value: 300 }] });
      assert.deepEqual((task.args as { parameterValues: unknown[] }).parameterValues, [{ name: "Device.ManagementServer.PeriodicInformInterval", value: 300, type: "xsd:unsignedInt" }]);
      const { rpcs, task: done } = await session(c, task, [() => ({ method: "SetParameterValuesResponse", status: 0 })]);
      const spv = rpcs[0] as Extract<CwmpMessage, { method: "SetParameterValues" }>;
      assert.deepEqual(spv.parameterList, [{ name: "Device.ManagementServer.PeriodicInformInterval", value: { type: "xsd:unsignedInt", text: "300" } }]);
      assert.equal(spv.parameterKey, task.id.replace(/-/g, ""));
      assert.deepEqual(done.result, { status: 0 });
      const [p] = await t.acs.store.parameters.get(c.deviceId, ["Device.ManagementServer.PeriodicInformInterval"]);
      assert.equal(p?.value, "300");
      c.close();
    });

    it("stores the secrets of task arguments sealed, sends them in clear, and fails a task whose secret does not open", async () => {
      const c = await device();
      const pass = "Wpa-Passphrase-42";
      const task = await t.acs.tasks.create(c.deviceId, "setParameterValues", { parameterValues: [
        { name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", value: pass, type: "xsd:string" },
        { name: "Device.WiFi.SSID.1.SSID", value: "home", type: "xsd:string" },
      ] });
      // Neither the record the API shows nor the database holds them in clear.
      const sealed = async (id: string) => {
        const stored = JSON.stringify((await t.acs.store.tasks.get(id))!.args);
        assert.doesNotMatch(stored, /Wpa-Passphrase-42|file-pass/);
        assert.match(stored, /"sealed:v1\./);
      };
      await sealed(task.id);
      assert.match(JSON.stringify(task.args), /"value":"home"/, "other values stay as they are");
      // The SetParameterValues is planned with the Inform: the session's stored state holds it sealed.
      await c.inform();
      const [stored] = (await t.acs.store.sessions.expired(new Date(Date.now() + 86_400_000), 1000)).filter((r) => r.deviceId === c.deviceId);
      assert.ok(stored !== undefined);
      assert.doesNotMatch(JSON.stringify(stored.state), /Wpa-Passphrase-42/);
      assert.match(JSON.stringify(stored.state), /"sealed:v1\./);
      const spv = rpcIn(await c.send(null)) as Extract<CwmpMessage, { method: "SetParameterValues" }>;
      assert.deepEqual(spv.parameterList.map((p) => p.value.text), [pass, "home"]);
      assert.equal((await c.send({ method: "SetParameterValuesResponse", status: 0 })).status, 204);
      const dl = await t.acs.tasks.create(c.deviceId, "download", { fileType: "3 Vendor Configuration File", url: "http://files.example/cfg", username: "u", password: "file-pass" });
      await sealed(dl.id);
      await c.inform();
      const sent = rpcIn(await c.send(null)) as Extract<CwmpMessage, { method: "Download" }>;
      assert.equal(sent.method, "Download");
      assert.equal(sent.password, "file-pass");
      assert.equal((await c.send({ method: "DownloadResponse", status: 0, startTime: T0, completeTime: T1 })).status, 204);
      // A sealed value copied into another device's task does not open there: that task fails, the session goes on.
      const other = await device();
      const copied = await t.acs.store.tasks.create({ deviceId: other.deviceId, name: "download", args: (await t.acs.store.tasks.get(dl.id))!.args }, new Date());
      const { rpcs: none, task: failed } = await session(other, copied, []);
      assert.deepEqual(none, []);
      assert.equal(failed.status, "failed");
      assert.equal(failed.lastFault?.code, "task.invalid-arguments");
      assert.match(failed.lastFault?.message ?? "", /password: .*does not open/);
      c.close();
      other.close();
    });

    it("refuses, before any device sees it, a value that cannot fit the parameter's type", async () => {
      const c = await device();
      await c.inform(["2 PERIODIC"], [{ name: "Device.ManagementServer.PeriodicInformEnable", value: xsdValue("xsd:boolean", "1") }]);
      await c.send(null);
      await assert.rejects(
        t.acs.tasks.create(c.deviceId, "setParameterValues", { parameterValues: [{ name: "Device.ManagementServer.PeriodicInformEnable", value: "often" }] }),
        (e: unknown) => e instanceof TaskArgumentError && /PeriodicInformEnable.*xsd:boolean/.test(e.message),
      );
      await assert.rejects(t.acs.tasks.create(c.deviceId, "setParameterValues", { parameterValues: [] }), TaskArgumentError);
      await assert.rejects(t.acs.tasks.create(c.deviceId, "brewCoffee", {}), (e: unknown) => e instanceof TaskError && e.code === "TASK_UNKNOWN_KIND");
      await assert.rejects(t.acs.tasks.create("no-such-device", "reboot", {}), (e: unknown) => e instanceof TaskError && e.code === "DEVICE_NOT_FOUND");
      assert.deepEqual(await t.acs.tasks.list({ deviceId: c.deviceId }), []);
      c.close();
    });

    it("keeps a SetParameterValues fault with its per-parameter faults, and does not retry it", async () => {
      const c = await device();
      const task = await t.acs.tasks.create(c.deviceId, "setParameterValues", { parameterValues: [{ name: "Device.X.Y", value: "z", type: "xsd:string" }] });
      const { task: failed } = await session(c, task, [() => cwmpFault(9003, "Invalid arguments", [{ parameterName: "Device.X.Y", faultCode: 9005, faultString: "Invalid parameter name" }])]);
      assert.equal(failed.status, "failed");
      assert.deepEqual(failed.lastFault, {
        code: "cwmp.9003",
        message: "Invalid arguments",
        detail: { setParameterValuesFault: [{ parameterName: "Device.X.Y", faultCode: 9005, faultString: "Invalid parameter name" }] },
      });
      const [fault] = await t.acs.store.faults.list({ deviceId: c.deviceId });
      assert.equal(fault?.code, "cwmp.9003");
      assert.equal(fault?.channel, `task:${task.id}`);
      c.close();
    });

    it("getParameterAttributes and setParameterAttributes keep the attributes the CPE reports", async () => {
      const c = await device();
      const set = await t.acs.tasks.create(c.deviceId, "setParameterAttributes", { parameters: [{ name: "Device.DeviceInfo.SoftwareVersion", notification: 2 }] });
      const attr = [{ name: "Device.DeviceInfo.SoftwareVersion", notification: 2, accessList: ["Subscriber"] }];
      const { rpcs, task: done } = await session(c, set, [
        () => ({ method: "SetParameterAttributesResponse" }),
        () => ({ method: "GetParameterAttributesResponse", parameterList: attr }),
      ]);
      assert.deepEqual(rpcs[0], {
        method: "SetParameterAttributes",
        parameterList: [{ name: "Device.DeviceInfo.SoftwareVersion", notificationChange: true, notification: 2, accessListChange: false, accessList: [] }],
      });
      assert.equal(done.status, "done");
      const [p] = await t.acs.store.parameters.get(c.deviceId, ["Device.DeviceInfo.SoftwareVersion"]);
      assert.deepEqual([p?.notification, p?.accessList], [2, ["Subscriber"]]);
      const get = await t.acs.tasks.create(c.deviceId, "getParameterAttributes", { parameterNames: ["Device.DeviceInfo.SoftwareVersion"] });
      const { task: got } = await session(c, get, [() => ({ method: "GetParameterAttributesResponse", parameterList: attr })]);
      assert.deepEqual(got.result, attr);
      c.close();
    });

    it("addObject creates the instance, learns it and sets its values; deleteObject removes it", async () => {
      const c = await device();
      const add = await t.acs.tasks.create(c.deviceId, "addObject", {
        objectName: "Device.NAT.PortMapping.",
        parameterValues: [{ name: "ExternalPort", value: 8080, type: "xsd:unsignedInt" }],
      });
      const { rpcs, task: added } = await session(c, add, [
        () => ({ method: "AddObjectResponse", instanceNumber: 4, status: 0 }),
        () => ({ method: "GetParameterNamesResponse", parameterList: [{ name: "Device.NAT.PortMapping.4.", writable: true }, { name: "Device.NAT.PortMapping.4.ExternalPort", writable: true }] }),
        () => ({ method: "GetParameterValuesResponse", parameterList: [{ name: "Device.NAT.PortMapping.4.ExternalPort", value: xsdValue("xsd:unsignedInt", "0") }] }),
        () => ({ method: "SetParameterValuesResponse", status: 0 }),
      ]);
      assert.deepEqual(rpcs.map((r) => r.method), ["AddObject", "GetParameterNames", "GetParameterValues", "SetParameterValues"]);
      assert.deepEqual(added.result, { instanceNumber: 4, path: "Device.NAT.PortMapping.4." });
      const [port] = await t.acs.store.parameters.get(c.deviceId, ["Device.NAT.PortMapping.4.ExternalPort"]);
      assert.equal(port?.value, "8080");
      const del = await t.acs.tasks.create(c.deviceId, "deleteObject", { objectName: "Device.NAT.PortMapping.4." });
      const { task: deleted } = await session(c, del, [() => ({ method: "DeleteObjectResponse", status: 0 })]);
      assert.equal(deleted.status, "done");
      assert.deepEqual(await t.acs.store.parameters.subtree(c.deviceId, "Device.NAT.PortMapping.4."), []);
      c.close();
    });

    it("reboot, factoryReset, scheduleInform and getRPCMethods complete on their responses", async () => {
      const c = await device();
      const cases: [string, object, CwmpMessage, CwmpMessage][] = [
        ["reboot", {}, { method: "Reboot", commandKey: "" }, { method: "RebootResponse" }],
        ["factoryReset", {}, { method: "FactoryReset" }, { method: "FactoryResetResponse" }],
        ["scheduleInform", { delaySeconds: 60, commandKey: "later" }, { method: "ScheduleInform", delaySeconds: 60, commandKey: "later" }, { method: "ScheduleInformResponse" }],
        ["getRPCMethods", {}, { method: "GetRPCMethods" }, { method: "GetRPCMethodsResponse", methodList: ["GetRPCMethods", "Reboot"] }],
      ];
      for (const [name, args, expected, answer] of cases) {
        const task = await t.acs.tasks.create(c.deviceId, name, args);
        const { rpcs, task: done } = await session(c, task, [() => answer]);
        const sent = rpcs[0] as { commandKey?: string };
        if ("commandKey" in expected && name === "reboot") assert.equal(sent.commandKey, task.id.replace(/-/g, ""));
        else assert.deepEqual(rpcs[0], expected);
        assert.equal(done.status, "done", name);
      }
      c.close();
    });

    it("download waits for TransferComplete, which settles it with its times or its fault", async () => {
      const c = await device();
      const ok = await t.acs.tasks.create(c.deviceId, "download", { fileType: "1 Firmware Upgrade Image", url: "http://files.example/fw.bin", fileSize: 1000, username: "u", password: "p" });
      const { rpcs, task: waiting } = await session(c, ok, [() => ({ method: "DownloadResponse", status: 1, startTime: "", completeTime: "" })]);
      const dl = rpcs[0] as Extract<CwmpMessage, { method: "Download" }>;
      assert.deepEqual([dl.url, dl.username, dl.password, dl.fileSize, dl.commandKey], ["http://files.example/fw.bin", "u", "p", 1000, ok.id.replace(/-/g, "")]);
      assert.equal(waiting.status, "waiting");
      // after the download and reboot, the CPE reports it
      await c.inform(["1 BOOT", "7 TRANSFER COMPLETE", `M Download|${dl.commandKey}`]);
      const tc = await c.send({ method: "TransferComplete", commandKey: dl.commandKey, faultStruct: { faultCode: 0, faultString: "" }, startTime: T0, completeTime: T1 }, { id: "tc1" });
      assert.deepEqual(rpcIn(tc), { method: "TransferCompleteResponse" });
      await c.send(null);
      const done = await t.acs.tasks.get(ok.id);
      assert.equal(done?.status, "done");
      assert.deepEqual(done?.result, { status: 1, startTime: T0, completeTime: T1 });

      const bad = await t.acs.tasks.create(c.deviceId, "download", { fileType: "1 Firmware Upgrade Image", url: "http://files.example/missing.bin" });
      const { rpcs: r2 } = await session(c, bad, [() => ({ method: "DownloadResponse", status: 1, startTime: "", completeTime: "" })]);
      await c.inform(["7 TRANSFER COMPLETE"]);
      await c.send({ method: "TransferComplete", commandKey: (r2[0] as { commandKey: string }).commandKey, faultStruct: { faultCode: 9016, faultString: "Unable to access file" }, startTime: T0, completeTime: T1 }, { id: "tc2" });
      await c.send(null);
      const failed = await t.acs.tasks.get(bad.id);
      assert.equal(failed?.status, "failed");
      assert.deepEqual(failed?.lastFault, { code: "cwmp.9016", message: "Unable to access file" });
      c.close();
    });

    it("download and upload finished at once complete on their response", async () => {
      const c = await device();
      const dl = await t.acs.tasks.create(c.deviceId, "download", { fileType: "3 Vendor Configuration File", url: "http://files.example/cfg" });
      assert.equal((await session(c, dl, [() => ({ method: "DownloadResponse", status: 0, startTime: T0, completeTime: T1 })])).task.status, "done");
      const ul = await t.acs.tasks.create(c.deviceId, "upload", { fileType: "1 Vendor Configuration File", url: "http://files.example/up" });
      const { rpcs, task } = await session(c, ul, [() => ({ method: "UploadResponse", status: 0, startTime: T0, completeTime: T1 })]);
      assert.equal(rpcs[0]?.method, "Upload");
      assert.deepEqual(task.result, { status: 0, startTime: T0, completeTime: T1 });
      c.close();
    });

    it("scheduleDownload, cancelTransfer and the queued-transfer queries", async () => {
      const c = await device("1-2");
      const sd = await t.acs.tasks.create(c.deviceId, "scheduleDownload", {
        fileType: "1 Firmware Upgrade Image",
        url: "http://files.example/fw2.bin",
        timeWindows: [{ windowStart: 0, windowEnd: 3600, windowMode: "1 At Any Time", userMessage: "", maxRetries: 2 }],
      });
      const { rpcs, task: waiting } = await session(c, sd, [() => ({ method: "ScheduleDownloadResponse" })]);
      assert.deepEqual((rpcs[0] as Extract<CwmpMessage, { method: "ScheduleDownload" }>).timeWindowList, [{ windowStart: 0, windowEnd: 3600, windowMode: "1 At Any Time", userMessage: "", maxRetries: 2 }]);
      assert.equal(waiting.status, "waiting");
      const key = sd.id.replace(/-/g, "");
      const q = await t.acs.tasks.create(c.deviceId, "getQueuedTransfers", {});
      const { task: queued } = await session(c, q, [() => ({ method: "GetQueuedTransfersResponse", transferList: [{ commandKey: key, state: 1 }] })]);
      assert.deepEqual(queued.result, [{ commandKey: key, state: 1 }]);
      const all = await t.acs.tasks.create(c.deviceId, "getAllQueuedTransfers", {});
      const { task: allDone } = await session(c, all, [
        () => ({ method: "GetAllQueuedTransfersResponse", transferList: [{ commandKey: key, state: 1, isDownload: true, fileType: "1 Firmware Upgrade Image", fileSize: 0, targetFileName: "" }] }),
      ]);
      assert.equal((allDone.result as unknown[]).length, 1);
      const cancel = await t.acs.tasks.create(c.deviceId, "cancelTransfer", { taskId: sd.id });
      const { rpcs: cr, task: cancelled } = await session(c, cancel, [() => ({ method: "CancelTransferResponse" })]);
      assert.deepEqual(cr[0], { method: "CancelTransfer", commandKey: key });
      assert.equal(cancelled.status, "done");
      c.close();
    });

    it("changeDUState waits for DUStateChangeComplete", async () => {
      const c = await device("1-2");
      const du = await t.acs.tasks.create(c.deviceId, "changeDUState", { operations: [{ type: "Install", url: "http://files.example/app.ipk" }] });
      const { rpcs, task: waiting } = await session(c, du, [() => ({ method: "ChangeDUStateResponse" })]);
      assert.deepEqual((rpcs[0] as Extract<CwmpMessage, { method: "ChangeDUState" }>).operations, [{ type: "Install", url: "http://files.example/app.ipk" }]);
      assert.equal(waiting.status, "waiting");
      await c.inform(["11 DU STATE CHANGE COMPLETE"]);
      const result = {
        uuid: "12345678-1234-1234-1234-123456789abc",
        deploymentUnitRef: "Device.SoftwareModules.DeploymentUnit.1",
        version: "1.0",
        currentState: "Installed",
        resolved: true,
        executionUnitRefList: "",
        startTime: T0,
        completeTime: T1,
        fault: { faultCode: 0, faultString: "" },
      };
      await c.send({ method: "DUStateChangeComplete", results: [result], commandKey: du.id.replace(/-/g, "") }, { id: "du" });
      await c.send(null);
      const done = await t.acs.tasks.get(du.id);
      assert.equal(done?.status, "done");
      assert.equal((done?.result as { results: unknown[] }).results.length, 1);
      c.close();
    });

    it("fails, without an RPC, a task the device's CWMP namespace cannot carry", async () => {
      const c = await device("1-0");
      const task = await t.acs.tasks.create(c.deviceId, "changeDUState", { operations: [{ type: "Uninstall", uuid: "12345678-1234-1234-1234-123456789abc" }] });
      const { rpcs, task: failed } = await session(c, task, []);
      assert.deepEqual(rpcs, []);
      assert.equal(failed.status, "failed");
      assert.equal(failed.lastFault?.code, "task.unsupported");
      c.close();
    });

    it("runs queued tasks in order in one session, batching reads", async () => {
      const c = await device();
      const a = await t.acs.tasks.create(c.deviceId, "getParameterValues", { parameterNames: ["Device.A"] });
      const b = await t.acs.tasks.create(c.deviceId, "getParameterValues", { parameterNames: ["Device.B"] });
      const r = await t.acs.tasks.create(c.deviceId, "reboot", {});
      const { rpcs } = await session(c, a, [
        () => ({ method: "GetParameterValuesResponse", parameterList: [{ name: "Device.A", value: xsdValue("xsd:string", "a") }, { name: "Device.B", value: xsdValue("xsd:string", "b") }] }),
        () => ({ method: "RebootResponse" }),
      ]);
      assert.deepEqual(rpcs.map((x) => x.method), ["GetParameterValues", "Reboot"]);
      for (const id of [a.id, b.id, r.id]) assert.equal((await t.acs.tasks.get(id))?.status, "done");
      c.close();
    });

    it("cancels, retries and waits for tasks", async () => {
      const c = await device();
      const task = await t.acs.tasks.create(c.deviceId, "reboot", {});
      const cancelled = await t.acs.tasks.cancel(task.id);
      assert.equal(cancelled.status, "cancelled");
      await assert.rejects(t.acs.tasks.cancel(task.id), (e: unknown) => e instanceof TaskError && e.code === "TASK_NOT_CANCELLABLE");
      await c.inform();
      assert.equal((await c.send(null)).status, 204, "a cancelled task is not run");
      const again = await t.acs.tasks.retry(task.id);
      assert.equal(again.status, "pending");
      const waiting = t.acs.tasks.waitFor(task.id, 10_000);
      await session(c, task, [() => ({ method: "RebootResponse" })]);
      assert.equal((await waiting)?.status, "done");
      const timedOut = await t.acs.tasks.waitFor((await t.acs.tasks.create(c.deviceId, "reboot", {})).id, 50);
      assert.equal(timedOut?.status, "pending", "waitFor gives the task as it stands after the timeout");
      c.close();
    });
  });
});
