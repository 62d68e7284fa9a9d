// Performance history (migration 18): metric definitions, each device's series, raw samples and rollup
// buckets. Times are whole seconds since METRIC_EPOCH (the migration says why); a tier is named by its
// bucket seconds, 0 for raw samples.
import type {
  DeviceRecord, DeviceScope, MetricDefinitionRecord, MetricFleetQuery, MetricFleetRow, MetricFleetStep, MetricGroupBy, MetricPoint, MetricReading, MetricRepo, MetricSample, MetricSeriesRecord, NewMetricDefinition,
} from "../types.js";
import { deviceScopeCondition } from "./device-scope.js";
import { readRecordingContext, toSeries } from "./metric-recording.js";
import { readFleetSteps, readSummarizedUntil, writeFleetSteps, writeSummarizedUntil } from "./metric-fleet-steps.js";
import type { Row } from "./driver.js";
import { bumpRevision, readRevision } from "./revision.js";
import type { Scope } from "./scope.js";

/** 2020-01-01T00:00:00Z in seconds: a whole number of days, so buckets of minutes and hours fall on UTC's. */
export const METRIC_EPOCH = 1_577_836_800;
export const toSeconds = (d: Date): number => Math.floor(d.getTime() / 1000) - METRIC_EPOCH;
export const fromSeconds = (t: unknown): Date => new Date((Number(t) + METRIC_EPOCH) * 1000);

const REVISION = "metrics.revision";
const COLUMNS = "id, name, path, kind, scale, unit, filter, sample_interval, export, description, created_at, updated_at";

const SET_LAST = "last_at = r.last_at, last_value = r.last_value, last_uptime = r.last_uptime";
const INSERT_SAMPLES = "INSERT INTO metric_samples (series_id, t, metric_id, value) SELECT r.series_id, r.t, r.metric_id, r.value";
const ON_SAMPLE = "ON CONFLICT (metric_id, t, series_id) DO UPDATE SET value = excluded.value";

const readingSource = (s: Scope, first: number, readings: readonly MetricReading[]) => s.dialect.rowSource(first,
  [{ name: "series_id", type: "int" }, { name: "last_at", type: "int" }, { name: "last_value", type: "text" }, { name: "last_uptime", type: "bigint" }],
  readings.map((r) => [r.seriesId, toSeconds(r.at), r.value, r.uptime]));

// WHERE true after it: SQLite reads an ON right after FROM's source as a join's.
const sampleSource = (s: Scope, first: number, samples: readonly MetricSample[]) => s.dialect.rowSource(first,
  [{ name: "series_id", type: "int" }, { name: "t", type: "int" }, { name: "metric_id", type: "int" }, { name: "value", type: "real" }],
  samples.map((x) => [x.seriesId, toSeconds(x.at), x.metricId, x.value]));

/** Where a tier's rows are, and how a bucket's figures are read from them. */
function tier(resolution: number) {
  return resolution === 0
    ? { table: "metric_samples", t: "t", where: "", count: "1", sum: "x.value", min: "x.value", max: "x.value" }
    : { table: "metric_rollups", t: "bucket", where: `x.resolution = ${Math.floor(resolution)} AND `, count: "x.count", sum: "x.sum", min: "x.min", max: "x.max" };
}

export class SqlMetricRepo implements MetricRepo {
  constructor(private readonly s: Scope) {}

  private toDefinition(r: Row): MetricDefinitionRecord {
    const d = this.s.dialect;
    return {
      id: Number(r.id),
      name: String(r.name),
      path: String(r.path),
      kind: String(r.kind) as MetricDefinitionRecord["kind"],
      scale: Number(r.scale),
      unit: String(r.unit),
      filter: String(r.filter),
      interval: Number(r.sample_interval),
      export: d.readBool(r.export) ?? false,
      description: String(r.description),
      createdAt: d.readDate(r.created_at) ?? new Date(NaN),
      updatedAt: d.readDate(r.updated_at) ?? new Date(NaN),
    };
  }

  async listDefinitions(): Promise<MetricDefinitionRecord[]> {
    return (await this.s.all(`SELECT ${COLUMNS} FROM metric_definitions ORDER BY name`)).map((r) => this.toDefinition(r));
  }

