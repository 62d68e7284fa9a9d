// A task created through the REST API with `connectionRequest: true` and `wait` completes in the same
// call for a simulated device, through each method the ACS can wake it by: HTTP (Digest to its
// ConnectionRequestURL), UDP with STUN (the ACS turns STUN on with SetParameterValues, its STUN server
// learns the device's binding, the signed datagram leaves from the STUN server's port) and XMPP (a real
// prosody; the device logs in, reports its JID, and answers the ACS's IQ). Each test forces one method
// (connectionRequests.methods), and reads back the attempt the ACS recorded.

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { ManualClock, type SessionReport } from "../../src/sim/runtime/index.js";
import { forEachBackend } from "../support/pg.js";
import { startProsody, type Prosody } from "../support/prosody.js";
import { apiId, codes, CR, eventually, startDevices, startE2eAcs, type E2eAcs } from "./support.js";

const ACS_XMPP = { user: "acs", password: "acs-xmpp-secret" };
const INTERVAL_S = 600;

let prosody: Prosody;
before(async () => {
  prosody = await startProsody({
    accounts: [ACS_XMPP, { user: "cpe-sqlite-0", password: "cpe-pw-0" }, { user: "cpe-postgres-0", password: "cpe-pw-0" }],
  });
});
after(() => prosody?.stop());

interface Attempt {
  method: string;
  target: string;
  outcome: string;
  code: string;
  taskId: string | null;
}

/**
 * The device's session that the request woke ended well. The API answers when the task is done, which
 * is before the session's last exchange reaches the device: so this waits for it.
 */
function wokenSessionEnded(reports: readonly SessionReport[]): Promise<true> {
  return eventually(() => (reports.some((r) => r.ok && codes(r).includes("6 CONNECTION REQUEST")) ? true : undefined), "the woken session's end");
}

