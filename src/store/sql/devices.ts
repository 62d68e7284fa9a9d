import type { DeviceListQuery, DeviceRecord, DeviceRepo, EventRecord, EventRepo, InformUpdate } from "../types.js";
import type { RowColumn } from "./dialect.js";
import { limitClause } from "./limit.js";
import { prefixUpperBound } from "./paths.js";
import { deviceColumns, toDevice, toEvent } from "./rows.js";
import type { Scope } from "./scope.js";

const BOOT = "1 BOOT";
const BOOTSTRAP = "0 BOOTSTRAP";

/** WHERE clause (and its parameters, numbered from $1) for a device list query on `devices d`. */
function listFilter(q: DeviceListQuery): { where: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (q.idPrefix) {
    // A range rather than LIKE: it uses the primary key index and needs no escaping of % and _.
    params.push(q.idPrefix);
    conds.push(`d.id >= $${params.length}`);
    const upper = prefixUpperBound(q.idPrefix);
    if (upper !== null) {
      params.push(upper);
      conds.push(`d.id < $${params.length}`);
    }
  }
  if (q.tag !== undefined) {
    params.push(q.tag);
    conds.push(`EXISTS (SELECT 1 FROM device_tags t WHERE t.device_id = d.id AND t.tag = $${params.length})`);
  }
  return { where: conds.length > 0 ? `WHERE ${conds.join(" AND ")}` : "", params };
}

export class SqlDeviceRepo implements DeviceRepo {
  constructor(private readonly s: Scope) {}

  async get(id: string): Promise<DeviceRecord | null> {
    const rows = await this.s.all(`SELECT ${deviceColumns(this.s.dialect, "d")} FROM devices d WHERE d.id = $1`, [id]);
    return rows[0] ? toDevice(this.s.dialect, rows[0]) : null;
  }

  async recordInform(u: InformUpdate): Promise<{ device: DeviceRecord; created: boolean }> {
    const d = this.s.dialect;
    // Qualified by the table name: SQLite's RETURNING does not see an alias.
    const cols = deviceColumns(d, "devices");
    const codes = new Set(u.events.map((e) => e.code));
    const params = [
      u.id, u.manufacturer, u.oui, u.productClass, u.serialNumber, d.date(u.at), u.address, u.cwmpNamespace, u.cwmpVersion,
      d.date(codes.has(BOOT) ? u.at : null), d.date(codes.has(BOOTSTRAP) ? u.at : null),
    ];
    const updateSql = `UPDATE devices SET manufacturer = $2, oui = $3, product_class = $4, serial_number = $5,
        last_inform_at = $6, last_inform_address = $7, cwmp_namespace = $8, cwmp_version = $9,
        last_boot_at = COALESCE($10, devices.last_boot_at), last_bootstrap_at = COALESCE($11, devices.last_bootstrap_at)
      WHERE id = $1 RETURNING ${cols}`;
    const eventColumns: RowColumn[] = [{ name: "at", type: "date" }, { name: "code", type: "text" }, { name: "command_key", type: "text" }];
    const eventRows = u.events.map((e) => [u.at, e.code, e.commandKey]);
    // The events' parameters follow $1 (the device id) and whatever else the statement binds.
    const insertEvents = (first: number, condition: string) => {
      const src = d.rowSource(first, eventColumns, eventRows);
      return {
        sql: `INSERT INTO device_events (device_id, at, code, command_key) SELECT $1, r.at, r.code, r.command_key FROM ${src.sql} ${condition}`,
        params: src.params,
      };
    };

    if (d.capabilities.writableCte && u.events.length > 0) {
      // The usual case, an existing device, in one statement; the events go in only if the update found it.
      const ev = insertEvents(params.length + 1, "WHERE EXISTS (SELECT 1 FROM upd)");
      const rows = await this.s.all(`WITH upd AS (${updateSql}), ev AS (${ev.sql}) SELECT * FROM upd`, [...params, ...ev.params]);
      if (rows[0]) return { device: toDevice(d, rows[0]), created: false };
    }
    return this.s.atomic(async (s) => {
      // UPDATE first (the usual case), INSERT when it found nothing, and UPDATE again if another process
      // inserted the device in between.
      let created = false;
      let rows = await s.all(updateSql, params);
      if (rows.length === 0) {
        rows = await s.all(
          `INSERT INTO devices (id, manufacturer, oui, product_class, serial_number, last_inform_at, last_inform_address,
             cwmp_namespace, cwmp_version, last_boot_at, last_bootstrap_at, registered_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $6)
           ON CONFLICT (id) DO NOTHING RETURNING ${cols}`,
          params,
        );
        created = rows.length > 0;
        if (!created) rows = await s.all(updateSql, params);
      }
      if (u.events.length > 0) {
        const ev = insertEvents(2, "");
        await s.run(ev.sql, [u.id, ...ev.params]);
      }
      const row = rows[0];
      if (!row) throw new Error("recordInform: the device row vanished inside its own transaction");
      return { device: toDevice(d, row), created };
    });
  }

  async list(q: DeviceListQuery = {}): Promise<DeviceRecord[]> {
    const { where, params } = listFilter(q);
    const limit = limitClause(params, q.limit, q.offset);
    const rows = await this.s.all(`SELECT ${deviceColumns(this.s.dialect, "d")} FROM devices d ${where} ORDER BY d.id${limit}`, params);
    return rows.map((r) => toDevice(this.s.dialect, r));
  }

  async count(q: DeviceListQuery = {}): Promise<number> {
    const { where, params } = listFilter(q);
    const rows = await this.s.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM devices d ${where}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  delete(id: string): Promise<boolean> {
    // Sessions have no foreign key (a session lock may be taken before the first Inform creates the
    // device); everything else goes by ON DELETE CASCADE.
    return this.s.atomic(async (s) => {
      await s.run("DELETE FROM sessions WHERE device_id = $1", [id]);
      return (await s.run("DELETE FROM devices WHERE id = $1", [id])) > 0;
    });
  }

  updateTags(id: string, add: string[], remove: string[]): Promise<string[] | null> {
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      const exists = await s.all("SELECT 1 AS one FROM devices WHERE id = $1", [id]);
      if (exists.length === 0) return null;
      const removing = new Set(remove);
      const adding = [...new Set(add)].filter((t) => !removing.has(t));
      if (adding.length > 0) {
        const src = d.rowSource(2, [{ name: "tag", type: "text" }], adding.map((t) => [t]));
        await s.run(`INSERT INTO device_tags (device_id, tag) SELECT $1, r.tag FROM ${src.sql} WHERE true ON CONFLICT DO NOTHING`, [id, ...src.params]);
      }
      if (removing.size > 0) {
        await s.run(`DELETE FROM device_tags WHERE device_id = $1 AND ${d.inTextArray("tag", "$2")}`, [id, d.textArray([...removing])]);
      }
      const rows = await s.all<{ tags: unknown }>(`SELECT ${d.tagsOf("$1")} AS tags`, [id]);
      return d.readTags(rows[0]?.tags);
    });
  }
}

export class SqlEventRepo implements EventRepo {
  constructor(private readonly s: Scope) {}

  async list(deviceId: string, limit?: number): Promise<EventRecord[]> {
    const params: unknown[] = [deviceId];
    const lim = limitClause(params, limit, undefined);
    // Newest Inform first; the events of one Inform (same time) in the order the CPE sent them.
    const rows = await this.s.all(
      `SELECT device_id, at, code, command_key FROM device_events WHERE device_id = $1 ORDER BY at DESC, seq ASC${lim}`, params);
    return rows.map((r) => toEvent(this.s.dialect, r));
  }
}
