// Versions of presets and provisions over real HTTP, on both backends: each change keeps the one before
// with who stored it; one version's document as stored; revert with If-Match; a deleted document's
// history is kept and a revert restores it.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { forEachBackend } from "../support/pg.js";
import { HttpApi } from "./http-client.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

const interval = (seconds: number) => ({
  name: "interval",
  kind: "declarative",
  declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value: seconds }],
});

forEachBackend((backend) => {
  describe("preset and provision versions", () => {
    let t: ApiAcs;
    let admin: HttpApi;
    before(async () => {
      t = await startApiAcs(backend);
      admin = new HttpApi(t.apiUrl, t.adminKey);
    });
    after(() => t.stop());

    it("lists every version with who stored it, and gives each document as stored", async () => {
      const other = admin.with(await t.keyFor("admin"));
      assert.equal((await admin.put("/api/provisions/interval", interval(300))).status, 200);
      assert.equal((await other.put("/api/provisions/interval", interval(600))).status, 200);
      const versions = await admin.with(await t.keyFor("read-only")).get("/api/provisions/interval/versions");
      assert.equal(versions.status, 200, versions.text);
      assert.equal(versions.body.current, 2);
      assert.deepEqual(versions.body.versions.map((v: { version: number; by: string; deleted: boolean }) => [v.version, v.by, v.deleted]), [[2, "test admin", false], [1, "bootstrap admin", false]]);
      const first = await admin.get("/api/provisions/interval/versions/1");
      assert.equal(first.status, 200);
      assert.deepEqual(first.body.document.declarations, interval(300).declarations);
      assert.equal(first.body.by, "bootstrap admin");
      assert.ok(isError(await admin.get("/api/provisions/interval/versions/9"), 404, "VERSION_NOT_FOUND"));
      assert.ok(isError(await admin.get("/api/provisions/never/versions"), 404, "PROVISION_NOT_FOUND"));
      assert.ok(isError(await admin.get("/api/provisions/never/versions/1"), 404, "PROVISION_NOT_FOUND"));
    });

    it("reverts to an earlier version as a new version, with If-Match", async () => {
      const stale = await admin.post("/api/provisions/interval/revert", { version: 1 }, { "if-match": '"1"' });
      assert.ok(isError(stale, 409, "VERSION_CONFLICT"));
      assert.equal(stale.body.error.details.current, 2);
      const reverted = await admin.post("/api/provisions/interval/revert", { version: 1 }, { "if-match": '"2"' });
      assert.equal(reverted.status, 200, reverted.text);
      assert.equal(reverted.body.version, 3);
      assert.equal(reverted.headers.etag, '"3"');
      assert.deepEqual((await admin.get("/api/provisions/interval")).body.document.declarations, interval(300).declarations);
      assert.ok(isError(await admin.post("/api/provisions/interval/revert", { version: 42 }), 404, "VERSION_NOT_FOUND"));
      const operator = admin.with(await t.keyFor("operator"));
      assert.ok(isError(await operator.post("/api/provisions/interval/revert", { version: 1 }), 403, "FORBIDDEN"));
    });

    it("keeps a deleted preset's history, and a revert restores it", async () => {
      const preset = { name: "everyone", weight: 5, provisions: [{ name: "interval" }] };
      assert.equal((await admin.put("/api/presets/everyone", preset)).status, 200);
      assert.equal((await admin.del("/api/presets/everyone")).status, 204);
      const versions = await admin.get("/api/presets/everyone/versions");
      assert.equal(versions.body.current, null);
      assert.deepEqual(versions.body.versions.map((v: { version: number; deleted: boolean }) => [v.version, v.deleted]), [[2, true], [1, false]]);
      assert.equal((await admin.get("/api/presets/everyone/versions/2")).body.document, null);
      assert.ok(isError(await admin.post("/api/presets/everyone/revert", { version: 2 }), 409, "VERSION_DELETED"));
      const restored = await admin.post("/api/presets/everyone/revert", { version: 1 }, { "if-match": "0" });
      assert.equal(restored.status, 200, restored.text);
      assert.equal(restored.body.version, 3);
      assert.equal((await admin.get("/api/presets/everyone")).body.document.weight, 5);
      assert.ok(isError(await admin.post("/api/presets/nobody/revert", { version: 1 }), 404, "PRESET_NOT_FOUND"));
    });
  });
});
