// Presets and provisions through the REST API: documents checked before they are stored, versions and
// If-Match, history, deletion, roles, and the dry run, on both backends.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { forEachBackend } from "../support/pg.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

const INTERVAL = {
  name: "interval",
  kind: "declarative",
  declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 900 }],
};

forEachBackend((backend) => {
  describe("presets and provisions", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend);
    });
    after(() => t.stop());

    it("stores a checked document, bumps its version, and keeps every version", async () => {
      const created = await t.api.put("/api/provisions/interval", INTERVAL);
      assert.equal(created.status, 200, created.text);
      assert.equal(created.body.version, 1);
      assert.equal(created.headers.etag, '"1"');
      assert.deepEqual(created.body.document.declarations, INTERVAL.declarations);

      const preset = { name: "everyone", weight: 5, provisions: [{ name: "interval" }] };
      assert.equal((await t.api.put("/api/presets/everyone", preset)).status, 200);
      const changed = await t.api.put("/api/presets/everyone", { ...preset, events: ["1 BOOT"] });
      assert.equal(changed.body.version, 2);
      const got = await t.api.get("/api/presets/everyone");
      assert.equal(got.status, 200);
      assert.equal(got.headers.etag, '"2"');
      assert.deepEqual(got.body.document.events, ["1 BOOT"]);
      const list = await t.api.get("/api/presets");
      assert.deepEqual(list.body.presets.map((p: { name: string }) => p.name), ["everyone"]);

      const history = await t.api.get("/api/presets/everyone/history");
      assert.deepEqual(history.body.versions.map((v: { version: number }) => v.version), [2, 1]);
      assert.deepEqual(history.body.versions[1].document.events ?? [], []);
    });

    it("refuses an invalid document and says what is wrong", async () => {
      isError(await t.api.put("/api/presets/x", { name: "x", provisions: [] }), 400, "DOCUMENT_INVALID");
      const renamed = await t.api.put("/api/presets/x", { name: "y", provisions: [{ name: "interval" }] });
      isError(renamed, 400, "DOCUMENT_INVALID");
      assert.match(renamed.body.error.details.problems.join("\n"), /the URL "x"/);
      const filter = await t.api.put("/api/presets/x", { name: "x", filter: "oui ==", provisions: [{ name: "interval" }] });
      isError(filter, 400, "DOCUMENT_INVALID");
      const script = await t.api.put("/api/provisions/bad", { name: "bad", kind: "script", script: "this is not js" });
      isError(script, 400, "DOCUMENT_INVALID");
      assert.match(script.body.error.details.problems[0], /does not compile/);
      // Positions are the script's own lines, not those of the wrapper it runs in.
      const second = await t.api.put("/api/provisions/bad", { name: "bad", kind: "script", script: "const a = 1;\nthis is not js" });
      isError(second, 400, "DOCUMENT_INVALID");
      assert.match(second.body.error.details.problems[0], /the script does not compile: Unexpected identifier 'is' \(line 2, column 6\)$/);
      isError(await t.api.put("/api/provisions/builtin:mine", { name: "builtin:mine", kind: "declarative", declarations: [] }), 400, "DOCUMENT_INVALID");
      // nothing of it was stored
      isError(await t.api.get("/api/presets/x"), 404, "PRESET_NOT_FOUND");
      isError(await t.api.get("/api/provisions/bad"), 404, "PROVISION_NOT_FOUND");
    });

    it("changes a document only at the version If-Match names", async () => {
      const conflict = await t.api.call("PUT", "/api/provisions/interval", INTERVAL, { "if-match": '"7"' });
      isError(conflict, 409, "VERSION_CONFLICT");
      assert.equal(conflict.body.error.details.current, 1);
      isError(await t.api.call("PUT", "/api/provisions/interval", INTERVAL, { "if-match": '"0"' }), 409, "VERSION_CONFLICT");
      const ok = await t.api.call("PUT", "/api/provisions/interval", INTERVAL, { "if-match": '"1"' });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.version, 2);
      const createOnly = await t.api.call("PUT", "/api/provisions/fresh", { ...INTERVAL, name: "fresh" }, { "if-match": '"0"' });
      assert.equal(createOnly.body.version, 1);
      isError(await t.api.call("PUT", "/api/provisions/fresh", { ...INTERVAL, name: "fresh" }, { "if-match": "soon" }), 400, "VALIDATION");
    });

    it("deletes a document, keeping its history", async () => {
      assert.equal((await t.api.del("/api/provisions/fresh")).status, 204);
      isError(await t.api.get("/api/provisions/fresh"), 404, "PROVISION_NOT_FOUND");
      isError(await t.api.del("/api/provisions/fresh"), 404, "PROVISION_NOT_FOUND");
      const history = await t.api.get("/api/provisions/fresh/history");
      assert.deepEqual(history.body.versions.map((v: { document: unknown }) => v.document === null), [true, false]);
      isError(await t.api.get("/api/presets/never/history"), 404, "PRESET_NOT_FOUND");
      isError(await t.api.del("/api/presets/never"), 404, "PRESET_NOT_FOUND");
    });

    it("lets read-only keys read, operators dry-run, and only admins change documents", async () => {
      const ro = t.api.with(await t.keyFor("read-only"));
      const op = t.api.with(await t.keyFor("operator"));
      assert.equal((await ro.get("/api/presets")).status, 200);
      assert.equal((await ro.get("/api/provisions/interval")).status, 200);
      isError(await ro.put("/api/presets/z", { name: "z", provisions: [{ name: "interval" }] }), 403, "FORBIDDEN");
      isError(await op.put("/api/presets/z", { name: "z", provisions: [{ name: "interval" }] }), 403, "FORBIDDEN");
      isError(await op.del("/api/presets/everyone"), 403, "FORBIDDEN");
      isError(await ro.post("/api/devices/x/provisioning/dry-run", {}), 403, "FORBIDDEN");
      isError(await op.post("/api/devices/nope/provisioning/dry-run", {}), 404, "DEVICE_NOT_FOUND");
      isError(await t.api.with(null).get("/api/presets"), 401, "AUTH_REQUIRED");
    });

    it("dry-runs the presets against what the store knows of a device, changing nothing", async () => {
      const id = "00D09E-HGW-DRY0001";
      const now = new Date();
      await t.acs.store.transaction(async (tx) => {
        await tx.devices.recordInform({ id, manufacturer: "Acme", oui: "00D09E", productClass: "HGW", serialNumber: "DRY0001", at: now, address: null, cwmpNamespace: "1-2", cwmpVersion: null, events: [] });
        await tx.parameters.setValues(id, [
          { path: "Device.ManagementServer.PeriodicInformInterval", value: "60", type: "xsd:unsignedInt" },
          { path: "Device.DeviceInfo.ModelName", value: "HGW", type: "xsd:string" },
        ], now);
      });
      await t.api.put("/api/provisions/unknown", { name: "unknown", kind: "declarative", declarations: [{ path: "Device.X_Acme.Thing", value: 1 }] });
      await t.api.put("/api/presets/later", { name: "later", enabled: false, provisions: [{ name: "unknown" }] });

      // The matching presets: "everyone" asks for 1 BOOT, so without that event nothing applies.
      const none = await t.api.post(`/api/devices/${id}/provisioning/dry-run`, {});
      assert.equal(none.status, 200, none.text);
      assert.deepEqual(none.body.rpcs, []);
      // Without a body, with or without a Content-Type, it is the same run (docs/api.md).
      for (const bare of [await t.api.post(`/api/devices/${id}/provisioning/dry-run`), await t.api.post(`/api/devices/${id}/provisioning/dry-run`, "", { "content-type": "application/json" })]) {
        assert.equal(bare.status, 200, bare.text);
        assert.deepEqual(bare.body, none.body);
      }
      const needsBody = await t.api.post(`/api/devices/${id}/tasks`);
      isError(needsBody, 400, "VALIDATION");
      assert.equal(needsBody.body.error.message, "body: a JSON body is required");
      isError(await t.api.post(`/api/devices/${id}/provisioning/dry-run`, "{", { "content-type": "application/json" }), 400, "BAD_JSON");
      isError(await t.api.post(`/api/devices/${id}/provisioning/dry-run`, '{"__proto__":{"x":1}}', { "content-type": "application/json" }), 400, "BAD_JSON");

      const boot = await t.api.post(`/api/devices/${id}/provisioning/dry-run`, { events: ["1 BOOT"] });
      assert.deepEqual(boot.body.provisions.map((p: { name: string; preset: string }) => [p.preset, p.name]), [["everyone", "interval"]]);
      assert.deepEqual(boot.body.rpcs.map((r: { method: string }) => r.method), ["SetParameterValues"]);
      assert.equal(boot.body.rpcs[0].parameterList[0].name, "Device.ManagementServer.PeriodicInformInterval");
      assert.equal(boot.body.rpcs[0].parameterList[0].value.text, "900");
      assert.deepEqual(boot.body.toRead, []);

      // A named preset runs even when disabled; what the store does not know is read first.
      const named = await t.api.post(`/api/devices/${id}/provisioning/dry-run`, { presets: ["later"] });
      assert.deepEqual(named.body.rpcs.map((r: { method: string }) => r.method), ["GetParameterValues"]);
      assert.deepEqual(named.body.toRead, ["Device.X_Acme.Thing"]);

      const params = await t.acs.store.parameters.get(id, ["Device.ManagementServer.PeriodicInformInterval"]);
      assert.equal(params[0]!.value, "60", "a dry run changes nothing");
      assert.equal((await t.acs.store.tasks.list({ deviceId: id })).length, 0);
    });
  });
});
