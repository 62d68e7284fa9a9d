import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { openStore, StoreError, type Store } from "../../src/store/index.js";
import { backend, queryDirect } from "../support/pg.js";
import { runInChildren } from "./child.js";
import { at, conformance, inform } from "./conformance.js";

describe("sqlite", () => {
  conformance(backend("sqlite"));
});

describe("sqlite: one process, one connection", () => {
  const b = backend("sqlite");

  test("two concurrent transactions do not interleave", async () => {
    const s = await b.open();
    const log: string[] = [];
    const work = (name: string) =>
      s.transaction(async (tx) => {
        for (let i = 0; i < 3; i++) {
          log.push(`${name}${i}`);
          await tx.settings.set(name, i);
          // Give the other transaction every chance to run in between.
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
    await Promise.all([work("a"), work("b")]);
    assert.ok(log.join(",") === "a0,a1,a2,b0,b1,b2" || log.join(",") === "b0,b1,b2,a0,a1,a2", log.join(","));
  });

  test("concurrent read-modify-write transactions lose no update", async () => {
    const s = await b.open();
    await Promise.all(Array.from({ length: 25 }, () => s.transaction(async (tx) => {
      const n = (await tx.settings.get("n")) as number | undefined;
      await new Promise((resolve) => setImmediate(resolve));
      await tx.settings.set("n", (n ?? 0) + 1);
    })));
    assert.equal(await s.settings.get("n"), 25);
  });

  test("calling the store (not tx) inside its own transaction is refused instead of waiting forever", async () => {
    const s = await b.open({ sqlite: { checkTransactions: true } });
    await assert.rejects(s.transaction(async (tx) => {
      await tx.settings.set("k", 1);
      await s.settings.get("k");
    }), (err: unknown) => err instanceof StoreError && err.code === "STORE_TX_MISUSE");
    await assert.rejects(s.transaction(() => s.transaction(async () => 1)),
      (err: unknown) => err instanceof StoreError && err.code === "STORE_TX_MISUSE");
    assert.equal(await s.settings.get("k"), undefined);
  });

  test("the check for calls inside a transaction is on by default where PROVISIO_TEST_STORE_CHECKS=1, as npm test sets it", async () => {
    const saved = process.env.PROVISIO_TEST_STORE_CHECKS;
    const misuse = (s: Store) => s.transaction(async () => {
      // Without the check this call would wait for the transaction forever: it is given a second.
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([s.settings.get("k"), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("waited")), 1000)))]);
      } finally {
        clearTimeout(timer);
      }
    });
    try {
      process.env.PROVISIO_TEST_STORE_CHECKS = "1";
      const checked = await b.open();
      await assert.rejects(misuse(checked), (err: unknown) => err instanceof StoreError && err.code === "STORE_TX_MISUSE");
      delete process.env.PROVISIO_TEST_STORE_CHECKS;
      const unchecked = await b.open();
      await assert.rejects(misuse(unchecked), /waited/);
      // The call that waited runs once the transaction has rolled back.
      assert.equal(await unchecked.settings.get("k"), undefined);
    } finally {
      if (saved === undefined) delete process.env.PROVISIO_TEST_STORE_CHECKS;
      else process.env.PROVISIO_TEST_STORE_CHECKS = saved;
    }
  });

  test("the database file is in WAL mode with foreign keys enforced", async () => {
    const url = await b.freshUrl();
    const s = await openStore(url);
    try {
      await s.settings.set("k", 1);
      assert.deepEqual(await queryDirect(url, "PRAGMA journal_mode"), [{ journal_mode: "wal" }]);
      await assert.rejects(s.tasks.create({ deviceId: "ghost", name: "x", args: null }, at()),
        (err: unknown) => err instanceof StoreError && err.code === "STORE_UNKNOWN_REFERENCE");
    } finally {
      await s.close();
    }
  });

  test("the WAL is checkpointed at about 4000 pages, not SQLite's default of 1000", async () => {
    const url = await b.freshUrl();
    const wal = `${url.slice("sqlite:".length)}-wal`;
    const s = await openStore(url);
    const framePages = () => statSync(wal).size / (4096 + 24);
    try {
      // Each write changes about 25 pages: a 100 kB value, in overflow pages, different throughout
      // (SQLite leaves an overflow page alone when its bytes stay the same).
      const big = (i: number) => `${i}.${randomBytes(50_000).toString("hex")}`;
      for (let i = 0; i < 100; i++) await s.settings.set(`k${i % 4}`, big(i));
      assert.ok(framePages() > 1500, `no checkpoint before 1000 pages: ${framePages()}`);
      for (let i = 100; i < 500; i++) await s.settings.set(`k${i % 4}`, big(i));
      // Three times the threshold written, yet the file stays within it: checkpoints ran and the WAL restarted.
      assert.ok(framePages() < 4500, `checkpoints keep the WAL near 4000 pages: ${framePages()}`);
      assert.equal((await s.settings.get("k3") as string).split(".")[0], "499");
    } finally {
      await s.close();
    }
  });
});

