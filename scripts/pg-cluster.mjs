// A throwaway PostgreSQL cluster for tests.
//
//   node scripts/pg-cluster.mjs start <dir> [--stat-statements] [--batch]   creates and starts a cluster, prints its URL
//   node scripts/pg-cluster.mjs stop <dir>    stops it and removes everything it created
//
// --stat-statements loads pg_stat_statements (what `npm run bench:sessions -- --statements` reads).
// --batch runs the server's processes as SCHED_BATCH (chrt): on a machine where the ACS shares the
// database's cores, as docs/operations.md advises (a backend woken by the ACS's write then does not
// take the ACS's core; BENCHMARKS.md, issue 18 round 18).
//
// <dir> only holds a small state file (cluster.json); the cluster itself lives in a fresh temporary
// directory, because initdb refuses to run as root: as root, the server runs as the `postgres` OS user
// and its data directory must belong to that user (which a folder inside the checkout may not allow).
// The server listens on 127.0.0.1 only, on a free port, with trust authentication for the superuser
// `provisio`; fsync is off because the data is thrown away.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chownSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const STATE_FILE = "cluster.json";
const DB_USER = "provisio";

/** The bin directory of the newest installed PostgreSQL server, or null. `PROVISIO_PG_BIN` overrides. */
export function findPgBin() {
  const override = process.env.PROVISIO_PG_BIN;
  if (override) return existsSync(join(override, "initdb")) ? override : null;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")) && existsSync(join(root, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], "bin") : null;
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * Runs a PostgreSQL tool, as the `postgres` OS user when we are root; with `batch`, as SCHED_BATCH
 * (chrt), which the server it starts and every process the server forks inherit.
 */
function pgTool(bin, tool, args, { allowFailure = false, batch = false } = {}) {
  const exe = join(bin, tool);
  let [cmd, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", exe, ...args]] : [exe, args];
  if (batch) [cmd, argv] = ["chrt", ["--batch", "0", cmd, ...argv]];
  const r = spawnSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) throw r.error;
  if (r.status !== 0 && !allowFailure) {
    throw new Error(`${tool} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  return r;
}

function postgresIds() {
  const r = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (r.status !== 0 || g.status !== 0) {
    throw new Error("running as root, but there is no `postgres` OS user to run the cluster as (install the postgresql package)");
  }
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(address.port));
    });
  });
}

function readState(dir) {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, "utf8"));
}

/**
 * Creates and starts a cluster whose state is kept in `dir`; returns its URL. `owner` (a pid) is recorded
 * so that a later run can clean up after a runner that was killed (see `reapStale`).
 */
export async function startCluster(dir, { owner = process.pid, statStatements = false, batch = false } = {}) {
  const bin = findPgBin();
  if (!bin) throw new Error("PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin; set PROVISIO_PG_BIN)");
  dir = resolve(dir);
  if (readState(dir)) throw new Error(`${dir} already holds a cluster; stop it first`);
  mkdirSync(dir, { recursive: true });

  const base = mkdtempSync(join(tmpdir(), "provisio-pg-"));
  if (isRoot()) {
    const { uid, gid } = postgresIds();
    chownSync(base, uid, gid);
  }
  const data = join(base, "data");
  const socketDir = base;
  const log = join(base, "postgres.log");
  // Written before anything can fail half-way, so that `stop` can always remove the temporary folder.
  const state = { bin, base, data, log, owner, statStatements, batch, url: null };
  writeFileSync(join(dir, STATE_FILE), JSON.stringify(state, null, 2));

  try {
    pgTool(bin, "initdb", ["-D", data, "-U", DB_USER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
    let lastError = null;
    // The free port can be taken between probing and binding: try a few.
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const r = pgTool(bin, "pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", "-o", serverOptions(port, socketDir, statStatements), "start"], { allowFailure: true, batch });
      if (r.status === 0) {
        state.url = `postgres://${DB_USER}@127.0.0.1:${port}/postgres`;
        state.port = port;
        writeFileSync(join(dir, STATE_FILE), JSON.stringify(state, null, 2));
        return state.url;
      }
      lastError = `${r.stdout}${r.stderr}${existsSync(log) ? readFileSync(log, "utf8") : ""}`;
    }
    throw new Error(`pg_ctl could not start the cluster:\n${lastError}`);
  } catch (err) {
    stopCluster(dir);
    throw err;
  }
}

function serverOptions(port, socketDir, statStatements = false) {
  return [
    `-h 127.0.0.1`, `-p ${port}`, `-k ${socketDir}`,
    "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=300",
    ...(statStatements ? ["-c shared_preload_libraries=pg_stat_statements"] : []),
  ].join(" ");
}

/** Stops the server of the cluster kept in `dir` as a crash would (`pg_ctl stop -m immediate`), keeping its data. */
export function haltServer(dir) {
  const state = readState(resolve(dir));
  if (!state) throw new Error(`${dir} holds no cluster`);
  pgTool(state.bin, "pg_ctl", ["-D", state.data, "-m", "immediate", "-w", "stop"]);
}

/** Starts again, on the same port, the server of the cluster kept in `dir` that haltServer stopped. */
export function resumeServer(dir) {
  const state = readState(resolve(dir));
  if (!state) throw new Error(`${dir} holds no cluster`);
  pgTool(state.bin, "pg_ctl", ["-D", state.data, "-l", state.log, "-w", "-t", "60", "-o", serverOptions(state.port, state.base, state.statStatements === true), "start"], { batch: state.batch === true });
}

/** Stops the cluster kept in `dir` (if any) and removes it, its temporary folder and `dir`. */
export function stopCluster(dir) {
  dir = resolve(dir);
  const state = readState(dir);
  if (state) {
    if (existsSync(join(state.data, "postmaster.pid"))) {
      pgTool(state.bin, "pg_ctl", ["-D", state.data, "-m", "immediate", "-w", "stop"], { allowFailure: true });
    }
    rmSync(state.base, { recursive: true, force: true });
  }
  rmSync(dir, { recursive: true, force: true });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

/** Stops clusters under `parent` whose owning process is gone (a test run that was killed outright). */
export function reapStale(parent) {
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    const dir = join(parent, name);
    const state = readState(dir);
    if (state && state.owner != null && !alive(state.owner)) stopCluster(dir);
  }
}

async function cli(argv) {
  const [command, dir, ...flags] = argv;
  const unknown = flags.filter((f) => !["--stat-statements", "--batch"].includes(f) || command !== "start");
  const usage = "usage: node scripts/pg-cluster.mjs start <dir> [--stat-statements] [--batch] | stop <dir>\n";
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage);
    return 0;
  }
  if (!dir || (command !== "start" && command !== "stop") || unknown.length > 0) {
    process.stderr.write(usage);
    return 2;
  }
  if (command === "start") {
    // The CLI's cluster outlives this process on purpose: no owner, never reaped.
    const url = await startCluster(dir, { owner: null, statStatements: flags.includes("--stat-statements"), batch: flags.includes("--batch") });
    process.stdout.write(`${url}\n`);
  } else {
    stopCluster(dir);
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
