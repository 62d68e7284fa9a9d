// Firmware campaigns and their per-device entries (migration 4).
import type {
  CampaignCounts, CampaignDeviceRecord, CampaignDeviceState, CampaignPatch, CampaignRecord, CampaignRepo, CampaignStatus, JsonValue, TaskFault, TaskStatus,
} from "../types.js";
import { Assignments } from "./assignments.js";
import type { Row } from "./driver.js";
import { limitClause } from "./limit.js";
import type { Scope } from "./scope.js";

const COLUMNS =
  "id, name, filter, file_id, status, pause_reason, settings, cursor, enumerated, batch, counts, claimed_by, claim_until, created_at, updated_at, completed_at, tenant";
const DEVICE_COLUMNS = "campaign_id, device_id, state, batch, task_id, attempts, fault, updated_at";

export const CAMPAIGN_DEVICE_STATES: readonly CampaignDeviceState[] = ["pending", "in_progress", "succeeded", "failed", "skipped", "cancelled"];

export function emptyCounts(): CampaignCounts {
  return { pending: 0, in_progress: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
}

function readCounts(v: JsonValue): CampaignCounts {
  const out = emptyCounts();
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    for (const s of CAMPAIGN_DEVICE_STATES) {
      const n = v[s];
      if (typeof n === "number") out[s] = n;
    }
  }
  return out;
}

function readFault(v: JsonValue): TaskFault | null {
  return v !== null && typeof v === "object" && !Array.isArray(v) && typeof v.code === "string" ? (v as unknown as TaskFault) : null;
}

export class SqlCampaignRepo implements CampaignRepo {
  constructor(private readonly s: Scope) {}

  private toCampaign(r: Row): CampaignRecord {
    const d = this.s.dialect;
    return {
      id: String(r.id),
      name: String(r.name),
      filter: String(r.filter),
      fileId: String(r.file_id),
      status: String(r.status) as CampaignStatus,
      pauseReason: r.pause_reason == null ? null : String(r.pause_reason),
      settings: d.readJson(r.settings),
      cursor: r.cursor == null ? null : String(r.cursor),
      enumerated: d.readBool(r.enumerated) ?? false,
      batch: Number(r.batch),
      counts: readCounts(d.readJson(r.counts)),
      claimedBy: r.claimed_by == null ? null : String(r.claimed_by),
      claimUntil: d.readDate(r.claim_until),
      createdAt: d.readDate(r.created_at) ?? new Date(NaN),
      updatedAt: d.readDate(r.updated_at) ?? new Date(NaN),
      completedAt: d.readDate(r.completed_at),
      tenant: r.tenant == null ? null : String(r.tenant),
    };
  }

  private toDevice(r: Row): CampaignDeviceRecord {
    const d = this.s.dialect;
    return {
      campaignId: String(r.campaign_id),
      deviceId: String(r.device_id),
      state: String(r.state) as CampaignDeviceState,
      batch: Number(r.batch),
      taskId: r.task_id == null ? null : String(r.task_id),
      attempts: Number(r.attempts),
      fault: readFault(d.readJson(r.fault)),
      updatedAt: d.readDate(r.updated_at) ?? new Date(NaN),
    };
  }

  async create(c: Omit<CampaignRecord, "tenant"> & { tenant?: string | null }): Promise<CampaignRecord> {
    const d = this.s.dialect;
    const rows = await this.s.all(
      `INSERT INTO campaigns (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING ${COLUMNS}`,
      [c.id, c.name, c.filter, c.fileId, c.status, c.pauseReason, d.json(c.settings), c.cursor, d.bool(c.enumerated), c.batch, d.json(c.counts as unknown as JsonValue),
        c.claimedBy, d.date(c.claimUntil), d.date(c.createdAt), d.date(c.updatedAt), d.date(c.completedAt), c.tenant ?? null],
    );
    return this.toCampaign(rows[0] ?? {});
  }

