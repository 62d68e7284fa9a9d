import type { JsonValue, SessionRecord, SessionRepo, SessionWriteOptions } from "../types.js";
import type { Row } from "./driver.js";
import { limitClause } from "./limit.js";
import { SESSION_COLUMNS, toSession } from "./rows.js";
import { requiredRows, type Scope } from "./scope.js";

// Writes return the record without reading the state back: it is the state just written.
const WRITTEN_COLUMNS = "id, device_id, version, expires_at";

// The texts of every session's statements, made once: the drivers look each text up by its value
// (prepared statements), and a text built at each call is hashed anew each time.
const GET = `SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`;
const OF_DEVICE = `SELECT ${SESSION_COLUMNS} FROM sessions WHERE device_id = $1`;
const ACQUIRE = `INSERT INTO sessions (id, device_id, state, version, expires_at) VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, version = sessions.version + 1, expires_at = excluded.expires_at
       WHERE sessions.id = excluded.id
       RETURNING ${WRITTEN_COLUMNS}`;
const SAVE = `UPDATE sessions SET state = $3, version = version + 1, expires_at = $4 WHERE id = $1 AND version = $2 RETURNING ${WRITTEN_COLUMNS}`;

export class SqlSessionRepo implements SessionRepo {
  constructor(private readonly s: Scope) {}

  /**
   * A write's rows; as the transaction's last statement, one that must find the session fails the
   * transaction in the database when it does not (its COMMIT may be on its way) and gives no rows here.
   */
  private async written(sql: string, params: unknown[], options: SessionWriteOptions | undefined, required = true): Promise<Row[]> {
    if (options?.last !== true) return this.s.all(sql, params);
    return required ? requiredRows(this.s, sql, params, { last: true }) : this.s.all(sql, params, { last: true });
  }

  async get(id: string): Promise<SessionRecord | null> {
    const rows = await this.s.all(GET, [id]);
    return rows[0] ? toSession(this.s.dialect, rows[0]) : null;
  }

  async ofDevice(deviceId: string): Promise<SessionRecord | null> {
    const rows = await this.s.all(OF_DEVICE, [deviceId]);
    return rows[0] ? toSession(this.s.dialect, rows[0]) : null;
  }

  async acquire(deviceId: string, sessionId: string, state: JsonValue, expiresAt: Date, options?: SessionWriteOptions): Promise<SessionRecord | null> {
    const d = this.s.dialect;
    // The lock is the row itself: device_id is unique, so of several callers racing for a free device
    // one inserts and the others hit the conflict. The conflicting row is taken again only when it is
    // already ours; otherwise the WHERE filters the update away and nothing is returned. A lapsed session
    // is never taken over here: it must be settled and ended first (its RPC in flight counts as an
    // attempt), which end() with its version does exactly once. On PostgreSQL a racing INSERT ... ON
    // CONFLICT waits for the other transaction and then evaluates the WHERE on the row it committed; on
    // SQLite writers are serialized by the database lock. Taking the lock again starts from the given
    // state and bumps the version, so that saves prepared against an older lease are refused.
    const rows = await this.written(ACQUIRE, [sessionId, deviceId, d.json(state), d.date(expiresAt)], options);
    return rows[0] ? toSession(d, rows[0], state) : null;
  }

  async save(id: string, expectedVersion: number, state: JsonValue, expiresAt: Date, options?: SessionWriteOptions): Promise<SessionRecord | null> {
    const d = this.s.dialect;
    const rows = await this.written(SAVE, [id, expectedVersion, d.json(state), d.date(expiresAt)], options);
    return rows[0] ? toSession(d, rows[0], state) : null;
  }

  async end(id: string, expectedVersion?: number, options?: SessionWriteOptions): Promise<boolean> {
    if (options?.last === true) {
      const [sql, params] = expectedVersion === undefined ? ["DELETE FROM sessions WHERE id = $1 RETURNING id", [id]] : ["DELETE FROM sessions WHERE id = $1 AND version = $2 RETURNING id", [id, expectedVersion]];
      return (await this.written(sql, params, options, expectedVersion !== undefined)).length > 0;
    }
    if (expectedVersion === undefined) return (await this.s.run("DELETE FROM sessions WHERE id = $1", [id])) > 0;
    return (await this.s.run("DELETE FROM sessions WHERE id = $1 AND version = $2", [id, expectedVersion])) > 0;
  }

  async expired(now: Date, limit?: number): Promise<SessionRecord[]> {
    const d = this.s.dialect;
    const params: unknown[] = [d.date(now)];
    const lim = limitClause(params, limit, undefined);
    const rows = await this.s.all(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE expires_at <= $1 ORDER BY expires_at, id${lim}`, params);
    return rows.map((r) => toSession(d, r));
  }
}
