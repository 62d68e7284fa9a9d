import type { CpeCredential, CredentialRepo, JsonValue, SettingsRepo } from "../types.js";
import { CREDENTIAL_COLUMNS, CREDENTIALS_SOURCE_SQL, toCredential } from "./rows.js";
import type { Scope } from "./scope.js";

/**
 * Sets devices.credentials of `deviceIds` (nulls, the shared credentials, are passed over) from what
 * cpe_credentials holds now: 'own' when the device has any. Rows already right are not written.
 */
async function refreshSource(s: Scope, deviceIds: readonly unknown[]): Promise<void> {
  const ids = [...new Set(deviceIds.filter((id): id is string => typeof id === "string"))];
  for (const id of ids) {
    await s.run(
      `UPDATE devices SET credentials = ${CREDENTIALS_SOURCE_SQL} WHERE id = $1 AND credentials <> ${CREDENTIALS_SOURCE_SQL}`, [id]);
  }
}

export class SqlSettingsRepo implements SettingsRepo {
  constructor(private readonly s: Scope) {}

  async get(key: string): Promise<JsonValue | undefined> {
    const rows = await this.s.all<{ value: unknown }>("SELECT value FROM settings WHERE key = $1", [key]);
    return rows[0] ? this.s.dialect.readJson(rows[0].value) : undefined;
  }

  async set(key: string, value: JsonValue): Promise<void> {
    await this.s.run("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [key, this.s.dialect.json(value)]);
  }

  async setIfAbsent(key: string, value: JsonValue): Promise<JsonValue> {
    const d = this.s.dialect;
    // The unique key decides who was first; a loser reads the winner's value (on PostgreSQL its
    // INSERT waited for the winner to commit, so the value is there to read).
    const inserted = await this.s.all<{ value: unknown }>(
      "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING value", [key, d.json(value)]);
    if (inserted[0]) return d.readJson(inserted[0].value);
    const rows = await this.s.all<{ value: unknown }>("SELECT value FROM settings WHERE key = $1", [key]);
    return rows[0] ? d.readJson(rows[0].value) : value;
  }
}

export class SqlCredentialRepo implements CredentialRepo {
  constructor(private readonly s: Scope) {}

  async get(username: string): Promise<CpeCredential | null> {
    const rows = await this.s.all(`SELECT ${CREDENTIAL_COLUMNS} FROM cpe_credentials WHERE username = $1`, [username]);
    return rows[0] ? toCredential(this.s.dialect, rows[0]) : null;
  }

  async forLogin(username: string, deviceId: string): Promise<{ credential: CpeCredential; deviceHasOwn: boolean } | null> {
    const d = this.s.dialect;
    const rows = await this.s.all(
      `SELECT ${CREDENTIAL_COLUMNS}, EXISTS (SELECT 1 FROM cpe_credentials o WHERE o.device_id = $2) AS device_has_own FROM cpe_credentials WHERE username = $1`,
      [username, deviceId],
    );
    return rows[0] ? { credential: toCredential(d, rows[0]), deviceHasOwn: d.readBool(rows[0].device_has_own) === true } : null;
  }

  put(c: CpeCredential): Promise<void> {
    return this.s.atomic(async (s) => {
      // The username may move from one device to another (or to the shared ones): both are refreshed.
      const before = await s.all<{ device_id: unknown }>("SELECT device_id FROM cpe_credentials WHERE username = $1", [c.username]);
      await s.run(
        `INSERT INTO cpe_credentials (username, device_id, password_hash, digest_ha1, realm, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (username) DO UPDATE SET device_id = excluded.device_id, password_hash = excluded.password_hash,
           digest_ha1 = excluded.digest_ha1, realm = excluded.realm, created_at = excluded.created_at`,
        [c.username, c.deviceId, c.passwordHash, c.digestHa1, c.realm, s.dialect.date(c.createdAt)],
      );
      await refreshSource(s, [c.deviceId, ...before.map((r) => r.device_id)]);
    });
  }

  delete(username: string): Promise<boolean> {
    return this.s.atomic(async (s) => {
      const gone = await s.all<{ device_id: unknown }>("DELETE FROM cpe_credentials WHERE username = $1 RETURNING device_id", [username]);
      await refreshSource(s, gone.map((r) => r.device_id));
      return gone.length > 0;
    });
  }

  async forDevice(deviceId: string): Promise<CpeCredential[]> {
    const rows = await this.s.all(`SELECT ${CREDENTIAL_COLUMNS} FROM cpe_credentials WHERE device_id = $1 ORDER BY username`, [deviceId]);
    return rows.map((r) => toCredential(this.s.dialect, r));
  }
}
