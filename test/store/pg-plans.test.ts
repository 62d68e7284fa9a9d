// PostgreSQL plans of the statements every session runs, where the planner's statistics can mislead it.
// A fleet that grew since the last ANALYZE (a bootstrap storm; a benchmark's warm-up) has devices the
// statistics do not know: the planner expects one row of each and, for "device_id = $1 AND path =
// ANY($2)", scans all of the device's rows (a thousand, with discovery) and filters them. A session's
// reads of a few known values must stay a few index probes.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openStore, type Store } from "../../src/store/index.js";
import { postgresDialect } from "../../src/store/postgres/dialect.js";
import { inform } from "./conformance.js";
import { backend, pgServerUrl, PG_MISSING_MESSAGE, queryDirect } from "../support/pg.js";

/** Rows each device has: about a TR-181 gateway's tree. */
const ROWS = 1000;

interface PlanNode {
  "Node Type": string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

/** The rows the plan's scans of `parameters` read (returned, or read and filtered away), as EXPLAIN counts them. */
function rowsRead(node: PlanNode): number {
  const own = node["Node Type"].includes("Scan") && node["Node Type"] !== "Function Scan" ? (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0)) * node["Actual Loops"] : 0;
  return own + (node.Plans ?? []).reduce((sum, p) => sum + rowsRead(p), 0);
}

describe("postgres: a session's reads of a device's values, whatever the statistics know of the device", () => {
  const b = backend("postgres");
  let store: Store;
  let url: string;
  before(async () => {
    assert.ok(pgServerUrl(), PG_MISSING_MESSAGE);
    url = await b.freshUrl();
    store = await openStore(url);
    const fill = (id: string) => queryDirect(url,
      "INSERT INTO parameters (device_id, path, object, value, type) SELECT $1, 'Device.X.' || lpad(i::text, 5, '0'), false, i::text, 'xsd:string' FROM generate_series(1, $2::int) i",
      [id, ROWS]);
    for (let i = 0; i < 20; i++) {
      await store.devices.recordInform(inform(`known${i}`));
      await fill(`known${i}`);
    }
    await queryDirect(url, "ANALYZE parameters");
    await store.devices.recordInform(inform("newcomer"));
    await fill("newcomer");
  });
  after(() => store?.close());

  const wanted = ["Device.X.00001", "Device.X.00500", "Device.X.00999", "Device.X.nope"];

  async function explain(sql: string): Promise<PlanNode> {
    const rows = await queryDirect(url, `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, ["newcomer", wanted]);
    return (rows[0]!["QUERY PLAN"] as { Plan: PlanNode }[])[0]!.Plan;
  }

  it("reads the values asked for, one index probe each, for a device the statistics do not know", async () => {
    const got = await store.parameters.get("newcomer", wanted);
    assert.deepEqual(got.map((p) => [p.path, p.value]), [["Device.X.00001", "1"], ["Device.X.00500", "500"], ["Device.X.00999", "999"]]);
    const plan = await explain(postgresDialect.rowsOfDevice("parameters", "path, value", "path", "$1", "$2"));
    // At most a row per path asked for (EXPLAIN gives a loop's rows rounded: 3 rows in 4 probes read as 4).
    assert.ok(rowsRead(plan) <= wanted.length, JSON.stringify(plan));
    // What the store's statement avoids, so that this test shows the situation it guards against: the
    // plain form reads the device's whole tree.
    const plain = await explain("SELECT path, value FROM parameters WHERE device_id = $1 AND path = ANY($2::text[])");
    assert.ok(rowsRead(plain) >= ROWS, `the plain form read ${rowsRead(plain)} rows: ${JSON.stringify(plain)}`);
  });
});