  async get(id: string): Promise<CampaignRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM campaigns WHERE id = $1`, [id]);
    return rows[0] ? this.toCampaign(rows[0]) : null;
  }

  async list(q: { status?: CampaignStatus[]; fileId?: string; tenant?: string; limit?: number; offset?: number } = {}): Promise<CampaignRecord[]> {
    const d = this.s.dialect;
    const conds: string[] = [];
    const params: unknown[] = [];
    if (q.status !== undefined) {
      params.push(d.textArray(q.status));
      conds.push(d.inTextArray("status", `$${params.length}`));
    }
    if (q.fileId !== undefined) {
      params.push(q.fileId);
      conds.push(`file_id = $${params.length}`);
    }
    if (q.tenant !== undefined) {
      params.push(q.tenant);
      conds.push(`tenant = $${params.length}`);
    }
    const where = conds.length > 0 ? `WHERE ${conds.join(" AND ")}` : "";
    const limit = limitClause(params, q.limit, q.offset);
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM campaigns ${where} ORDER BY created_at DESC, id${limit}`, params);
    return rows.map((r) => this.toCampaign(r));
  }

  async lock(id: string): Promise<CampaignRecord | null> {
    // An UPDATE that changes nothing still takes the row lock on PostgreSQL (held to the end of the
    // transaction), and is portable where SELECT ... FOR UPDATE is not.
    const rows = await this.s.all(`UPDATE campaigns SET status = status WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
    return rows[0] ? this.toCampaign(rows[0]) : null;
  }

  async claim(id: string, owner: string, now: Date, until: Date): Promise<CampaignRecord | null> {
    const d = this.s.dialect;
    const rows = await this.s.all(
      `UPDATE campaigns SET claimed_by = $2, claim_until = $4
       WHERE id = $1 AND (claimed_by IS NULL OR claimed_by = $2 OR claim_until IS NULL OR claim_until <= $3)
       RETURNING ${COLUMNS}`,
      [id, owner, d.date(now), d.date(until)],
    );
    return rows[0] ? this.toCampaign(rows[0]) : null;
  }

  release(owner: string): Promise<number> {
    return this.s.run("UPDATE campaigns SET claimed_by = NULL, claim_until = NULL WHERE claimed_by = $1", [owner]);
  }

  async update(id: string, patch: CampaignPatch): Promise<CampaignRecord | null> {
    const d = this.s.dialect;
    const a = new Assignments([id]);
    const set = (column: string, value: unknown) => a.set(column, value);
    if (patch.name !== undefined) set("name", patch.name);
    if (patch.status !== undefined) set("status", patch.status);
    if (patch.pauseReason !== undefined) set("pause_reason", patch.pauseReason);
    if (patch.settings !== undefined) set("settings", d.json(patch.settings));
    if (patch.cursor !== undefined) set("cursor", patch.cursor);
    if (patch.enumerated !== undefined) set("enumerated", d.bool(patch.enumerated));
    if (patch.batch !== undefined) set("batch", patch.batch);
    if (patch.counts !== undefined) set("counts", d.json(patch.counts as unknown as JsonValue));
    if (patch.claimedBy !== undefined) set("claimed_by", patch.claimedBy);
    if (patch.claimUntil !== undefined) set("claim_until", d.date(patch.claimUntil));
    if (patch.updatedAt !== undefined) set("updated_at", d.date(patch.updatedAt));
    if (patch.completedAt !== undefined) set("completed_at", d.date(patch.completedAt));
    if (a.empty) return this.get(id);
    const rows = await this.s.all(`UPDATE campaigns SET ${a} WHERE id = $1 RETURNING ${COLUMNS}`, a.params);
    return rows[0] ? this.toCampaign(rows[0]) : null;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.s.run("DELETE FROM campaigns WHERE id = $1", [id])) > 0;
  }

  async addDevices(campaignId: string, entries: { deviceId: string; state: CampaignDeviceState; batch: number; fault?: TaskFault | null }[], at: Date): Promise<number> {
    if (entries.length === 0) return 0;
    const d = this.s.dialect;
    const source = d.rowSource(3, [
      { name: "device_id", type: "text" },
      { name: "state", type: "text" },
      { name: "batch", type: "int" },
      { name: "fault", type: "json" },
    ], entries.map((e) => [e.deviceId, e.state, e.batch, e.fault ?? null]));
    return this.s.run(
      `INSERT INTO campaign_devices (campaign_id, device_id, state, batch, task_id, attempts, fault, updated_at)
       SELECT $1, r.device_id, r.state, r.batch, NULL, 0, r.fault, $2 FROM ${source.sql} WHERE true
       ON CONFLICT (campaign_id, device_id) DO NOTHING`,
      [campaignId, d.date(at), ...source.params],
    );
  }

  async getDevice(campaignId: string, deviceId: string): Promise<CampaignDeviceRecord | null> {
    const rows = await this.s.all(`SELECT ${DEVICE_COLUMNS} FROM campaign_devices WHERE campaign_id = $1 AND device_id = $2`, [campaignId, deviceId]);
    return rows[0] ? this.toDevice(rows[0]) : null;
  }

  async devices(campaignId: string, q: { state?: CampaignDeviceState[]; after?: string; limit?: number } = {}): Promise<CampaignDeviceRecord[]> {
    const d = this.s.dialect;
    const conds = ["campaign_id = $1"];
    const params: unknown[] = [campaignId];
    if (q.state !== undefined) {
      params.push(d.textArray(q.state));
      conds.push(d.inTextArray("state", `$${params.length}`));
    }
    if (q.after !== undefined) {
      params.push(q.after);
      conds.push(`device_id > $${params.length}`);
    }
    const limit = limitClause(params, q.limit, undefined);
    const rows = await this.s.all(`SELECT ${DEVICE_COLUMNS} FROM campaign_devices WHERE ${conds.join(" AND ")} ORDER BY device_id${limit}`, params);
    return rows.map((r) => this.toDevice(r));
  }

  async settled(campaignId: string, limit: number): Promise<{ deviceId: string; taskId: string | null; status: TaskStatus | null; lastFault: TaskFault | null; result: JsonValue }[]> {
    const d = this.s.dialect;
    const rows = await this.s.all(
      `SELECT cd.device_id, cd.task_id, t.status, t.last_fault, t.result
       FROM campaign_devices cd LEFT JOIN tasks t ON t.id = cd.task_id
       WHERE cd.campaign_id = $1 AND cd.state = 'in_progress'
         AND (t.id IS NULL OR t.status IN ('done', 'failed', 'cancelled', 'expired'))
       ORDER BY cd.device_id LIMIT $2`,
      [campaignId, Math.max(0, Math.floor(limit))],
    );
    return rows.map((r) => ({
      deviceId: String(r.device_id),
      taskId: r.task_id == null ? null : String(r.task_id),
      status: r.status == null ? null : (String(r.status) as TaskStatus),
      lastFault: readFault(r.last_fault == null ? null : d.readJson(r.last_fault)),
      result: r.result == null ? null : d.readJson(r.result),
    }));
  }

  async updateDevice(campaignId: string, deviceId: string, from: CampaignDeviceState[], patch: Partial<Pick<CampaignDeviceRecord, "state" | "taskId" | "attempts" | "fault">>, at: Date): Promise<boolean> {
    const d = this.s.dialect;
    const a = new Assignments([campaignId, deviceId, d.textArray(from), d.date(at)], ["updated_at = $4"]);
    const set = (column: string, value: unknown) => a.set(column, value);
    if (patch.state !== undefined) set("state", patch.state);
    if (patch.taskId !== undefined) set("task_id", patch.taskId);
    if (patch.attempts !== undefined) set("attempts", patch.attempts);
    if (patch.fault !== undefined) set("fault", patch.fault === null ? null : d.json(patch.fault as unknown as JsonValue));
    const n = await this.s.run(
      `UPDATE campaign_devices SET ${a} WHERE campaign_id = $1 AND device_id = $2 AND ${d.inTextArray("state", "$3")}`,
      a.params,
    );
    return n > 0;
  }

  async moveDevices(campaignId: string, from: CampaignDeviceState[], to: CampaignDeviceState, at: Date, fault: TaskFault | null = null): Promise<number> {
    const d = this.s.dialect;
    const clear = to === "pending" ? ", task_id = NULL" : "";
    return this.s.run(
      `UPDATE campaign_devices SET state = $3, fault = $4, updated_at = $5${clear} WHERE campaign_id = $1 AND ${d.inTextArray("state", "$2")}`,
      [campaignId, d.textArray(from), to, fault === null ? null : d.json(fault as unknown as JsonValue), d.date(at)],
    );
  }

  async countDevices(campaignId: string): Promise<CampaignCounts> {
    const rows = await this.s.all<{ state: unknown; n: unknown }>("SELECT state, COUNT(*) AS n FROM campaign_devices WHERE campaign_id = $1 GROUP BY state", [campaignId]);
    const out = emptyCounts();
    for (const r of rows) out[String(r.state) as CampaignDeviceState] = Number(r.n);
    return out;
  }
}
