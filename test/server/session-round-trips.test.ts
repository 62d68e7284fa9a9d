// What a typical CWMP session asks of the store, counted by the store's driver (StoreCounters): the
// statements of each exchange's transaction, and on PostgreSQL the round trips they take when the
// statements a step issues together travel together (pipelining). Counts, never times: a change that
// adds a statement or a round trip to every session fails here.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { xsdValue } from "../../src/cwmp/index.js";
import { startAcs, type Acs } from "../../src/server/acs.js";
import { openStore, StoreCounters, type Store, type TransactionCounts } from "../../src/store/index.js";
import { testConfig } from "../support/acs.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

/**
 * Resolves once no transaction has been at work for a while: what an exchange starts beside it (the
 * webhooks' fan-out of its events, a session's history row) is done.
 */
async function quiet(counters: StoreCounters): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = -1;
  while (Date.now() < deadline) {
    const now = counters.transactionRoundTrips;
    if (now === last) return;
    last = now;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error("the store never went quiet");
}

/**
 * The transactions begun while `work` (one HTTP exchange) ran, and the first one's counts: the
 * exchange's own (what it sets off, such as the webhooks' fan-out of its events, begins after it).
 */
async function counted(counters: StoreCounters, work: () => Promise<unknown>): Promise<{ transactions: number; first: TransactionCounts | undefined }> {
  await quiet(counters);
  const log: TransactionCounts[] = [];
  counters.transactionLog = log;
  const begun = counters.transactions;
  try {
    await work();
    const transactions = counters.transactions - begun;
    await quiet(counters);
    return { transactions, first: log[0] };
  } finally {
    counters.transactionLog = null;
  }
}

