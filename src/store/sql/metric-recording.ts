// The one read that recording a device's values needs (src/server/metric-recorder.ts): the metrics
// revision (are the recorder's definitions current?), the device's record (filters, boots) and its series
// of the metrics concerned with their counters' last readings. Over a network each statement is a round
// trip; this one and the write after it are what a recording costs beside its transaction.
import type { DeviceRecord, MetricSeriesRecord } from "../types.js";
import type { Row } from "./driver.js";
import { deviceColumns, toDevice } from "./rows.js";
import type { Scope } from "./scope.js";

export function toSeries(deviceId: string, r: Row, fromSeconds: (t: unknown) => Date): MetricSeriesRecord {
  return {
    id: Number(r.series_id),
    deviceId,
    metricId: Number(r.metric_id),
    last: r.last_at == null ? null : { at: fromSeconds(r.last_at), value: String(r.last_value), uptime: r.last_uptime == null ? null : Number(r.last_uptime) },
  };
}

export async function readRecordingContext(s: Scope, revisionKey: string, deviceId: string, metricIds: readonly number[], fromSeconds: (t: unknown) => Date) {
  const d = s.dialect;
  // In process, three plain statements cost less than the one that joins them (no round trips to save).
  if (d.capabilities.inProcess) {
    const [revision] = await s.all("SELECT value FROM settings WHERE key = $1", [revisionKey]);
    const [device] = await s.all(`SELECT ${deviceColumns(d, "dv")} FROM devices dv WHERE dv.id = $1`, [deviceId]);
    const series = await s.all(
      `SELECT id AS series_id, metric_id, last_at, last_value, last_uptime FROM metric_series WHERE device_id = $1 AND ${d.inArray("metric_id", "$2", "bigint")}`,
      [deviceId, d.array(metricIds, "bigint")],
    );
    return {
      revision: revision === undefined ? 0 : Number(d.readJson(revision.value)),
      device: device === undefined ? null : toDevice(d, device),
      series: series.map((r) => toSeries(deviceId, r, fromSeconds)),
    };
  }
  // One row even without the revision, the device or any series. OFFSET 0 keeps the device's row a
  // subquery of its own, so that its tags are read once, not once per series.
  const rows = await s.all(
    `SELECT c.*, x.id AS series_id, x.metric_id, x.last_at, x.last_value, x.last_uptime
     FROM (SELECT v.value AS revision, ${deviceColumns(d, "dv")} FROM (SELECT $3 AS k) o LEFT JOIN settings v ON v.key = o.k
       LEFT JOIN devices dv ON dv.id = $1 LIMIT 1 OFFSET 0) c
     LEFT JOIN metric_series x ON x.device_id = $1 AND ${d.inArray("x.metric_id", "$2", "bigint")}`,
    [deviceId, d.array(metricIds, "bigint"), revisionKey],
  );
  const first = rows[0];
  const device: DeviceRecord | null = first?.id == null ? null : toDevice(d, first);
  return {
    revision: first?.revision == null ? 0 : Number(d.readJson(first.revision)),
    device,
    series: rows.filter((r) => r.series_id != null).map((r) => toSeries(deviceId, r, fromSeconds)),
  };
}
