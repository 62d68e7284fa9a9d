// Bulk changes by filter through the API: tags added and removed, devices deleted; dry runs, the
// explicit "every device", the expected count of a deletion, the bulk limit, roles, and errors that
// change nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Store } from "../../src/store/types.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

const N = 20;
const id = (i: number) => `00D09E-${i % 2 === 0 ? "HGW" : "Router"}-SN${String(i).padStart(2, "0")}`;
const all = Array.from({ length: N }, (_v, i) => i);

async function seed(store: Store): Promise<void> {
  for (const i of all) {
    await store.devices.recordInform({
      id: id(i), manufacturer: "Acme", oui: "00D09E", productClass: i % 2 === 0 ? "HGW" : "Router", serialNumber: `SN${String(i).padStart(2, "0")}`,
      at: new Date(), address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [],
    });
    await store.parameters.setValues(id(i), [{ path: "Device.DeviceInfo.SoftwareVersion", value: `1.${i % 4}.0`, type: "xsd:string" }], new Date());
    if (i % 5 === 0) await store.devices.updateTags(id(i), ["lab"], []);
  }
}

forEachBackend((backend) => {
  describe("bulk changes by filter", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend, { settings: { nbi: { bulkLimit: 15 } } });
      await seed(t.acs.store);
    });
    after(() => t.stop());

    const tagsOf = async (i: number) => (await t.acs.store.devices.get(id(i)))?.tags ?? null;
    const tagged = async (tag: string) => (await t.acs.store.devices.list({ tag })).map((d) => d.id);

    it("tags: a dry run counts and changes nothing; then add and remove apply to the devices matched at the start", async () => {
      const body = { filter: 'tag = "lab"', add: ["old-lab"], remove: ["lab"] };
      const dry = await t.api.post("/api/devices/tags", { ...body, dryRun: true });
      assert.equal(dry.status, 200, dry.text);
      assert.deepEqual(dry.body, { matched: 4, dryRun: true });
      assert.deepEqual(await tagged("lab"), [0, 5, 10, 15].map(id).sort());
      // The filter reads the tag being removed: the devices it matched get the new tag all the same.
      const res = await t.api.post("/api/devices/tags", body);
      assert.deepEqual(res.body, { matched: 4, dryRun: false });
      assert.deepEqual(await tagged("lab"), []);
      assert.deepEqual(await tagged("old-lab"), [0, 5, 10, 15].map(id).sort());
      assert.deepEqual(await tagsOf(1), []);
      // Again: idempotent; and a filter with the new operators.
      assert.deepEqual((await t.api.post("/api/devices/tags", { filter: 'serialNumber ~= "SN1?" AND productClass *= "GW"', add: ["teen"] })).body, { matched: 5, dryRun: false });
      assert.deepEqual(await tagged("teen"), [10, 12, 14, 16, 18].map(id).sort());
      assert.deepEqual((await t.api.post("/api/devices/tags", { filter: 'tag *= "een"', remove: ["teen"] })).body, { matched: 5, dryRun: false });
      assert.deepEqual(await tagged("teen"), []);
    });

    it("tags: no filter needs all: true, which reaches every device (up to the bulk limit)", async () => {
      assert.ok(isError(await t.api.post("/api/devices/tags", { add: ["x"] }), 400, "FILTER_REQUIRED"));
      assert.ok(isError(await t.api.post("/api/devices/tags", { filter: "  ", add: ["x"] }), 400, "FILTER_REQUIRED"));
      assert.ok(isError(await t.api.post("/api/devices/tags", { filter: "online", all: true, add: ["x"] }), 400, "VALIDATION"));
      // 20 devices, bulk limit 15: refused, nothing changed.
      const tooMany = await t.api.post("/api/devices/tags", { all: true, add: ["x"] });
      assert.ok(isError(tooMany, 400, "BULK_TOO_MANY"), tooMany.text);
      assert.equal(tooMany.body.error.details.matched, 20);
      assert.deepEqual(await tagged("x"), []);
      assert.deepEqual((await t.api.post("/api/devices/tags", { filter: 'productClass = "HGW"', add: ["x"] })).body, { matched: 10, dryRun: false });
      assert.equal((await tagged("x")).length, 10);
    });

    it("tags: a bad filter, or nothing to change, is refused and changes nothing; read-only keys may not", async () => {
      const bad = await t.api.post("/api/devices/tags", { filter: 'serialNumber ~= "a\\\\q"', add: ["y"] });
      assert.ok(isError(bad, 400, "FILTER_INVALID"), bad.text);
      assert.ok(isError(await t.api.post("/api/devices/tags", { filter: "online" }), 400, "VALIDATION"));
      assert.ok(isError(await t.api.post("/api/devices/tags", { filter: "online", add: ["a,b"] }), 400, "VALIDATION"));
      const reader = t.api.with(await t.keyFor("read-only"));
      assert.ok(isError(await reader.post("/api/devices/tags", { filter: 'oui = "00D09E"', add: ["y"] }), 403, "FORBIDDEN"));
      const operator = t.api.with(await t.keyFor("operator"));
      assert.equal((await operator.post("/api/devices/tags", { filter: 'id = "nobody"', add: ["y"] })).status, 200);
      assert.deepEqual(await tagged("y"), []);
    });

    it("delete: a dry run counts; the expected count is required and must match, else nothing goes", async () => {
      const filter = 'productClass = "Router" AND Device.DeviceInfo.SoftwareVersion = "1.1.0"';
      const expected = [1, 5, 9, 13, 17].map(id);
      assert.deepEqual((await t.api.post("/api/devices/delete", { filter, dryRun: true })).body, { matched: 5, deleted: 0, dryRun: true });
      assert.ok(isError(await t.api.post("/api/devices/delete", { filter }), 400, "VALIDATION"));
      const wrong = await t.api.post("/api/devices/delete", { filter, expected: 4 });
      assert.ok(isError(wrong, 409, "BULK_COUNT_MISMATCH"), wrong.text);
      assert.deepEqual(wrong.body.error.details, { matched: 5, expected: 4 });
      for (const d of expected) assert.notEqual(await t.acs.store.devices.get(d), null);
      const operator = t.api.with(await t.keyFor("operator"));
      assert.ok(isError(await operator.post("/api/devices/delete", { filter, expected: 5 }), 403, "FORBIDDEN"));

      const res = await t.api.post("/api/devices/delete", { filter, expected: 5 });
      assert.deepEqual(res.body, { matched: 5, deleted: 5, dryRun: false });
      for (const d of expected) {
        assert.equal(await t.acs.store.devices.get(d), null);
        assert.deepEqual(await t.acs.store.parameters.all(d), []);
      }
      assert.equal(await t.acs.store.devices.count(), N - 5);
      const events = await outboxEvents(t.acs.store, (e) => e.type === "device.deleted", (l) => l.length >= 5);
      assert.deepEqual(events.map((e) => e.deviceId).sort(), expected.sort());
    });

    it("delete: every device only with all: true (and its count), within the bulk limit", async () => {
      assert.ok(isError(await t.api.post("/api/devices/delete", { expected: 15 }), 400, "FILTER_REQUIRED"));
      assert.ok(isError(await t.api.post("/api/devices/delete", { filter: "", expected: 15 }), 400, "FILTER_REQUIRED"));
      assert.deepEqual((await t.api.post("/api/devices/delete", { all: true, dryRun: true })).body, { matched: 15, deleted: 0, dryRun: true });
      assert.deepEqual((await t.api.post("/api/devices/delete", { all: true, expected: 15 })).body, { matched: 15, deleted: 15, dryRun: false });
      assert.equal(await t.acs.store.devices.count(), 0);
    });
  });
});
