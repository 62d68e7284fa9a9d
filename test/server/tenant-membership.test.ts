// The event streams' cache of which devices are in a tenant (server/tenants.ts), on both stores: an
// answer is reused for its time to live, then read again, so a device that leaves the tenant stops
// counting within it, and so do a change of the tenant's filter and its deletion.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scopedFilter, TenantMembership } from "../../src/server/tenants.js";
import { forEachBackend } from "../support/pg.js";

const T0 = new Date(Date.UTC(2026, 0, 2));

forEachBackend((b) => {
  describe("tenant membership", () => {
    test("is remembered for its time to live, then read again, with the tenant's filter as it is then", async (ctx) => {
      const store = await b.open();
      ctx.after(() => store.close());
      for (const id of ["a1", "b1"]) {
        await store.devices.recordInform({ id, manufacturer: "M", oui: "00D09E", productClass: "HGW", serialNumber: id, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
      }
      await store.devices.updateTags("a1", ["acme"], []);
      await store.parameters.setValues("b1", [{ path: "Device.X", value: "acme", type: "xsd:string" }], T0);
      let now = T0.getTime();
      const m = new TenantMembership(store, { ttlMs: 5000, maxEntries: 10, onlineWithinMs: 60_000, clock: () => now });
      const acme = { name: "acme", filter: 'tag = "acme"' };
      await store.tenants.create({ ...acme, description: "", createdAt: T0, updatedAt: T0 });
      assert.deepEqual([await m.has(acme, "a1"), await m.has(acme, "b1"), await m.has(acme, "nobody")], [true, false, false]);
      await store.devices.updateTags("a1", [], ["acme"]);
      now += 4999;
      assert.equal(await m.has(acme, "a1"), true, "still the remembered answer");
      now += 1;
      assert.equal(await m.has(acme, "a1"), false, "read again once the answer is 5 s old");
      // The stream's copy of the filter is not what counts: the tenant's, read again once 5 s old, is.
      await store.tenants.update("acme", { filter: 'Device.X = "acme"' });
      assert.equal(await m.has(acme, "b1"), false, "the filter read 5 s ago");
      now += 5000;
      assert.equal(await m.has(acme, "b1"), true, "the new filter, on a parameter");
      await store.tenants.delete("acme");
      now += 5000;
      assert.equal(await m.has(acme, "b1"), false, "a tenant deleted admits nothing");
    });

    test("the tenant's filter and the caller's are joined as filters, so the caller's text cannot widen it", () => {
      const joined = scopedFilter({ name: "acme", filter: 'tag = "acme"' }, 'productClass = "HGW" OR productClass = "CPE"');
      assert.deepEqual(joined, {
        kind: "and",
        operands: [
          { kind: "compare", target: { kind: "field", name: "tag" }, op: "=", value: { kind: "string", value: "acme" } },
          {
            kind: "or",
            operands: [
              { kind: "compare", target: { kind: "field", name: "productClass" }, op: "=", value: { kind: "string", value: "HGW" } },
              { kind: "compare", target: { kind: "field", name: "productClass" }, op: "=", value: { kind: "string", value: "CPE" } },
            ],
          },
        ],
      });
      assert.equal(scopedFilter(null, "x = 1"), "x = 1");
    });
  });
});
