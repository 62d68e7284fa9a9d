// Which controller process holds which USP agent's WebSocket, and wakes carried to it (migration 25).
// A WebSocket lives in one process; another that must wake its agent finds the holder here and leaves
// it the wake. Liveness is a heartbeat: what a process whose `alive_until` passed held counts for nothing.

import type { UspForwardedWake, UspHoldRepo } from "../types.js";
import type { Row } from "./driver.js";
import type { Scope } from "./scope.js";

export class SqlUspHoldRepo implements UspHoldRepo {
  /** `carried`: tells the process that a wake was carried to it, where the backend can (SqlStoreExtensions.uspWakeCarried). */
  constructor(private readonly s: Scope, private readonly carried?: (s: Scope, instance: string) => Promise<void>) {}

  async alive(instance: string, now: Date, until: Date): Promise<boolean> {
    const d = this.s.dialect;
    const renewed = await this.s.run("UPDATE usp_instances SET alive_until = $2 WHERE instance = $1 AND alive_until > $3", [instance, d.date(until), d.date(now)]);
    if (renewed > 0) return true;
    await this.s.run(
      "INSERT INTO usp_instances (instance, alive_until) VALUES ($1, $2) ON CONFLICT (instance) DO UPDATE SET alive_until = excluded.alive_until",
      [instance, d.date(until)],
    );
    return false;
  }

  async leave(instance: string): Promise<void> {
    await this.s.run("DELETE FROM usp_wakes WHERE instance = $1", [instance]);
    await this.s.run("DELETE FROM usp_holds WHERE instance = $1", [instance]);
    await this.s.run("DELETE FROM usp_instances WHERE instance = $1", [instance]);
  }

  async hold(endpointIds: readonly string[], instance: string, at: Date): Promise<void> {
    if (endpointIds.length === 0) return;
    const d = this.s.dialect;
    const src = d.rowSource(3, [{ name: "endpoint_id", type: "text" }], endpointIds.map((id) => [id]));
    // "WHERE true": SQLite reads ON CONFLICT after a bare FROM as a join's ON.
    await this.s.run(
      `INSERT INTO usp_holds (endpoint_id, instance, since) SELECT r.endpoint_id, $1, $2 FROM ${src.sql} WHERE true
       ON CONFLICT (endpoint_id) DO UPDATE SET instance = excluded.instance, since = excluded.since`,
      [instance, d.date(at), ...src.params],
    );
  }

  async release(endpointId: string, instance: string): Promise<void> {
    await this.s.run("DELETE FROM usp_holds WHERE endpoint_id = $1 AND instance = $2", [endpointId, instance]);
  }

  async holder(endpointId: string, now: Date): Promise<string | null> {
    const rows = await this.s.all(
      "SELECT h.instance FROM usp_holds h JOIN usp_instances i ON i.instance = h.instance WHERE h.endpoint_id = $1 AND i.alive_until > $2",
      [endpointId, this.s.dialect.date(now)],
    );
    return rows[0] === undefined ? null : String(rows[0].instance);
  }

  async forward(instance: string, w: UspForwardedWake): Promise<void> {
    await this.s.run(
      "INSERT INTO usp_wakes (instance, endpoint_id, device_id, task_id, created_at) VALUES ($1, $2, $3, $4, $5)",
      [instance, w.endpointId, w.deviceId, w.taskId, this.s.dialect.date(w.createdAt)],
    );
    await this.carried?.(this.s, instance);
  }

  async take(instance: string, limit: number): Promise<UspForwardedWake[]> {
    const rows = await this.s.all(
      `DELETE FROM usp_wakes WHERE id IN (SELECT id FROM usp_wakes WHERE instance = $1 ORDER BY id LIMIT $2)
       RETURNING id, endpoint_id, device_id, task_id, created_at`,
      [instance, Math.max(1, Math.floor(limit))],
    );
    return rows.sort((a, b) => Number(a.id) - Number(b.id)).map((r) => this.read(r));
  }

  async prune(now: Date): Promise<number> {
    const d = this.s.dialect;
    // By dead process, through the instance indexes: most heartbeats find none, and read no hold.
    const dead = await this.s.all("SELECT instance FROM usp_instances WHERE alive_until <= $1", [d.date(now)]);
    let pruned = 0;
    for (const r of dead) {
      const instance = String(r.instance);
      // Unless it beat again meanwhile (a pause, not a death): its holds, said again, stay.
      const stillDead = "NOT EXISTS (SELECT 1 FROM usp_instances WHERE instance = $1 AND alive_until > $2)";
      await this.s.run(`DELETE FROM usp_wakes WHERE instance = $1 AND ${stillDead}`, [instance, d.date(now)]);
      await this.s.run(`DELETE FROM usp_holds WHERE instance = $1 AND ${stillDead}`, [instance, d.date(now)]);
      pruned += await this.s.run("DELETE FROM usp_instances WHERE instance = $1 AND alive_until <= $2", [instance, d.date(now)]);
    }
    return pruned;
  }

  private read(r: Row): UspForwardedWake {
    return { endpointId: String(r.endpoint_id), deviceId: String(r.device_id), taskId: r.task_id === null ? null : String(r.task_id), createdAt: this.s.dialect.readDate(r.created_at)! };
  }
}
