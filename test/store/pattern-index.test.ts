// PostgreSQL's trigram indexes for *= and ~= (PostgreSQL migration 8): used where pg_trgm can be created, and a
// database where the role may not create it still migrates and answers those filters (by a scan).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pg from "pg";
import { parse } from "../../src/query/index.js";
import { openStore } from "../../src/store/index.js";
import { postgresDialect } from "../../src/store/postgres/dialect.js";
import { compileFilter, SqlParams } from "../../src/store/sql/filter.js";
import { createTestDatabase, PG_MISSING_MESSAGE, pgServerUrl, queryDirect } from "../support/pg.js";

const serverUrl = pgServerUrl();
const NOW = new Date(Date.UTC(2025, 0, 1));

async function inform(store: Awaited<ReturnType<typeof openStore>>, serial: string): Promise<void> {
  await store.devices.recordInform({
    id: `00D09E-HGW-${serial}`, manufacturer: "Acme", oui: "00D09E", productClass: "HGW", serialNumber: serial, address: null,
    cwmpNamespace: "1-2", cwmpVersion: "1.4", at: NOW, events: [],
  });
}

if (!serverUrl) {
  test("the PostgreSQL trigram index tests need a test server", () => {
    assert.fail(PG_MISSING_MESSAGE);
  });
} else {
  describe("postgres: trigram indexes for *= and ~=", () => {
    test("the migration creates them with pg_trgm, and a contains filter can be answered from the index", async () => {
      const db = await createTestDatabase(serverUrl);
      const store = await openStore(db.url);
      try {
        for (const s of ["SIM-ABC-1", "SIM-XYZ-2", "LAB-ABC-3"]) await inform(store, s);
        const indexes = await queryDirect(db.url, "SELECT indexname FROM pg_indexes WHERE tablename = 'devices' AND indexname LIKE '%trgm' ORDER BY 1");
        assert.deepEqual(indexes.map((r) => r.indexname), ["devices_id_trgm", "devices_serial_number_trgm"]);
        const params = new SqlParams();
        const where = compileFilter(parse('serialNumber *= "ABC"'), postgresDialect, { now: NOW }, params);
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          // Three rows would be scanned whatever the indexes; forbidding the scan shows the index can answer.
          await client.query("SET enable_seqscan = off");
          const plan = await client.query(`EXPLAIN SELECT d.id FROM devices d WHERE ${where}`, params.values);
          assert.match(plan.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n"), /devices_serial_number_trgm/);
        } finally {
          await client.end();
        }
        assert.deepEqual((await store.devices.list({ filter: 'serialNumber *= "ABC"' })).map((d) => d.serialNumber), ["LAB-ABC-3", "SIM-ABC-1"]);
      } finally {
        await store.close();
        await db.drop();
      }
    });

    test("a role that may not create pg_trgm still migrates, without the indexes, and the filters still work", async () => {
      const db = await createTestDatabase(serverUrl);
      const role = `r_${Math.random().toString(36).slice(2, 10)}`;
      await queryDirect(db.url, `CREATE ROLE ${role} LOGIN`);
      try {
        // Its own schema to create tables in, but no CREATE on the database, which a trusted extension needs.
        await queryDirect(db.url, `CREATE SCHEMA ${role} AUTHORIZATION ${role}`);
        const url = new URL(db.url);
        url.username = role;
        url.password = "";
        url.searchParams.set("options", `-c search_path=${role}`);
        const store = await openStore(url.toString());
        try {
          for (const s of ["SIM-ABC-1", "SIM-XYZ-2", "LAB-ABC-3"]) await inform(store, s);
          assert.deepEqual(await queryDirect(db.url, "SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'"), []);
          assert.deepEqual(await queryDirect(db.url, "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%trgm'"), []);
          const versions = await queryDirect(db.url, `SELECT version FROM ${role}.schema_migrations WHERE version = 8`);
          assert.equal(versions.length, 1);
          assert.deepEqual((await store.devices.list({ filter: 'serialNumber ~= "*-ABC-?"' })).map((d) => d.serialNumber), ["LAB-ABC-3", "SIM-ABC-1"]);
        } finally {
          await store.close();
        }
      } finally {
        await db.drop();
        await queryDirect(serverUrl, `DROP ROLE IF EXISTS ${role}`);
      }
    });
  });
}
