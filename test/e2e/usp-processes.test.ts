// USP with two `provisio serve` processes on one store and one real mosquitto, on both backends:
// - WebSocket: an agent held by process A gets a task made through process B's API at once (B carries
//   the wake to A), without contacting the controller itself; once A is killed (SIGKILL) and its
//   heartbeat ran out, B's wake finds no holder, and the task runs when the agent reconnects, to B.
// - MQTT: 20 simulated agents onboard through the processes' shared subscription, each Boot! session
//   handled once across both (counted in the session history); tasks made on either process complete,
//   their answers routed back to the process that asked; a Record that does not parse gets an Error.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MqttAgentMtp } from "../../src/mtp/mqtt-agent.js";
import { WebSocketAgentMtp } from "../../src/mtp/websocket-client.js";
import { tr181Source } from "../../src/sim/models/index.js";
import { compileUspModel } from "../../src/sim/usp/index.js";
import { agentMtpFactory, startUspSimulation, type UspSimulation } from "../../src/sim/usp/runtime/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, msgBody, noSessionContextRecord, recordHeader, uspMsg, type UspMsg } from "../../src/usp/index.js";
import { apiUrlOf, serveArgs, startAcsProcess, PASS, USER, type AcsProcess } from "../support/acs-process.js";
import { startMosquitto, type Mosquitto } from "../support/mosquitto.js";
import { forEachBackend } from "../support/pg.js";
import { TcpBalancer } from "../support/tcp-balancer.js";
import { TestAgent } from "../support/usp-agent.js";
import { agentParams, CONTROLLER, settledTask } from "../support/usp-fleet.js";
import { eventually } from "../nbi/support.js";
import { HttpApi } from "./support.js";

const CONTROLLER_LOGIN = { user: "provisio", password: "controller-pw" };
const MQTT_AGENTS = 20;

function wsPortOf(p: AcsProcess): number {
  const m = /"port":(\d+)[^\n]*"msg":"USP WebSocket MTP listening"/.exec(p.output());
  assert.ok(m, "the process listens for USP WebSockets");
  return Number(m[1]);
}

