// Runs the CLI as a user does: bin/provisio.js in its own process, from a chosen folder.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";

export interface CliRun {
  /** Null when a signal ended the process (`signal` says which). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const binPath = join(repoRoot, "bin", "provisio.js");

/** `input`: written to the command's standard input (else it has none). */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; command?: string[]; input?: string } = { cwd: repoRoot }): Promise<CliRun> {
  const [cmd, ...pre] = options.command ?? [process.execPath, "--no-node-snapshot", binPath];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...pre, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    child.stdin?.end(options.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    // "close", not "exit": the output is then all read.
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
