// A firmware campaign over USP, end to end on both stores: the real ACS, its campaign runner and file
// server, and a fleet of the simulator's USP agents, over WebSocket and over MQTT through a real
// mosquitto. The campaign's download of each agent is a Download() Operate (async, AutoActivate) of the
// file server's signed link; the agent fetches the image over HTTP, its OperationComplete is the
// TransferComplete that settles the task, the image is activated and the agent reports the new
// SoftwareVersion. One agent, made to answer every Operate with an Error (the simulator's fault
// injection), is counted as failed with its fault; the campaign completes with the counts right.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AgentMtp } from "../../src/mtp/types.js";
import { tr181Source } from "../../src/sim/models/index.js";
import { compileUspModel, type UspAgent, type UspAgentOptions } from "../../src/sim/usp/index.js";
import { agentMtpFactory, startUspSimulation, type AgentLogin, type UspSimulation } from "../../src/sim/usp/runtime/index.js";
import { eventually } from "../nbi/support.js";
import { startMosquitto, type Mosquitto } from "../support/mosquitto.js";
import { forEachBackend } from "../support/pg.js";
import { startE2eAcs, type E2eAcs } from "./support.js";

const FLEET = 10;
const VERSION = "2.0.0";
const FIRMWARE = "1 Firmware Upgrade Image";
/** The faulty agent answers Operate with this Error: 7002 Request denied, a CWMP 9001. */
const FAULT = 7002;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

type MtpFactory = (login: AgentLogin, reached: () => void) => AgentMtp;

interface Fleet {
  sims: UspSimulation[];
  good: readonly UspAgent[];
  faulty: UspAgent;
}

/** FLEET agents of productClass `pc`: all but one well behaved; resolves once each onboarded with the controller's subscriptions. */
async function startFleet(e: E2eAcs, pc: string, mtp: MtpFactory, login: { acsUsername: string; acsPassword: string }): Promise<Fleet> {
  const model = compileUspModel(tr181Source(), { controllerId: "proto::provisio" });
  const start = (devices: number, serialPrefix: string, agent: UspAgentOptions) => startUspSimulation({ devices, model, identity: { ...login, productClass: pc, serialPrefix }, agent: { rebootMs: 500, ...agent }, mtp });
  const sims = [start(FLEET - 1, `${pc}G`, {}), start(1, `${pc}F`, { faults: { rate: 1, kinds: ["error"], messages: ["operate"], errorCode: FAULT } })];
  const agents = sims.flatMap((s) => s.agents);
  await Promise.all(sims.map((s) => s.ready));
  await eventually(async () => {
    const found = await Promise.all(agents.map((a) => e.t.acs.store.uspEndpoints.get(a.endpointId)));
    const subscribed = agents.every((a) => a.tree.get("Device.LocalAgent.Subscription.3.ID", Date.now()) !== undefined);
    return found.every((x) => x !== null) && subscribed ? true : undefined;
  }, "the fleet onboarded", 120_000);
  return { sims, good: sims[0]!.agents, faulty: sims[1]!.agents[0]! };
}

