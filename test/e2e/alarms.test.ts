// Alarms end to end, on every backend: a real ACS (its clock injected, so durations, windows and
// silence pass without waiting), rules made through the REST API, and a scripted CPE over HTTP on
// 127.0.0.1 reporting what raises and clears them: a threshold with hysteresis (repeats counted on one
// alarm), a duration, a reboot loop, a device that stops informing, the device's own FaultMgmt
// alarms, fleets (by a rule's alarms, by a value and tag), rules disabled and deleted, acknowledgement,
// and the events on the outbox and to a webhook.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { cwmpFault, xsdValue, type CwmpMessage, type ParameterValueStruct } from "../../src/cwmp/index.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";
import { Receiver } from "../nbi/webhook-receiver.js";
import { eventually, startE2eAcs, type E2eAcs } from "./support.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const TEMP = "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Value";
const FM = "Device.FaultMgmt.";

const param = (name: string, value: string, type = "xsd:string"): ParameterValueStruct => ({ name, value: xsdValue(type as never, value) });

/** Each CPE's notification attributes, and the paths on which it refuses to change them (9009). */
const attributes = new WeakMap<TestCpe, { notification: Map<string, number>; refuse: Set<string> }>();
function attributesOf(cpe: TestCpe) {
  let a = attributes.get(cpe);
  if (a === undefined) attributes.set(cpe, (a = { notification: new Map(), refuse: new Set() }));
  return a;
}

/** What the CPE answers to attribute RPCs: its attributes as set, 9009 for the paths it refuses. */
function attributeAnswer(cpe: TestCpe, rpc: CwmpMessage): CwmpMessage | null {
  const a = attributesOf(cpe);
  if (rpc.method === "GetParameterAttributes") {
    return { method: "GetParameterAttributesResponse", parameterList: rpc.parameterNames.map((name) => ({ name, notification: a.notification.get(name) ?? 0, accessList: [] })) };
  }
  if (rpc.method !== "SetParameterAttributes") return null;
  const refused = rpc.parameterList.find((p) => a.refuse.has(p.name));
  if (refused !== undefined) return cwmpFault(9009, `Notification request rejected for ${refused.name}`);
  for (const p of rpc.parameterList) if (p.notificationChange) a.notification.set(p.name, p.notification);
  return { method: "SetParameterAttributesResponse" };
}

/** One session: the Inform, then the ACS's RPCs answered by `answer` (else as attributes, else a fault) until it ends. */
async function session(cpe: TestCpe, events: string[], params: ParameterValueStruct[], answer: (rpc: CwmpMessage) => CwmpMessage | null = () => null): Promise<CwmpMessage[]> {
  const informed = await cpe.inform(events, [param("Device.DeviceInfo.SoftwareVersion", "1.0"), ...params]);
  assert.equal(informed.status, 200, informed.text);
  const rpcs: CwmpMessage[] = [];
  let reply = await cpe.send(null);
  while (reply.status !== 204) {
    const rpc = rpcIn(reply);
    rpcs.push(rpc);
    reply = await cpe.answer(reply, answer(rpc) ?? attributeAnswer(cpe, rpc) ?? cwmpFault(9000, `${rpc.method} is not in this test`));
    assert.ok(rpcs.length < 20, "the session ends");
  }
  return rpcs;
}

