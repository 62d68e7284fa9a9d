import { randomUUID } from "node:crypto";
import type { DeviceScope, FaultRecord, FaultRepo } from "../types.js";
import { deviceScopeCondition } from "./device-scope.js";
import { limitClause } from "./limit.js";
import { FAULT_COLUMNS, toFault } from "./rows.js";
import type { Scope } from "./scope.js";

export class SqlFaultRepo implements FaultRepo {
  constructor(private readonly s: Scope) {}

  async raise(f: Omit<FaultRecord, "id" | "retries">): Promise<FaultRecord> {
    const d = this.s.dialect;
    // One statement whichever way it goes, so two processes raising on the same channel at once end
    // with one fault whose retries counts both.
    const rows = await this.s.all(
      `INSERT INTO faults (id, device_id, channel, code, message, detail, retries, at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7)
       ON CONFLICT (device_id, channel) DO UPDATE SET code = excluded.code, message = excluded.message, detail = excluded.detail,
         at = excluded.at, retries = faults.retries + 1
       RETURNING ${FAULT_COLUMNS}`,
      [randomUUID(), f.deviceId, f.channel, f.code, f.message, d.json(f.detail), d.date(f.at)],
    );
    return toFault(d, rows[0] ?? {});
  }

  async list(q: { deviceId?: string; devices?: DeviceScope; limit?: number; offset?: number } = {}): Promise<FaultRecord[]> {
    const params: unknown[] = [];
    const conds: string[] = [];
    if (q.deviceId !== undefined) {
      params.push(q.deviceId);
      conds.push("device_id = $1");
    }
    if (q.devices !== undefined) conds.push(deviceScopeCondition("device_id", q.devices, this.s.dialect, params));
    const where = conds.length > 0 ? `WHERE ${conds.join(" AND ")}` : "";
    const limit = limitClause(params, q.limit, q.offset);
    const rows = await this.s.all(`SELECT ${FAULT_COLUMNS} FROM faults ${where} ORDER BY at, device_id, channel${limit}`, params);
    return rows.map((r) => toFault(this.s.dialect, r));
  }

  async get(id: string): Promise<FaultRecord | null> {
    const rows = await this.s.all(`SELECT ${FAULT_COLUMNS} FROM faults WHERE id = $1`, [id]);
    return rows[0] ? toFault(this.s.dialect, rows[0]) : null;
  }

  async clear(id: string): Promise<boolean> {
    return (await this.s.run("DELETE FROM faults WHERE id = $1", [id])) > 0;
  }

  async clearChannel(deviceId: string, channel: string): Promise<boolean> {
    return (await this.s.run("DELETE FROM faults WHERE device_id = $1 AND channel = $2", [deviceId, channel])) > 0;
  }

  async anyOnChannels(deviceId: string, prefix: string): Promise<boolean> {
    // The prefix compared as a substring (not LIKE, whose wildcards it would have to escape); the
    // device's faults are few.
    const rows = await this.s.all("SELECT 1 AS x FROM faults WHERE device_id = $1 AND substr(channel, 1, $3) = $2 LIMIT 1", [deviceId, prefix, prefix.length]);
    return rows.length > 0;
  }
}
