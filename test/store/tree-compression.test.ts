// Migration 30 (issue 18.3, docs/scale.md "TOAST compression"): on PostgreSQL device_trees.tree is
// compressed with lz4 where the server has it; rows written before keep pglz until they are written
// again, and both read back the same records. On SQLite the migration does nothing but keep the numbering.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openStore, type ParameterValueUpdate, type Store } from "../../src/store/index.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { inform } from "./conformance.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

/** A tree big enough for TOAST to compress (over 2 kB): 200 values, texts and numbers. */
function values(round: number): ParameterValueUpdate[] {
  const out: ParameterValueUpdate[] = [];
  for (let i = 1; i <= 100; i++) {
    out.push({ path: `Device.Hosts.Host.${i}.HostName`, value: `host-${i}-of-the-lab-network-${round}`, type: "xsd:string" });
    out.push({ path: `Device.Hosts.Host.${i}.LeaseTimeRemaining`, value: String(i * 1000 + round), type: "xsd:int" });
  }
  return out;
}

async function applied(url: string, version: number): Promise<boolean> {
  return (await queryDirect(url, "SELECT version FROM schema_migrations WHERE version = $1", [version])).length === 1;
}

async function withStore<T>(url: string, options: Parameters<typeof openStore>[1], fn: (s: Store) => Promise<T>): Promise<T> {
  const s = await openStore(url, options);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

forEachBackend((b) => {
  describe("migration 30: TOAST compression of parameter trees", () => {
    test("applies, and trees written before and after it read back the same records", async () => {
      const url = await b.freshUrl();
      const pg = b.name === "postgres";
      // This code needs the later migrations' schema: the row is written with it, then the row and the
      // schema are put back as they were before migration 30 (the column's default compression, the row
      // written with it, the migration not applied).
      const before = await withStore(url, {}, async (s) => {
        await s.devices.recordInform(inform("d1"));
        await s.parameters.setValues("d1", values(1), T0);
        return s.parameters.all("d1");
      });
      assert.equal(before.length, 3 + 100 + 200, "Device., Device.Hosts., Device.Hosts.Host., the hosts and their values");
      if (pg) {
        await queryDirect(url, "ALTER TABLE device_trees ALTER COLUMN tree SET COMPRESSION pglz");
        await queryDirect(url, "UPDATE device_trees SET tree = tree || '{}'::jsonb");
      }
      await queryDirect(url, "DELETE FROM schema_migrations WHERE version = 30");
      assert.deepEqual(await applied(url, 30), false);

      await withStore(url, {}, async (s) => {
        assert.deepEqual(await applied(url, 30), true);
        assert.deepEqual(await s.parameters.all("d1"), before, "the row written before the migration");
        const lz4 = pg && (await queryDirect(url, "SELECT 'lz4' = ANY(enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'"))[0]!.ok === true;
        if (pg) {
          const column = await queryDirect(url, "SELECT attcompression AS c FROM pg_attribute WHERE attrelid = 'device_trees'::regclass AND attname = 'tree'");
          assert.equal(column[0]!.c, lz4 ? "l" : "", "the column's method: lz4 where the server has it, else the default");
          const method = async () => (await queryDirect(url, "SELECT pg_column_compression(tree) AS m FROM device_trees WHERE device_id = 'd1'"))[0]!.m;
          assert.equal(await method(), "pglz", "a row keeps its compression until it is written again");
          // Values to paths the tree has, more than its `recent` document takes: the merging UPDATE rewrites the tree.
          await s.parameters.setValues("d1", values(2), new Date(T0.getTime() + 1000));
          assert.equal(await method(), lz4 ? "lz4" : "pglz");
        } else {
          await s.parameters.setValues("d1", values(2), new Date(T0.getTime() + 1000));
        }
        const after = await s.parameters.all("d1");
        const expected = new Map(values(2).map((v) => [v.path, v.value]));
        assert.equal(after.length, before.length);
        for (const r of after) {
          if (r.object) continue;
          assert.equal(r.value, expected.get(r.path), r.path);
          assert.equal(r.valueAt?.getTime(), T0.getTime() + 1000, r.path);
        }
        // A filter reads the rewritten tree in SQL (not an indexed path).
        const found = await s.devices.list({ filter: 'Device.Hosts.Host.7.HostName = "host-7-of-the-lab-network-2"', now: T0 });
        assert.deepEqual(found.map((d) => d.id), ["d1"]);
      });
    });
  });
});
