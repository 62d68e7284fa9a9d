// SQLite that cannot write: a real ACS process whose database is on a small tmpfs that the test fills
// (SQLITE_FULL) must answer CPEs with 503 and Retry-After, report the store down in /healthz, write
// nothing half-way and keep running; once space is freed it serves again. A read-only connection
// (SQLITE_READONLY) is typed the same way by the driver.

import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { xsdValue } from "../../src/cwmp/index.js";
import { isStoreUnavailable, openStore, StoreError } from "../../src/store/index.js";
import { SqliteDriver, type SqliteDatabase } from "../../src/store/sqlite/driver.js";
import { assertServesAgain, assertUntouched, deviceWithTask, SOFTWARE_VERSION, softwareVersion } from "../support/outage.js";
import { healthOf, startAcsProcess, until, type AcsProcess } from "../support/acs-process.js";
import { queryDirect } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";

const USER = "bootstrap-test";
const PASS = "b00tstrap-Secret";

/** Writes a file until the file system has no space left. */
function fill(path: string): void {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

describe("SQLite on a full disk", () => {
  const work = mkdtempSync(join(tmpdir(), "provisio-full-"));
  const disk = join(work, "disk");
  const filler = join(disk, "filler");
  let mounted = false;
  let acs: AcsProcess | null = null;

  before(() => {
    mkdirSync(disk);
    // A file system of its own, small enough to fill: tests run as root, which no permission stops.
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", disk], { stdio: "pipe" });
    } catch (err) {
      throw new Error(`this test fills a small tmpfs of its own, which needs root (as npm test runs in CI): ${(err as Error).message}`);
    }
    mounted = true;
  });
  after(async () => {
    await acs?.stop();
    if (mounted) execFileSync("umount", [disk]);
    rmSync(work, { recursive: true, force: true });
  });

  it("answers CPEs 503 with Retry-After, says so in /healthz, keeps running, writes nothing half-way, and serves again once there is space", async () => {
    const db = `sqlite:${join(disk, "provisio.db")}`;
    // Checkpoints at 4,000 pages only (sqliteCheckpointEvery=0): the WAL of this new database is never
    // checkpointed here, so it never starts over and every write needs new space. With a checkpoint every
    // second, a write that fits in the WAL file as it already is (after a checkpoint started it over)
    // succeeds on a full disk, as it did before with the first checkpoint at 4,000 pages.
    acs = await startAcsProcess(["--db", db, "--data-dir", join(work, "data"), "--set", `cwmp.bootstrapUsername=${USER}`, "--set", `cwmp.bootstrapPassword=${PASS}`, "--set", "nbi.host=127.0.0.1", "--set", "nbi.port=0", "--set", "cwmp.retryAfter=9", "--set", "sqliteCheckpointEvery=0"]);
    const running = acs;
    const health = async () => (await healthOf(running)).status;
    const cpe = new TestCpe({ url: acs.url, username: USER, password: PASS });
    try {
      const task = await deviceWithTask(cpe, db);
      assert.equal(await health(), 200);

      fill(filler);
      // Informs carry values larger than any free page could hold: the WAL must grow to take them.
      const big = (v: string) => [...softwareVersion(v), { name: "Device.DeviceInfo.Description", value: xsdValue("xsd:string", v.repeat(2000)) }];
      const refused = await cpe.inform(["2 PERIODIC"], big("2.0"));
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.headers["retry-after"], "9");
      assert.equal(await health(), 503);
      assert.equal(acs.child.exitCode, null, "the ACS is still running");

      rmSync(filler);
      await until("/healthz says ok again", async () => (await health()) === 200);
      await assertUntouched(db, cpe, task);
      await assertServesAgain(acs, db, cpe, task, big("3.0"));
      const store = await openStore(db);
      try {
        assert.equal((await store.parameters.get(cpe.deviceId, [SOFTWARE_VERSION]))[0]?.value, "3.0");
      } finally {
        await store.close();
      }
      const [check] = await queryDirect(db, "PRAGMA integrity_check");
      assert.deepEqual(Object.values(check!), ["ok"]);
    } catch (err) {
      process.stderr.write(`--- output of the ACS ---\n${acs.output()}\n`);
      throw err;
    } finally {
      cpe.close();
    }
  });
});

describe("SQLite refusing writes", () => {
  it("types SQLITE_READONLY as STORE_UNAVAILABLE while reads still work", async () => {
    const dir = mkdtempSync(join(tmpdir(), "provisio-ro-"));
    const path = join(dir, "ro.db");
    const setup = new Database(path);
    setup.exec("CREATE TABLE t (x text)");
    setup.close();
    const driver = new SqliteDriver(new Database(path, { readonly: true }) as unknown as SqliteDatabase, { timeoutMs: 1000 });
    try {
      assert.deepEqual(await driver.all("SELECT count(*) AS n FROM t"), [{ n: 0 }]);
      await assert.rejects(driver.run("INSERT INTO t (x) VALUES ($1)", ["a"]), (err: unknown) => {
        assert.ok(err instanceof StoreError && err.code === "STORE_UNAVAILABLE", String(err));
        assert.equal((err.cause as { code?: string }).code, "SQLITE_READONLY");
        return true;
      });
      await assert.rejects(driver.transaction((c) => c.run("INSERT INTO t (x) VALUES ($1)", ["b"])), (err: unknown) => isStoreUnavailable(err));
      assert.equal(driver.unavailable, true);
      assert.deepEqual(await driver.all("SELECT count(*) AS n FROM t"), [{ n: 0 }]);
    } finally {
      await driver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
