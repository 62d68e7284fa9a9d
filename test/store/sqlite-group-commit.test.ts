// Group commit of the SQLite driver (src/store/sqlite/commit-group.ts): transactions that queue for the
// connection share one COMMIT, yet each one is answered only once its work is durable, and a member
// that fails takes nothing of the others with it. A second connection on the same file is the witness
// of what is committed.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, beforeEach, test } from "node:test";
import Database from "better-sqlite3";
import { GROUP_LIMITS } from "../../src/store/sqlite/commit-group.js";
import { SqliteDriver, type SqliteDatabase } from "../../src/store/sqlite/driver.js";

const dir = mkdtempSync(join(tmpdir(), "provisio-group-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
let driver: SqliteDriver;
let witness: Database.Database;

beforeEach(() => {
  const file = join(dir, `g${n++}.db`);
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  driver = new SqliteDriver(db as unknown as SqliteDatabase, { timeoutMs: 2000 });
  witness = new Database(file, { readonly: true });
});
afterEach(() => witness.close());

function committed(): string[] {
  return (witness.prepare("SELECT k FROM t ORDER BY k").all() as { k: string }[]).map((r) => r.k);
}

const insert = (k: string) => driver.transaction(async (tx) => {
  await tx.run("INSERT INTO t (k) VALUES ($1)", [k]);
  return k;
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

test("concurrent transactions are all committed, and each is answered only when its row is visible to others", async () => {
  const seen: string[][] = [];
  const keys = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, "0")}`);
  const answers = await Promise.all(keys.map((k) => insert(k).then((r) => {
    // At the moment a member is answered, another connection must already see its row.
    seen.push(committed());
    assert.ok(committed().includes(r), `${r} answered before it was committed`);
    return r;
  })));
  assert.deepEqual(answers, keys);
  assert.deepEqual(committed(), keys);
  // They did share commits: fewer distinct committed states were observed than transactions.
  assert.ok(new Set(seen.map((s) => s.length)).size < keys.length, "every transaction committed alone");
  await driver.close();
});

test("an earlier member is not answered while a later member of its group is still running", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let firstDone = false;
  const first = insert("a").then(() => (firstDone = true));
  const second = driver.transaction(async (tx) => {
    await tx.run("INSERT INTO t (k) VALUES ($1)", ["b"]);
    await gate;
  });
  for (let i = 0; i < 5; i++) await turn();
  assert.equal(firstDone, false, "answered before its group committed");
  assert.deepEqual(committed(), []);
  release();
  await Promise.all([first, second]);
  assert.deepEqual(committed(), ["a", "b"]);
  await driver.close();
});

test("a failing member rolls back alone; the members before and after it are committed", async () => {
  const boom = new Error("boom");
  const results = await Promise.allSettled([
    insert("a"),
    driver.transaction(async (tx) => {
      await tx.run("INSERT INTO t (k) VALUES ($1)", ["b"]);
      throw boom;
    }),
    // A constraint violation inside a member is the same: only that member's work is undone.
    driver.transaction(async (tx) => {
      await tx.run("INSERT INTO t (k) VALUES ($1)", ["c"]);
      await tx.run("INSERT INTO t (k) VALUES ($1)", ["a"]);
    }),
    insert("d"),
  ]);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "rejected", "fulfilled"]);
  assert.equal((results[1] as PromiseRejectedResult).reason, boom);
  assert.match(String((results[2] as PromiseRejectedResult).reason), /UNIQUE/);
  assert.deepEqual(committed(), ["a", "d"]);
  await driver.close();
});

test("a statement issued while a group is open joins it and is answered after the commit", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const tx = driver.transaction(async (t) => {
    await t.run("INSERT INTO t (k) VALUES ($1)", ["a"]);
    await gate;
  });
  await turn();
  let statementDone = false;
  const statement = driver.run("INSERT INTO t (k) VALUES ($1)", ["s"]).then((changes) => {
    statementDone = true;
    assert.deepEqual(committed(), ["a", "s"]);
    return changes;
  });
  await turn();
  assert.equal(statementDone, false);
  release();
  assert.equal(await statement, 1);
  await tx;
  // Nothing is left open: a statement now runs and commits on its own, at once.
  assert.equal(await driver.run("INSERT INTO t (k) VALUES ($1)", ["z"]), 1);
  assert.deepEqual(committed(), ["a", "s", "z"]);
  await driver.close();
});

test("a group is committed once it reaches its member limit, even while callers still queue", async () => {
  const total = GROUP_LIMITS.members * 2 + 5;
  const counts: number[] = [];
  await Promise.all(Array.from({ length: total }, (_, i) => insert(`k${i}`).then(() => counts.push(committed().length))));
  assert.equal(committed().length, total);
  // No member saw more than the limit of not-yet-committed rows ahead of its own commit.
  assert.ok(Math.min(...counts) <= GROUP_LIMITS.members, `first commit came after ${Math.min(...counts)} rows`);
  await driver.close();
});

test("close() commits the group that is still open", async () => {
  const pending = insert("a");
  const closing = driver.close();
  assert.equal(await pending, "a");
  await closing;
  assert.deepEqual(committed(), ["a"]);
});
