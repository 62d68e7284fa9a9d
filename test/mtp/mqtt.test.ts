// The USP MQTT MTP end to end: the controller's and the agents' sides exchange real Records through a
// real Mosquitto (MQTT 5, and an MQTT 3.1.1 agent), and through Provisio's embedded broker (3.1.1), with
// its logins and ACLs. No mock: sockets on 127.0.0.1, brokers started by the test.

import assert from "node:assert/strict";
import { createServer, type AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import mqtt from "mqtt";
import type { IClientOptions, IPublishPacket, MqttClient } from "mqtt";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../src/mtp/mqtt-broker.js";
import { MqttAgentMtp, type MqttAgentOptions } from "../../src/mtp/mqtt-agent.js";
import { MqttControllerMtp } from "../../src/mtp/mqtt-controller.js";
import { mqttMtpFromConfig } from "../../src/mtp/mqtt-mtp.js";
import { loadConfig } from "../../src/config/index.js";
import { MqttMtpError, agentTopic, withReplyTo } from "../../src/mtp/mqtt-usp.js";
import type { MtpPeer, MtpRoute } from "../../src/mtp/types.js";
import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, noSessionContextRecord, uspMsg } from "../../src/usp/index.js";
import { until } from "../support/acs-process.js";
import { startMosquitto, type Mosquitto } from "../support/mosquitto.js";

const CONTROLLER = "proto::provisio";
const AGENTS = ["os::00D09E-Gateway-MQ0001", "os::00D09E-Gateway-MQ0002", "os::00D09E-MQ0003"];
const TOPIC = "usp/controller";
const WAIT_MS = 60_000;

/** A Record carrying a Get of `marker`, so each exchange is told apart. */
function record(from: string, to: string, marker: string, padding = 0): Uint8Array {
  const msg = uspMsg("get", marker, { paramPaths: [`Device.${marker}.`, ...(padding ? ["x".repeat(padding)] : [])], maxDepth: 0 });
  return encodeRecord(noSessionContextRecord(from, to, encodeMsg(msg)));
}

function markerOf(bytes: Uint8Array): string {
  const r = decodeRecord(bytes);
  assert.equal(r.recordType, "noSessionContext");
  return decodeMsg(r.noSessionContext.payload).header.msgId;
}

interface Received {
  marker: string;
  route: MtpRoute;
  peer: MtpPeer;
}

/** What the controller's handler was given, waited on by marker. */
class Inbox {
  readonly items: Received[] = [];
  take = (bytes: Uint8Array, route: MtpRoute, peer: MtpPeer) => this.items.push({ marker: markerOf(bytes), route, peer });
  async get(marker: string): Promise<Received> {
    await until(`the controller takes ${marker}`, () => Promise.resolve(this.items.some((r) => r.marker === marker)), WAIT_MS);
    return this.items.find((r) => r.marker === marker)!;
  }
}

/** An agent with the Records it was sent. */
async function openAgent(options: MqttAgentOptions): Promise<{ mtp: MqttAgentMtp; got: string[] }> {
  const got: string[] = [];
  const mtp = new MqttAgentMtp(options);
  await mtp.connect((bytes) => got.push(markerOf(bytes)));
  return { mtp, got };
}

function waitFor<T>(what: string, items: T[], match: (item: T) => boolean): Promise<void> {
  return until(what, () => Promise.resolve(items.some(match)), WAIT_MS);
}

/** Resolves when the broker ends the client's connection; fails the test if it does not within WAIT_MS. */
function closedByBroker(client: MqttClient): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the broker kept the connection open")), WAIT_MS);
    client.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const password = (eid: string) => `secret-of-${eid}`;
const safeUser = (eid: string) => eid.replace(/[^A-Za-z0-9]/g, "-");

/** An agent of AGENTS with its own login. */
function agentLogin(url: string, eid: string, more: Partial<MqttAgentOptions>): MqttAgentOptions {
  return { url, endpointId: eid, username: safeUser(eid), password: password(eid), reconnectMs: 200, ...more };
}

