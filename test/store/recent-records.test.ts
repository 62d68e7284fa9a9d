// A large tree's writes of values go to its row's `recent` document and leave the tree as it was
// (sql/tree.ts); every read (whole, a few records, a subtree, a filter, the types, an indexed
// parameter's fill) takes the recent records over the tree's; recent is folded into the tree by a write
// that would take it past RECENT_BYTES, and by any rewrite of the tree, each of its records replacing the tree's whole.
// A small tree's writes merge into the tree. On both backends.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openStore, type Store } from "../../src/store/index.js";
import { RECENT_BYTES } from "../../src/store/sql/tree.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { at } from "./conformance.js";
import { discoveredHosts, hostTable } from "./host-table.js";

interface Row {
  tree: Record<string, Record<string, unknown>>;
  recent: Record<string, Record<string, unknown>> | null;
  recentBytes: number;
}

forEachBackend((b) => {
  const pg = b.name === "postgres";
  /** The device's row as stored: both documents, and recent's size as the fold reads it. */
  async function row(url: string, id: string): Promise<Row> {
    const [r] = await queryDirect(url, pg
      ? "SELECT tree::text AS tree, recent::text AS recent, pg_column_size(COALESCE(recent, '{}'::jsonb) || '{}'::jsonb) AS n FROM device_trees WHERE device_id = $1"
      : "SELECT json(tree) AS tree, json(recent) AS recent, COALESCE(octet_length(recent), 0) AS n FROM device_trees WHERE device_id = $1", [id]);
    return { tree: JSON.parse(String(r!.tree)), recent: r!.recent == null ? null : JSON.parse(String(r!.recent)), recentBytes: Number(r!.n) };
  }
  async function pathId(url: string, path: string): Promise<string> {
    return String((await queryDirect(url, "SELECT id FROM param_paths WHERE path = $1", [path]))[0]!.id);
  }
  const value = async (store: Store, id: string, path: string) => (await store.parameters.get(id, [path]))[0]?.value;

  describe("a large tree's recent records", () => {
    test("writes leave the tree as it was, and every read sees them", async (ctx) => {
      const url = await b.freshUrl();
      const store = await openStore(url);
      ctx.after(() => store.close());
      const { leaves } = await discoveredHosts(store, "big", 150);
      const small = await discoveredHosts(store, "little", 2);
      const before = await row(url, "big");
      assert.equal(before.recent, null);
      if (pg) {
        // Compressed as the tree is (migration 33), with lz4 where the server has it.
        const [lz4] = await queryDirect(url, "SELECT 'lz4' = ANY(enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'");
        const [column] = await queryDirect(url, "SELECT attcompression AS c FROM pg_attribute WHERE attrelid = 'device_trees'::regclass AND attname = 'recent'");
        assert.equal(column!.c, lz4!.ok === true ? "l" : "");
      }

      // IPAddress (writable), Active, LeaseTimeRemaining becoming an unsignedInt; the small tree's too.
      const [ip, mac, host, active, lease] = leaves;
      await store.parameters.setValues("big", [
        { path: ip!, value: "written", type: "xsd:string" }, { path: active!, value: "false", type: "xsd:boolean" },
        { path: lease!, value: "77", type: "xsd:unsignedInt" },
      ], at(2));
      await store.parameters.setValues("little", [{ path: small.leaves[0]!, value: "written", type: "xsd:string" }], at(2));
      const after = await row(url, "big");
      assert.deepEqual(after.tree, before.tree);
      const ipId = await pathId(url, ip!);
      // Whole records: what the write did not change (writable) comes with them.
      assert.deepEqual(Object.keys(after.recent!).sort(), [ipId, await pathId(url, active!), await pathId(url, lease!)].sort());
      assert.deepEqual(after.recent![ipId], { v: "written", t: "string", w: true, tv: at(2).getTime(), tn: at(2).getTime() });
      const little = await row(url, "little");
      assert.equal(little.recent, null);
      assert.equal(little.tree[await pathId(url, small.leaves[0]!)]!.v, "written");

      // Whole, a few records, a subtree.
      const all = new Map((await store.parameters.all("big")).map((r) => [r.path, r]));
      assert.deepEqual([ip, active, lease, mac].map((p) => all.get(p!)!.value), ["written", "false", "77", "value of host parameter 1"]);
      assert.deepEqual([all.get(ip!)!.writable, all.get(ip!)!.valueAt?.getTime(), all.get(mac!)!.valueAt?.getTime()], [true, at(2).getTime(), at(1).getTime()]);
      assert.deepEqual((await store.parameters.subtree("big", "Device.Hosts.Host.1.")).map((r) => r.value),
        [null, "false", "value of host parameter 2", "written", "77", "value of host parameter 1"]);
      // In a transaction that wrote the tree, a few records are read in SQL (tree-rows.ts: readRecords).
      // Records all in recent (on PostgreSQL the tree is then not read), or not.
      const inTx = await store.transaction(async (tx) => {
        await tx.parameters.setValues("big", [{ path: host!, value: "in a transaction", type: "xsd:string" }], at(3));
        return [await tx.parameters.get("big", [ip!, host!, mac!]), await tx.parameters.get("big", [ip!, host!]), await tx.parameters.get("big", [ip!, "Device.Unknown"])];
      });
      assert.deepEqual(inTx.map((records) => records.map((r) => r.value)), [
        ["in a transaction", "written", "value of host parameter 1"], ["in a transaction", "written"], ["written"],
      ]);
      // Filters on parameters that are not indexed read the records in SQL, the number too; the types.
      assert.deepEqual((await store.devices.list({ filter: `${ip} = "written"` })).map((d) => d.id).sort(), ["big", "little"]);
      assert.deepEqual((await store.devices.list({ filter: `${lease} > 50` })).map((d) => d.id), ["big"]);
      assert.deepEqual((await store.devices.list({ filter: `${active} = false` })).map((d) => d.id), ["big"]);
      assert.deepEqual(await store.parameters.typesOf(["big"], [lease!]), [{ deviceId: "big", path: lease!, type: "xsd:unsignedInt" }]);
      // An indexed parameter chosen now is filled from the recent record.
      await store.indexedParameters.set(["Device.Hosts.Host.*.HostName"], at(4));
      for (let i = 0; i < 100 && (await store.indexedParameters.step(10, at(4))) !== "idle"; i++);
      const indexed = await queryDirect(url, "SELECT value FROM param_index WHERE device_id = 'big' AND path_id = $1", [Number(await pathId(url, host!))]);
      assert.deepEqual(indexed.map((r) => r.value), ["in a transaction"]);
      assert.deepEqual((await store.devices.list({ filter: `${host} = "in a transaction"` })).map((d) => d.id), ["big"]);
      assert.equal((await row(url, "big")).recent![await pathId(url, host!)]!.v, "in a transaction");
    });

    test("are folded into the tree when a write would take them past RECENT_BYTES, and by a rewrite, each replacing the tree's record", async (ctx) => {
      const url = await b.freshUrl();
      const store = await openStore(url);
      ctx.after(() => store.close());
      const { leaves } = await discoveredHosts(store, "big", 150);
      const ip = leaves[0]!;
      const ipId = await pathId(url, ip);
      // A text that becomes an integer: the record loses its "v", and the fold must not bring it back.
      await store.parameters.setValues("big", [{ path: ip, value: "text", type: "xsd:string" }], at(2));
      await store.parameters.setValues("big", [{ path: ip, value: "5", type: "xsd:int" }], at(3));
      assert.deepEqual((await row(url, "big")).recent![ipId], { "#": 5, t: "int", w: true, tv: at(3).getTime(), tn: at(3).getTime() });

      const written = new Map<string, string>([[ip, "5"]]);
      let largest = 0;
      let folded = -1;
      for (let batch = 0; batch < 40 && folded < 0; batch++) {
        const values = leaves.slice(5 + batch * 10, 15 + batch * 10).filter((p) => !p.endsWith("Active"))
          .map((path) => ({ path, value: `batch ${batch}: a value of forty characters or so`, type: "xsd:string" }));
        for (const v of values) written.set(v.path, v.value);
        await store.parameters.setValues("big", values, at(10 + batch));
        const r = await row(url, "big");
        if (r.recent === null) folded = batch;
        else largest = Math.max(largest, r.recentBytes);
      }
      assert.ok(folded > 0, `recent was folded after batch ${folded}`);
      // It came close to the limit, not past it (a record's bytes as stored and as written differ a little).
      assert.ok(largest > RECENT_BYTES / 2 && largest < RECENT_BYTES * 1.2, `recent reached ${largest} bytes`);
      const tree = (await row(url, "big")).tree;
      assert.deepEqual(tree[ipId], { "#": 5, t: "int", w: true, tv: at(3).getTime(), tn: at(3).getTime() });
      const all = new Map((await store.parameters.all("big")).map((r) => [r.path, r.value]));
      for (const [path, v] of written) assert.equal(all.get(path), v, path);
      assert.equal(all.size, hostTable(150).names.length + 1);

      // Recent again, then a rewrite (a path new to the tree) takes it back.
      await store.parameters.setValues("big", [{ path: ip, value: "again", type: "xsd:string" }], at(60));
      assert.notEqual((await row(url, "big")).recent, null);
      await store.parameters.setValues("big", [{ path: "Device.Hosts.Host.151.HostName", value: "new", type: "xsd:string" }], at(61));
      const rewritten = await row(url, "big");
      assert.equal(rewritten.recent, null);
      assert.equal(rewritten.tree[ipId]!.v, "again");
      assert.deepEqual([await value(store, "big", ip), await value(store, "big", "Device.Hosts.Host.151.HostName")], ["again", "new"]);
      // The same with a path this store already knows (another device has it), outside a transaction: on
      // SQLite the write's check hands the tree over for the rewrite, and recent's records must come with
      // it, or the rewrite takes their values back.
      const mac = leaves[1]!;
      await discoveredHosts(store, "other", 2);
      await store.parameters.setValues("other", [{ path: "Device.Hosts.Host.152.HostName", value: "elsewhere", type: "xsd:string" }], at(64));
      // A read finds the path committed: this store's dictionary now knows it without a statement.
      assert.equal(await value(store, "other", "Device.Hosts.Host.152.HostName"), "elsewhere");
      await store.parameters.setValues("big", [{ path: mac, value: "in recent", type: "xsd:string" }], at(65));
      assert.equal((await row(url, "big")).recent![await pathId(url, mac)]!.v, "in recent");
      await store.parameters.setValues("big", [{ path: "Device.Hosts.Host.152.HostName", value: "mine", type: "xsd:string" }], at(66));
      assert.equal((await row(url, "big")).recent, null);
      assert.deepEqual([await value(store, "big", mac), await value(store, "big", "Device.Hosts.Host.152.HostName")], ["in recent", "mine"]);
      // Names and attributes rewrite too.
      await store.parameters.setValues("big", [{ path: ip, value: "once more", type: "xsd:string" }], at(62));
      await store.parameters.setAttributes("big", [{ path: ip, notification: 2, accessList: [] }], at(63));
      const attributed = await row(url, "big");
      assert.equal(attributed.recent, null);
      assert.deepEqual([attributed.tree[ipId]!.v, attributed.tree[ipId]!.n], ["once more", 2]);
    });
  });
});
