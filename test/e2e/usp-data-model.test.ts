// Each agent's data model learnt with GetSupportedDM, and instances created and deleted on the agent's
// side, end to end on both stores: the real ACS and the simulator's USP agents over real WebSocket. The
// Records the agents receive are read off their MTP (a tap on the real traffic) to count what the
// controller asked. Two agents of one model and version onboarding together cost one GetSupportedDM; the
// device API shows the model; a task's value takes the learnt type; a command the model lacks fails
// before it is sent; an instance the agent adds (and deletes) reaches the stored tree and a webhook.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AgentMtp } from "../../src/mtp/types.js";
import { tr181Source } from "../../src/sim/models/index.js";
import { learnSupportedDm, supportedDmRequest } from "../../src/controller/supported-dm.js";
import { compileUspModel, getSupportedDm } from "../../src/sim/usp/index.js";
import { agentMtpFactory, startUspSimulation, type UspSimulation } from "../../src/sim/usp/runtime/index.js";
import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, msgBody, msgKind, type MessageBodies, type MessageKind, type UspMsg } from "../../src/usp/index.js";
import { eventually } from "../nbi/support.js";
import { Receiver } from "../nbi/webhook-receiver.js";
import { forEachBackend } from "../support/pg.js";
import { settledTask } from "../support/usp-fleet.js";
import { startE2eAcs, type E2eAcs } from "./support.js";

type MtpFactory = ReturnType<typeof agentMtpFactory>;

/** The agents' MTPs as they are, each Msg they receive also kept (by the agent's endpoint id) for the test to read. */
function tapped(factory: MtpFactory, seen: { to: string; msg: UspMsg }[]): MtpFactory {
  return (login, reached) => {
    const mtp = factory(login, reached);
    const tap: AgentMtp = {
      connect: (onRecord) => mtp.connect((bytes) => {
        const record = decodeRecord(bytes);
        if (record.recordType === "noSessionContext") seen.push({ to: record.toId, msg: decodeMsg(record.noSessionContext.payload) });
        onRecord(bytes);
      }),
      send: (bytes, replyTo) => mtp.send(withoutTraceRoute(bytes), replyTo),
      close: () => mtp.close(),
    };
    return tap;
  };
}

/**
 * The agents' GetSupportedDMResp without TraceRoute(): the simulator runs every diagnostic, and this test
 * needs a command the agent's model lacks.
 */
function withoutTraceRoute(bytes: Uint8Array): Uint8Array {
  const record = decodeRecord(bytes);
  if (record.recordType !== "noSessionContext") return bytes;
  const msg = decodeMsg(record.noSessionContext.payload);
  const resp = msgBody(msg, "getSupportedDmResp");
  if (resp === undefined) return bytes;
  for (const r of resp.reqObjResults) for (const o of r.supportedObjs) o.supportedCommands = o.supportedCommands.filter((c) => !c.commandName.startsWith("TraceRoute"));
  return encodeRecord({ ...record, noSessionContext: { payload: encodeMsg(msg) } });
}

