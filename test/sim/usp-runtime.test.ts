import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, msgBody, msgKind, noSessionContextRecord, uspMsg, type UspMsg } from "../../src/usp/index.js";
import { loopbackPair, type LoopbackController } from "../../src/sim/usp/index.js";
import { agentMtpFactory, startUspSimulation, type UspSimulation } from "../../src/sim/usp/runtime/index.js";
import { WebSocketControllerMtp } from "../../src/mtp/websocket-server.js";
import { startEmbeddedBroker } from "../../src/mtp/mqtt-broker.js";
import { MqttControllerMtp } from "../../src/mtp/mqtt-controller.js";
import type { ControllerMtp, ControllerMtpHandler } from "../../src/mtp/types.js";
import type { MtpAuthenticator, MtpPeer, MtpRoute } from "../../src/mtp/types.js";
import { silentLogger } from "../../src/server/logger.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { TcpBalancer } from "../support/tcp-balancer.js";
import { startMosquitto } from "../support/mosquitto.js";
import { CTRL, uspModel } from "./support/usp.js";

/** Waits for a condition, with a generous limit for a loaded machine. */
async function until(what: string, ok: () => boolean, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The devices' credentials as Provisio's store would hold them, an authenticator checking them, and the logins it saw. */
function credentialStore(devices: number): { logins: MtpPeer[]; authenticate: MtpAuthenticator } {
  const m = uspModel();
  const passwords = new Map(Array.from({ length: devices }, (_, i) => {
    const id = makeIdentity(m.model.identityDefaults, {}, i);
    return [id.acsUsername, id.acsPassword] as const;
  }));
  const logins: MtpPeer[] = [];
  const authenticate: MtpAuthenticator = (peer, password) => {
    logins.push(peer);
    return Promise.resolve(peer.username !== null && passwords.get(peer.username) === password);
  };
  return { logins, authenticate };
}

/** A controller MTP's handler that answers Notifies wanting a NotifyResp and keeps every Msg and route by agent. */
function answering(mtp: ControllerMtp, routes: Map<string, MtpRoute>, received: Map<string, UspMsg[]>): ControllerMtpHandler {
  return {
    record(bytes, route, peer) {
      const record = decodeRecord(bytes);
      if (peer.endpointId !== null) assert.equal(record.fromId, peer.endpointId);
      routes.set(record.fromId, route);
      if (record.recordType !== "noSessionContext") return;
      const msg = decodeMsg(record.noSessionContext.payload);
      received.set(record.fromId, [...(received.get(record.fromId) ?? []), msg]);
      const n = msgBody(msg, "notify");
      if (n?.sendResp) void mtp.send(route, encodeRecord(noSessionContextRecord(CTRL, record.fromId, encodeMsg(uspMsg("notifyResp", msg.header.msgId, { subscriptionId: n.subscriptionId })))));
    },
  };
}

/** A controller over loopbacks: answers OnBoardRequests, remembers every Msg by agent. */
class Controller {
  readonly ends = new Map<string, LoopbackController>();
  readonly received = new Map<string, UspMsg[]>();
  readonly logins = new Map<string, string>();
  #ids = 0;

  take(endpointId: string, bytes: Uint8Array): void {
    const record = decodeRecord(bytes);
    assert.equal(record.toId, CTRL);
    assert.equal(record.fromId, endpointId);
    if (record.recordType !== "noSessionContext") return;
    const msg = decodeMsg(record.noSessionContext.payload);
    const list = this.received.get(endpointId) ?? [];
    list.push(msg);
    this.received.set(endpointId, list);
    const n = msgBody(msg, "notify");
    if (n?.sendResp) this.send(endpointId, uspMsg("notifyResp", msg.header.msgId, { subscriptionId: n.subscriptionId }));
  }

  send(endpointId: string, msg: UspMsg): void {
    const end = this.ends.get(endpointId);
    assert.ok(end?.send(encodeRecord(noSessionContextRecord(CTRL, endpointId, encodeMsg(msg)))));
  }

  request(endpointId: string, msg: Parameters<typeof uspMsg>[0], body: Parameters<typeof uspMsg>[2]): string {
    const id = `c-${++this.#ids}`;
    this.send(endpointId, uspMsg(msg, id, body));
    return id;
  }

  answer(endpointId: string, msgId: string): UspMsg | undefined {
    return this.received.get(endpointId)?.find((m) => m.header.msgId === msgId);
  }
}

function run(devices: number, ctrl: Controller): UspSimulation {
  return startUspSimulation({
    devices,
    model: uspModel(),
    connectConcurrency: 16,
    mtp: (login, reached) => {
      ctrl.logins.set(login.endpointId, `${login.username}:${login.password}`);
      const pair = loopbackPair((bytes) => ctrl.take(login.endpointId, bytes));
      ctrl.ends.set(login.endpointId, pair.controller);
      return { ...pair.agent, connect: (onRecord) => pair.agent.connect(onRecord).then(() => reached()) };
    },
  });
}

test("many agents over the loopback: each onboards, answers Gets, and notifies a subscriber of a control-API change", async () => {
  const ctrl = new Controller();
  const devices = 300;
  const sim = run(devices, ctrl);
  try {
    await sim.ready;
    await until("every agent onboarded", () => sim.stats().onboarded === devices);
    const ids = sim.agents.map((a) => a.endpointId);
    assert.equal(new Set(ids).size, devices);
    // Each agent names itself by its device, and logs in with its device's credentials.
    assert.match(ids[7]!, /^os::00D09E-PG-4100-PRV000008$/);
    assert.match(ctrl.logins.get(ids[7]!)!, /^00D09E-PRV000008:\w+$/);
    for (const id of ids) {
      const first = ctrl.received.get(id)![0]!;
      const n = msgBody(first, "notify");
      assert.ok(n?.notification === "onBoardReq");
    }

    const asked = ids.map((id) => [id, ctrl.request(id, "get", { paramPaths: ["Device.DeviceInfo.SerialNumber"], maxDepth: 0 })] as const);
    await until("every GetResp", () => asked.every(([id, m]) => ctrl.answer(id, m) !== undefined));
    for (const [i, [id, m]] of asked.entries()) {
      const resp = msgBody(ctrl.answer(id, m)!, "getResp")!;
      assert.equal(resp.reqPathResults[0]!.resolvedPathResults[0]!.resultParams.SerialNumber, sim.agents[i]!.tree.identity.serialNumber);
    }

    const target = ids[42]!;
    const add = ctrl.request(target, "add", {
      allowPartial: false,
      createObjs: [{ objPath: "Device.LocalAgent.Subscription.", paramSettings: [
        { param: "Enable", value: "true", required: true }, { param: "ID", value: "vc-1", required: true },
        { param: "NotifType", value: "ValueChange", required: true }, { param: "ReferenceList", value: "Device.DeviceInfo.HostName", required: true },
        { param: "NotifRetry", value: "true", required: true },
      ] }],
    });
    await until("the AddResp", () => ctrl.answer(target, add) !== undefined);
    assert.equal(msgKind(ctrl.answer(target, add)!), "addResp");
    sim.controls(42).setValue("Device.DeviceInfo.HostName", "den");
    await until("the ValueChange", () => ctrl.received.get(target)!.some((m) => msgBody(m, "notify")?.notification === "valueChange"));
    const vc = ctrl.received.get(target)!.map((m) => msgBody(m, "notify")).find((n) => n?.notification === "valueChange")!;
    assert.ok(vc.notification === "valueChange" && vc.valueChange.paramValue === "den" && vc.subscriptionId === "vc-1");
    // Answered, so nothing waits any more.
    await until("the NotifyResp to arrive", () => sim.stats().unanswered === 0);
    // Nobody else subscribed: the other agents sent only their OnBoardRequest and GetResp.
    assert.equal(ctrl.received.get(ids[0]!)!.length, 2);

    // A reboot from the control API: the agent is down, then up again.
    sim.controls(3).reboot();
    assert.equal(sim.agents[3]!.up, false);
    const stats = await sim.stop();
    assert.equal(stats.agents, devices);
    assert.equal(stats.connected, devices);
    assert.ok(stats.recordsIn >= devices * 2 && stats.recordsOut >= devices * 2);
    assert.equal(stats.sendFailures, 0);
  } finally {
    await sim.stop();
  }
});

test("agents over real WebSockets: each logs in with its device's credentials, names itself, onboards and answers", async () => {
  const devices = 40;
  const m = uspModel();
  const { logins, authenticate } = credentialStore(devices);
  const routes = new Map<string, MtpRoute>();
  const received = new Map<string, UspMsg[]>();
  const server = new WebSocketControllerMtp({
    host: "127.0.0.1", port: 0, path: "/usp", endpointId: CTRL, tls: null, auth: "required", realm: "provisio", allowedOrigins: [],
    maxRecordBytes: 16 * 1024 * 1024, pingIntervalMs: 0, maxConnections: 0, maxConnectionsPerAddress: 0, retryAfterSeconds: 5, log: silentLogger,
  }, authenticate);
  await server.start(answering(server, routes, received));
  const sim = startUspSimulation({ devices, model: m, connectConcurrency: 8, mtp: agentMtpFactory(`ws://127.0.0.1:${server.port}/usp`, { retryMinimumWaitSeconds: 0.2 }) });
  try {
    await until("every agent onboarded over WebSocket", () => sim.stats().onboarded === devices);
    assert.equal(new Set(logins.map((p) => p.endpointId)).size, devices);
    for (const p of logins) assert.equal(p.username, `00D09E-${p.endpointId!.slice("os::00D09E-PG-4100-".length)}`);
    const ids = sim.agents.map((a) => a.endpointId);
    for (const id of ids) void server.send(routes.get(id)!, encodeRecord(noSessionContextRecord(CTRL, id, encodeMsg(uspMsg("get", "g-1", { paramPaths: ["Device.LocalAgent.EndpointID"], maxDepth: 0 })))));
    await until("every GetResp over WebSocket", () => ids.every((id) => received.get(id)?.some((msg) => msg.header.msgId === "g-1")));
    for (const id of ids) {
      const resp = msgBody(received.get(id)!.find((msg) => msg.header.msgId === "g-1")!, "getResp")!;
      assert.equal(resp.reqPathResults[0]!.resolvedPathResults[0]!.resultParams.EndpointID, id);
    }
  } finally {
    await sim.stop();
    await server.stop();
  }
});

test("the runtime performs an agent's Download() over HTTP and the controller hears its OperationComplete", async () => {
  const files = createServer((req, res) => {
    res.writeHead(req.url === "/fw/gw-6.1.0.bin" ? 200 : 404);
    res.end(req.url === "/fw/gw-6.1.0.bin" ? Buffer.alloc(1000, 1) : undefined);
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  const ctrl = new Controller();
  const sim = run(3, ctrl);
  try {
    await until("every agent onboarded", () => sim.stats().onboarded === 3);
    const id = sim.agents[1]!.endpointId;
    const sub = ctrl.request(id, "add", {
      allowPartial: false,
      createObjs: [{ objPath: "Device.LocalAgent.Subscription.", paramSettings: [
        { param: "Enable", value: "true", required: true }, { param: "ID", value: "fw", required: true },
        { param: "NotifType", value: "OperationComplete", required: true }, { param: "ReferenceList", value: "Device.DeviceInfo.FirmwareImage.", required: true },
      ] }],
    });
    await until("the AddResp", () => ctrl.answer(id, sub) !== undefined);
    for (const file of ["gw-6.1.0.bin", "nothing.bin"]) {
      ctrl.request(id, "operate", { command: "Device.DeviceInfo.FirmwareImage.2.Download()", commandKey: file, sendResp: true, inputArgs: { URL: `${base}/fw/${file}`, AutoActivate: "false" } });
      await until(`the OperationComplete of ${file}`, () => ctrl.received.get(id)!.some((m) => {
        const n = msgBody(m, "notify");
        return n?.notification === "operComplete" && n.operComplete.commandKey === file;
      }));
    }
    const completes = ctrl.received.get(id)!.flatMap((m) => {
      const n = msgBody(m, "notify");
      return n?.notification === "operComplete" ? [n.operComplete] : [];
    });
    assert.deepEqual(completes.map((c) => [c.commandKey, c.operationResp]), [["gw-6.1.0.bin", "reqOutputArgs"], ["nothing.bin", "cmdFailure"]]);
    assert.deepEqual(sim.stats().downloads, { completed: 1, failed: 1 });
    assert.equal(sim.agents[1]!.tree.get("Device.DeviceInfo.FirmwareImage.2.Version", Date.now()), "6.1.0");
  } finally {
    await sim.stop();
    files.close();
  }
});

test("agents over MQTT through the embedded broker: their own logins and topics, onboarding, answers", async () => {
  const devices = 20;
  const m = uspModel();
  const { logins, authenticate } = credentialStore(devices);
  const broker = await startEmbeddedBroker({
    host: "127.0.0.1", port: 0, controllerTopic: "usp/sim-test", controllerClientId: CTRL, maxPacketBytes: 1024 * 1024,
    authenticate,
  });
  const controller = new MqttControllerMtp({ url: broker.url, ...broker.controllerLogin, endpointId: CTRL, topic: "usp/sim-test", maxRecordBytes: 1024 * 1024, protocolVersion: 4 });
  const routes = new Map<string, MtpRoute>();
  const received = new Map<string, UspMsg[]>();
  await controller.start(answering(controller, routes, received));
  const sim = startUspSimulation({ devices, model: m, connectConcurrency: 8, mtp: agentMtpFactory(broker.url, { controllerTopic: "usp/sim-test", retryMinimumWaitSeconds: 0.2 }) });
  try {
    await until("every agent onboarded over MQTT", () => sim.stats().onboarded === devices);
    const ids = sim.agents.map((a) => a.endpointId);
    assert.deepEqual(new Set(logins.filter((p) => p.username !== broker.controllerLogin.username).map((p) => p.endpointId)), new Set(ids));
    for (const id of ids) assert.equal(routes.get(id)!.address, `usp/agent/${id}`);
    for (const id of ids) void controller.send(routes.get(id)!, encodeRecord(noSessionContextRecord(CTRL, id, encodeMsg(uspMsg("getInstances", "gi-1", { objPaths: ["Device.NAT.PortMapping."], firstLevelOnly: true })))));
    await until("every GetInstancesResp over MQTT", () => ids.every((id) => received.get(id)?.some((msg) => msg.header.msgId === "gi-1")));
    for (const id of ids) {
      const resp = msgBody(received.get(id)!.find((msg) => msg.header.msgId === "gi-1")!, "getInstancesResp")!;
      assert.deepEqual(resp.reqPathResults[0]!.currInsts.map((c) => c.instantiatedObjPath), ["Device.NAT.PortMapping.1."]);
    }
  } finally {
    await sim.stop();
    await controller.stop();
    await broker.close();
  }
});

/** Every Record's type (and MQTTConnect's fields) by agent and by the route it came on, in order; answers as `answering`. */
function recording(mtp: ControllerMtp, byAgent: Map<string, { route: string; type: string; mqtt?: unknown }[]>): ControllerMtpHandler {
  const answer = answering(mtp, new Map(), new Map());
  return {
    record(bytes, route, peer) {
      const record = decodeRecord(bytes);
      const list = byAgent.get(record.fromId) ?? [];
      list.push({ route: route.address, type: record.recordType, ...(record.recordType === "mqttConnect" ? { mqtt: record.mqttConnect } : {}) });
      byAgent.set(record.fromId, list);
      answer.record(bytes, route, peer);
    },
  };
}

const connects = (records: { type: string }[] | undefined, type: string) => (records ?? []).filter((r) => r.type === type).length;

test("R-MTP.6: over WebSocket, each agent's first Record on every connection, the first and those after an outage, is a WebSocketConnect", async () => {
  const devices = 4;
  const { authenticate } = credentialStore(devices);
  const server = new WebSocketControllerMtp({
    host: "127.0.0.1", port: 0, path: "/usp", endpointId: CTRL, tls: null, auth: "required", realm: "provisio", allowedOrigins: [],
    maxRecordBytes: 16 * 1024 * 1024, pingIntervalMs: 0, maxConnections: 0, maxConnectionsPerAddress: 0, retryAfterSeconds: 5, log: silentLogger,
  }, authenticate);
  const byAgent = new Map<string, { route: string; type: string }[]>();
  await server.start(recording(server, byAgent));
  const lb = await TcpBalancer.start([server.port]);
  const sim = startUspSimulation({ devices, model: uspModel(), mtp: agentMtpFactory(`ws://127.0.0.1:${lb.port}/usp`, { retryMinimumWaitSeconds: 0.2 }) });
  try {
    const ids = sim.agents.map((a) => a.endpointId);
    await until("every agent onboarded", () => sim.stats().onboarded === devices);
    lb.cut();
    await until("every agent connected again", () => ids.every((id) => connects(byAgent.get(id), "websocketConnect") >= 2));
    for (const id of ids) {
      const records = byAgent.get(id)!;
      const routes = [...new Set(records.map((r) => r.route))];
      assert.ok(routes.length >= 2, `${id}: ${JSON.stringify(records)}`);
      for (const route of routes) assert.equal(records.find((r) => r.route === route)!.type, "websocketConnect", `${id}: ${JSON.stringify(records)}`);
      assert.equal(connects(records, "websocketConnect"), routes.length, "one WebSocketConnect per connection");
    }
  } finally {
    await sim.stop();
    await lb.close();
    await server.stop();
  }
});

test("R-MTP.6: over MQTT through mosquitto, each agent sends an MQTTConnect with its MQTT version and topic when it connects and when it is back after an outage", async () => {
  const devices = 3;
  const m = uspModel();
  const accounts = Array.from({ length: devices }, (_, i) => {
    const id = makeIdentity(m.model.identityDefaults, {}, i);
    return { user: id.acsUsername, password: id.acsPassword };
  });
  const broker = await startMosquitto({ accounts: [...accounts, { user: "controller", password: "controller-pw" }] });
  const controller = new MqttControllerMtp({ url: broker.url, username: "controller", password: "controller-pw", endpointId: CTRL, topic: "usp/sim-test", maxRecordBytes: 1024 * 1024 });
  const byAgent = new Map<string, { route: string; type: string; mqtt?: unknown }[]>();
  await controller.start(recording(controller, byAgent));
  // The agents reach the broker through a proxy that can cut them off; the controller stays connected.
  const lb = await TcpBalancer.start([broker.port]);
  const sim = startUspSimulation({ devices, model: m, mtp: agentMtpFactory(`mqtt://127.0.0.1:${lb.port}`, { controllerTopic: "usp/sim-test", retryMinimumWaitSeconds: 0.2 }) });
  try {
    const ids = sim.agents.map((a) => a.endpointId);
    await until("every agent onboarded over MQTT", () => sim.stats().onboarded === devices);
    for (const id of ids) assert.equal(byAgent.get(id)![0]!.type, "mqttConnect", `${id}: ${JSON.stringify(byAgent.get(id))}`);
    lb.cut();
    await until("every agent back with an MQTTConnect", () => ids.every((id) => connects(byAgent.get(id), "mqttConnect") >= 2));
    for (const id of ids) {
      for (const r of byAgent.get(id)!.filter((x) => x.type === "mqttConnect")) {
        assert.deepEqual(r.mqtt, { version: "V5", subscribedTopic: `usp/agent/${id}` });
        assert.equal(r.route, `usp/agent/${id}`);
      }
    }
  } finally {
    await sim.stop();
    await lb.close();
    await controller.stop();
    await broker.stop();
  }
});
