// How a pending task's next attempt comes, from its record, its latest wake and whether its device can
// be reached: each case the API shows.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { taskOutlook } from "../../src/server/task-outlook.js";
import type { TaskRecord, TaskWake } from "../../src/store/types.js";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const NOW = at(100);

function task(over: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id: "t1", deviceId: "d1", name: "reboot", args: null, status: "pending", createdAt: at(0), expiresAt: null, notBefore: null,
    attempts: 0, maxAttempts: 3, lastFault: null, result: null, completedAt: null, ...over,
  };
}
const wake = (s: number, outcome: string, attempts: number): TaskWake => ({ at: at(s), outcome, attempts });

describe("taskOutlook", () => {
  it("a task that is not pending has none", () => {
    for (const status of ["waiting", "done", "failed", "cancelled", "expired"] as const) {
      assert.deepEqual(taskOutlook(task({ status, notBefore: at(50) }), undefined, true, NOW), { nextAttemptAt: null, nextAttemptBy: null, waitingForInformSince: null });
    }
  });

  it("a new task nobody woke waits for the Inform since its creation; one whose device accepted the request does not", () => {
    assert.deepEqual(taskOutlook(task(), undefined, true, NOW), { nextAttemptAt: null, nextAttemptBy: "inform", waitingForInformSince: at(0) });
    assert.deepEqual(taskOutlook(task(), wake(1, "accepted", 0), true, NOW), { nextAttemptAt: null, nextAttemptBy: "connectionRequest", waitingForInformSince: null });
    assert.deepEqual(taskOutlook(task(), wake(1, "sent", 0), false, NOW), { nextAttemptAt: null, nextAttemptBy: "connectionRequest", waitingForInformSince: null });
    assert.deepEqual(taskOutlook(task(), wake(2, "timed-out", 0), true, NOW), { nextAttemptAt: null, nextAttemptBy: "inform", waitingForInformSince: at(2) });
  });

  it("a retry backing off is woken when it ends if the device can be reached, else waits for the Inform from then", () => {
    const backingOff = task({ attempts: 1, notBefore: at(160) });
    assert.deepEqual(taskOutlook(backingOff, undefined, true, NOW), { nextAttemptAt: at(160), nextAttemptBy: "connectionRequest", waitingForInformSince: null });
    assert.deepEqual(taskOutlook(backingOff, undefined, false, NOW), { nextAttemptAt: at(160), nextAttemptBy: "inform", waitingForInformSince: null });
    // The creation's request spoke for the first attempt only.
    assert.deepEqual(taskOutlook(backingOff, wake(1, "accepted", 0), false, NOW), { nextAttemptAt: at(160), nextAttemptBy: "inform", waitingForInformSince: null });
    const due = task({ attempts: 1, notBefore: at(60) });
    assert.deepEqual(taskOutlook(due, undefined, false, NOW), { nextAttemptAt: at(60), nextAttemptBy: "inform", waitingForInformSince: at(60) });
    assert.deepEqual(taskOutlook(due, wake(61, "no-method", 1), true, NOW), { nextAttemptAt: at(60), nextAttemptBy: "inform", waitingForInformSince: at(60) });
    assert.deepEqual(taskOutlook(due, wake(61, "refused", 1), true, NOW), { nextAttemptAt: at(60), nextAttemptBy: "inform", waitingForInformSince: at(61) });
    assert.deepEqual(taskOutlook(due, wake(61, "accepted", 1), true, NOW), { nextAttemptAt: at(60), nextAttemptBy: "connectionRequest", waitingForInformSince: null });
    // Due, and about to be woken by the next pass.
    assert.deepEqual(taskOutlook(due, undefined, true, NOW), { nextAttemptAt: at(60), nextAttemptBy: "connectionRequest", waitingForInformSince: null });
  });
});
