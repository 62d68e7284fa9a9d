// The servers that tests and benchmarks start as child processes stop by themselves when the process
// that started them is killed (test/support/parent-bound.ts): the console rig's `provisio serve`
// (test/support/acs-process.ts) and the benchmarks' servers (benchmarks/support/processes.ts).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const acsProcess = new URL("../support/acs-process.js", import.meta.url).href;
const processes = new URL("../../benchmarks/support/processes.js", import.meta.url).href;
const baseline = new URL("../../benchmarks/support/baseline-server.js", import.meta.url).href;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs `code` (a module that starts a server child and prints `child <pid>`) in a parent process, kills
 * that parent with SIGKILL, and tells whether the server was gone within `limitMs` (a bound, not a timing).
 */
async function orphanGone(code: string, limitMs = 15_000): Promise<boolean> {
  const parent = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  parent.stdout.on("data", (d: Buffer) => (out += d.toString()));
  parent.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  let pid: number | undefined;
  while (pid === undefined && Date.now() - started < 30_000 && parent.exitCode === null) {
    pid = Number(/^child (\d+)$/m.exec(out)?.[1]) || undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (pid === undefined) {
    parent.kill("SIGKILL");
    throw new Error(`the parent did not start its server:\n${out}`);
  }
  assert.ok(alive(pid), "the server runs while its parent does");
  parent.kill("SIGKILL");
  const killed = Date.now();
  try {
    while (alive(pid) && Date.now() - killed < limitMs) await new Promise((r) => setTimeout(r, 50));
    return !alive(pid);
  } finally {
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
}

describe("servers started by tests and benchmarks", () => {
  it("a test's provisio serve stops when the test process is killed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "provisio-parent-bound-"));
    try {
      const code = `const { startAcsProcess } = await import(${JSON.stringify(acsProcess)});
        const p = await startAcsProcess(["--db", ${JSON.stringify(`sqlite:${join(dir, "p.db")}`)}, "--data-dir", ${JSON.stringify(join(dir, "data"))}, "--set", "nbi.enabled=false"]);
        console.log("child " + p.child.pid);
        setInterval(() => {}, 1000);`;
      assert.ok(await orphanGone(code), "provisio serve outlived the process that started it");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a benchmark's server stops when the benchmark is killed", async () => {
    const code = `const { startProcess } = await import(${JSON.stringify(processes)});
      const { child } = await startProcess(["--input-type=module", "-e", ${JSON.stringify(`import(${JSON.stringify(baseline)}).then(async (m) => { const s = await m.startBaselineServer(0); console.log("listening " + s.url); })`)}], /listening http:\\/\\/127\\.0\\.0\\.1:(\\d+)\\//);
      console.log("child " + child.pid);
      setInterval(() => {}, 1000);`;
    assert.ok(await orphanGone(code), "the server outlived the benchmark");
  });
});
