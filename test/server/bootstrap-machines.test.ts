// Generated bootstrap credentials when several machines share one database, each with a data folder of
// its own: the second machine cannot learn the first one's password from the store's hash, so it must
// refuse to start rather than replace the credentials every device was given; with them configured, it
// starts. Processes on one folder share the generated ones.

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { verifyPassword } from "../../src/auth/index.js";
import { ConfigError } from "../../src/config/index.js";
import { bootstrapCredentials } from "../../src/server/bootstrap.js";
import { forEachBackend } from "../support/pg.js";

forEachBackend((backend) => {
  describe("generated bootstrap credentials on several machines", () => {
    const work = mkdtempSync(join(tmpdir(), "provisio-boot-"));
    after(() => rmSync(work, { recursive: true, force: true }));
    const opts = (dataDir: string, username = "", password = "") => ({ username, password, realm: "provisio", dataDir, now: new Date() });

    it("a second machine's own data folder is refused, and the first machine's credentials kept; configured, it starts", async () => {
      const store = await backend.open();
      const first = await bootstrapCredentials(store, opts(join(work, `${backend.name}-a`)));
      assert.equal(first.generatedNow, true);
      const other = join(work, `${backend.name}-b`);
      await assert.rejects(bootstrapCredentials(store, opts(other)), (e: unknown) =>
        e instanceof ConfigError && /cwmp\.bootstrapUsername and cwmp\.bootstrapPassword/.test(e.message));
      assert.equal(existsSync(join(other, "bootstrap-credentials.json")), false, "no file left that the next start would take for its own");
      const stored = await store.credentials.get(first.username);
      assert.equal(await verifyPassword(first.password!, stored!.passwordHash), true, "the first machine's password still works");

      const configured = await bootstrapCredentials(store, opts(other, first.username, first.password!));
      assert.deepEqual([configured.username, configured.password, configured.generatedNow], [first.username, first.password, false]);
      // A process on the first machine's folder reads them from it.
      const again = await bootstrapCredentials(store, opts(join(work, `${backend.name}-a`)));
      assert.equal(again.password, first.password);
      assert.equal(JSON.parse(readFileSync(first.file!, "utf8")).password, first.password);
    });
  });
});
