// A transaction's writes of a large tree (a discovered device's: over KEPT_TREE_BYTES) do not carry the
// tree whole into the transaction's memory: its reads of a few records read them in SQL, its reads of
// a subtree or the whole tree read the row, and every read sees what the transaction wrote. Counted
// statement by statement, on both backends, beside a small tree's writes, which carry it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openStore, StoreCounters, type TransactionCounts } from "../../src/store/index.js";
import { KEPT_TREE_BYTES } from "../../src/store/sql/tree-rows.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { at } from "./conformance.js";
import { discoveredHosts } from "./host-table.js";

forEachBackend((b) => {
  describe("a transaction's writes of a large tree", () => {
    test("do not carry the tree: reads of a few records read them in SQL, and every read sees the writes", async (ctx) => {
      const counters = new StoreCounters();
      const url = await b.freshUrl();
      const store = await openStore(url, { postgres: { counters }, sqlite: { counters } });
      ctx.after(() => store.close());
      const large = await discoveredHosts(store, "big", 150);
      const small = await discoveredHosts(store, "little", 2);
      const size = async (id: string) => Number((await queryDirect(url,
        // On PostgreSQL the size as a write's RETURNING sees it: not compressed.
        `SELECT ${b.name === "postgres" ? "pg_column_size(tree || '{}'::jsonb)" : "octet_length(tree)"} AS n FROM device_trees WHERE device_id = $1`, [id]))[0]!.n);
      assert.ok((await size("big")) > KEPT_TREE_BYTES, `the large tree takes ${await size("big")} bytes`);
      assert.ok((await size("little")) <= KEPT_TREE_BYTES, `the small tree takes ${await size("little")} bytes`);

      // A periodic session's shape: values written, a few records read, values written again, read again.
      const session = (id: string, leaves: string[]) => store.transaction(async (tx) => {
        await tx.parameters.setValues(id, [{ path: leaves[0]!, value: "first write", type: "xsd:string" }, { path: leaves[3]!, value: "false", type: "xsd:boolean" }], at(2));
        const afterFirst = await tx.parameters.get(id, [leaves[0]!, leaves[1]!, leaves[3]!, "Device.Hosts.Host.999.HostName"]);
        await tx.parameters.setValues(id, [{ path: leaves[1]!, value: "second write", type: "xsd:string" }], at(3));
        const afterSecond = await tx.parameters.get(id, [leaves[0]!, leaves[1]!]);
        return { afterFirst, afterSecond };
      });
      const expectations = (leaves: string[], r: Awaited<ReturnType<typeof session>>) => {
        // In the paths' order: Active, IPAddress, MACAddress.
        assert.deepEqual(r.afterFirst.map((p) => [p.path, p.value, p.type, p.writable, p.valueAt?.getTime(), p.namesAt?.getTime()]), [
          [leaves[3], "false", "xsd:boolean", false, at(2).getTime(), at(2).getTime()],
          [leaves[0], "first write", "xsd:string", true, at(2).getTime(), at(2).getTime()],
          [leaves[1], "value of host parameter 1", "xsd:string", false, at(1).getTime(), at(1).getTime()],
        ]);
        assert.deepEqual(r.afterSecond.map((p) => [p.path, p.value, p.valueAt?.getTime()]), [
          [leaves[0], "first write", at(2).getTime()], [leaves[1], "second write", at(3).getTime()],
        ]);
      };

      const log: TransactionCounts[] = [];
      counters.transactionLog = log;
      try {
        expectations(small.leaves, await session("little", small.leaves));
        expectations(large.leaves, await session("big", large.leaves));
      } finally {
        counters.transactionLog = null;
      }
      // SQLite. The small tree: the first write's check (which hands the row over) and UPDATE, the second
      // write's UPDATE alone (the decoded tree tells that it has the path), no statement for the reads.
      // The large tree: each write's check and UPDATE, and a statement for each read.
      // PostgreSQL: BEGIN, the patching UPDATEs (the small tree comes back from them), COMMIT, and for the
      // large tree a statement for each read.
      const expected = b.name === "sqlite" ? [3, 6] : [4, 6];
      assert.deepEqual(log.map((t) => t.statements), expected);

      // A subtree read after a large tree's write reads the whole row, with what the transaction wrote.
      const hosts = await store.transaction(async (tx) => {
        await tx.parameters.setValues("big", [{ path: large.leaves[2]!, value: "third write", type: "xsd:string" }], at(4));
        return tx.parameters.subtree("big", "Device.Hosts.Host.");
      });
      const byPath = new Map(hosts.map((r) => [r.path, r]));
      assert.equal(byPath.size, large.names.length - 1);
      assert.deepEqual([0, 1, 2, 3, 4].map((i) => byPath.get(large.leaves[i]!)!.value), ["first write", "second write", "third write", "false", "value of host parameter 4"]);
      // A path new to a large tree but known to the store (another device has it): the check finds it
      // missing and does not hand the tree over, and the write reads the tree itself.
      await store.transaction((tx) => tx.parameters.setValues("little", [{ path: "Device.Hosts.Host.999.HostName", value: "elsewhere", type: "xsd:string" }], at(5)));
      const added = await store.transaction(async (tx) => {
        await tx.parameters.setValues("big", [{ path: large.leaves[0]!, value: "fourth write", type: "xsd:string" }, { path: "Device.Hosts.Host.999.HostName", value: "new", type: "xsd:string" }], at(5));
        return tx.parameters.get("big", [large.leaves[0]!, large.leaves[1]!, "Device.Hosts.Host.999.", "Device.Hosts.Host.999.HostName"]);
      });
      assert.deepEqual(added.map((r) => [r.path, r.value]), [
        ["Device.Hosts.Host.1.IPAddress", "fourth write"], ["Device.Hosts.Host.1.MACAddress", "second write"],
        ["Device.Hosts.Host.999.", null], ["Device.Hosts.Host.999.HostName", "new"],
      ]);
      // The new parameter and the ancestors it lacked: Device.Hosts.Host.999. and Device.
      assert.equal((await store.parameters.all("big")).length, large.names.length + 3);
      await store.parameters.setValues("big", [{ path: large.leaves[0]!, value: "first write", type: "xsd:string" }], at(6));
      // And what was committed is what another reader sees.
      const committed = await store.parameters.get("big", large.leaves.slice(0, 3));
      assert.deepEqual(committed.map((r) => [r.path, r.value]), [
        [large.leaves[2], "third write"], [large.leaves[0], "first write"], [large.leaves[1], "second write"],
      ]);
    });
  });
});
