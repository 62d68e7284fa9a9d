// The fault-injection proof of `npm run chaos` (benchmarks/chaos.ts), small enough for the suite so that
// it cannot rot: the ACS process SIGKILLed at random moments of the sessions of simulated devices with
// tasks of every kind of write, PostgreSQL crashed too, and then each task settled with its write
// carried out exactly once when done, never when failed.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { withCrashableCluster } from "../../benchmarks/support/chaos-cluster.js";
import { judge, runChaos, type Applied, type ChaosOptions, type ChaosResult, type Tracked } from "../../benchmarks/support/chaos-run.js";
import { addObjectKey, commandKeyOf } from "../../src/session/index.js";
import type { TaskRecord } from "../../src/store/types.js";

const small = { kills: 5, devices: 12, maxKillDelayMs: 1_500, settleMs: 60_000 };

function assertProof(r: ChaosResult): void {
  assert.deepEqual(r.violations, [], r.history.join("\n"));
  assert.equal(r.kills, small.kills);
  for (const kind of ["setParameterValues", "addObject", "reboot", "download", "upload", "scheduleDownload", "changeDUState"]) assert.ok((r.tasks[kind] ?? 0) > 0, `a ${kind} task ran: ${JSON.stringify(r.tasks)}`);
}

describe("fault injection: the ACS killed at random points of sessions", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-chaos-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const seed = Number(process.env.PROVISIO_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const run = (o: Pick<ChaosOptions, "db" | "dataDir"> & Partial<ChaosOptions>) => runChaos({ ...small, seed, ...o });

  it(`on SQLite: no task lost or applied twice (seed ${seed})`, async () => {
    assertProof(await run({ db: `sqlite:${join(dataDir, "acs.db")}`, dataDir: join(dataDir, "sqlite") }));
  });

  it(`on PostgreSQL, crashed twice in the run too: no task lost or applied twice (seed ${seed})`, async () => {
    const r = await withCrashableCluster((cluster) => run({ db: cluster.url, dataDir: join(dataDir, "pg"), restartDatabase: cluster.crashAndRestart, databaseRestarts: 2 }));
    assertProof(r);
    assert.equal(r.databaseRestarts, 2);
  });
});

describe("the chaos run's judgement", () => {
  const task = (id: string, name: string, status: TaskRecord["status"], lastFault: TaskRecord["lastFault"] = null): TaskRecord => ({
    id, deviceId: "D", name, args: {}, status, createdAt: new Date(0), expiresAt: null, notBefore: null, attempts: 1, maxAttempts: 50, lastFault, result: null, completedAt: null,
  });
  /** What the devices carried out, per task id: its RPCs in order. */
  const applied = (methods: Record<string, string[]>) => new Map<string, Applied[]>(Object.entries(methods).map(([id, list]) => [commandKeyOf(id), list.map((method) => ({ method, atMs: 0 }))]));
  const fault = { code: "cwmp.9005", message: "no such object" };

  it("passes writes carried out once when done and never when failed, and the last value set kept", () => {
    const tracked: Tracked[] = [
      { task: task("a-1", "addObject", "done"), device: 0 },
      { task: task("s-1", "setParameterValues", "done"), device: 0, value: "v1" },
      { task: task("s-2", "setParameterValues", "done"), device: 0, value: "v2" },
      { task: task("d-1", "deleteObject", "failed", fault), device: 1 },
      { task: task("a-2", "addObject", "done"), device: 2, withValues: true },
      { task: task("a-3", "addObject", "failed", { code: "task.interrupted", message: "added, values unknown" }), device: 3, withValues: true },
    ];
    const record = applied({ "a-1": ["AddObject"], "s-1": ["SetParameterValues"], "s-2": ["SetParameterValues"], "a-2": ["SetParameterValues"], "a-3": [] });
    // An addObject with values adds its object under a ParameterKey of its own.
    record.set(addObjectKey("a-2"), [{ method: "AddObject", atMs: 0 }]);
    record.set(addObjectKey("a-3"), [{ method: "AddObject", atMs: 0 }]);
    assert.deepEqual(judge(tracked, record, () => "v2").violations, []);
  });

  it("flags a write carried out twice, one lost, one carried out by a failed task, a task left pending or failed with no reason, an instance's values set twice or added twice, and a value not the last", () => {
    const tracked: Tracked[] = [
      { task: task("twice", "addObject", "done"), device: 0 },
      { task: task("lost", "reboot", "done"), device: 1 },
      { task: task("failed-applied", "deleteObject", "failed", fault), device: 2 },
      { task: task("pending", "download", "pending"), device: 3 },
      { task: task("no-reason", "reboot", "failed"), device: 4 },
      { task: task("value", "setParameterValues", "done"), device: 5, value: "v9" },
      { task: task("values-twice", "addObject", "done"), device: 6, withValues: true },
      { task: task("interrupted-twice", "addObject", "failed", { code: "task.interrupted", message: "added, values unknown" }), device: 7, withValues: true },
      { task: task("interrupted-set", "addObject", "failed", { code: "task.interrupted", message: "added, values unknown" }), device: 8, withValues: true },
    ];
    const record = {
      twice: ["AddObject", "AddObject"], "failed-applied": ["DeleteObject"], value: ["SetParameterValues"],
      "values-twice": ["AddObject", "SetParameterValues", "SetParameterValues"], "interrupted-twice": ["AddObject", "AddObject"], "interrupted-set": ["AddObject", "SetParameterValues"],
    };
    const r = judge(tracked, applied(record), () => "v8");
    assert.deepEqual(r.violations.map((v) => v.split(" ")[1]), ["twice", "lost", "failed-applied", "pending", "no-reason", "values-twice", "interrupted-twice", "interrupted-set", "value"]);
    assert.equal(r.history.length, 9);
    assert.match(r.history[0]!, /"id":"twice".*"applied":\[\{"method":"AddObject","atMs":0\},\{"method":"AddObject"/);
  });
});
