// Alarms end to end with the simulator, on every backend: simulated TR-181 gateways whose values,
// FaultMgmt alarms and silence a test drives (src/sim DeviceControls), and a real ACS that makes the
// watched parameters notify, reads Device.FaultMgmt when its count changes, and raises and clears
// alarms from what the devices send of their own accord; its clock is injected, so silence passes
// without waiting.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock, type Simulation } from "../../src/sim/runtime/index.js";
import { forEachBackend } from "../support/pg.js";
import { apiId, codes, eventually, startDevices, startE2eAcs, type E2eAcs } from "./support.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const CHANNEL = "Device.WiFi.Radio.1.Channel";
const WAN_DOWN = { eventType: "Communications Alarm", probableCause: "Loss of signal", specificProblem: "WAN link down" };
const INTERVAL_S = 300;

forEachBackend((backend) => {
  describe("alarms from simulated devices", () => {
    let a: E2eAcs;
    let sim: Simulation;
    let offsetMs = 0;
    const clock = new ManualClock(Date.now());
    let reports: { ok: boolean; events: { eventCode: string }[]; device: number }[] = [];

    const alarmsOf = async (i: number, q = "") => {
      const res = await a.operator.get(`/api/devices/${apiId(sim, i)}/alarms${q}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.alarms as Json[];
    };
    /** Waits until the device's alarms satisfy `ok` (each of its sessions commits before its reply, but the test sees the session end first). */
    const alarmsUntil = (i: number, ok: (alarms: Json[]) => boolean, what: string) =>
      eventually(async () => {
        const list = await alarmsOf(i);
        return ok(list) ? list : undefined;
      }, what, 60_000);
    const sessionsWith = (i: number, code: string) => reports.filter((r) => r.ok && r.device === i && codes(r as never).includes(code)).length;

    before(async () => {
      a = await startE2eAcs(backend, { clock: () => new Date(Date.now() + offsetMs) });
      // The rules exist before the devices' first sessions: their boot sessions get the notifications.
      for (const body of [
        { name: "wifi-channel", severity: "minor", filter: 'productClass = "ALM"', condition: { kind: "value", path: CHANNEL, op: ">", raise: 11, clear: 6 } },
        { name: "silent", severity: "warning", filter: 'productClass = "ALM"', condition: { kind: "silence", intervals: 3, intervalSeconds: INTERVAL_S } },
      ]) {
        const res = await a.admin.post("/api/alarms/rules", body);
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      // The ACS sets notifications only on parameters it knows the device has: discovery at first contact.
      const discover = await a.admin.put("/api/presets/alm-discovery", { name: "alm-discovery", filter: 'productClass = "ALM"', events: ["0 BOOTSTRAP"], provisions: [{ name: "builtin:discover", args: { paths: ["Device.WiFi.Radio.", "Device.FaultMgmt."] } }] });
      assert.ok(discover.status === 200 || discover.status === 201, JSON.stringify(discover.body));
      const started = await startDevices(a.t, {
        serialPrefix: `ALM${backend.name.slice(0, 2).toUpperCase()}`,
        productClass: "ALM",
        devices: 2,
        clock,
        model: { builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": String(INTERVAL_S), "WiFi.Radio.1.Channel": "1" } },
        connectionRequests: false,
        udp: false,
        xmpp: false,
      });
      sim = started.sim;
      reports = started.reports as never;
      await eventually(() => (reports.filter((r) => r.ok && codes(r as never).includes("0 BOOTSTRAP")).length >= 2 ? true : undefined), "both devices' bootstrap", 60_000);
      // Their next (periodic) sessions set the notifications on what the first ones discovered.
      const idle = () => eventually(() => (sim.devices.every((d) => !d.cpe.inSession && !d.cpe.wantsSession) ? true : undefined), "the devices idle", 60_000);
      await idle();
      clock.advance(INTERVAL_S * 1000 + 1000);
      await eventually(() => ([0, 1].every((i) => sessionsWith(i, "2 PERIODIC") >= 1) ? true : undefined), "a periodic session of each device", 60_000);
      await idle();
    });
    after(async () => {
      await sim?.stop();
      await a?.t.stop();
    });

    it("a threshold alarm raised and cleared by a value the device changes (active notification set by the ACS)", async () => {
      const before = sessionsWith(0, "4 VALUE CHANGE");
      sim.device(0).setValue(CHANNEL, "13");
      const [raised] = await alarmsUntil(0, (l) => l.some((x) => x.state === "active"), "the channel alarm");
      // The device told the ACS of its own accord (its session's report comes once the session has ended).
      await eventually(() => (sessionsWith(0, "4 VALUE CHANGE") > before ? true : undefined), "a 4 VALUE CHANGE session", 60_000);
      assert.deepEqual([raised.source, raised.severity, raised.detail], ["rule", "minor", { path: CHANNEL, value: "13" }]);
      sim.device(0).setValue(CHANNEL, "9");
      await eventually(() => (sessionsWith(0, "4 VALUE CHANGE") > before + 1 ? true : undefined), "the second value change", 60_000);
      assert.equal((await alarmsOf(0)).find((x) => x.id === raised.id)?.state, "active", "9 is within the hysteresis band");
      sim.device(0).setValue(CHANNEL, "6");
      await alarmsUntil(0, (l) => l.find((x) => x.id === raised.id)?.state === "cleared", "the channel alarm cleared");
    });

    it("a FaultMgmt alarm the device raises becomes an alarm, and clears with it", async () => {
      const identifier = sim.device(1).raiseAlarm({ ...WAN_DOWN, perceivedSeverity: "Major" });
      assert.ok(identifier !== undefined);
      const [alarm] = await alarmsUntil(1, (l) => l.some((x) => x.source === "faultmgmt" && x.state === "active"), "the FaultMgmt alarm");
      assert.deepEqual([alarm.dedupeKey, alarm.severity], [identifier, "major"]);
      assert.match(alarm.text, /Communications Alarm: Loss of signal: WAN link down/);
      sim.device(1).clearAlarm(WAN_DOWN);
      await alarmsUntil(1, (l) => l.find((x) => x.id === alarm.id)?.state === "cleared", "the FaultMgmt alarm cleared");
    });

    it("a silence alarm for a device that stops informing, cleared by its next Inform", async () => {
      sim.device(1).silence();
      // The ACS's clock passes three of the device's periodic intervals (the device's own clock does not move).
      offsetMs += 3 * INTERVAL_S * 1000 + 5000;
      await a.t.acs.housekeep();
      const silent = await alarmsUntil(1, (l) => l.some((x) => x.state === "active" && x.text.length > 0 && x.ruleId !== null && x.source === "rule"), "the silence alarm");
      const alarm = silent.find((x) => x.source === "rule" && x.state === "active")!;
      assert.equal(alarm.severity, "warning");
      sim.device(1).resume();
      const periodic = sessionsWith(1, "2 PERIODIC");
      clock.advance(INTERVAL_S * 1000 + 1000);
      await eventually(() => (sessionsWith(1, "2 PERIODIC") > periodic ? true : undefined), "the device's next periodic Inform", 60_000);
      await alarmsUntil(1, (l) => l.find((x) => x.id === alarm.id)?.state === "cleared", "the silence alarm cleared");
    });
  });
});
