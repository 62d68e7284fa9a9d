// `npm test`: check (and on Debian, install) the programs the tests use (test-deps.mjs), build,
// type-check (tsc), lint, then node's test runner over dist/test.
//
// The storage tests run on SQLite and on PostgreSQL. When PROVISIO_TEST_PG_URL is not set and the
// PostgreSQL server binaries are installed, a throwaway cluster is started for the test run and always
// stopped and removed afterwards (on failure and on Ctrl-C too; a run killed outright is cleaned up by
// the next one).
import { spawn, spawnSync } from "node:child_process";
import { rmdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { findPgBin, reapStale, startCluster, stopCluster } from "./pg-cluster.mjs";
import { ensureTestDeps } from "./test-deps.mjs";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(
    "usage: npm test [-- ARGS...]\n" +
      "  Checks (and on Debian installs) what the tests need, builds, type-checks, lints, then runs node's test\n" +
      "  runner over dist/test/. ARGS go to `node --test` instead of dist/test/: test files, --test-name-pattern=TEXT.\n" +
      "  PROVISIO_TEST_PG_URL: a PostgreSQL server where the user may CREATE DATABASE (else a throwaway cluster).\n",
  );
  process.exit(0);
}

/** Collects the failed tests of a TAP stream (each `not ok` of a test, with its YAML block), not the suites around them. */
class FailureRecap {
  #partial = "";
  #current = null;
  #found = [];

  feed(text) {
    const lines = (this.#partial + text).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) {
      const m = /^(\s*)not ok \d+ - (.*)$/.exec(line);
      if (m) {
        this.#current = { indent: m[1].length, name: m[2], block: [] };
        continue;
      }
      const current = this.#current;
      if (current === null) continue;
      const trimmed = line.trim();
      if (trimmed === "..." && line.length - line.trimStart().length <= current.indent + 2) {
        if (!current.block.some((l) => l.includes("failureType: 'subtestsFailed'"))) this.#found.push(current);
        this.#current = null;
      } else if (trimmed !== "---") {
        current.block.push(line.slice(Math.min(current.indent + 2, line.length - line.trimStart().length)));
      }
    }
  }

  recap() {
    if (this.#found.length === 0) return "";
    const out = [`# ${this.#found.length} failed test(s), repeated here:`];
    for (const f of this.#found) {
      out.push(`# not ok - ${f.name}`);
      for (const l of f.block.slice(0, 40)) out.push(`#   ${l}`);
    }
    return out.join("\n") + "\n";
  }
}

function runSync(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!ensureTestDeps()) process.exit(1);
runSync("npx", ["tsc", "-p", "tsconfig.json"]);
// The web console: type-checked with its own settings (DOM, JSX) and built, for its browser tests.
runSync("npm", ["run", "build:console", "--silent"]);
runSync("npx", ["eslint", "--max-warnings", "0", "."]);

// The store's check for calls inside its own transactions (a guard against programming errors, off by
// default for its cost) runs for the whole suite.
const env = { ...process.env, PROVISIO_TEST_STORE_CHECKS: process.env.PROVISIO_TEST_STORE_CHECKS ?? "1" };
let clusterDir = null;
let child = null;

function cleanup() {
  if (!clusterDir) return;
  const dir = clusterDir;
  clusterDir = null;
  try {
    stopCluster(dir);
  } catch (err) {
    process.stderr.write(`could not remove the PostgreSQL test cluster in ${dir}: ${err.message}\n`);
  }
  try {
    rmdirSync(resolve(dir, ".."));
  } catch {
    // Not empty: another run's cluster is in there.
  }
}

// `exit` covers normal ends and uncaught errors; signals need their own handlers (their default
// action would skip `exit`).
process.on("exit", cleanup);
for (const [signal, number] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]]) {
  process.on(signal, () => {
    if (child && child.exitCode === null) child.kill(signal);
    cleanup();
    process.exit(128 + number);
  });
}

if (!env.PROVISIO_TEST_PG_URL) {
  if (findPgBin()) {
    const parent = resolve(".provisio-test");
    reapStale(parent);
    clusterDir = join(parent, `pg-${process.pid}`);
    try {
      env.PROVISIO_TEST_PG_URL = await startCluster(clusterDir);
    } catch (err) {
      process.stderr.write(`could not start a PostgreSQL test cluster: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`PostgreSQL tests use a throwaway cluster at ${env.PROVISIO_TEST_PG_URL}\n`);
  } else {
    process.stderr.write(
      "notice: PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin) and PROVISIO_TEST_PG_URL is not set:\n" +
        "        running without PostgreSQL, so its tests will fail. Install the `postgresql` package, or point\n" +
        "        PROVISIO_TEST_PG_URL at a server where the user may CREATE DATABASE.\n",
    );
  }
}

const extra = process.argv.slice(2);
const code = await new Promise((resolveCode) => {
  child = spawn(process.execPath, ["--no-node-snapshot", "--test", "--test-concurrency=2", ...(extra.length ? extra : ["dist/test/"])], { stdio: ["inherit", "pipe", "inherit"], env });
  const failures = new FailureRecap();
  child.stdout.on("data", (chunk) => {
    process.stdout.write(chunk);
    failures.feed(chunk.toString("utf8"));
  });
  child.on("exit", (status, signal) => {
    // The report of a long run is read from its end (CI keeps only the tail), where the failures
    // themselves are long gone: repeat them there, as TAP comments.
    process.stdout.write(failures.recap());
    resolveCode(status ?? (signal ? 1 : 0));
  });
  child.on("error", (err) => {
    process.stderr.write(`${err.message}\n`);
    resolveCode(1);
  });
});
cleanup();
process.exit(code);
