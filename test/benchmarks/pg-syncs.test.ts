// `npm run bench:pg-syncs` runs transactions through the store with and without statement batches, and
// checks every worker's last write read back: a short run on the test server must pass that check, and
// count a Sync a statement for the baseline and two a transaction (the batch with BEGIN, COMMIT) with
// batches.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pgServerUrl } from "../support/pg.js";

const exec = promisify(execFile);
const script = fileURLToPath(new URL("../../benchmarks/pg-syncs.js", import.meta.url));
// A benchmark does not run its main under the test runner (run-main.ts): its child must not inherit the mark.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_TEST_CONTEXT"));

describe("bench:pg-syncs", () => {
  it("runs both modes and counts their Syncs", async () => {
    const url = pgServerUrl();
    assert.ok(url, "PROVISIO_TEST_PG_URL must be set: npm test starts a throwaway PostgreSQL for this test");
    const { stdout } = await exec(process.execPath, [script, "--pg", url, "--seconds", "0.5", "--rounds", "1", "--concurrency", "4", "--statements", "6"], { timeout: 120_000, env });
    const rows = stdout.split("\n").filter((l) => /^\| a Sync/.test(l)).map((l) => l.split("|").slice(1, -1).map((x) => x.trim()));
    assert.deepEqual(rows.map((c) => c[0]), ["a Sync a statement (baseline)", "a Sync a turn (batches)"]);
    // BEGIN, six statements and COMMIT: eight Syncs, or two.
    assert.deepEqual(rows.map((c) => Number(c[4])), [1, 0.25]);
    for (const c of rows) assert.ok(Number(c[1]) > 0, `${c[0]}: no transaction done`);
  });
});