forEachBackend((backend) => {
  describe("alarms end to end", () => {
    let a: E2eAcs;
    let offsetMs = 0;
    const advance = (s: number) => (offsetMs += s * 1000);
    let hook: Receiver;
    const cpes: TestCpe[] = [];
    const cpe = (serial: string) => {
      const c = new TestCpe({ url: a.t.url, username: a.t.username, password: a.t.password, ns: "1-2", identity: { serialNumber: `${backend.name}-${serial}` } });
      cpes.push(c);
      return c;
    };
    const rule = async (body: Json) => {
      const res = await a.admin.post("/api/alarms/rules", body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const alarmsOf = async (c: TestCpe, q = "") => (await a.operator.get(`/api/devices/${encodeURIComponent(c.deviceId)}/alarms${q}`)).body.alarms as Json[];

    before(async () => {
      a = await startE2eAcs(backend, { clock: () => new Date(Date.now() + offsetMs), settings: { webhooks: { allowTargets: ["127.0.0.1"] } } });
      hook = await new Receiver().start();
      const webhook = await a.admin.post("/api/webhooks", { name: `alarms-${backend.name}`, url: hook.url, events: ["alarm.raised", "alarm.cleared", "alarm.acknowledged"] });
      assert.equal(webhook.status, 201, JSON.stringify(webhook.body));
    });
    after(async () => {
      for (const c of cpes) c.close();
      await hook.close();
      await a.t.stop();
    });

    it("a threshold alarm: raised above 80, kept in the band, counted when it holds again, cleared at 70; events and a webhook delivery", async () => {
      const ruleId = await rule({ name: "hot", severity: "major", filter: 'productClass = "HGW"', condition: { kind: "value", path: "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.*.Value", op: ">", raise: 80, clear: 70 } });
      const c = cpe("hot");
      const first = await session(c, ["0 BOOTSTRAP"], [param(TEMP, "60", "xsd:int")]);
      assert.deepEqual(await alarmsOf(c), []);
      // The watched parameter is made to notify actively, read before written, once.
      assert.deepEqual(first.map((r) => r.method), ["GetParameterAttributes", "SetParameterAttributes"]);
      assert.equal(attributesOf(c).notification.get(TEMP), 2);
      assert.deepEqual(await session(c, ["2 PERIODIC"], []), [], "nothing to set again");
      await session(c, ["4 VALUE CHANGE"], [param(TEMP, "85", "xsd:int")]);
      const [raised] = await alarmsOf(c);
      assert.deepEqual([raised.state, raised.severity, raised.ruleId, raised.dedupeKey, raised.count, raised.detail], ["active", "major", ruleId, `${ruleId}|${TEMP}`, 1, { path: TEMP, value: "85" }]);
      await session(c, ["4 VALUE CHANGE"], [param(TEMP, "75", "xsd:int")]);
      await session(c, ["4 VALUE CHANGE"], [param(TEMP, "90", "xsd:int")]);
      const [again] = await alarmsOf(c);
      assert.deepEqual([again.id, again.state, again.count, again.detail.value], [raised.id, "active", 2, "90"], "one alarm, its repeat counted");
      await session(c, ["4 VALUE CHANGE"], [param(TEMP, "71", "xsd:int")]);
      assert.equal((await alarmsOf(c))[0].state, "active", "71 is still in the band");
      await session(c, ["4 VALUE CHANGE"], [param(TEMP, "70", "xsd:int")]);
      const [cleared] = await alarmsOf(c);
      assert.deepEqual([cleared.id, cleared.state], [raised.id, "cleared"]);
      const history = (await a.operator.get(`/api/alarms/${raised.id}`)).body.history.map((h: Json) => h.transition);
      assert.deepEqual(history, ["raised", "repeated", "cleared"]);
      const events = await outboxEvents(a.t.acs.store, (e) => e.type.startsWith("alarm.") && (e.payload as Json).alarmId === raised.id, (l) => l.length >= 2);
      assert.deepEqual(events.map((e) => [e.type, e.deviceId]), [["alarm.raised", c.deviceId], ["alarm.cleared", c.deviceId]]);
      const delivered = await eventually(() => {
        const mine = hook.received.map((d) => d.json).filter((b) => b.alarmId === raised.id);
        return mine.length >= 2 ? mine : undefined;
      }, "the webhook deliveries");
      assert.deepEqual(delivered.map((b) => [b.type, b.deviceId, b.severity]).sort(), [["alarm.cleared", c.deviceId, "major"], ["alarm.raised", c.deviceId, "major"]]);
    });

    it("a duration: the alarm waits until the value held for forSeconds, and a report in between starts it over", async () => {
      await rule({ name: "hot for a minute", severity: "critical", condition: { kind: "value", path: "Device.DeviceInfo.ProcessStatus.CPUUsage", op: ">=", raise: 95, forSeconds: 60 } });
      const c = cpe("cpu");
      const CPU = "Device.DeviceInfo.ProcessStatus.CPUUsage";
      await session(c, ["4 VALUE CHANGE"], [param(CPU, "99", "xsd:unsignedInt")]);
      assert.deepEqual(await alarmsOf(c), [], "pending: not an alarm yet");
      advance(30);
      await session(c, ["4 VALUE CHANGE"], [param(CPU, "50", "xsd:unsignedInt")]);
      await session(c, ["4 VALUE CHANGE"], [param(CPU, "97", "xsd:unsignedInt")]);
      advance(45);
      await a.t.acs.housekeep();
      assert.deepEqual(await alarmsOf(c), [], "45 s since the run started again");
      advance(20);
      await a.t.acs.housekeep();
      const [raised] = await alarmsOf(c);
      assert.deepEqual([raised.state, raised.severity], ["active", "critical"]);
    });

    it("a device that refuses the notification (9009) is asked again only after it boots or a day later, and the rule still works on what it reports", async () => {
      const UP = "Device.DeviceInfo.UpTime";
      await rule({ name: "young", severity: "warning", filter: 'serialNumber *= "refuses"', notification: "passive", condition: { kind: "value", path: UP, op: "<", raise: 60 } });
      const c = cpe("refuses");
      attributesOf(c).refuse.add(UP);
      const rpcs = await session(c, ["1 BOOT"], [param(UP, "5", "xsd:unsignedInt")]);
      assert.deepEqual(rpcs.map((r) => r.method), ["GetParameterAttributes", "SetParameterAttributes"]);
      assert.deepEqual((await alarmsOf(c)).map((x) => x.state), ["active"]);
      const faults = (await a.operator.get(`/api/faults?deviceId=${encodeURIComponent(c.deviceId)}`)).body.faults as Json[];
      assert.ok(faults.some((f) => f.code === "cwmp.9009"), JSON.stringify(faults));
      const methods = async (events: string[]) => (await session(c, events, [param(UP, "500", "xsd:unsignedInt")])).map((r) => r.method);
      assert.deepEqual(await methods(["2 PERIODIC"]), [], "the refusal is remembered");
      assert.deepEqual((await alarmsOf(c)).map((x) => x.state), ["cleared"]);
      assert.deepEqual(await methods(["1 BOOT"]), ["SetParameterAttributes"], "asked again after a boot");
      assert.deepEqual(await methods(["2 PERIODIC"]), []);
      advance(86_400);
      assert.deepEqual(await methods(["2 PERIODIC"]), ["SetParameterAttributes"], "asked again after alarms.notificationRetry");
      attributesOf(c).refuse.delete(UP);
      advance(86_400);
      assert.deepEqual(await methods(["2 PERIODIC"]), ["SetParameterAttributes"]);
      assert.equal(attributesOf(c).notification.get(UP), 1, "set once the device accepts");
      assert.deepEqual(await methods(["2 PERIODIC"]), []);
    });

    it("a device refusing one of several notifications is asked for the others, and left alone about that one", async () => {
      const RADIO = "Device.WiFi.Radio.*.Stats.Noise";
      await rule({ name: "noisy", severity: "minor", filter: 'serialNumber *= "picky"', condition: { kind: "value", path: RADIO, op: ">", raise: -50 } });
      const c = cpe("picky");
      const noise = (i: number, v: string) => param(`Device.WiFi.Radio.${i}.Stats.Noise`, v, "xsd:int");
      attributesOf(c).refuse.add("Device.WiFi.Radio.2.Stats.Noise");
      const first = await session(c, ["0 BOOTSTRAP"], [noise(1, "-90"), noise(2, "-90"), noise(3, "-90")]);
      assert.ok(first.filter((r) => r.method === "SetParameterAttributes").length >= 2, "set again path by path after the fault");
      assert.deepEqual([...attributesOf(c).notification].filter(([p]) => p.includes("Radio")).map(([p, n]) => [p, n]).sort(), [["Device.WiFi.Radio.1.Stats.Noise", 2], ["Device.WiFi.Radio.3.Stats.Noise", 2]]);
      assert.deepEqual((await session(c, ["2 PERIODIC"], [noise(2, "-40")])).map((r) => r.method), [], "the refused instance is left out");
      assert.deepEqual((await alarmsOf(c)).map((x) => [x.dedupeKey.split("|")[1], x.state]), [["Device.WiFi.Radio.2.Stats.Noise", "active"]]);
    });


    it("a reboot loop: three 1 BOOT within the hour raise it; it clears once the window holds fewer", async () => {
      await rule({ name: "reboot loop", severity: "minor", condition: { kind: "event", code: "1 BOOT", count: 3, windowSeconds: 3600 } });
      const c = cpe("boots");
      for (let i = 0; i < 2; i++) {
        await session(c, ["1 BOOT"], []);
        advance(600);
      }
      assert.deepEqual(await alarmsOf(c), []);
      await session(c, ["1 BOOT"], []);
      const [raised] = await alarmsOf(c);
      assert.deepEqual([raised.state, raised.severity, raised.detail], ["active", "minor", { code: "1 BOOT", count: 3 }]);
      await session(c, ["1 BOOT"], []);
      assert.equal((await alarmsOf(c))[0].count, 2, "a fourth boot counts on the same alarm");
      advance(2900);
      await a.t.acs.housekeep();
      assert.equal((await alarmsOf(c))[0].state, "active", "three boots are still within the hour");
      advance(1300);
      await a.t.acs.housekeep();
      assert.equal((await alarmsOf(c))[0].state, "cleared");
    });

    it("silence: a device that stops informing for three of its periodic intervals; its next Inform clears it", async () => {
      await rule({ name: "silent", severity: "warning", filter: 'serialNumber *= "quiet"', condition: { kind: "silence", intervals: 3, intervalSeconds: 3600 } });
      const quiet = cpe("quiet");
      const chatty = cpe("quiet-but-slow");
      await session(quiet, ["2 PERIODIC"], [param("Device.ManagementServer.PeriodicInformInterval", "300", "xsd:unsignedInt")]);
      await session(chatty, ["2 PERIODIC"], []);
      advance(899);
      await a.t.acs.housekeep();
      assert.deepEqual(await alarmsOf(quiet), []);
      advance(2);
      await a.t.acs.housekeep();
      const [raised] = await alarmsOf(quiet);
      assert.deepEqual([raised.state, raised.severity], ["active", "warning"]);
      assert.deepEqual(await alarmsOf(chatty), [], "its interval is unknown: the rule's 3 × 3600 s");
      await a.t.acs.housekeep();
      assert.equal((await alarmsOf(quiet)).length, 1, "one alarm however many passes");
      await session(quiet, ["2 PERIODIC"], []);
      assert.equal((await alarmsOf(quiet))[0].state, "cleared");
    });

    it("FaultMgmt: the device's current alarms are read when their count changes, become alarms, and clear when gone", async () => {
      const c = cpe("faultmgmt");
      const entry = (i: number, id: string, severity: string) => [
        param(`${FM}CurrentAlarm.${i}.AlarmIdentifier`, id), param(`${FM}CurrentAlarm.${i}.PerceivedSeverity`, severity),
        param(`${FM}CurrentAlarm.${i}.EventType`, "Equipment Alarm"), param(`${FM}CurrentAlarm.${i}.ProbableCause`, "Fan failure"),
        param(`${FM}CurrentAlarm.${i}.SpecificProblem`, id), param(`${FM}CurrentAlarm.${i}.AlarmRaisedTime`, "2026-01-01T00:00:00Z", "xsd:dateTime"),
      ];
      let table: ParameterValueStruct[] = [...entry(1, "FAN-1", "Critical"), ...entry(2, "FAN-2", "Minor")];
      const answer = (rpc: CwmpMessage): CwmpMessage | null => {
        if (rpc.method !== "GetParameterValues") return null;
        assert.deepEqual(rpc.parameterNames, [`${FM}CurrentAlarmNumberOfEntries`, `${FM}CurrentAlarm.`]);
        return { method: "GetParameterValuesResponse", parameterList: [param(`${FM}CurrentAlarmNumberOfEntries`, String(table.length / 6), "xsd:unsignedInt"), ...table] };
      };
      const rpcs = await session(c, ["4 VALUE CHANGE"], [param(`${FM}CurrentAlarmNumberOfEntries`, "2", "xsd:unsignedInt")], answer);
      assert.deepEqual(rpcs.map((r) => r.method).sort(), ["GetParameterAttributes", "GetParameterValues", "SetParameterAttributes"], "the table is read in the same session");
      assert.equal(attributesOf(c).notification.get(`${FM}CurrentAlarmNumberOfEntries`), 2, "and the count made to notify actively");
      const raised = await alarmsOf(c);
      assert.deepEqual(raised.map((x) => [x.source, x.dedupeKey, x.severity, x.state, x.text]).sort(), [
        ["faultmgmt", "FAN-1", "critical", "active", "Equipment Alarm: Fan failure: FAN-1"],
        ["faultmgmt", "FAN-2", "minor", "active", "Equipment Alarm: Fan failure: FAN-2"],
      ]);
      table = entry(1, "FAN-2", "Major");
      await session(c, ["4 VALUE CHANGE"], [param(`${FM}CurrentAlarmNumberOfEntries`, "1", "xsd:unsignedInt")], answer);
      const now = await alarmsOf(c);
      assert.deepEqual(now.map((x) => [x.dedupeKey, x.state, x.severity]).sort(), [["FAN-1", "cleared", "critical"], ["FAN-2", "active", "major"]]);
      table = [];
      await session(c, ["4 VALUE CHANGE"], [param(`${FM}CurrentAlarmNumberOfEntries`, "0", "xsd:unsignedInt")], answer);
      assert.deepEqual((await alarmsOf(c, "?state=active")), [], "a count of 0 clears them without a read");
    });

    it("a diagnostic rule: a ping whose average is above 100 ms raises it, the next one below clears it", async () => {
      await rule({ name: "slow ping", severity: "major", filter: 'serialNumber *= "pinger"', condition: { kind: "diagnostic", diagnostic: "ipPing", field: "AverageResponseTime", op: ">", threshold: 100 } });
      const c = cpe("pinger");
      const PING = "Device.IP.Diagnostics.IPPing.";
      await session(c, ["0 BOOTSTRAP"], []);
      const ping = async (average: number) => {
        const started = await a.operator.post(`/api/devices/${encodeURIComponent(c.deviceId)}/diagnostics`, { kind: "ipPing", args: { Host: "example.net" } });
        assert.equal(started.status, 201, JSON.stringify(started.body));
        // The device takes the request, runs it after the session and reports it complete.
        const taken = await session(c, ["6 CONNECTION REQUEST"], [], (rpc) => (rpc.method === "SetParameterValues" ? { method: "SetParameterValuesResponse", status: 0 } : null));
        assert.ok(taken.some((r) => r.method === "SetParameterValues"));
        await session(c, ["8 DIAGNOSTICS COMPLETE"], [], (rpc) => {
          if (rpc.method !== "GetParameterValues" || rpc.parameterNames[0] !== PING) return null;
          return {
            method: "GetParameterValuesResponse",
            parameterList: [
              param(`${PING}DiagnosticsState`, "Complete"), param(`${PING}SuccessCount`, "3", "xsd:unsignedInt"), param(`${PING}FailureCount`, "0", "xsd:unsignedInt"),
              param(`${PING}AverageResponseTime`, String(average), "xsd:unsignedInt"),
            ],
          };
        });
        const run = (await a.operator.get(`/api/diagnostics/${started.body.id}`)).body;
        assert.equal(run.status, "complete", JSON.stringify(run));
      };
      await ping(150);
      const [raised] = await alarmsOf(c);
      assert.deepEqual([raised.state, raised.severity, raised.text], ["active", "major", "ipPing AverageResponseTime > 100"]);
      await ping(20);
      assert.deepEqual((await alarmsOf(c)).map((x) => [x.id, x.state]), [[raised.id, "cleared"]]);
    });

    it("a fleet alarm: raised for a product class once more than half its devices have a rule's alarm, cleared when fewer do", async () => {
      const STATUS = "Device.X_TEST.Link.Status";
      const down = await rule({ name: "link down", severity: "minor", filter: 'serialNumber *= "fleet-"', notification: "none", condition: { kind: "value", path: STATUS, op: "==", raise: "Down" } });
      const fleet = await rule({ name: "links down", severity: "critical", filter: 'serialNumber *= "fleet-"', condition: { kind: "fleet", groupBy: "productClass", ruleId: down, sharePercent: 50 } });
      const devices = [cpe("fleet-1"), cpe("fleet-2"), cpe("fleet-3")];
      for (const c of devices) await session(c, ["0 BOOTSTRAP"], [param(STATUS, "Up")]);
      const fleetAlarms = async () => (await a.admin.get(`/api/alarms?ruleId=${fleet}`)).body.alarms as Json[];
      await session(devices[0]!, ["4 VALUE CHANGE"], [param(STATUS, "Down")]);
      await a.t.acs.housekeep();
      assert.deepEqual(await fleetAlarms(), [], "one of three is not above half");
      await session(devices[1]!, ["4 VALUE CHANGE"], [param(STATUS, "Down")]);
      await a.t.acs.housekeep();
      const [raised] = await fleetAlarms();
      assert.deepEqual([raised.deviceId, raised.state, raised.severity, raised.dedupeKey, raised.detail], [null, "active", "critical", `${fleet}|HGW`, { groupBy: "productClass", group: "HGW", devices: 3, alarmed: 2 }]);
      await a.t.acs.housekeep();
      assert.equal((await fleetAlarms()).length, 1, "one alarm however many passes");
      await session(devices[0]!, ["4 VALUE CHANGE"], [param(STATUS, "Up")]);
      await a.t.acs.housekeep();
      assert.deepEqual((await fleetAlarms()).map((x) => [x.id, x.state]), [[raised.id, "cleared"]]);
    });

    it("a fleet alarm on a value, by tag: raised for a tag once more than 20% of its devices report a temperature above 80, in each of their tags", async () => {
      const fleet = await rule({
        name: "hot tags", severity: "major", filter: 'serialNumber *= "hot-"',
        condition: { kind: "fleet", groupBy: "tag", path: TEMP, op: ">", threshold: 80, sharePercent: 20, minDevices: 2 },
      });
      const devices = [cpe("hot-1"), cpe("hot-2"), cpe("hot-3"), cpe("hot-4"), cpe("hot-5")];
      for (const c of devices) await session(c, ["0 BOOTSTRAP"], [param(TEMP, "60", "xsd:int")]);
      const tag = async (c: TestCpe, t: string) => assert.ok((await a.operator.put(`/api/devices/${encodeURIComponent(c.deviceId)}/tags/${t}`)).status < 300);
      for (const c of devices) await tag(c, "site-a");
      await tag(devices[0]!, "lab");
      await tag(devices[1]!, "lab");
      const fleetAlarms = async () => ((await a.admin.get(`/api/alarms?ruleId=${fleet}`)).body.alarms as Json[]).map((x) => [x.dedupeKey, x.state, x.detail]);
      await session(devices[0]!, ["4 VALUE CHANGE"], [param(TEMP, "85", "xsd:int")]);
      await a.t.acs.housekeep();
      assert.deepEqual(await fleetAlarms(), [[`${fleet}|lab`, "active", { groupBy: "tag", group: "lab", devices: 2, alarmed: 1 }]], "1 of 5 of site-a is 20%, not above it");
      await session(devices[4]!, ["4 VALUE CHANGE"], [param(TEMP, "81", "xsd:int")]);
      await a.t.acs.housekeep();
      const keys = async () => (await fleetAlarms()).filter((x) => x[1] === "active").map((x) => x[0]).sort();
      assert.deepEqual(await keys(), [`${fleet}|lab`, `${fleet}|site-a`]);
      await session(devices[0]!, ["4 VALUE CHANGE"], [param(TEMP, "70", "xsd:int")]);
      await a.t.acs.housekeep();
      assert.deepEqual(await keys(), [], "site-a is back at 20%, lab at none");
    });

    it("the active alarms of a rule disabled or deleted clear at the next pass, their history saying why", async () => {
      const LOAD = "Device.X_TEST.Load";
      const body = (name: string) => ({ name, severity: "minor", filter: 'serialNumber *= "gone-1"', notification: "none", condition: { kind: "value", path: LOAD, op: ">", raise: 90 } });
      const disabled = await rule(body("load a"));
      const deleted = await rule(body("load b"));
      const c = cpe("gone-1");
      await session(c, ["0 BOOTSTRAP"], [param(LOAD, "95", "xsd:int")]);
      const active = async (id: string) => (await a.admin.get(`/api/alarms?ruleId=${id}&state=active`)).body.alarms as Json[];
      const [first] = await active(disabled);
      const [second] = await active(deleted);
      assert.ok(first !== undefined && second !== undefined, "both rules raised");
      assert.equal((await a.admin.put(`/api/alarms/rules/${disabled}`, { ...body("load a"), enabled: false })).status, 200);
      assert.equal((await a.admin.del(`/api/alarms/rules/${deleted}`)).status, 204);
      await a.t.acs.housekeep();
      for (const [alarm, reason] of [[first, "rule disabled"], [second, "rule deleted"]] as const) {
        const got = (await a.admin.get(`/api/alarms/${alarm.id}`)).body;
        assert.equal(got.state, "cleared");
        assert.deepEqual(got.history.map((h: Json) => [h.transition, h.reason]), [["raised", null], ["cleared", reason]]);
      }
      const cleared = await outboxEvents(a.t.acs.store, (e) => e.type === "alarm.cleared" && [first.id, second.id].includes((e.payload as Json).alarmId), (l) => l.length >= 2, 60_000);
      assert.equal(cleared.length, 2, "each clear is an event");
    });

    it("acknowledgement by the operator's key is on the alarm, its history and the webhook", async () => {

      const [one] = (await a.operator.get("/api/alarms?state=active&limit=1")).body.alarms as Json[];
      const acked = await a.operator.post(`/api/alarms/${one.id}/acknowledge`);
      assert.equal(acked.status, 200, JSON.stringify(acked.body));
      assert.equal(acked.body.acknowledgedBy, "test operator");
      const delivery = await eventually(() => hook.received.map((d) => d.json).find((b) => b.type === "alarm.acknowledged" && b.alarmId === one.id), "the acknowledgement's delivery");
      assert.deepEqual([delivery.acknowledged, delivery.by], [true, "test operator"]);
    });
  });
});
