// Conformance of the northbound API's repositories (migration 2) on both backends: the event outbox
// (order, visibility at commit, consumers), API keys, webhooks and their deliveries (claims across
// stores), connection-request credentials and attempts.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openStore, StoreError, type InformUpdate, type NewOutboxEvent } from "../../src/store/index.js";
import { readSettled } from "../support/outbox.js";
import { forEachBackend, freshStore } from "../support/pg.js";

const T0 = Date.UTC(2025, 4, 6, 7, 8, 9, 123);
const at = (ms = 0) => new Date(T0 + ms);

function inform(id: string): InformUpdate {
  return { id, manufacturer: "Acme", oui: "00D09E", productClass: "Router", serialNumber: id, at: at(), address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] };
}

const ev = (type: string, deviceId: string | null, ms = 0, extra: Record<string, string> = {}): NewOutboxEvent => ({ type, deviceId, at: at(ms), payload: { type, deviceId, ...extra } });

forEachBackend((b) => {
  describe("event outbox", () => {
    test("events come back in the order they were committed, with their payload, after any cursor", async (ctx) => {
      const s = await freshStore(b, ctx);
      assert.equal(await s.outbox.head(), null);
      assert.deepEqual(await s.outbox.read(null, 10), []);
      await s.transaction(async (tx) => tx.outbox.append([ev("a", "d1"), ev("b", "d1", 1, { n: "x" })]));
      await s.outbox.append([ev("c", null, 2)]);
      const all = await readSettled(s, 3, null, 10);
      assert.deepEqual(all.map((e) => [e.type, e.deviceId, e.at.getTime()]), [["a", "d1", T0], ["b", "d1", T0 + 1], ["c", null, T0 + 2]]);
      assert.deepEqual(all[1]!.payload, { type: "b", deviceId: "d1", n: "x" });
      assert.ok(all[0]!.seq < all[1]!.seq && all[1]!.seq < all[2]!.seq);
      assert.deepEqual(await s.outbox.head(), { tx: all[2]!.tx, seq: all[2]!.seq });
      assert.deepEqual((await s.outbox.read(all[0]!, 10)).map((e) => e.type), ["b", "c"]);
      assert.deepEqual((await s.outbox.read(all[0]!, 1)).map((e) => e.type), ["b"]);
      assert.deepEqual(await s.outbox.read(all[2]!, 10), []);
      assert.deepEqual(await s.outbox.cursorOf(all[1]!.seq), { tx: all[1]!.tx, seq: all[1]!.seq });
      assert.equal(await s.outbox.cursorOf(all[2]!.seq + 100), null);
    });

    test("a batch of any size keeps its order and payloads (small batches and large ones take different statements)", async (ctx) => {
      const s = await freshStore(b, ctx);
      const small = Array.from({ length: 3 }, (_, i) => ev(`s${i}`, "d1", i, { i: String(i) }));
      const large = Array.from({ length: 25 }, (_, i) => ev(`l${i}`, i % 2 === 0 ? null : "d2", 100 + i, { i: String(i) }));
      await s.transaction(async (tx) => tx.outbox.append(small));
      await s.outbox.append(large);
      const all = await readSettled(s, 28, null, 100);
      assert.deepEqual(all.map((e) => [e.type, e.deviceId, e.at.getTime(), e.payload]), [...small, ...large].map((e) => [e.type, e.deviceId, e.at.getTime(), e.payload]));
    });

    test("events of a transaction that rolls back never appear", async (ctx) => {
      const s = await freshStore(b, ctx);
      await assert.rejects(s.transaction(async (tx) => {
        await tx.outbox.append([ev("lost", "d1")]);
        throw new Error("rolled back");
      }));
      await s.outbox.append([ev("kept", "d1")]);
      assert.deepEqual((await readSettled(s, 1)).map((e) => e.type), ["kept"]);
    });

    test("a reader never passes an event whose transaction is still running, even when a later one commits first", async (ctx) => {
      const url = await b.freshUrl();
      const [sa, sb, reader] = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      ctx.after(() => Promise.all([sa.close(), sb.close(), reader.close()]));
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let appended!: () => void;
      const aAppended = new Promise<void>((r) => (appended = r));
      const a = sa.transaction(async (tx) => {
        await tx.outbox.append([ev("first", "d1")]);
        appended();
        await held;
      });
      await aAppended;
      // PostgreSQL lets this one commit now; SQLite makes it wait for A's write lock.
      const bDone = sb.transaction((tx) => tx.outbox.append([ev("second", "d1")]));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await reader.outbox.read(null, 10), [], "nothing may be read past the running transaction");
      assert.equal(await reader.outbox.head(), null);
      release();
      await a;
      await bDone;
      assert.deepEqual((await readSettled(reader, 2)).map((e) => e.type), ["first", "second"]);
    });

    test("prunes events older than a time", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.outbox.append([ev("old", null, 0), ev("new", null, 10_000)]);
      await readSettled(s, 2);
      assert.equal(await s.outbox.prune(at(5000)), 1);
      assert.deepEqual((await s.outbox.read(null, 10)).map((e) => e.type), ["new"]);
      // Seqs are never reused, even after the newest are pruned.
      const last = (await s.outbox.read(null, 10))[0]!.seq;
      await s.outbox.prune(at(60_000));
      await s.outbox.append([ev("later", null, 70_000)]);
      assert.ok((await readSettled(s, 1))[0]!.seq > last);
    });

    test("a consumer's cursor moves only from where it is (one winner among racers)", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.outbox.append([ev("a", null), ev("b", null)]);
      const [e1, e2] = await readSettled(s, 2);
      assert.equal(await s.outbox.consumer("hooks"), null);
      assert.equal(await s.outbox.advanceConsumer("hooks", null, e1!), true);
      assert.equal(await s.outbox.advanceConsumer("hooks", null, e2!), false, "already set");
      assert.deepEqual(await s.outbox.consumer("hooks"), { tx: e1!.tx, seq: e1!.seq });
      const results = await Promise.all([s.outbox.advanceConsumer("hooks", e1!, e2!), s.outbox.advanceConsumer("hooks", e1!, e2!)]);
      assert.deepEqual(results.sort(), [false, true]);
      assert.equal(await s.outbox.advanceConsumer("hooks", e1!, e2!), false, "no longer at e1");
      assert.deepEqual(await s.outbox.consumer("hooks"), { tx: e2!.tx, seq: e2!.seq });
    });

    test("wakes watchers when events commit (a hint: SQLite has none)", async (ctx) => {
      const s = await freshStore(b, ctx);
      const other = await openStore(await b.freshUrl());
      ctx.after(() => other.close());
      let woken = 0;
      const stop = await s.watchOutbox(() => woken++);
      await s.outbox.append([ev("x", null)]);
      if (b.name === "postgres") {
        for (let i = 0; i < 100 && woken === 0; i++) await new Promise((r) => setTimeout(r, 20));
        assert.ok(woken > 0, "NOTIFY arrived");
        const before = woken;
        await other.outbox.append([ev("elsewhere", null)]);
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(woken, before, "another schema's events do not wake it");
      }
      await stop();
      await stop();
    });
    if (b.name === "postgres") {
      test("one notification wakes other processes' watchers per window, after commit only, and closing sends the last", async (ctx) => {
        const url = await b.freshUrl();
        const windowMs = 300;
        const writer = await openStore(url, { postgres: { notifyWindowMs: windowMs } });
        ctx.after(() => writer.close());
        const watcher = await openStore(url);
        ctx.after(() => watcher.close());
        let woken = 0;
        const stop = await watcher.watchOutbox(() => woken++);
        ctx.after(stop);
        const until = async (what: string, ok: () => boolean) => {
          for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
          assert.ok(ok(), what);
        };

        const started = Date.now();
        for (let i = 0; i < 20; i++) await writer.transaction(async (tx) => tx.outbox.append([ev(`t${i}`, null)]));
        const elapsed = Date.now() - started;
        await until("a notification arrived", () => woken > 0);
        await new Promise((r) => setTimeout(r, 2 * windowMs));
        // At most one per window begun while the transactions committed (and the one still waiting).
        assert.ok(woken <= Math.ceil(elapsed / windowMs) + 1, `${woken} notifications for 20 transactions in ${elapsed} ms`);

        // A transaction that rolls back after appending tells nobody.
        const before = woken;
        await assert.rejects(writer.transaction(async (tx) => {
          await tx.outbox.append([ev("lost", null)]);
          throw new Error("changed my mind");
        }), /changed my mind/);
        await new Promise((r) => setTimeout(r, 3 * windowMs));
        assert.equal(woken, before);

        // Events appended just before the writer closes are told at its close, not lost with its timer.
        await writer.outbox.append([ev("last", null)]);
        await writer.close();
        await until("the closing writer's notification arrived", () => woken > before);
      });
    }
  });

  describe("API keys", () => {
    test("are created once per id, found by hash, listed, revoked once, and touched sparingly", async (ctx) => {
      const s = await freshStore(b, ctx);
      const k = { id: "k1", name: "ci", role: "operator" as const, keyHash: "ab".repeat(32), createdAt: at() };
      assert.equal(await s.apiKeys.create(k), true);
      assert.equal(await s.apiKeys.create({ ...k, keyHash: "cd".repeat(32) }), false);
      await s.apiKeys.create({ id: "k2", name: "ro", role: "read-only", keyHash: "ef".repeat(32), createdAt: at(1) });
      assert.deepEqual(await s.apiKeys.byHash("ab".repeat(32)), { ...k, lastUsedAt: null, revokedAt: null, tenant: null });
      assert.equal(await s.apiKeys.byHash("00"), null);
      assert.deepEqual((await s.apiKeys.list()).map((x) => x.id), ["k1", "k2"]);
      assert.equal(await s.apiKeys.count(), 2);
      await s.apiKeys.touch("k1", at(10), at(0));
      assert.deepEqual((await s.apiKeys.get("k1"))?.lastUsedAt, at(10));
      await s.apiKeys.touch("k1", at(20), at(5)); // last use (10) is not older than 5: no write
      assert.deepEqual((await s.apiKeys.get("k1"))?.lastUsedAt, at(10));
      assert.deepEqual((await s.apiKeys.revoke("k1", at(30)))?.revokedAt, at(30));
      assert.deepEqual((await s.apiKeys.revoke("k1", at(40)))?.revokedAt, at(30), "the first revocation stands");
      assert.equal(await s.apiKeys.revoke("nope", at()), null);
      assert.equal(await s.apiKeys.count(), 2);
    });
  });

  describe("webhooks and deliveries", () => {
    const hook = (id: string) => ({ id, name: id, url: `https://example.net/${id}`, events: ["device.inform"], filter: null, secretSealed: "v1.x", enabled: true, createdAt: at(), updatedAt: at(), tenant: null });

    test("webhooks are created, updated and deleted with their deliveries", async (ctx) => {
      const s = await freshStore(b, ctx);
      assert.deepEqual(await s.webhooks.create(hook("h1")), hook("h1"));
      await s.webhooks.create(hook("h2"));
      assert.deepEqual((await s.webhooks.list()).map((h) => h.id), ["h1", "h2"]);
      const u = await s.webhooks.update("h1", { enabled: false, events: [], filter: 'tag = "x"', updatedAt: at(5) });
      assert.deepEqual([u?.enabled, u?.events, u?.filter, u?.updatedAt], [false, [], 'tag = "x"', at(5)]);
      assert.equal(await s.webhooks.update("nope", { enabled: true }), null);
      await s.webhookDeliveries.enqueue([{ webhookId: "h1", eventSeq: 1, eventType: "device.inform", deviceId: "d1", payload: { id: "1" } }], at());
      assert.equal(await s.webhooks.delete("h1"), true);
      assert.equal(await s.webhooks.delete("h1"), false);
      assert.deepEqual(await s.webhookDeliveries.list("h1"), []);
    });

    test("deliveries are queued once per webhook and event, claimed by one owner at a time, and record their attempts", async (ctx) => {
      const url = await b.freshUrl();
      const [s1, s2] = await Promise.all([openStore(url), openStore(url)]);
      ctx.after(() => Promise.all([s1.close(), s2.close()]));
      await s1.webhooks.create(hook("h"));
      const batch = Array.from({ length: 10 }, (_v, i) => ({ webhookId: "h", eventSeq: i + 1, eventType: "device.inform", deviceId: `d${i}`, payload: { id: String(i + 1) } }));
      assert.equal(await s1.webhookDeliveries.enqueue(batch, at()), 10);
      assert.equal(await s2.webhookDeliveries.enqueue(batch, at()), 0, "a second fan-out adds nothing");
      assert.deepEqual(await s1.webhookDeliveries.nextDue(), at());
      assert.deepEqual(await s1.webhookDeliveries.claim("early", at(-1), at(60_000), 10), [], "not due yet");
      const [a, c] = await Promise.all([s1.webhookDeliveries.claim("p1", at(), at(60_000), 10), s2.webhookDeliveries.claim("p2", at(), at(60_000), 10)]);
      const ids = [...a, ...c].map((d) => d.id);
      assert.equal(ids.length, 10, "every delivery claimed");
      assert.equal(new Set(ids).size, 10, "by one owner each");
      assert.deepEqual(await s1.webhookDeliveries.claim("p3", at(1000), at(60_000), 10), [], "live claims are respected");

      const d = (a[0] ?? c[0])!;
      const owner = a.includes(d) ? "p1" : "p2";
      const attempt = { deliveryId: d.id, attempt: 1, at: at(1), durationMs: 12, statusCode: 500, ok: false, error: "HTTP 500" };
      assert.equal(await s1.webhookDeliveries.finishAttempt(d.id, "someone-else", attempt, { status: "pending", nextAttemptAt: at(100), completedAt: null }), false);
      assert.equal(await s1.webhookDeliveries.finishAttempt(d.id, owner, attempt, { status: "pending", nextAttemptAt: at(100), completedAt: null }), true);
      // Released: due again at 100, claimable by anyone.
      const again = await s2.webhookDeliveries.claim("p3", at(100), at(60_000), 10);
      assert.deepEqual(again.map((x) => x.id), [d.id]);
      assert.equal(again[0]!.attempts, 1);
      assert.equal(await s2.webhookDeliveries.finishAttempt(d.id, "p3", { ...attempt, attempt: 2, at: at(101), statusCode: 200, ok: true, error: null }, { status: "delivered", nextAttemptAt: null, completedAt: at(101) }), true);
      const listed = await s1.webhookDeliveries.list("h", { status: "delivered" });
      assert.equal(listed.length, 1);
      assert.deepEqual(listed[0]!.attemptLog.map((x) => [x.attempt, x.ok, x.statusCode, x.error]), [[1, false, 500, "HTTP 500"], [2, true, 200, null]]);
      assert.deepEqual(listed[0]!.payload, d.payload);
      assert.deepEqual([listed[0]!.redeliveredAt, listed[0]!.redeliveredAfter], [null, 0]);
      assert.equal((await s1.webhookDeliveries.list("h", { id: d.id }))[0]?.id, d.id);
      // Redelivery: pending again at once, attempts kept; a pending one, another webhook's or none is not redelivered.
      const other = ids.find((x) => x !== d.id)!;
      assert.equal(await s1.webhookDeliveries.redeliver(other, "h", at(150)), null, "still pending");
      assert.equal(await s1.webhookDeliveries.redeliver(d.id, "h2", at(150)), null, "another webhook's");
      assert.equal(await s1.webhookDeliveries.redeliver("nope", "h", at(150)), null);
      const renewed = await s2.webhookDeliveries.redeliver(d.id, "h", at(150));
      assert.deepEqual([renewed?.status, renewed?.attempts, renewed?.redeliveredAfter, renewed?.redeliveredAt, renewed?.nextAttemptAt, renewed?.completedAt], ["pending", 2, 2, at(150), at(150), null]);
      assert.equal(await s1.webhookDeliveries.redeliver(d.id, "h", at(151)), null, "not twice while pending");
      const retried = await s1.webhookDeliveries.claim("p4", at(150), at(60_000), 10);
      assert.ok(retried.some((x) => x.id === d.id && x.redeliveredAfter === 2));
      assert.equal(await s1.webhookDeliveries.finishAttempt(d.id, "p4", { ...attempt, attempt: 3, at: at(152), statusCode: 200, ok: true, error: null }, { status: "delivered", nextAttemptAt: null, completedAt: at(101) }), true);
      assert.equal((await s1.webhookDeliveries.list("h", { id: d.id }))[0]?.attemptLog.length, 3);
      assert.equal((await s1.webhookDeliveries.list("h")).length, 10);
      assert.equal((await s1.webhookDeliveries.list("h", { limit: 3, offset: 8 })).length, 2);
      assert.equal(await s1.webhookDeliveries.prune(at(100)), 0, "completed later than that");
      assert.deepEqual(await s1.webhookDeliveries.nextDue(), at(), "the others are still pending");
      assert.equal(await s1.webhookDeliveries.prune(at(200)), 1, "only finished ones go");
      assert.equal(await s1.webhookDeliveries.get(d.id), null);
    });
  });

  describe("faults by id", () => {
    test("a fault is found by its id until it is cleared", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.devices.recordInform(inform("d1"));
      const f = await s.faults.raise({ deviceId: "d1", channel: "session", code: "cwmp.9002", message: "m", detail: { x: 1 }, at: at() });
      assert.deepEqual(await s.faults.get(f.id), f);
      assert.equal(await s.faults.clear(f.id), true);
      assert.equal(await s.faults.get(f.id), null);
    });
  });

  describe("connection requests", () => {
    test("credentials are kept per device, and go with it", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.devices.recordInform(inform("d1"));
      assert.equal(await s.connectionRequests.credentials("d1"), null);
      await s.connectionRequests.setCredentials({ deviceId: "d1", username: "u", passwordSealed: "v1.sealed", updatedAt: at() });
      await s.connectionRequests.setCredentials({ deviceId: "d1", username: "u2", passwordSealed: "v1.sealed2", updatedAt: at(1) });
      assert.deepEqual(await s.connectionRequests.credentials("d1"), { deviceId: "d1", username: "u2", passwordSealed: "v1.sealed2", updatedAt: at(1) });
      await assert.rejects(s.connectionRequests.setCredentials({ deviceId: "nope", username: "u", passwordSealed: "x", updatedAt: at() }),
        (e: unknown) => e instanceof StoreError && e.code === "STORE_UNKNOWN_REFERENCE");
      assert.equal(await s.connectionRequests.deleteCredentials("d1"), true);
      assert.equal(await s.connectionRequests.deleteCredentials("d1"), false);
      await s.connectionRequests.setCredentials({ deviceId: "d1", username: "u", passwordSealed: "x", updatedAt: at() });
      await s.devices.delete("d1");
      assert.equal(await s.connectionRequests.credentials("d1"), null);
    });

    test("attempts are recorded, listed newest first, and pruned", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.devices.recordInform(inform("d1"));
      const attempt = (ms: number, method: string, outcome: string) => ({ deviceId: "d1", at: at(ms), method, target: "t", outcome, code: outcome.toUpperCase(), detail: "d", durationMs: 5.6, taskId: ms === 0 ? "task-1" : null });
      await s.connectionRequests.record([attempt(0, "xmpp", "not-connected"), attempt(1, "http", "accepted")]);
      await s.connectionRequests.record([attempt(10, "udp", "sent")]);
      const list = await s.connectionRequests.attempts("d1");
      assert.deepEqual(list.map((a) => [a.method, a.outcome, a.durationMs, a.taskId]), [["udp", "sent", 6, null], ["http", "accepted", 6, null], ["xmpp", "not-connected", 6, "task-1"]]);
      assert.ok(list[0]!.id > list[1]!.id);
      assert.deepEqual((await s.connectionRequests.attempts("d1", { limit: 1, offset: 1 })).map((a) => a.method), ["http"]);
      assert.equal(await s.connectionRequests.prune(at(5)), 2);
      assert.equal((await s.connectionRequests.attempts("d1")).length, 1);
      await s.devices.delete("d1");
      assert.deepEqual(await s.connectionRequests.attempts("d1"), []);
    });
  });
});
