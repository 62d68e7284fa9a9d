// Migration 32: SQLite keeps parameter trees as binary JSON (JSONB). A store whose trees are text reads
// back the same records after it, filters find the same devices, and every later write (a merge, a
// rewrite, a new device's tree) stays JSONB.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { openStore } from "../../src/store/index.js";
import { at, inform } from "./conformance.js";

const dir = mkdtempSync(join(tmpdir(), "provisio-jsonb-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const names = [
  { path: "Device.", writable: false }, { path: "Device.X.", writable: false },
  { path: "Device.X.Name", writable: true }, { path: "Device.X.Count", writable: false },
  { path: "Device.X.Since", writable: false }, { path: "Device.X.Flag", writable: true },
];
const values = [
  { path: "Device.X.Name", value: "café \"quoted\" \\ slash", type: "xsd:string" },
  { path: "Device.X.Count", value: "42", type: "xsd:unsignedInt" },
  { path: "Device.X.Since", value: "2025-05-01T10:00:00Z", type: "xsd:dateTime" },
  { path: "Device.X.Flag", value: "true", type: "xsd:boolean" },
];

function storage(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT device_id || ':' || typeof(tree) AS t FROM device_trees ORDER BY device_id").all() as { t: string }[]).map((r) => r.t);
  } finally {
    db.close();
  }
}

test("migration 32 turns text trees into JSONB, and reads, filters and writes see the same records", async () => {
  const file = join(dir, "store.db");
  const before = await openStore(`sqlite:${file}`);
  for (const id of ["d1", "d2"]) {
    await before.devices.recordInform(inform(id));
    await before.transaction((tx) => tx.parameters.setNames(id, "Device.", false, names, at(0)));
    await before.parameters.setValues(id, id === "d1" ? values : values.map((v) => (v.path === "Device.X.Count" ? { ...v, value: "7" } : v)), at(1));
  }
  const records = await before.parameters.all("d1");
  await before.close();
  // The trees as the code before migration 32 wrote them, in the schema it had (this code writes JSONB,
  // and needs migration 33's column).
  const old = new Database(file);
  old.exec("UPDATE device_trees SET tree = json(tree); ALTER TABLE device_trees DROP COLUMN recent; DELETE FROM schema_migrations WHERE version >= 32");
  old.close();
  assert.deepEqual(storage(file), ["d1:text", "d2:text"]);

  const store = await openStore(`sqlite:${file}`);
  try {
    assert.deepEqual(storage(file), ["d1:blob", "d2:blob"]);
    assert.deepEqual(await store.parameters.all("d1"), records);
    // Filters read the records in SQL: a number, a date-time and a text.
    assert.deepEqual((await store.devices.list({ filter: "Device.X.Count > 10" })).map((d) => d.id), ["d1"]);
    assert.deepEqual((await store.devices.list({ filter: "Device.X.Since < \"2026-01-01T00:00:00Z\"" })).map((d) => d.id).sort(), ["d1", "d2"]);
    assert.deepEqual((await store.devices.list({ filter: "Device.X.Name = \"café \\\"quoted\\\" \\\\ slash\"" })).map((d) => d.id).sort(), ["d1", "d2"]);
    // A merge (values to paths the tree has), a rewrite (a new path), a new device's tree.
    await store.parameters.setValues("d1", [{ path: "Device.X.Count", value: "43", type: "xsd:unsignedInt" }], at(2));
    await store.parameters.setValues("d2", [{ path: "Device.X.New", value: "n", type: "xsd:string" }], at(3));
    await store.devices.recordInform(inform("d3"));
    await store.parameters.setValues("d3", [{ path: "Device.X.Count", value: "1", type: "xsd:unsignedInt" }], at(4));
    assert.deepEqual(storage(file), ["d1:blob", "d2:blob", "d3:blob"]);
    const d1 = new Map((await store.parameters.all("d1")).map((r) => [r.path, r]));
    assert.deepEqual([d1.get("Device.X.Count")!.value, d1.get("Device.X.Count")!.valueAt?.getTime(), d1.get("Device.X.Name")!.value], ["43", at(2).getTime(), values[0]!.value]);
    assert.deepEqual((await store.parameters.get("d2", ["Device.X.New", "Device.X.Count"])).map((r) => [r.path, r.value]), [["Device.X.Count", "7"], ["Device.X.New", "n"]]);
    assert.deepEqual((await store.devices.list({ filter: "Device.X.Count > 10" })).map((d) => d.id), ["d1"]);
  } finally {
    await store.close();
  }
});
