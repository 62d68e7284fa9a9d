// Every benchmark and script answers --help with its usage and starts nothing: before, --help was ignored and
// `npm run bench:sessions -- --help` began a run of several minutes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { leadingComment } from "../../benchmarks/support/help.js";

const dir = fileURLToPath(new URL("../../benchmarks/", import.meta.url));
const benchmarks = readdirSync(dir).filter((f) => f.endsWith(".js"));

test("each benchmark prints its usage for --help, and only its own", () => {
  assert.ok(benchmarks.length >= 20, `benchmarks found: ${benchmarks.join(", ")}`);
  for (const file of benchmarks) {
    // A benchmark that ignored --help would start servers and fleets: the bound ends it, and fails it.
    const run = spawnSync(process.execPath, ["--no-node-snapshot", dir + file, "--help"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(run.status, 0, `${file}: ${run.error?.message ?? run.stderr}`);
    assert.match(run.stdout, /npm run /, `${file} says how it is run`);
    // Its own text, though some import another benchmark's module (list-query.ts's fleet), whose
    // --help must then stay quiet.
    assert.equal(run.stdout.trim(), leadingComment(readFileSync(dir + file, "utf8")), file);
  }
});

test("the project's scripts answer --help with their usage and run nothing", () => {
  const scripts = fileURLToPath(new URL("../../../scripts/", import.meta.url));
  // npm test and npm run screenshots would build, run the suite, or redraw docs/screenshots/.
  for (const file of ["bench.mjs", "pg-cluster.mjs", "test.mjs", "screenshots.mjs", "cpu-profile-top.mjs", "inform-write.mjs"]) {
    const run = spawnSync(process.execPath, [scripts + file, "--help"], { encoding: "utf8", timeout: 30_000 });
    assert.equal(run.status, 0, `${file}: ${run.error?.message ?? run.stderr}`);
    assert.match(run.stdout, /^usage: /, file);
  }
});

test("the usage is the comment that opens the file, up to its first line of code", () => {
  assert.equal(leadingComment("// one\n//\n//   two\nimport x from 'y';\n// not this\n"), "one\n\n  two");
  assert.equal(leadingComment("import x from 'y';\n"), "");
});
