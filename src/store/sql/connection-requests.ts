import type { ConnectionRequestAttemptRecord, ConnectionRequestCredentialRecord, ConnectionRequestRepo } from "../types.js";
import { limitClause } from "./limit.js";
import type { Scope } from "./scope.js";

const ATTEMPT_COLUMNS = "id, device_id, at, method, target, outcome, code, detail, duration_ms, task_id";

export class SqlConnectionRequestRepo implements ConnectionRequestRepo {
  constructor(private readonly s: Scope) {}

  async credentials(deviceId: string): Promise<ConnectionRequestCredentialRecord | null> {
    const rows = await this.s.all("SELECT device_id, username, password_sealed, updated_at FROM connreq_credentials WHERE device_id = $1", [deviceId]);
    const r = rows[0];
    if (!r) return null;
    return { deviceId: String(r.device_id), username: String(r.username), passwordSealed: String(r.password_sealed), updatedAt: this.s.dialect.readDate(r.updated_at) ?? new Date(NaN) };
  }

  async setCredentials(c: ConnectionRequestCredentialRecord): Promise<void> {
    await this.s.run(
      `INSERT INTO connreq_credentials (device_id, username, password_sealed, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (device_id) DO UPDATE SET username = excluded.username, password_sealed = excluded.password_sealed, updated_at = excluded.updated_at`,
      [c.deviceId, c.username, c.passwordSealed, this.s.dialect.date(c.updatedAt)],
    );
  }

  async deleteCredentials(deviceId: string): Promise<boolean> {
    return (await this.s.run("DELETE FROM connreq_credentials WHERE device_id = $1", [deviceId])) > 0;
  }

  async record(attempts: Omit<ConnectionRequestAttemptRecord, "id">[]): Promise<void> {
    if (attempts.length === 0) return;
    const src = this.s.dialect.rowSource(1, [
      { name: "device_id", type: "text" }, { name: "at", type: "date" }, { name: "method", type: "text" }, { name: "target", type: "text" },
      { name: "outcome", type: "text" }, { name: "code", type: "text" }, { name: "detail", type: "text" }, { name: "duration_ms", type: "int" },
      { name: "task_id", type: "text" },
    ], attempts.map((a) => [a.deviceId, a.at, a.method, a.target, a.outcome, a.code, a.detail, Math.round(a.durationMs), a.taskId]));
    await this.s.run(
      `INSERT INTO connreq_attempts (device_id, at, method, target, outcome, code, detail, duration_ms, task_id)
       SELECT r.device_id, r.at, r.method, r.target, r.outcome, r.code, r.detail, r.duration_ms, r.task_id FROM ${src.sql}`, src.params);
  }

  async attempts(deviceId: string, q: { limit?: number; offset?: number } = {}): Promise<ConnectionRequestAttemptRecord[]> {
    const d = this.s.dialect;
    const params: unknown[] = [deviceId];
    const limit = limitClause(params, q.limit, q.offset);
    const rows = await this.s.all(`SELECT ${ATTEMPT_COLUMNS} FROM connreq_attempts WHERE device_id = $1 ORDER BY id DESC${limit}`, params);
    return rows.map((r) => ({
      id: Number(r.id),
      deviceId: String(r.device_id),
      at: d.readDate(r.at) ?? new Date(NaN),
      method: String(r.method),
      target: String(r.target),
      outcome: String(r.outcome),
      code: String(r.code),
      detail: String(r.detail),
      durationMs: Number(r.duration_ms),
      taskId: r.task_id == null ? null : String(r.task_id),
    }));
  }

  prune(before: Date): Promise<number> {
    return this.s.run("DELETE FROM connreq_attempts WHERE at < $1", [this.s.dialect.date(before)]);
  }
}