describe("sqlite: several stores on one file in one process", () => {
  const b = backend("sqlite");

  test("a write from a second store waits for the first store's transaction without blocking the event loop", async () => {
    const url = await b.freshUrl();
    const [one, two] = [await openStore(url), await openStore(url)];
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const held = new Promise<void>((r) => (holding = r));
      const tx = one.transaction(async (t) => {
        await t.settings.set("first", 1);
        holding();
        await gate;
      });
      await held;
      const write = two.settings.set("second", 2);
      // The event loop still turns while `two` waits for the write lock: the timer fires, and the
      // transaction it releases commits.
      await new Promise((resolve) => setTimeout(resolve, 20));
      release();
      await tx;
      await write;
      assert.equal(await two.settings.get("first"), 1);
      assert.equal(await one.settings.get("second"), 2);
    } finally {
      await one.close();
      await two.close();
    }
  });

  test("a statement gives up with SQLITE_BUSY once the busy timeout has passed", async () => {
    const url = await b.freshUrl();
    const one = await openStore(url);
    const two = await openStore(url, { sqlite: { busyTimeoutMs: 30 } });
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const held = new Promise<void>((r) => (holding = r));
      const tx = one.transaction(async (t) => {
        await t.settings.set("k", 1);
        holding();
        await gate;
      });
      await held;
      await assert.rejects(two.settings.set("k", 2), (err: unknown) => (err as { code?: string }).code === "SQLITE_BUSY");
      await assert.rejects(two.transaction(async (t) => t.settings.set("k", 3)), (err: unknown) => (err as { code?: string }).code === "SQLITE_BUSY");
      release();
      await tx;
      // Reads are not blocked by a writer (WAL), and once the lock is free, writes go through.
      assert.equal(await two.settings.get("k"), 1);
      await two.settings.set("k", 4);
      assert.equal(await one.settings.get("k"), 4);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe("sqlite: locations", () => {
  const dir = mkdtempSync(join(tmpdir(), "provisio-sqlite-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("missing folders of the file are created; sqlite:, sqlite:// and plain paths name the same file", async () => {
    const file = join(dir, "a", "b", "provisio.db");
    const s1 = await openStore(`sqlite:${file}`);
    await s1.devices.recordInform(inform("d1"));
    await s1.close();
    assert.ok(existsSync(file));
    const s2 = await openStore(file);
    assert.notEqual(await s2.devices.get("d1"), null);
    await s2.close();
    const s3 = await openStore(`sqlite://${file}`);
    assert.equal(s3.backend, "sqlite");
    assert.equal(await s3.devices.count(), 1);
    await s3.close();
  });

  test("sqlite::memory: stores are private to each store", async () => {
    const a = await openStore("sqlite::memory:");
    const b2 = await openStore("sqlite::memory:");
    try {
      await a.settings.set("k", "a");
      assert.equal(await a.settings.get("k"), "a");
      assert.equal(await b2.settings.get("k"), undefined);
    } finally {
      await a.close();
      await b2.close();
    }
  });
});

describe("sqlite: several processes on one file", () => {
  const b = backend("sqlite");

  test("of several processes racing for one device's session lock exactly one wins", async () => {
    const url = await b.freshUrl();
    await (await openStore(url)).close();
    const results = await runInChildren(Array.from({ length: 4 }, (_v, i) => ({
      action: "acquire" as const, url, deviceId: "d1", sessionId: `p${i}`, now: at().getTime(), expiresAt: at(30_000).getTime(),
    })));
    assert.equal(results.filter((r) => r === true).length, 1, JSON.stringify(results));
    const rows = await queryDirect(url, "SELECT id FROM sessions WHERE device_id = $1", ["d1"]);
    assert.equal(rows.length, 1);
  });

  test("read-modify-write transactions from several processes lose no update", async () => {
    const url = await b.freshUrl();
    await (await openStore(url)).close();
    await runInChildren(Array.from({ length: 3 }, () => ({ action: "increment" as const, url, key: "n", times: 20 })));
    const s = await openStore(url);
    try {
      assert.equal(await s.settings.get("n"), 60);
    } finally {
      await s.close();
    }
  });

  test("several processes opening a new file at once apply the migrations once", async () => {
    const url = await b.freshUrl();
    const results = await runInChildren(Array.from({ length: 4 }, () => ({ action: "open" as const, url })));
    assert.deepEqual(results, ["opened", "opened", "opened", "opened"]);
    const rows = await queryDirect(url, "SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version");
    assert.ok(rows.length >= 1 && rows.every((r) => Number(r.n) === 1));
  });
});
