// `npm run bench:pg-grouping` runs each mode and checks the rows its sessions left: a short run on the
// test server must pass that check, and report the statements and round trips its design implies.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { pgServerUrl } from "../support/pg.js";

const exec = promisify(execFile);
const script = fileURLToPath(new URL("../../benchmarks/pg-grouping.js", import.meta.url));
// A benchmark does not run its main under the test runner (run-main.ts): its child must not inherit the mark.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_TEST_CONTEXT"));
const run = (args: string[], timeout: number) => exec(process.execPath, [script, ...args], { timeout, env });

interface Row {
  group: number;
  shape: string;
  sessionsPerSecond: number;
  statements: number;
  roundTrips: number;
}

function rowsOf(out: string): Row[] {
  return out.split("\n").filter((l) => /^\| \d+ \|/.test(l)).map((l) => {
    const c = l.split("|").slice(1, -1).map((x) => x.trim());
    return { group: Number(c[0]), shape: c[1]!, sessionsPerSecond: Number(c[2]), statements: Number(c[5]), roundTrips: Number(c[6]) };
  });
}

describe("bench:pg-grouping", () => {
  it("runs sessions alone, pipelined together and merged, and counts 14 statements in 4 round trips for each group", async () => {
    const url = pgServerUrl();
    assert.ok(url, "PROVISIO_TEST_PG_URL must be set: npm test starts a throwaway PostgreSQL for this test");
    const { stdout } = await run(["--pg", url, "--seconds", "0.5", "--groups", "1,2p,4", "--devices", "60", "--concurrency", "8"], 120_000);
    const rows = rowsOf(stdout);
    assert.deepEqual(rows.map((r) => [r.group, r.shape]), [[1, "each its own (today)"], [2, "each its own, sent together"], [4, "merged: one carries all K"]]);
    // A session's 10 statements of its own, or a group's 10 merged ones, with two BEGIN and two COMMIT a group.
    assert.deepEqual(rows.map((r) => [r.statements, r.roundTrips]), [[14, 4], [12, 2], [3.5, 1]]);
    for (const r of rows) assert.ok(r.sessionsPerSecond > 0, `K=${r.group}: no session done`);
  });

  it("refuses a group it cannot make of distinct devices", async () => {
    const url = pgServerUrl();
    assert.ok(url, "PROVISIO_TEST_PG_URL must be set: npm test starts a throwaway PostgreSQL for this test");
    await assert.rejects(
      run(["--pg", url, "--seconds", "0.2", "--groups", "8", "--devices", "4", "--concurrency", "8"], 60_000),
      (err: { stderr?: string }) => /--devices 4: too few for 1 groups of 8 devices each/.test(err.stderr ?? ""),
    );
  });
});
