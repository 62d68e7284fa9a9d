// The metric arithmetic without I/O: counter rates across wraps and reboots, buckets and their merge,
// percentiles, tiers, definitions and the Prometheus exposition.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bucketOf, checkDefinition, checkTiers, chooseTier, counterRate, counterValue, counterWidth, exposition, mergeBuckets, MetricError, quantile, summarize, tierName,
  type CounterReading, type MetricDefinition,
} from "../../src/metrics/index.js";
import { FilterError } from "../../src/query/index.js";

const r = (value: bigint, at: number, uptime: number | null = null): CounterReading => ({ value, at, uptime });
const U32 = 2n ** 32n;
const U64 = 2n ** 64n;

describe("counter rates", () => {
  it("is the increase over the time between readings", () => {
    assert.deepEqual(counterRate(r(1000n, 0), r(4000n, 300), 32, false), { kind: "rate", perSecond: 10, wrapped: false });
    assert.deepEqual(counterRate(r(5n, 0), r(5n, 60), 32, false), { kind: "rate", perSecond: 0, wrapped: false });
  });

  it("takes a 32-bit wrap as one when the counter moved by less than half its range", () => {
    assert.deepEqual(counterRate(r(U32 - 1000n, 0), r(2000n, 300), 32, false), { kind: "rate", perSecond: 10, wrapped: true });
    // Past 2^53 the arithmetic stays exact.
    assert.deepEqual(counterRate(r(U64 - 600n, 0), r(2400n, 300), 64, false), { kind: "rate", perSecond: 10, wrapped: true });
  });

  it("calls any other decrease a reset: no rate, never a negative or huge one", () => {
    assert.deepEqual(counterRate(r(5_000_000n, 0), r(1000n, 300), 32, false), { kind: "reset" });
    assert.deepEqual(counterRate(r(3_000_000_000n, 0), r(1_000_000_000n, 300), 32, false), { kind: "reset" });
    // Near the top of 32 bits, but the counter is 64-bit: not a wrap.
    assert.deepEqual(counterRate(r(U32 - 1000n, 0), r(2000n, 300), 64, false), { kind: "reset" });
    // A 32-bit counter cannot have held a value past 32 bits: that reading was wrong, not a wrap.
    assert.deepEqual(counterRate(r(U32 + 5n, 0), r(2000n, 300), 32, false), { kind: "reset" });
  });

  it("gives no rate across a boot, whether reported or seen in UpTime", () => {
    assert.deepEqual(counterRate(r(1000n, 0), r(4000n, 300), 32, true), { kind: "reset" });
    assert.deepEqual(counterRate(r(1000n, 0, 5000), r(4000n, 300, 100), 32, false), { kind: "reset" });
    // UpTime that did not go back but is shorter than the time since the last reading: a reboot in between.
    assert.deepEqual(counterRate(r(1000n, 0, 100), r(4000n, 3600, 200), 32, false), { kind: "reset" });
    assert.deepEqual(counterRate(r(1000n, 0, 100), r(4000n, 300, 400), 32, false), { kind: "rate", perSecond: 10, wrapped: false });
  });

  it("gives nothing for a reading not after the last one (out of order)", () => {
    assert.deepEqual(counterRate(r(1000n, 300), r(4000n, 300), 32, false), { kind: "stale" });
    assert.deepEqual(counterRate(r(1000n, 300), r(900n, 0), 32, false), { kind: "stale" });
  });

  it("reads widths from data-model types and values exactly", () => {
    assert.equal(counterWidth("xsd:unsignedInt", 5n), 32);
    assert.equal(counterWidth("xsd:unsignedLong", 5n), 64);
    assert.equal(counterWidth(undefined, 5n), 32);
    assert.equal(counterWidth(undefined, U32), 64);
    assert.equal(counterValue(" 18446744073709551615 "), U64 - 1n);
    assert.equal(counterValue("18446744073709551616"), null);
    assert.equal(counterValue("-1"), null);
    assert.equal(counterValue("1.5"), null);
  });
});

