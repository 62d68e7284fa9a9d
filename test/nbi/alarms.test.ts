// Alarms through the REST API over HTTP on 127.0.0.1, on every backend: rules (admins write them,
// checked when written), alarms listed by state, severity, device and rule with a total, one alarm
// with its history, acknowledgement by the principal (and its withdrawal) with its event, and a tenant
// that sees and acknowledges only its devices' alarms. Alarms that devices raise are in test/e2e/alarms.test.ts.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { NewAlarm } from "../../src/store/types.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { Api, isError, startApiAcs, type ApiAcs } from "./support.js";

const T0 = new Date();
const ACME = "00D09E-GW-ACME1";
const GLOBEX = "00D09E-GW-GLOBEX1";
const rule = { name: "hot", severity: "major", filter: 'productClass = "GW"', condition: { kind: "value", path: "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.*.Value", op: ">", raise: 80, clear: 70 } };

forEachBackend((backend) => {
  describe("alarms through the API", () => {
    let t: ApiAcs;
    let ids: Record<string, string>;
    before(async () => {
      t = await startApiAcs(backend);
      const store = t.acs.store;
      for (const [id, tag] of [[ACME, "acme"], [GLOBEX, "globex"]] as const) {
        await store.devices.recordInform({ id, manufacturer: "M", oui: "00D09E", productClass: "GW", serialNumber: id.slice(10), at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
        await store.devices.updateTags(id, [tag], []);
      }
      const at = (s: number) => new Date(T0.getTime() + s * 1000);
      const open = (deviceId: string | null, key: string, over: Partial<NewAlarm>, s: number) =>
        store.alarms.insert({ deviceId, source: "rule", ruleId: "r1", dedupeKey: key, severity: "major", state: "active", text: key, detail: null, ...over }, at(s));
      ids = {
        acmeHot: (await open(ACME, "hot", { severity: "critical" }, 1)).id,
        acmeOld: (await open(ACME, "old", { severity: "warning", ruleId: "r2" }, 2)).id,
        globex: (await open(GLOBEX, "hot", { source: "faultmgmt", ruleId: null }, 3)).id,
        fleet: (await open(null, "fleet", {}, 4)).id,
      };
      await store.alarms.transition(ids.acmeOld!, "cleared", at(5));
    });
    after(() => t.stop());

    it("rules: admins create, replace and delete them; what cannot be evaluated is refused", async () => {
      const admin = t.api;
      const operator = t.api.with(await t.keyFor("operator"));
      assert.ok(isError(await operator.post("/api/alarms/rules", rule), 403, "FORBIDDEN"));
      const created = await admin.post("/api/alarms/rules", rule);
      assert.equal(created.status, 201, created.text);
      assert.deepEqual([created.body.enabled, created.body.notification, created.body.description, created.body.condition], [true, "active", "", rule.condition]);
      assert.equal(created.headers.location, `/api/alarms/rules/${created.body.id}`);
      assert.ok(isError(await admin.post("/api/alarms/rules", rule), 409, "ALARM_RULE_EXISTS"));
      assert.ok(isError(await admin.post("/api/alarms/rules", { ...rule, name: "x", filter: "productClass =" }), 400, "FILTER_INVALID"));
      const bad = await admin.post("/api/alarms/rules", { ...rule, name: "x", condition: { ...rule.condition, clear: 90 } });
      assert.ok(isError(bad, 400, "ALARM_RULE_INVALID"));
      assert.match(bad.body.error.details.problems.join(), /clear must not be above raise/);
      assert.ok(isError(await admin.post("/api/alarms/rules", { ...rule, name: "x", condition: { kind: "silence", intervals: 0, intervalSeconds: 60 } }), 400, "VALIDATION"));
      assert.ok(isError(await admin.post("/api/alarms/rules", { ...rule, name: "x", severity: "fatal" }), 400, "VALIDATION"));
      const reboots = { name: "reboot loop", severity: "minor", condition: { kind: "event", code: "1 BOOT", count: 3, windowSeconds: 3600 } };
      const second = await admin.post("/api/alarms/rules", reboots);
      assert.deepEqual((await operator.get("/api/alarms/rules")).body.rules.map((r: { name: string }) => r.name), ["hot", "reboot loop"]);
      const put = await admin.put(`/api/alarms/rules/${second.body.id}`, { ...reboots, enabled: false, condition: { ...reboots.condition, count: 5 } });
      assert.deepEqual([put.status, put.body.enabled, put.body.condition.count, put.body.createdAt], [200, false, 5, second.body.createdAt]);
      assert.ok(isError(await admin.put(`/api/alarms/rules/${second.body.id}`, { ...reboots, name: "hot" }), 409, "ALARM_RULE_EXISTS"));
      assert.equal((await admin.get(`/api/alarms/rules/${second.body.id}`)).body.condition.count, 5);
      assert.equal((await admin.del(`/api/alarms/rules/${second.body.id}`)).status, 204);
      assert.ok(isError(await admin.del(`/api/alarms/rules/${second.body.id}`), 404, "ALARM_RULE_NOT_FOUND"));
      assert.ok(isError(await admin.get(`/api/alarms/rules/${second.body.id}`), 404, "ALARM_RULE_NOT_FOUND"));
      assert.ok(isError(await admin.put(`/api/alarms/rules/${second.body.id}`, reboots), 404, "ALARM_RULE_NOT_FOUND"));
    });

    it("lists alarms by state, severity, device, rule and source with a total; one alarm with its history", async () => {
      const ro = t.api.with(await t.keyFor("read-only"));
      const list = async (q: string) => {
        const res = await ro.get(`/api/alarms${q}`);
        assert.equal(res.status, 200, res.text);
        return [res.body.alarms.map((a: { id: string }) => a.id), res.body.total];
      };
      assert.deepEqual(await list(""), [[ids.fleet, ids.globex, ids.acmeOld, ids.acmeHot], 4]);
      assert.deepEqual(await list("?state=active"), [[ids.fleet, ids.globex, ids.acmeHot], 3]);
      assert.deepEqual(await list("?state=active&limit=1&offset=1"), [[ids.globex], 3]);
      assert.deepEqual(await list("?minSeverity=critical"), [[ids.acmeHot], 1]);
      assert.deepEqual(await list(`?deviceId=${ACME}`), [[ids.acmeOld, ids.acmeHot], 2]);
      assert.deepEqual(await list("?ruleId=r2"), [[ids.acmeOld], 1]);
      assert.deepEqual(await list("?source=faultmgmt"), [[ids.globex], 1]);
      assert.ok(isError(await ro.get("/api/alarms?minSeverity=fatal"), 400, "VALIDATION"));
      const device = await ro.get(`/api/devices/${ACME}/alarms?state=active`);
      assert.deepEqual(device.body.alarms.map((a: { id: string }) => a.id), [ids.acmeHot]);
      assert.ok(isError(await ro.get("/api/devices/00D09E-GW-NONE/alarms"), 404, "DEVICE_NOT_FOUND"));
      const one = (await ro.get(`/api/alarms/${ids.acmeOld}`)).body;
      assert.deepEqual([one.state, one.severity, one.history.map((h: { transition: string }) => h.transition)], ["cleared", "warning", ["raised", "cleared"]]);
      assert.ok(isError(await ro.get("/api/alarms/00000000-0000-0000-0000-000000000000"), 404, "ALARM_NOT_FOUND"));
    });

    it("acknowledges as the principal, withdraws it, and says so on the event stream", async () => {
      const ops = t.api.with(await t.keyFor("operator"));
      const ro = t.api.with(await t.keyFor("read-only"));
      assert.ok(isError(await ro.post(`/api/alarms/${ids.acmeHot}/acknowledge`), 403, "FORBIDDEN"));
      const acked = await ops.post(`/api/alarms/${ids.acmeHot}/acknowledge`);
      assert.equal(acked.status, 200, acked.text);
      assert.equal(acked.body.acknowledgedBy, "test operator");
      assert.equal((await ops.post(`/api/alarms/${ids.acmeHot}/unacknowledge`)).body.acknowledgedBy, null);
      assert.ok(isError(await ops.post("/api/alarms/nope/acknowledge"), 404, "ALARM_NOT_FOUND"));
      const history = (await ro.get(`/api/alarms/${ids.acmeHot}`)).body.history.map((h: { transition: string; by: string | null }) => [h.transition, h.by]);
      assert.deepEqual(history, [["raised", null], ["acknowledged", "test operator"], ["unacknowledged", "test operator"]]);
      const events = await outboxEvents(t.acs.store, (e) => e.type === "alarm.acknowledged", (l) => l.length >= 2);
      assert.deepEqual(events.map((e) => [e.deviceId, (e.payload as { acknowledged: boolean }).acknowledged, (e.payload as { by: string }).by]), [[ACME, true, "test operator"], [ACME, false, "test operator"]]);
      const audit = (await t.api.get("/api/audit?limit=100")).body.entries.map((e: { action: string }) => e.action);
      assert.ok(audit.includes("alarm.acknowledge") && audit.includes("alarm.unacknowledge"));
    });

    it("a tenant sees and acknowledges its devices' alarms only; rules are configuration", async () => {
      assert.equal((await t.api.post("/api/tenants", { name: "acme", filter: 'tag = "acme"' })).status, 201);
      const key = await t.api.post("/api/apikeys", { name: "acme ops", role: "operator", tenant: "acme" });
      const acme = new Api(t.acs, key.body.key);
      const listed = (await acme.get("/api/alarms")).body;
      assert.deepEqual([listed.alarms.map((a: { id: string }) => a.id), listed.total], [[ids.acmeOld, ids.acmeHot], 2]);
      assert.ok(isError(await acme.get(`/api/alarms/${ids.globex}`), 404, "ALARM_NOT_FOUND"));
      assert.ok(isError(await acme.get(`/api/alarms/${ids.fleet}`), 404, "ALARM_NOT_FOUND"));
      assert.ok(isError(await acme.post(`/api/alarms/${ids.globex}/acknowledge`), 404, "ALARM_NOT_FOUND"));
      assert.ok(isError(await acme.get(`/api/devices/${GLOBEX}/alarms`), 404, "DEVICE_NOT_FOUND"));
      assert.equal((await acme.post(`/api/alarms/${ids.acmeHot}/acknowledge`)).body.acknowledgedBy, "acme ops");
      assert.ok(isError(await acme.get("/api/alarms/rules"), 403, "TENANT_FORBIDDEN"));
    });

    it("is in the OpenAPI document, and its filter fields in path completion", async () => {
      const fields = (await t.api.get("/api/parameters/paths?prefix=Device.")).body.fields as { name: string; kind: string }[];
      assert.deepEqual(fields.filter((f) => f.kind === "alarm").map((f) => f.name), ["alarm.active", "alarm.severity"]);
      const doc = (await t.api.get("/api/openapi.json")).body;
      assert.ok(doc.paths["/api/alarms"].get && doc.paths["/api/alarms/{id}/acknowledge"].post && doc.paths["/api/alarms/rules/{id}"].put && doc.paths["/api/devices/{id}/alarms"].get);
    });
  });
});
