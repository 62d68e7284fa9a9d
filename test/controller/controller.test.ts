// The USP controller in the real ACS, over the loopback MTP, against a small agent the test drives: an
// agent onboards as a device of the one fleet (protocol usp, the CWMP-style id), tasks made through the
// REST API run as USP messages and settle, notifications become sessions and values, bad input gets USP
// Errors, and a wrong login is refused.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { LoopbackMtp, LoopbackRefused } from "../../src/mtp/loopback.js";
import { encodeMsg, encodeRecord, msgBody, noSessionContextRecord, uspMsg } from "../../src/usp/index.js";
import type { AcsEvent } from "../../src/server/events.js";
import { eventually } from "../nbi/support.js";
import { startE2eAcs, type E2eAcs } from "../e2e/support.js";
import { forEachBackend } from "../support/pg.js";
import { TestAgent, type TestAgentOptions } from "../support/usp-agent.js";
import { agentParams, CONTROLLER, onboardAgent, runTaskKinds, settledTask } from "../support/usp-fleet.js";

forEachBackend((b) => {
  describe("USP controller over the loopback MTP", () => {
    let e: E2eAcs;
    let loop: LoopbackMtp;
    const events: AcsEvent[] = [];

    before(async () => {
      e = await startE2eAcs(b, { start: { uspMtps: (authenticate) => [(loop = new LoopbackMtp(authenticate))] } });
      e.t.acs.events.subscribe((ev) => void events.push(ev));
    });
    after(() => e.t.stop());

    const onboard = (serial: string, o: Partial<TestAgentOptions> = {}) =>
      onboardAgent((endpointId) => loop.agent({ endpointId, username: e.t.username, password: e.t.password }), "HGW", serial, o);
    const task = (id: string, name: string, args: unknown) => settledTask(e.operator, id, name, args);

    test("an agent onboards as a USP device with the id a CWMP device of its identity has", async () => {
      const { agent, id } = await onboard("SN1");
      const dev = (await e.operator.get(`/api/devices/${id}`)).body;
      assert.equal(dev.device?.protocol ?? dev.protocol, "usp");
      assert.equal((await e.t.acs.store.uspEndpoints.get("os::00D09E-HGW-SN1"))?.deviceId, id);
      const list = (await e.operator.get(`/api/devices?filter=${encodeURIComponent('protocol = "usp"')}`)).body;
      assert.ok(JSON.stringify(list).includes(id));
      // The Notify was acknowledged with its own msg_id, and the Inform's values are the device's.
      assert.equal(msgBody(agent.notifyResps[0]!, "notifyResp")?.subscriptionId, "sub-1");
      assert.equal((await e.t.acs.store.parameters.get(id, ["Device.DeviceInfo.SoftwareVersion"]))[0]?.value, "1.0.0");
      assert.ok(events.some((ev) => ev.type === "device.registered" && ev.deviceId === id));
      // Boot!, Periodic!, OperationComplete, ObjectCreation and ObjectDeletion are subscribed to, once.
      const ids = [...agent.params].filter(([k]) => k.endsWith(".ID")).map(([, v]) => v).sort();
      assert.deepEqual(ids, ["provisio-boot", "provisio-object-creation", "provisio-object-deletion", "provisio-operation-complete", "provisio-periodic"]);
      // The test agent answers no GetSupportedDM: it was asked once, and the standard model serves it.
      assert.equal(agent.requests("getSupportedDm").filter((r) => r.objPaths[0] === "Device." && r.returnCommands).length, 1);
      assert.equal(await e.t.acs.store.uspDataModels.ofDevice(id), null);
    });

    test("tasks through the API run as USP messages: get, set, add, delete, reboot; a refused Set is a 9003 fault", async () => {
      const { agent, id } = await onboard("SN2", { readOnly: ["Device.WiFi.SSID.1.BSSID"] });
      await runTaskKinds(e.operator, agent, id);
      // Its model was asked for at its onboarding (a boot) and answered with an Error: the sessions of its
      // tasks since did not ask again.
      assert.equal(agent.requests("getSupportedDm").filter((r) => r.objPaths[0] === "Device." && r.returnCommands).length, 1);
      assert.equal((await e.t.acs.store.parameters.get(id, ["Device.ManagementServer.PeriodicInformInterval"]))[0]?.value, "300");
      const refused = await task(id, "setParameterValues", { parameterValues: [{ name: "Device.WiFi.SSID.1.BSSID", value: "00:00:00:00:00:01" }] });
      assert.notEqual(refused.status, "done");
      assert.equal(refused.lastFault?.code, "cwmp.9003", JSON.stringify(refused.lastFault));
      assert.match(JSON.stringify(refused.lastFault), /9008/);
      assert.equal(agent.params.get("Device.WiFi.SSID.1.BSSID"), "00:11:22:33:44:55");
    });

    test("what USP has no counterpart for fails its task clearly", async () => {
      const { id } = await onboard("SN3");
      const t = await task(id, "scheduleInform", { delaySeconds: 5 });
      assert.notEqual(t.status, "done");
      assert.match(t.lastFault?.message ?? "", /not supported by USP devices/);
    });

    test("a ValueChange notification records the value and the device.valueChange event", async () => {
      const { agent, id } = await onboard("SN4");
      agent.params.set("Device.WiFi.SSID.1.SSID", "changed");
      await agent.notify({ notification: "valueChange", valueChange: { paramPath: "Device.WiFi.SSID.1.SSID", paramValue: "changed" } });
      await eventually(() => events.find((ev) => ev.type === "device.valueChange" && ev.deviceId === id), "the valueChange event", 60_000);
      assert.equal((await e.t.acs.store.parameters.get(id, ["Device.WiFi.SSID.1.SSID"]))[0]?.value, "changed");
    });

    test("a firmware download runs as an async Download() whose OperationComplete settles the task", async () => {
      const { agent, id } = await onboard("SN5", { operate: (command) => (command.endsWith(".Download()") ? "async" : { outputArgs: {} }) });
      const r = await e.operator.post(`/api/devices/${id}/tasks`, { name: "download", args: { fileType: "1 Firmware Upgrade Image", url: "http://127.0.0.1:1/fw.bin" }, connectionRequest: true });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const op = await eventually(() => agent.requests("operate").find((o) => o.command.endsWith(".Download()")), "the Download() operate", 60_000);
      assert.equal(op.inputArgs.URL, "http://127.0.0.1:1/fw.bin");
      assert.equal(op.inputArgs.AutoActivate, "true");
      await agent.notify({ notification: "operComplete", operComplete: { objPath: "Device.DeviceInfo.FirmwareImage.2.", commandName: "Download()", commandKey: op.commandKey, operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: {} } } });
      const done = await eventually(async () => {
        const t = (await e.operator.get(`/api/tasks/${r.body.id}`)).body;
        return t.status === "done" ? t : undefined;
      }, "the download task done", 60_000);
      assert.equal(done.status, "done");
      assert.ok(events.some((ev) => ev.type === "transfer.complete" && ev.deviceId === id && ev.faultCode === 0));
    });

    test("a wake reaches a connected agent at once; one that is away gets its task at its next boot", async () => {
      const { agent, id } = await onboard("SN8");
      await agent.mtp.close();
      // The agent's side closes first: the controller learns of it a moment later.
      await eventually(() => (e.t.acs.usp!.connected().includes(agent.o.endpointId) ? undefined : true), "the controller to see the agent gone", 30_000);
      const r = await e.operator.post(`/api/devices/${id}/tasks`, { name: "getParameterValues", args: { parameterNames: ["Device.WiFi.SSID.1.SSID"] }, connectionRequest: true });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.connectionRequest?.outcome, "no-method");
      assert.equal((await e.operator.get(`/api/tasks/${r.body.id}`)).body.status, "pending");
      // Back, it tells it booted: the session runs the task.
      const back = new TestAgent(loop.agent({ endpointId: agent.o.endpointId, username: e.t.username, password: e.t.password }), agent.o);
      await back.connect();
      await back.notify({ notification: "event", event: { objPath: "Device.", eventName: "Boot!", params: { CommandKey: "" } } });
      await eventually(async () => ((await e.operator.get(`/api/tasks/${r.body.id}`)).body.status === "done" ? true : undefined), "the task done after the boot", 60_000);
      assert.ok(events.some((ev) => ev.type === "device.boot" && ev.deviceId === id));
      // Connected now: a wake starts a session at once.
      const woken = await e.operator.post(`/api/devices/${id}/tasks`, { name: "reboot", args: {}, connectionRequest: true, wait: 60 });
      assert.equal(woken.body.connectionRequest?.outcome, "sent", JSON.stringify(woken.body));
      assert.equal(woken.body.status, "done", JSON.stringify(woken.body));
    });

    test("bad input is answered with USP Errors, and a wrong login is refused", async () => {
      const { agent } = await onboard("SN6");
      const before = agent.notifyResps.length;
      // A Record whose payload is no Msg: the agent gets an Error (7000) and the controller goes on.
      await agent.sendRaw(encodeRecord(noSessionContextRecord("os::00D09E-HGW-SN6", CONTROLLER, Uint8Array.from([0xff, 0xff, 0xff]))));
      const err = await eventually(() => agent.notifyResps.slice(before).find((m) => msgBody(m, "error") !== undefined), "the Error", 30_000);
      assert.equal(msgBody(err, "error")?.errCode, 7000);
      // A Get is no request a controller answers: 7001.
      await agent.sendRaw(encodeRecord(noSessionContextRecord("os::00D09E-HGW-SN6", CONTROLLER, encodeMsg(uspMsg("get", "agent-get", { paramPaths: ["Device."], maxDepth: 0 })))));
      const unsupported = await eventually(() => agent.notifyResps.find((m) => m.header.msgId === "agent-get"), "the 7001", 30_000);
      assert.equal(msgBody(unsupported, "error")?.errCode, 7001);

      const intruder = new TestAgent(loop.agent({ endpointId: "os::00D09E-HGW-SN7", username: e.t.username, password: "wrong" }), { endpointId: "os::00D09E-HGW-SN7", controllerId: CONTROLLER, params: agentParams("HGW", "SN7") });
      await assert.rejects(intruder.connect(), LoopbackRefused);
      assert.equal((await e.operator.get("/api/devices/00D09E-HGW-SN7")).status, 404);
      // Bytes that are no Record are dropped; the agent's next request is served as before.
      await agent.sendRaw(Uint8Array.from([1, 2, 3]));
      await agent.sendRaw(encodeRecord(noSessionContextRecord("os::00D09E-HGW-SN6", CONTROLLER, encodeMsg(uspMsg("get", "agent-get-2", { paramPaths: ["Device."], maxDepth: 0 })))));
      await eventually(() => agent.notifyResps.find((m) => m.header.msgId === "agent-get-2"), "the answer after the junk", 30_000);
    });
  });
});