describe("buckets and percentiles", () => {
  it("merges buckets exactly: a coarse bucket equals the one made from all the samples", () => {
    const all = [3, 1, 4, 1, 5, 9, 2, 6];
    assert.deepEqual(mergeBuckets([bucketOf(all.slice(0, 3))!, bucketOf(all.slice(3))!]), bucketOf(all));
    assert.deepEqual(bucketOf(all), { count: 8, sum: 31, min: 1, max: 9 });
    assert.equal(bucketOf([]), null);
  });

  it("interpolates quantiles between ranks and summarizes one value per device", () => {
    const v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210];
    assert.equal(quantile(v, 0.5), 110);
    assert.equal(quantile(v, 0.95), 200);
    assert.equal(quantile([1, 2], 0.5), 1.5);
    assert.ok(Number.isNaN(quantile([], 0.5)));
    const s = summarize([4, 1, 3, 2])!;
    assert.deepEqual({ ...s, p95: Math.round(s.p95 * 1000) / 1000 }, { count: 4, mean: 2.5, min: 1, max: 4, p50: 2.5, p95: 3.85 });
  });
});

describe("tiers", () => {
  const tiers = checkTiers([{ resolution: 0, retention: 7 * 86400 }, { resolution: 300, retention: 90 * 86400 }, { resolution: 3600, retention: 730 * 86400 }]);

  it("names tiers by bucket size and refuses tiers that cannot be made from the finer one", () => {
    assert.deepEqual(tiers.map((t) => tierName(t.resolution)), ["raw", "5m", "1h"]);
    assert.equal(tierName(86400), "1d");
    assert.throws(() => checkTiers([{ resolution: 0, retention: 0 }, { resolution: 300, retention: 10 }]), MetricError);
    assert.throws(() => checkTiers([{ resolution: 0, retention: 10 }, { resolution: 300, retention: 100 }, { resolution: 420, retention: 1000 }]), /multiple/);
    assert.throws(() => checkTiers([{ resolution: 300, retention: 10 }]), /raw/);
  });

  it("chooses the tier asked for, or the finest that holds the range in few enough points", () => {
    const now = 1000 * 86400;
    assert.equal(chooseTier(tiers, "5m", 0, 1, now).resolution, 300);
    assert.equal(chooseTier(tiers, "auto", now - 3600, now, now).resolution, 0);
    assert.equal(chooseTier(tiers, "auto", now - 30 * 86400, now, now).resolution, 3600);
    // Past the raw samples' retention, a day is 288 five-minute buckets.
    assert.equal(chooseTier(tiers, "auto", now - 10 * 86400, now - 9 * 86400, now).resolution, 300);
    assert.equal(chooseTier(tiers, "auto", now - 2 * 86400, now, now).resolution, 0);
    assert.throws(() => chooseTier(tiers, "1d", 0, 1, now), (e: unknown) => e instanceof MetricError && e.code === "METRIC_RESOLUTION_INVALID");
  });
});

describe("definitions and exposition", () => {
  const d: MetricDefinition = { name: "wan_rx", path: "Device.IP.Interface.1.Stats.BytesReceived", kind: "counter", scale: 8, unit: "bit/s", filter: "", interval: 0, export: true, description: "WAN in" };

  it("checks names, paths and filters", () => {
    assert.equal(checkDefinition(d), d);
    assert.throws(() => checkDefinition({ ...d, path: "Device.IP.Interface.*.Stats.BytesReceived" }), MetricError);
    assert.throws(() => checkDefinition({ ...d, name: "1x" }), MetricError);
    assert.throws(() => checkDefinition({ ...d, filter: "productClass = " }), FilterError);
    assert.equal(checkDefinition({ ...d, path: "VirtualParameters.wanRx" }).path, "VirtualParameters.wanRx");
  });

  it("writes gauge families by statistic, labels escaped", () => {
    const text = exposition([{ metric: "wan_rx", unit: "bit/s", description: "WAN in", groupBy: "productClass", groups: [{ group: 'H"G\\W', summary: { count: 2, mean: 1.5, min: 1, max: 2, p50: 1.5, p95: 1.95 } }] }]);
    assert.match(text, /^# HELP provisio_metric_wan_rx_mean WAN in: mean over devices of each device's mean \(bit\/s\), by productClass$/m);
    assert.match(text, /^# TYPE provisio_metric_wan_rx_p95 gauge$/m);
    assert.match(text, /^provisio_metric_wan_rx_p95\{productClass="H\\"G\\\\W"\} 1\.95$/m);
    assert.match(text, /^provisio_metric_wan_rx_count\{productClass="H\\"G\\\\W"\} 2$/m);
    assert.equal(exposition([]), "");
  });
});
