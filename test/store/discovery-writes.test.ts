// What a discovery (docs/scale.md) asks of a device's tree: the names of the whole data model in one
// write, then the values in chunks (cwmp.gpvBatchSize names each), each chunk in its own exchange's
// transaction. Each chunk is one write of the tree that merges the chunk's records in SQL (PostgreSQL's
// jsonb merge, SQLite's json_patch), never the tree encoded by the ACS and written back whole: counted
// here statement by statement, on both backends. The merge keeps what the tree's writes keep besides
// the row: the indexed paths' param_index rows (built in and chosen by the operator), the indexed set's
// revision checks, and the tree a transaction keeps for its reads.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openStore, StoreCounters, type ParameterRecord, type Store, type TransactionCounts } from "../../src/store/index.js";
import { queryDirect, forEachBackend } from "../support/pg.js";
import { at, inform } from "./conformance.js";

/** A gateway's subtree: 12 instances of 6 parameters, about half of them writable. */
const instances = Array.from({ length: 12 }, (_, i) => `Device.Hosts.Host.${i + 1}.`);
const leaves = instances.flatMap((o) => ["IPAddress", "MACAddress", "HostName", "Active", "LeaseTimeRemaining", "Layer1Interface"].map((p) => `${o}${p}`));
const names = [
  { path: "Device.Hosts.", writable: false },
  { path: "Device.Hosts.Host.", writable: false },
  ...instances.map((path) => ({ path, writable: false })),
  ...leaves.map((path, i) => ({ path, writable: i % 2 === 0 })),
];

/** The value a leaf reads as: every kind the tree encodes (text, integer, boolean, date-time). */
function valueOf(path: string, round: number): { value: string; type: string } {
  if (path.endsWith("Active")) return { value: round % 2 === 0 ? "true" : "false", type: "xsd:boolean" };
  if (path.endsWith("LeaseTimeRemaining")) return { value: String(3600 - round), type: "xsd:int" };
  if (path.endsWith("Layer1Interface")) return { value: `2024-01-0${round + 1}T00:00:00Z`, type: "xsd:dateTime" };
  return { value: `${path.split(".")[3]}-"${round}"-é`, type: "xsd:string" };
}

const CHUNK = 16;

async function discover(store: Store, counters: StoreCounters, deviceId: string, round: number): Promise<TransactionCounts[]> {
  await store.transaction((tx) => tx.parameters.setNames(deviceId, "Device.Hosts.", false, names, at(1_000 * round)));
  const log: TransactionCounts[] = [];
  counters.transactionLog = log;
  try {
    for (let i = 0; i < leaves.length; i += CHUNK) {
      const chunk = leaves.slice(i, i + CHUNK).map((path) => ({ path, ...valueOf(path, round) }));
      await store.transaction((tx) => tx.parameters.setValues(deviceId, chunk, at(1_000 * round + 10 + i)));
    }
  } finally {
    counters.transactionLog = null;
  }
  return log;
}

