import type { JsonValue, ProvisioningDocument, ProvisioningKind, ProvisioningRepo, ProvisioningVersion } from "../types.js";
import type { Row } from "./driver.js";
import { bumpRevision, readRevision } from "./revision.js";
import type { Scope } from "./scope.js";

const TABLE: Record<ProvisioningKind, string> = { preset: "presets", provision: "provisions" };
const REVISION = "provisioning.revision";

export class SqlProvisioningRepo implements ProvisioningRepo {
  constructor(private readonly s: Scope) {}

  private toDoc(r: Row): ProvisioningDocument {
    const d = this.s.dialect;
    return { name: String(r.name), doc: d.readJson(r.doc), version: Number(r.version), updatedAt: d.readDate(r.updated_at) ?? new Date(NaN) };
  }

  async list(kind: ProvisioningKind): Promise<ProvisioningDocument[]> {
    const rows = await this.s.all(`SELECT name, doc, version, updated_at FROM ${TABLE[kind]} ORDER BY name`);
    return rows.map((r) => this.toDoc(r));
  }

  async get(kind: ProvisioningKind, name: string): Promise<ProvisioningDocument | null> {
    const rows = await this.s.all(`SELECT name, doc, version, updated_at FROM ${TABLE[kind]} WHERE name = $1`, [name]);
    return rows[0] ? this.toDoc(rows[0]) : null;
  }

  put(kind: ProvisioningKind, name: string, doc: JsonValue, at: Date, expectedVersion?: number, by: string | null = null): Promise<ProvisioningDocument | null> {
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      const current = await s.all<{ version: unknown }>(`SELECT version FROM ${TABLE[kind]} WHERE name = $1`, [name]);
      const version = current[0] ? Number(current[0].version) : 0;
      if (expectedVersion !== undefined && expectedVersion !== version) return null;
      // History versions go on past deletions, so a name re-created later never reuses a version.
      const last = await s.all<{ v: unknown }>("SELECT MAX(version) AS v FROM provisioning_history WHERE kind = $1 AND name = $2", [kind, name]);
      const next = Math.max(version, Number(last[0]?.v ?? 0)) + 1;
      await s.run(
        `INSERT INTO ${TABLE[kind]} (name, doc, version, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET doc = excluded.doc, version = excluded.version, updated_at = excluded.updated_at`,
        [name, d.json(doc), next, d.date(at)],
      );
      await s.run("INSERT INTO provisioning_history (kind, name, version, doc, at, by_name) VALUES ($1, $2, $3, $4, $5, $6)", [kind, name, next, d.json(doc), d.date(at), by]);
      await bumpRevision(s, REVISION);
      return { name, doc, version: next, updatedAt: at };
    });
  }

  delete(kind: ProvisioningKind, name: string, at: Date, by: string | null = null): Promise<boolean> {
    return this.s.atomic(async (s) => {
      const rows = await s.all<{ version: unknown }>(`DELETE FROM ${TABLE[kind]} WHERE name = $1 RETURNING version`, [name]);
      if (rows.length === 0) return false;
      await s.run("INSERT INTO provisioning_history (kind, name, version, doc, at, by_name) VALUES ($1, $2, $3, NULL, $4, $5)", [kind, name, Number(rows[0]!.version) + 1, s.dialect.date(at), by]);
      await bumpRevision(s, REVISION);
      return true;
    });
  }

  async history(kind: ProvisioningKind, name: string): Promise<ProvisioningVersion[]> {
    const rows = await this.s.all("SELECT version, doc, at, by_name FROM provisioning_history WHERE kind = $1 AND name = $2 ORDER BY version DESC", [kind, name]);
    return rows.map((r) => this.toVersion(r));
  }

  async version(kind: ProvisioningKind, name: string, version: number): Promise<ProvisioningVersion | null> {
    const rows = await this.s.all("SELECT version, doc, at, by_name FROM provisioning_history WHERE kind = $1 AND name = $2 AND version = $3", [kind, name, version]);
    return rows[0] ? this.toVersion(rows[0]) : null;
  }

  private toVersion(r: Row): ProvisioningVersion {
    const d = this.s.dialect;
    return { version: Number(r.version), doc: r.doc === null ? null : d.readJson(r.doc), at: d.readDate(r.at) ?? new Date(NaN), by: r.by_name === null || r.by_name === undefined ? null : String(r.by_name) };
  }

  revision(): Promise<number> {
    return readRevision(this.s, REVISION);
  }
}
