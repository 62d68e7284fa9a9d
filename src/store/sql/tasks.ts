import { randomUUID } from "node:crypto";
import type { JsonValue, NewTask, TaskListQuery, TaskRecord, TaskRepo, TaskWake } from "../types.js";
import { Assignments } from "./assignments.js";
import type { RowColumn } from "./dialect.js";
import { deviceScopeCondition } from "./device-scope.js";
import { limitClause } from "./limit.js";
import { lastInformOf, TASK_COLUMNS, toTask } from "./rows.js";
import type { Scope } from "./scope.js";
import { textOnce } from "./text-once.js";

// notBefore is the first moment a task may run; expiresAt the first moment it may not. Kept, not built
// at each call: a periodic session asks at each of its exchanges (sql/text-once.ts says why).
const RUNNABLE_SQL = `SELECT ${TASK_COLUMNS} FROM tasks
  WHERE device_id = $1 AND status = 'pending'
    AND (not_before IS NULL OR not_before <= $2) AND (expires_at IS NULL OR expires_at > $2)
  ORDER BY created_at, seq`;

/** Used when a new task does not say how often it may be tried. */
export const DEFAULT_TASK_MAX_ATTEMPTS = 3;

type TaskPatch = Parameters<TaskRepo["update"]>[1];

const NEW_TASK_COLUMNS: readonly RowColumn[] = [
  { name: "id", type: "text" }, { name: "device_id", type: "text" }, { name: "name", type: "text" },
  { name: "args", type: "json" }, { name: "expires_at", type: "date" }, { name: "max_attempts", type: "int" },
];

export class SqlTaskRepo implements TaskRepo {
  constructor(private readonly s: Scope) {}

  async create(task: NewTask, at: Date): Promise<TaskRecord> {
    const d = this.s.dialect;
    const rows = await this.s.all(
      `INSERT INTO tasks (id, device_id, name, args, status, created_at, expires_at, not_before, attempts, max_attempts, last_fault, result, completed_at)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6, NULL, 0, $7, NULL, $8, NULL) RETURNING ${TASK_COLUMNS}`,
      [randomUUID(), task.deviceId, task.name, d.json(task.args), d.date(at), d.date(task.expiresAt ?? null),
        task.maxAttempts ?? DEFAULT_TASK_MAX_ATTEMPTS, d.json(null)],
    );
    return toTask(d, rows[0] ?? {});
  }

  async createMany(tasks: readonly NewTask[], at: Date): Promise<TaskRecord[]> {
    if (tasks.length === 0) return [];
    // The records are built here, not read back: every value is known, and RETURNING would bring each
    // row's args back to be parsed again. A row source carries a JSON null as SQL NULL: $2 puts it back.
    const records = tasks.map((t): TaskRecord => ({
      id: randomUUID(), deviceId: t.deviceId, name: t.name, args: t.args ?? null, status: "pending", createdAt: at, expiresAt: t.expiresAt ?? null,
      notBefore: null, attempts: 0, maxAttempts: t.maxAttempts ?? DEFAULT_TASK_MAX_ATTEMPTS, lastFault: null, result: null, completedAt: null,
    }));
    const d = this.s.dialect;
    const src = d.rowSource(3, NEW_TASK_COLUMNS, records.map((r) => [r.id, r.deviceId, r.name, r.args, r.expiresAt, r.maxAttempts]));
    await this.s.run(
      `INSERT INTO tasks (id, device_id, name, args, status, created_at, expires_at, not_before, attempts, max_attempts, last_fault, result, completed_at)
       SELECT r.id, r.device_id, r.name, COALESCE(r.args, $2), 'pending', $1, r.expires_at, NULL, 0, r.max_attempts, NULL, $2, NULL FROM ${src.sql}`,
      [d.date(at), d.json(null), ...src.params],
    );
    return records;
  }

