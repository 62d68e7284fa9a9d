import type { OwedWake, OwedWakeRepo } from "../types.js";
import type { Scope } from "./scope.js";

const COLUMNS = "task_id, device_id, claim, lease_until";

export class SqlOwedWakeRepo implements OwedWakeRepo {
  constructor(private readonly s: Scope) {}

  private read(r: Record<string, unknown>): OwedWake {
    return { taskId: String(r.task_id), deviceId: String(r.device_id), claim: String(r.claim), leaseUntil: this.s.dialect.readDate(r.lease_until)! };
  }

  async owe(targets: readonly { taskId: string; deviceId: string }[], claim: string, leaseUntil: Date, now: Date): Promise<void> {
    if (targets.length === 0) return;
    const d = this.s.dialect;
    const src = d.rowSource(4, [{ name: "task_id", type: "text" }, { name: "device_id", type: "text" }], targets.map((t) => [t.taskId, t.deviceId]));
    // "WHERE true": SQLite reads ON CONFLICT after a bare FROM as a join's ON.
    await this.s.run(
      `INSERT INTO owed_wakes (task_id, device_id, claim, lease_until, created_at)
       SELECT r.task_id, r.device_id, $1, $2, $3 FROM ${src.sql} WHERE true ON CONFLICT (task_id) DO NOTHING`,
      [claim, d.date(leaseUntil), d.date(now), ...src.params],
    );
  }

  async claimExpired(claim: string, now: Date, leaseUntil: Date, limit: number): Promise<OwedWake[]> {
    const d = this.s.dialect;
    // Wakes of tasks that ran (or went) meanwhile are owed no more.
    await this.s.run(
      `DELETE FROM owed_wakes WHERE lease_until <= $1 AND task_id IN (SELECT w.task_id FROM owed_wakes w JOIN tasks t ON t.id = w.task_id WHERE w.lease_until <= $1 AND t.status <> 'pending')`,
      [d.date(now)],
    );
    // The outer condition repeats the subquery's: a claimer that waited for a row re-checks it as the
    // other left it (PostgreSQL), so one lease's row is never claimed twice.
    const rows = await this.s.all(
      `UPDATE owed_wakes SET claim = $1, lease_until = $3
       WHERE task_id IN (SELECT task_id FROM owed_wakes WHERE lease_until <= $2 ORDER BY lease_until, task_id LIMIT $4${d.capabilities.skipLocked ? " FOR UPDATE SKIP LOCKED" : ""})
         AND lease_until <= $2
       RETURNING ${COLUMNS}`,
      [claim, d.date(now), d.date(leaseUntil), Math.max(1, Math.floor(limit))],
    );
    return rows.map((r) => this.read(r));
  }

  async renew(taskId: string, claim: string, now: Date, leaseUntil: Date): Promise<boolean> {
    const d = this.s.dialect;
    const n = await this.s.run("UPDATE owed_wakes SET lease_until = $4 WHERE task_id = $1 AND claim = $2 AND lease_until > $3", [taskId, claim, d.date(now), d.date(leaseUntil)]);
    return n > 0;
  }

  async defer(taskId: string, claim: string, until: Date): Promise<void> {
    await this.s.run("UPDATE owed_wakes SET lease_until = $3 WHERE task_id = $1 AND claim = $2", [taskId, claim, this.s.dialect.date(until)]);
  }

  async settle(taskId: string, claim: string): Promise<void> {
    await this.s.run("DELETE FROM owed_wakes WHERE task_id = $1 AND claim = $2", [taskId, claim]);
  }

  async list(opts: { taskIds?: readonly string[]; limit?: number } = {}): Promise<OwedWake[]> {
    const d = this.s.dialect;
    const params: unknown[] = [];
    let where = "";
    if (opts.taskIds !== undefined) {
      params.push(d.textArray(opts.taskIds));
      where = `WHERE ${d.inTextArray("task_id", "$1")}`;
    }
    params.push(Math.max(1, Math.floor(opts.limit ?? 1000)));
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM owed_wakes ${where} ORDER BY created_at, task_id LIMIT $${params.length}`, params);
    return rows.map((r) => this.read(r));
  }
}