forEachBackend((backend) => {
  describe("a task with connectionRequest and wait completes through each method", () => {
    const b = backend.name.slice(0, 2).toUpperCase();
    // What a test started, stopped when it ends (devices first).
    let started: Array<{ stop(): Promise<unknown> }> = [];
    afterEach(async () => {
      for (const s of started.reverse()) await s.stop();
      started = [];
    });
    async function acs(settings: Record<string, unknown>): Promise<E2eAcs> {
      const a = await startE2eAcs(backend, { settings });
      started.push(a.t);
      return a;
    }
    const getTask = (version: string) => ({
      name: "getParameterValues",
      args: { parameterNames: [`Device.DeviceInfo.${version}`, "Device.WiFi.SSID.1.SSID"] },
      connectionRequest: true,
      wait: 30,
    });

    it("HTTP: Digest to the device's ConnectionRequestURL, and the values come back in the same call", async () => {
      const { t, operator } = await acs({ connectionRequests: { methods: ["http"], username: CR.username, password: CR.password } });
      const { sim, reports } = await startDevices(t, { serialPrefix: `EH${b}` });
      started.push(sim);
      await eventually(() => (reports.some((r) => r.ok && codes(r).includes("0 BOOTSTRAP")) ? true : undefined), "the bootstrap");
      const id = apiId(sim, 0);
      const plan = await operator.get(`/api/devices/${id}/connection-request`);
      assert.deepEqual(plan.body.plan, [{ method: "http", target: sim.connectionRequestUrl(0) }]);

      const res = await operator.post(`/api/devices/${id}/tasks`, getTask("SoftwareVersion"));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, "done");
      const cpe = sim.devices[0]!.cpe;
      assert.deepEqual(res.body.result.values["Device.WiFi.SSID.1.SSID"].value, cpe.read("Device.WiFi.SSID.1.SSID"));
      assert.deepEqual(res.body.result.values["Device.DeviceInfo.SoftwareVersion"].value, cpe.read("Device.DeviceInfo.SoftwareVersion"));
      assert.deepEqual([res.body.connectionRequest.method, res.body.connectionRequest.outcome], ["http", "accepted"]);
      await wokenSessionEnded(reports);

      const attempts: Attempt[] = (await operator.get(`/api/devices/${id}/connection-request/attempts`)).body.attempts;
      assert.deepEqual(attempts.map((a) => [a.method, a.target, a.outcome, a.taskId]), [["http", sim.connectionRequestUrl(0), "accepted", res.body.id]]);
      // The Digest challenge, then the accepted request.
      assert.deepEqual(sim.stats().connectionRequests.byMethod.http, { accepted: 1, refused: 1, unavailable: 0, unknown: 0 });
    });

    it("UDP/STUN: the ACS enables STUN with SetParameterValues, learns the binding, and its signed datagram wakes the device", async () => {
      const { t, operator } = await acs({ stun: { enabled: true, host: "127.0.0.1", port: 0 }, connectionRequests: { methods: ["udp"], username: CR.username, password: CR.password } });
      const clock = new ManualClock(Date.now());
      const { sim, reports } = await startDevices(t, {
        serialPrefix: `EU${b}`,
        clock,
        model: { builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": String(INTERVAL_S) } },
      });
      started.push(sim);
      await eventually(() => (reports.some((r) => r.ok && codes(r).includes("0 BOOTSTRAP")) ? true : undefined), "the bootstrap");
      const id = apiId(sim, 0);
      const serial = sim.devices[0]!.serialNumber;
      // HTTP is not allowed here, and nothing says how to reach the device by UDP yet.
      const none = await operator.post(`/api/devices/${id}/connection-request`);
      assert.equal(none.status, 409);
      assert.equal(sim.udpPort(0), undefined);

      const stun = (await operator.get("/api/status")).body.stun as { address: string; port: number };
      const enable = await operator.post(`/api/devices/${id}/tasks`, {
        name: "setParameterValues",
        args: {
          parameterValues: [
            { name: "Device.ManagementServer.STUNEnable", value: true },
            { name: "Device.ManagementServer.STUNServerAddress", value: "127.0.0.1" },
            { name: "Device.ManagementServer.STUNServerPort", value: stun.port },
            { name: "Device.ManagementServer.STUNUsername", value: `stun-${serial}` },
            { name: "Device.ManagementServer.STUNPassword", value: "stun-secret" },
            { name: "Device.ManagementServer.STUNMaximumKeepAlivePeriod", value: 60 },
          ],
        },
      });
      assert.equal(enable.status, 201, JSON.stringify(enable.body));
      // The device picks the task up at its next periodic Inform.
      clock.advance(INTERVAL_S * 1000);
      await eventually(async () => ((await operator.get(`/api/tasks/${enable.body.id}`)).body.status === "done" ? true : undefined), "the STUN settings applied");

      const port = await eventually(() => sim.udpPort(0), "the device's UDP socket");
      const info = await eventually(async () => {
        const r = await operator.get(`/api/devices/${id}/connection-request`);
        return r.body.stunBinding?.port === port ? r.body : undefined;
      }, "the STUN server to learn the binding");
      assert.equal(info.stunUsername, `stun-${serial}`);
      assert.deepEqual(info.plan, [{ method: "udp", target: `127.0.0.1:${port}` }]);

      const res = await operator.post(`/api/devices/${id}/tasks`, getTask("HardwareVersion"));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, "done");
      assert.equal(res.body.result.values["Device.DeviceInfo.HardwareVersion"].value, sim.devices[0]!.cpe.read("Device.DeviceInfo.HardwareVersion"));
      assert.deepEqual([res.body.connectionRequest.method, res.body.connectionRequest.outcome], ["udp", "sent"]);
      await wokenSessionEnded(reports);
      const attempts: Attempt[] = (await operator.get(`/api/devices/${id}/connection-request/attempts`)).body.attempts;
      assert.deepEqual(attempts.map((a) => [a.method, a.target, a.outcome, a.taskId]), [["udp", `127.0.0.1:${port}`, "sent", res.body.id]]);

      const cpe = sim.devices[0]!.cpe;
      assert.equal(cpe.read("Device.ManagementServer.UDPConnectionRequestAddress"), `127.0.0.1:${port}`);
      assert.equal(cpe.read("Device.ManagementServer.NATDetected"), "false");
      const s = sim.stats();
      assert.deepEqual(s.connectionRequests.byMethod.udp, { accepted: 1, refused: 0, unavailable: 0, unknown: 0 });
      assert.ok(s.stun!.bindingResponses >= 1);
      // The ACS sends each request twice here (udpCount 2): the copy is recognised, not acted on again.
      await eventually(() => (sim.stats().stun!.duplicateRequests === 1 ? true : undefined), "the second copy");
      assert.equal(reports.filter((r) => codes(r).includes("6 CONNECTION REQUEST")).length, 1);
    });

    it("XMPP: the device logs in, reports its JID, and accepts the ACS's IQ", async () => {
      const { t, operator } = await acs({
        xmpp: { service: prosody.service, domain: prosody.domain, username: ACS_XMPP.user, password: ACS_XMPP.password, plainWithoutTls: true, timeout: 5 },
        connectionRequests: { methods: ["xmpp"], username: CR.username, password: CR.password },
      });
      await eventually(async () => ((await operator.get("/api/status")).body.xmpp?.status === "online" ? true : undefined), `the ACS's XMPP login:\n${prosody.log()}`);
      const { sim, reports } = await startDevices(t, {
        serialPrefix: `EX${b}`,
        model: {
          builtin: "tr181-gateway",
          xmpp: { host: "127.0.0.1", port: prosody.port, domain: prosody.domain, username: `cpe-${backend.name}-{index}`, password: "cpe-pw-{index}", allowedJids: `${ACS_XMPP.user}@${prosody.domain}` },
        },
      });
      started.push(sim);
      const jid = `cpe-${backend.name}-0@${prosody.domain}/cwmp`;
      const id = apiId(sim, 0);
      // The JID reaches the ACS in an Inform (ConnReqJabberID has Active Notification).
      const info = await eventually(async () => {
        const r = await operator.get(`/api/devices/${id}/connection-request`);
        return r.body?.jabberId === jid ? r.body : undefined;
      }, "the device's JID at the ACS");
      assert.deepEqual(info.plan, [{ method: "xmpp", target: jid }]);
      assert.equal(sim.devices[0]!.cpe.read("Device.XMPP.Connection.1.Status"), "Enabled");

      const res = await operator.post(`/api/devices/${id}/tasks`, getTask("ModelName"));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.status, "done");
      assert.equal(res.body.result.values["Device.DeviceInfo.ModelName"].value, sim.devices[0]!.cpe.read("Device.DeviceInfo.ModelName"));
      assert.deepEqual([res.body.connectionRequest.method, res.body.connectionRequest.outcome], ["xmpp", "accepted"]);
      await wokenSessionEnded(reports);
      const attempts: Attempt[] = (await operator.get(`/api/devices/${id}/connection-request/attempts`)).body.attempts;
      assert.deepEqual(attempts.map((a) => [a.method, a.target, a.outcome, a.code, a.taskId]), [["xmpp", jid, "accepted", "RESULT", res.body.id]]);
      assert.deepEqual(sim.stats().connectionRequests.byMethod.xmpp, { accepted: 1, refused: 0, unavailable: 0, unknown: 0 });
    });
  });
});
