import type { AuditEntry, AuditQuery, AuditRepo, NewAuditEntry } from "../types.js";
import type { Row } from "./driver.js";
import type { Scope } from "./scope.js";

const COLUMNS = "id, at, principal_kind, principal_id, principal_name, tenant, address, operation, action, target_type, target_id, outcome, summary, before, after";

export class SqlAuditRepo implements AuditRepo {
  constructor(private readonly s: Scope) {}

  private entry(r: Row): AuditEntry {
    const d = this.s.dialect;
    const before = d.readJson(r.before);
    const after = d.readJson(r.after);
    return {
      id: Number(r.id),
      at: d.readDate(r.at) ?? new Date(NaN),
      principal: { kind: String(r.principal_kind), id: String(r.principal_id), name: String(r.principal_name) },
      tenant: r.tenant == null ? null : String(r.tenant),
      address: r.address == null ? null : String(r.address),
      operation: String(r.operation),
      action: String(r.action),
      targetType: String(r.target_type),
      targetId: r.target_id == null ? null : String(r.target_id),
      outcome: Number(r.outcome),
      summary: String(r.summary),
      before,
      after,
    };
  }

  async record(e: NewAuditEntry): Promise<AuditEntry> {
    const d = this.s.dialect;
    // SQL NULL, not JSON null, when there is nothing: "not kept" reads back the same either way.
    const json = (v: NewAuditEntry["before"]) => (v === null ? null : d.json(v));
    const rows = await this.s.all(
      `INSERT INTO audit_log (at, principal_kind, principal_id, principal_name, tenant, address, operation, action, target_type, target_id, outcome, summary, before, after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${COLUMNS}`,
      [d.date(e.at), e.principal.kind, e.principal.id, e.principal.name, e.tenant, e.address, e.operation, e.action, e.targetType, e.targetId,
        e.outcome, e.summary, json(e.before), json(e.after)],
    );
    return this.entry(rows[0]!);
  }

  async list(q: AuditQuery = {}): Promise<AuditEntry[]> {
    const d = this.s.dialect;
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (cond: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(cond(`$${params.length}`));
    };
    if (q.principal !== undefined) add((p) => `principal_id = ${p}`, q.principal);
    if (q.action !== undefined) add((p) => `action = ${p}`, q.action);
    if (q.targetType !== undefined) add((p) => `target_type = ${p}`, q.targetType);
    if (q.targetId !== undefined) add((p) => `target_id = ${p}`, q.targetId);
    if (q.since !== undefined) add((p) => `at >= ${p}`, d.date(q.since));
    if (q.until !== undefined) add((p) => `at < ${p}`, d.date(q.until));
    if (q.beforeId !== undefined) add((p) => `id < ${p}`, q.beforeId);
    params.push(Math.max(0, Math.floor(q.limit ?? 100)));
    const rows = await this.s.all(
      `SELECT ${COLUMNS} FROM audit_log${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT $${params.length}`, params);
    return rows.map((r) => this.entry(r));
  }

  prune(before: Date, limit: number): Promise<number> {
    return this.s.run(
      "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 ORDER BY at, id LIMIT $2)",
      [this.s.dialect.date(before), Math.max(0, Math.floor(limit))],
    );
  }
}
