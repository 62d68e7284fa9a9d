// Saved filters over real HTTP, on both backends: checked on write with the device list's errors,
// recording who created and changed them, listed by name, changed, deleted; roles.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { forEachBackend } from "../support/pg.js";
import { HttpApi } from "./http-client.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

forEachBackend((backend) => {
  describe("saved filters", () => {
    let t: ApiAcs;
    let admin: HttpApi;
    before(async () => {
      t = await startApiAcs(backend);
      admin = new HttpApi(t.apiUrl, t.adminKey);
    });
    after(() => t.stop());

    it("saves a checked filter, with who saved it, and lists filters by name", async () => {
      const created = await admin.post("/api/filters", { name: "offline-hgw", filter: 'productClass = "HGW" AND NOT online', description: "offline gateways" });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.createdBy, "bootstrap admin");
      assert.equal(created.body.updatedBy, "bootstrap admin");
      assert.equal(created.body.filter, 'productClass = "HGW" AND NOT online');
      const operator = admin.with(await t.keyFor("operator"));
      assert.equal((await operator.post("/api/filters", { name: "a-first", filter: "tag = \"lab\"" })).status, 201);
      const list = await admin.with(await t.keyFor("read-only")).get("/api/filters");
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.filters.map((f: { name: string }) => f.name), ["a-first", "offline-hgw"]);
      assert.equal(list.body.filters[0].createdBy, "test operator");
      assert.equal(list.body.filters[0].description, "");
      assert.deepEqual(list.body.filters[1], created.body);
    });

    it("refuses a filter that is not one, with the device list's error and position, and keeps nothing", async () => {
      const bad = await admin.post("/api/filters", { name: "broken", filter: "productClass = HGW" });
      assert.ok(isError(bad, 400, "FILTER_INVALID"));
      const fromList = await admin.get(`/api/devices?filter=${encodeURIComponent("productClass = HGW")}`);
      assert.deepEqual(bad.body.error.details, fromList.body.error.details);
      assert.ok(bad.body.error.details.position !== undefined, "the error has the position");
      assert.equal((await admin.get("/api/filters")).body.filters.some((f: { name: string }) => f.name === "broken"), false);
      assert.ok(isError(await admin.post("/api/filters", { name: "bad name!", filter: "online" }), 400, "VALIDATION"));
    });

    it("refuses a name already taken, changes with PUT and deletes", async () => {
      await admin.post("/api/filters", { name: "lab", filter: 'tag = "lab"' });
      assert.ok(isError(await admin.post("/api/filters", { name: "lab", filter: "online" }), 409, "SAVED_FILTER_EXISTS"));
      const operator = admin.with(await t.keyFor("operator"));
      const changed = await operator.put("/api/filters/lab", { filter: 'tag = "lab" AND online', description: "lab, online" });
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual([changed.body.filter, changed.body.description, changed.body.createdBy, changed.body.updatedBy], ['tag = "lab" AND online', "lab, online", "bootstrap admin", "test operator"]);
      assert.ok(isError(await operator.put("/api/filters/lab", { filter: "online AND" }), 400, "FILTER_INVALID"));
      assert.equal((await admin.get("/api/filters")).body.filters.find((f: { name: string }) => f.name === "lab").filter, 'tag = "lab" AND online');
      assert.ok(isError(await operator.put("/api/filters/nope", { filter: "online" }), 404, "SAVED_FILTER_NOT_FOUND"));
      assert.equal((await operator.del("/api/filters/lab")).status, 204);
      assert.ok(isError(await operator.del("/api/filters/lab"), 404, "SAVED_FILTER_NOT_FOUND"));
    });

    it("lets read-only keys read but not write", async () => {
      const reader = admin.with(await t.keyFor("read-only"));
      assert.ok(isError(await reader.post("/api/filters", { name: "x", filter: "online" }), 403, "FORBIDDEN"));
      assert.ok(isError(await reader.del("/api/filters/offline-hgw"), 403, "FORBIDDEN"));
      assert.ok(isError(await admin.with(null).get("/api/filters"), 401, "AUTH_REQUIRED"));
    });
  });
});
