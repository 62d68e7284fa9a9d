// Fleet summaries of the hourly buckets on both backends: made by the housekeeping pass, equal to the
// figures computed from the raw samples for every grouping, read by aggregates over the whole fleet
// (with the groups devices were in when summarized), not by a tenant's or filter's, and gone with their
// definition.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rollUpMetrics } from "../../src/server/metric-rollups.js";
import { MetricService } from "../../src/server/metric-service.js";
import { fleetFigures, GROUPINGS } from "../../src/server/metric-summaries.js";
import type { Store } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";

const T0 = new Date("2026-03-01T00:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const TIERS = [{ resolution: 0, retention: 0 }, { resolution: 300, retention: 0 }, { resolution: 3600, retention: 0 }];
const HOURS = 3;

async function seed(store: Store) {
  const m = (await store.metrics.putDefinition({ name: "cpu", path: "Device.DeviceInfo.ProcessStatus.CPUUsage", kind: "gauge", scale: 1, unit: "%", filter: "", interval: 0, export: false, description: "" }, T0)).definition;
  const samples = [];
  for (let n = 0; n < 7; n++) {
    const id = `A1B2C3-S${n}`;
    await store.devices.recordInform({ id, manufacturer: "M", oui: "A1B2C3", productClass: n % 2 === 0 ? "GW" : "AP", serialNumber: `S${n}`, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
    if (n % 3 === 0) await store.devices.updateTags(id, ["lab", `t${n}`], []);
    if (n < 4) await store.parameters.setValues(id, [{ path: "Device.DeviceInfo.SoftwareVersion", value: n < 2 ? "1.0" : "2.0", type: "xsd:string" }], T0);
    const [s] = await store.metrics.series(id, [m.id]);
    // Device n reports every (n + 1) minutes, values spread so that percentiles interpolate; device 6 only in the second hour.
    for (let t = n === 6 ? 3600 : 0; t < HOURS * 3600; t += (n + 1) * 60) samples.push({ seriesId: s!.id, metricId: m.id, at: at(t), value: ((n * 37 + t / 60) % 50) + n * 0.25 });
  }
  await store.metrics.addSamples(samples);
  return m;
}

forEachBackend((backend) => {
  describe("metric fleet summaries", () => {
    it("summarizes each hour over the fleet as the raw samples give it, and aggregates of the whole fleet read the summaries", async () => {
      const store = await backend.open();
      const m = await seed(store);
      const end = at(HOURS * 3600);
      const o = { tiers: TIERS, lateness: 0, rollupBuckets: 2 };
      for (let pass = 0; pass < 20 && (await store.metrics.summarizedUntil(3600))?.getTime() !== end.getTime(); pass++) await rollUpMetrics(store, o, end);
      assert.deepEqual(await store.metrics.summarizedUntil(3600), end);
      assert.equal(await store.metrics.summarizedUntil(300), null, "5-minute buckets are not summarized");

      const svc = new MetricService(store, TIERS, () => end);
      for (const groupBy of GROUPINGS) {
        const fromRaw = await fleetFigures(store, { metricId: m.id, from: T0, to: end, step: 3600, groupBy, devices: [] }, 0);
        assert.equal(fromRaw.length, HOURS);
        const stored = await store.metrics.fleetSteps(m.id, 3600, groupBy, T0, end);
        assert.equal(stored.length, fromRaw.reduce((n, s) => n + s.groups.length, 0), groupBy);
        const a = await svc.aggregate(m, { from: T0, to: end, step: 3600, groupBy, devices: [] });
        assert.equal(a.resolution, "1h");
        assert.equal(a.steps.length, HOURS);
        for (const [i, step] of a.steps.entries()) {
          assert.deepEqual(step.at, fromRaw[i]!.at);
          assert.deepEqual(step.groups.map((g) => g.group), fromRaw[i]!.groups.map((g) => g.group), groupBy);
          for (const [j, g] of step.groups.entries()) {
            const want = fromRaw[i]!.groups[j]!;
            assert.equal(g.count, want.count);
            for (const k of ["mean", "p50", "p95", "min", "max"] as const) assert.ok(Math.abs(g[k] - want[k]) < 1e-9, `${groupBy} ${i} ${g.group} ${k}: ${g[k]} vs ${want[k]}`);
          }
        }
      }
      // A pass again writes the same.
      const before = await store.metrics.fleetSteps(m.id, 3600, "tag", T0, end);
      await rollUpMetrics(store, o, end);
      assert.deepEqual(await store.metrics.fleetSteps(m.id, 3600, "tag", T0, end), before);

      // A tag added since: the summaries keep the groups of their hour; a filtered query reads the buckets and sees it.
      await store.devices.updateTags("A1B2C3-S1", ["late"], []);
      const whole = await svc.aggregate(m, { from: T0, to: end, step: 3600, groupBy: "tag", devices: [] });
      assert.ok(whole.steps.every((s) => !s.groups.some((g) => g.group === "late")));
      const scoped = await svc.aggregate(m, { from: T0, to: end, step: 3600, groupBy: "tag", devices: [{ filter: 'productClass = "AP"', now: end }] });
      assert.deepEqual(scoped.steps[0]!.groups.map((g) => [g.group, g.count]), [["lab", 1], ["late", 1], ["t3", 1]]);
      // Steps not on an hour's start, or longer than an hour, are read from the buckets: same figures as the raw samples.
      const day = await svc.aggregate(m, { from: T0, to: end, step: 3 * 3600, groupBy: "none", devices: [] });
      const dayRaw = await fleetFigures(store, { metricId: m.id, from: T0, to: end, step: 3 * 3600, groupBy: "none", devices: [] }, 0);
      assert.ok(Math.abs(day.steps[0]!.groups[0]!.p95 - dayRaw[0]!.groups[0]!.p95) < 1e-9);

      // Gone with the definition.
      await store.metrics.deleteDefinition("cpu");
      assert.deepEqual(await store.metrics.fleetSteps(m.id, 3600, "none", T0, end), []);
    });
  });
});
