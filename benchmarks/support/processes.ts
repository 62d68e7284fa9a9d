// Server processes under benchmark: started from the CLI and stopped, their CPU time and memory read
// from Linux /proc (with the workers of `--workers N`).

import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { endsWithParent } from "../../test/support/parent-bound.js";

/**
 * The fields of /proc/PID/stat after the command name (which may hold spaces), the first being the
 * third field (the state); null when the process is gone or there is no /proc.
 */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** The process and its children (the workers of `--workers N`), from Linux /proc. */
export function processTree(pid: number): number[] {
  const pids = [pid];
  try {
    for (const entry of readdirSync("/proc")) {
      // The parent's pid is the fourth field.
      if (/^\d+$/.test(entry) && Number(statFields(entry)?.[1]) === pid) pids.push(Number(entry));
    }
  } catch {
    // no /proc
  }
  return pids;
}

/** CPU time (user + system) these processes (a server and its workers) have used so far, in ms. */
export function totalCpuMs(pids: readonly number[]): number {
  return cpuMsOf(pids).total;
}

/** The same, and of it the time in the kernel (system calls, the network stack, page faults), in ms: one reading. */
export function cpuMsOf(pids: readonly number[]): { total: number; system: number } {
  let total = 0;
  let system = 0;
  for (const p of pids) {
    const t = cpuTimes(p);
    total += t.user + t.system;
    system += t.system;
  }
  return { total, system };
}

/** CPU time the process has used so far in user and in system mode, in ms (Linux /proc; 0 elsewhere). */
function cpuTimes(pid: number): { user: number; system: number } {
  const fields = statFields(pid);
  if (fields === null) return { user: 0, system: 0 };
  // utime and stime, the 14th and 15th fields, in clock ticks (100 a second on Linux).
  return { user: (Number(fields[11]) * 1000) / 100, system: (Number(fields[12]) * 1000) / 100 };
}

/**
 * How many times the main threads of these processes were switched out while they could have gone on
 * running (Linux /proc: nonvoluntary_ctxt_switches, the thread group leader's, which is the event
 * loop's thread), so far; null without /proc. On a machine shared with the database and the simulator,
 * a write that wakes one of them may hand it the server's core (BENCHMARKS.md, issue 18 round 18).
 */
export function preemptions(pids: readonly number[]): number | null {
  let n = 0;
  for (const p of pids) {
    try {
      const m = /nonvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"));
      if (m === null) return null;
      n += Number(m[1]);
    } catch {
      return null;
    }
  }
  return n;
}

/**
 * The time the main thread of `pid` (its event loop's) spent on a core and waiting for one while it
 * could have run, in ns so far (Linux /proc/PID/schedstat); null without it. The rest of a window is the
 * thread's own waits: for work, for the disk, for a lock.
 */
export function mainThreadSchedNs(pid: number): { runNs: number; waitNs: number } | null {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, "utf8").trim().split(/\s+/).map(Number);
    return run === undefined || wait === undefined || Number.isNaN(run) || Number.isNaN(wait) ? null : { runNs: run, waitNs: wait };
  } catch {
    return null;
  }
}

const POLICIES: Record<number, string> = { 0: "SCHED_OTHER", 1: "SCHED_FIFO", 2: "SCHED_RR", 3: "SCHED_BATCH", 5: "SCHED_IDLE", 6: "SCHED_DEADLINE" };

/**
 * The process's scheduling policy (Linux /proc: the 41st field of stat), as its name; null without
 * /proc. A database that shares the ACS's cores preempts it at each wake-up unless its processes are
 * SCHED_BATCH (docs/operations.md).
 */
export function schedPolicy(pid: number): string | null {
  const fields = statFields(pid);
  if (fields === null) return null;
  const n = Number(fields[41 - 3]);
  return POLICIES[n] ?? `policy ${n}`;
}

