// Opening the configured store at start-up: waiting, with growing pauses, for a database that does not
// answer, up to the limit; a database that answers opens at once; other errors are not waited on. And
// what the log and the metrics are told of the store: SQLite's checkpoints, and a slow one.

import assert from "node:assert/strict";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { maskUrlSecrets } from "../../src/server/redact.js";
import { openStoreWaiting, SLOW_CHECKPOINT_MS, storeLogOptions } from "../../src/server/store-open.js";
import { isStoreUnavailable, type StoreError } from "../../src/store/index.js";
import type { Logger } from "../../src/server/logger.js";
import { startAcs } from "../../src/server/acs.js";
import { testConfig } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";

/** A TCP port on which nothing listens: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (obj: object, msg?: string) => lines.push(`${level} ${msg ?? ""} ${JSON.stringify(obj)}`);
  return { log: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

describe("openStoreWaiting", () => {
  it("retries an unreachable PostgreSQL with growing pauses, says so once, and gives up after the limit with the URL but not its password", async () => {
    const url = `postgres://provisio:s3cret@127.0.0.1:${await closedPort()}/provisio`;
    let t = 0;
    const pauses: number[] = [];
    const { log, lines } = capture();
    await assert.rejects(
      openStoreWaiting(url, {}, { log, waitMs: 4_000, now: () => t, sleep: (ms) => {
        pauses.push(ms);
        t += ms;
        return Promise.resolve();
      } }),
      (err: Error) => {
        assert.ok(isStoreUnavailable(err));
        assert.match(err.message, /^the database at postgres:\/\/provisio:\*\*\*@127\.0\.0\.1:\d+\/provisio is unavailable \(.*ECONNREFUSED.*\) and did not come up within dbStartupWait \(4 s\)/);
        assert.equal(err.message.includes("s3cret"), false);
        return true;
      },
    );
    assert.deepEqual(pauses, [250, 500, 1000, 2000]);
    assert.equal(lines.filter((l) => l.includes("waiting for the database")).length, 1);
    assert.equal(lines.join("\n").includes("s3cret"), false);
  });

  it("does not wait with a limit of 0", async () => {
    const url = `postgres://provisio@127.0.0.1:${await closedPort()}/provisio`;
    const { log } = capture();
    await assert.rejects(openStoreWaiting(url, {}, { log, waitMs: 0, sleep: () => assert.fail("must not wait") }), (err: Error) => {
      assert.match(err.message, /is unavailable \(.*\): start it, or check the db setting$/);
      return true;
    });
  });

  it("opens a database that answers without waiting, and does not wait on other errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "provisio-open-"));
    const { log } = capture();
    try {
      const store = await openStoreWaiting(`sqlite:${join(dir, "a.db")}`, {}, { log, waitMs: 60_000, sleep: () => assert.fail("must not wait") });
      await store.close();
      await assert.rejects(openStoreWaiting("mysql://nowhere/x", {}, { log, waitMs: 60_000, sleep: () => assert.fail("must not wait") }), (err: Error) => (err as StoreError).code === "STORE_BAD_URL");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("redacts only the password of a URL", () => {
    assert.equal(maskUrlSecrets("postgres://u:p@h:5432/d?x=1"), "postgres://u:***@h:5432/d?x=1");
    assert.equal(maskUrlSecrets("postgres://u@h/d"), "postgres://u@h/d");
    assert.equal(maskUrlSecrets("sqlite:./data/provisio.db"), "sqlite:./data/provisio.db");
  });
});

describe("storeLogOptions: SQLite's checkpoints", () => {
  it("warns of a checkpoint that held transactions for 250 ms or more, with its figures, and says nothing of a usual one", () => {
    const { log, lines } = capture();
    const report = storeLogOptions(log).sqlite!.onCheckpoint!;
    report({ copyMs: 48, heldMs: 25, complete: true });
    report({ copyMs: 50, heldMs: SLOW_CHECKPOINT_MS - 1, complete: true });
    assert.deepEqual(lines, []);
    report({ copyMs: 410.4, heldMs: 612.6, complete: true });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^warn a SQLite WAL checkpoint held every transaction for longer than 250 ms: the disk is slow to sync/);
    assert.match(lines[0]!, /"heldMs":613,"copyMs":410/);
  });

  it("is told of each checkpoint of a store opened with it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "provisio-store-open-"));
    try {
      const reports: { heldMs: number; complete: boolean }[] = [];
      const store = await openStoreWaiting(`sqlite:${join(dir, "p.db")}`, { sqlite: { checkpointEveryMs: 1, onCheckpoint: (c) => reports.push(c) } }, { log: capture().log, waitMs: 0 });
      try {
        for (let i = 0; reports.length === 0 && i < 200; i++) {
          // A checkpoint follows a commit group: a transaction's, not a lone statement's.
          await store.transaction((tx) => tx.settings.set(`k${i}`, { i }));
          await new Promise((r) => setTimeout(r, 10));
        }
      } finally {
        await store.close();
      }
      assert.ok(reports.length > 0, "no checkpoint reported");
      assert.equal(reports[0]!.complete, true);
      assert.ok(reports[0]!.heldMs >= 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

forEachBackend((b) => {
  describe("the metrics of SQLite's checkpoints", () => {
    const count = (body: string, name: string) => Number(new RegExp(`^${name}_count (\\d+)$`, "m").exec(body)?.[1]);

    if (b.name === "sqlite") {
      it("count each checkpoint of the ACS's own SQLite store by its hold and its copy", async () => {
        const dir = mkdtempSync(join(tmpdir(), "provisio-checkpoint-metrics-"));
        const acs = await startAcs(testConfig(dir, await b.freshUrl(), { sqliteCheckpointEvery: 0.01 }), { processMetrics: false });
        try {
          let body = "";
          for (let i = 0; i < 200; i++) {
            // A checkpoint follows a commit group: a transaction's, not a lone statement's.
            await acs.store.transaction((tx) => tx.settings.set(`k${i}`, { i }));
            body = (await acs.metrics.render()).body;
            if (count(body, "provisio_sqlite_checkpoint_hold_seconds") > 0) break;
            await new Promise((r) => setTimeout(r, 10));
          }
          const held = count(body, "provisio_sqlite_checkpoint_hold_seconds");
          assert.ok(held > 0, "no checkpoint counted");
          assert.equal(count(body, "provisio_sqlite_checkpoint_copy_seconds"), held, "each checkpoint has a copy and a hold");
          assert.match(body, /^provisio_sqlite_checkpoint_hold_seconds_bucket\{le="0\.005"\} \d+$/m);
        } finally {
          await acs.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    } else {
      it("are not exported where the ACS's store is PostgreSQL", async () => {
        const dir = mkdtempSync(join(tmpdir(), "provisio-checkpoint-metrics-"));
        const acs = await startAcs(testConfig(dir, await b.freshUrl()), { processMetrics: false });
        try {
          const { body } = await acs.metrics.render();
          assert.doesNotMatch(body, /provisio_sqlite_checkpoint/);
          assert.match(body, /^provisio_cwmp_sessions_started_total 0$/m, "the others are");
        } finally {
          await acs.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
});
