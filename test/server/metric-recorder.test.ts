// The recorder's definitions, kept per process, on both backends: a definition written by another
// process (added, its filter changed, deleted) counts from the next call, though the revision is read
// with the device's series rather than alone; gauges and counters' rates recorded at once.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "../../src/server/logger.js";
import { MetricRecorder } from "../../src/server/metric-recorder.js";
import type { NewMetricDefinition, Store } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";

const T0 = new Date("2026-03-01T00:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const DEVICE = "A1B2C3-GW-S1";
const CPU = "Device.DeviceInfo.ProcessStatus.CPUUsage";
const RX = "Device.IP.Interface.1.Stats.BytesReceived";

const def = (name: string, path: string, over: Partial<NewMetricDefinition> = {}): NewMetricDefinition => ({
  name, path, kind: "gauge", scale: 1, unit: "", filter: "", interval: 0, export: false, description: "", ...over,
});

const means = async (store: Store, name: string) => {
  const m = await store.metrics.getDefinition(name);
  return m === null ? [] : (await store.metrics.readSeries(DEVICE, m.id, 0, T0, at(86400))).map((p) => p.mean);
};

forEachBackend((backend) => {
  describe("metric recorder", () => {
    it("records gauges and counters' rates, and follows definitions another process writes", async () => {
      const store = await backend.open();
      await store.devices.recordInform({ id: DEVICE, manufacturer: "M", oui: "A1B2C3", productClass: "GW", serialNumber: "S1", at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
      const recorder = new MetricRecorder({ log: silentLogger, onlineWithinMs: 600_000 });
      const record = (s: number, cpu: number, rx: number) => store.transaction((tx) => recorder.recordObservations(tx, DEVICE, [{ path: CPU, value: String(cpu) }, { path: RX, value: String(rx), type: "xsd:unsignedInt" }], at(s)));

      assert.equal(await record(0, 10, 1000), 0, "no definitions yet");
      // Another process (the store directly) adds both: the next call sees them.
      await store.metrics.putDefinition(def("cpu", CPU), T0);
      await store.metrics.putDefinition(def("rx", RX, { kind: "counter", scale: 8 }), T0);
      assert.equal(await record(300, 20, 1000), 1, "the gauge; the counter's first reading gives no rate");
      assert.equal(await record(600, 30, 4000), 2);
      assert.deepEqual(await means(store, "cpu"), [20, 30]);
      assert.deepEqual(await means(store, "rx"), [80]);
      // Its filter changed to exclude the device: this process's copy matched it, the revision read with the series tells otherwise.
      await store.metrics.putDefinition(def("cpu", CPU, { filter: 'productClass = "AP"' }), T0);
      assert.equal(await record(900, 40, 7000), 1, "the counter's rate only: the gauge is filtered out");
      assert.deepEqual(await means(store, "cpu"), [20, 30]);
      assert.deepEqual(await means(store, "rx"), [80, 80]);
      // Deleted while this process still has it: nothing recorded for it, no error.
      await store.metrics.deleteDefinition("rx");
      await store.metrics.putDefinition(def("cpu", CPU), T0);
      assert.equal(await record(1200, 60, 10000), 1);
      assert.deepEqual(await means(store, "cpu"), [20, 30, 60]);
      assert.equal(await store.metrics.getDefinition("rx"), null);
    });
  });
});
