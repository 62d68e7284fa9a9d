// USP agents as devices of the one fleet, end to end on both stores: the real ACS (its USP controller and
// WebSocket MTP on a free port), agents connecting over real WebSocket with their device credentials, and
// the REST API as an OSS uses it. Onboarding makes a `protocol: usp` device; a preset's declarative
// provision applies; tasks run as USP messages; a ValueChange reaches a webhook; a firmware download from
// the file server runs as an async Download() whose OperationComplete settles the task. Then the same
// onboarding and tasks over MQTT through a real mosquitto.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { MqttAgentMtp } from "../../src/mtp/mqtt-agent.js";
import { WebSocketAgentMtp } from "../../src/mtp/websocket-client.js";
import { startMosquitto, type Mosquitto } from "../support/mosquitto.js";
import { TcpBalancer } from "../support/tcp-balancer.js";
import { tr181Source } from "../../src/sim/models/index.js";
import { compileUspModel } from "../../src/sim/usp/index.js";
import { agentMtpFactory, startUspSimulation } from "../../src/sim/usp/runtime/index.js";
import { eventually } from "../nbi/support.js";
import { Receiver } from "../nbi/webhook-receiver.js";
import { forEachBackend } from "../support/pg.js";
import type { TestAgent, TestAgentOptions } from "../support/usp-agent.js";
import { onboardAgent, runTaskKinds, settledTask } from "../support/usp-fleet.js";
import { startE2eAcs, type E2eAcs } from "./support.js";

const PC = "USPE2E";

