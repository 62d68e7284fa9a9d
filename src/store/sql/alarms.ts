// Alarm rules, alarms and their transitions (migrations 19 and 21), and the notifications devices refused.
import { randomUUID } from "node:crypto";
import { SOFTWARE_VERSION_PATHS } from "../../model/well-known.js";
import type { DeviceScope, FleetGroupBy, AlarmHistoryEntry, AlarmListQuery, AlarmRecord, AlarmRepo, AlarmRuleRecord, AlarmSeverity, AlarmState, AlarmTransition, JsonValue, NewAlarm } from "../types.js";
import { Assignments } from "./assignments.js";
import { deviceScopeCondition } from "./device-scope.js";
import type { Dialect } from "./dialect.js";
import type { Row } from "./driver.js";
import { limitClause } from "./limit.js";
import type { Scope } from "./scope.js";

const REVISION = "alarms.revision";
const RANK: Readonly<Record<AlarmSeverity, number>> = { critical: 4, major: 3, minor: 2, warning: 1 };

const RULE_COLUMNS = "id, name, description, enabled, severity, filter, condition, notification, created_at, updated_at";
const COLUMNS = "id, device_id, source, rule_id, dedupe_key, severity, state, text, detail, raised_at, cleared_at, last_changed_at, count, acknowledged_by, acknowledged_at";

function toRule(d: Dialect, r: Row): AlarmRuleRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    description: String(r.description),
    enabled: d.readBool(r.enabled) ?? false,
    severity: String(r.severity) as AlarmSeverity,
    filter: String(r.filter),
    condition: d.readJson(r.condition),
    notification: String(r.notification) as AlarmRuleRecord["notification"],
    createdAt: d.readDate(r.created_at)!,
    updatedAt: d.readDate(r.updated_at)!,
  };
}

function toAlarm(d: Dialect, r: Row): AlarmRecord {
  const text = (v: unknown) => (v == null ? null : String(v));
  return {
    id: String(r.id),
    deviceId: text(r.device_id),
    source: String(r.source),
    ruleId: text(r.rule_id),
    dedupeKey: String(r.dedupe_key),
    severity: String(r.severity) as AlarmSeverity,
    state: String(r.state) as AlarmState,
    text: String(r.text),
    detail: d.readJson(r.detail),
    raisedAt: d.readDate(r.raised_at)!,
    clearedAt: d.readDate(r.cleared_at),
    lastChangedAt: d.readDate(r.last_changed_at)!,
    count: Number(r.count),
    acknowledgedBy: text(r.acknowledged_by),
    acknowledgedAt: d.readDate(r.acknowledged_at),
  };
}

export class SqlAlarmRepo implements AlarmRepo {
  constructor(private readonly s: Scope) {}

  async createRule(r: AlarmRuleRecord): Promise<boolean> {
    const d = this.s.dialect;
    return this.s.atomic(async (s) => {
      const n = await s.run(
        `INSERT INTO alarm_rules (${RULE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (name) DO NOTHING`,
        [r.id, r.name, r.description, d.bool(r.enabled), r.severity, r.filter, d.json(r.condition), r.notification, d.date(r.createdAt), d.date(r.updatedAt)],
      );
      if (n > 0) await this.bump(s);
      return n > 0;
    });
  }

  async getRule(id: string): Promise<AlarmRuleRecord | null> {
    const rows = await this.s.all(`SELECT ${RULE_COLUMNS} FROM alarm_rules WHERE id = $1`, [id]);
    return rows[0] ? toRule(this.s.dialect, rows[0]) : null;
  }

  async listRules(): Promise<AlarmRuleRecord[]> {
    const rows = await this.s.all(`SELECT ${RULE_COLUMNS} FROM alarm_rules ORDER BY name`);
    return rows.map((r) => toRule(this.s.dialect, r));
  }

