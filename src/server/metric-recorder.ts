// Records the values devices report (Inform parameters, GetParameterValues answers, virtual parameters,
// BulkData reports) as samples of the metrics whose filter matches the device. Definitions are kept per
// process and read again only when the store's metrics revision moved, and matched in memory: a call
// whose values are of no metric's path reads the revision at most every refreshMs (at once after this
// process changed a definition); one that records costs the device's record, one read of its series
// with the revision, and one write.

import { checkDefinition, counterRate, counterValue, counterWidth, type CounterReading } from "../metrics/index.js";
import { analyze, evaluate, filterDevice, numberOf, parse, type FilterNode } from "../query/index.js";
import type { DeviceRecord, MetricDefinitionRecord, MetricReading, MetricSample, MetricSeriesRecord, StoreTx } from "../store/types.js";
import type { Logger } from "./logger.js";

export interface Observation {
  path: string;
  value: string;
  type?: string;
}

interface Compiled {
  def: MetricDefinitionRecord;
  filter: FilterNode | null;
}

/** DeviceInfo.UpTime of either data model: read beside counters to see reboots. */
const UPTIME = /^(Device|InternetGatewayDevice)\.DeviceInfo\.UpTime$/;

export interface MetricRecorderOptions {
  log: Logger;
  /** `online` in metric filters: last Inform within this many ms. */
  onlineWithinMs: number;
  /** How old the last check of the revision may be when no value is of a known metric (ms; 0: every call). */
  refreshMs?: number;
}

export class MetricRecorder {
  private byPath = new Map<string, Compiled[]>();
  private revision = -1;
  private checkedAt = -Infinity;

  constructor(private readonly o: MetricRecorderOptions) {}

  /** This process changed a definition: the next call reads the revision. */
  invalidate(): void {
    this.checkedAt = -Infinity;
  }

  /** The definitions as of `revision`. */
  private async load(tx: StoreTx, revision: number): Promise<void> {
    const byPath = new Map<string, Compiled[]>();
    for (const def of await tx.metrics.listDefinitions()) {
      try {
        checkDefinition({ ...def });
        const c = { def, filter: def.filter.trim() === "" ? null : parse(def.filter) };
        byPath.set(def.path, [...(byPath.get(def.path) ?? []), c]);
      } catch (err) {
        this.o.log.error({ metric: def.name, err: (err as Error).message }, "stored metric definition is invalid; ignored");
      }
    }
    this.byPath = byPath;
    this.revision = revision;
  }

  /**
   * Records `observations`, read from the device at `at`, for the metrics they are of. Samples may come
   * in any order (a report with its own times): a gauge's is stored at its time; a counter's rate needs
   * the reading before it, so one older than the last reading gives none. Returns the samples stored.
   */
  async recordObservations(tx: StoreTx, deviceId: string, observations: readonly Observation[], at: Date): Promise<number> {
    const latest = new Map<string, Observation>();
    for (const o of observations) latest.set(o.path, o);
    // The definitions this process has are checked against the store's revision, read with the device
    // and its series in one statement; alone when they are of none of the values (a new one may be).
    // When out of date they are read again, and the values matched again, once.
    let fresh = false;
    for (;;) {
      const candidates = [...latest.keys()].flatMap((p) => this.byPath.get(p) ?? []);
      if (candidates.length === 0) {
        // Most calls (an Inform's values) are of no metric: the revision is then read at most every
        // refreshMs, so that they cost no statement.
        if (fresh || Date.now() - this.checkedAt < (this.o.refreshMs ?? 0)) return 0;
        this.checkedAt = Date.now();
        const revision = await tx.metrics.revision();
        if (revision === this.revision) return 0;
        await this.load(tx, revision);
        fresh = true;
        continue;
      }
      const ctx = await tx.metrics.recordingContext(deviceId, candidates.map((c) => c.def.id));
      if (ctx.revision !== this.revision && !fresh) {
        await this.load(tx, ctx.revision);
        fresh = true;
        continue;
      }
      if (ctx.device === null) return 0;
      const reads = [...new Set(candidates.flatMap((c) => (c.filter === null ? [] : analyze(c.filter).parameters)))];
      const params = reads.length === 0 ? [] : await tx.parameters.get(deviceId, reads);
      const fd = filterDevice(ctx.device, params);
      const matched = candidates.filter((c) => c.filter === null || evaluate(c.filter, fd, { now: at, onlineWithinMs: this.o.onlineWithinMs }));
      if (matched.length === 0) return 0;
      // A device's first values of a metric: its series made (once).
      const have = new Set(ctx.series.map((x) => x.metricId));
      const missing = matched.filter((c) => !have.has(c.def.id)).map((c) => c.def.id);
      const series = missing.length === 0 ? ctx.series : [...ctx.series, ...(await tx.metrics.series(deviceId, missing))];
      return this.write(tx, ctx.device, matched, series, latest, at);
    }
  }

  /** Samples (gauges, counters' rates) and counters' readings, written in one call. */
  private async write(tx: StoreTx, device: DeviceRecord, matched: Compiled[], seriesList: MetricSeriesRecord[], latest: Map<string, Observation>, at: Date): Promise<number> {
    const series = new Map(seriesList.map((s) => [s.metricId, s]));
    const uptimeText = [...latest.values()].find((o) => UPTIME.test(o.path))?.value ?? null;
    const uptime = uptimeText === null ? null : numberOf(uptimeText);
    // A boot (1 BOOT, 0 BOOTSTRAP) after the last reading and no later than this one: counters started again.
    const boots = [device.lastBootAt, device.lastBootstrapAt].filter((b): b is Date => b !== null).map((b) => b.getTime() / 1000);
    const t = at.getTime() / 1000;
    const samples: MetricSample[] = [];
    const readings: MetricReading[] = [];
    for (const { def } of matched) {
      const s = series.get(def.id);
      const o = latest.get(def.path);
      if (s === undefined || o === undefined) continue;
      if (def.kind === "gauge") {
        const v = numberOf(o.value);
        if (v !== null) samples.push({ seriesId: s.id, metricId: def.id, at, value: v * def.scale });
        continue;
      }
      const value = counterValue(o.value);
      if (value === null) continue;
      const cur: CounterReading = { value, at: t, uptime };
      const last = s.last;
      if (last !== null) {
        const prev: CounterReading = { value: BigInt(last.value), at: last.at.getTime() / 1000, uptime: last.uptime };
        const outcome = counterRate(prev, cur, counterWidth(o.type, value > BigInt(last.value) ? value : BigInt(last.value)), boots.some((b) => b > prev.at && b <= t));
        if (outcome.kind === "stale") continue;
        if (outcome.kind === "rate") samples.push({ seriesId: s.id, metricId: def.id, at, value: outcome.perSecond * def.scale });
      }
      readings.push({ seriesId: s.id, at, value: value.toString(), uptime });
    }
    await tx.metrics.record(readings, samples);
    return samples.length;
  }
}
