// `provisio serve` says in its start banner how to make the first console user while there is none,
// and stops saying it once there is one.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startAcsProcess } from "../support/acs-process.js";
import { repoRoot } from "../support/paths.js";
import { runCli } from "./support.js";

describe("the start banner and console users", () => {
  it("tells how to create the first admin until a user exists", async () => {
    const dir = mkdtempSync(join(tmpdir(), "provisio-banner-"));
    const args = ["--data-dir", join(dir, "data"), "--set", "nbi.host=127.0.0.1", "--set", "nbi.port=0"];
    try {
      const first = await startAcsProcess(args);
      await first.stop();
      assert.match(first.output(), /Web console users: none yet\. Create the first admin \(it asks for a password\):\n\s+npx provisio user add admin --role admin\n/);
      const added = await runCli(["user", "add", "admin", "--password-stdin", "--data-dir", join(dir, "data")], { cwd: repoRoot, input: "the first admin's password\n" });
      assert.equal(added.code, 0, added.stderr);
      const second = await startAcsProcess(args);
      await second.stop();
      assert.match(second.output(), /REST API \(docs\/api\.md\):/);
      assert.doesNotMatch(second.output(), /user add admin/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