  async updateRule(id: string, patch: Partial<Omit<AlarmRuleRecord, "id" | "createdAt">>): Promise<AlarmRuleRecord | null> {
    const d = this.s.dialect;
    const a = new Assignments([id]);
    if (patch.name !== undefined) a.set("name", patch.name);
    if (patch.description !== undefined) a.set("description", patch.description);
    if (patch.enabled !== undefined) a.set("enabled", d.bool(patch.enabled));
    if (patch.severity !== undefined) a.set("severity", patch.severity);
    if (patch.filter !== undefined) a.set("filter", patch.filter);
    if (patch.condition !== undefined) a.set("condition", d.json(patch.condition));
    if (patch.notification !== undefined) a.set("notification", patch.notification);
    if (patch.updatedAt !== undefined) a.set("updated_at", d.date(patch.updatedAt));
    if (a.empty) return this.getRule(id);
    return this.s.atomic(async (s) => {
      const rows = await s.all(`UPDATE alarm_rules SET ${a} WHERE id = $1 RETURNING ${RULE_COLUMNS}`, a.params);
      if (rows[0] === undefined) return null;
      await this.bump(s);
      return toRule(d, rows[0]);
    });
  }

  deleteRule(id: string): Promise<boolean> {
    return this.s.atomic(async (s) => {
      const n = await s.run("DELETE FROM alarm_rules WHERE id = $1", [id]);
      if (n > 0) await this.bump(s);
      return n > 0;
    });
  }

  async revision(): Promise<string> {
    const rows = await this.s.all<{ value: unknown }>("SELECT value FROM settings WHERE key = $1", [REVISION]);
    return rows[0] ? String(this.s.dialect.readJson(rows[0].value)) : "";
  }

