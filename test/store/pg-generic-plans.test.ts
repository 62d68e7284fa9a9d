// PostgreSQL plans a prepared statement again at every call while a plan for the values bound looks
// cheaper than the generic one: a session's read of a device's values by their paths is such a
// statement. In a transaction with `genericPlans` (a CWMP session's) the connection's generic plan
// serves every call; the setting ends with the transaction.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { openStore, type Store } from "../../src/store/index.js";
import type { PgPool } from "../../src/store/postgres/driver.js";
import { inform } from "./conformance.js";
import { backend, pgServerUrl, PG_MISSING_MESSAGE } from "../support/pg.js";

const PATHS = ["Device.DeviceInfo.UpTime", "Device.DeviceInfo.ModelName"];

describe("postgres: generic plans in a session's transactions", () => {
  const b = backend("postgres");
  let pool: pg.Pool;
  let store: Store;
  before(async () => {
    assert.ok(pgServerUrl(), PG_MISSING_MESSAGE);
    // One connection: the store's statements are prepared on the one the checks below read from.
    pool = new pg.Pool({ connectionString: await b.freshUrl(), max: 1, pipeline: true } as pg.PoolConfig);
    // The database is dropped when the tests end, maybe before this pool's idle connection closes.
    pool.on("error", () => undefined);
    store = await openStore(pgServerUrl()!, { postgres: { pool: pool as unknown as PgPool } });
    await store.devices.recordInform(inform("d1"));
    await store.parameters.setValues("d1", PATHS.map((path) => ({ path, value: "1", type: "xsd:string" })), new Date());
  });
  after(async () => {
    await store?.close();
    await pool?.end();
  });

  /** The plans PostgreSQL made so far for the store's read of values by path, on the one connection. */
  async function plans(): Promise<{ generic: number; custom: number }> {
    const r = await pool.query<{ generic_plans: string; custom_plans: string }>(
      "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM unnest(%wanted(key)%' AND statement LIKE '%FROM parameters%'");
    assert.equal(r.rows.length, 1, "the read is one prepared statement");
    return { generic: Number(r.rows[0]!.generic_plans), custom: Number(r.rows[0]!.custom_plans) };
  }

  it("plans the read at every call without it, once with it, and leaves the connection as it was", async () => {
    for (let i = 0; i < 8; i++) assert.equal((await store.transaction((tx) => tx.parameters.get("d1", PATHS))).length, 2);
    const before = await plans();
    assert.deepEqual(before, { generic: 0, custom: 8 }, "a plan for the values bound looks cheaper: made at every call");
    for (let i = 0; i < 8; i++) assert.equal((await store.transaction((tx) => tx.parameters.get("d1", PATHS), { genericPlans: true })).length, 2);
    const after = await plans();
    assert.equal(after.custom, before.custom, "no plan made for the values bound");
    assert.equal(after.generic, 8, "the generic plan served every call");
    assert.equal((await pool.query<{ mode: string }>("SELECT current_setting('plan_cache_mode') AS mode")).rows[0]!.mode, "auto");
  });
});
