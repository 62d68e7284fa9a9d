import type { TenantRecord, TenantRepo } from "../types.js";
import { Assignments } from "./assignments.js";
import type { Dialect } from "./dialect.js";
import type { Row } from "./driver.js";
import type { Scope } from "./scope.js";

const COLUMNS = "name, filter, description, created_at, updated_at";

function toTenant(d: Dialect, r: Row): TenantRecord {
  return {
    name: String(r.name),
    filter: String(r.filter),
    description: String(r.description),
    createdAt: d.readDate(r.created_at) ?? new Date(NaN),
    updatedAt: d.readDate(r.updated_at) ?? new Date(NaN),
  };
}

export class SqlTenantRepo implements TenantRepo {
  constructor(private readonly s: Scope) {}

  async create(t: TenantRecord): Promise<boolean> {
    const d = this.s.dialect;
    const n = await this.s.run(
      `INSERT INTO tenants (${COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING`,
      [t.name, t.filter, t.description, d.date(t.createdAt), d.date(t.updatedAt)],
    );
    return n > 0;
  }

  async get(name: string): Promise<TenantRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM tenants WHERE name = $1`, [name]);
    return rows[0] ? toTenant(this.s.dialect, rows[0]) : null;
  }

  async list(): Promise<TenantRecord[]> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM tenants ORDER BY name`);
    return rows.map((r) => toTenant(this.s.dialect, r));
  }

  async update(name: string, patch: Parameters<TenantRepo["update"]>[1]): Promise<TenantRecord | null> {
    const d = this.s.dialect;
    const a = new Assignments([name]);
    if (patch.filter !== undefined) a.set("filter", patch.filter);
    if (patch.description !== undefined) a.set("description", patch.description);
    if (patch.updatedAt !== undefined) a.set("updated_at", d.date(patch.updatedAt));
    if (a.empty) return this.get(name);
    const rows = await this.s.all(`UPDATE tenants SET ${a} WHERE name = $1 RETURNING ${COLUMNS}`, a.params);
    return rows[0] ? toTenant(d, rows[0]) : null;
  }

  async delete(name: string): Promise<boolean> {
    return (await this.s.run("DELETE FROM tenants WHERE name = $1", [name])) > 0;
  }
}