describe("USP over MQTT through Mosquitto", () => {
  let broker: Mosquitto;
  let controller: MqttControllerMtp;
  const inbox = new Inbox();
  const agents: MqttAgentMtp[] = [];

  before(async () => {
    broker = await startMosquitto({
      accounts: [{ user: "provisio", password: "controller-pw" }, { user: "spy", password: "spy-pw" }, ...AGENTS.map((eid) => ({ user: safeUser(eid), password: password(eid) }))],
      acl: [
        "user provisio",
        "topic readwrite usp/#",
        "user spy",
        "topic read usp/#",
        // Every agent: its own topic to read, the controller's to write (MQTT 3.1.1 one level below).
        "pattern read usp/agent/%c",
        "pattern read usp/agent/%c/+",
        "pattern write usp/controller",
        "pattern write usp/controller/+",
      ],
    });
    controller = new MqttControllerMtp({ url: broker.url, username: "provisio", password: "controller-pw", endpointId: CONTROLLER, topic: TOPIC, maxRecordBytes: 4096, reconnectMs: 200 });
    await controller.start({ record: inbox.take });
  });

  after(async () => {
    for (const a of agents) await a.close();
    await controller?.stop();
    await broker?.stop();
  });

  const agentOptions = (eid: string, more: Partial<MqttAgentOptions> = {}) => agentLogin(broker.url, eid, more);

  it("carries Records both ways between the controller and several agents, each answered on its Response Topic", async () => {
    // A bystander sees the PUBLISHes as the broker forwards them: MQTT 5 properties included.
    const spied: IPublishPacket[] = [];
    const spy: MqttClient = mqtt.connect(broker.url, { protocolVersion: 5, username: "spy", password: "spy-pw", clientId: "spy", reconnectPeriod: 0 } satisfies IClientOptions);
    spy.on("message", (_topic, _payload, packet) => spied.push(packet));
    await spy.subscribeAsync("usp/#", { qos: 1 });
    try {
      const opened = await Promise.all(AGENTS.map((eid) => openAgent(agentOptions(eid))));
      agents.push(...opened.map((o) => o.mtp));
      for (const [i, { mtp }] of opened.entries()) assert.equal(await mtp.send(record(AGENTS[i]!, CONTROLLER, `hello-${i}`)), true);

      for (const [i, eid] of AGENTS.entries()) {
        const r = await inbox.get(`hello-${i}`);
        assert.deepEqual(r.route, { mtp: "mqtt", address: agentTopic(eid) });
        assert.deepEqual(r.peer, { endpointId: eid, username: null, certCn: null, remoteAddress: null });
        assert.equal(await controller.send(r.route, record(CONTROLLER, eid, `answer-${i}`)), true);
      }
      for (const [i, { got }] of opened.entries()) await waitFor(`agent ${i} gets its answer`, got, (m) => m === `answer-${i}`);
      // Each agent got its own answer and nobody else's.
      for (const [i, { got }] of opened.entries()) assert.deepEqual(got, [`answer-${i}`]);

      await waitFor("the spy sees an agent's PUBLISH", spied, (p) => p.topic === TOPIC);
      const fromAgent = spied.find((p) => p.topic === TOPIC)!;
      assert.equal(fromAgent.properties?.contentType, "application/vnd.bbf.usp.msg");
      assert.ok(AGENTS.map(agentTopic).includes(fromAgent.properties?.responseTopic ?? ""));
      await waitFor("the spy sees the controller's PUBLISH", spied, (p) => p.topic === agentTopic(AGENTS[0]!));
      const fromController = spied.find((p) => p.topic === agentTopic(AGENTS[0]!))!;
      assert.equal(fromController.properties?.responseTopic, TOPIC);
      assert.equal(fromController.properties?.contentType, "application/vnd.bbf.usp.msg");
    } finally {
      await spy.endAsync();
    }
  });

  it("routes an MQTT 3.1.1 agent by the reply-to at the end of its topic name", async () => {
    const eid = AGENTS[2]!;
    const old = await openAgent(agentOptions(eid, { protocolVersion: 4, controllerTopic: TOPIC }));
    try {
      assert.equal(await old.mtp.send(record(eid, CONTROLLER, "from-3.1.1")), true);
      const r = await inbox.get("from-3.1.1");
      assert.deepEqual(r.route, { mtp: "mqtt", address: agentTopic(eid) });
      assert.equal(r.peer.endpointId, eid);
      assert.equal(await controller.send(r.route, record(CONTROLLER, eid, "to-3.1.1")), true);
      await waitFor("the 3.1.1 agent gets the answer", old.got, (m) => m === "to-3.1.1");
    } finally {
      await old.mtp.close();
    }
  });

  it("drops a Record above the limit, refuses to send one, and carries the next", async () => {
    const eid = AGENTS[0]!;
    const agent = await openAgent(agentOptions(eid));
    try {
      const before = inbox.items.length;
      // The agent's own limit is the default 16 MiB: the controller's 4096 bytes is what drops it.
      assert.equal(await agent.mtp.send(record(eid, CONTROLLER, "oversize", 8000)), true);
      assert.equal(await agent.mtp.send(record(eid, CONTROLLER, "after-oversize")), true);
      await inbox.get("after-oversize");
      assert.deepEqual(
        inbox.items.slice(before).map((r) => r.marker),
        ["after-oversize"],
      );
      assert.equal(await controller.send({ mtp: "mqtt", address: agentTopic(eid) }, record(CONTROLLER, eid, "too-big", 8000)), false);
      assert.equal(await controller.send({ mtp: "mqtt", address: agentTopic(eid) }, record(CONTROLLER, eid, "small")), true);
      await waitFor("the agent gets the small one", agent.got, (m) => m === "small");
      assert.ok(!agent.got.includes("too-big"));
    } finally {
      await agent.mtp.close();
    }
  });

  it("survives a broker restart: both sides reconnect, and send is false meanwhile", async () => {
    const eid = AGENTS[1]!;
    const agent = await openAgent(agentOptions(eid));
    try {
      await broker.kill();
      await until("both sides see the outage", () => Promise.resolve(!controller.connected && !agent.mtp.connected), WAIT_MS);
      assert.equal(await agent.mtp.send(record(eid, CONTROLLER, "during-outage")), false);
      assert.equal(await controller.send({ mtp: "mqtt", address: agentTopic(eid) }, record(CONTROLLER, eid, "during-outage-down")), false);

      await broker.start();
      await until("both sides reconnect", () => Promise.resolve(controller.connected && agent.mtp.connected), WAIT_MS);
      // Subscriptions come back with the connections: a Record each way goes through.
      await until(
        "the agent's Record reaches the controller after the restart",
        async () => (await agent.mtp.send(record(eid, CONTROLLER, "after-restart"))) && inbox.items.some((r) => r.marker === "after-restart"),
        WAIT_MS,
      );
      await until(
        "the controller's Record reaches the agent after the restart",
        async () => (await controller.send({ mtp: "mqtt", address: agentTopic(eid) }, record(CONTROLLER, eid, "back"))) && agent.got.includes("back"),
        WAIT_MS,
      );
      assert.ok(!inbox.items.some((r) => r.marker === "during-outage"));
      assert.ok(!agent.got.includes("during-outage-down"));
    } finally {
      await agent.mtp.close();
    }
  });
});

