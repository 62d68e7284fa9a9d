// Store work in separate OS processes, for tests of locking across processes. `runInChildren` starts the
// processes, waits until each has opened its store, then releases them all at once.
//
// Run as a script only when PROVISIO_STORE_CHILD holds its job: node --test runs every file under
// test/, and then this one must do nothing.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openStore } from "../../src/store/index.js";

export type ChildJob =
  | { action: "acquire"; url: string; deviceId: string; sessionId: string; expiresAt: number }
  | { action: "increment"; url: string; key: string; times: number }
  | { action: "open"; url: string };

const ENV = "PROVISIO_STORE_CHILD";

async function perform(job: ChildJob, waitForGo: () => Promise<void>): Promise<unknown> {
  if (job.action === "open") {
    await waitForGo();
    const store = await openStore(job.url);
    await store.close();
    return "opened";
  }
  const store = await openStore(job.url);
  try {
    await waitForGo();
    if (job.action === "acquire") {
      const r = await store.sessions.acquire(job.deviceId, job.sessionId, { by: job.sessionId }, new Date(job.expiresAt));
      return r !== null;
    }
    for (let i = 0; i < job.times; i++) {
      await store.transaction(async (tx) => {
        const current = await tx.settings.get(job.key);
        await tx.settings.set(job.key, (typeof current === "number" ? current : 0) + 1);
      });
    }
    return job.times;
  } finally {
    await store.close();
  }
}

async function childMain(job: ChildJob): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => lines.once("line", () => resolve()));
  const result = await perform(job, async () => {
    process.stdout.write("ready\n");
    await go;
  });
  lines.close();
  process.stdout.write(`${JSON.stringify({ result })}\n`);
}

/** Runs each job in its own process, all released together once every process is ready; returns their results. */
export async function runInChildren(jobs: ChildJob[]): Promise<unknown[]> {
  const script = fileURLToPath(import.meta.url);
  const children = jobs.map((job) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, [ENV]: JSON.stringify(job) }, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const out = createInterface({ input: child.stdout });
    // "close" (not "exit"): it comes after the last output has been read.
    const closed = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    const ready = new Promise<void>((resolve, reject) => {
      out.on("line", (line) => {
        if (line === "ready") resolve();
      });
      void closed.then((code) => reject(new Error(`child exited (${code}) before it was ready:\n${stderr}`)));
    });
    const result = new Promise<unknown>((resolve, reject) => {
      out.on("line", (line) => {
        if (line.startsWith("{")) resolve((JSON.parse(line) as { result: unknown }).result);
      });
      void closed.then((code) => reject(new Error(`child exited (${code}) without a result:\n${stderr}`)));
    });
    // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
    ready.catch(() => undefined);
    result.catch(() => undefined);
    return { child, closed, ready, result };
  });
  let ok = false;
  try {
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.write("go\n");
    const results = await Promise.all(children.map((c) => c.result));
    ok = true;
    return results;
  } finally {
    for (const c of children) {
      c.child.stdin.end();
      if (!ok) c.child.kill();
    }
    await Promise.all(children.map((c) => c.closed));
  }
}

const jobText = process.env[ENV];
if (jobText && process.argv[1] === fileURLToPath(import.meta.url)) {
  await childMain(JSON.parse(jobText) as ChildJob);
}
