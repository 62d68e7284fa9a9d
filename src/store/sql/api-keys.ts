import type { ApiKeyRecord, ApiKeyRepo, ApiRole } from "../types.js";
import type { Dialect } from "./dialect.js";
import type { Row } from "./driver.js";
import type { Scope } from "./scope.js";

const COLUMNS = "id, name, role, key_hash, created_at, last_used_at, revoked_at, tenant";

function toApiKey(d: Dialect, r: Row): ApiKeyRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    role: String(r.role) as ApiRole,
    keyHash: String(r.key_hash),
    createdAt: d.readDate(r.created_at) ?? new Date(NaN),
    lastUsedAt: d.readDate(r.last_used_at),
    revokedAt: d.readDate(r.revoked_at),
    tenant: r.tenant == null ? null : String(r.tenant),
  };
}

export class SqlApiKeyRepo implements ApiKeyRepo {
  constructor(private readonly s: Scope) {}

  async create(k: Omit<ApiKeyRecord, "lastUsedAt" | "revokedAt" | "tenant"> & { tenant?: string | null }): Promise<boolean> {
    const n = await this.s.run(
      "INSERT INTO api_keys (id, name, role, key_hash, created_at, tenant) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
      [k.id, k.name, k.role, k.keyHash, this.s.dialect.date(k.createdAt), k.tenant ?? null],
    );
    return n > 0;
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return rows[0] ? toApiKey(this.s.dialect, rows[0]) : null;
  }

  async byHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [keyHash]);
    return rows[0] ? toApiKey(this.s.dialect, rows[0]) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
    return rows.map((r) => toApiKey(this.s.dialect, r));
  }

  async count(): Promise<number> {
    const rows = await this.s.all<{ n: unknown }>("SELECT COUNT(*) AS n FROM api_keys");
    return Number(rows[0]?.n ?? 0);
  }

  async revoke(id: string, at: Date): Promise<ApiKeyRecord | null> {
    const rows = await this.s.all(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`, [id, this.s.dialect.date(at)]);
    return rows[0] ? toApiKey(this.s.dialect, rows[0]) : null;
  }

  async countOfTenant(tenant: string): Promise<number> {
    const rows = await this.s.all<{ n: unknown }>("SELECT COUNT(*) AS n FROM api_keys WHERE tenant = $1 AND revoked_at IS NULL", [tenant]);
    return Number(rows[0]?.n ?? 0);
  }

  async touch(id: string, at: Date, staleBefore: Date): Promise<void> {
    const d = this.s.dialect;
    await this.s.run("UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
      [id, d.date(at), d.date(staleBefore)]);
  }
}