forEachBackend((b) => {
  describe("a discovery's writes of a device's tree", () => {
    test("each chunk of values is one write of the tree, merged into the records the names made", async (ctx) => {
      const counters = new StoreCounters();
      const url = await b.freshUrl();
      const store = await openStore(url, { postgres: { counters }, sqlite: { counters } });
      ctx.after(() => store.close());
      await store.devices.recordInform(inform("d1"));
      await store.devices.recordInform(inform("d2"));
      // The first device's discovery meets every path first; the second's is a discovery like most.
      await discover(store, counters, "d1", 0);
      const log = await discover(store, counters, "d2", 1);
      assert.equal(log.length, Math.ceil(leaves.length / CHUNK));
      // PostgreSQL: BEGIN (not waited for), the UPDATE that merges the chunk into the tree, COMMIT.
      // SQLite: the read that checks that the tree has every path (with the indexed parameters'
      // revision; whole, since a transaction keeps the tree for its reads) and the json_patch UPDATE
      // (BEGIN and COMMIT are the commit group's, and a group's opener takes no savepoint).
      const each = b.name === "postgres" ? { statements: 3, roundTrips: 2 } : { statements: 2, roundTrips: 2 };
      assert.deepEqual(log, log.map(() => each));

      const records = new Map((await store.parameters.subtree("d2", "Device.Hosts.")).map((r) => [r.path, r]));
      assert.deepEqual([...records.keys()].sort(), names.map((n) => n.path).sort());
      for (const [i, path] of leaves.entries()) {
        const r = records.get(path)!;
        const chunkAt = at(1_000 + 10 + Math.floor(i / CHUNK) * CHUNK).getTime();
        assert.deepEqual(
          { value: r.value, type: r.type, writable: r.writable, valueAt: r.valueAt?.getTime(), namesAt: r.namesAt?.getTime() },
          { ...valueOf(path, 1), writable: i % 2 === 0, valueAt: chunkAt, namesAt: chunkAt },
          path,
        );
      }
      const object: ParameterRecord = records.get("Device.Hosts.Host.3.")!;
      assert.deepEqual({ value: object.value, writable: object.writable, namesAt: object.namesAt?.getTime() }, { value: null, writable: false, namesAt: at(1_000).getTime() });
      // The first device's records are its own.
      assert.equal((await store.parameters.get("d1", [leaves[0]!]))[0]!.value, valueOf(leaves[0]!, 0).value);
      // Filters read the merged records in SQL as the ACS reads them.
      const active = await store.devices.list({ filter: `${leaves.find((p) => p.endsWith("Active"))} = false` });
      assert.deepEqual(active.map((d) => d.id), ["d2"]);
      const lease = await store.devices.list({ filter: `${leaves.find((p) => p.endsWith("LeaseTimeRemaining"))} > 3599.5` });
      assert.deepEqual(lease.map((d) => d.id), ["d1"]);
      // The row's shared times are still those the names' write set: no chunk rewrote the row.
      const [row] = await queryDirect(url, "SELECT names_at FROM device_trees WHERE device_id = $1", ["d2"]);
      assert.equal(Number(row!.names_at), at(1_000).getTime());
    });

    test("a merge keeps the indexed paths' rows (written when a value changed), the set's revision, and the transaction's kept tree", async (ctx) => {
      const counters = new StoreCounters();
      const url = await b.freshUrl();
      const store = await openStore(url, { postgres: { counters }, sqlite: { counters } });
      // Another process: it writes knowing the indexed set as it was before the operator chose a pattern.
      const other = await openStore(url);
      ctx.after(() => Promise.all([store.close(), other.close()]));
      const version = "Device.DeviceInfo.SoftwareVersion";
      const host = (i: number) => `Device.Hosts.Host.${i}.HostName`;
      await store.devices.recordInform(inform("d1"));
      await store.transaction((tx) => tx.parameters.setNames("d1", "Device.", false, [
        { path: "Device.DeviceInfo.", writable: false }, { path: version, writable: false }, ...names,
      ], at(0)));
      await other.parameters.setValues("d1", [{ path: version, value: "1.0", type: "xsd:string" }, { path: host(1), value: "a", type: "xsd:string" }], at(1));
      await store.indexedParameters.set(["Device.Hosts.Host.*.HostName"], at(2));
      for (let i = 0; (await store.indexedParameters.step(10, at(2))) !== "idle"; i++) assert.ok(i < 100, "the fill did not end");
      const indexRows = async () => (await queryDirect(url,
        "SELECT pp.path, p.value FROM param_index p JOIN param_paths pp ON pp.id = p.path_id WHERE p.device_id = $1", ["d1"]))
        .filter((r) => [version, host(1), host(2), host(3), host(4)].includes(String(r.path))).map((r) => `${String(r.path)}=${String(r.value)}`).sort();
      // The fill wrote a row for each record of a chosen path, valueless ones (names only) too.
      assert.deepEqual(await indexRows(), [`${version}=1.0`, `${host(1)}=a`, `${host(2)}=null`, `${host(3)}=null`, `${host(4)}=null`]);

      // The other process has not read the set since the pattern was chosen: its check reads the new
      // revision, and the chosen paths' rows are written with the values.
      await other.parameters.setValues("d1", [{ path: host(1), value: "b", type: "xsd:string" }, { path: host(2), value: "c", type: "xsd:string" }], at(3));
      assert.deepEqual(await indexRows(), [`${version}=1.0`, `${host(1)}=b`, `${host(2)}=c`, `${host(3)}=null`, `${host(4)}=null`]);
      // This store's writes below know the set as it is now (a transaction's read of the tree, on SQLite
      // as a writer reads it, brings the revision), so that their counts do not include its reading.
      await store.transaction((tx) => tx.parameters.get("d1", [version]));

      const log: TransactionCounts[] = [];
      counters.transactionLog = log;
      try {
        // Outside a transaction: a changed indexed value adds its rows' write; the same values again do not.
        const values = [{ path: version, value: "2.0", type: "xsd:string" }, { path: host(1), value: "d", type: "xsd:string" }, { path: host(3), value: "e", type: "xsd:string" }];
        await store.parameters.setValues("d1", values, at(4));
        await store.parameters.setValues("d1", values, at(5));
        // In a transaction that read the tree first: the merge needs no check, and the kept tree reads what it merged.
        const read = await store.transaction(async (tx) => {
          assert.equal((await tx.parameters.get("d1", [version]))[0]!.value, "2.0");
          await tx.parameters.setValues("d1", [{ path: version, value: "3.0", type: "xsd:string" }, { path: host(4), value: "", type: "xsd:string" }], at(6));
          return tx.parameters.get("d1", [version, host(4), host(1)]);
        });
        assert.deepEqual(read.map((r) => [r.path, r.value, r.valueAt?.getTime(), r.writable]), [
          [version, "3.0", at(6).getTime(), false], [host(1), "d", at(5).getTime(), true], [host(4), "", at(6).getTime(), true],
        ]);
        // In a transaction that writes first: its reads after the merge (two at once) read the tree as the merge left it.
        const [version7, hosts7] = await store.transaction(async (tx) => {
          await tx.parameters.setValues("d1", [{ path: host(2), value: "f", type: "xsd:string" }, { path: host(5), value: "7", type: "xsd:unsignedInt" }], at(7));
          return Promise.all([tx.parameters.get("d1", [version]), tx.parameters.subtree("d1", "Device.Hosts.Host.")]);
        });
        assert.deepEqual(version7.map((r) => [r.value, r.valueAt?.getTime()]), [["3.0", at(6).getTime()]]);
        const merged = new Map(hosts7.map((r) => [r.path, r]));
        assert.equal(merged.size, instances.length * 7 + 1);
        assert.deepEqual([host(1), host(2), host(5)].map((p) => [merged.get(p)!.value, merged.get(p)!.type, merged.get(p)!.valueAt?.getTime()]), [
          ["d", "xsd:string", at(5).getTime()], ["f", "xsd:string", at(7).getTime()], ["7", "xsd:unsignedInt", at(7).getTime()],
        ]);
      } finally {
        counters.transactionLog = null;
      }
      if (b.name === "sqlite") {
        // The check, the UPDATE, the rows' write (changed values only); then the transaction's read of the
        // tree, its UPDATE and the rows' write, and no statement for its read after the write; then the
        // check, the UPDATE and the rows' write, and no statement for the reads after them.
        assert.deepEqual(log.map((t) => t.statements), [3, 2, 3, 3]);
      }
      assert.deepEqual(await indexRows(), [`${version}=3.0`, `${host(1)}=d`, `${host(2)}=f`, `${host(3)}=e`, `${host(4)}=`]);
      // Filters read the indexed paths from param_index: they find what the merges wrote.
      assert.deepEqual((await store.devices.list({ filter: `${version} = "3.0"` })).map((d) => d.id), ["d1"]);
      assert.deepEqual((await store.devices.list({ filter: `${host(3)} = "e"` })).map((d) => d.id), ["d1"]);
      // What another store reads of the tree is what the merges left.
      const records = await other.parameters.get("d1", [version, host(1), host(2), host(3)]);
      assert.deepEqual(records.map((r) => [r.value, r.type, r.valueAt?.getTime(), r.namesAt?.getTime()]), [
        ["3.0", "xsd:string", at(6).getTime(), at(6).getTime()], ["d", "xsd:string", at(5).getTime(), at(5).getTime()],
        ["f", "xsd:string", at(7).getTime(), at(7).getTime()], ["e", "xsd:string", at(5).getTime(), at(5).getTime()],
      ]);
      // A device deleted after a merge in its transaction has no tree for the transaction's reads.
      const afterDelete = await store.transaction(async (tx) => {
        await tx.parameters.setValues("d1", [{ path: host(3), value: "g", type: "xsd:string" }], at(8));
        await tx.devices.delete("d1");
        return tx.parameters.all("d1");
      });
      assert.deepEqual(afterDelete, []);
    });
  });
});

