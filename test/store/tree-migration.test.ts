// Migration 26 (issue 18.3, docs/scale.md): the rows of `parameters` move into device_trees, the paths
// into param_paths and the indexed paths' values into param_index, then the table goes. A store at the
// schema before it, holding rows of every kind, reads back the same records after it, and filters find
// the same devices, on both backends.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openStore, type ParameterRecord } from "../../src/store/index.js";
import { booleanOf, compareText, numberOf, timeOf } from "../../src/query/values.js";
import { forEachBackend, queryDirect } from "../support/pg.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
const at = (s: number) => new Date(T0.getTime() + s * 1000);

type Row = Omit<ParameterRecord, "object">;

const rec = (path: string, over: Partial<Row> = {}): Row => ({
  path, value: null, type: null, writable: null, notification: null, accessList: null, valueAt: null, namesAt: null, attributesAt: null, ...over,
});

/** What the store before migration 26 held, by device. */
const OLD: Record<string, Row[]> = {
  d1: [
    rec("Device.", { writable: false, namesAt: at(1) }),
    rec("Device.DeviceInfo.", { writable: false, namesAt: at(1) }),
    rec("Device.DeviceInfo.SoftwareVersion", { value: "1.2.3", type: "xsd:string", writable: false, valueAt: at(1), namesAt: at(1) }),
    rec("Device.X."),
    rec("Device.X.Count", { value: "42", type: "xsd:unsignedInt", writable: true, notification: 2, accessList: ["Subscriber"], valueAt: at(-5), namesAt: at(1), attributesAt: at(3) }),
    rec("Device.X.Flag", { value: "1", type: "xsd:boolean", valueAt: at(1), namesAt: at(1), notification: 0, accessList: [], attributesAt: at(3) }),
    rec("Device.X.Since", { value: "2025-05-01T10:00:00Z", type: "xsd:dateTime", valueAt: at(1), namesAt: at(1) }),
    rec("Device.X.Empty", { value: "", type: "xsd:string", valueAt: at(1), namesAt: at(1) }),
    rec("Device.X.Odd", { value: "quote\" back\\slash é 🙂", type: "vendor:type", valueAt: at(1), namesAt: at(1) }),
    rec("Device.X.NameOnly", { writable: true, namesAt: at(2) }),
  ],
  d2: [
    rec("InternetGatewayDevice."),
    rec("InternetGatewayDevice.DeviceInfo."),
    rec("InternetGatewayDevice.DeviceInfo.SoftwareVersion", { value: "9", type: "xsd:string", valueAt: at(7), namesAt: at(7) }),
  ],
};

forEachBackend((b) => {
  describe("migration 26: parameters grouped per device", () => {
    test("moves every record of every device, keeps them exactly, indexes the indexed paths, and drops parameters", async () => {
      const url = await b.freshUrl();
      const before = await openStore(url, { sqlite: { migrateUpTo: 25 }, postgres: { migrateUpTo: 25 } });
      await before.close();
      const pg = b.name === "postgres";
      const date = (d: Date | null) => (d === null ? null : pg ? d.toISOString() : d.getTime());
      // The devices' rows as that schema's Informs wrote them (this code's write device_informs, migration 29).
      for (const id of [...Object.keys(OLD), "d3"]) {
        await queryDirect(url, `INSERT INTO devices (id, manufacturer, oui, product_class, serial_number, registered_at, last_inform_at)
          VALUES ($1, 'Acme', '00D09E', 'Router', $2, $3, $3)`, [id, `SN-${id}`, date(T0)]);
      }
      const bool = (v: boolean | null) => (v === null ? null : pg ? v : v ? 1 : 0);
      for (const [id, rows] of Object.entries(OLD)) {
        for (const r of rows) {
          // The derived columns as the store wrote them (query/values.ts).
          await queryDirect(url,
            `INSERT INTO parameters (device_id, path, object, value, value_num, value_time, value_bool, type, writable, notification, access_list,
               value_at, names_at, attributes_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
            [id, r.path, bool(r.path.endsWith(".")), r.value, numberOf(r.value), timeOf(r.value), bool(booleanOf(r.value)), r.type, bool(r.writable),
              r.notification, r.accessList === null ? null : JSON.stringify(r.accessList), date(r.valueAt), date(r.namesAt), date(r.attributesAt)]);
        }
      }

      const after = await openStore(url);
      try {
        for (const [id, rows] of Object.entries(OLD)) {
          const sorted = [...rows].sort((x, y) => compareText(x.path, y.path));
          assert.deepEqual(await after.parameters.all(id), sorted.map((r) => ({ ...r, object: r.path.endsWith(".") })), id);
        }
        assert.deepEqual(await after.parameters.all("d3"), []);
        const ids = async (filter: string) => (await after.devices.list({ filter, now: at(0) })).map((d) => d.id);
        // Indexed paths (param_index) and others (the trees), each kind of value.
        assert.deepEqual(await ids('Device.DeviceInfo.SoftwareVersion = "1.2.3"'), ["d1"]);
        assert.deepEqual(await ids('InternetGatewayDevice.DeviceInfo.SoftwareVersion = "9"'), ["d2"]);
        assert.deepEqual(await ids("Device.X.Count > 40"), ["d1"]);
        assert.deepEqual(await ids("Device.X.Flag = true"), ["d1"]);
        assert.deepEqual(await ids('Device.X.Since < "2025-06-01"'), ["d1"]);
        assert.deepEqual(await ids('Device.X.Odd = "quote\\" back\\\\slash é 🙂"'), ["d1"]);
        assert.deepEqual(await ids("Device.X.NameOnly EXISTS"), ["d1"]);
        assert.deepEqual(await ids("Device.X.NameOnly NOT EXISTS"), ["d2", "d3"]);
        // The store goes on from there: a write keeps the rest of the tree and updates the index.
        await after.parameters.setValues("d1", [{ path: "Device.DeviceInfo.SoftwareVersion", value: "2.0", type: "xsd:string" }], at(9));
        assert.deepEqual(await ids('Device.DeviceInfo.SoftwareVersion = "2.0"'), ["d1"]);
        assert.equal((await after.parameters.all("d1")).length, OLD.d1!.length);
      } finally {
        await after.close();
      }
      const tables = pg
        ? await queryDirect(url, "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'parameters'")
        : await queryDirect(url, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'parameters'");
      assert.deepEqual(tables, []);
    });
  });
});
