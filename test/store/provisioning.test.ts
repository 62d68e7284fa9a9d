import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { forEachBackend } from "../support/pg.js";

const at = (s: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, s));

forEachBackend((b) => {
  describe("provisioning documents", () => {
    it("stores versions, keeps history, and bumps the revision on every change", async () => {
      const s = await b.open();
      const r0 = await s.provisioning.revision();
      const v1 = await s.provisioning.put("preset", "wifi", { name: "wifi", weight: 1 }, at(1));
      assert.deepEqual(v1, { name: "wifi", doc: { name: "wifi", weight: 1 }, version: 1, updatedAt: at(1) });
      const v2 = await s.provisioning.put("preset", "wifi", { name: "wifi", weight: 2 }, at(2));
      assert.equal(v2?.version, 2);
      assert.deepEqual(await s.provisioning.get("preset", "wifi"), { name: "wifi", doc: { name: "wifi", weight: 2 }, version: 2, updatedAt: at(2) });
      assert.equal(await s.provisioning.get("provision", "wifi"), null, "presets and provisions are apart");
      await s.provisioning.put("provision", "p1", { name: "p1", kind: "script", script: "x" }, at(3));
      assert.deepEqual((await s.provisioning.list("preset")).map((d) => d.name), ["wifi"]);
      assert.deepEqual((await s.provisioning.list("provision")).map((d) => d.name), ["p1"]);
      const r1 = await s.provisioning.revision();
      assert.ok(r1 >= r0 + 3);
      assert.equal(await s.provisioning.delete("preset", "wifi", at(4)), true);
      assert.equal(await s.provisioning.delete("preset", "wifi", at(5)), false);
      assert.ok((await s.provisioning.revision()) > r1);
      assert.deepEqual(
        (await s.provisioning.history("preset", "wifi")).map((h) => [h.version, h.doc === null ? null : (h.doc as { weight: number }).weight]),
        [
          [3, null],
          [2, 2],
          [1, 1],
        ],
      );
      const again = await s.provisioning.put("preset", "wifi", { name: "wifi", weight: 9 }, at(6));
      assert.equal(again?.version, 4, "a re-created name goes on from its history");
    });

    it("refuses a put on a stale version (optimistic concurrency)", async () => {
      const s = await b.open();
      assert.equal((await s.provisioning.put("provision", "p", { v: 1 }, at(1), 0))?.version, 1);
      assert.equal(await s.provisioning.put("provision", "p", { v: 2 }, at(2), 0), null, "0: must be new");
      assert.equal(await s.provisioning.put("provision", "p", { v: 2 }, at(2), 5), null);
      assert.equal((await s.provisioning.put("provision", "p", { v: 2 }, at(2), 1))?.version, 2);
      assert.deepEqual((await s.provisioning.get("provision", "p"))?.doc, { v: 2 });
    });

    it("keeps a device's own credentials before its first Inform, and deletes them with the device", async () => {
      const s = await b.open();
      await s.credentials.put({ username: "future", deviceId: "dev-not-yet", passwordHash: "h", digestHa1: "a", realm: "r", createdAt: at(1) });
      assert.equal((await s.credentials.forDevice("dev-not-yet")).length, 1);
      await s.devices.recordInform({ id: "dev-not-yet", manufacturer: "m", oui: "000000", productClass: "p", serialNumber: "1", at: at(2), address: null, cwmpNamespace: "1-0", cwmpVersion: "1.0", events: [] });
      assert.equal(await s.devices.delete("dev-not-yet"), true);
      assert.equal(await s.credentials.get("future"), null);
    });
  });
});
