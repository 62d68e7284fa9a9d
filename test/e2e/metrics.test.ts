// Performance history end to end: simulated TR-098 gateways (whose byte counters advance with time
// since boot, 32 bits wide, and start again at a reboot) inform every 4 hours of a clock the test moves
// and the ACS shares; a counter metric read at every session through its sampling preset records rates
// that match what the simulator's counters did, across a 32-bit wrap and a reboot; a gauge with a
// 12-hour interval is read only when due; housekeeping rolls the samples up into 5-minute and 1-hour
// buckets and prunes raw samples past their retention; the API gives a device's series, fleet
// aggregates by group and the Prometheus export.

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { ManualClock } from "../../src/sim/runtime/index.js";
import { forEachBackend } from "../support/pg.js";
import { apiId, codes, CR, eventually, startDevices, startE2eAcs } from "./support.js";

const T0 = Date.UTC(2026, 2, 1);
const INTERVAL_S = 4 * 3600;
const COUNTER = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.TotalBytesSent";
const UPTIME = "InternetGatewayDevice.DeviceInfo.UpTime";
const GAUGE_INTERVAL = 3 * INTERVAL_S - 60;
const SETTINGS = {
  connectionRequests: { minInterval: 0, username: CR.username, password: CR.password },
  metrics: { rawRetention: 2 * 86400, tiers: [{ resolution: 300, retention: 10 * 86400 }, { resolution: 3600, retention: 0 }], lateness: 0 },
};

interface Reading {
  at: number;
  counter: bigint;
  uptime: number;
  boot: boolean;
}

interface Point {
  at: string;
  count: number;
  mean: number;
  min: number;
  max: number;
}

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
const iso = (ms: number) => new Date(ms).toISOString();

/** The raw points grouped into buckets of `seconds`, as the rollups should hold them. */
function bucketsOf(points: Point[], seconds: number): { at: string; count: number; mean: number; min: number; max: number }[] {
  const by = new Map<number, number[]>();
  for (const p of points) {
    const b = Math.floor(Date.parse(p.at) / 1000 / seconds) * seconds * 1000;
    by.set(b, [...(by.get(b) ?? []), p.mean]);
  }
  return [...by.entries()].sort(([a], [b]) => a - b).map(([b, v]) => ({ at: iso(b), count: v.length, mean: v.reduce((s, x) => s + x, 0) / v.length, min: Math.min(...v), max: Math.max(...v) }));
}

function sameBuckets(actual: Point[], expected: ReturnType<typeof bucketsOf>, what: string): void {
  assert.deepEqual(actual.map((p) => [p.at, p.count]), expected.map((p) => [p.at, p.count]), what);
  for (const [i, p] of actual.entries()) {
    close(p.mean, expected[i]!.mean, `${what} mean at ${p.at}`);
    close(p.min, expected[i]!.min, `${what} min at ${p.at}`);
    close(p.max, expected[i]!.max, `${what} max at ${p.at}`);
  }
}

