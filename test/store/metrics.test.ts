// The storage of performance history (migration 18), on every backend: definitions (their revision,
// replacement keeping the id), series created once per device and metric, samples in any order, a
// device's series raw and rolled up, rollups made again whole (idempotent), fleet rows by group and
// scope, bounded retention, and removal with the device or the definition.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NewMetricDefinition, Store } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";

const T0 = new Date("2026-03-01T10:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

async function device(store: Store, serial: string, productClass = "GW"): Promise<string> {
  const id = `A1B2C3-${productClass}-${serial}`;
  await store.devices.recordInform({ id, manufacturer: "M", oui: "A1B2C3", productClass, serialNumber: serial, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
  return id;
}

const def = (name: string, over: Partial<NewMetricDefinition> = {}): NewMetricDefinition => ({
  name, path: "Device.Ethernet.Interface.1.Stats.BytesReceived", kind: "counter", scale: 8, unit: "bit/s", filter: "", interval: 0, export: false, description: "", ...over,
});

forEachBackend((backend) => {
  describe("metrics", () => {
    it("creates, replaces (keeping the id), lists and deletes definitions, moving the revision each time", async () => {
      const store = await backend.open();
      const r0 = await store.metrics.revision();
      const a = await store.metrics.putDefinition(def("rx"), at(0));
      assert.equal(a.created, true);
      assert.deepEqual({ ...a.definition, id: 0 }, { ...def("rx"), id: 0, createdAt: at(0), updatedAt: at(0) });
      const r1 = await store.metrics.revision();
      assert.notEqual(r1, r0);
      const b = await store.metrics.putDefinition(def("rx", { kind: "gauge", export: true, filter: 'productClass = "GW"' }), at(5));
      assert.equal(b.created, false);
      assert.equal(b.definition.id, a.definition.id);
      assert.deepEqual([b.definition.kind, b.definition.export, b.definition.filter, b.definition.createdAt, b.definition.updatedAt], ["gauge", true, 'productClass = "GW"', at(0), at(5)]);
      await store.metrics.putDefinition(def("cpu", { kind: "gauge", path: "Device.DeviceInfo.ProcessStatus.CPUUsage" }), at(6));
      assert.deepEqual((await store.metrics.listDefinitions()).map((d) => d.name), ["cpu", "rx"]);
      assert.equal(await store.metrics.deleteDefinition("rx"), true);
      assert.equal(await store.metrics.deleteDefinition("rx"), false);
      assert.equal(await store.metrics.getDefinition("rx"), null);
      assert.notEqual(await store.metrics.revision(), r1);
    });

    it("keeps a series per device and metric with a counter's last reading, and samples in any order", async () => {
      const store = await backend.open();
      const d1 = await device(store, "S1");
      const m = (await store.metrics.putDefinition(def("rx"), at(0))).definition;
      const [s1] = await store.metrics.series(d1, [m.id]);
      assert.equal(s1!.last, null);
      assert.deepEqual((await store.metrics.series(d1, [m.id])).map((s) => s.id), [s1!.id]);
      const [s2] = await store.metrics.series(d1, [(await store.metrics.putDefinition(def("tx"), at(0))).definition.id]);
      await store.metrics.setLast([{ seriesId: s1!.id, at: at(300), value: "18446744073709551000", uptime: 1234 }, { seriesId: s2!.id, at: at(301), value: "7", uptime: null }]);
      assert.deepEqual((await store.metrics.series(d1, [s2!.metricId]))[0]!.last, { at: at(301), value: "7", uptime: null });
      assert.deepEqual((await store.metrics.series(d1, [m.id]))[0]!.last, { at: at(300), value: "18446744073709551000", uptime: 1234 });
      await store.metrics.addSamples([{ seriesId: s1!.id, metricId: m.id, at: at(600), value: 3 }, { seriesId: s1!.id, metricId: m.id, at: at(0), value: 1 }]);
      await store.metrics.addSamples([{ seriesId: s1!.id, metricId: m.id, at: at(300), value: 2 }, { seriesId: s1!.id, metricId: m.id, at: at(600.4), value: 4 }]);
      const raw = await store.metrics.readSeries(d1, m.id, 0, at(0), at(3600));
      assert.deepEqual(raw.map((p) => [p.at.getTime(), p.mean, p.count]), [[at(0).getTime(), 1, 1], [at(300).getTime(), 2, 1], [at(600).getTime(), 4, 1]]);
      assert.deepEqual((await store.metrics.readSeries(d1, m.id, 0, at(300), at(600))).map((p) => p.mean), [2]);
      // Replacing the definition forgets the last reading (it was of the old path).
      await store.metrics.putDefinition(def("rx", { path: "Device.Ethernet.Interface.2.Stats.BytesReceived" }), at(700));
      assert.equal((await store.metrics.series(d1, [m.id]))[0]!.last, null);
    });

    it("rolls up raw samples into buckets and buckets into coarser ones, idempotently, and reads fleet rows by group", async () => {
      const store = await backend.open();
      const d1 = await device(store, "S1", "GW");
      const d2 = await device(store, "S2", "GW");
      const d3 = await device(store, "S3", "AP");
      await store.devices.updateTags(d3, ["lab"], []);
      const m = (await store.metrics.putDefinition(def("cpu", { kind: "gauge" }), at(0))).definition;
      const series = new Map<string, number>();
      for (const id of [d1, d2, d3]) series.set(id, (await store.metrics.series(id, [m.id]))[0]!.id);
      // Each device: one sample a minute for two hours, device n's value n*10 + minute % 5.
      const samples = [];
      for (const [n, id] of [d1, d2, d3].entries()) {
        for (let min = 0; min < 120; min++) samples.push({ seriesId: series.get(id)!, metricId: m.id, at: at(min * 60), value: (n + 1) * 10 + (min % 5) });
      }
      await store.metrics.addSamples(samples);
      const written = await store.metrics.rollup(300, 0, at(0), at(7200));
      assert.equal(written, 3 * 24);
      assert.equal(await store.metrics.rollup(300, 0, at(0), at(7200)), 3 * 24);
      const five = await store.metrics.readSeries(d1, m.id, 300, at(0), at(7200));
      assert.equal(five.length, 24);
      assert.deepEqual({ ...five[0]! }, { at: at(0), count: 5, mean: 12, min: 10, max: 14 });
      await store.metrics.rollup(3600, 300, at(0), at(7200));
      const hours = await store.metrics.readSeries(d2, m.id, 3600, at(0), at(7200));
      assert.deepEqual(hours.map((h) => ({ ...h })), [{ at: at(0), count: 60, mean: 22, min: 20, max: 24 }, { at: at(3600), count: 60, mean: 22, min: 20, max: 24 }]);
      // Fleet rows: one per device and step, with its group.
      const byClass = await store.metrics.fleet({ metricId: m.id, from: at(0), to: at(7200), step: 3600, resolution: 3600, groupBy: "productClass" });
      const key = (r: { step: number; group: string; mean: number }, step: number) => `${r.step * step} ${r.group} ${r.mean}`;
      assert.deepEqual(byClass.map((r) => key(r, 3600)).sort(), ["0 AP 32", "0 GW 12", "0 GW 22", "3600 AP 32", "3600 GW 12", "3600 GW 22"]);
      const byTag = await store.metrics.fleet({ metricId: m.id, from: at(0), to: at(3600), step: 3600, resolution: 300, groupBy: "tag" });
      assert.deepEqual(byTag.map((r) => key(r, 3600)), ["0 lab 32"]);
      const raw = await store.metrics.fleet({ metricId: m.id, from: at(0), to: at(600), step: 600, resolution: 0, groupBy: "none", devices: [{ filter: 'productClass = "GW"', now: at(0) }] });
      assert.deepEqual(raw.map((r) => key(r, 600)).sort(), ["0 all 12", "0 all 22"]);
      const versions = await store.metrics.fleet({ metricId: m.id, from: at(0), to: at(3600), step: 3600, resolution: 3600, groupBy: "softwareVersion", versionPaths: ["Device.DeviceInfo.SoftwareVersion"] });
      assert.deepEqual(versions.map((r) => r.group), ["(unknown)", "(unknown)", "(unknown)"]);
      assert.equal(await store.metrics.seriesCount(m.id), 3);
      // Marks only move forward; the first data at or after a time.
      assert.equal(await store.metrics.rolledUntil(300), null);
      await store.metrics.setRolledUntil(300, at(3600));
      await store.metrics.setRolledUntil(300, at(600));
      assert.deepEqual(await store.metrics.rolledUntil(300), at(3600));
      assert.deepEqual(await store.metrics.firstAt(0, at(100)), at(120));
      assert.equal(await store.metrics.firstAt(3600, at(7200)), null);
    });

    it("reads the revision, the device and its series in one call, and records readings with samples at once", async () => {
      const store = await backend.open();
      const d1 = await device(store, "S1");
      await store.devices.updateTags(d1, ["lab", "east"], []);
      const none = await store.metrics.recordingContext(d1, []);
      assert.deepEqual([none.revision, none.device, none.series], [await store.metrics.revision(), await store.devices.get(d1), []]);
      const rx = (await store.metrics.putDefinition(def("rx"), at(0))).definition;
      const cpu = (await store.metrics.putDefinition(def("cpu", { kind: "gauge" }), at(0))).definition;
      assert.deepEqual((await store.metrics.recordingContext(d1, [rx.id, cpu.id])).series, [], "none created");
      const created = await store.metrics.series(d1, [rx.id, cpu.id]);
      const first = await store.metrics.recordingContext(d1, [rx.id, cpu.id]);
      assert.equal(first.revision, await store.metrics.revision());
      assert.deepEqual(first.device, await store.devices.get(d1));
      assert.deepEqual(first.device!.tags, ["east", "lab"]);
      assert.deepEqual(first.series.map((x) => x.id).sort(), created.map((x) => x.id).sort());
      const s = new Map(first.series.map((x) => [x.metricId, x.id]));
      await store.metrics.record([{ seriesId: s.get(rx.id)!, at: at(300), value: "5000", uptime: 60 }],
        [{ seriesId: s.get(rx.id)!, metricId: rx.id, at: at(300), value: 8 }, { seriesId: s.get(cpu.id)!, metricId: cpu.id, at: at(300), value: 42 }]);
      const again = await store.metrics.recordingContext(d1, [rx.id]);
      assert.deepEqual(again.series.map((x) => ({ ...x })), [{ id: s.get(rx.id)!, deviceId: d1, metricId: rx.id, last: { at: at(300), value: "5000", uptime: 60 } }]);
      assert.deepEqual((await store.metrics.readSeries(d1, cpu.id, 0, at(0), at(600))).map((p) => p.mean), [42]);
      assert.deepEqual((await store.metrics.readSeries(d1, rx.id, 0, at(0), at(600))).map((p) => p.mean), [8]);
      // Readings alone, samples alone.
      await store.metrics.record([{ seriesId: s.get(rx.id)!, at: at(600), value: "6000", uptime: null }], []);
      await store.metrics.record([], [{ seriesId: s.get(cpu.id)!, metricId: cpu.id, at: at(600), value: 43 }]);
      assert.deepEqual((await store.metrics.series(d1, [rx.id]))[0]!.last, { at: at(600), value: "6000", uptime: null });
      assert.equal((await store.metrics.readSeries(d1, cpu.id, 0, at(0), at(900))).length, 2);
      // A device that is not there; a metric deleted since a caller read its definitions: no series made for it, no error.
      assert.equal((await store.metrics.recordingContext("nobody", [rx.id])).device, null);
      await store.metrics.deleteDefinition("cpu");
      const d2 = await device(store, "S2");
      assert.deepEqual((await store.metrics.series(d2, [rx.id, cpu.id])).map((x) => x.metricId), [rx.id]);
      assert.notEqual((await store.metrics.recordingContext(d2, [rx.id])).revision, first.revision);
    });

    it("prunes a tier in bounded batches and deletes series with their device or definition", async () => {
      const store = await backend.open();
      const d1 = await device(store, "S1");
      const d2 = await device(store, "S2");
      const m = (await store.metrics.putDefinition(def("cpu", { kind: "gauge" }), at(0))).definition;
      const [s1] = await store.metrics.series(d1, [m.id]);
      const [s2] = await store.metrics.series(d2, [m.id]);
      const samples = [];
      for (let i = 0; i < 10; i++) samples.push({ seriesId: s1!.id, metricId: m.id, at: at(i * 60), value: i }, { seriesId: s2!.id, metricId: m.id, at: at(i * 60), value: i });
      await store.metrics.addSamples(samples);
      await store.metrics.rollup(300, 0, at(0), at(600));
      assert.equal(await store.metrics.prune(0, at(300), 3), 3);
      assert.equal(await store.metrics.prune(0, at(300), 100), 7);
      assert.equal(await store.metrics.prune(0, at(300), 100), 0);
      assert.deepEqual((await store.metrics.readSeries(d1, m.id, 0, at(0), at(600))).map((p) => p.mean), [5, 6, 7, 8, 9]);
      assert.equal(await store.metrics.prune(300, at(300), 100), 2);
      await store.devices.delete(d1);
      assert.deepEqual(await store.metrics.readSeries(d1, m.id, 0, at(0), at(600)), []);
      assert.equal((await store.metrics.readSeries(d2, m.id, 0, at(0), at(600))).length, 5);
      await store.metrics.deleteDefinition("cpu");
      const again = (await store.metrics.putDefinition(def("cpu", { kind: "gauge" }), at(0))).definition;
      assert.deepEqual(await store.metrics.readSeries(d2, again.id, 0, at(0), at(600)), []);
    });
  });
});
