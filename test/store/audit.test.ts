// The audit trail's repository (migration 12) on both backends: entries kept as written, listed newest
// first with every filter and keyset paging, pruned oldest first in bounded batches.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { NewAuditEntry, Store } from "../../src/store/index.js";
import { forEachBackend, freshStore } from "../support/pg.js";

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0, 250);
const at = (ms = 0) => new Date(T0 + ms);

function entry(over: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    at: at(), principal: { kind: "apiKey", id: "k1", name: "ops" }, tenant: null, address: "192.0.2.1", operation: "putPreset",
    action: "preset.put", targetType: "preset", targetId: "p1", outcome: 200, summary: "stored preset p1", before: null, after: { name: "p1", weight: 0 },
    ...over,
  };
}

forEachBackend((b) => {
  describe("audit trail", () => {
    test("an entry reads back as it was written, nulls and JSON included", async (ctx) => {
      const s = await freshStore(b, ctx);
      const written = entry({ tenant: "t1", before: { a: [1, "x", null], b: { c: true } }, after: null, address: null, targetId: null, outcome: 403 });
      const rec = await s.audit.record(written);
      assert.ok(Number.isInteger(rec.id) && rec.id > 0);
      const [read] = await s.audit.list();
      assert.deepEqual(read, { ...written, id: rec.id });
      assert.deepEqual(rec, read);
    });

    test("entries come newest first, a page at a time by id, whatever their times", async (ctx) => {
      const s = await freshStore(b, ctx);
      const ids: number[] = [];
      // Times out of order (clocks of several processes): the order is the ids'.
      for (const ms of [0, 5, 3, 9, 1]) ids.push((await s.audit.record(entry({ at: at(ms), summary: `e${ms}` }))).id);
      const all = await s.audit.list();
      assert.deepEqual(all.map((e) => e.id), [...ids].reverse());
      const first = await s.audit.list({ limit: 2 });
      assert.deepEqual(first.map((e) => e.summary), ["e1", "e9"]);
      const second = await s.audit.list({ limit: 2, beforeId: first[1]!.id });
      assert.deepEqual(second.map((e) => e.summary), ["e3", "e5"]);
      const last = await s.audit.list({ limit: 2, beforeId: second[1]!.id });
      assert.deepEqual(last.map((e) => e.summary), ["e0"]);
    });

    test("filters by principal, action, target type and id, and time range, together", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.audit.record(entry({ summary: "a", principal: { kind: "apiKey", id: "k1", name: "ops" }, action: "preset.put", targetId: "p1", at: at(0) }));
      await s.audit.record(entry({ summary: "b", principal: { kind: "apiKey", id: "k2", name: "ci" }, action: "preset.delete", targetId: "p1", at: at(1000) }));
      await s.audit.record(entry({ summary: "c", principal: { kind: "cli", id: "root", name: "root" }, action: "apiKey.create", targetType: "apiKey", targetId: "x", at: at(2000) }));
      await s.audit.record(entry({ summary: "d", principal: { kind: "apiKey", id: "k1", name: "ops" }, action: "preset.put", targetId: "p2", at: at(3000) }));
      const sums = async (q: Parameters<Store["audit"]["list"]>[0]) => (await s.audit.list(q)).map((e) => e.summary);
      assert.deepEqual(await sums({ principal: "k1" }), ["d", "a"]);
      assert.deepEqual(await sums({ action: "preset.put" }), ["d", "a"]);
      assert.deepEqual(await sums({ targetType: "preset" }), ["d", "b", "a"]);
      assert.deepEqual(await sums({ targetType: "preset", targetId: "p1" }), ["b", "a"]);
      assert.deepEqual(await sums({ since: at(1000) }), ["d", "c", "b"]);
      assert.deepEqual(await sums({ until: at(2000) }), ["b", "a"]);
      assert.deepEqual(await sums({ since: at(1000), until: at(3000), targetType: "preset" }), ["b"]);
      assert.deepEqual(await sums({ principal: "k1", targetId: "p2", action: "preset.put" }), ["d"]);
      assert.deepEqual(await sums({ principal: "nobody" }), []);
    });

    test("an entry written in a transaction that rolls back is not kept", async (ctx) => {
      const s = await freshStore(b, ctx);
      await assert.rejects(s.transaction(async (tx) => {
        await tx.audit.record(entry({ summary: "lost" }));
        throw new Error("rolled back");
      }));
      await s.transaction((tx) => tx.audit.record(entry({ summary: "kept" })));
      assert.deepEqual((await s.audit.list()).map((e) => e.summary), ["kept"]);
    });

    test("prune deletes entries older than the time given, oldest first, at most the limit", async (ctx) => {
      const s = await freshStore(b, ctx);
      for (const ms of [0, 1, 2, 3, 10_000]) await s.audit.record(entry({ at: at(ms), summary: `e${ms}` }));
      assert.equal(await s.audit.prune(at(5000), 3), 3);
      assert.deepEqual((await s.audit.list()).map((e) => e.summary), ["e10000", "e3"]);
      assert.equal(await s.audit.prune(at(5000), 3), 1);
      assert.equal(await s.audit.prune(at(5000), 3), 0);
      assert.deepEqual((await s.audit.list()).map((e) => e.summary), ["e10000"]);
    });
  });
});
