// The simulator's device side of UDP Connection Requests (TR-111 / TR-069 Annex G), against the real
// thing: the ACS's STUN server (and a standalone one that checks MESSAGE-INTEGRITY), UDP Connection
// Requests sent by src/connreq from the STUN server's socket as the ACS sends them, and the ACS for the
// sessions they start. Devices' time is moved by hand; the network is real.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildUdpConnectionRequest, StunServer, udpConnectionRequest, type StunBinding } from "../../src/connreq/index.js";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, ManualClock, startSimulation, type ModelChoice, type SessionReport, type Simulation, type SimulationOptions } from "../../src/sim/runtime/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { eventCodes, sessionWhere, until } from "./support/runtime.js";

const CR = { username: "udp-cr", password: "udp-cr-secret" };
const REBOOT_MS = 10_000;
const MS = "Device.ManagementServer.";

forEachBackend((backend) => {
  describe("UDP connection requests with STUN (TR-111), the device side", () => {
    let t: TestAcs;
    let stunPort: number;
    let n = 0;
    before(async () => {
      t = await startTestAcs(backend, { settings: { stun: { enabled: true, host: "127.0.0.1", port: 0 } } });
      stunPort = t.acs.connectionRequests.stunAddress!.port;
    });
    after(() => t.stop());

    interface Fleet {
      sim: Simulation;
      clock: ManualClock;
      reports: SessionReport[];
      stop(): Promise<unknown>;
    }
    async function fleet(model: ModelChoice, o: Partial<SimulationOptions> = {}): Promise<Fleet> {
      const clock = new ManualClock(Date.now());
      const reports: SessionReport[] = [];
      const sim = await startSimulation({
        acsUrl: t.url,
        devices: 1,
        model: loadModel(model),
        identity: { acsUsername: t.username, acsPassword: t.password, connectionRequestUsername: CR.username, connectionRequestPassword: CR.password, serialPrefix: `U${backend.name[0]}${++n}-` },
        cpe: { rebootDurationMs: REBOOT_MS },
        clock,
        onSession: (r) => reports.push(r),
        ...o,
      });
      const devices = o.devices ?? 1;
      await until(() => reports.filter((r) => r.ok && eventCodes(r).includes("0 BOOTSTRAP")).length === devices, 10_000, "the bootstraps");
      return { sim, clock, reports, stop: () => sim.stop() };
    }
    const stunModel = (extra: Partial<NonNullable<ModelChoice["stun"]>> = {}): ModelChoice => ({
      builtin: "tr181-gateway",
      stun: { host: "127.0.0.1", port: stunPort, username: "stun-{serial}", keepAliveS: 20, ...extra },
    });
    /** The device reported its address (its 4 VALUE CHANGE session is over): tasks created now wait for a woken session. */
    const reported = (f: Fleet) => until(() => f.reports.some((r) => r.ok && eventCodes(r).includes("4 VALUE CHANGE")), 10_000, "the address reported");
    const binding = (sim: Simulation, i = 0): StunBinding | undefined => t.acs.connectionRequests.stun!.binding(`stun-${sim.devices[i]!.serialNumber}`);
    const wake = (address: string, o: { password?: string } = {}) =>
      udpConnectionRequest({ address, username: CR.username, password: o.password ?? CR.password, sender: t.acs.connectionRequests.stun!, count: 3, intervalMs: 5 });

    it("learns its binding, reports UDPConnectionRequestAddress with 4 VALUE CHANGE, and keeps the binding alive", async () => {
      const f = await fleet(stunModel());
      try {
        const { sim, clock } = f;
        const port = await until(() => sim.udpPort(0) !== undefined, 10_000, "the UDP socket").then(() => sim.udpPort(0)!);
        await until(() => binding(sim)?.port === port, 10_000, "the STUN server's binding");
        const b = binding(sim)!;
        assert.deepEqual([b.address, b.classic, b.authenticated, b.changed], ["127.0.0.1", true, false, false]);
        const cpe = sim.devices[0]!.cpe;
        await until(() => cpe.read(MS + "UDPConnectionRequestAddress") === `127.0.0.1:${port}`, 5_000, "the address reported");
        assert.equal(cpe.read(MS + "NATDetected"), "false", "no NAT between the device and the server");
        await until(() => f.reports.some((r) => r.ok && eventCodes(r).includes("4 VALUE CHANGE")), 10_000, "the value change session");
        const stored = await t.acs.store.parameters.get(deviceIdOf(cpe.identity), [MS + "UDPConnectionRequestAddress"]);
        assert.equal(stored[0]?.value, `127.0.0.1:${port}`);
        // The next Binding Request comes within STUNMaximumKeepAlivePeriod (20 s), not before 18 s.
        const sent = sim.stats().stun!.bindingRequests;
        clock.advance(17_000);
        assert.equal(sim.stats().stun!.bindingRequests, sent);
        clock.advance(3_000);
        assert.equal(sim.stats().stun!.bindingRequests, sent + 1);
        await until(() => sim.stats().stun!.bindingResponses === sent + 1, 10_000, "the keep-alive's answer");
      } finally {
        await f.stop();
      }
    });

    it("a signed request from the STUN server's port starts a session with 6 CONNECTION REQUEST; forged, stale and misaddressed ones do not", async () => {
      const f = await fleet(stunModel());
      try {
        const { sim } = f;
        const cpe = sim.devices[0]!.cpe;
        await reported(f);
        const address = cpe.read(MS + "UDPConnectionRequestAddress")!;
        const task = await t.acs.tasks.create(deviceIdOf(cpe.identity), "getParameterValues", { parameterNames: ["Device.DeviceInfo.SerialNumber"] });
        const woken = sessionWhere(sim, (r) => eventCodes(r).includes("6 CONNECTION REQUEST"), 15_000, "the woken session");
        assert.equal((await wake(address)).outcome, "sent");
        assert.ok((await woken).ok);
        assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
        await until(() => sim.stats().stun!.duplicateRequests === 2, 5_000, "the two copies");

        // Each of these is refused; none starts a session.
        const stun = t.acs.connectionRequests.stun!;
        const send = (o: { username?: string; password?: string; now?: number; authority?: string }) => {
          const { message } = buildUdpConnectionRequest({ authority: address, username: CR.username, password: CR.password, now: Date.now(), id: Math.floor(Math.random() * 1e9), cnonce: "c0ffee", ...o });
          return stun.send(message, Number(address.split(":")[1]), "127.0.0.1");
        };
        await send({ password: "not-the-password" });
        await send({ username: "someone-else" });
        await send({ now: Date.now() - 3_600_000 });
        await stun.send(Buffer.from("GET / HTTP/1.1\r\n\r\n"), Number(address.split(":")[1]), "127.0.0.1");
        await until(() => sim.stats().connectionRequests.byMethod.udp.refused === 4, 5_000, "four refusals");
        assert.deepEqual(sim.stats().stun!.refusedRequests, { "bad-signature": 1, "wrong-username": 1, "ts-out-of-window": 1, malformed: 1 });
        assert.equal(sim.stats().connectionRequests.byMethod.udp.accepted, 1);
        assert.equal(f.reports.filter((r) => eventCodes(r).includes("6 CONNECTION REQUEST")).length, 1);
        assert.ok(!cpe.queuedEvents.some((e) => e.eventCode === "6 CONNECTION REQUEST"));
      } finally {
        await f.stop();
      }
    });

    it("after a reboot the device has a new port: it sends BINDING-CHANGE and reports the new address", async () => {
      const f = await fleet(stunModel());
      try {
        const { sim, clock } = f;
        const cpe = sim.devices[0]!.cpe;
        await reported(f);
        const first = sim.udpPort(0)!;
        await t.acs.tasks.create(deviceIdOf(cpe.identity), "reboot", {});
        const woken = sessionWhere(sim, (r) => eventCodes(r).includes("6 CONNECTION REQUEST"), 15_000, "the reboot session");
        await wake(cpe.read(MS + "UDPConnectionRequestAddress")!);
        await woken;
        await until(() => !cpe.isUp, 5_000, "the reboot");
        assert.equal(sim.udpPort(0), undefined, "no socket while the device is down");
        clock.advance(REBOOT_MS);
        await until(() => binding(sim)?.changed === true, 10_000, "a binding with BINDING-CHANGE");
        const second = sim.udpPort(0)!;
        assert.notEqual(second, first);
        assert.equal(binding(sim)!.port, second);
        assert.equal(cpe.read(MS + "UDPConnectionRequestAddress"), `127.0.0.1:${second}`);
        await until(() => sim.stats().stun!.bindingChanges === 1, 5_000, "the BINDING-CHANGE answered");
        // The new address wakes it.
        const again = sessionWhere(sim, (r) => eventCodes(r).includes("6 CONNECTION REQUEST"), 15_000, "a session through the new port");
        await wake(`127.0.0.1:${second}`);
        assert.ok((await again).ok);
      } finally {
        await f.stop();
      }
    });

    it("the ACS turns STUN off with SetParameterValues: the socket closes and the address is cleared", async () => {
      const f = await fleet(stunModel());
      try {
        const { sim } = f;
        const cpe = sim.devices[0]!.cpe;
        await reported(f);
        const task = await t.acs.tasks.create(deviceIdOf(cpe.identity), "setParameterValues", { parameterValues: [{ name: MS + "STUNEnable", value: false, type: "xsd:boolean" }] });
        await wake(cpe.read(MS + "UDPConnectionRequestAddress")!);
        await until(() => sim.udpPort(0) === undefined, 10_000, "the socket to close");
        assert.equal((await t.acs.tasks.get(task.id))?.status, "done");
        await until(() => cpe.read(MS + "UDPConnectionRequestAddress") === "", 5_000, "the address cleared");
        assert.equal(cpe.read(MS + "NATDetected"), "false");
        assert.equal(sim.stats().stun!.sockets, 0);
      } finally {
        await f.stop();
      }
    });

    it("TR-098: a new address within UDPConnectionRequestAddressNotificationLimit is notified when the limit has passed", async () => {
      const IGD = "InternetGatewayDevice.ManagementServer.";
      const f = await fleet({
        builtin: "tr098-gateway",
        values: { "ManagementServer.UDPConnectionRequestAddressNotificationLimit": "600" },
        stun: { host: "127.0.0.1", port: stunPort, username: "stun-{serial}", keepAliveS: 20 },
      });
      try {
        const { sim, clock } = f;
        const cpe = sim.devices[0]!.cpe;
        const id = deviceIdOf(cpe.identity);
        const stored = async () => (await t.acs.store.parameters.get(id, [IGD + "UDPConnectionRequestAddress"]))[0]?.value;
        await reported(f);
        assert.equal(await stored(), cpe.read(IGD + "UDPConnectionRequestAddress"));
        await t.acs.tasks.create(id, "reboot", {});
        const woken = sessionWhere(sim, (r) => eventCodes(r).includes("6 CONNECTION REQUEST"), 15_000, "the reboot session");
        await wake(cpe.read(IGD + "UDPConnectionRequestAddress")!);
        await woken;
        await until(() => !cpe.isUp, 5_000, "the reboot");
        const boot = sessionWhere(sim, (r) => eventCodes(r).includes("1 BOOT"), 15_000, "the boot session");
        clock.advance(REBOOT_MS);
        await boot;
        const second = await until(() => sim.udpPort(0) !== undefined, 10_000, "the new socket").then(() => `127.0.0.1:${sim.udpPort(0)!}`);
        await until(() => cpe.read(IGD + "UDPConnectionRequestAddress") === second, 10_000, "the new address");
        await until(() => sim.stats().stun!.bindingChanges === 1, 10_000, "the BINDING-CHANGE answered");
        // Within the limit: stored, not notified (no event waits, no session came).
        assert.ok(!cpe.queuedEvents.some((e) => e.eventCode === "4 VALUE CHANGE"));
        assert.notEqual(await stored(), second);
        const notified = sessionWhere(sim, (r) => eventCodes(r).includes("4 VALUE CHANGE"), 15_000, "the notification after the limit");
        clock.advance(600_000);
        assert.ok((await notified).ok);
        assert.equal(await stored(), second);
      } finally {
        await f.stop();
      }
    });

    it("MESSAGE-INTEGRITY: a server that checks STUNPassword records authenticated bindings and refuses a wrong one", async () => {
      const bindings: StunBinding[] = [];
      const server = await StunServer.start({
        address: "127.0.0.1",
        port: 0,
        // Device 2's password is not the one the server has.
        lookupPassword: (u) => (u.endsWith("3") ? "something-else" : `pw-${u}`),
        requireIntegrity: true,
        onBinding: (b) => bindings.push(b),
      });
      const f = await fleet({ builtin: "tr181-gateway", stun: { host: "127.0.0.1", port: server.address().port, username: "{serial}", password: "pw-{serial}" } }, { devices: 3 });
      try {
        const { sim } = f;
        await until(() => sim.stats().stun!.bindingResponses === 2 && sim.stats().stun!.bindingErrors === 1, 10_000, "two answers and one refusal");
        await until(() => bindings.length === 2, 5_000, "the bindings recorded");
        const serials = sim.devices.map((d) => d.serialNumber);
        assert.deepEqual(new Set(bindings.map((b) => b.username)), new Set(serials.slice(0, 2)));
        assert.ok(bindings.every((b) => b.authenticated));
        assert.equal(server.stats().errors.STUN_INTEGRITY_FAILED, 1);
        assert.equal(sim.devices[2]!.cpe.read(MS + "UDPConnectionRequestAddress"), "");
      } finally {
        await f.stop();
        await server.close();
      }
    });

    it("beyond maxBindingsInFlight, Binding Requests wait their turn: every device gets its binding", async () => {
      const f = await fleet(stunModel(), { devices: 6, udp: { maxBindingsInFlight: 1 } });
      try {
        await until(() => f.sim.stats().stun!.bindingResponses >= 6, 10_000, "six bindings, one at a time");
        for (let i = 0; i < 6; i++) assert.equal(binding(f.sim, i)?.port, f.sim.udpPort(i));
        assert.equal(f.sim.stats().stun!.retransmissions, 0);
      } finally {
        await f.stop();
      }
    });

    it("at most maxSockets devices run STUN; the others are counted", async () => {
      const f = await fleet(stunModel(), { devices: 3, udp: { maxSockets: 2 } });
      try {
        await until(() => f.sim.stats().stun!.bindingResponses >= 2, 10_000, "two bindings");
        const s = f.sim.stats().stun!;
        assert.deepEqual([s.sockets, s.socketLimitHits], [2, 1]);
        assert.equal([0, 1, 2].filter((i) => f.sim.udpPort(i) !== undefined).length, 2);
      } finally {
        await f.stop();
      }
    });
  });
});