  private async bump(s: Scope): Promise<void> {
    // A new random token rather than a count: one statement whatever was there, so two processes
    // changing rules at once cannot both write the same next value.
    await s.run("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [REVISION, s.dialect.json(randomUUID())]);
  }

  async open(deviceId: string | null, source: string, dedupeKey: string): Promise<AlarmRecord | null> {
    const rows = await this.s.all(
      `SELECT ${COLUMNS} FROM alarms WHERE COALESCE(device_id, '') = $1 AND source = $2 AND dedupe_key = $3 AND state <> 'cleared'`,
      [deviceId ?? "", source, dedupeKey],
    );
    return rows[0] ? toAlarm(this.s.dialect, rows[0]) : null;
  }

  async openFor(deviceId: string): Promise<AlarmRecord[]> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM alarms WHERE device_id = $1 AND state <> 'cleared' ORDER BY raised_at, id`, [deviceId]);
    return rows.map((r) => toAlarm(this.s.dialect, r));
  }

  async insert(n: NewAlarm, at: Date): Promise<AlarmRecord> {
    const d = this.s.dialect;
    return this.s.atomic(async (s) => {
      const rows = await s.all(
        `INSERT INTO alarms (${COLUMNS}, severity_rank) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $10, 1, NULL, NULL, $11) RETURNING ${COLUMNS}`,
        [randomUUID(), n.deviceId, n.source, n.ruleId, n.dedupeKey, n.severity, n.state, n.text, d.json(n.detail), d.date(at), RANK[n.severity]],
      );
      const alarm = toAlarm(d, rows[0] ?? {});
      await this.record(s, alarm.id, at, n.state === "pending" ? "pending" : "raised", n.severity, null);
      return alarm;
    });
  }

  async transition(id: string, transition: "raised" | "repeated" | "cleared", at: Date, patch: { severity?: AlarmSeverity; text?: string; detail?: JsonValue; reason?: string } = {}): Promise<AlarmRecord | null> {
    const d = this.s.dialect;
    // count goes up in the statement (not from a value read before), so two processes both count.
    const a = new Assignments([id, d.date(at)], ["last_changed_at = $2", ...(transition === "repeated" ? ["count = count + 1"] : [])]);
    if (transition === "raised") {
      a.set("state", "active");
      a.set("raised_at", d.date(at));
    } else if (transition === "cleared") {
      a.set("state", "cleared");
      a.set("cleared_at", d.date(at));
    }
    if (patch.severity !== undefined) {
      a.set("severity", patch.severity);
      a.set("severity_rank", RANK[patch.severity]);
    }
    if (patch.text !== undefined) a.set("text", patch.text);
    if (patch.detail !== undefined) a.set("detail", d.json(patch.detail));
    const from = transition === "raised" ? "state = 'pending'" : transition === "repeated" ? "state = 'active'" : "state <> 'cleared'";
    return this.s.atomic(async (s) => {
      const rows = await s.all(`UPDATE alarms SET ${a} WHERE id = $1 AND ${from} RETURNING ${COLUMNS}`, a.params);
      if (rows[0] === undefined) return null;
      const alarm = toAlarm(d, rows[0]);
      await this.record(s, id, at, transition, alarm.severity, null, patch.reason ?? null);
      return alarm;
    });
  }

  async drop(id: string): Promise<boolean> {
    return (await this.s.run("DELETE FROM alarms WHERE id = $1 AND state = 'pending'", [id])) > 0;
  }

  async acknowledge(id: string, ack: boolean, by: string, at: Date): Promise<AlarmRecord | null> {
    const d = this.s.dialect;
    return this.s.atomic(async (s) => {
      const rows = ack
        ? await s.all(
            `UPDATE alarms SET acknowledged_by = COALESCE(acknowledged_by, $2), acknowledged_at = COALESCE(acknowledged_at, $3) WHERE id = $1 AND state <> 'pending' RETURNING ${COLUMNS}`,
            [id, by, d.date(at)],
          )
        : await s.all(`UPDATE alarms SET acknowledged_by = NULL, acknowledged_at = NULL WHERE id = $1 AND state <> 'pending' RETURNING ${COLUMNS}`, [id]);
      if (rows[0] === undefined) return null;
      const alarm = toAlarm(d, rows[0]);
      await this.record(s, id, at, ack ? "acknowledged" : "unacknowledged", alarm.severity, by);
      return alarm;
    });
  }

  private async record(s: Scope, alarmId: string, at: Date, transition: AlarmTransition, severity: AlarmSeverity, by: string | null, reason: string | null = null): Promise<void> {
    await s.run("INSERT INTO alarm_history (alarm_id, at, transition, severity, by_name, reason) VALUES ($1, $2, $3, $4, $5, $6)", [alarmId, s.dialect.date(at), transition, severity, by, reason]);
  }

  async get(id: string): Promise<AlarmRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM alarms WHERE id = $1`, [id]);
    return rows[0] ? toAlarm(this.s.dialect, rows[0]) : null;
  }

  private where(q: AlarmListQuery, params: unknown[]): string {
    const d = this.s.dialect;
    const conds: string[] = [];
    const cond = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      conds.push(sql(`$${params.length}`));
    };
    if (q.deviceId !== undefined) cond((p) => `device_id = ${p}`, q.deviceId);
    if (q.ruleId !== undefined) cond((p) => `rule_id = ${p}`, q.ruleId);
    if (q.source !== undefined) cond((p) => `source = ${p}`, q.source);
    if (q.state !== undefined) cond((p) => d.inTextArray("state", p), d.textArray(q.state));
    if (q.minSeverity !== undefined) cond((p) => `severity_rank >= ${p}`, RANK[q.minSeverity]);
    if (q.since !== undefined) cond((p) => `raised_at >= ${p}`, d.date(q.since));
    if (q.until !== undefined) cond((p) => `raised_at < ${p}`, d.date(q.until));
    if (q.devices !== undefined) conds.push(deviceScopeCondition("device_id", q.devices, d, params));
    return conds.length > 0 ? `WHERE ${conds.join(" AND ")}` : "";
  }

  async list(q: AlarmListQuery = {}): Promise<AlarmRecord[]> {
    const params: unknown[] = [];
    const where = this.where(q, params);
    const limit = limitClause(params, q.limit, q.offset);
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM alarms ${where} ORDER BY raised_at DESC, id DESC${limit}`, params);
    return rows.map((r) => toAlarm(this.s.dialect, r));
  }

  async count(q: AlarmListQuery = {}): Promise<number> {
    const params: unknown[] = [];
    const rows = await this.s.all(`SELECT COUNT(*) AS n FROM alarms ${this.where(q, params)}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  async history(alarmId: string): Promise<AlarmHistoryEntry[]> {
    const d = this.s.dialect;
    const rows = await this.s.all("SELECT at, transition, severity, by_name, reason FROM alarm_history WHERE alarm_id = $1 ORDER BY seq", [alarmId]);
    const text = (v: unknown) => (v == null ? null : String(v));
    return rows.map((r) => ({ at: d.readDate(r.at)!, transition: String(r.transition) as AlarmTransition, severity: String(r.severity) as AlarmSeverity, by: text(r.by_name), reason: text(r.reason) }));
  }

  async pendingSince(before: Date, limit: number): Promise<AlarmRecord[]> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM alarms WHERE state = 'pending' AND last_changed_at <= $1 ORDER BY last_changed_at, id LIMIT $2`, [this.s.dialect.date(before), limit]);
    return rows.map((r) => toAlarm(this.s.dialect, r));
  }

  async rulesGone(limit: number): Promise<{ alarm: AlarmRecord; rule: "deleted" | "disabled" }[]> {
    const columns = COLUMNS.split(", ").map((c) => `a.${c}`).join(", ");
    const rows = await this.s.all(
      `SELECT ${columns}, r.id AS rule_found FROM alarms a LEFT JOIN alarm_rules r ON r.id = a.rule_id
       WHERE a.source = 'rule' AND a.rule_id IS NOT NULL AND a.state = 'active' AND (r.id IS NULL OR r.enabled = $1)
       ORDER BY a.raised_at, a.id LIMIT $2`,
      [this.s.dialect.bool(false), limit],
    );
    return rows.map((r) => ({ alarm: toAlarm(this.s.dialect, r), rule: r.rule_found == null ? "deleted" : "disabled" }));
  }

  async fleetShares(q: { devices?: DeviceScope; groupBy: FleetGroupBy; ruleId?: string; matching?: DeviceScope }): Promise<{ group: string; devices: number; alarmed: number }[]> {
    const d = this.s.dialect;
    const params: unknown[] = [];
    let hit: string;
    if (q.matching !== undefined) hit = deviceScopeCondition("d.id", q.matching, d, params);
    else {
      params.push(q.ruleId ?? "");
      hit = "EXISTS (SELECT 1 FROM alarms a WHERE a.device_id = d.id AND a.rule_id = $1 AND a.state = 'active')";
    }
    const group = q.groupBy === "productClass" ? "d.product_class"
      : q.groupBy === "tag" ? "t.tag"
      // The software versions are indexed (sql/indexed-paths.ts).
      : `COALESCE((SELECT p.value FROM param_index p JOIN param_paths pp ON pp.id = p.path_id
          WHERE p.device_id = d.id AND pp.path IN (${SOFTWARE_VERSION_PATHS.map((v) => `'${v}'`).join(", ")}) ORDER BY pp.path LIMIT 1), '')`;
    // By tag, a device is a row per tag (and no row without one).
    const from = q.groupBy === "tag" ? "devices d JOIN device_tags t ON t.device_id = d.id" : "devices d";
    const where = q.devices === undefined ? "" : `WHERE ${deviceScopeCondition("d.id", q.devices, d, params)}`;
    const rows = await this.s.all(
      `SELECT g.grp, COUNT(*) AS n, SUM(g.hit) AS k FROM (
         SELECT ${group} AS grp, CASE WHEN ${hit} THEN 1 ELSE 0 END AS hit
         FROM ${from} ${where}) g GROUP BY g.grp ORDER BY g.grp`,
      params,
    );

    return rows.map((r) => ({ group: String(r.grp ?? ""), devices: Number(r.n), alarmed: Number(r.k ?? 0) }));
  }

  async refuseNotification(deviceId: string, path: string, at: Date): Promise<void> {
    await this.s.run(
      "INSERT INTO notification_refusals (device_id, path, refused_at) VALUES ($1, $2, $3) ON CONFLICT (device_id, path) DO UPDATE SET refused_at = excluded.refused_at",
      [deviceId, path, this.s.dialect.date(at)],
    );
  }

  async notificationRefusals(deviceId: string, since: Date): Promise<string[]> {
    const rows = await this.s.all("SELECT path FROM notification_refusals WHERE device_id = $1 AND refused_at >= $2 ORDER BY path", [deviceId, this.s.dialect.date(since)]);
    return rows.map((r) => String(r.path));
  }

  prune(before: Date): Promise<number> {

    return this.s.run("DELETE FROM alarms WHERE state = 'cleared' AND cleared_at < $1", [this.s.dialect.date(before)]);
  }
}