/** Uploads the image, runs a campaign over `pc` and checks its outcome on the fleet and in the API. */
async function runCampaign(e: E2eAcs, pc: string, fleet: Fleet): Promise<void> {
  const upload = await fetch(`${e.t.apiUrl}/api/files?name=fw-${VERSION}.bin&fileType=${encodeURIComponent(FIRMWARE)}&version=${VERSION}&productClass=${pc}`, {
    method: "POST", headers: { Authorization: `Bearer ${e.t.adminKey}`, "Content-Type": "application/octet-stream" }, body: randomBytes(64 * 1024),
  });
  assert.equal(upload.status, 201, await upload.clone().text());
  const fileId = ((await upload.json()) as { id: string }).id;
  const created = await e.operator.post("/api/campaigns", { name: `usp ${pc}`, filter: `productClass = "${pc}"`, fileId, batchSize: 5, concurrency: 5, maxAttempts: 1 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  let last: Json;
  const campaign = await eventually(async () => {
    last = (await e.operator.get(`/api/campaigns/${created.body.id}`)).body;
    return last.status === "completed" ? last : undefined;
  }, "the campaign completed", 60_000).catch(async (err: Error) => {
    const devices = (await e.operator.get(`/api/campaigns/${created.body.id}/devices?limit=100`)).body;
    throw new Error(`${err.message}: ${JSON.stringify(last)} ${JSON.stringify(devices)}`);
  });
  assert.equal(campaign.total, FLEET);
  assert.deepEqual(campaign.counts, { pending: 0, in_progress: 0, succeeded: FLEET - 1, failed: 1, skipped: 0, cancelled: 0 });

  // Each good agent downloaded the image by its signed link, activated it, and reports the new version.
  const now = Date.now();
  for (const a of fleet.good) {
    assert.equal(a.tree.get("Device.DeviceInfo.SoftwareVersion", now), VERSION, a.endpointId);
    assert.equal(a.tree.get("Device.DeviceInfo.ActiveFirmwareImage", now), "Device.DeviceInfo.FirmwareImage.2");
    assert.equal(a.tree.get("Device.DeviceInfo.FirmwareImage.2.Status", now), "Active");
  }
  assert.equal(fleet.faulty.tree.get("Device.DeviceInfo.SoftwareVersion", now), "4.2.1", "the faulty agent kept its image");
  const downloaded = fleet.sims[0]!.stats().downloads;
  assert.deepEqual(downloaded, { completed: FLEET - 1, failed: 0 });

  const devices = (await e.operator.get(`/api/campaigns/${created.body.id}/devices?limit=100`)).body.devices as Json[];
  const faultyId = (await e.t.acs.store.uspEndpoints.get(fleet.faulty.endpointId))!.deviceId;
  for (const d of devices) {
    if (d.deviceId === faultyId) continue;
    assert.equal(d.state, "succeeded", JSON.stringify(d));
    const task = (await e.operator.get(`/api/tasks/${d.taskId}`)).body;
    assert.equal(task.status, "done", JSON.stringify(task));
  }
  const failed = devices.find((d) => d.deviceId === faultyId);
  assert.equal(failed?.state, "failed", JSON.stringify(devices));
  assert.equal(failed.fault.code, "cwmp.9001", JSON.stringify(failed));
  assert.match(failed.fault.message, new RegExp(`USP ${FAULT}`));

  // The download's OperationComplete came to the ACS as a TransferComplete, in a 7 TRANSFER COMPLETE session.
  const goodId = devices.find((d) => d.deviceId !== faultyId).deviceId;
  const sessions = (await e.operator.get(`/api/devices/${goodId}/sessions`)).body;
  assert.ok(JSON.stringify(sessions).includes("7 TRANSFER COMPLETE"), JSON.stringify(sessions).slice(0, 2000));
}

forEachBackend((b) => {
  describe("a firmware campaign over USP", () => {
    let e: E2eAcs;
    let broker: Mosquitto;
    const sims: UspSimulation[] = [];

    before(async () => {
      broker = await startMosquitto({ accounts: [{ user: "provisio", password: "controller-pw" }, { user: "agent", password: "agent-pw" }] });
      e = await startE2eAcs(b, { settings: { campaigns: { interval: 0.2 }, usp: { requestTimeout: 60, mqtt: { url: broker.url, username: "provisio", password: "controller-pw" } } } });
    });
    after(async () => {
      for (const s of sims) await s.stop();
      await e?.t.stop();
      await broker?.stop();
    });

    test("over WebSocket: ten simulated agents upgraded from the file server, one failed with its fault", async () => {
      const fleet = await startFleet(e, `CAMPWS${b.name}`, agentMtpFactory(e.t.acs.uspWebsocketUrl!), { acsUsername: e.t.username, acsPassword: e.t.password });
      sims.push(...fleet.sims);
      await runCampaign(e, `CAMPWS${b.name}`, fleet);
    });

    test("over MQTT through mosquitto: the same campaign", async () => {
      const fleet = await startFleet(e, `CAMPMQ${b.name}`, agentMtpFactory(broker.url), { acsUsername: "agent", acsPassword: "agent-pw" });
      sims.push(...fleet.sims);
      await runCampaign(e, `CAMPMQ${b.name}`, fleet);
    });
  });
});
