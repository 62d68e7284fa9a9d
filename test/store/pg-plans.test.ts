// PostgreSQL plans of the statements that read parameters, where the planner's statistics can mislead
// it. A fleet that grew since the last ANALYZE (a bootstrap storm; a benchmark's warm-up) has devices the
// statistics do not know. A device's records are one row of device_trees (sql/tree.ts): a session's read
// of a few values is one primary-key probe whatever the statistics say. A filter on an indexed path is a
// range of param_index; on another path, it reads the trees.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openStore, type Store } from "../../src/store/index.js";
import { postgresDialect } from "../../src/store/postgres/dialect.js";
import { compileFilter, SqlParams } from "../../src/store/sql/filter.js";
import { parse } from "../../src/query/parse.js";
import { inform } from "./conformance.js";
import { backend, pgServerUrl, PG_MISSING_MESSAGE, queryDirect } from "../support/pg.js";

/** Values of the device the statistics do not know: about a TR-181 gateway's tree. */
const VALUES = 1000;
/** Devices the statistics know. */
const FLEET = 5000;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

/** The rows the plan's scans of `table` read (returned, or read and filtered away), as EXPLAIN counts them. */
function rowsRead(node: PlanNode, table: string): number {
  const own = node["Relation Name"] === table ? (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0)) * node["Actual Loops"] : 0;
  return own + (node.Plans ?? []).reduce((sum, p) => sum + rowsRead(p, table), 0);
}

function nodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodes)];
}

describe("postgres: reads of a device's values and filters on them, whatever the statistics know of the device", () => {
  const b = backend("postgres");
  let store: Store;
  let url: string;
  const values = (i: number) => Array.from({ length: VALUES }, (_v, k) => ({ path: `Device.X.${String(k).padStart(5, "0")}`, value: String(k + i), type: "xsd:string" }));
  before(async () => {
    assert.ok(pgServerUrl(), PG_MISSING_MESSAGE);
    url = await b.freshUrl();
    store = await openStore(url);
    // A fleet big enough that reading a table whole costs more than its index (small trees: the plans
    // are the same for big ones, a row each), analyzed; then a device the statistics do not know.
    const at = new Date();
    const small = (i: number) => [
      { path: "Device.", object: true, writable: false, value: null, type: null },
      { path: "Device.DeviceInfo.", object: true, writable: false, value: null, type: null },
      { path: "Device.DeviceInfo.SoftwareVersion", object: false, writable: false, value: `v${i % 50}`, type: "xsd:string" },
      { path: "Device.X.", object: true, writable: false, value: null, type: null },
      { path: "Device.X.Seven", object: false, writable: false, value: String(7 + i), type: "xsd:string" },
    ];
    await store.fleet.load(Array.from({ length: FLEET }, (_v, i) => ({
      id: `known${i}`, manufacturer: "M", oui: "OUI", productClass: "P", serialNumber: `S${i}`, registeredAt: at, lastBootAt: at, lastInformAt: at,
      address: null, tags: [], parameters: small(i),
    })));
    await queryDirect(url, "ANALYZE");
    await store.devices.recordInform(inform("newcomer"));
    await store.parameters.setValues("newcomer", [...values(0), { path: "Device.DeviceInfo.SoftwareVersion", value: "new", type: "xsd:string" }], new Date());
  });
  after(() => store?.close());

  async function explain(sql: string, params: unknown[]): Promise<PlanNode> {
    const rows = await queryDirect(url, `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    return (rows[0]!["QUERY PLAN"] as { Plan: PlanNode }[])[0]!.Plan;
  }

  it("reads a device's tree as one row, by its primary key, for a device the statistics do not know", async () => {
    const got = await store.parameters.get("newcomer", ["Device.X.00001", "Device.X.00500", "Device.X.nope"]);
    assert.deepEqual(got.map((p) => [p.path, p.value]), [["Device.X.00001", "1"], ["Device.X.00500", "500"]]);
    const plan = await explain("SELECT tree FROM device_trees WHERE device_id = $1", ["newcomer"]);
    assert.equal(rowsRead(plan, "device_trees"), 1, JSON.stringify(plan));
    assert.ok(nodes(plan).some((n) => n["Index Name"] === "device_trees_pkey"), JSON.stringify(plan));
  });

  it("answers a filter on an indexed path from param_index, and one on another path from the trees", async () => {
    const where = (filter: string) => {
      const params = new SqlParams();
      const sql = `SELECT d.id FROM devices d WHERE ${compileFilter(parse(filter), postgresDialect, { now: new Date() }, params)} ORDER BY d.id`;
      return { sql, params: params.values };
    };
    const indexed = where('Device.DeviceInfo.SoftwareVersion = "new"');
    assert.deepEqual((await queryDirect(url, indexed.sql, indexed.params)).map((r) => r.id), ["newcomer"]);
    const plan = await explain(indexed.sql, indexed.params);
    assert.ok(nodes(plan).some((n) => n["Relation Name"] === "param_index" && /Index/.test(n["Node Type"])), JSON.stringify(plan));
    assert.equal(rowsRead(plan, "device_trees"), 0, JSON.stringify(plan));
    // Not indexed: a condition on the trees, which gives the same answer.
    const unindexed = where('Device.X.Seven = "17"');
    assert.deepEqual((await queryDirect(url, unindexed.sql, unindexed.params)).map((r) => r.id), ["known10"]);
    const scan = await explain(unindexed.sql, unindexed.params);
    assert.ok(rowsRead(scan, "device_trees") >= 1, JSON.stringify(scan));
    assert.equal(rowsRead(scan, "param_index"), 0, JSON.stringify(scan));
  });
});
