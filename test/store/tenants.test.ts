// Conformance of the tenants' storage (migration 11) on both backends: the tenants themselves, the
// tenant of API keys, webhooks and campaigns, and task and fault lists narrowed to a tenant's devices.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Store } from "../../src/store/index.js";
import { forEachBackend, freshStore } from "../support/pg.js";

const T0 = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

async function device(s: Store, id: string, tag: string): Promise<void> {
  await s.devices.recordInform({ id, manufacturer: "M", oui: "00D09E", productClass: "HGW", serialNumber: id, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
  await s.devices.updateTags(id, [tag], []);
}

forEachBackend((b) => {
  describe("tenants", () => {
    test("are created once per name, read, listed by name, changed and deleted", async (ctx) => {
      const s = await freshStore(b, ctx);
      const t = { name: "zeta", filter: 'tag = "z"', description: "Z", createdAt: T0, updatedAt: T0 };
      assert.equal(await s.tenants.create(t), true);
      assert.equal(await s.tenants.create({ ...t, filter: "other" }), false);
      assert.equal(await s.tenants.create({ ...t, name: "alpha" }), true);
      assert.deepEqual(await s.tenants.get("zeta"), t);
      assert.deepEqual((await s.tenants.list()).map((x) => x.name), ["alpha", "zeta"]);
      const later = new Date(T0.getTime() + 1000);
      assert.deepEqual(await s.tenants.update("zeta", { filter: 'tag = "y"', updatedAt: later }), { ...t, filter: 'tag = "y"', updatedAt: later });
      assert.equal(await s.tenants.update("nobody", { description: "x" }), null);
      assert.equal(await s.tenants.delete("zeta"), true);
      assert.equal(await s.tenants.delete("zeta"), false);
      assert.equal(await s.tenants.get("zeta"), null);
    });

    test("keys, webhooks and campaigns keep their tenant; keys are counted per tenant unless revoked", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.apiKeys.create({ id: "k1", name: "a", role: "admin", keyHash: "h1", createdAt: T0, tenant: "acme" });
      await s.apiKeys.create({ id: "k2", name: "b", role: "admin", keyHash: "h2", createdAt: T0, tenant: "acme" });
      await s.apiKeys.create({ id: "k3", name: "c", role: "admin", keyHash: "h3", createdAt: T0 });
      assert.deepEqual([(await s.apiKeys.get("k1"))?.tenant, (await s.apiKeys.byHash("h3"))?.tenant], ["acme", null]);
      assert.equal(await s.apiKeys.countOfTenant("acme"), 2);
      await s.apiKeys.revoke("k2", T0);
      assert.equal(await s.apiKeys.countOfTenant("acme"), 1);
      assert.equal(await s.apiKeys.countOfTenant("globex"), 0);
      const hook = await s.webhooks.create({ id: "w1", name: "w", url: "https://example.net/", events: [], filter: null, secretSealed: "x", enabled: true, createdAt: T0, updatedAt: T0, tenant: "acme" });
      assert.equal(hook.tenant, "acme");
      assert.equal((await s.webhooks.update("w1", { name: "w2" }))?.tenant, "acme");
      await s.files.beginContent("c1", "database", T0, 4);
      await s.files.put({ id: "f".repeat(32), kind: "file", name: "fw", fileType: "1 Firmware Upgrade Image", oui: "", productClass: "", version: "1", description: "", contentType: "x", size: 0, sha256: "0".repeat(64), contentKey: "c1", deviceId: null, createdAt: T0, updatedAt: T0 });
      const base = { filter: "id EXISTS", fileId: "f".repeat(32), status: "running" as const, pauseReason: null, settings: {}, cursor: null, enumerated: false, batch: 0, counts: { pending: 0, in_progress: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 }, claimedBy: null, claimUntil: null, createdAt: T0, updatedAt: T0, completedAt: null };
      await s.campaigns.create({ ...base, id: "c-acme", name: "a", tenant: "acme" });
      await s.campaigns.create({ ...base, id: "c-all", name: "b" });
      assert.deepEqual((await s.campaigns.list({ tenant: "acme" })).map((c) => [c.id, c.tenant]), [["c-acme", "acme"]]);
      assert.deepEqual((await s.campaigns.list()).map((c) => c.id).sort(), ["c-acme", "c-all"]);
    });

    test("task and fault lists narrowed to the devices a filter matches, with the other conditions", async (ctx) => {
      const s = await freshStore(b, ctx);
      for (const [id, tag] of [["a1", "acme"], ["a2", "acme"], ["b1", "globex"]] as const) {
        await device(s, id, tag);
        await s.tasks.create({ deviceId: id, name: "reboot", args: {} }, T0);
        await s.faults.raise({ deviceId: id, channel: "session", code: "c", message: "m", detail: null, at: T0 });
      }
      const devices = { filter: 'tag = "acme"', now: T0 };
      assert.deepEqual((await s.tasks.list({ devices })).map((t) => t.deviceId).sort(), ["a1", "a2"]);
      assert.deepEqual((await s.tasks.list({ devices, deviceId: "b1" })).length, 0);
      assert.deepEqual((await s.tasks.list({ devices, deviceId: "a2", status: ["pending"], limit: 5 })).map((t) => t.deviceId), ["a2"]);
      assert.deepEqual((await s.tasks.list({ devices, limit: 1, offset: 1 })).length, 1);
      assert.deepEqual((await s.faults.list({ devices })).map((f) => f.deviceId).sort(), ["a1", "a2"]);
      assert.deepEqual((await s.faults.list({ devices, deviceId: "b1" })).length, 0);
      assert.deepEqual((await s.faults.list({ devices: { filter: 'tag = "globex"', now: T0 }, deviceId: "b1" })).map((f) => f.deviceId), ["b1"]);
    });
  });
});
