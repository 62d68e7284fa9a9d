// The WAL's checkpoints in a worker thread (src/store/sqlite/checkpoint-worker.ts), as `provisio serve`
// opens its store: the worker copies the WAL into the database file while the connection writes, the WAL
// starts over instead of growing, two stores on one file (as two processes) do not hold each other up,
// transactions are not held up by the copy, and closing the store ends the worker with everything
// written in place. Without the worker, the COMMIT's own checkpoint would wait for a WAL of 64 MB: the
// database file would not grow at all here.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { openStore, type Store } from "../../src/store/index.js";
import { startCheckpointer, type Checkpointer } from "../../src/store/sqlite/checkpointer.js";
import { SqliteDriver, type CheckpointReport, type SqliteDatabase } from "../../src/store/sqlite/driver.js";
import { inform } from "./conformance.js";

const dir = mkdtempSync(join(tmpdir(), "provisio-checkpoints-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const MB = 1024 * 1024;
const size = (file: string) => statSync(file).size;

/**
 * The bytes of the database's pages in use, as a reader sees it (WAL included): what the file holds once
 * every checkpoint is done, less its free pages (the migrations drop tables), which new rows take before
 * the file grows. A round's megabyte of values takes at least a megabyte more.
 */
function usedBytes(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    const pages = Number(db.pragma("page_count", { simple: true })) - Number(db.pragma("freelist_count", { simple: true }));
    return pages * Number(db.pragma("page_size", { simple: true }));
  } finally {
    db.close();
  }
}

/**
 * Writes `bytes` of new parameter values, 64 KB a transaction: one value (Device.X.V) for each of the
 * devices `<prefix>-<round>-<i>`, since a device's values are one row, rewritten whole by each write.
 */
async function write(store: Store, prefix: string, bytes: number, round: number): Promise<void> {
  for (let i = 0; i < bytes / 65536; i++) {
    const device = `${prefix}-${round}-${i}`;
    await store.devices.recordInform(inform(device));
    await store.parameters.setValues(device, [{ path: "Device.X.V", value: `${round}`.padEnd(65536, "x"), type: "xsd:string" }], new Date());
  }
}

/** Keeps committing small transactions (a checkpoint is queued after a COMMIT) until `done()`, for 60 s at most. */
async function until(store: Store, device: string, done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await store.parameters.setValues(device, [{ path: "Device.Tick", value: String(Date.now()), type: "xsd:string" }], new Date());
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("the worker copies the WAL into the database file as it is written, and the WAL starts over", async () => {
  const file = join(dir, "one.db");
  const store = await openStore(`sqlite:${file}`, { sqlite: { checkpointEveryMs: 25 } });
  await store.devices.recordInform(inform("d1"));
  const start = usedBytes(file);
  for (let round = 1; round <= 8; round++) {
    await write(store, "d1", MB, round);
    // Each round's megabyte reaches the database file.
    await until(store, "d1", () => size(file) >= start + round * MB, `round ${round} in the database file`);
  }
  // 8 MB went through the WAL; it started over after checkpoints, so it never held all of them (how
  // many rounds it held at most depends on how far the worker lagged: on a loaded machine, several).
  assert.ok(size(`${file}-wal`) < 8 * MB, `WAL of ${size(`${file}-wal`)} bytes`);
  await store.close();
  const check = new Database(file, { readonly: true });
  const row = check.prepare("SELECT json(tree) AS tree FROM device_trees WHERE device_id = 'd1-8-15'").get() as { tree: string };
  check.close();
  assert.ok(row.tree.includes('"8xxx'), "the last round's values are in place after close");
});

test("two stores on one file, each with its worker, both write while checkpoints run", async () => {
  const file = join(dir, "two.db");
  const a = await openStore(`sqlite:${file}`, { sqlite: { checkpointEveryMs: 25 } });
  const b = await openStore(`sqlite:${file}`, { sqlite: { checkpointEveryMs: 25 } });
  await a.devices.recordInform(inform("a1"));
  await b.devices.recordInform(inform("b1"));
  const start = usedBytes(file);
  await Promise.all([write(a, "a1", 2 * MB, 1), write(b, "b1", 2 * MB, 1)]);
  await until(a, "a1", () => size(file) >= start + 3 * MB, "both stores' values in the database file");
  const values = async (s: Store, prefix: string) => {
    let n = 0;
    for (let i = 0; i < 32; i++) n += (await s.parameters.get(`${prefix}-1-${i}`, ["Device.X.V"])).length;
    return n;
  };
  assert.deepEqual([await values(b, "a1"), await values(a, "b1")], [32, 32]);
  await Promise.all([a.close(), b.close()]);
});

/** A WAL database of one table, `t`, with a checkpoint worker of its own: the driver's parts, without a store. */
async function walWithWorker(name: string): Promise<{ file: string; db: Database.Database; real: Checkpointer }> {
  const file = join(dir, name);
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
  return { file, db, real: await startCheckpointer(file, { busyTimeoutMs: 200 }) };
}

test("transactions go on while the worker copies the WAL; only the checkpoint that restarts it waits for the connection", async () => {
  const { file, db, real } = await walWithWorker("steps.db");
  const events: string[] = [];
  // The copy is held open until the test lets it go (at most 5 s): a transaction that had to wait for
  // the checkpoint would wait for that.
  let letGo!: () => void;
  const held = new Promise<void>((r) => (letGo = r));
  const timer = setTimeout(() => {
    events.push("copy let go by the timeout");
    letGo();
  }, 5000);
  const checkpointer: Checkpointer = {
    run: async (mode) => {
      events.push(mode);
      if (mode === "passive") await held;
      const ok = await real.run(mode);
      events.push(`${mode} done: ${ok}`);
      return ok;
    },
    close: () => real.close(),
  };
  const driver = new SqliteDriver(db as unknown as SqliteDatabase, { timeoutMs: 2000 }, { checkpoints: { checkpointer, everyMs: 0 } });
  const insert = (k: string) => driver.transaction((tx) => tx.run("INSERT INTO t (k) VALUES ($1)", [k]));
  await insert("a");
  assert.deepEqual(events, ["passive"], "the first commit starts a checkpoint");
  await insert("b");
  events.push("b committed");
  // Longer than a copy that is not repeated (5 ms).
  await new Promise((r) => setTimeout(r, 20));
  letGo();
  clearTimeout(timer);
  // The restart runs once the copy is done; a commit after it shows the connection was given back.
  for (let i = 0; !events.includes("restart done: true") && i < 200; i++) await new Promise((r) => setTimeout(r, 10));
  await insert("c");
  // The copy held open took long: the sessions' writes meanwhile are copied again, still beside the
  // transactions, before the restart (at most three copies in all).
  const restart = events.indexOf("restart");
  assert.deepEqual(events.slice(0, 5), ["passive", "b committed", "passive done: true", "passive", "passive done: true"]);
  assert.ok(restart === 5 || (restart === 7 && events[5] === "passive"), events.join(", "));
  assert.equal(events[restart + 1], "restart done: true");
  await driver.close();
  await checkpointer.close();
  const check = new Database(file, { readonly: true });
  assert.deepEqual((check.prepare("SELECT k FROM t ORDER BY k").all() as { k: string }[]).map((r) => r.k), ["a", "b", "c"]);
  check.close();
});

test("each checkpoint is reported: the copy's time, the time it held the connection, and whether it copied the whole WAL", async () => {
  const { db, real } = await walWithWorker("report.db");
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // Each copy takes at least 30 ms, the restart at least 60: the report must say at least that. A copy
  // that long is followed by another, three in all.
  const modes: string[] = [];
  const checkpointer: Checkpointer = {
    run: async (mode) => {
      modes.push(mode);
      await sleep(mode === "passive" ? 30 : 60);
      return real.run(mode);
    },
    close: () => real.close(),
  };
  const reports: CheckpointReport[] = [];
  const driver = new SqliteDriver(db as unknown as SqliteDatabase, { timeoutMs: 2000 }, { checkpoints: { checkpointer, everyMs: 0, report: (c) => reports.push(c) } });
  await driver.transaction((tx) => tx.run("INSERT INTO t (k) VALUES ($1)", ["a"]));
  for (let i = 0; reports.length === 0 && i < 300; i++) await sleep(10);
  await driver.close();
  assert.equal(reports.length, 1);
  const [r] = reports;
  assert.equal(r!.complete, true);
  assert.deepEqual(modes, ["passive", "passive", "passive", "restart"]);
  assert.ok(r!.copyMs >= 89 && r!.heldMs >= 59, `copy ${r!.copyMs} ms, held ${r!.heldMs} ms`);
});

test("a copy done quickly is not repeated before the restart", async () => {
  const { db, real } = await walWithWorker("quick.db");
  const modes: string[] = [];
  const checkpointer: Checkpointer = {
    run: (mode) => {
      modes.push(mode);
      return real.run(mode);
    },
    close: () => real.close(),
  };
  // A copy of one transaction's few pages takes well under a second, however busy the machine.
  const driver = new SqliteDriver(db as unknown as SqliteDatabase, { timeoutMs: 2000 }, { checkpoints: { checkpointer, everyMs: 0, copyAgainMs: 1000 } });
  await driver.transaction((tx) => tx.run("INSERT INTO t (k) VALUES ($1)", ["a"]));
  for (let i = 0; !modes.includes("restart") && i < 300; i++) await new Promise((r) => setTimeout(r, 10));
  await driver.close();
  await checkpointer.close();
  assert.deepEqual(modes, ["passive", "restart"]);
});
