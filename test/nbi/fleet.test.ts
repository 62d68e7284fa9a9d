// What the console reads across the fleet, over real HTTP on both backends: the overview's counts, and
// the parameter paths under a prefix with the filter language's fields.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Store } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";
import { HttpApi } from "./http-client.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

async function device(store: Store, id: string, productClass: string, at: Date, params: Record<string, string>): Promise<void> {
  await store.devices.recordInform({ id, manufacturer: "Acme", oui: "A1B2C3", productClass, serialNumber: id, at, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
  await store.parameters.setValues(id, Object.entries(params).map(([path, value]) => ({ path, value, type: "xsd:string" })), at);
}

forEachBackend((backend) => {
  describe("fleet views", () => {
    let t: ApiAcs;
    let reader: HttpApi;
    before(async () => {
      t = await startApiAcs(backend);
      reader = new HttpApi(t.apiUrl, await t.keyFor("read-only"));
      const s = t.acs.store;
      const now = new Date();
      const old = new Date(now.getTime() - 86_400_000);
      await device(s, "d1", "HGW", now, { "Device.DeviceInfo.SoftwareVersion": "2.0", "Device.WiFi.SSID.1.SSID": "a", "Device.WiFi.SSID.2.SSID": "b", "Device.WiFi.RadioNumberOfEntries": "2" });
      await device(s, "d2", "HGW", old, { "Device.DeviceInfo.SoftwareVersion": "2.0", "Device.WiFi.AccessPoint.1.Enable": "1" });
      await device(s, "d3", "ONT", now, { "Device.DeviceInfo.SoftwareVersion": "1.0", "Device.WiFiX.Foo": "x" });
      await device(s, "d4", "STB", old, { "InternetGatewayDevice.DeviceInfo.SoftwareVersion": "9.9" });
      await s.faults.raise({ deviceId: "d1", channel: "task:1", code: "cwmp.9002", message: "x", detail: null, at: now });
      await s.faults.raise({ deviceId: "d2", channel: "task:2", code: "cwmp.9002", message: "x", detail: null, at: now });
      await s.faults.raise({ deviceId: "d3", channel: "session", code: "timeout", message: "x", detail: null, at: now });
      const counts = { pending: 3, in_progress: 1, succeeded: 4, failed: 1, skipped: 1, cancelled: 0 };
      await s.campaigns.create({
        id: "c1", name: "spring firmware", filter: "online", fileId: "f1", status: "paused", pauseReason: "operator", settings: {}, cursor: null, enumerated: false, batch: 1,
        counts, claimedBy: null, claimUntil: null, createdAt: now, updatedAt: now, completedAt: null,
      });
    });
    after(() => t.stop());

    it("counts devices by state, product class and version, faults by code, and shows campaigns' progress", async () => {
      const res = await reader.get("/api/overview?top=2");
      assert.equal(res.status, 200, res.text);
      const o = res.body;
      assert.deepEqual(o.devices, { total: 4, online: 2, offline: 2, neverSeen: 0 });
      assert.deepEqual(o.productClasses, [{ value: "HGW", devices: 2 }, { value: "ONT", devices: 1 }, { value: "other", devices: 1 }]);
      assert.deepEqual(o.softwareVersions, [{ value: "2.0", devices: 2 }, { value: "1.0", devices: 1 }, { value: "other", devices: 1 }]);
      assert.deepEqual(o.faultsByCode, [{ code: "cwmp.9002", faults: 2 }, { code: "timeout", faults: 1 }]);
      assert.deepEqual(o.campaigns, [{ id: "c1", name: "spring firmware", status: "paused", counts: { pending: 3, in_progress: 1, succeeded: 4, failed: 1, skipped: 1, cancelled: 0 }, devices: 10, finished: 6 }]);
      assert.equal(o.onlineWindowSeconds, 600);
      assert.deepEqual(o.sessionsPerMinute, []);
      assert.ok(isError(await reader.get("/api/overview?top=0"), 400, "VALIDATION"));
      assert.ok(isError(await reader.with(null).get("/api/overview"), 401, "AUTH_REQUIRED"));
    });

    it("lists the fleet's paths one level below a prefix, objects ending with a dot", async () => {
      const res = await reader.get(`/api/parameters/paths?prefix=${encodeURIComponent("Device.WiFi.")}`);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.paths, [
        { path: "Device.WiFi.AccessPoint.", object: true },
        { path: "Device.WiFi.RadioNumberOfEntries", object: false },
        { path: "Device.WiFi.SSID.", object: true },
      ]);
      assert.equal(res.body.truncated, false);
      const instances = await reader.get(`/api/parameters/paths?prefix=${encodeURIComponent("Device.WiFi.SSID.")}`);
      assert.deepEqual(instances.body.paths.map((p: { path: string }) => p.path), ["Device.WiFi.SSID.1.", "Device.WiFi.SSID.2."]);
      // A partial name: the children of Device. that start so.
      const partial = await reader.get(`/api/parameters/paths?prefix=${encodeURIComponent("Device.Wi")}`);
      assert.deepEqual(partial.body.paths, [{ path: "Device.WiFi.", object: true }, { path: "Device.WiFiX.", object: true }]);
      const roots = await reader.get("/api/parameters/paths?limit=1");
      assert.deepEqual(roots.body.paths, [{ path: "Device.", object: true }]);
      assert.equal(roots.body.truncated, true);
      assert.deepEqual((await reader.get("/api/parameters/paths?prefix=Nothing.")).body.paths, []);
    });

    it("lists the filter language's device fields, and refuses a prefix that is no path", async () => {
      const res = await reader.get("/api/parameters/paths?prefix=Device.");
      const fields = new Map(res.body.fields.map((f: { name: string; kind: string }) => [f.name, f.kind]));
      assert.equal(fields.get("productClass"), "text");
      assert.equal(fields.get("lastInform"), "time");
      assert.equal(fields.get("tag"), "tag");
      assert.equal(fields.get("online"), "boolean");
      assert.ok(isError(await reader.get("/api/parameters/paths?prefix=Device..WiFi"), 400, "VALIDATION"));
      assert.ok(isError(await reader.get("/api/parameters/paths?limit=501"), 400, "VALIDATION"));
    });
  });
});
