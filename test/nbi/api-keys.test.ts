// API keys: the first admin key generated at first start (its file readable only by the ACS's user,
// only its hash in the store), keys created, listed and revoked over the API and with the CLI.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { runCli } from "../cli/support.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

const cliMain = new URL("../../src/cli/main.js", import.meta.url).href;

const cli = (args: string[]) =>
  runCli(args, { cwd: process.cwd(), command: [process.execPath, "--input-type=module", "-e", `import(${JSON.stringify(cliMain)}).then((m) => m.main(process.argv))`, "provisio"] });

forEachBackend((backend) => {
  describe("API keys", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend);
    });
    after(() => t.stop());

    it("generates the first admin key at first start: kept in a 0600 file, only its hash in the store", async () => {
      const k = t.acs.adminKey;
      assert.equal(k.generatedNow, true);
      assert.ok(k.key !== null && k.file !== null);
      assert.equal(statSync(k.file).mode & 0o777, 0o600);
      assert.equal(JSON.parse(readFileSync(k.file, "utf8")).key, k.key);
      const rows = await queryDirect(t.dbUrl, "SELECT * FROM api_keys");
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.key_hash, createHash("sha256").update(k.key).digest("hex"));
      assert.equal(JSON.stringify(rows).includes(k.key), false, "the key itself is not stored");
      assert.equal((await t.api.get("/api/whoami")).body.role, "admin");
      // A second start on the same database changes nothing.
      const again = await startApiAcs(backend, { dbUrl: t.dbUrl, dataDir: t.dataDir });
      try {
        assert.deepEqual([again.acs.adminKey.generatedNow, again.acs.adminKey.key], [false, k.key]);
        assert.equal((await queryDirect(t.dbUrl, "SELECT id FROM api_keys")).length, 1);
      } finally {
        await again.stop();
      }
    });

    it("creates keys (shown once), lists them, and revokes them over the API", async () => {
      const created = await t.api.post("/api/apikeys", { name: "dashboard", role: "read-only" });
      assert.equal(created.status, 201, created.text);
      assert.match(created.body.key, /^pvk_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual([created.body.name, created.body.role, created.body.revokedAt], ["dashboard", "read-only", null]);
      const reader = t.api.with(created.body.key);
      assert.equal((await reader.get("/api/devices")).status, 200);
      const listed = (await t.api.get("/api/apikeys")).body.apiKeys;
      assert.ok(listed.some((k: { id: string }) => k.id === created.body.id));
      assert.equal(JSON.stringify(listed).includes(created.body.key), false);
      const revoked = await t.api.del(`/api/apikeys/${created.body.id}`);
      assert.equal(revoked.status, 200);
      assert.equal(typeof revoked.body.revokedAt, "string");
      assert.ok(isError(await reader.get("/api/devices"), 401, "AUTH_REVOKED"));
      assert.ok(isError(await t.api.del("/api/apikeys/nope"), 404, "APIKEY_NOT_FOUND"));
      assert.ok(isError(await t.api.post("/api/apikeys", { name: "x", role: "superuser" }), 400, "VALIDATION"));
      assert.ok(isError(await reader.post("/api/apikeys", { name: "x", role: "admin" }), 401, "AUTH_REVOKED"));
    });

    it("creates, lists and revokes keys with the CLI, on the database directly", async () => {
      const common = ["--db", t.dbUrl, "--data-dir", t.dataDir];
      const created = await cli(["apikey", "create", "--name", "ci", "--role", "operator", "--json", ...common]);
      assert.equal(created.code, 0, created.stderr);
      const { id, key, role } = JSON.parse(created.stdout);
      assert.equal(role, "operator");
      const operator = t.api.with(key);
      assert.equal((await operator.get("/api/whoami")).body.id, id);
      assert.ok(isError(await operator.del("/api/apikeys/whatever"), 403, "FORBIDDEN"));

      const listed = await cli(["apikey", "list", ...common]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`^${id}\\s+ci\\s+operator\\s`, "m"));
      assert.equal(listed.stdout.includes(key), false);

      const revoked = await cli(["apikey", "revoke", id, ...common]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.ok(isError(await operator.get("/api/whoami"), 401, "AUTH_REVOKED"));
      const missing = await cli(["apikey", "revoke", "no-such-key", ...common]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no API key no-such-key/);
      const badRole = await cli(["apikey", "create", "--name", "x", "--role", "root", ...common]);
      assert.notEqual(badRole.code, 0);
      assert.match(badRole.stderr, /read-only, operator, admin/);
    });
  });
});