  async get(id: string): Promise<TaskRecord | null> {
    const rows = await this.s.all(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1`, [id]);
    return rows[0] ? toTask(this.s.dialect, rows[0]) : null;
  }

  async list(q: TaskListQuery = {}): Promise<TaskRecord[]> {
    const d = this.s.dialect;
    const conds: string[] = [];
    const params: unknown[] = [];
    if (q.deviceId !== undefined) {
      params.push(q.deviceId);
      conds.push(`device_id = $${params.length}`);
    }
    if (q.status !== undefined) {
      params.push(d.textArray(q.status));
      conds.push(d.inTextArray("status", `$${params.length}`));
    }
    if (q.devices !== undefined) conds.push(deviceScopeCondition("device_id", q.devices, d, params));
    const where = conds.length > 0 ? `WHERE ${conds.join(" AND ")}` : "";
    const limit = limitClause(params, q.limit, q.offset);
    const rows = await this.s.all(`SELECT ${TASK_COLUMNS} FROM tasks ${where} ORDER BY created_at, seq${limit}`, params);
    return rows.map((r) => toTask(d, r));
  }

  async runnable(deviceId: string, now: Date): Promise<TaskRecord[]> {
    const d = this.s.dialect;
    const rows = await this.s.all(RUNNABLE_SQL, [deviceId, d.date(now)]);
    return rows.map((r) => toTask(d, r));
  }

  async failedSinceInform(deviceId: string): Promise<TaskRecord[]> {
    const rows = await this.s.all(
      `SELECT ${TASK_COLUMNS} FROM tasks
       WHERE device_id = $1 AND status = 'failed' AND completed_at > ${lastInformOf(this.s.dialect, "$1")}
       ORDER BY created_at, seq`,
      [deviceId],
    );
    return rows.map((r) => toTask(this.s.dialect, r));
  }

  async atInform(deviceId: string, now: Date): Promise<{ runnable: TaskRecord[]; failedSinceInform: TaskRecord[] }> {
    const d = this.s.dialect;
    // runnable() and failedSinceInform() in one statement: every Inform asks for both.
    const sql = textOnce(d, "tasks at inform", () =>
      `SELECT ${TASK_COLUMNS} FROM tasks
       WHERE device_id = $1 AND status IN ('pending', 'failed')
         AND ((status = 'pending' AND (not_before IS NULL OR not_before <= $2) AND (expires_at IS NULL OR expires_at > $2))
           OR (status = 'failed' AND completed_at > ${lastInformOf(d, "$1")}))
       ORDER BY created_at, seq`);
    const rows = await this.s.all(sql, [deviceId, d.date(now)]);
    const tasks = rows.map((r) => toTask(d, r));
    return { runnable: tasks.filter((t) => t.status === "pending"), failedSinceInform: tasks.filter((t) => t.status === "failed") };
  }

  async update(id: string, patch: TaskPatch): Promise<TaskRecord | null> {
    const d = this.s.dialect;
    const a = new Assignments([id]);
    const set = (column: string, value: unknown) => a.set(column, value);
    if (patch.status !== undefined) set("status", patch.status);
    if (patch.notBefore !== undefined) set("not_before", d.date(patch.notBefore));
    if (patch.attempts !== undefined) set("attempts", patch.attempts);
    if (patch.lastFault !== undefined) set("last_fault", patch.lastFault === null ? null : d.json(patch.lastFault as unknown as JsonValue));
    if (patch.result !== undefined) set("result", d.json(patch.result));
    if (patch.completedAt !== undefined) set("completed_at", d.date(patch.completedAt));
    if (patch.expiresAt !== undefined) set("expires_at", d.date(patch.expiresAt));
    if (a.empty) return this.get(id);
    const rows = await this.s.all(`UPDATE tasks SET ${a} WHERE id = $1 RETURNING ${TASK_COLUMNS}`, a.params);
    return rows[0] ? toTask(d, rows[0]) : null;
  }

  expire(now: Date): Promise<number> {
    return this.s.run(
      "UPDATE tasks SET status = 'expired', completed_at = $1 WHERE status IN ('pending', 'waiting') AND expires_at IS NOT NULL AND expires_at <= $1",
      [this.s.dialect.date(now)],
    );
  }

  prune(before: Date, limit: number): Promise<number> {
    return this.s.run(
      `DELETE FROM tasks WHERE seq IN (SELECT seq FROM tasks WHERE completed_at IS NOT NULL AND completed_at < $1
         AND status IN ('done', 'failed', 'cancelled', 'expired') ORDER BY completed_at LIMIT $2)`,
      [this.s.dialect.date(before), Math.max(0, Math.floor(limit))],
    );
  }

  async dueRetries(now: Date, limit: number): Promise<TaskRecord[]> {
    const d = this.s.dialect;
    const rows = await this.s.all(
      `SELECT ${TASK_COLUMNS} FROM tasks
       WHERE status = 'pending' AND not_before IS NOT NULL AND not_before <= $1
         AND (woken_for IS NULL OR woken_for < not_before) AND (expires_at IS NULL OR expires_at > $1)
       ORDER BY not_before, seq LIMIT $2`,
      [d.date(now), limit],
    );
    return rows.map((r) => toTask(d, r));
  }

  async claimRetryWake(id: string, now: Date): Promise<boolean> {
    // The condition is checked again on the row itself: of processes racing for one retry, the first
    // update makes it false for the others (PostgreSQL re-reads a row it waited for; SQLite serializes).
    const n = await this.s.run(
      `UPDATE tasks SET woken_for = not_before
       WHERE id = $1 AND status = 'pending' AND not_before IS NOT NULL AND not_before <= $2 AND (woken_for IS NULL OR woken_for < not_before)`,
      [id, this.s.dialect.date(now)],
    );
    return n > 0;
  }

  async recordWake(id: string, at: Date, outcome: string): Promise<void> {
    await this.s.run("UPDATE tasks SET wake_at = $2, wake_outcome = $3, wake_attempts = attempts WHERE id = $1", [id, this.s.dialect.date(at), outcome]);
  }

  async wakes(ids: readonly string[]): Promise<Map<string, TaskWake>> {
    const out = new Map<string, TaskWake>();
    if (ids.length === 0) return out;
    const d = this.s.dialect;
    const rows = await this.s.all(
      `SELECT id, wake_at, wake_outcome, wake_attempts FROM tasks WHERE ${d.inTextArray("id", "$1")} AND wake_at IS NOT NULL`,
      [d.textArray(ids)],
    );
    for (const r of rows) out.set(String(r.id), { at: d.readDate(r.wake_at)!, outcome: String(r.wake_outcome), attempts: Number(r.wake_attempts) });
    return out;
  }

  async pendingCount(deviceId?: string): Promise<number> {
    const rows = deviceId === undefined
      ? await this.s.all<{ n: unknown }>("SELECT COUNT(*) AS n FROM tasks WHERE status = 'pending'")
      : await this.s.all<{ n: unknown }>("SELECT COUNT(*) AS n FROM tasks WHERE device_id = $1 AND status = 'pending'", [deviceId]);
    return Number(rows[0]?.n ?? 0);
  }
}
