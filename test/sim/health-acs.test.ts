// Device health from the simulator's side, end to end against the real ACS on both storage backends:
// alarms a test raises and clears show in Device.FaultMgmt as the ACS reads it; values a test changes
// are reported as the notification attributes the ACS set say (active: at once, passive: with the next
// periodic Inform, off: never); a parameter the model refuses active notification for is 9009; a
// silenced device neither informs nor takes Connection Requests until resumed.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import { SimError } from "../../src/sim/errors.js";
import { loadModel, ManualClock, startSimulation, type SessionReport, type Simulation } from "../../src/sim/runtime/index.js";
import { startTestAcs, type TestAcs } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { connectionRequest, eventCodes, sessionWhere, until, viaConnectionRequest as viaConnectionRequestOf } from "./support/runtime.js";

const N = 8;
const INTERVAL_S = 300;
const FM = "Device.FaultMgmt.";
const CHANNEL = "Device.WiFi.Radio.1.Channel";
const slow = { eventType: "Quality of Service Alarm", probableCause: "Threshold crossed", specificProblem: "WiFi retransmissions" };
const wanDown = { eventType: "Communications Alarm", probableCause: "Loss of signal", specificProblem: "WAN link down" };

forEachBackend((backend) => {
  describe("device health: alarms and value changes a test drives", () => {
    let t: TestAcs;
    let sim: Simulation;
    let clock: ManualClock;
    const reports: SessionReport[] = [];
    const deviceId = (i: number) => deviceIdOf(sim.devices[i]!.identity);
    const stored = async (i: number, path: string) => (await t.acs.store.parameters.get(deviceId(i), [path]))[0]?.value;

    before(async () => {
      t = await startTestAcs(backend);
      clock = new ManualClock(Date.now());
      sim = await startSimulation({
        acsUrl: t.url,
        devices: N,
        model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": String(INTERVAL_S) } }),
        identity: { acsUsername: t.username, acsPassword: t.password, serialPrefix: `HLT${backend.name.slice(0, 2).toUpperCase()}` },
        connectionRequests: { burst: 100 },
        clock,
        onSession: (r) => reports.push(r),
      });
      await until(() => reports.filter((r) => r.ok && eventCodes(r).includes("0 BOOTSTRAP")).length >= N, 30_000, `${N} bootstraps`);
    });
    after(async () => {
      await sim.stop();
      await t.stop();
    });

    const viaConnectionRequest = (i: number, name: string, args: unknown) => viaConnectionRequestOf(t, sim, i, name, args);

    async function readValues(i: number, names: string[]): Promise<Record<string, string>> {
      const { task } = await viaConnectionRequest(i, "getParameterValues", { parameterNames: names });
      assert.equal(task.status, "done");
      const values = (task.result as { values: Record<string, { value: string }> }).values;
      return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.value]));
    }

    /** Waits for the device to be done with its sessions (a periodic inform of every device, say). */
    async function idle(i: number): Promise<void> {
      const cpe = sim.devices[i]!.cpe;
      await until(() => !cpe.inSession && !cpe.wantsSession, 15_000, `device ${i} idle`);
    }

    /** The device wants no session now (what it would do on its own it does at once: the runtime starts sessions synchronously). */
    function quiet(i: number): void {
      const cpe = sim.devices[i]!.cpe;
      assert.equal(cpe.inSession, false, `device ${i} is in a session`);
      assert.equal(cpe.wantsSession, false, `device ${i} wants a session`);
    }

    it("alarms raised and cleared appear in and leave Device.FaultMgmt as the ACS reads it", async () => {
      await idle(0);
      const id = sim.device(0).raiseAlarm({ ...slow, perceivedSeverity: "Minor", additionalText: "retransmissions 14%" });
      assert.ok(id !== undefined);
      quiet(0);
      const raised = await readValues(0, [`${FM}CurrentAlarm.`, `${FM}CurrentAlarmNumberOfEntries`]);
      assert.equal(raised[`${FM}CurrentAlarmNumberOfEntries`], "1");
      assert.equal(raised[`${FM}CurrentAlarm.1.AlarmIdentifier`], id);
      assert.equal(raised[`${FM}CurrentAlarm.1.ProbableCause`], "Threshold crossed");
      assert.equal(raised[`${FM}CurrentAlarm.1.PerceivedSeverity`], "Minor");
      assert.equal(raised[`${FM}CurrentAlarm.1.AdditionalText`], "retransmissions 14%");

      sim.device(0).clearAlarm({ eventType: slow.eventType, probableCause: slow.probableCause, specificProblem: slow.specificProblem });
      const cleared = await readValues(0, [`${FM}CurrentAlarm.`, `${FM}CurrentAlarmNumberOfEntries`, `${FM}HistoryEvent.`]);
      assert.equal(cleared[`${FM}CurrentAlarmNumberOfEntries`], "0");
      assert.ok(!Object.keys(cleared).some((k) => k.startsWith(`${FM}CurrentAlarm.1.`)));
      assert.equal(cleared[`${FM}HistoryEvent.2.AlarmIdentifier`], id);
      assert.equal(cleared[`${FM}HistoryEvent.2.PerceivedSeverity`], "Cleared");
      assert.equal(cleared[`${FM}HistoryEvent.2.NotificationType`], "ClearedAlarm");

      assert.throws(() => sim.device(0).raiseAlarm({ eventType: "Nope", probableCause: "Nope" }), (e: unknown) => e instanceof SimError && e.code === "SIM_UNKNOWN_ALARM");
      assert.throws(() => sim.device(N), RangeError);
    });

    it("an expedited alarm opens a session with 4 VALUE CHANGE carrying its ExpeditedEvent", async () => {
      const ended = sessionWhere(sim, (r) => r.device === 1 && eventCodes(r).includes("4 VALUE CHANGE"), 15_000, "the expedited alarm's session");
      const id = sim.device(1).raiseAlarm(wanDown);
      const session = await ended;
      assert.equal(session.ok, true);
      assert.deepEqual(eventCodes(session), ["4 VALUE CHANGE"]);
      assert.equal(await stored(1, `${FM}ExpeditedEvent.1.AlarmIdentifier`), id);
      assert.equal(await stored(1, `${FM}ExpeditedEvent.1.ProbableCause`), "Loss of signal");
      assert.equal(await stored(1, `${FM}ExpeditedEvent.1.NotificationType`), "NewAlarm");
    });

    it("active notification: a changed value opens a session with 4 VALUE CHANGE and the value", async () => {
      const set = await viaConnectionRequest(2, "setParameterAttributes", { parameters: [{ name: CHANNEL, notification: 2 }] });
      assert.equal(set.task.status, "done");
      const ended = sessionWhere(sim, (r) => r.device === 2 && eventCodes(r).includes("4 VALUE CHANGE"), 15_000, "the value change session");
      sim.device(2).setValue(CHANNEL, "11");
      const session = await ended;
      assert.equal(session.ok, true);
      assert.deepEqual(eventCodes(session), ["4 VALUE CHANGE"]);
      assert.equal(await stored(2, CHANNEL), "11");
    });

    it("passive notification: the change waits for the next periodic Inform, which carries it", async () => {
      const set = await viaConnectionRequest(3, "setParameterAttributes", { parameters: [{ name: CHANNEL, notification: 1 }] });
      assert.equal(set.task.status, "done");
      await idle(3);
      sim.device(3).setValue(CHANNEL, "1");
      quiet(3);
      assert.notEqual(await stored(3, CHANNEL), "1");
      const periodic = sessionWhere(sim, (r) => r.device === 3 && eventCodes(r).includes("2 PERIODIC"), 20_000, "device 3's periodic inform");
      clock.advance(INTERVAL_S * 1000);
      const session = await periodic;
      assert.equal(session.ok, true);
      assert.deepEqual(eventCodes(session), ["2 PERIODIC", "4 VALUE CHANGE"]);
      assert.equal(await stored(3, CHANNEL), "1");
    });

    it("notification off: the change is never sent", async () => {
      await idle(4);
      sim.device(4).setValue(CHANNEL, "13");
      quiet(4);
      const { session } = await viaConnectionRequest(4, "getRPCMethods", {});
      assert.deepEqual(eventCodes(session), ["6 CONNECTION REQUEST"]);
      assert.notEqual(await stored(4, CHANNEL), "13");
      assert.ok(!reports.some((r) => r.device === 4 && eventCodes(r).includes("4 VALUE CHANGE")));
    });

    it("active notification on a parameter the model refuses it for is 9009; passive is accepted", async () => {
      const sensor = "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Value";
      const active = await viaConnectionRequest(5, "setParameterAttributes", { parameters: [{ name: sensor, notification: 2 }] });
      assert.equal(active.task.status, "failed");
      assert.equal(active.task.lastFault?.code, "cwmp.9009");
      const passive = await viaConnectionRequest(5, "setParameterAttributes", { parameters: [{ name: sensor, notification: 1 }] });
      assert.equal(passive.task.status, "done");
      await idle(5);
      sim.device(5).setValue(sensor, "91");
      quiet(5);
      const { session } = await viaConnectionRequest(5, "getRPCMethods", {});
      assert.deepEqual(eventCodes(session), ["4 VALUE CHANGE", "6 CONNECTION REQUEST"]);
      assert.equal(await stored(5, sensor), "91");
    });

    it("a silenced device neither informs nor takes Connection Requests; resumed, it tells what happened", async () => {
      const dev = sim.device(6);
      await idle(6);
      dev.silence();
      dev.raiseAlarm(wanDown);
      assert.equal(dev.cpe.inSession, false);
      assert.equal(dev.cpe.wantsSession, true);
      assert.deepEqual(await connectionRequest(sim.connectionRequestUrl(6), dev.cpe.connectionRequestCredentials), [401, 503]);
      const ended = sessionWhere(sim, (r) => r.device === 6 && eventCodes(r).includes("4 VALUE CHANGE"), 15_000, "the session after resume");
      dev.resume();
      const session = await ended;
      assert.equal(session.ok, true);
      assert.ok(await stored(6, `${FM}ExpeditedEvent.1.AlarmIdentifier`));
    });
  });
});
