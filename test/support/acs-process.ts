// Runs `provisio serve` as a separate OS process, for tests about several processes and crashes.

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { endsWithParent } from "./parent-bound.js";

export interface AcsProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** SIGKILL: no chance to clean up. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

// The compiled CLI next to the compiled tests (dist/ under npm test, or a private build folder).
const cliMain = new URL("../../src/cli/main.js", import.meta.url).href;

/** `onOutput` sees the process's output as it comes, before it listens too (to act on what it logs while starting). */
export async function startAcsProcess(args: string[], timeoutMs = 20_000, onOutput?: (text: string) => void): Promise<AcsProcess> {
  const child = spawn(process.execPath, ["--no-node-snapshot", "--input-type=module", "-e", endsWithParent(`import(${JSON.stringify(cliMain)}).then((m) => m.main(process.argv))`), "provisio", "serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "info", "--set", "files.host=127.0.0.1", "--set", "files.port=0", "--set", "usp.websocket.host=127.0.0.1", "--set", "usp.websocket.port=0", "--set", "usp.mqtt.embeddedHost=127.0.0.1", "--set", "usp.mqtt.embeddedPort=0", "--set", "provisioning.defaultPresets=false", ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  if (onOutput) {
    child.stdout!.on("data", (d: Buffer) => onOutput(d.toString()));
    child.stderr!.on("data", (d: Buffer) => onOutput(d.toString()));
  }
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`provisio serve did not start in time:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /"port":(\d+)[^\n]*"msg":"CWMP endpoint listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`provisio serve exited with ${code}:\n${out}`));
    });
  });
  const exited = once(child, "exit");
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    child,
    output: () => out,
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Polls `check` every 100 ms until it is true, for at most `limitMs` (a bound, not an assertion on time). */
export async function until(what: string, check: () => Promise<boolean>, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The process's REST API URL, once it has logged that it listens (just after the CWMP endpoint). */
export async function apiUrlOf(p: AcsProcess): Promise<string> {
  const port = () => /"apiPort":(\d+)[^\n]*"msg":"REST API listening"/.exec(p.output())?.[1];
  await until("the REST API listens", () => Promise.resolve(port() !== undefined), 10_000);
  return `http://127.0.0.1:${port()}`;
}

/** GET /healthz of the process: its status and body. */
export async function healthOf(p: AcsProcess): Promise<{ status: number; body: { error?: { code: string }; status?: string } }> {
  const res = await fetch(`${await apiUrlOf(p)}/healthz`);
  return { status: res.status, body: (await res.json()) as { error?: { code: string }; status?: string } };
}


/** The bootstrap credentials serveArgs gives the ACS. */
export const USER = "bootstrap-test";
export const PASS = "b00tstrap-Secret";

/** `provisio serve` on this database and data folder, with the bootstrap credentials and the REST API on a free port. */
export function serveArgs(db: string, dataDir: string): string[] {
  return ["--db", db, "--data-dir", dataDir, "--set", `cwmp.bootstrapUsername=${USER}`, "--set", `cwmp.bootstrapPassword=${PASS}`, "--set", "nbi.host=127.0.0.1", "--set", "nbi.port=0"];
}

/** Runs `fn` with a way to track the processes it starts: all are stopped after it, and their output shown when it fails. */
export async function withProcesses(fn: (procs: AcsProcess[], track: (p: AcsProcess) => AcsProcess) => Promise<void>): Promise<void> {
  const procs: AcsProcess[] = [];
  try {
    await fn(procs, (p) => {
      procs.push(p);
      return p;
    });
  } catch (err) {
    for (const p of procs) process.stderr.write(`--- output of the ACS on port ${p.port} ---\n${p.output()}\n`);
    throw err;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}