  async getDefinition(name: string): Promise<MetricDefinitionRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM metric_definitions WHERE name = $1`, [name]);
    return rows[0] ? this.toDefinition(rows[0]) : null;
  }

  putDefinition(n: NewMetricDefinition, at: Date): Promise<{ definition: MetricDefinitionRecord; created: boolean }> {
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      const before = await s.all("SELECT id FROM metric_definitions WHERE name = $1", [n.name]);
      const values = [n.name, n.path, n.kind, n.scale, n.unit, n.filter, n.interval, d.bool(n.export), n.description, d.date(at)];
      const rows = await s.all(
        `INSERT INTO metric_definitions (name, path, kind, scale, unit, filter, sample_interval, export, description, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (name) DO UPDATE SET path = excluded.path, kind = excluded.kind, scale = excluded.scale, unit = excluded.unit, filter = excluded.filter,
           sample_interval = excluded.sample_interval, export = excluded.export, description = excluded.description, updated_at = excluded.updated_at
         RETURNING ${COLUMNS}`,
        values,
      );
      // A counter's last reading was of the old path: the next rate starts from the new one's.
      if (before.length > 0) await s.run("UPDATE metric_series SET last_at = NULL, last_value = NULL, last_uptime = NULL WHERE metric_id = $1", [before[0]!.id]);
      await bumpRevision(s, REVISION);
      return { definition: this.toDefinition(rows[0] ?? {}), created: before.length === 0 };
    });
  }

  deleteDefinition(name: string): Promise<boolean> {
    return this.s.atomic(async (s) => {
      const n = await s.run("DELETE FROM metric_definitions WHERE name = $1", [name]);
      if (n > 0) await bumpRevision(s, REVISION);
      return n > 0;
    });
  }

  revision(): Promise<number> {
    return readRevision(this.s, REVISION);
  }

  async series(deviceId: string, metricIds: readonly number[]): Promise<MetricSeriesRecord[]> {
    if (metricIds.length === 0) return [];
    const d = this.s.dialect;
    const read = () => this.s.all(
      `SELECT id AS series_id, metric_id, last_at, last_value, last_uptime FROM metric_series WHERE device_id = $1 AND ${d.inArray("metric_id", "$2", "bigint")}`,
      [deviceId, d.array(metricIds, "bigint")],
    );
    let rows = await read();
    if (rows.length < metricIds.length) {
      const have = new Set(rows.map((x) => Number(x.metric_id)));
      const src = d.rowSource(2, [{ name: "metric_id", type: "int" }], metricIds.filter((m) => !have.has(m)).map((m) => [m]));
      // Only metrics that still exist: a caller's definitions may be older than the store's.
      await this.s.run(
        `INSERT INTO metric_series (device_id, metric_id) SELECT $1, r.metric_id FROM ${src.sql}
         WHERE r.metric_id IN (SELECT id FROM metric_definitions) ON CONFLICT (device_id, metric_id) DO NOTHING`,
        [deviceId, ...src.params],
      );
      rows = await read();
    }
    return rows.map((r) => toSeries(deviceId, r, fromSeconds));
  }

  recordingContext(deviceId: string, metricIds: readonly number[]): Promise<{ revision: number; device: DeviceRecord | null; series: MetricSeriesRecord[] }> {
    return readRecordingContext(this.s, REVISION, deviceId, metricIds, fromSeconds);
  }

  async setLast(readings: readonly MetricReading[]): Promise<void> {
    if (readings.length === 0) return;
    // In process, a statement each costs less than one over a row source (insert-rows.ts); over a
    // network, one statement for all is one round trip.
    if (this.s.dialect.capabilities.inProcess) {
      for (const r of readings) {
        await this.s.run("UPDATE metric_series SET last_at = $2, last_value = $3, last_uptime = $4 WHERE id = $1", [r.seriesId, toSeconds(r.at), r.value, r.uptime]);
      }
      return;
    }
    const src = readingSource(this.s, 1, readings);
    await this.s.run(`UPDATE metric_series SET ${SET_LAST} FROM ${src.sql} WHERE metric_series.id = r.series_id`, src.params);
  }

  async addSamples(samples: readonly MetricSample[]): Promise<void> {
    if (samples.length === 0) return;
    const src = sampleSource(this.s, 1, samples);
    await this.s.run(`${INSERT_SAMPLES} FROM ${src.sql} WHERE true ${ON_SAMPLE}`, src.params);
  }

  async record(readings: readonly MetricReading[], samples: readonly MetricSample[]): Promise<void> {
    // Samples first: their foreign key checks lock each series' row (key share) before the readings'
    // update, not after. Measured on PostgreSQL (benchmarks/metrics.ts, 8 at a time): the update first
    // made the samples' insert cost twice a bare one, and one statement doing both (a data-modifying
    // WITH, whose key checks run last) was slower than these two; most likely the key share lock of a
    // row its own transaction updated, which PostgreSQL records as a multixact.
    await this.addSamples(samples);
    await this.setLast(readings);
  }

  async readSeries(deviceId: string, metricId: number, resolution: number, from: Date, to: Date): Promise<MetricPoint[]> {
    const k = tier(resolution);
    const rows = await this.s.all(
      `SELECT x.${k.t} AS t, ${k.count} AS c, ${k.sum} AS s, ${k.min} AS lo, ${k.max} AS hi FROM ${k.table} x
       WHERE ${k.where}x.series_id = (SELECT id FROM metric_series WHERE device_id = $1 AND metric_id = $2) AND x.${k.t} >= $3 AND x.${k.t} < $4 ORDER BY x.${k.t}`,
      [deviceId, metricId, toSeconds(from), toSeconds(to)],
    );
    return rows.map((r) => ({ at: fromSeconds(r.t), count: Number(r.c), mean: Number(r.s) / Number(r.c), min: Number(r.lo), max: Number(r.hi) }));
  }

  async fleet(q: MetricFleetQuery): Promise<MetricFleetRow[]> {
    const d = this.s.dialect;
    const k = tier(q.resolution);
    const from = toSeconds(q.from);
    const params: unknown[] = [q.metricId, from, toSeconds(q.to), Math.max(1, Math.floor(q.step))];
    let join = "";
    let group = "'all'";
    if (q.groupBy === "productClass") {
      join = "JOIN devices g ON g.id = s.device_id";
      group = "g.product_class";
    } else if (q.groupBy === "tag") {
      join = "JOIN device_tags g ON g.device_id = s.device_id";
      group = "g.tag";
    } else if (q.groupBy === "softwareVersion") {
      params.push(d.textArray(q.versionPaths ?? []));
      // The software versions are indexed (sql/indexed-paths.ts): param_index has their rows.
      join = `LEFT JOIN param_index g ON g.device_id = s.device_id AND g.path_id IN (SELECT id FROM param_paths WHERE ${d.inTextArray("path", `$${params.length}`)})`;
      group = "COALESCE(g.value, '(unknown)')";
    }
    const scopes = (q.devices ?? []).map((scope: DeviceScope) => ` AND ${deviceScopeCondition("s.device_id", scope, d, params)}`).join("");
    // A bucket as big as the step is the device's whole step: nothing to group (a sort saved).
    const whole = q.resolution > 0 && q.resolution === q.step;
    // Cast: SQLite binds a JavaScript number as a REAL, which would make the division a real one.
    const rows = await this.s.all(
      `SELECT (x.${k.t} - CAST($2 AS INTEGER)) / CAST($4 AS INTEGER) AS k, ${group} AS grp, ${whole ? `${k.sum} / ${k.count}` : `SUM(${k.sum}) / SUM(${k.count})`} AS mean
       FROM ${k.table} x${join === "" && scopes === "" ? "" : ` JOIN metric_series s ON s.id = x.series_id ${join}`}
       WHERE ${k.where}x.metric_id = $1 AND x.${k.t} >= $2 AND x.${k.t} < $3${scopes}${whole ? "" : `
       GROUP BY 1, x.series_id, 2`}`,
      params,
    );
    return rows.map((r) => ({ step: Number(r.k), group: String(r.grp), mean: Number(r.mean) }));
  }

  async seriesCount(metricId: number): Promise<number> {
    return Number((await this.s.all("SELECT COUNT(*) AS n FROM metric_series WHERE metric_id = $1", [metricId]))[0]?.n ?? 0);
  }

  private async metricIds(): Promise<number[]> {
    return (await this.s.all("SELECT id FROM metric_definitions ORDER BY id")).map((r) => Number(r.id));
  }

  async rollup(resolution: number, finer: number, from: Date, to: Date): Promise<number> {
    const res = Math.floor(resolution);
    const source = finer === 0
      ? "COUNT(*), SUM(x.value), MIN(x.value), MAX(x.value) FROM metric_samples x WHERE x.metric_id = $1 AND x.t >= $2 AND x.t < $3"
      : `SUM(x.count), SUM(x.sum), MIN(x.min), MAX(x.max) FROM metric_rollups x WHERE x.resolution = ${Math.floor(finer)} AND x.metric_id = $1 AND x.bucket >= $2 AND x.bucket < $3`;
    const t = finer === 0 ? "x.t" : "x.bucket";
    let n = 0;
    for (const m of await this.metricIds()) {
      // Made again whole from the finer tier, so a pass run twice (or by two processes) writes the same.
      n += await this.s.run(
        `INSERT INTO metric_rollups (series_id, resolution, bucket, metric_id, count, sum, min, max)
         SELECT x.series_id, ${res}, (${t} / ${res}) * ${res}, x.metric_id, ${source} GROUP BY 1, 3, 4
         ON CONFLICT (series_id, resolution, bucket) DO UPDATE SET count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max`,
        [m, toSeconds(from), toSeconds(to)],
      );
    }
    return n;
  }

  async firstAt(resolution: number, from: Date): Promise<Date | null> {
    const k = tier(resolution);
    let first: number | null = null;
    for (const m of await this.metricIds()) {
      const rows = await this.s.all(`SELECT MIN(x.${k.t}) AS t FROM ${k.table} x WHERE ${k.where}x.metric_id = $1 AND x.${k.t} >= $2`, [m, toSeconds(from)]);
      const t = rows[0]?.t;
      if (t != null && (first === null || Number(t) < first)) first = Number(t);
    }
    return first === null ? null : fromSeconds(first);
  }

  async rolledUntil(resolution: number): Promise<Date | null> {
    const rows = await this.s.all("SELECT done_until FROM metric_rollup_marks WHERE resolution = $1", [Math.floor(resolution)]);
    return rows[0] ? fromSeconds(rows[0].done_until) : null;
  }

  async setRolledUntil(resolution: number, until: Date): Promise<void> {
    // Never backwards: of two processes passing at once, the one further on wins.
    await this.s.run(
      `INSERT INTO metric_rollup_marks (resolution, done_until) VALUES ($1, $2)
       ON CONFLICT (resolution) DO UPDATE SET done_until = CASE WHEN excluded.done_until > metric_rollup_marks.done_until THEN excluded.done_until ELSE metric_rollup_marks.done_until END`,
      [Math.floor(resolution), toSeconds(until)],
    );
  }

  fleetSteps(metricId: number, resolution: number, groupBy: MetricGroupBy, from: Date, to: Date): Promise<MetricFleetStep[]> {
    return readFleetSteps(this.s, METRIC_EPOCH, metricId, resolution, groupBy, from, to);
  }

  putFleetSteps(metricId: number, resolution: number, groupBy: MetricGroupBy, from: Date, to: Date, steps: readonly MetricFleetStep[]): Promise<void> {
    return writeFleetSteps(this.s, METRIC_EPOCH, metricId, resolution, groupBy, from, to, steps);
  }

  summarizedUntil(resolution: number): Promise<Date | null> {
    return readSummarizedUntil(this.s, METRIC_EPOCH, resolution);
  }

  setSummarizedUntil(resolution: number, until: Date): Promise<void> {
    return writeSummarizedUntil(this.s, METRIC_EPOCH, resolution, until);
  }

  async prune(resolution: number, before: Date, limit: number): Promise<number> {
    // Summaries are few (a row per bucket and group): they go with their tier's buckets, not counted.
    if (resolution > 0) await this.s.run("DELETE FROM metric_fleet_steps WHERE resolution = $1 AND bucket < $2", [Math.floor(resolution), toSeconds(before)]);
    const k = tier(resolution);
    const key = resolution === 0 ? "metric_id, t, series_id" : "series_id, resolution, bucket";
    let left = Math.max(0, Math.floor(limit));
    let n = 0;
    for (const m of await this.metricIds()) {
      if (left === 0) break;
      const done = await this.s.run(
        `DELETE FROM ${k.table} WHERE (${key}) IN (SELECT ${key} FROM ${k.table} x WHERE ${k.where}x.metric_id = $1 AND x.${k.t} < $2 LIMIT $3)`,
        [m, toSeconds(before), left],
      );
      n += done;
      left -= done;
    }
    return n;
  }
}
