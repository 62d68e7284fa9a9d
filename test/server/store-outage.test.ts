// The ACS riding through a PostgreSQL outage: a real server that the test stops as a crash would
// (`pg_ctl stop -m immediate`) and starts again, under a real ACS process serving CPEs. The ACS must
// stay up, answer CPEs with 503 and Retry-After, report the store down in /healthz, write nothing
// half-way, and serve again once the database is back; at start-up it waits for the database.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { openStore } from "../../src/store/index.js";
import { assertServesAgain, assertUntouched, deviceWithTask, softwareVersion } from "../support/outage.js";
import { healthOf as health, startAcsProcess, until, type AcsProcess } from "../support/acs-process.js";
import { pgClusterTools, type PgClusterTools } from "../support/pg-cluster.js";
import { queryDirect } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";

const USER = "bootstrap-test";
const PASS = "b00tstrap-Secret";

function serveArgs(db: string, dataDir: string, extra: string[] = []): string[] {
  return ["--db", db, "--data-dir", dataDir, "--set", `cwmp.bootstrapUsername=${USER}`, "--set", `cwmp.bootstrapPassword=${PASS}`, "--set", "nbi.host=127.0.0.1", "--set", "nbi.port=0", "--set", "cwmp.retryAfter=7", ...extra];
}

