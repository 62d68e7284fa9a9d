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
  child = spawn(process.execPath, ["--no-node-snapshot", "--test", "--test-concurrency=2", ...(extra.length ? extra : ["dist/test/"])], { stdio: "inherit", env });
  child.on("exit", (status, signal) => resolveCode(status ?? (signal ? 1 : 0)));
  child.on("error", (err) => {
    process.stderr.write(`${err.message}\n`);
    resolveCode(1);
  });
});
cleanup();
process.exit(code);