/**
 * Samples the process's RSS every `everyMs` until stopped (and once at each end): the highest seen, in
 * MiB. A bound on a step's memory where the RSS after it is not (a peak freed by then).
 */
export function watchPeakRss(pid: number, everyMs = 100): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function cpuProfileDir(): string | undefined {
  const i = process.argv.indexOf("--cpu-prof");
  return i === -1 ? undefined : process.argv[i + 1];
}

/**
 * Starts a server process from node arguments with `-e` code; resolves with its CWMP URL once it
 * listens, and what `ready` matched. The server stops by itself if this process dies first.
 */
export function startProcess(args: string[], ready: RegExp): Promise<{ child: ChildProcess; url: string; ready: RegExpExecArray }> {
  // --cpu-prof DIR writes a V8 CPU profile of each server process, for finding hot spots.
  const dir = cpuProfileDir();
  const prof = dir ? ["--cpu-prof", "--cpu-prof-dir", dir] : [];
  const bound = args.map((a, i) => (args[i - 1] === "-e" ? endsWithParent(a) : a));
  const child = spawn(process.execPath, ["--no-node-snapshot", ...prof, ...bound], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start:\n${out}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve({ child, url: `http://127.0.0.1:${m[1]}/`, ready: m });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

const cli = new URL("../../src/cli/main.js", import.meta.url).href;

/** The built CLI of another checkout at `root` (whose `npm run build` has run), as serveArgs' `cli`. */
export function checkoutCli(root: string): string {
  return pathToFileURL(resolvePath(root, "dist/src/cli/main.js")).href;
}

/** What `provisio serve` prints once it listens; the group is the CWMP port. */
export const SERVE_READY = /CWMP endpoint \(ManagementServer\.URL\):\s+http:\/\/127\.0\.0\.1:(\d+)\//;

/** SERVE_READY with the REST API's line after it (its port: the second group); the banner is one write. */
export const SERVE_READY_WITH_API = new RegExp(`${SERVE_READY.source}[\\s\\S]*REST API \\(docs\\/api\\.md\\):\\s+http:\\/\\/127\\.0\\.0\\.1:(\\d+)\\/api\\/`);

/** `serveArgs`'s `extra` that turn the REST API on, on a free port of 127.0.0.1 (for its /metrics). */
export const SERVE_API = ["--set", "nbi.enabled=true", "--set", "nbi.host=127.0.0.1", "--set", "nbi.port=0"];

/**
 * Node arguments that run this checkout's `provisio serve` (or the one whose built CLI is `from`) with its
 * CWMP endpoint on a free port of 127.0.0.1.
 */
export function serveCommand(from = cli): string[] {
  return ["--input-type=module", "-e", `import(${JSON.stringify(from)}).then((m) => m.main(process.argv))`, "provisio", "serve", "--host", "127.0.0.1", "--port", "0", "--set", "usp.websocket.port=0", "--set", "usp.mqtt.embeddedPort=0"];
}

/**
 * Node arguments that run `provisio serve` as benchmarks want it: on 127.0.0.1 and a free port, the given
 * store and data folder, these bootstrap credentials, the CWMP endpoint alone (no API, file server or
 * STUN), no load shedding in the way, errors logged only (`logLevel`); `extra` adds flags.
 */
export function serveArgs(o: { db: string; dataDir: string; username: string; password: string; extra?: string[]; logLevel?: string; cli?: string }): string[] {
  return [
    ...serveCommand(o.cli),
    "--db",
    o.db,
    "--data-dir",
    o.dataDir,
    "--log-level",
    o.logLevel ?? "error",
    ...["cwmp.bootstrapUsername=" + o.username, "cwmp.bootstrapPassword=" + o.password, "nbi.enabled=false", "files.enabled=false", "stun.enabled=false", "cwmp.maxInFlight=4096"].flatMap((s) => ["--set", s]),
    ...(o.extra ?? []),
  ];
}