describe("a PostgreSQL outage", () => {
  const work = mkdtempSync(join(tmpdir(), "provisio-outage-"));
  const clusterDir = join(work, "cluster");
  let cluster: PgClusterTools;
  let url = "";
  const procs: AcsProcess[] = [];

  before(async () => {
    cluster = await pgClusterTools();
    assert.ok(cluster.findPgBin(), "PostgreSQL server binaries are needed (Debian: apt-get install postgresql); this test runs a cluster of its own");
    url = await cluster.startCluster(clusterDir);
    // The throwaway cluster runs with synchronous_commit off, which loses the last commits in a crash:
    // this test crashes it, so commits must be durable as in production (a database setting wins over
    // the server's command line).
    await queryDirect(url, "ALTER DATABASE postgres SET synchronous_commit = on");
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    cluster?.stopCluster(clusterDir);
    rmSync(work, { recursive: true, force: true });
  });

  const track = (p: AcsProcess) => {
    procs.push(p);
    return p;
  };
  const dumpOnFailure = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      for (const p of procs) process.stderr.write(`--- output of the ACS on port ${p.port} ---\n${p.output()}\n`);
      throw err;
    }
  };

  it("does not stop the ACS: CPEs get 503 with Retry-After, /healthz says the store is down, nothing is half-written, and sessions succeed once it is back", async () => {
    await dumpOnFailure(async () => {
      const acs = track(await startAcsProcess(serveArgs(url, join(work, "data"))));
      const cpe = new TestCpe({ url: acs.url, username: USER, password: PASS });
      let halted = false;
      try {
        const task = await deviceWithTask(cpe, url);
        assert.equal((await health(acs)).status, 200);

        // A transaction of the ACS is under way (waiting for a lock the test holds) when the server dies:
        // its connection fails while checked out of the pool.
        const holder = new pg.Client({ connectionString: url });
        holder.on("error", () => undefined);
        await holder.connect();
        await holder.query("BEGIN");
        await holder.query("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE");
        const inFlight = cpe.inform(["2 PERIODIC"], softwareVersion("2.0"));
        await until("the ACS's transaction waits for the lock", async () => {
          // From another connection: pg_stat_activity is a snapshot taken once per transaction.
          const [row] = await queryDirect(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND xact_start IS NOT NULL");
          return (row!.n as number) > 0;
        });
        cluster.haltServer(clusterDir);
        halted = true;
        await holder.end().catch(() => undefined);

        const refused = await inFlight;
        assert.equal(refused.status, 503, refused.text);
        assert.equal(refused.headers["retry-after"], "7");
        const h = await health(acs);
        assert.equal(h.status, 503);
        assert.equal(h.body.error?.code, "PROVISIO_ERR_STORE_UNAVAILABLE");
        const other = new TestCpe({ url: acs.url, username: USER, password: PASS });
        const second = await other.inform(["0 BOOTSTRAP"]);
        other.close();
        assert.equal(second.status, 503);
        assert.equal(second.headers["retry-after"], "7");
        // Background work (event feed, webhooks, campaigns, housekeeping) keeps failing meanwhile.
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(acs.child.exitCode, null, "the ACS is still running");

        cluster.resumeServer(clusterDir);
        halted = false;
        await until("/healthz says ok again", async () => (await health(acs)).status === 200);
        await assertUntouched(url, cpe, task);
        await assertServesAgain(acs, url, cpe, task);
      } finally {
        cpe.close();
        if (halted) cluster.resumeServer(clusterDir);
      }
      await acs.stop();
      assert.equal(acs.child.exitCode, 0);
    });
  });

  it("listens for the outbox's commit notifications again once the server is back, and tells watchers they may have missed some", async () => {
    const store = await openStore(url);
    let woke = 0;
    const stop = await store.watchOutbox(() => woke++);
    // USP wakes share the connection: after it is back, their watcher looks for wakes carried meanwhile.
    let uspWoke = 0;
    const stopUsp = await store.watchUspWakes("p1", () => uspWoke++);
    const listening = async () => {
      const [row] = await queryDirect(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN %'");
      return (row!.n as number) > 0;
    };
    const notified = async () => {
      woke = 0;
      await queryDirect(url, "SELECT pg_notify('provisio_outbox_public', '')");
      await until("a notification wakes the watcher", () => Promise.resolve(woke > 0), 10_000);
    };
    try {
      await notified();
      cluster.haltServer(clusterDir);
      try {
        await new Promise((r) => setTimeout(r, 700));
      } finally {
        cluster.resumeServer(clusterDir);
      }
      await until("the watcher listens again", listening);
      await until("the USP wakes' watcher is told it may have missed some", () => Promise.resolve(uspWoke > 0));
      await notified();
    } finally {
      await stopUsp();
      await stop();
      await store.close();
    }
  });

  it("at start-up, waits for a database that is down, then serves", async () => {
    await dumpOnFailure(async () => {
      cluster.haltServer(clusterDir);
      let resumed = false;
      const acs = await (async () => {
        try {
          return track(
        await startAcsProcess(serveArgs(url, join(work, "data"), ["--set", "dbStartupWait=60"]), 60_000, (text) => {
          if (!resumed && text.includes("waiting for the database to answer")) {
            resumed = true;
            cluster.resumeServer(clusterDir);
          }
        }),
          );
        } finally {
          if (!resumed) cluster.resumeServer(clusterDir);
        }
      })();
      assert.ok(resumed, "the ACS said it was waiting for the database");
      assert.equal((await health(acs)).status, 200);
      const cpe = new TestCpe({ url: acs.url, username: USER, password: PASS });
      assert.equal((await cpe.inform(["0 BOOTSTRAP"])).status, 200);
      assert.equal((await cpe.send(null)).status, 204);
      cpe.close();
    });
  });

  it("at start-up, gives up after dbStartupWait with a clear message and a non-zero exit", async () => {
    cluster.haltServer(clusterDir);
    try {
      await assert.rejects(startAcsProcess(serveArgs(url, join(work, "data"), ["--set", "dbStartupWait=1"]), 30_000), (err: Error) => {
        assert.match(err.message, /exited with 1/);
        assert.match(err.message, /provisio: the database at postgres:\/\/provisio@127\.0\.0\.1:\d+\/postgres is unavailable .*did not come up within dbStartupWait \(1 s\)/);
        return true;
      });
    } finally {
      cluster.resumeServer(clusterDir);
    }
  });
});