forEachBackend((backend) => {
  describe("a CWMP session's statements and round trips", () => {
    const counters = new StoreCounters();
    let store: Store;
    let acs: Acs;
    let dataDir: string;
    const pipelined = backend.name === "postgres";
    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "provisio-trips-"));
      const url = await backend.freshUrl();
      store = await openStore(url, { postgres: { counters }, sqlite: { counters } });
      // No background work on timers during the test: housekeeping and the per-minute session counts.
      // Alarm rules and metric definitions are cached per process, their revisions read at most every
      // refresh interval: made long here, so that the counts below do not depend on how fast the test runs.
      const settings = { provisioning: { refreshInterval: 3600 }, alarms: { refreshInterval: 3600 } };
      // Ended sessions' history rows wait to be written together: here until the ACS closes.
      acs = await startAcs(testConfig(dataDir, url, settings), { store, housekeepingIntervalMs: 3_600_000, sessionCountFlushMs: 3_600_000, sessionRowsFlushMs: 3_600_000 });
      // The first session's end writes the first per-minute count; later ones wait an hour for theirs.
      const first = cpe();
      await first.inform(["0 BOOTSTRAP", "1 BOOT"]);
      assert.equal((await first.send(null)).status, 204);
      first.close();
    });
    after(async () => {
      await acs?.close();
      await store?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const cpe = () => new TestCpe({ url: acs.cwmpUrl, username: acs.bootstrap.username, password: acs.bootstrap.password! });

    it("a periodic Inform of a known device: one transaction, its statements in 2 round trips on PostgreSQL", async () => {
      const c = cpe();
      await c.inform(["0 BOOTSTRAP", "1 BOOT"]);
      assert.equal((await c.send(null)).status, 204);
      const inform = await counted(counters, async () => {
        const r = await c.inform(["2 PERIODIC"], [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "60") }]);
        assert.equal(r.status, 200);
      });
      assert.equal(inform.transactions, 1);
      // BEGIN with the login's credentials (on PostgreSQL read in the transaction, not before it; SQLite
      // reads them before, its transactions running one after the other), the session row, the
      // runnable and the failed tasks (one statement), the presets' revision and whether the device has
      // provisioning faults on record (a clean session's end then spares looking for them), and the
      // device's Inform with its values (they depend on none of those reads); the outbox with the Digest
      // nonce's use, the session row and COMMIT (the session row's write is the last statement; a nonce
      // count that does not grow fails the transaction in the database). The device's FaultMgmt count (alarms) is read
      // from the tree the values' write left, which the transaction keeps (no statement). SQLite runs
      // the same statements one at a time (BEGIN and COMMIT are its commit group's, not counted; a
      // transaction that opens its group has no savepoint of its own, as every one here does), and reads
      // first what it is about to overwrite (one more). UpTime is new to
      // the device's tree (migration 26): the tree's row is read and rewritten with it and its path
      // looked up, four more statements and round trips on PostgreSQL, two on SQLite; a value the tree
      // has costs none (the next tests).
      assert.deepEqual(inform.first, pipelined ? { statements: 16, roundTrips: 6 } : { statements: 13, roundTrips: 13 });
      const end = await counted(counters, async () => assert.equal((await c.send(null)).status, 204));
      // The empty POST ends the session: BEGIN with the tasks read again; the outbox with the session
      // row's end and COMMIT.
      assert.deepEqual(end.first, pipelined ? { statements: 5, roundTrips: 2 } : { statements: 3, roundTrips: 3 });
      c.close();
    });

    it("a periodic Inform repeating values already stored: their times are refreshed in one statement, whatever their number", async () => {
      const c = cpe();
      const values = Array.from({ length: 8 }, (_, i) => ({ name: `Device.DeviceInfo.VendorConfigFile.${i + 1}.Name`, value: xsdValue("xsd:string", `cfg-${i}`) }));
      await c.inform(["0 BOOTSTRAP", "1 BOOT"], values);
      assert.equal((await c.send(null)).status, 204);
      const names = values.map((v) => v.name);
      const before = new Map((await store.parameters.get(c.deviceId, names)).map((p) => [p.path, p.valueAt!.getTime()]));
      const inform = await counted(counters, async () => assert.equal((await c.inform(["2 PERIODIC"], values)).status, 200));
      assert.equal(inform.transactions, 1);
      // As the Inform with one value that changed: on SQLite, one statement refreshes the 8 (it took 8).
      assert.deepEqual(inform.first, pipelined ? { statements: 12, roundTrips: 2 } : { statements: 11, roundTrips: 11 });
      const stored = await store.parameters.get(c.deviceId, names);
      assert.deepEqual(stored.map((p) => p.value), values.map((v) => v.value.text));
      assert.deepEqual(stored.filter((p) => !(p.valueAt!.getTime() > before.get(p.path)!)).map((p) => p.path), [], "every value's time was refreshed");
      assert.equal((await c.send(null)).status, 204);
      c.close();
    });

    it("a session with a task: its RPC is answered from the Inform's plan, with no transaction; its response is one", async () => {
      const c = cpe();
      await c.inform(["0 BOOTSTRAP", "1 BOOT"]);
      assert.equal((await c.send(null)).status, 204);
      await acs.tasks.create(c.deviceId, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });
      const inform = await counted(counters, () => c.inform(["2 PERIODIC"]));
      assert.equal(inform.transactions, 1);
      assert.deepEqual(inform.first, pipelined ? { statements: 12, roundTrips: 2 } : { statements: 11, roundTrips: 11 });
      let rpc!: Awaited<ReturnType<TestCpe["send"]>>;
      const post = await counted(counters, async () => (rpc = await c.send(null)));
      assert.equal(rpcIn(rpc).method, "GetParameterValues");
      assert.equal(post.transactions, 0, "planned with the Inform");
      const response = await counted(counters, async () => {
        const r = await c.send({ method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "61") }] });
        assert.equal(r.status, 204);
      });
      // The session ends with it; its history row is written later, with other sessions' (here at close).
      // (It once measured one more on a loaded machine: the webhooks' fan-out, which the event feed's poll
      // may start in the window, moved its cursor in a transaction even with no webhook to deliver to.)
      assert.equal(response.transactions, 1);
      // BEGIN with the values; the task; its completion; its faults cleared; the tasks read again; the
      // outbox with the session row's end and COMMIT. UpTime is new to the device's tree: two more on
      // PostgreSQL (the tree's row read and rewritten; its path's id is known since the first test's
      // transaction inserted it and committed), none on SQLite.
      assert.deepEqual(response.first, pipelined ? { statements: 11, roundTrips: 8 } : { statements: 9, roundTrips: 9 });
      c.close();
    });

    it("a session whose provision reads a value: its response's writes and the tasks' read travel together", async () => {
      const path = "Device.DeviceInfo.UpTime";
      await store.provisioning.put("provision", "trips-read", { name: "trips-read", kind: "declarative", declarations: [{ path, maxAge: 0 }] }, new Date());
      await store.provisioning.put("preset", "trips-read", { name: "trips-read", enabled: true, weight: 0, filter: "", events: [], provisions: [{ name: "trips-read" }] }, new Date());
      try {
        const c = cpe();
        await c.inform(["0 BOOTSTRAP", "1 BOOT"]);
        const read = await c.send(null);
        assert.equal(rpcIn(read).method, "GetParameterValues");
        const response = await counted(counters, async () => {
          const r = await c.send({ method: "GetParameterValuesResponse", parameterList: [{ name: path, value: xsdValue("xsd:unsignedInt", "61") }] });
          assert.equal(r.status, 204);
        });
        assert.equal(response.transactions, 1);
        // BEGIN with the tasks' read and the value's write; the value read back for the provision; the
        // outbox with the session row's end and COMMIT (5 round trips when the tasks were read after the
        // write; one more when the device's faults were read as its provisions were done, which its
        // Inform now says it has none of to clear). SQLite runs them one at a time, with the
        // read of the value it overwrites (and no savepoint: the transaction opens its commit group). The value read back for the
        // provision is read from the tree the write left, which the transaction keeps (no statement).
        // On PostgreSQL the value, new to the device's tree, adds two (migration 26).
        assert.deepEqual(response.first, pipelined ? { statements: 8, roundTrips: 4 } : { statements: 5, roundTrips: 5 });
        c.close();
      } finally {
        await store.provisioning.delete("preset", "trips-read", new Date());
        await store.provisioning.delete("provision", "trips-read", new Date());
      }
    });
  });
});
