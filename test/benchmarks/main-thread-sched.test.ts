// The sessions benchmark's reading of a process's event loop thread: its time on a core and waiting for one.

import assert from "node:assert/strict";
import { it } from "node:test";
import { mainThreadSchedNs } from "../../benchmarks/support/processes.js";

it("counts the main thread's time on a core: a loop of 200 ms of CPU adds most of it, and no process gives null", () => {
  const before = mainThreadSchedNs(process.pid);
  assert.ok(before !== null && before.runNs > 0 && before.waitNs >= 0);
  // The process's CPU: the main thread's, and little of V8's helper threads beside it.
  const cpu = process.cpuUsage();
  let x = 0;
  while (process.cpuUsage(cpu).user < 200_000) x += Math.sqrt(x + 1);
  const after = mainThreadSchedNs(process.pid)!;
  assert.ok(x > 0);
  assert.ok(after.runNs - before.runNs >= 150e6, `ran ${(after.runNs - before.runNs) / 1e6} ms`);
  assert.ok(after.waitNs >= before.waitNs);
  assert.equal(mainThreadSchedNs(2 ** 22 + 12345), null);
});
