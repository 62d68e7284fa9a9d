// `npm run bench`: builds, then runs every benchmark in turn, each printing its own table:
//
//   sessions   CWMP sessions/s of `provisio serve` (SQLite and PostgreSQL) against a bare node:http
//              server answering the same exchanges (benchmarks/acs.ts)
//   connreq    API call to task result with a connection request, one device and 1,000 (benchmarks/connreq.ts)
//   list       device list queries at 100,000 devices, SQLite then PostgreSQL (benchmarks/list-query.ts)
//   codec      CWMP parse and serialize against saxes and fast-xml-parser (benchmarks/codec.ts)
//   usp-codec  USP Record+Msg decode and encode against protobufjs alone and JSON (benchmarks/usp-codec.ts)
//   sim-memory 10,000 simulated devices in one process (benchmarks/sim-memory.ts)
//
//   npm run bench -- [--only sessions,connreq,list,codec,usp-codec,sim-memory] [--list-devices 100000]
//
// Longer runs have scripts of their own (docs/BENCHMARKS.md, docs/RELIABILITY.md): bench:bootstrap (a
// storm of new devices with discovery), bench:export (CSV export), bench:soak (an hour of 10,000
// devices), bench:usp-mqtt (1,000 USP agents over MQTT through mosquitto), fuzz (a million mutated
// messages), chaos (the ACS killed 100 times mid-session).
//
// PostgreSQL: PROVISIO_BENCH_PG_URL (a server where the user may CREATE DATABASE), else a throwaway
// cluster started here and removed at the end (the server binaries must be installed). Every server a
// benchmark starts binds to 127.0.0.1 and is stopped by it; each benchmark bounds its own run.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findPgBin, startCluster, stopCluster } from "./pg-cluster.mjs";

const ALL = ["sessions", "connreq", "list", "codec", "usp-codec", "sim-memory"];
const argv = process.argv.slice(2);
const get = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
};
if (argv.includes("--help")) {
  process.stdout.write("usage: npm run bench -- [--only " + ALL.join(",") + "] [--list-devices N]\n");
  process.exit(0);
}
const only = get("only")?.split(",") ?? ALL;
const unknown = only.filter((b) => !ALL.includes(b));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(", ")}; known: ${ALL.join(", ")}\n`);
  process.exit(2);
}
const listDevices = String(Number(get("list-devices") ?? 100_000));

const build = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

let clusterDir = null;
let pgUrl = process.env.PROVISIO_BENCH_PG_URL;
const needsPg = only.some((b) => ["sessions", "connreq", "list"].includes(b));
function cleanup() {
  if (clusterDir === null) return;
  const dir = clusterDir;
  clusterDir = null;
  try {
    stopCluster(dir);
  } catch (err) {
    process.stderr.write(`could not remove the PostgreSQL cluster in ${dir}: ${err.message}\n`);
  }
  rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanup);
for (const [signal, number] of [["SIGINT", 2], ["SIGTERM", 15]]) {
  process.on(signal, () => {
    cleanup();
    process.exit(128 + number);
  });
}
if (needsPg && pgUrl === undefined) {
  if (findPgBin()) {
    clusterDir = mkdtempSync(join(tmpdir(), "provisio-bench-pg-"));
    pgUrl = await startCluster(join(clusterDir, "c"));
  } else {
    process.stderr.write("notice: no PostgreSQL server binaries and no PROVISIO_BENCH_PG_URL: PostgreSQL is left out\n");
  }
}

function run(title, args) {
  process.stdout.write(`\n## ${title}\n\n$ node ${args.join(" ")}\n\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: "inherit" });
    child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${title}: exited with ${code ?? signal}`))));
    child.on("error", reject);
  });
}

let failed = false;
async function step(name, fn) {
  if (!only.includes(name)) return;
  try {
    await fn();
  } catch (err) {
    failed = true;
    process.stderr.write(`${err.message}\n`);
  }
}

await step("sessions", () => run("CWMP sessions", ["--no-node-snapshot", "dist/benchmarks/acs.js", ...(pgUrl ? ["--pg", pgUrl] : ["--no-pg"])]));
await step("connreq", () => run("Connection requests, API to result", ["--no-node-snapshot", "dist/benchmarks/connreq.js", "--backend", pgUrl ? "both" : "sqlite", ...(pgUrl ? ["--pg-url", pgUrl] : [])]));
await step("list", async () => {
  await run("Device list queries, SQLite", ["dist/benchmarks/list-query.js", "--backend", "sqlite", "--devices", listDevices]);
  if (!pgUrl) return;
  // Built above with the rest: the tests' helper makes (and drops) a database of its own.
  const { createTestDatabase } = await import("../dist/test/support/pg.js");
  const db = await createTestDatabase(pgUrl);
  try {
    await run("Device list queries, PostgreSQL", ["dist/benchmarks/list-query.js", "--backend", "postgres", "--url", db.url, "--devices", listDevices]);
  } finally {
    await db.drop();
  }
});
await step("codec", () => run("CWMP codec", ["dist/benchmarks/codec.js"]));
await step("usp-codec", () => run("USP codec", ["dist/benchmarks/usp-codec.js"]));
await step("sim-memory", () => run("Simulator memory", ["--expose-gc", "dist/benchmarks/sim-memory.js", "--measure", "10000", "tr181-gateway"]));
cleanup();
process.exit(failed ? 1 : 0);
