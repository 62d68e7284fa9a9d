// Whole devices written in bulk (FleetRepo.load): the rows a bootstrap and a discovery would leave, in a
// few big statements per batch instead of a few per device, for generated fleets of millions of values.
import type { LoadedDevice } from "../types.js";
import type { RowColumn } from "./dialect.js";
import { SqlDeviceRepo } from "./devices.js";
import { insertRows } from "./insert-rows.js";
import type { IndexedSet } from "./indexed-set.js";
import type { PathDictionary } from "./param-paths.js";
import type { Scope } from "./scope.js";
import { emptyRecord, type Tree } from "./tree.js";
import { insertTrees } from "./tree-rows.js";

/**
 * Devices per statement of trees: a tree is about 50 kB of JSON text, and on SQLite a statement's rows
 * are one JSON text too.
 */
const TREE_BATCH = 500;

const DEVICE_COLUMNS: readonly RowColumn[] = [
  { name: "id", type: "text" }, { name: "manufacturer", type: "text" }, { name: "oui", type: "text" }, { name: "product_class", type: "text" },
  { name: "serial_number", type: "text" }, { name: "registered_at", type: "date" }, { name: "last_inform_address", type: "text" },
  { name: "last_boot_at", type: "date" }, { name: "last_bootstrap_at", type: "date" }, { name: "cwmp_namespace", type: "text" },
  { name: "cwmp_version", type: "text" },
];

const LAST_INFORM: RowColumn = { name: "last_inform_at", type: "date" };
const INFORM_COLUMNS: readonly RowColumn[] = [{ name: "device_id", type: "text" }, LAST_INFORM];
/** Where the dialect keeps the last Inform's time in devices; a constant, as insertRows keeps its text per list. */
const DEVICE_INFORM_COLUMNS: readonly RowColumn[] = [...DEVICE_COLUMNS, LAST_INFORM];

const TAG_COLUMNS: readonly RowColumn[] = [{ name: "device_id", type: "text" }, { name: "tag", type: "text" }];

export async function loadDevices(scope: Scope, dict: PathDictionary, indexed: IndexedSet, devices: readonly LoadedDevice[], replace: boolean): Promise<void> {
  if (devices.length === 0) return;
  await scope.atomic(async (s) => {
    if (replace) await new SqlDeviceRepo(s, dict, indexed).deleteMany(devices.map((d) => d.id));
    // The last Inform's time where the dialect keeps it (Dialect.capabilities.informsTable).
    const own = s.dialect.capabilities.informsTable;
    await insertRows(s, "devices", own ? DEVICE_COLUMNS : DEVICE_INFORM_COLUMNS, devices.map((d) => [
      d.id, d.manufacturer, d.oui, d.productClass, d.serialNumber, d.registeredAt, d.address, d.lastBootAt, d.registeredAt, "1-2", "1.4",
      ...(own ? [] : [d.lastInformAt]),
    ]));
    if (own) await insertRows(s, "device_informs", INFORM_COLUMNS, devices.map((d) => [d.id, d.lastInformAt]));
    await insertRows(s, "device_tags", TAG_COLUMNS, devices.flatMap((d) => [...new Set(d.tags)].map((t) => [d.id, t])));
    for (let i = 0; i < devices.length; i += TREE_BATCH) {
      const trees = new Map<string, Tree>();
      for (const d of devices.slice(i, i + TREE_BATCH)) {
        // As a discovery leaves them: values read at the last Inform, names known since then.
        const at = d.lastInformAt.getTime();
        const tree: Tree = new Map();
        for (const p of d.parameters) {
          tree.set(p.path, { ...emptyRecord(), value: p.value, type: p.type, writable: p.writable, valueAt: p.value === null ? null : at, namesAt: at });
        }
        trees.set(d.id, tree);
      }
      await insertTrees(s, dict, indexed, trees);
    }
  });
}

export async function existingDevices(s: Scope, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await s.all<{ id: unknown }>(`SELECT id FROM devices WHERE ${s.dialect.inTextArray("id", "$1")} ORDER BY id`, [s.dialect.textArray([...ids])]);
  return rows.map((r) => String(r.id));
}
