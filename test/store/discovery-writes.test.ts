// What a discovery (docs/scale.md) asks of a device's tree: the names of the whole data model in one
// write, then the values in chunks (cwmp.gpvBatchSize names each), each chunk in its own exchange's
// transaction. Each chunk is one write of the tree: on PostgreSQL an UPDATE that merges the chunk's
// records in SQL, never the tree read into the ACS and written back whole; on SQLite (where the merge in
// SQL is not ported yet: docs/scale.md) the tree read and written back. Counted statement by statement.

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
    test("each chunk of values is one write of the tree (merged in SQL on PostgreSQL) into the records the names made", async (ctx) => {
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
      // SQLite: the tree's read (with the indexed parameters' revision) and its write (BEGIN and COMMIT
      // are the commit group's, and a group's opener takes no savepoint).
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
      // PostgreSQL: the row's shared times are still those the names' write set: no chunk rewrote the row.
      if (b.name === "postgres") {
        const [row] = await queryDirect(url, "SELECT names_at FROM device_trees WHERE device_id = $1", ["d2"]);
        assert.equal(Number(row!.names_at), at(1_000).getTime());
      }
    });
  });
});

