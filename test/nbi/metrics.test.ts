// Metrics through the REST API on both backends: definitions written, replaced and deleted with their
// audit entries and sampling presets, refused when invalid; a device's series and the fleet aggregates
// with their errors; and a principal scoped to a tenant, which sees its devices' series, aggregates
// and export only, and cannot change definitions.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { forEachBackend } from "../support/pg.js";
import { HttpApi } from "./http-client.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

const PATH = "Device.DeviceInfo.ProcessStatus.CPUUsage";

forEachBackend((backend) => {
  describe("metrics API", () => {
    let t: ApiAcs;
    let admin: HttpApi;
    before(async () => {
      t = await startApiAcs(backend);
      admin = new HttpApi(t.apiUrl, t.adminKey);
    });
    after(() => t.stop());

    async function device(serial: string, tag: string): Promise<string> {
      const id = `A1B2C3-GW-${serial}`;
      await t.acs.store.devices.recordInform({ id, manufacturer: "M", oui: "A1B2C3", productClass: "GW", serialNumber: serial, at: new Date(), address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
      await t.acs.store.devices.updateTags(id, [tag], []);
      return id;
    }

    it("writes, replaces and deletes definitions, audited, with the preset that samples at an interval", async () => {
      const operator = admin.with(await t.keyFor("operator"));
      const created = await operator.put("/api/metrics/cpu", { path: PATH, kind: "gauge", unit: "%", interval: 300, filter: 'productClass = "GW"' });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual({ ...created.body, createdAt: 0, updatedAt: 0 }, { name: "cpu", path: PATH, kind: "gauge", scale: 1, unit: "%", filter: 'productClass = "GW"', interval: 300, export: false, description: "", createdAt: 0, updatedAt: 0 });
      const preset = (await admin.get("/api/presets/metric:cpu")).body;
      assert.deepEqual([preset.document.filter, preset.document.provisions], ['productClass = "GW"', [{ name: "metric:cpu" }]]);
      const provision = await admin.get("/api/provisions/metric:cpu");
      assert.match(provision.text, /"maxAge":300/);
      const replaced = await operator.put("/api/metrics/cpu", { path: PATH, kind: "gauge", export: true });
      assert.equal(replaced.status, 200, replaced.text);
      assert.deepEqual([replaced.body.interval, replaced.body.export, replaced.body.createdAt], [0, true, created.body.createdAt]);
      // Sampled as reported: no preset any more.
      assert.ok(isError(await admin.get("/api/presets/metric:cpu"), 404, "PRESET_NOT_FOUND"));
      assert.ok(isError(await admin.get("/api/provisions/metric:cpu"), 404, "PROVISION_NOT_FOUND"));
      assert.deepEqual((await admin.with(await t.keyFor("read-only")).get("/api/metrics")).body.metrics.map((m: { name: string }) => m.name), ["cpu"]);
      assert.deepEqual((await admin.get("/api/metrics/cpu")).body, replaced.body);
      const audit = (await admin.get("/api/audit?targetType=metric")).body.entries as { action: string; before: unknown; after: { interval?: number } | null }[];
      assert.deepEqual(audit.map((e) => e.action).sort(), ["metric.put", "metric.put"]);
      assert.ok(audit.some((e) => e.before === null && e.after?.interval === 300), "the creation, with what was stored");
      assert.equal((await operator.del("/api/metrics/cpu")).status, 204);
      assert.ok(isError(await operator.del("/api/metrics/cpu"), 404, "METRIC_NOT_FOUND"));
      assert.ok(isError(await admin.get("/api/metrics/cpu"), 404, "METRIC_NOT_FOUND"));
    });

    it("refuses definitions that cannot be recorded, and writes by read-only keys; stores nothing", async () => {
      assert.ok(isError(await admin.put("/api/metrics/bad", { path: PATH, kind: "gauge", filter: "productClass =" }), 400, "FILTER_INVALID"));
      assert.ok(isError(await admin.put("/api/metrics/bad", { path: "Device.IP.Interface.*.Stats.BytesSent", kind: "counter" }), 400, "VALIDATION"));
      assert.ok(isError(await admin.put("/api/metrics/bad", { path: PATH, kind: "meter" }), 400, "VALIDATION"));
      assert.ok(isError(await admin.put("/api/metrics/export", { path: PATH, kind: "gauge" }), 400, "METRIC_INVALID"));
      assert.ok(isError(await admin.with(await t.keyFor("read-only")).put("/api/metrics/bad", { path: PATH, kind: "gauge" }), 403, "FORBIDDEN"));
      assert.deepEqual((await admin.get("/api/metrics")).body.metrics, []);
    });

    it("answers a device's series and aggregates, refusing unknown resolutions and empty ranges", async () => {
      const d = await device("S1", "acme");
      assert.equal((await admin.put("/api/metrics/cpu", { path: PATH, kind: "gauge" })).status, 201);
      const m = (await t.acs.store.metrics.getDefinition("cpu"))!;
      const [s] = await t.acs.store.metrics.series(d, [m.id]);
      const now = Date.now();
      await t.acs.store.metrics.addSamples([{ seriesId: s!.id, metricId: m.id, at: new Date(now - 120_000), value: 30 }, { seriesId: s!.id, metricId: m.id, at: new Date(now - 60_000), value: 50 }]);
      const series = await admin.get(`/api/devices/${d}/metrics/cpu?resolution=raw`);
      assert.equal(series.status, 200, series.text);
      assert.deepEqual(series.body.points.map((p: { mean: number }) => p.mean), [30, 50]);
      assert.equal((await admin.get(`/api/devices/${d}/metrics/cpu`)).body.resolution, "raw");
      assert.ok(isError(await admin.get(`/api/devices/${d}/metrics/cpu?resolution=1d`), 400, "METRIC_RESOLUTION_INVALID"));
      assert.ok(isError(await admin.get(`/api/devices/${d}/metrics/cpu?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`), 400, "QUERY_INVALID"));
      assert.ok(isError(await admin.get(`/api/devices/${d}/metrics/nope`), 404, "METRIC_NOT_FOUND"));
      assert.ok(isError(await admin.get("/api/devices/nobody/metrics/cpu"), 404, "DEVICE_NOT_FOUND"));
      const agg = await admin.get(`/api/metrics/cpu/aggregate?step=600&groupBy=tag&from=${new Date(now - 600_000).toISOString()}&to=${new Date(now).toISOString()}`);
      assert.equal(agg.status, 200, agg.text);
      assert.deepEqual(agg.body.steps.map((x: { groups: unknown }) => x.groups), [[{ group: "acme", count: 1, mean: 40, p50: 40, p95: 40, min: 40, max: 40 }]]);
      assert.ok(isError(await admin.get("/api/metrics/cpu/aggregate?step=60&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"), 400, "QUERY_INVALID"));
      assert.ok(isError(await admin.get("/api/metrics/cpu/aggregate?filter=tag%20%3D"), 400, "FILTER_INVALID"));
    });

    it("shows a tenant its own devices' series, aggregates and export only, and keeps definitions from it", async () => {
      const mine = await device("T1", "acme");
      const theirs = await device("T2", "globex");
      await admin.put("/api/metrics/load", { path: "Device.DeviceInfo.MemoryStatus.Free", kind: "gauge", export: true });
      const m = (await t.acs.store.metrics.getDefinition("load"))!;
      const now = Date.now();
      for (const [id, value] of [[mine, 10], [theirs, 90]] as const) {
        const [s] = await t.acs.store.metrics.series(id, [m.id]);
        await t.acs.store.metrics.addSamples([{ seriesId: s!.id, metricId: m.id, at: new Date(now - 30_000), value }]);
      }
      assert.equal((await admin.post("/api/tenants", { name: "acme", filter: 'tag = "acme"' })).status, 201);
      const key = await admin.post("/api/apikeys", { name: "acme admin", role: "admin", tenant: "acme" });
      const scoped = admin.with(key.body.key as string);
      assert.equal((await scoped.get(`/api/devices/${mine}/metrics/load?resolution=raw`)).body.points[0].mean, 10);
      assert.ok(isError(await scoped.get(`/api/devices/${theirs}/metrics/load?resolution=raw`), 404, "DEVICE_NOT_FOUND"));
      const range = `from=${new Date(now - 600_000).toISOString()}&to=${new Date(now).toISOString()}&step=600&groupBy=none`;
      assert.deepEqual((await scoped.get(`/api/metrics/load/aggregate?${range}`)).body.steps[0].groups[0].max, 10);
      assert.deepEqual((await admin.get(`/api/metrics/load/aggregate?${range}`)).body.steps[0].groups[0].max, 90);
      const exported = await scoped.get("/api/metrics/export?window=600&groupBy=none");
      assert.equal(exported.status, 200);
      assert.match(exported.text, /^provisio_metric_load_max\{none="all"\} 10$/m);
      assert.match((await admin.get("/api/metrics/export?window=600&groupBy=none")).text, /^provisio_metric_load_max\{none="all"\} 90$/m);
      assert.ok(isError(await scoped.put("/api/metrics/load", { path: PATH, kind: "gauge" }), 403, "TENANT_FORBIDDEN"));
      assert.equal((await scoped.get("/api/metrics")).status, 200);
    });
  });
});