forEachBackend((b) => {
  describe("USP data models and object changes over WebSocket", () => {
    let e: E2eAcs;
    let hook: Receiver;
    let sim: UspSimulation;
    const seen: { to: string; msg: UspMsg }[] = [];
    let ids: string[] = [];

    const received = <K extends MessageKind>(kind: K, to?: string): MessageBodies[K][] =>
      seen.filter((s) => (to === undefined || s.to === to) && msgKind(s.msg) === kind).map((s) => msgBody(s.msg, kind)!);

    before(async () => {
      e = await startE2eAcs(b, { settings: { webhooks: { allowTargets: ["127.0.0.1"] }, usp: { requestTimeout: 60 } } });
      hook = await new Receiver().start();
      const webhook = await e.admin.post("/api/webhooks", { name: `usp-dm-${b.name}`, url: hook.url, events: ["device.objectCreated", "device.objectDeleted"] });
      assert.equal(webhook.status, 201, JSON.stringify(webhook.body));
      sim = startUspSimulation({
        devices: 2,
        model: compileUspModel(tr181Source(), { controllerId: "proto::provisio" }),
        identity: { acsUsername: e.t.username, acsPassword: e.t.password, productClass: "DMSIM", serialPrefix: "DMSIM" },
        mtp: tapped(agentMtpFactory(e.t.acs.uspWebsocketUrl!), seen),
      });
      await sim.ready;
      const endpoints = await eventually(async () => {
        const found = await Promise.all(sim.agents.map((a) => e.t.acs.store.uspEndpoints.get(a.endpointId)));
        return found.every((x) => x !== null) ? found.map((x) => x!) : undefined;
      }, "the simulated agents onboarded", 90_000);
      ids = endpoints.map((x) => x.deviceId);
      // Onboarded whole: each agent has the controller's subscriptions, object creation and deletion among them.
      await eventually(() => (sim.agents.every((a) => received("add", a.endpointId).some((add) => add.createObjs.some((c) => c.paramSettings.some((p) => p.value === "provisio-object-deletion")))) ? true : undefined), "the controller's subscriptions", 90_000);
    });
    after(async () => {
      await sim?.stop();
      await hook?.close();
      await e?.t.stop();
    });

    test("two agents of one model and version onboarding together: one GetSupportedDM, the model kept once", async () => {
      const asked = received("getSupportedDm");
      assert.equal(asked.length, 1, JSON.stringify(asked));
      assert.deepEqual(asked[0]?.objPaths, ["Device."]);
      assert.equal(asked[0]?.returnCommands && asked[0].returnEvents && asked[0].returnParams && !asked[0].firstLevelOnly, true);
      const [a, c] = await Promise.all(ids.map((id) => e.t.acs.store.uspDataModels.ofDevice(id)));
      assert.ok(a !== null && a !== undefined && c !== null);
      assert.deepEqual(a, c);
      assert.equal(a.complete, true);
      assert.equal(a.productClass, "DMSIM");
    });

    test("the device API shows the model's counts, and lists its commands and events", async () => {
      const dev = await e.operator.get(`/api/devices/${ids[0]}?parameters=none`);
      assert.equal(dev.status, 200, JSON.stringify(dev.body));
      const summary = dev.body.usp.dataModel;
      assert.equal(summary.productClass, "DMSIM");
      // What the simulator's model holds, counted from its own answer as the test passes it on (less TraceRoute()).
      const expected = learnSupportedDm(getSupportedDm(compileUspModel(tr181Source(), { controllerId: "proto::provisio" }), supportedDmRequest()))!.model.counts();
      expected.commands -= 1;
      assert.deepEqual({ objects: summary.objects, parameters: summary.parameters, commands: summary.commands, events: summary.events }, expected);
      const dm = await e.operator.get(`/api/devices/${ids[0]}/usp/data-model`);
      assert.equal(dm.status, 200, JSON.stringify(dm.body));
      assert.equal(dm.body.dataModel.commands, dm.body.dataModel.commandList.length);
      const commands = new Map((dm.body.dataModel.commandList as { path: string; async: boolean }[]).map((c) => [c.path, c.async]));
      assert.equal(commands.get("Device.Reboot()"), false);
      assert.equal(commands.get("Device.IP.Diagnostics.IPPing()"), true);
      assert.equal(commands.get("Device.DeviceInfo.FirmwareImage.{i}.Download()"), true);
      assert.deepEqual((dm.body.dataModel.eventList as { path: string }[]).map((ev) => ev.path), ["Device.Boot!", "Device.LocalAgent.Periodic!"]);
      assert.equal((await e.operator.get("/api/devices/nobody/usp/data-model")).status, 404);
    });

    test("a setParameterValues task takes the learnt type of a parameter the standard model does not give", async () => {
      const name = "Device.LocalAgent.Controller.1.PeriodicNotifInterval";
      const bad = await e.operator.post(`/api/devices/${ids[0]}/tasks`, { name: "setParameterValues", args: { parameterValues: [{ name, value: "soon" }] } });
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      assert.match(JSON.stringify(bad.body), /xsd:unsignedInt \(the type the USP agent's supported data model defines\)/);
      const t = await settledTask(e.operator, ids[0]!, "setParameterValues", { parameterValues: [{ name, value: "600" }] });
      assert.equal(t.status, "done", JSON.stringify(t));
      assert.ok(received("set", sim.agents[0]!.endpointId).some((s) => s.updateObjs.some((u) => u.objPath + u.paramSettings[0]?.param === name && u.paramSettings[0]?.value === "600")));
      const stored = (await e.operator.get(`/api/devices/${ids[0]}?parameters=flat&prefix=${name}`)).body.parameters[name];
      assert.deepEqual([stored?.value, stored?.type], ["600", "xsd:unsignedInt"]);
    });

    test("a command the agent's model lacks fails before anything is sent", async () => {
      const t = await settledTask(e.operator, ids[1]!, "setParameterValues", { parameterValues: [{ name: "Device.IP.Diagnostics.TraceRoute.DiagnosticsState", value: "Requested" }, { name: "Device.IP.Diagnostics.TraceRoute.Host", value: "example.net" }] });
      assert.equal(t.status, "failed", JSON.stringify(t));
      assert.equal(t.lastFault?.code, "cwmp.9000");
      assert.match(t.lastFault?.message ?? "", /Device\.IP\.Diagnostics\.TraceRoute\(\) is not supported by this agent/);
      assert.equal(received("operate").filter((o) => o.command.includes("TraceRoute")).length, 0);
    });

    test("an instance the agent adds reaches the stored tree and a webhook; its deletion removes it", async () => {
      const id = ids[1]!;
      const path = sim.controls(1).addObject("Device.NAT.PortMapping.");
      assert.match(path, /^Device\.NAT\.PortMapping\.\d+\.$/);
      const created = await eventually(() => hook.received.map((d) => d.json).find((j) => j.deviceId === id && j.type === "device.objectCreated" && j.path === path), "the objectCreated webhook", 90_000);
      assert.ok((created.parameters as { path: string }[]).some((p) => p.path === `${path}Enable`), JSON.stringify(created));
      const tree = (await e.operator.get(`/api/devices/${id}?parameters=flat&prefix=${path}`)).body.parameters;
      assert.equal(tree[path]?.object, true);
      assert.deepEqual([tree[`${path}Enable`]?.type, tree[`${path}Enable`]?.writable], ["xsd:boolean", true]);
      assert.equal(tree[`${path}ExternalPort`]?.type, "xsd:unsignedInt");
      // The Get that read it named the instance.
      assert.ok(received("get", sim.agents[1]!.endpointId).some((g) => g.paramPaths.includes(path)));

      sim.controls(1).deleteObject(path);
      const deleted = await eventually(() => hook.received.map((d) => d.json).find((j) => j.deviceId === id && j.type === "device.objectDeleted" && j.path === path), "the objectDeleted webhook", 90_000);
      assert.ok((deleted.removed as number) > 1, JSON.stringify(deleted));
      assert.deepEqual((await e.operator.get(`/api/devices/${id}?parameters=flat&prefix=${path}`)).body.parameters, {});
      // The other agent's tree holds no such instance.
      assert.deepEqual((await e.operator.get(`/api/devices/${ids[0]}?parameters=flat&prefix=${path}`)).body.parameters, {});
    });
  });
});