describe("USP over MQTT through the embedded broker", () => {
  let broker: EmbeddedBroker;
  let controller: MqttControllerMtp;
  const inbox = new Inbox();
  const logins: MtpPeer[] = [];

  before(async () => {
    broker = await startEmbeddedBroker({
      host: "127.0.0.1",
      port: 0,
      controllerTopic: TOPIC,
      controllerClientId: CONTROLLER,
      // The device credentials, as the controller's authenticator would check them.
      authenticate: (peer, pw) => {
        logins.push(peer);
        return Promise.resolve(peer.endpointId !== null && AGENTS.includes(peer.endpointId) && peer.username === safeUser(peer.endpointId) && pw === password(peer.endpointId));
      },
      maxPacketBytes: 64 * 1024,
    });
    controller = new MqttControllerMtp({ url: broker.url, ...broker.controllerLogin, endpointId: CONTROLLER, topic: TOPIC, maxRecordBytes: 4096, protocolVersion: 4 });
    await controller.start({ record: inbox.take });
  });

  after(async () => {
    await controller?.stop();
    await broker?.close();
  });

  const agentOptions = (eid: string, more: Partial<MqttAgentOptions> = {}) => agentLogin(broker.url, eid, more);

  it("carries Records both ways; an agent that tries MQTT 5 falls back to 3.1.1 by itself", async () => {
    const opened = await Promise.all(AGENTS.map((eid, i) => openAgent(agentOptions(eid, i === 0 ? {} : { protocolVersion: 4 }))));
    try {
      for (const [i, { mtp }] of opened.entries()) assert.equal(await mtp.send(record(AGENTS[i]!, CONTROLLER, `e-hello-${i}`)), true);
      for (const [i, eid] of AGENTS.entries()) {
        const r = await inbox.get(`e-hello-${i}`);
        assert.deepEqual(r.route, { mtp: "mqtt", address: agentTopic(eid) });
        assert.equal(r.peer.endpointId, eid);
        assert.equal(await controller.send(r.route, record(CONTROLLER, eid, `e-answer-${i}`)), true);
      }
      for (const [i, { got }] of opened.entries()) await waitFor(`agent ${i} gets its answer`, got, (m) => m === `e-answer-${i}`);
      for (const [i, { got }] of opened.entries()) assert.deepEqual(got, [`e-answer-${i}`]);
      const seen = logins.find((p) => p.endpointId === AGENTS[0]);
      assert.equal(seen?.username, safeUser(AGENTS[0]!));
      assert.equal(seen?.remoteAddress, "127.0.0.1");
    } finally {
      for (const { mtp } of opened) await mtp.close();
    }
  });

  it("refuses wrong credentials, an unknown agent, and a login as the controller", async () => {
    const refused = async (options: MqttAgentOptions) => {
      const mtp = new MqttAgentMtp(options);
      await assert.rejects(mtp.connect(() => {}), (e: unknown) => e instanceof MqttMtpError && e.code === "REFUSED");
      await mtp.close();
    };
    await refused(agentOptions(AGENTS[0]!, { password: "wrong" }));
    await refused(agentOptions("os::00D09E-Nobody-1", { protocolVersion: 4 }));
    // The controller's client id without the controller's secret: it would otherwise evict the controller.
    await refused(agentOptions(CONTROLLER, { username: safeUser(AGENTS[0]!), password: password(AGENTS[0]!), protocolVersion: 4 }));
    const impostor = new MqttControllerMtp({ url: broker.url, username: broker.controllerLogin.username, password: "guess", endpointId: "proto::other", topic: TOPIC, maxRecordBytes: 4096, protocolVersion: 4 });
    await assert.rejects(impostor.start({ record: () => {} }), (e: unknown) => e instanceof MqttMtpError && e.code === "REFUSED");
    await impostor.stop();
    assert.equal(controller.connected, true);
  });

  it("lets an agent neither subscribe to another agent's topic nor publish anywhere but the controller's", async () => {
    const [me, other] = [AGENTS[0]!, AGENTS[1]!];
    // Another agent's topic as its own: the subscription is refused, so connect fails (R-MQTT.17).
    const eavesdropper = new MqttAgentMtp(agentOptions(me, { topic: agentTopic(other), protocolVersion: 4 }));
    await assert.rejects(eavesdropper.connect(() => {}), (e: unknown) => e instanceof MqttMtpError && e.code === "SUBSCRIBE_REFUSED");
    await eavesdropper.close();

    // A raw client with the agent's login tries what the MTP would never do.
    const raw = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: me, username: safeUser(me), password: password(me), reconnectPeriod: 0 });
    try {
      // The broker answers SUBACK 128 (failure), which the client reports as an error.
      for (const filter of ["usp/#", agentTopic(other), `${agentTopic(other)}/+`, TOPIC]) await assert.rejects(raw.subscribeAsync(filter, { qos: 1 }), filter);
      assert.deepEqual(
        (await raw.subscribeAsync(agentTopic(me), { qos: 1 })).map((g) => [g.topic, g.qos]),
        [[agentTopic(me), 1]],
      );
      // Publishing to another agent, or to the controller under another agent's reply-to, ends the connection.
      const closed = closedByBroker(raw);
      raw.publish(withReplyTo(TOPIC, agentTopic(other)), Buffer.from(record(me, CONTROLLER, "spoofed")), { qos: 1 });
      await closed;
    } finally {
      await raw.endAsync(true);
    }
    const again = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: me, username: safeUser(me), password: password(me), reconnectPeriod: 0 });
    try {
      const closed = closedByBroker(again);
      again.publish(agentTopic(other), Buffer.from(record(me, other, "to-other")), { qos: 1 });
      await closed;
    } finally {
      await again.endAsync(true);
    }
    // Neither reached anyone; what the agent may send still does.
    const agent = await openAgent(agentOptions(me, { protocolVersion: 4 }));
    try {
      assert.equal(await agent.mtp.send(record(me, CONTROLLER, "legit")), true);
      await inbox.get("legit");
      assert.ok(!inbox.items.some((r) => r.marker === "spoofed"));
    } finally {
      await agent.mtp.close();
    }
  });

  it("disconnects a client that announces a packet above the limit, before taking its bytes", async () => {
    const me = AGENTS[2]!;
    const raw = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: me, username: safeUser(me), password: password(me), reconnectPeriod: 0 });
    try {
      const closed = closedByBroker(raw);
      raw.publish(withReplyTo(TOPIC, agentTopic(me)), Buffer.alloc(200 * 1024), { qos: 1 });
      await closed;
    } finally {
      await raw.endAsync(true);
    }
    assert.equal(controller.connected, true);
  });
});

