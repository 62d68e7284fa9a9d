// The storage of alarm rules and alarms (migrations 19, 21), on every backend: rules and their revision,
// one open alarm per device, source and key (a repeat counts on it), pending alarms and their
// promotion, clearing, acknowledgement by a principal, the history of transitions, lists filtered
// by state, severity, device, rule, time and tenant, retention, and removal with the device; fleet
// counts by product class, version and tag, of a rule's alarms or of a value; the alarms of rules gone;
// the notifications devices refused.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreError } from "../../src/store/index.js";
import { evaluate, filterDevice, parse, type FilterDevice } from "../../src/query/index.js";
import type { AlarmRuleRecord, NewAlarm, Store } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";

const T0 = new Date("2026-03-01T10:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

async function device(store: Store, serial: string, productClass = "GW"): Promise<string> {
  const id = `A1B2C3-${productClass}-${serial}`;
  await store.devices.recordInform({ id, manufacturer: "M", oui: "A1B2C3", productClass, serialNumber: serial, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
  return id;
}

function rule(id: string, name: string): AlarmRuleRecord {
  return {
    id, name, description: "hot", enabled: true, severity: "major", filter: 'productClass = "GW"',
    condition: { kind: "value", path: "Device.X.Temp", op: ">", raise: 80, clear: 70 }, notification: "active", createdAt: at(0), updatedAt: at(0),
  };
}

const alarm = (deviceId: string | null, key: string, over: Partial<NewAlarm> = {}): NewAlarm => ({
  deviceId, source: "rule", ruleId: "r1", dedupeKey: key, severity: "major", state: "active", text: "too hot", detail: { value: "85" }, ...over,
});

forEachBackend((backend) => {
  describe("alarms", () => {
    it("keeps rules by name, refuses a taken name, updates and deletes them, and moves the revision at each change", async (t) => {
      const store = await backend.open();
      t.after(() => store.close());
      assert.equal(await store.alarms.revision(), "");
      assert.equal(await store.alarms.createRule(rule("r1", "hot")), true);
      const r1 = await store.alarms.revision();
      assert.notEqual(r1, "");
      assert.equal(await store.alarms.createRule(rule("r2", "hot")), false);
      assert.equal(await store.alarms.revision(), r1, "a refused write changes nothing");
      assert.equal(await store.alarms.createRule(rule("r2", "cold")), true);
      assert.deepEqual((await store.alarms.listRules()).map((r) => r.name), ["cold", "hot"]);
      assert.deepEqual(await store.alarms.getRule("r1"), rule("r1", "hot"));
      const r2 = await store.alarms.revision();
      const updated = await store.alarms.updateRule("r1", { enabled: false, severity: "critical", condition: { kind: "silence", intervals: 3, intervalSeconds: 600 }, updatedAt: at(5) });
      assert.deepEqual([updated?.enabled, updated?.severity, updated?.condition, updated?.updatedAt], [false, "critical", { kind: "silence", intervals: 3, intervalSeconds: 600 }, at(5)]);
      assert.notEqual(await store.alarms.revision(), r2);
      assert.equal(await store.alarms.updateRule("nope", { enabled: true }), null);
      await assert.rejects(store.alarms.updateRule("r2", { name: "hot" }), (e: unknown) => e instanceof StoreError && e.code === "STORE_DUPLICATE");
      const r3 = await store.alarms.revision();
      assert.equal(await store.alarms.deleteRule("r2"), true);
      assert.equal(await store.alarms.deleteRule("r2"), false);
      assert.notEqual(await store.alarms.revision(), r3);
      assert.equal(await store.alarms.getRule("r2"), null);
    });

    it("opens one alarm per device, source and key; repeats count on it; clears, and a new occurrence is a new alarm", async (t) => {
      const store = await backend.open();
      t.after(() => store.close());
      const d1 = await device(store, "S1");
      const a = await store.alarms.insert(alarm(d1, "Device.X.Temp"), at(1));
      assert.deepEqual({ ...a, id: "" }, {
        id: "", deviceId: d1, source: "rule", ruleId: "r1", dedupeKey: "Device.X.Temp", severity: "major", state: "active", text: "too hot", detail: { value: "85" },
        raisedAt: at(1), clearedAt: null, lastChangedAt: at(1), count: 1, acknowledgedBy: null, acknowledgedAt: null,
      });
      await assert.rejects(store.alarms.insert(alarm(d1, "Device.X.Temp"), at(2)), (e: unknown) => e instanceof StoreError && e.code === "STORE_DUPLICATE");
      // The same key on another source, or a fleet alarm with the key, is another alarm.
      await store.alarms.insert(alarm(d1, "Device.X.Temp", { source: "faultmgmt", ruleId: null }), at(2));
      await store.alarms.insert(alarm(null, "Device.X.Temp"), at(2));
      assert.equal((await store.alarms.open(d1, "rule", "Device.X.Temp"))?.id, a.id);
      assert.equal((await store.alarms.open(null, "rule", "Device.X.Temp"))?.deviceId, null);
      const again = await store.alarms.transition(a.id, "repeated", at(3), { detail: { value: "90" } });
      assert.deepEqual([again?.count, again?.lastChangedAt, again?.raisedAt, again?.detail], [2, at(3), at(1), { value: "90" }]);
      assert.equal(await store.alarms.transition(a.id, "raised", at(3)), null, "only a pending alarm is raised");
      const cleared = await store.alarms.transition(a.id, "cleared", at(4));
      assert.deepEqual([cleared?.state, cleared?.clearedAt, cleared?.lastChangedAt], ["cleared", at(4), at(4)]);
      assert.equal(await store.alarms.transition(a.id, "cleared", at(5)), null);
      assert.equal(await store.alarms.transition(a.id, "repeated", at(5)), null);
      assert.equal(await store.alarms.open(d1, "rule", "Device.X.Temp"), null);
      const b = await store.alarms.insert(alarm(d1, "Device.X.Temp", { severity: "critical" }), at(6));
      assert.notEqual(b.id, a.id);
      assert.deepEqual((await store.alarms.openFor(d1)).map((x) => [x.source, x.severity]), [["faultmgmt", "major"], ["rule", "critical"]]);
      assert.deepEqual((await store.alarms.history(a.id)).map((h) => [h.transition, h.at, h.by]), [["raised", at(1), null], ["repeated", at(3), null], ["cleared", at(4), null]]);
      await assert.rejects(store.alarms.insert(alarm("ghost", "k"), at(1)), (e: unknown) => e instanceof StoreError);
    });

    it("pending alarms wait for their duration: found once old enough, raised, or dropped", async (t) => {
      const store = await backend.open();
      t.after(() => store.close());
      const d1 = await device(store, "S1");
      const p1 = await store.alarms.insert(alarm(d1, "k1", { state: "pending" }), at(0));
      const p2 = await store.alarms.insert(alarm(d1, "k2", { state: "pending" }), at(30));
      assert.deepEqual((await store.alarms.pendingSince(at(10), 10)).map((x) => x.id), [p1.id]);
      assert.deepEqual((await store.alarms.pendingSince(at(30), 10)).map((x) => x.id), [p1.id, p2.id]);
      assert.deepEqual((await store.alarms.pendingSince(at(30), 1)).map((x) => x.id), [p1.id]);
      assert.equal(await store.alarms.acknowledge(p1.id, true, "alice", at(1)), null, "a pending alarm is not shown, so not acknowledged");
      const raised = await store.alarms.transition(p1.id, "raised", at(60));
      assert.deepEqual([raised?.state, raised?.raisedAt, raised?.count], ["active", at(60), 1]);
      assert.equal(await store.alarms.drop(p1.id), false, "an active alarm is cleared, never dropped");
      assert.equal(await store.alarms.drop(p2.id), true);
      assert.equal(await store.alarms.get(p2.id), null);
      assert.deepEqual((await store.alarms.history(p1.id)).map((h) => h.transition), ["pending", "raised"]);
    });

    it("acknowledges by a principal (the first keeps it), withdraws it, and records who did", async (t) => {
      const store = await backend.open();
      t.after(() => store.close());
      const d1 = await device(store, "S1");
      const a = await store.alarms.insert(alarm(d1, "k"), at(0));
      const acked = await store.alarms.acknowledge(a.id, true, "alice", at(1));
      assert.deepEqual([acked?.acknowledgedBy, acked?.acknowledgedAt], ["alice", at(1)]);
      const again = await store.alarms.acknowledge(a.id, true, "key:ops", at(2));
      assert.deepEqual([again?.acknowledgedBy, again?.acknowledgedAt], ["alice", at(1)]);
      const un = await store.alarms.acknowledge(a.id, false, "bob", at(3));
      assert.deepEqual([un?.acknowledgedBy, un?.acknowledgedAt], [null, null]);
      assert.equal(await store.alarms.acknowledge("nope", true, "alice", at(1)), null);
      assert.deepEqual((await store.alarms.history(a.id)).map((h) => [h.transition, h.by]), [["raised", null], ["acknowledged", "alice"], ["acknowledged", "key:ops"], ["unacknowledged", "bob"]]);
    });

    it("lists newest first by state, severity or worse, device, rule, source, time and devices in scope; counts; prunes cleared ones; goes with the device", async (t) => {
      const store = await backend.open();
      t.after(() => store.close());
      const d1 = await device(store, "S1");
      const d2 = await device(store, "S2", "AP");
      const a1 = await store.alarms.insert(alarm(d1, "k1", { severity: "warning" }), at(1));
      const a2 = await store.alarms.insert(alarm(d2, "k2", { severity: "critical", ruleId: "r2" }), at(2));
      const a3 = await store.alarms.insert(alarm(d1, "k3", { severity: "minor", source: "faultmgmt", ruleId: null }), at(3));
      const f = await store.alarms.insert(alarm(null, "fleet", { severity: "major" }), at(4));
      await store.alarms.transition(a1.id, "cleared", at(5));
      const ids = async (q: Parameters<Store["alarms"]["list"]>[0]) => (await store.alarms.list(q)).map((x) => x.id);
      assert.deepEqual(await ids({}), [f.id, a3.id, a2.id, a1.id]);
      assert.deepEqual(await ids({ state: ["active"] }), [f.id, a3.id, a2.id]);
      assert.deepEqual(await ids({ minSeverity: "major" }), [f.id, a2.id]);
      assert.deepEqual(await ids({ minSeverity: "minor", state: ["active"] }), [f.id, a3.id, a2.id]);
      assert.deepEqual(await ids({ deviceId: d1 }), [a3.id, a1.id]);
      assert.deepEqual(await ids({ ruleId: "r2" }), [a2.id]);
      assert.deepEqual(await ids({ source: "faultmgmt" }), [a3.id]);
      assert.deepEqual(await ids({ since: at(2), until: at(4) }), [a3.id, a2.id]);
      assert.deepEqual(await ids({ limit: 2, offset: 1 }), [a3.id, a2.id]);
      // A tenant's devices: a fleet alarm is about none of them.
      assert.deepEqual(await ids({ devices: { filter: 'productClass = "GW"', now: at(10) } }), [a3.id, a1.id]);
      assert.equal(await store.alarms.count({ state: ["active"] }), 3);
      assert.equal(await store.alarms.count({ devices: { filter: 'productClass = "AP"', now: at(10) } }), 1);
      assert.equal(await store.alarms.prune(at(5)), 0, "cleared at the cut itself stays");
      assert.equal(await store.alarms.prune(at(6)), 1);
      assert.equal(await store.alarms.get(a1.id), null);
      assert.deepEqual(await store.alarms.history(a1.id), []);
      await store.devices.delete(d2);
      assert.deepEqual(await ids({}), [f.id, a3.id]);
    });

    it("counts a fleet's devices with an active alarm of a rule, by product class or software version, within the devices selected", async (t) => {
      const store = await backend.open();
      t.after(() => store.close());
      const gw1 = await device(store, "S1");
      const gw2 = await device(store, "S2");
      const ap1 = await device(store, "S3", "AP");
      await store.parameters.setValues(gw1, [{ path: "Device.DeviceInfo.SoftwareVersion", value: "2.0", type: "xsd:string" }], at(0));
      await store.parameters.setValues(ap1, [{ path: "Device.DeviceInfo.SoftwareVersion", value: "2.0", type: "xsd:string" }], at(0));
      await store.alarms.insert(alarm(gw1, "k", { ruleId: "r1" }), at(1));
      await store.alarms.insert(alarm(ap1, "k", { ruleId: "r1", state: "pending" }), at(1));
      const cleared = await store.alarms.insert(alarm(gw2, "k", { ruleId: "r1" }), at(1));
      await store.alarms.transition(cleared.id, "cleared", at(2));
      await store.alarms.insert(alarm(gw2, "other", { ruleId: "r2" }), at(1));
      assert.deepEqual(await store.alarms.fleetShares({ groupBy: "productClass", ruleId: "r1" }), [{ group: "AP", devices: 1, alarmed: 0 }, { group: "GW", devices: 2, alarmed: 1 }]);
      assert.deepEqual(await store.alarms.fleetShares({ groupBy: "softwareVersion", ruleId: "r1" }), [{ group: "", devices: 1, alarmed: 0 }, { group: "2.0", devices: 2, alarmed: 1 }]);
      assert.deepEqual(await store.alarms.fleetShares({ groupBy: "productClass", ruleId: "r2", devices: { filter: 'productClass = "GW"', now: at(3) } }), [{ group: "GW", devices: 2, alarmed: 1 }]);
      assert.deepEqual(await store.alarms.fleetShares({ groupBy: "productClass", ruleId: "r1", devices: { filter: 'productClass = "none"', now: at(3) } }), []);
    });

    it("counts by tag (a device in each of its tags' groups, none without one), and counts devices a value filter selects instead of a rule's alarms", async (t) => {
      const store = await backend.open();
      t.after(() => store.close());
      const hot = await device(store, "S1");
      const cool = await device(store, "S2");
      const unknown = await device(store, "S3");
      const untagged = await device(store, "S4");
      const TEMP = "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Value";
      await store.parameters.setValues(hot, [{ path: TEMP, value: "85", type: "xsd:int" }], at(0));
      await store.parameters.setValues(cool, [{ path: TEMP, value: "60", type: "xsd:int" }], at(0));
      await store.parameters.setValues(untagged, [{ path: TEMP, value: "90", type: "xsd:int" }], at(0));
      await store.devices.updateTags(hot, ["north", "lab"], []);
      await store.devices.updateTags(cool, ["north"], []);
      await store.devices.updateTags(unknown, ["north", "lab"], []);
      await store.alarms.insert(alarm(cool, "k", { ruleId: "r1" }), at(1));
      assert.deepEqual(await store.alarms.fleetShares({ groupBy: "tag", ruleId: "r1" }), [{ group: "lab", devices: 2, alarmed: 0 }, { group: "north", devices: 3, alarmed: 1 }]);
      const matching = { filter: `${TEMP} > 80`, now: at(3) };
      assert.deepEqual(await store.alarms.fleetShares({ groupBy: "tag", matching }), [{ group: "lab", devices: 2, alarmed: 1 }, { group: "north", devices: 3, alarmed: 1 }]);
      assert.deepEqual(await store.alarms.fleetShares({ groupBy: "productClass", matching }), [{ group: "GW", devices: 4, alarmed: 2 }]);
      assert.deepEqual(
        await store.alarms.fleetShares({ groupBy: "tag", matching, devices: { filter: 'tag = "lab"', now: at(3) } }),
        [{ group: "lab", devices: 2, alarmed: 1 }, { group: "north", devices: 2, alarmed: 1 }],
        "the rule's filter selects devices; each still counts in all its tags",
      );
    });

    it("finds the active alarms of rules deleted or disabled, and a clear records why", async (t) => {
      const store = await backend.open();
      t.after(() => store.close());
      const d1 = await device(store, "S1");
      await store.alarms.createRule(rule("r1", "kept"));
      await store.alarms.createRule(rule("r2", "disabled"));
      const kept = await store.alarms.insert(alarm(d1, "k1", { ruleId: "r1" }), at(1));
      const off = await store.alarms.insert(alarm(d1, "k2", { ruleId: "r2" }), at(2));
      const gone = await store.alarms.insert(alarm(null, "k3", { ruleId: "r3" }), at(3));
      await store.alarms.insert(alarm(d1, "k4", { ruleId: "r3", state: "pending" }), at(3));
      await store.alarms.insert(alarm(d1, "k5", { ruleId: null, source: "faultmgmt" }), at(3));
      assert.deepEqual(await store.alarms.rulesGone(10), [{ alarm: gone, rule: "deleted" }]);
      await store.alarms.updateRule("r2", { enabled: false });
      assert.deepEqual((await store.alarms.rulesGone(10)).map((g) => [g.alarm.id, g.rule]), [[off.id, "disabled"], [gone.id, "deleted"]]);
      assert.deepEqual((await store.alarms.rulesGone(1)).map((g) => g.alarm.id), [off.id], "oldest first, bounded");
      await store.alarms.transition(off.id, "cleared", at(5), { reason: "rule disabled" });
      assert.deepEqual((await store.alarms.history(off.id)).map((h) => [h.transition, h.reason, h.by]), [["raised", null, null], ["cleared", "rule disabled", null]]);
      assert.deepEqual((await store.alarms.rulesGone(10)).map((g) => g.alarm.id), [gone.id]);
      assert.equal((await store.alarms.get(kept.id))?.state, "active");
    });

    it("remembers the notifications a device refused, the latest time per path, and forgets them with the device", async (t) => {
      const store = await backend.open();
      t.after(() => store.close());
      const d1 = await device(store, "S1");
      const d2 = await device(store, "S2");
      await store.alarms.refuseNotification(d1, "Device.X.A", at(1));
      await store.alarms.refuseNotification(d1, "Device.X.B", at(2));
      await store.alarms.refuseNotification(d2, "Device.X.A", at(2));
      assert.deepEqual(await store.alarms.notificationRefusals(d1, at(0)), ["Device.X.A", "Device.X.B"]);
      assert.deepEqual(await store.alarms.notificationRefusals(d1, at(2)), ["Device.X.B"], "at or after");
      await store.alarms.refuseNotification(d1, "Device.X.A", at(5));
      assert.deepEqual(await store.alarms.notificationRefusals(d1, at(3)), ["Device.X.A"], "a refusal again moves its time");
      await store.devices.delete(d1);
      assert.deepEqual(await store.alarms.notificationRefusals(d1, at(0)), []);
      assert.deepEqual(await store.alarms.notificationRefusals(d2, at(0)), ["Device.X.A"]);
    });

    it("alarm.active and alarm.severity filter devices in SQL as the language evaluates them in memory", async (t) => {


      const store = await backend.open();
      t.after(() => store.close());
      const none = await device(store, "S0");
      const minor = await device(store, "S1");
      const critical = await device(store, "S2");
      const cleared = await device(store, "S3");
      await store.alarms.insert(alarm(minor, "k1", { severity: "minor" }), at(1));
      await store.alarms.insert(alarm(minor, "k2", { severity: "warning" }), at(1));
      await store.alarms.insert(alarm(critical, "k1", { severity: "critical" }), at(1));
      await store.alarms.insert(alarm(critical, "k2", { severity: "major", state: "pending" }), at(1));
      const gone = await store.alarms.insert(alarm(cleared, "k1", { severity: "critical" }), at(1));
      await store.alarms.transition(gone.id, "cleared", at(2));
      const known: Record<string, FilterDevice["alarms"]> = {
        [none]: { active: 0, severity: null }, [minor]: { active: 2, severity: "minor" }, [critical]: { active: 1, severity: "critical" }, [cleared]: { active: 0, severity: null },
      };
      for (const filter of [
        "alarm.active > 0", "alarm.active = 0", "alarm.active >= 2", "alarm.active IN (1, 2)", "NOT alarm.active = 1", "alarm.active EXISTS",
        'alarm.severity >= "minor"', 'alarm.severity = "critical"', 'alarm.severity != "critical"', 'alarm.severity < "major"', 'alarm.severity IN ("warning", "minor")',
        'NOT alarm.severity > "warning"', "alarm.severity EXISTS", "NOT alarm.severity EXISTS",
      ]) {
        const inSql = (await store.devices.list({ filter })).map((d) => d.id).sort();
        const inMemory: string[] = [];
        for (const d of await store.devices.list({})) {
          if (evaluate(parse(filter), { ...filterDevice(d, []), alarms: known[d.id] }, { now: at(10) })) inMemory.push(d.id);
        }
        assert.deepEqual(inSql, inMemory.sort(), filter);
      }
      assert.deepEqual((await store.devices.list({ filter: 'alarm.severity >= "minor"' })).map((d) => d.id).sort(), [minor, critical].sort());
    });
  });
});