forEachBackend((b) => {
  describe("USP with two controller processes on one store and one broker", () => {
    let broker: Mosquitto;
    let store: Store;
    let a: AcsProcess;
    let bProc: AcsProcess;
    let apiA: HttpApi;
    let apiB: HttpApi;
    const procs: AcsProcess[] = [];

    before(async () => {
      broker = await startMosquitto({ accounts: [CONTROLLER_LOGIN, { user: USER, password: PASS }] });
      const db = await b.freshUrl();
      const dataDir = mkdtempSync(join(tmpdir(), "provisio-usp-procs-"));
      const args = [
        ...serveArgs(db, dataDir),
        "--set", `secretsKey=${randomBytes(32).toString("base64")}`,
        "--set", `usp.mqtt.url=${broker.url}`, "--set", `usp.mqtt.username=${CONTROLLER_LOGIN.user}`, "--set", `usp.mqtt.password=${CONTROLLER_LOGIN.password}`,
        // Short heartbeats, so that a killed holder is found dead soon; the limits below are bounds, not timings.
        "--set", "usp.heartbeatInterval=0.5", "--set", "usp.wakePollInterval=0.2", "--set", "usp.requestTimeout=60",
      ];
      a = await startAcsProcess(args, 60_000);
      procs.push(a);
      bProc = await startAcsProcess(args, 60_000);
      procs.push(bProc);
      const key = (JSON.parse(readFileSync(join(dataDir, "admin-api-key.json"), "utf8")) as { key: string }).key;
      apiA = new HttpApi(await apiUrlOf(a), key);
      apiB = new HttpApi(await apiUrlOf(bProc), key);
      store = await openStore(db);
    });
    /** The processes' output goes with a failure. */
    const shown = async (fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        for (const p of procs) process.stderr.write(`--- ACS on port ${p.port} ---\n${p.output()}\n`);
        throw err;
      }
    };
    after(async () => {
      await store?.close();
      await Promise.all(procs.map((p) => p.stop()));
      await broker?.stop();
    });

    test("MQTT: 20 agents' onboarding sessions each handled once across both processes; tasks on either complete", () => shown(async () => {
      const sim: UspSimulation = startUspSimulation({
        devices: MQTT_AGENTS,
        model: compileUspModel(tr181Source(), { controllerId: CONTROLLER }),
        identity: { acsUsername: USER, acsPassword: PASS, productClass: "PROCMQ", serialPrefix: "PM" },
        connectConcurrency: 8,
        mtp: agentMtpFactory(broker.url, { retryMinimumWaitSeconds: 0.2 }),
      });
      try {
        const endpoints = await eventually(async () => {
          const found = await Promise.all(sim.agents.map((ag) => store.uspEndpoints.get(ag.endpointId)));
          return found.every((x) => x !== null) ? found.map((x) => x!) : undefined;
        }, "every agent onboarded", 120_000);
        const ids = endpoints.map((e) => e.deviceId);
        // The subscriptions made after each onboarding session tell that it ended.
        await eventually(async () => {
          const sessions = await Promise.all(ids.map((id) => store.sessionHistory.list(id, 50)));
          return sessions.every((s) => s.some((x) => x.summary.events.includes("0 BOOTSTRAP"))) ? true : undefined;
        }, "every onboarding session in the history", 120_000);
        for (const id of ids) {
          const boots = (await store.sessionHistory.list(id, 50)).filter((s) => s.summary.events.includes("0 BOOTSTRAP"));
          assert.equal(boots.length, 1, `${id}: ${JSON.stringify(boots)}`);
        }
        // Each process asks half the agents; every answer must come back to the one that asked.
        const tasks = await Promise.all(ids.map((id, i) => settledTask(i % 2 === 0 ? apiA : apiB, id, "getParameterValues", { parameterNames: ["Device.DeviceInfo.SoftwareVersion"] })));
        for (const t of tasks) assert.equal(t.status, "done", JSON.stringify(t));
        for (const id of ids) {
          const boots = (await store.sessionHistory.list(id, 50)).filter((s) => s.summary.events.includes("0 BOOTSTRAP"));
          assert.equal(boots.length, 1, `${id} onboarded again`);
        }
      } finally {
        await sim.stop();
      }
    }));

    test("MQTT: a Record that does not parse is answered with an Error Record on the agent's topic", () => shown(async () => {
      const eid = "os::00D09E-PROCMQ-JUNK";
      const got: UspMsg[] = [];
      const mtp = new MqttAgentMtp({ url: broker.url, endpointId: eid, username: USER, password: PASS });
      try {
        await mtp.connect((bytes) => {
          const record = decodeRecord(bytes);
          if (record.recordType === "noSessionContext") got.push(decodeMsg(record.noSessionContext.payload));
        });
        const good = encodeRecord(noSessionContextRecord(eid, CONTROLLER, encodeMsg(uspMsg("get", "g", { paramPaths: ["Device."], maxDepth: 0 }))));
        assert.equal(await mtp.send(Uint8Array.from([...good, 0xff])), true);
        const err = await eventually(() => got.find((m) => msgBody(m, "error") !== undefined), "the Error", 60_000);
        assert.equal(msgBody(err, "error")?.errCode, 7100);
      } finally {
        await mtp.close();
      }
    }));

    // Last: it kills process A.
    test("a WebSocket agent held by A runs a task made on B now; after A dies, at its reconnection to B", () => shown(async () => {
      const eid = "os::00D09E-PROCWS-W1";
      const id = "00D09E-PROCWS-W1";
      // The agents' way in: A first; no process while it is being killed; B after.
      const lb = await TcpBalancer.start([wsPortOf(a)]);
      let agent!: TestAgent;
      // R-MTP.6: an agent sends a WebSocketConnect Record on each connection, which the controller takes as its call.
      const mtp: WebSocketAgentMtp = new WebSocketAgentMtp({
        url: `ws://127.0.0.1:${lb.port}/usp`, endpointId: eid, username: USER, password: PASS, retryMinimumWaitInterval: 0.2, retryIntervalMultiplier: 1000,
        onStatus: (s) => {
          if (s.state === "connected") void mtp.send(encodeRecord({ ...recordHeader(eid, CONTROLLER), recordType: "websocketConnect", websocketConnect: {} }));
        },
      });
      try {
        agent = new TestAgent(mtp, { endpointId: eid, controllerId: CONTROLLER, params: agentParams("PROCWS", "W1") });
        await agent.connect();
        await agent.notify({ notification: "onBoardReq", onBoardReq: { oui: "00D09E", productClass: "PROCWS", serialNumber: "W1", agentSupportedProtocolVersions: "1.4" } });
        await eventually(() => ([...agent.params.values()].includes("provisio-operation-complete") ? true : undefined), "the onboarding on A", 90_000);
        const holder = await store.uspHolds.holder(eid, new Date());
        assert.ok(holder !== null, "A holds the agent");

        // B does not hold the agent: it carries the wake to A, and the agent, which never calls, is asked now.
        const gets = agent.requests("get").length;
        const got = await settledTask(apiB, id, "getParameterValues", { parameterNames: ["Device.WiFi.SSID.1.SSID"] });
        assert.equal(got.status, "done", JSON.stringify(got));
        assert.deepEqual(agent.requests("get").slice(gets).at(-1)?.paramPaths, ["Device.WiFi.SSID.1.SSID"]);

        // A dies with the agent's WebSocket; no process takes the agent until B is let in.
        lb.remove(wsPortOf(a));
        await a.kill();
        await eventually(async () => ((await store.uspHolds.holder(eid, new Date())) === null ? true : undefined), "A's heartbeat ran out", 60_000);
        const r = await apiB.post(`/api/devices/${id}/tasks`, { name: "setParameterValues", args: { parameterValues: [{ name: "Device.WiFi.SSID.1.SSID", value: "after-the-crash" }] }, connectionRequest: true });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.connectionRequest?.outcome, "no-method", JSON.stringify(r.body));
        assert.equal((await apiB.get(`/api/tasks/${r.body.id}`)).body.status, "pending");

        lb.add(wsPortOf(bProc));
        const done = await eventually(async () => {
          const t = (await apiB.get(`/api/tasks/${r.body.id}`)).body;
          return t.status === "pending" || t.status === "waiting" ? undefined : t;
        }, "the pending task at the reconnection", 90_000);
        assert.equal(done.status, "done", JSON.stringify(done));
        assert.equal(agent.params.get("Device.WiFi.SSID.1.SSID"), "after-the-crash");
        assert.equal(await store.uspHolds.holder(eid, new Date()) !== null && (await store.uspHolds.holder(eid, new Date())) !== holder, true, "B holds it now");
      } finally {
        await mtp.close();
        await lb.close();
      }
    }));
  });
});