forEachBackend((backend) => {
  describe("metrics end to end", () => {
    const b = backend.name.slice(0, 2).toUpperCase();
    let started: Array<{ stop(): Promise<unknown> }> = [];
    afterEach(async () => {
      for (const s of started.reverse()) await s.stop();
      started = [];
    });

    it("records a counter's rates across a wrap and a reboot, a gauge at its interval, rolls them up, and serves series, aggregates and the export", async () => {
      const clock = new ManualClock(T0);
      const a = await startE2eAcs(backend, { settings: SETTINGS, clock: () => new Date(clock.now()) });
      started.push(a.t);
      const put = await a.operator.put("/api/metrics/wlan_tx", { path: COUNTER, kind: "counter", scale: 8, unit: "bit/s", interval: 1, export: true, description: "WLAN sent" });
      assert.equal(put.status, 201, JSON.stringify(put.body));
      assert.equal((await a.operator.put("/api/metrics/uptime", { path: UPTIME, kind: "gauge", unit: "s", interval: GAUGE_INTERVAL })).status, 201);
      // Interval sampling is a preset of the metric's own.
      assert.equal((await a.admin.get("/api/presets/metric:wlan_tx")).status, 200);

      const { sim } = await startDevices(a.t, { serialPrefix: `MT${b}`, devices: 2, clock, model: { builtin: "tr098-gateway" } });
      started.push(sim);
      // What each device's counter and UpTime were at each of its sessions (the clock stands still in one).
      const readings: Reading[][] = [[], []];
      sim.onSession((r) => {
        if (!r.ok) return;
        const cpe = sim.devices[r.device]!.cpe;
        readings[r.device]!.push({ at: r.at, counter: BigInt(cpe.read(COUNTER, r.at)!), uptime: Number(cpe.read(UPTIME, r.at)), boot: codes(r).includes("1 BOOT") });
      });
      await eventually(() => (readings.every((r) => r.length >= 1) ? true : undefined), "the bootstrap sessions", 60_000);
      const ids = [apiId(sim, 0), apiId(sim, 1)];
      assert.ok((await a.operator.put(`/api/devices/${ids[1]}/tags/lab`)).status < 300);
      const tasks = await a.operator.post("/api/tasks", { filter: `serialNumber ^= "MT${b}"`, name: "setParameterValues", args: { parameterValues: [{ name: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", value: String(INTERVAL_S) }] } });
      assert.equal(tasks.status, 201, JSON.stringify(tasks.body));

      const wrapped = (r: Reading[]) => r.some((x, i) => i > 0 && !x.boot && x.counter < r[i - 1]!.counter);
      let rebooted = false;
      const done = () => rebooted && readings.every(wrapped) && readings[0]!.length >= readings[0]!.findIndex((x) => x.boot && x.at > T0) + 3;
      for (let round = 0; round < 40 && !done(); round++) {
        // Each device's periodic session, over before the clock moves again.
        const counts = readings.map((r) => r.length);
        clock.advance((round === 0 ? 3600 : INTERVAL_S) * 1000);
        await eventually(() => (readings.every((r, k) => r.length > counts[k]!) ? true : undefined), `round ${round}'s sessions`, 60_000);
        if (!rebooted && wrapped(readings[0]!)) {
          // A reboot of device 0 once its counter wrapped: the next reading starts from zero.
          const before = readings[0]!.length;
          // A minute on, so that the reboot's session reads the counter at a time of its own.
          clock.advance(60_000);
          const res = await a.operator.post(`/api/devices/${ids[0]}/tasks`, { name: "reboot", connectionRequest: true, wait: 30 });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          await eventually(() => (!sim.devices[0]!.cpe.isUp && readings[0]!.length > before ? true : undefined), "the device's reboot");
          clock.advance(6_000);
          await eventually(() => (readings[0]!.slice(before).some((x) => x.boot) ? true : undefined), "the Inform after the reboot", 60_000);
          rebooted = true;
        }
      }
      assert.ok(done(), "both counters wrapped, and device 0 rebooted and informed twice since");
      const now = clock.now();

      // Raw: one rate per pair of readings, none into a boot; 8 bits a byte.
      const raw: Point[][] = [];
      for (const [k, id] of ids.entries()) {
        const res = await a.operator.get(`/api/devices/${id}/metrics/wlan_tx?from=${iso(T0)}&to=${iso(now + 1000)}&resolution=raw`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual([res.body.resolution, res.body.unit], ["raw", "bit/s"]);
        const r = readings[k]!;
        const expected = r.slice(1).flatMap((x, i) => {
          if (x.boot) return [];
          const delta = (x.counter - r[i]!.counter + 2n ** 32n) % 2n ** 32n;
          return [{ at: iso(x.at), rate: (Number(delta) * 8) / ((x.at - r[i]!.at) / 1000) }];
        });
        assert.deepEqual(res.body.points.map((p: Point) => p.at), expected.map((e) => e.at), `device ${k}'s sample times`);
        for (const [i, p] of (res.body.points as Point[]).entries()) {
          close(p.mean, expected[i]!.rate, `device ${k} at ${p.at}`);
          assert.ok(p.mean >= 0 && p.mean < 8 * 60_000, `a plausible rate, not a spike: ${p.mean}`);
        }
        raw.push(res.body.points);
      }
      // The reboot left a gap: no rate at the boot's reading.
      const boot = readings[0]!.find((x) => x.boot && x.at > T0)!;
      assert.ok(!raw[0]!.some((p) => p.at === iso(boot.at)));

      // The gauge: read when its value was older than the interval, the value the device had then.
      const up = (await a.operator.get(`/api/devices/${ids[1]}/metrics/uptime?from=${iso(T0)}&to=${iso(now + 1000)}&resolution=raw`)).body.points as Point[];
      assert.ok(up.length >= 2 && up.length < readings[1]!.length, `${up.length} uptime samples of ${readings[1]!.length} sessions`);
      for (const [i, p] of up.entries()) {
        const r = readings[1]!.find((x) => iso(x.at) === p.at);
        assert.ok(r !== undefined, `an uptime sample at a session: ${p.at}`);
        assert.equal(p.mean, r.uptime);
        if (i > 0) assert.ok(Date.parse(p.at) - Date.parse(up[i - 1]!.at) >= GAUGE_INTERVAL * 1000, "no sooner than the interval");
      }

      // Housekeeping rolls the samples up (a bounded number of buckets a pass) and prunes raw samples
      // older than two days once rolled up.
      const hourMark = Math.floor(now / 3_600_000) * 3_600_000;
      await eventually(async () => {
        await a.t.acs.housekeep();
        const made = await a.t.acs.store.metrics.rolledUntil(3600);
        return made !== null && made.getTime() >= hourMark ? true : undefined;
      }, "the rollups", 60_000);
      for (const [k, id] of ids.entries()) {
        const kept = raw[k]!.filter((p) => Date.parse(p.at) < hourMark);
        const five = (await a.operator.get(`/api/devices/${id}/metrics/wlan_tx?from=${iso(T0)}&to=${iso(hourMark)}&resolution=5m`)).body;
        sameBuckets(five.points, bucketsOf(kept, 300), `device ${k} 5m`);
        const hour = (await a.operator.get(`/api/devices/${id}/metrics/wlan_tx?from=${iso(T0)}&to=${iso(hourMark)}&resolution=1h`)).body;
        assert.equal(hour.resolution, "1h");
        sameBuckets(hour.points, bucketsOf(kept, 3600), `device ${k} 1h`);
        const left = (await a.operator.get(`/api/devices/${id}/metrics/wlan_tx?from=${iso(T0)}&to=${iso(now + 1000)}&resolution=raw`)).body.points as Point[];
        assert.deepEqual(left.map((p) => p.at), raw[k]!.filter((p) => Date.parse(p.at) >= Math.min(now - 2 * 86_400_000, hourMark)).map((p) => p.at), `device ${k}'s raw samples past retention are gone`);
        assert.ok(left.length < raw[k]!.length);
      }

      // Fleet aggregates per 4-hour step: each device's mean in the step; by tag, only the tagged one.
      const step = INTERVAL_S;
      const from = T0;
      const to = from + Math.floor((hourMark - from) / (step * 1000)) * step * 1000;
      const meanIn = (points: Point[], s: number) => {
        const inStep = points.filter((p) => Date.parse(p.at) >= s && Date.parse(p.at) < s + step * 1000);
        return inStep.length === 0 ? null : inStep.reduce((x, p) => x + p.mean, 0) / inStep.length;
      };
      const all = (await a.operator.get(`/api/metrics/wlan_tx/aggregate?from=${iso(from)}&to=${iso(to)}&step=${step}&groupBy=none`)).body;
      assert.equal(all.resolution, "1h");
      assert.ok(all.steps.length >= 5);
      for (const s of all.steps as { at: string; groups: { group: string; count: number; mean: number; p50: number; p95: number; min: number; max: number }[] }[]) {
        const values = raw.map((p) => meanIn(p, Date.parse(s.at))).filter((v): v is number => v !== null).sort((x, y) => x - y);
        assert.equal(s.groups.length, 1);
        const g = s.groups[0]!;
        assert.deepEqual([g.group, g.count], ["all", values.length]);
        close(g.min, values[0]!, "min");
        close(g.max, values.at(-1)!, "max");
        close(g.mean, values.reduce((x, y) => x + y, 0) / values.length, "mean");
        if (values.length === 2) {
          close(g.p50, (values[0]! + values[1]!) / 2, "p50");
          close(g.p95, values[0]! + 0.95 * (values[1]! - values[0]!), "p95");
        }
      }
      const byTag = (await a.operator.get(`/api/metrics/wlan_tx/aggregate?from=${iso(from)}&to=${iso(to)}&step=${step}&groupBy=tag`)).body;
      for (const s of byTag.steps as { at: string; groups: { group: string; count: number; mean: number }[] }[]) {
        assert.deepEqual(s.groups.map((g) => [g.group, g.count]), [["lab", 1]]);
        close(s.groups[0]!.mean, meanIn(raw[1]!, Date.parse(s.at))!, "lab mean");
      }

      // The export, scraped with a read-only key: the last window's figures over both devices.
      const window = INTERVAL_S + 600;
      const scraper = await a.t.keyFor("read-only");
      const res = await fetch(`${a.t.apiUrl}/api/metrics/export?window=${window}&groupBy=productClass`, { headers: { authorization: `Bearer ${scraper}` } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const productClass = sim.devices[0]!.identity.productClass;
      const recent = raw.map((p) => p.filter((x) => Date.parse(x.at) >= now - window * 1000)).filter((p) => p.length > 0);
      const means = recent.map((p) => p.reduce((s, x) => s + x.mean, 0) / p.length);
      assert.match(text, new RegExp(`^provisio_metric_wlan_tx_count\\{productClass="${productClass}"\\} ${means.length}$`, "m"));
      const mean = Number(new RegExp(`^provisio_metric_wlan_tx_mean\\{productClass="${productClass}"\\} (\\S+)$`, "m").exec(text)?.[1]);
      close(mean, means.reduce((x, y) => x + y, 0) / means.length, "exported mean");
      assert.doesNotMatch(text, /provisio_metric_uptime_/, "only exported metrics");
      assert.equal((await fetch(`${a.t.apiUrl}/api/metrics/export`)).status, 401);
    });
  });
});
