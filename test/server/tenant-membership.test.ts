// The event streams' cache of which devices are in a tenant (server/tenants.ts), on both stores: an
// answer is reused for its time to live, then read again, so a device that leaves the tenant stops
// counting within it; a tenant whose filter changes is asked afresh at once.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scopedFilter, TenantMembership } from "../../src/server/tenants.js";
import { forEachBackend } from "../support/pg.js";

const T0 = new Date(Date.UTC(2026, 0, 2));

forEachBackend((b) => {
  describe("tenant membership", () => {
    test("is remembered for its time to live, then read again; a changed filter is a new question", async (ctx) => {
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
      assert.deepEqual([await m.has(acme, "a1"), await m.has(acme, "b1"), await m.has(acme, "nobody")], [true, false, false]);
      await store.devices.updateTags("a1", [], ["acme"]);
      now += 4999;
      assert.equal(await m.has(acme, "a1"), true, "still the remembered answer");
      now += 1;
      assert.equal(await m.has(acme, "a1"), false, "read again once the answer is 5 s old");
      // A filter on a parameter reads it; a new filter text is asked at once.
      assert.equal(await m.has({ name: "acme", filter: 'Device.X = "acme"' }, "b1"), true);
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