forEachBackend((b) => {
  describe("USP end to end over WebSocket", () => {
    let e: E2eAcs;
    let hook: Receiver;
    const agents: TestAgent[] = [];

    before(async () => {
      e = await startE2eAcs(b, { settings: { webhooks: { allowTargets: ["127.0.0.1"] }, usp: { requestTimeout: 60 } } });
      hook = await new Receiver().start();
      const webhook = await e.admin.post("/api/webhooks", { name: `usp-${b.name}`, url: hook.url, events: ["device.valueChange"] });
      assert.equal(webhook.status, 201, JSON.stringify(webhook.body));
      // Every agent of this product class gets its SSID at bootstrap.
      const preset = await e.admin.put("/api/presets/usp-ssid", { name: "usp-ssid", filter: `productClass = "${PC}"`, events: ["0 BOOTSTRAP"], provisions: [{ name: "builtin:value", args: { path: "Device.WiFi.SSID.1.SSID", value: "provisioned", type: "xsd:string" } }] });
      assert.ok(preset.status === 200 || preset.status === 201, JSON.stringify(preset.body));
    });
    after(async () => {
      for (const a of agents) await a.mtp.close();
      await hook.close();
      await e.t.stop();
    });

    async function onboard(serial: string, o: Partial<TestAgentOptions> = {}): Promise<{ agent: TestAgent; id: string }> {
      const url = e.t.acs.uspWebsocketUrl;
      assert.ok(url !== null);
      const out = await onboardAgent((endpointId) => new WebSocketAgentMtp({ url, endpointId, username: e.t.username, password: e.t.password }), PC, serial, o);
      agents.push(out.agent);
      return out;
    }

    test("onboarding makes a USP device, and the preset's declarative provision applies", async () => {
      const { agent, id } = await onboard("E1");
      const dev = (await e.operator.get(`/api/devices/${id}`)).body;
      assert.equal(dev.device?.protocol ?? dev.protocol, "usp");
      assert.equal((await e.t.acs.store.uspEndpoints.get(`os::00D09E-${PC}-E1`))?.mtp, "websocket");
      await eventually(() => (agent.params.get("Device.WiFi.SSID.1.SSID") === "provisioned" ? true : undefined), "the provisioned SSID", 90_000);
      assert.ok(agent.requests("set").some((s) => s.updateObjs.some((u) => u.paramSettings.some((p) => p.value === "provisioned"))));
    });

    test("tasks through the API: getParameterValues, setParameterValues, addObject, deleteObject, reboot", async () => {
      const { agent, id } = await onboard("E2");
      await runTaskKinds(e.operator, agent, id);
    });

    test("a ValueChange reaches a webhook", async () => {
      const { agent, id } = await onboard("E3");
      agent.params.set("Device.WiFi.SSID.1.SSID", "renamed");
      await agent.notify({ notification: "valueChange", valueChange: { paramPath: "Device.WiFi.SSID.1.SSID", paramValue: "renamed" } });
      const delivery = await eventually(() => hook.received.map((d) => d.json).find((j) => j.deviceId === id && j.type === "device.valueChange"), "the webhook delivery", 90_000);
      assert.deepEqual(delivery.parameters, [{ path: "Device.WiFi.SSID.1.SSID", value: "renamed" }]);
    });

    test("a firmware download from the file server: an async Download() whose OperationComplete settles the task", async () => {
      const { agent, id } = await onboard("E4", { operate: (command) => (command.endsWith(".Download()") ? "async" : { outputArgs: {} }) });
      const image = randomBytes(16 * 1024);
      const upload = await fetch(`${e.t.apiUrl}/api/files?name=fw-2.0.0.bin&fileType=${encodeURIComponent("1 Firmware Upgrade Image")}&version=2.0.0&productClass=${PC}`, {
        method: "POST", headers: { Authorization: `Bearer ${e.t.adminKey}`, "Content-Type": "application/octet-stream" }, body: image,
      });
      assert.equal(upload.status, 201, await upload.clone().text());
      const fileId = ((await upload.json()) as { id: string }).id;
      const r = await e.operator.post(`/api/devices/${id}/tasks`, { name: "download", args: { fileId }, connectionRequest: true });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const op = await eventually(() => agent.requests("operate").find((o) => o.command.endsWith(".Download()")), "the Download() operate", 90_000);
      // The agent fetches the image by the signed link it was given, as a device would.
      const fetched = await fetch(op.inputArgs.URL!);
      assert.equal(fetched.status, 200);
      assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), image);
      agent.params.set("Device.DeviceInfo.SoftwareVersion", "2.0.0");
      await agent.notify({ notification: "operComplete", operComplete: { objPath: "Device.DeviceInfo.FirmwareImage.2.", commandName: "Download()", commandKey: op.commandKey, operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: {} } } });
      const done = await eventually(async () => {
        const t = (await e.operator.get(`/api/tasks/${r.body.id}`)).body;
        return t.status === "pending" || t.status === "waiting" ? undefined : t;
      }, "the download task settled", 90_000);
      assert.equal(done.status, "done", JSON.stringify(done));
    });

    test("the simulator's USP agents onboard with their device credentials and run tasks", async () => {
      const sim = startUspSimulation({
        devices: 2,
        model: compileUspModel(tr181Source(), { controllerId: "proto::provisio" }),
        identity: { acsUsername: e.t.username, acsPassword: e.t.password, productClass: "SIMUSP", serialPrefix: "SIMUSP" },
        mtp: agentMtpFactory(e.t.acs.uspWebsocketUrl!),
      });
      try {
        await sim.ready;
        const endpoints = await eventually(async () => {
          const found = await Promise.all(sim.agents.map((a) => e.t.acs.store.uspEndpoints.get(a.endpointId)));
          return found.every((x) => x !== null) ? found.map((x) => x!) : undefined;
        }, "the simulated agents onboarded", 90_000);
        const id = endpoints[0]!.deviceId;
        assert.equal((await e.operator.get(`/api/devices/${id}`)).body.device?.protocol ?? (await e.operator.get(`/api/devices/${id}`)).body.protocol, "usp");
        const got = await settledTask(e.operator, id, "getParameterValues", { parameterNames: ["Device.DeviceInfo.SoftwareVersion"] });
        assert.equal(got.status, "done", JSON.stringify(got));
        const rebooted = await settledTask(e.operator, id, "reboot", {});
        assert.equal(rebooted.status, "done", JSON.stringify(rebooted));
      } finally {
        await sim.stop();
      }
    });
    test("R-MTP.6: a task made while a simulated agent was offline runs as soon as it reconnects (its WebSocketConnect), with no Boot! or Periodic!", async () => {
      const wsUrl = new URL(e.t.acs.uspWebsocketUrl!);
      const port = Number(wsUrl.port);
      // The agent's way in, which the test cuts and restores; the agent itself stays up.
      const lb = await TcpBalancer.start([port]);
      const sim = startUspSimulation({
        devices: 1,
        model: compileUspModel(tr181Source(), { controllerId: "proto::provisio" }),
        identity: { acsUsername: e.t.username, acsPassword: e.t.password, productClass: "SIMRECON", serialPrefix: "SIMRECON" },
        mtp: agentMtpFactory(`ws://127.0.0.1:${lb.port}${wsUrl.pathname}`, { retryMinimumWaitSeconds: 0.2 }),
      });
      const usp = e.t.acs.usp!;
      try {
        const eid = sim.agents[0]!.endpointId;
        const id = (await eventually(async () => (await e.t.acs.store.uspEndpoints.get(eid)) ?? undefined, "the simulated agent onboarded", 90_000)).deviceId;
        await eventually(async () => ((await e.t.acs.store.sessionHistory.list(id, 50)).some((s) => s.summary.events.includes("0 BOOTSTRAP")) ? true : undefined), "its onboarding session", 90_000);

        lb.remove(port);
        lb.cut();
        await eventually(() => (usp.connected().includes(eid) ? undefined : true), "the controller saw the agent go", 60_000);
        const r = await e.operator.post(`/api/devices/${id}/tasks`, { name: "setParameterValues", args: { parameterValues: [{ name: "Device.WiFi.SSID.1.SSID", value: "while-away" }] }, connectionRequest: true });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal((await e.operator.get(`/api/tasks/${r.body.id}`)).body.status, "pending");
        const sessionsBefore = new Set((await e.t.acs.store.sessionHistory.list(id, 50)).map((s) => s.sessionId));

        lb.add(port);
        const done = await eventually(async () => {
          const t = (await e.operator.get(`/api/tasks/${r.body.id}`)).body;
          return t.status === "pending" || t.status === "waiting" ? undefined : t;
        }, "the task at the reconnection", 90_000);
        assert.equal(done.status, "done", JSON.stringify(done));
        assert.equal(sim.agents[0]!.tree.get("Device.WiFi.SSID.1.SSID", Date.now()), "while-away");
        const events = await eventually(async () => {
          const since = (await e.t.acs.store.sessionHistory.list(id, 50)).filter((s) => !sessionsBefore.has(s.sessionId));
          return since.length > 0 ? since.flatMap((s) => s.summary.events) : undefined;
        }, "the reconnection's session in the history", 60_000);
        assert.ok(events.includes("6 CONNECTION REQUEST"), JSON.stringify(events));
        assert.ok(!events.some((ev) => ev === "1 BOOT" || ev === "2 PERIODIC"), JSON.stringify(events));
      } finally {
        await sim.stop();
        await lb.close();
      }
    });
  });

  describe("USP end to end over MQTT through mosquitto", () => {
    let e: E2eAcs;
    let broker: Mosquitto;
    const mtps: MqttAgentMtp[] = [];

    before(async () => {
      // The broker authenticates its clients (an external broker's accounts, not Provisio's credentials).
      broker = await startMosquitto({ accounts: [{ user: "provisio", password: "controller-pw" }, { user: "agent", password: "agent-pw" }] });
      e = await startE2eAcs(b, { settings: { usp: { requestTimeout: 60, mqtt: { url: broker.url, username: "provisio", password: "controller-pw" } } } });
    });
    after(async () => {
      for (const m of mtps) await m.close();
      await e.t.stop();
      await broker.stop();
    });

    test("an agent onboards over MQTT, and tasks through the API reach it by its topic", async () => {
      const { agent, id } = await onboardAgent((endpointId) => {
        const mtp = new MqttAgentMtp({ url: broker.url, endpointId, username: "agent", password: "agent-pw" });
        mtps.push(mtp);
        return mtp;
      }, "USPMQTT", "M1");
      const dev = (await e.operator.get(`/api/devices/${id}`)).body;
      assert.equal(dev.device?.protocol ?? dev.protocol, "usp");
      const endpoint = await e.t.acs.store.uspEndpoints.ofDevice(id);
      assert.deepEqual([endpoint?.mtp, endpoint?.route], ["mqtt", "usp/agent/os::00D09E-USPMQTT-M1"]);
      await runTaskKinds(e.operator, agent, id);
    });
  });
});
