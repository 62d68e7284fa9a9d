// ext() for GenieACS-dialect scripts: the operator's extension modules (provisioning.extensionsDir) run
// in child processes of their own, never in the ACS's: a module may block, crash or leak without
// harming sessions. A few processes are kept and reused; a call that outlives provisioning.extensionTimeout
// has its process killed (a new one is forked for the next call) and becomes provision.ext-timeout.
// Calls are made between script runs, outside store transactions (provisioning/genieacs/ext-runner.ts).

import { fork, type ChildProcess } from "node:child_process";
import { isAbsolute, relative, resolve } from "node:path";
import type { ExtOutcome, ExtensionCaller } from "../provisioning/index.js";
import type { Logger } from "./logger.js";

export interface ExtensionOptions {
  dir: string;
  timeoutMs: number;
  /** Processes kept (calls beyond wait for one). */
  processes?: number;
  log?: Logger;
}

interface Job {
  file: string;
  fn: string;
  args: unknown[];
  resolve: (o: ExtOutcome) => void;
}

interface Worker {
  child: ChildProcess;
  job: { id: number; job: Job; timer: NodeJS.Timeout } | null;
}

const FILE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

export class ExtensionHost implements ExtensionCaller {
  private readonly dir: string;
  private readonly workers: Worker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly o: ExtensionOptions) {
    this.dir = resolve(o.dir);
  }

  call(file: string, fn: string, args: unknown[]): Promise<ExtOutcome> {
    const where = resolve(this.dir, file);
    const rel = relative(this.dir, where);
    if (!FILE.test(file) || file.split("/").includes("..") || rel.startsWith("..") || isAbsolute(rel)) {
      return Promise.resolve({ ok: false, timeout: false, message: `${JSON.stringify(file)} is not a file name inside the extensions folder` });
    }
    if (this.closed) return Promise.resolve({ ok: false, timeout: false, message: "the ACS is shutting down" });
    return new Promise((done) => {
      this.queue.push({ file, fn, args, resolve: done });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let w = this.workers.find((x) => x.job === null);
      if (w === undefined) {
        if (this.workers.length >= (this.o.processes ?? 2)) return;
        w = this.spawn();
      }
      const job = this.queue.shift()!;
      const id = this.nextId++;
      const worker = w;
      const timer = setTimeout(() => {
        this.o.log?.warn({ file: job.file, fn: job.fn, timeoutMs: this.o.timeoutMs }, "extension call timed out; its process is killed");
        this.settle(worker, { ok: false, timeout: true, message: `no answer within ${this.o.timeoutMs} ms (provisioning.extensionTimeout); its process was killed` });
        this.retire(worker);
      }, this.o.timeoutMs);
      worker.job = { id, job, timer };
      worker.child.send({ id, file: job.file, fn: job.fn, args: job.args });
    }
  }

  private spawn(): Worker {
    const child = fork(new URL("./extension-worker.js", import.meta.url), [this.dir], { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "json" });
    const w: Worker = { child, job: null };
    child.on("message", (m: { id: number } & ExtOutcome) => {
      if (w.job?.id !== m.id) return;
      this.settle(w, m.ok ? { ok: true, value: m.value } : { ok: false, timeout: false, message: m.message });
      this.dispatch();
    });
    child.on("exit", (code, signal) => {
      this.settle(w, { ok: false, timeout: false, message: `the extension process exited (${signal ?? `code ${code}`})` });
      this.retire(w);
    });
    child.on("error", (err) => this.o.log?.error({ err: err.message }, "extension process error"));
    this.workers.push(w);
    return w;
  }

  private settle(w: Worker, outcome: ExtOutcome): void {
    const j = w.job;
    if (j === null) return;
    clearTimeout(j.timer);
    w.job = null;
    j.job.resolve(outcome);
  }

  /** Drops a worker (killed, or gone) and lets the queue go on with a new one. */
  private retire(w: Worker): void {
    const i = this.workers.indexOf(w);
    if (i === -1) return;
    this.workers.splice(i, 1);
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    if (!this.closed) this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.resolve({ ok: false, timeout: false, message: "the ACS is shutting down" });
    const exits = this.workers.map((w) => new Promise<void>((done) => (w.child.exitCode !== null || w.child.signalCode !== null ? done() : w.child.once("exit", () => done()))));
    for (const w of [...this.workers]) this.retire(w);
    await Promise.all(exits);
  }
}
