// Diagnostic runs and their typed results (migration 15).
import type { DiagnosticFleetRecord, DiagnosticListQuery, DiagnosticRecord, DiagnosticRepo, DiagnosticStatus, JsonValue, NewDiagnostic, TaskFault } from "../types.js";
import { Assignments } from "./assignments.js";
import type { Dialect } from "./dialect.js";
import type { Row } from "./driver.js";
import { limitClause } from "./limit.js";
import type { Scope } from "./scope.js";

const COLUMNS = "id, device_id, kind, args, status, state, results, fault, fleet_id, created_at, requested_at, completed_at, expires_at";

function toDiagnostic(d: Dialect, r: Row): DiagnosticRecord {
  const fault = d.readJson(r.fault);
  return {
    id: String(r.id),
    deviceId: String(r.device_id),
    kind: String(r.kind),
    args: d.readJson(r.args),
    status: String(r.status) as DiagnosticStatus,
    state: r.state == null ? null : String(r.state),
    results: d.readJson(r.results),
    fault: fault === null ? null : (fault as unknown as TaskFault),
    fleetId: r.fleet_id == null ? null : String(r.fleet_id),
    createdAt: d.readDate(r.created_at)!,
    requestedAt: d.readDate(r.requested_at),
    completedAt: d.readDate(r.completed_at),
    expiresAt: d.readDate(r.expires_at)!,
  };
}

type Patch = Parameters<DiagnosticRepo["update"]>[1];

const FLEET_COLUMNS = "id, kind, args, filter, batch_size, timeout, connection_request, cursor, started, batches, status, created_at, updated_at, tenant";

function toFleet(d: Dialect, r: Row): DiagnosticFleetRecord {
  return {
    id: String(r.id),
    kind: String(r.kind),
    args: d.readJson(r.args),
    filter: String(r.filter),
    batchSize: Number(r.batch_size),
    timeout: Number(r.timeout),
    connectionRequest: d.readBool(r.connection_request) ?? false,
    cursor: r.cursor == null ? null : String(r.cursor),
    started: Number(r.started),
    batches: Number(r.batches),
    status: String(r.status) as DiagnosticFleetRecord["status"],
    createdAt: d.readDate(r.created_at)!,
    updatedAt: d.readDate(r.updated_at)!,
    tenant: r.tenant == null ? null : String(r.tenant),
  };
}

export class SqlDiagnosticRepo implements DiagnosticRepo {
  constructor(private readonly s: Scope) {}

  async create(n: NewDiagnostic, at: Date): Promise<DiagnosticRecord> {
    const d = this.s.dialect;
    const rows = await this.s.all(
      `INSERT INTO diagnostics (id, device_id, kind, args, status, state, results, fault, fleet_id, created_at, requested_at, completed_at, expires_at)
       VALUES ($1, $2, $3, $4, 'pending', NULL, $5, NULL, $6, $7, NULL, NULL, $8) RETURNING ${COLUMNS}`,
      [n.id, n.deviceId, n.kind, d.json(n.args), d.json(null), n.fleetId ?? null, d.date(at), d.date(n.expiresAt)],
    );
    return toDiagnostic(d, rows[0] ?? {});
  }

  async get(id: string): Promise<DiagnosticRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM diagnostics WHERE id = $1`, [id]);
    return rows[0] ? toDiagnostic(this.s.dialect, rows[0]) : null;
  }

  async list(q: DiagnosticListQuery = {}): Promise<DiagnosticRecord[]> {
    const d = this.s.dialect;
    const conds: string[] = [];
    const params: unknown[] = [];
    const eq = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      conds.push(`${column} = $${params.length}`);
    };
    eq("device_id", q.deviceId);
    eq("kind", q.kind);
    eq("fleet_id", q.fleetId);
    if (q.status !== undefined) {
      params.push(d.textArray(q.status));
      conds.push(d.inTextArray("status", `$${params.length}`));
    }
    const where = conds.length > 0 ? `WHERE ${conds.join(" AND ")}` : "";
    const limit = limitClause(params, q.limit, q.offset);
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM diagnostics ${where} ORDER BY created_at DESC, id DESC${limit}`, params);
    return rows.map((r) => toDiagnostic(d, r));
  }

  async update(id: string, patch: Patch): Promise<DiagnosticRecord | null> {
    const d = this.s.dialect;
    const a = new Assignments([id]);
    if (patch.status !== undefined) a.set("status", patch.status);
    if (patch.state !== undefined) a.set("state", patch.state);
    if (patch.results !== undefined) a.set("results", d.json(patch.results));
    if (patch.fault !== undefined) a.set("fault", patch.fault === null ? null : d.json(patch.fault as unknown as JsonValue));
    if (patch.requestedAt !== undefined) a.set("requested_at", d.date(patch.requestedAt));
    if (patch.completedAt !== undefined) a.set("completed_at", d.date(patch.completedAt));
    if (a.empty) return this.get(id);
    const rows = await this.s.all(`UPDATE diagnostics SET ${a} WHERE id = $1 RETURNING ${COLUMNS}`, a.params);
    return rows[0] ? toDiagnostic(d, rows[0]) : null;
  }

  async overdue(now: Date, limit: number): Promise<DiagnosticRecord[]> {
    const d = this.s.dialect;
    const rows = await this.s.all(
      `SELECT ${COLUMNS} FROM diagnostics WHERE status IN ('pending', 'requested') AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2`,
      [d.date(now), limit],
    );
    return rows.map((r) => toDiagnostic(d, r));
  }

  prune(before: Date): Promise<number> {
    return this.s.run("DELETE FROM diagnostics WHERE completed_at IS NOT NULL AND completed_at < $1", [this.s.dialect.date(before)]);
  }

  async createFleet(f: Omit<DiagnosticFleetRecord, "tenant"> & { tenant?: string | null }): Promise<void> {
    const d = this.s.dialect;
    await this.s.run(
      `INSERT INTO diagnostic_fleets (${FLEET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [f.id, f.kind, d.json(f.args), f.filter, f.batchSize, f.timeout, d.bool(f.connectionRequest), f.cursor, f.started, f.batches, f.status, d.date(f.createdAt), d.date(f.updatedAt), f.tenant ?? null],
    );
  }

  async getFleet(id: string): Promise<DiagnosticFleetRecord | null> {
    const rows = await this.s.all(`SELECT ${FLEET_COLUMNS} FROM diagnostic_fleets WHERE id = $1`, [id]);
    return rows[0] ? toFleet(this.s.dialect, rows[0]) : null;
  }

  async runningFleets(limit: number): Promise<DiagnosticFleetRecord[]> {
    const rows = await this.s.all(`SELECT ${FLEET_COLUMNS} FROM diagnostic_fleets WHERE status = 'running' ORDER BY created_at, id LIMIT $1`, [limit]);
    return rows.map((r) => toFleet(this.s.dialect, r));
  }

  async advanceFleet(id: string, from: string | null, patch: Pick<DiagnosticFleetRecord, "cursor" | "started" | "batches" | "status">, at: Date): Promise<boolean> {
    // The cursor is compared in the statement itself: of processes racing for one batch, one moves it.
    // (Device ids are never empty, so '' stands for no cursor.)
    const n = await this.s.run(
      `UPDATE diagnostic_fleets SET cursor = $3, started = $4, batches = $5, status = $6, updated_at = $7
       WHERE id = $1 AND status = 'running' AND COALESCE(cursor, '') = COALESCE($2, '')`,
      [id, from, patch.cursor, patch.started, patch.batches, patch.status, this.s.dialect.date(at)],
    );
    return n > 0;
  }
}
