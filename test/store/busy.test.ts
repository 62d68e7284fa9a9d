import assert from "node:assert/strict";
import { test } from "node:test";
import { isBusy, whenNotBusy } from "../../src/store/sqlite/busy.js";

function busyError(code = "SQLITE_BUSY"): Error {
  return Object.assign(new Error("database is locked"), { code });
}

/** A fake clock whose sleep advances it. */
function fakeTime() {
  const slept: number[] = [];
  let t = 1000;
  return { slept, now: () => t, sleep: (ms: number) => { slept.push(ms); t += ms; return Promise.resolve(); } };
}

test("whenNotBusy retries while the database is busy, backing off, and returns the result", async () => {
  const time = fakeTime();
  let calls = 0;
  const result = await whenNotBusy(() => {
    calls++;
    if (calls < 6) throw busyError(calls === 3 ? "SQLITE_BUSY_RECOVERY" : "SQLITE_BUSY");
    return "done";
  }, { timeoutMs: 1000, ...time });
  assert.equal(result, "done");
  assert.equal(calls, 6);
  assert.deepEqual(time.slept, [1, 2, 4, 8, 16]);
});

test("whenNotBusy gives up with the busy error once the timeout has passed", async () => {
  const time = fakeTime();
  let calls = 0;
  await assert.rejects(whenNotBusy(() => {
    calls++;
    throw busyError();
  }, { timeoutMs: 100, ...time }), (err: unknown) => isBusy(err));
  assert.ok(time.slept.reduce((a, b) => a + b, 0) >= 100);
  assert.equal(calls, time.slept.length + 1);
});

test("whenNotBusy passes other errors through at once, and starts from a given first error", async () => {
  const time = fakeTime();
  const other = Object.assign(new Error("constraint"), { code: "SQLITE_CONSTRAINT_UNIQUE" });
  await assert.rejects(whenNotBusy(() => { throw other; }, { timeoutMs: 100, ...time }), (err) => err === other);
  assert.deepEqual(time.slept, []);
  assert.equal(await whenNotBusy(() => 7, { timeoutMs: 100, ...time }, busyError()), 7);
  assert.deepEqual(time.slept, [1]);
  assert.equal(isBusy(other), false);
  assert.equal(isBusy(null), false);
});
