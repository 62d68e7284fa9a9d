// The housekeeping pass of performance history on both backends: buckets made a bounded number at a
// time and only once over, coarser tiers only from what finer ones hold, gaps skipped, passes run again
// changing nothing, and raw samples past their retention deleted only once rolled up.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rollUpMetrics } from "../../src/server/metric-rollups.js";
import type { Store } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";

const T0 = new Date("2026-03-01T00:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const TIERS = [{ resolution: 0, retention: 3600 }, { resolution: 300, retention: 0 }, { resolution: 3600, retention: 0 }];

async function seed(store: Store): Promise<{ device: string; metricId: number }> {
  const device = "A1B2C3-GW-S1";
  await store.devices.recordInform({ id: device, manufacturer: "M", oui: "A1B2C3", productClass: "GW", serialNumber: "S1", at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
  const m = (await store.metrics.putDefinition({ name: "cpu", path: "Device.DeviceInfo.ProcessStatus.CPUUsage", kind: "gauge", scale: 1, unit: "%", filter: "", interval: 0, export: false, description: "" }, T0)).definition;
  const [s] = await store.metrics.series(device, [m.id]);
  // A sample a minute for two hours, then a day's gap, then an hour more.
  const samples = [];
  for (let min = 0; min < 120; min++) samples.push({ seriesId: s!.id, metricId: m.id, at: at(min * 60), value: min });
  for (let min = 0; min < 60; min++) samples.push({ seriesId: s!.id, metricId: m.id, at: at(86400 + min * 60), value: 1000 + min });
  await store.metrics.addSamples(samples);
  return { device, metricId: m.id };
}

forEachBackend((backend) => {
  describe("metric rollups", () => {
    it("makes a bounded number of buckets a pass, once over, skipping gaps, and prunes raw samples only once rolled up", async () => {
      const store = await backend.open();
      const { device, metricId } = await seed(store);
      const o = { tiers: TIERS, lateness: 0, rollupBuckets: 4 };
      // An hour into the data: the 5-minute buckets over by then, four of them.
      const first = await rollUpMetrics(store, o, at(3600));
      assert.equal(first.buckets, 4);
      assert.deepEqual(await store.metrics.rolledUntil(300), at(1200));
      assert.equal((await store.metrics.readSeries(device, metricId, 3600, T0, at(7200))).length, 0, "no hour is made from a part of it");
      for (let i = 0; i < 10; i++) await rollUpMetrics(store, o, at(3600));
      assert.deepEqual(await store.metrics.rolledUntil(300), at(3600));
      assert.deepEqual((await store.metrics.readSeries(device, metricId, 3600, T0, at(7200))).map((p) => ({ ...p })), [{ at: T0, count: 60, mean: 29.5, min: 0, max: 59 }]);
      // The end of the data, then past the gap: the gap costs a pass, not a pass per empty bucket.
      const now = at(86400 + 3600);
      let passes = 0;
      while ((await store.metrics.rolledUntil(3600))?.getTime() !== now.getTime() && passes < 20) {
        await rollUpMetrics(store, o, now);
        passes++;
      }
      assert.ok(passes < 12, `${passes} passes`);
      const hours = await store.metrics.readSeries(device, metricId, 3600, T0, now);
      assert.deepEqual(hours.map((h) => [h.at.getTime() - T0.getTime(), h.count, h.mean]), [[0, 60, 29.5], [3_600_000, 60, 89.5], [86_400_000, 60, 1029.5]]);
      const five = await store.metrics.readSeries(device, metricId, 300, T0, now);
      assert.equal(five.length, 36);
      assert.deepEqual({ ...five[1]! }, { at: at(300), count: 5, mean: 7, min: 5, max: 9 });
      // Raw samples older than an hour are gone now that they are rolled up; a pass again changes nothing.
      assert.deepEqual((await store.metrics.readSeries(device, metricId, 0, T0, now)).map((p) => p.mean), Array.from({ length: 60 }, (_, i) => 1000 + i));
      const again = await rollUpMetrics(store, o, now);
      assert.deepEqual(again, { buckets: 0, pruned: 0 });
      assert.deepEqual(await store.metrics.readSeries(device, metricId, 3600, T0, now), hours);
    });

    it("keeps raw samples past their retention that no bucket has been made from", async () => {
      const store = await backend.open();
      const { device, metricId } = await seed(store);
      // Nothing rolled up yet (a bucket stays open for an hour): nothing pruned, whatever their age.
      const r = await rollUpMetrics(store, { tiers: TIERS, lateness: 90000, rollupBuckets: 4 }, at(86400 + 3600));
      assert.equal(r.pruned, 0);
      assert.equal((await store.metrics.readSeries(device, metricId, 0, T0, at(90000))).length, 180);
    });
  });
});
