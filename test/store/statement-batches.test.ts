// PostgreSQL: a transaction's prepared statements issued in one turn travel with one Sync
// (postgres/statement-batch.ts). Each still gets its own answer, parsed as when it travels alone; a
// statement that fails gets its error, the ones sent after it an error that says they were not run, the
// transaction rolls back, and the store goes on.

import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import pg from "pg";
import { StatementBatch } from "../../src/store/postgres/statement-batch.js";
import { StoreCounters, StoreError, type Store } from "../../src/store/index.js";
import { forEachBackend, twoStores } from "../support/pg.js";

forEachBackend((b) => {
  if (b.name !== "postgres") return;
  describe("statement batches", () => {
    const open = async (ctx: TestContext, batchStatements: boolean): Promise<{ url: string; store: Store; counters: StoreCounters; other: Store }> => {
      const counters = new StoreCounters();
      // Two connections: a few warm-up transactions have each parsed the statements (a statement not
      // parsed yet on its connection travels on its own).
      return { ...(await twoStores(b, ctx, { postgres: { counters, batchStatements, maxConnections: 2 } })), counters };
    };

    const expires = () => new Date(Date.now() + 60_000);

    /** A transaction of three statements issued together: a write, a read of what it wrote, a typed read. */
    const together = (store: Store, key: string) => store.transaction(async (tx) => {
      const [, value, session] = await Promise.all([
        tx.settings.set(key, { n: 1, text: "é\"'" }),
        tx.settings.get(key),
        tx.sessions.ofDevice("dev-1"),
      ]);
      return { value, session };
    });

    test("share one Sync a turn, each answered as when sent alone", async (ctx) => {
      const { store, counters, other } = await open(ctx, true);
      const session = await other.sessions.acquire("dev-1", "s-1", { step: 2, tags: ["a"] }, expires());
      assert.ok(session !== null);
      for (let i = 0; i < 4; i++) await together(store, `warm-${i}`);
      const before = counters.snapshot();
      const got = await together(store, "k");
      const after = counters.snapshot();
      assert.deepEqual(got.value, { n: 1, text: "é\"'" }, "the read sees the write sent before it in the batch");
      // Dates, numbers and JSON parsed as the store reads them alone.
      assert.deepEqual(got.session, await other.sessions.ofDevice("dev-1"));
      assert.ok(got.session!.expiresAt instanceof Date);
      assert.equal(after.statements - before.statements, 5, "BEGIN, three statements, COMMIT");
      assert.equal(after.syncs - before.syncs, 2, "BEGIN and the three share a Sync; COMMIT has its own");
      assert.deepEqual(await other.settings.get("k"), { n: 1, text: "é\"'" });
    });

    test("without batches, a Sync a statement", async (ctx) => {
      const { store, counters } = await open(ctx, false);
      for (let i = 0; i < 4; i++) await together(store, `warm-${i}`);
      const before = counters.snapshot();
      await together(store, "k");
      const after = counters.snapshot();
      assert.equal(after.syncs - before.syncs, after.statements - before.statements);
    });

    test("a backend terminated in the middle of a batch fails its statements as unavailable, not as not run", async (ctx) => {
      const { url, store, counters, other } = await open(ctx, true);
      for (let i = 0; i < 4; i++) await together(store, `warm-${i}`);
      await other.settings.set("held", 0);
      // Another client holds the row the batch's second statement writes: the batch waits there, with a
      // statement behind it, while its backend is terminated.
      const locker = new pg.Client({ connectionString: url });
      await locker.connect();
      ctx.after(() => locker.end());
      await locker.query("BEGIN");
      await locker.query("SELECT 1 FROM settings WHERE key = 'held' FOR UPDATE");
      const answers: PromiseSettledResult<unknown>[] = [];
      const before = counters.snapshot();
      const outcome = store.transaction(async (tx) => {
        answers.push(...(await Promise.allSettled([tx.settings.get("warm-0"), tx.settings.set("held", 1), tx.settings.get("held")])));
      }).then(() => "committed", (err: unknown) => err);
      let killed = 0;
      for (let tries = 0; killed === 0 && tries < 200; tries++) {
        await new Promise((r) => setTimeout(r, 25));
        killed = (await locker.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rowCount ?? 0;
      }
      assert.equal(killed, 1, "the batch's backend waited for the lock");
      const ended = await outcome;
      await locker.query("ROLLBACK");
      const after = counters.snapshot();
      assert.ok(after.syncs - before.syncs < after.statements - before.statements, "the statements travelled in a batch");
      assert.equal(answers[0]!.status, "fulfilled");
      for (const i of [1, 2]) {
        assert.equal(answers[i]!.status, "rejected");
        assert.equal(((answers[i] as PromiseRejectedResult).reason as StoreError).code, "STORE_UNAVAILABLE", `statement ${i}: the connection's end, not "not run"`);
      }
      assert.ok(ended instanceof StoreError, `the transaction failed (${String(ended)})`);
      assert.equal(await other.settings.get("held"), 0);
    });

    test("describe a statement once per connection, then parse its rows with what it said", async (ctx) => {
      const { url } = await open(ctx, true);
      const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
      const READ = { name: "t_read", text: "SELECT $1::int AS n, $2::timestamptz AS at, $3::jsonb AS doc, NULL::text AS none" };
      const WRITE = { name: "t_write", text: "CREATE TEMP TABLE IF NOT EXISTS t_rows (n int)" };
      const INSERT = { name: "t_insert", text: "INSERT INTO t_rows (n) VALUES ($1)" };
      const EMPTY = { name: "t_empty", text: "SELECT n FROM t_rows WHERE n < 0" };
      const at = new Date("2026-12-07T10:00:00.123Z");
      const batchOn = async (client: pg.Client, n: number) => {
        const batch = new StatementBatch();
        const answers = [batch.add({ ...READ, values: [n, at, { n, s: "é" }] }), batch.add({ ...INSERT, values: [n] }), batch.add({ ...EMPTY, values: [] }), batch.add({ ...READ, values: [n + 1, null, null] })];
        batch.close();
        void client.query(batch as never);
        return Promise.all(answers);
      };
      for (const client of clients) {
        await client.connect();
        ctx.after(() => client.end());
        await client.query(WRITE.text);
        // Parsed (prepared) on the connection, as the driver's statements are before they travel in batches.
        for (const q of [READ, INSERT, EMPTY]) await client.query({ ...q, values: q === READ ? [0, at, {}] : q === INSERT ? [0] : [] });
      }
      const describes = clients.map((client) => {
        const connection = (client as unknown as { connection: { describe(m: unknown): void } }).connection;
        const counted = { n: 0 };
        const describe = connection.describe.bind(connection);
        connection.describe = (m) => {
          counted.n++;
          describe(m);
        };
        return counted;
      });
      const expect = (got: { rows: unknown[]; rowCount: number | null }[], n: number) => {
        assert.deepEqual(got[0]!.rows, [{ n, at, doc: { n, s: "é" }, none: null }]);
        assert.ok((got[0]!.rows[0] as { at: unknown }).at instanceof Date);
        assert.equal(got[1]!.rowCount, 1);
        assert.deepEqual(got[2]!.rows, []);
        assert.deepEqual(got[3]!.rows, [{ n: n + 1, at: null, doc: null, none: null }]);
      };
      expect(await batchOn(clients[0]!, 1), 1);
      assert.equal(describes[0]!.n, 4, "the first batch describes each statement");
      for (const n of [2, 3]) expect(await batchOn(clients[0]!, n), n);
      assert.equal(describes[0]!.n, 4, "later batches on the connection describe none");
      expect(await batchOn(clients[1]!, 4), 4);
      assert.equal(describes[1]!.n, 4, "another connection describes them again");
      assert.deepEqual((await clients[0]!.query("SELECT n FROM t_rows ORDER BY n")).rows, [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    });

    test("a statement that fails gets its own error, the ones after it were not run, and nothing commits", async (ctx) => {
      const { store, counters, other } = await open(ctx, true);
      for (let i = 0; i < 4; i++) await together(store, `warm-${i}`);
      assert.equal(await other.digestNonces.use("nonce-1", 5, expires()), true);
      for (let round = 0; round < 3; round++) {
        const answers: PromiseSettledResult<unknown>[] = [];
        const before = counters.snapshot();
        const outcome = await store.transaction(async (tx) => {
          answers.push(...(await Promise.allSettled([
            tx.settings.set(`x${round}`, 1),
            // A Digest nonce count used already: the statement fails in the database (and says false).
            tx.digestNonces.use("nonce-1", 5, expires(), { failsTransaction: true }),
            tx.settings.get(`x${round}`),
          ])));
          return "returned";
        }).then((v) => v, (err: unknown) => err);
        const after = counters.snapshot();
        assert.ok(after.syncs - before.syncs < after.statements - before.statements, "the statements travelled in a batch");
        assert.equal(answers[0]!.status, "fulfilled");
        assert.deepEqual(answers[1], { status: "fulfilled", value: false });
        assert.equal(answers[2]!.status, "rejected");
        assert.equal(((answers[2] as PromiseRejectedResult).reason as { code?: unknown }).code, "25P02", "not run: sent after the failure");
        // The callback caught the errors; the transaction still ends in ROLLBACK, not COMMIT.
        assert.ok(outcome instanceof StoreError, `the transaction failed (${String(outcome)})`);
        assert.equal(await other.settings.get(`x${round}`), undefined);
        // The connection goes on serving: the next transaction commits.
        await together(store, `after-${round}`);
        assert.deepEqual(await other.settings.get(`after-${round}`), { n: 1, text: "é\"'" });
      }
    });
  });
});