describe("the MQTT MTP from usp.mqtt.*", () => {
  it("starts the embedded broker by default, exchanges Records through it, and closes it with the MTP", async () => {
    const usp = loadConfig({ flags: { "usp.mqtt.embeddedHost": "127.0.0.1", "usp.mqtt.embeddedPort": "0" } }).usp;
    assert.equal(usp.mqtt.url, "embedded");
    const mtp = mqttMtpFromConfig(usp, { authenticate: (peer, pw) => Promise.resolve(peer.endpointId === AGENTS[0] && pw === password(AGENTS[0])) });
    assert.ok(mtp);
    const inbox = new Inbox();
    await mtp.start({ record: inbox.take });
    const url = mtp.broker?.url;
    assert.match(url ?? "", /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const agent = await openAgent({ url: url!, endpointId: AGENTS[0]!, username: "any", password: password(AGENTS[0]!), controllerTopic: mtp.topic });
    try {
      assert.equal(await agent.mtp.send(record(AGENTS[0]!, usp.endpointId, "via-config")), true);
      const r = await inbox.get("via-config");
      assert.equal(await mtp.send(r.route, record(usp.endpointId, AGENTS[0]!, "answer-via-config")), true);
      await waitFor("the agent gets the answer", agent.got, (m) => m === "answer-via-config");
    } finally {
      await agent.mtp.close();
      await mtp.stop();
    }
    await assert.rejects(mqtt.connectAsync(url!, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 }));
  });

  it("says which keys to change when the embedded broker's port is taken, and leaves nothing open", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const port = (taken.address() as AddressInfo).port;
      const usp = loadConfig({ flags: { "usp.mqtt.embeddedHost": "127.0.0.1", "usp.mqtt.embeddedPort": String(port) } }).usp;
      const mtp = mqttMtpFromConfig(usp, { authenticate: () => Promise.resolve(true) })!;
      await assert.rejects(mtp.start({ record: () => {} }), /cannot listen on 127\.0\.0\.1:\d+ \(usp\.mqtt\.embeddedHost\/embeddedPort\)/);
      assert.equal(mtp.broker, null);
      await mtp.stop();
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it("is off with an empty usp.mqtt.url", () => {
    assert.equal(mqttMtpFromConfig(loadConfig({ flags: { "usp.mqtt.url": "" } }).usp, { authenticate: () => Promise.resolve(true) }), null);
  });
});
