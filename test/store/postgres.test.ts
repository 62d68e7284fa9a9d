import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import pg from "pg";
import { openStore, type Store } from "../../src/store/index.js";
import { withJitOff } from "../../src/store/postgres/index.js";
import { storeTypes } from "../../src/store/postgres/timestamps.js";
import { backend, createTestDatabase, PG_MISSING_MESSAGE, pgServerUrl, queryDirect } from "../support/pg.js";
import { runInChildren } from "./child.js";
import { at, conformance, inform } from "./conformance.js";

const serverUrl = pgServerUrl();

if (!serverUrl) {
  // Not a skip: without a server this file cannot vouch for the PostgreSQL backend, and says so.
  test("the PostgreSQL backend needs a test server", () => {
    assert.fail(PG_MISSING_MESSAGE);
  });
} else {
  describe("postgres", () => {
    conformance(backend("postgres"));
  });

  describe("postgres: several pools and processes on one database", () => {
    const b = backend("postgres");

    test("two stores (two pools) racing for the session locks of many devices: one winner per device", async () => {
      const url = await b.freshUrl();
      const stores: Store[] = [await openStore(url, { postgres: { maxConnections: 8 } }), await openStore(url, { postgres: { maxConnections: 8 } })];
      try {
        const devices = Array.from({ length: 30 }, (_v, i) => `d${i}`);
        const attempts = devices.flatMap((d) => stores.flatMap((s, si) => [0, 1].map((k) =>
          s.sessions.acquire(d, `${d}-s${si}-${k}`, { si, k }, at(30_000)).then((r) => ({ d, r })))));
        const results = await Promise.all(attempts);
        for (const d of devices) {
          const wins = results.filter((x) => x.d === d && x.r !== null);
          assert.equal(wins.length, 1, `device ${d}: ${wins.length} winners`);
          assert.deepEqual(await stores[0]?.sessions.get(wins[0]?.r?.id ?? ""), wins[0]?.r);
        }
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test("of several processes racing for one device's session lock exactly one wins", async () => {
      const url = await b.freshUrl();
      await (await openStore(url)).close();
      const results = await runInChildren(Array.from({ length: 4 }, (_v, i) => ({
        action: "acquire" as const, url, deviceId: "d1", sessionId: `p${i}`, expiresAt: at(30_000).getTime(),
      })));
      assert.equal(results.filter((r) => r === true).length, 1, JSON.stringify(results));
    });

    test("a lapsed session is ended (settled) by exactly one of several racing stores, and one takes the device", async () => {
      const url = await b.freshUrl();
      const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      try {
        assert.notEqual(await stores[0]?.sessions.acquire("d1", "old", {}, at(10)), null);
        const results = await Promise.all(stores.map((s, i) => s.transaction(async (tx) => {
          const rec = await tx.sessions.ofDevice("d1");
          const ended = rec !== null && rec.id === "old" && (await tx.sessions.end(rec.id, rec.version));
          return { ended, took: (await tx.sessions.acquire("d1", `new${i}`, {}, at(1000))) !== null };
        })));
        assert.equal(results.filter((r) => r.ended).length, 1, JSON.stringify(results));
        assert.equal(results.filter((r) => r.took).length, 1, JSON.stringify(results));
        assert.equal(await stores[1]?.sessions.get("old"), null);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test("first writer wins setIfAbsent across pools", async () => {
      const url = await b.freshUrl();
      const stores = await Promise.all([openStore(url), openStore(url)]);
      try {
        const results = await Promise.all(Array.from({ length: 10 }, (_v, i) => stores[i % 2]?.settings.setIfAbsent("secret", `v${i}`)));
        assert.equal(new Set(results).size, 1);
        assert.equal(await stores[1]?.settings.get("secret"), results[0]);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test("several processes migrating a new database at once apply each migration once", async () => {
      const url = await b.freshUrl();
      const results = await runInChildren(Array.from({ length: 4 }, () => ({ action: "open" as const, url })));
      assert.deepEqual(results, ["opened", "opened", "opened", "opened"]);
      const rows = await queryDirect(url, "SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version");
      assert.ok(rows.length >= 1 && rows.every((r) => Number(r.n) === 1));
    });
  });

  describe("postgres: connection options", () => {
    const b = backend("postgres");

    test("the store's connections run without JIT, keeping the options the URL gives", async () => {
      assert.equal(new URL(withJitOff("postgres://u@h:5/db")).searchParams.get("options"), "-c jit=off");
      assert.equal(new URL(withJitOff("postgres://u@h:5/db?options=-c%20search_path%3Ds1")).searchParams.get("options"), "-c search_path=s1 -c jit=off");
      assert.equal(withJitOff("postgres://u@h:5/db?options=-c%20jit%3Don"), "postgres://u@h:5/db?options=-c%20jit%3Don");
      // What the server makes of it, through the same driver and URL parser the store uses.
      const url = await b.freshUrl();
      const client = new pg.Client({ connectionString: withJitOff(url) });
      await client.connect();
      try {
        const rows = (await client.query("SELECT current_setting('jit') AS jit, current_schemas(false)::text AS schemas")).rows as { jit: string; schemas: string }[];
        assert.equal(rows[0]?.jit, "off");
        assert.match(rows[0]?.schemas ?? "", /^\{s_/, "the URL's search_path is kept");
      } finally {
        await client.end();
      }
    });
  });

  describe("postgres: reading times", () => {
    const b = backend("postgres");

    test("the same time read many times gives equal, separate Dates; other times and infinity as the driver gives them", async (ctx) => {
      const s = await b.open();
      ctx.after(() => s.close());
      await s.devices.recordInform(inform("d1"));
      const [first, second] = [await s.devices.get("d1"), await s.devices.get("d1")];
      assert.deepEqual([first?.lastInformAt, second?.lastInformAt], [at(), at()]);
      first!.lastInformAt!.setTime(0);
      assert.deepEqual((await s.devices.get("d1"))?.lastInformAt, at(), "a Date a caller changed is not what the next read gives");
      // The parser itself against the driver's default, on texts the server sends, each read twice.
      const mine = storeTypes.getTypeParser(1184, "text") as (text: string) => unknown;
      const theirs = pg.types.getTypeParser(1184, "text") as (text: string) => unknown;
      for (const text of ["2026-12-01 00:00:00.123+00", "1999-01-01 23:59:59+02", "2026-12-01 00:00:00.123456+00", "infinity", "-infinity"]) {
        assert.deepEqual([mine(text), mine(text)], [theirs(text), theirs(text)], text);
      }
      assert.equal(storeTypes.getTypeParser(25, "text"), pg.types.getTypeParser(25, "text"), "other types keep the driver's parsers");
    });
  });

  describe("postgres: the database's locale does not matter", () => {
    // A database whose default collation is linguistic (ICU): "a_b" sorts before "a.b" there, and
    // "a.b" before "ab"; the store must still sort and match prefixes by code point, as SQLite does.
    let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
    let store: Store | null = null;
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    test("paths and ids sort by code point, and prefixes match exactly", async () => {
      db = await createTestDatabase(serverUrl, "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'und'");
      store = await openStore(db.url);
      const ids = ["a.b", "a_b", "A.c", "ab", "a-b"];
      for (const id of ids) await store.devices.recordInform(inform(id));
      assert.deepEqual((await store.devices.list()).map((d) => d.id), [...ids].sort());
      assert.deepEqual((await store.devices.list({ idPrefix: "a." })).map((d) => d.id), ["a.b"]);
      const paths = ["Device.A_b", "Device.A.b", "Device.Ab", "Device.a", "Device.A-b"];
      await store.parameters.setValues("ab", paths.map((path) => ({ path, value: "v", type: "xsd:string" })), at());
      const all = (await store.parameters.all("ab")).map((p) => p.path);
      assert.deepEqual(all, [...all].sort());
      assert.deepEqual((await store.parameters.subtree("ab", "Device.A.")).map((p) => p.path), ["Device.A.", "Device.A.b"]);
    });
  });
}
