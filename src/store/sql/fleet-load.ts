// Whole devices written in bulk (FleetRepo.load): the rows a bootstrap and a discovery would leave, in a
// few big statements per batch instead of a few per device, for generated fleets of millions of values.
import { booleanOf, numberOf, timeOf } from "../../query/values.js";
import type { LoadedDevice } from "../types.js";
import type { RowColumn } from "./dialect.js";
import { SqlDeviceRepo } from "./devices.js";
import { insertRows } from "./insert-rows.js";
import type { Scope } from "./scope.js";

/**
 * Parameter rows per statement. On PostgreSQL a statement's arrays are one parameter per column, so
 * size is bounded by memory only; on SQLite its JSON text, about 150 bytes a row.
 */
const PARAMETER_ROWS = 20_000;

const DEVICE_COLUMNS: readonly RowColumn[] = [
  { name: "id", type: "text" }, { name: "manufacturer", type: "text" }, { name: "oui", type: "text" }, { name: "product_class", type: "text" },
  { name: "serial_number", type: "text" }, { name: "registered_at", type: "date" }, { name: "last_inform_at", type: "date" },
  { name: "last_inform_address", type: "text" }, { name: "last_boot_at", type: "date" }, { name: "last_bootstrap_at", type: "date" },
  { name: "cwmp_namespace", type: "text" }, { name: "cwmp_version", type: "text" },
];

const TAG_COLUMNS: readonly RowColumn[] = [{ name: "device_id", type: "text" }, { name: "tag", type: "text" }];

const PARAMETER_COLUMNS: readonly RowColumn[] = [
  { name: "device_id", type: "text" }, { name: "path", type: "text" }, { name: "object", type: "bool" }, { name: "value", type: "text" },
  { name: "value_num", type: "real" }, { name: "value_time", type: "bigint" }, { name: "value_bool", type: "bool" }, { name: "type", type: "text" },
  { name: "writable", type: "bool" }, { name: "value_at", type: "date" }, { name: "names_at", type: "date" },
];

export async function loadDevices(scope: Scope, devices: readonly LoadedDevice[], replace: boolean): Promise<void> {
  if (devices.length === 0) return;
  await scope.atomic(async (s) => {
    if (replace) await new SqlDeviceRepo(s).deleteMany(devices.map((d) => d.id));
    await insertRows(s, "devices", DEVICE_COLUMNS, devices.map((d) => [
      d.id, d.manufacturer, d.oui, d.productClass, d.serialNumber, d.registeredAt, d.lastInformAt, d.address, d.lastBootAt, d.registeredAt, "1-2", "1.4",
    ]));
    await insertRows(s, "device_tags", TAG_COLUMNS, devices.flatMap((d) => [...new Set(d.tags)].map((t) => [d.id, t])));
    let rows: unknown[][] = [];
    for (const d of devices) {
      for (const p of d.parameters) {
        // The derived columns as setValues writes them (query/values.ts), so filters find these values.
        const v = p.value;
        rows.push([d.id, p.path, p.object, v, numberOf(v), timeOf(v), booleanOf(v), p.type, p.writable, v === null ? null : d.lastInformAt, d.lastInformAt]);
        if (rows.length === PARAMETER_ROWS) {
          await insertRows(s, "parameters", PARAMETER_COLUMNS, rows);
          rows = [];
        }
      }
    }
    await insertRows(s, "parameters", PARAMETER_COLUMNS, rows);
  });
}

export async function existingDevices(s: Scope, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await s.all<{ id: unknown }>(`SELECT id FROM devices WHERE ${s.dialect.inTextArray("id", "$1")} ORDER BY id`, [s.dialect.textArray([...ids])]);
  return rows.map((r) => String(r.id));
}
