// Named device filters shared by the web console's users (migration 13).
import type { SavedFilterRecord, SavedFilterRepo } from "../types.js";
import type { Row } from "./driver.js";
import type { Scope } from "./scope.js";

const COLUMNS = "name, filter, description, created_by, created_at, updated_by, updated_at";

export class SqlSavedFilterRepo implements SavedFilterRepo {
  constructor(private readonly s: Scope) {}

  private toRecord(r: Row): SavedFilterRecord {
    const d = this.s.dialect;
    const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
    return {
      name: String(r.name),
      filter: String(r.filter),
      description: String(r.description),
      createdBy: text(r.created_by),
      createdAt: d.readDate(r.created_at) ?? new Date(NaN),
      updatedBy: text(r.updated_by),
      updatedAt: d.readDate(r.updated_at) ?? new Date(NaN),
    };
  }

  async list(): Promise<SavedFilterRecord[]> {
    return (await this.s.all(`SELECT ${COLUMNS} FROM saved_filters ORDER BY name`)).map((r) => this.toRecord(r));
  }

  async get(name: string): Promise<SavedFilterRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM saved_filters WHERE name = $1`, [name]);
    return rows[0] ? this.toRecord(rows[0]) : null;
  }

  async create(f: SavedFilterRecord): Promise<boolean> {
    const d = this.s.dialect;
    const n = await this.s.run(
      `INSERT INTO saved_filters (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING`,
      [f.name, f.filter, f.description, f.createdBy, d.date(f.createdAt), f.updatedBy, d.date(f.updatedAt)],
    );
    return n > 0;
  }

  async update(name: string, p: { filter: string; description: string; updatedBy: string | null; updatedAt: Date }): Promise<SavedFilterRecord | null> {
    const rows = await this.s.all(
      `UPDATE saved_filters SET filter = $2, description = $3, updated_by = $4, updated_at = $5 WHERE name = $1 RETURNING ${COLUMNS}`,
      [name, p.filter, p.description, p.updatedBy, this.s.dialect.date(p.updatedAt)],
    );
    return rows[0] ? this.toRecord(rows[0]) : null;
  }

  async delete(name: string): Promise<boolean> {
    return (await this.s.run("DELETE FROM saved_filters WHERE name = $1", [name])) > 0;
  }
}
