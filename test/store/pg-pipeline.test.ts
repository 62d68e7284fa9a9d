// PostgreSQL's pooled connections pipeline: inside a transaction, BEGIN travels with the first
// statements and statements issued together travel together (one round trip), counted by the driver.
// A statement that fails among them fails the transaction as one that ran alone would: nothing of it
// stays, and its connection serves the next transaction.

import assert from "node:assert/strict";
import { Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { openStore, StoreCounters, StoreError, type Store, type TransactionCounts } from "../../src/store/index.js";
import { at, inform } from "./conformance.js";
import { backend, pgServerUrl, PG_MISSING_MESSAGE } from "../support/pg.js";

describe("postgres: pipelined statements in a transaction", () => {
  const b = backend("postgres");
  const counters = new StoreCounters();
  let store: Store;
  before(async () => {
    assert.ok(pgServerUrl(), PG_MISSING_MESSAGE);
    // One connection: every transaction below runs on the same one.
    store = await openStore(await b.freshUrl(), { postgres: { maxConnections: 1, counters } });
    await store.devices.recordInform(inform("d1"));
  });
  after(() => store?.close());

  async function logged(work: () => Promise<unknown>): Promise<TransactionCounts[]> {
    const log: TransactionCounts[] = [];
    counters.transactionLog = log;
    try {
      await work();
    } finally {
      counters.transactionLog = null;
    }
    return log;
  }

  it("sends BEGIN with the first statements and statements issued together in one round trip", async () => {
    const log = await logged(() => store.transaction((tx) => Promise.all([tx.devices.get("d1"), tx.sessions.ofDevice("d1"), tx.tasks.runnable("d1", at())])));
    assert.deepEqual(log, [{ statements: 5, roundTrips: 2 }], "BEGIN and three reads, then COMMIT");
    const one = await logged(() => store.transaction(async (tx) => {
      await tx.devices.get("d1");
      await tx.devices.get("d1");
    }));
    assert.deepEqual(one, [{ statements: 4, roundTrips: 3 }], "a statement issued after the answer to the one before is a round trip of its own");
  });

  it("writes the statements of one round trip to the socket at once", async () => {
    // The sockets' own writes (one a flush), counted around the real ones: those to a TCP peer (the
    // test runner's pipes are sockets too), of which this store's one connection is the only one here.
    const proto = Socket.prototype as unknown as Record<"_write" | "_writev", (...args: unknown[]) => unknown>;
    const originals = { _write: proto._write, _writev: proto._writev };
    let writes = 0;
    for (const k of ["_write", "_writev"] as const) {
      proto[k] = function (this: Socket, ...args: unknown[]) {
        if (typeof this.remotePort === "number") writes++;
        return originals[k].apply(this, args);
      };
    }
    try {
      await store.transaction(async (tx) => {
        await Promise.all([tx.devices.get("d1"), tx.sessions.ofDevice("d1"), tx.tasks.runnable("d1", at())]);
        return tx.sessions.acquire("d1", "s-corked", { n: 1 }, at(60_000), { last: true });
      });
    } finally {
      Object.assign(proto, originals);
    }
    // BEGIN with the three reads; the write with COMMIT (each statement was a write of its own: 6).
    assert.equal(writes, 2);
    assert.ok(await store.sessions.end("s-corked"));
  });

  it("a statement issued after a write sees it, in the same round trip", async () => {
    const [session, seen] = await store.transaction((tx) => Promise.all([tx.sessions.acquire("d1", "s-seen", { n: 1 }, at(60_000)), tx.sessions.ofDevice("d1")]));
    assert.equal(session?.id, "s-seen");
    assert.equal(seen?.id, "s-seen");
    assert.ok(await store.sessions.end("s-seen"));
  });

  it("a failing statement among pipelined ones rolls back those issued with it, and the connection serves the next transaction", async () => {
    await assert.rejects(store.transaction((tx) => Promise.all([
      tx.sessions.acquire("d1", "s-lost", { n: 2 }, at(60_000)),
      // No such device: a foreign key violation, on the server, among the pipelined statements.
      tx.parameters.setValues("nobody", [{ path: "Device.DeviceInfo.UpTime", value: "1", type: "xsd:unsignedInt" }], at()),
    ])));
    assert.equal(await store.sessions.get("s-lost"), null, "the write issued with the failing one is rolled back");
    assert.equal((await store.transaction((tx) => tx.devices.get("d1")))?.id, "d1");
  });

  it("sends COMMIT with the transaction's last statement; a statement after it is refused", async () => {
    const log = await logged(() => store.transaction(async (tx) => {
      await tx.devices.get("d1");
      return tx.sessions.acquire("d1", "s-last", { n: 1 }, at(60_000), { last: true });
    }));
    assert.deepEqual(log, [{ statements: 4, roundTrips: 2 }], "BEGIN with the read; the write with COMMIT");
    assert.equal((await store.sessions.get("s-last"))?.id, "s-last");
    await assert.rejects(store.transaction(async (tx) => {
      await tx.sessions.end("s-last", undefined, { last: true });
      await tx.devices.get("d1");
    }), (err: unknown) => err instanceof StoreError && err.code === "STORE_TX_CLOSED");
    assert.equal(await store.sessions.get("s-last"), null, "the transaction committed with its last statement");
  });

  it("a last write that finds the session moved on fails the transaction in the database, even if the caller goes on", async () => {
    const taken = await store.sessions.acquire("d1", "s-moved", { n: 1 }, at(60_000));
    assert.ok(taken);
    await assert.rejects(store.transaction(async (tx) => {
      await tx.settings.set("pipelined", "lost");
      return tx.sessions.save("s-moved", taken.version + 1, { n: 2 }, at(90_000), { last: true });
    }), (err: unknown) => err instanceof StoreError && err.code === "STORE_TX_ABORTED");
    assert.equal(await store.settings.get("pipelined"), undefined, "nothing of the transaction stays");
    assert.deepEqual((await store.sessions.get("s-moved"))?.state, { n: 1 });
    assert.ok(await store.sessions.end("s-moved"));
    assert.equal((await store.transaction((tx) => tx.devices.get("d1")))?.id, "d1", "the connection serves the next transaction");
  });
});
