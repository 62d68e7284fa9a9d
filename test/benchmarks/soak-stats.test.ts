import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { formatRow, MinuteCollector, verdict, type MinuteRow } from "../../benchmarks/support/soak-stats.js";
import type { SessionReport } from "../../src/sim/runtime/index.js";

const LIMITS = { maxFailedPercent: 0.1, maxRssGrowthPercent: 20 };

function row(minute: number, over: Partial<MinuteRow> = {}): MinuteRow {
  return {
    minute, completed: 1000, failed: 0, causes: {}, p50: 5, p99: 50, bootstrapped: 100, serverRssMb: 200, serverHeapMb: 40, simRssMb: 100,
    tasks: { done: 100, failed: 0, unfinished: 0, "api-error": 0 }, databaseMb: 10, ...over,
  };
}

const report = (ok: boolean, durationMs: number, cause?: SessionReport["cause"]): SessionReport => ({
  device: 0, serialNumber: "S", events: [], ok, exchanges: 3, durationMs, at: 0, ...(cause !== undefined ? { cause } : {}),
});

describe("soak bookkeeping", () => {
  test("a minute counts completed sessions' latency and failed ones by cause, then starts afresh", () => {
    const m = new MinuteCollector();
    for (let i = 1; i <= 100; i++) m.session(report(true, i));
    m.session(report(false, 9999, "timeout"));
    m.session(report(false, 9999, "timeout"));
    m.session(report(false, 9999, "http-503"));
    m.task("done");
    m.task("unfinished");
    const first = m.take();
    assert.equal(first.completed, 100);
    assert.equal(first.failed, 3);
    assert.deepEqual(first.causes, { timeout: 2, "http-503": 1 });
    assert.equal(first.p50, 51);
    assert.equal(first.p99, 100);
    assert.deepEqual(first.tasks, { done: 1, failed: 0, unfinished: 1, "api-error": 0 });
    const next = m.take();
    assert.deepEqual([next.completed, next.failed, next.causes, next.tasks.done], [0, 0, {}, 0]);
    assert.match(formatRow(row(1, first)), /\| timeout 2, http-503 1 \|/);
  });

  test("a steady run passes; the RSS compares the first 10 minutes with the last 10", () => {
    const rows = Array.from({ length: 40 }, (_, i) => row(i + 1, { serverRssMb: i < 10 ? 200 : i < 30 ? 400 : 230 }));
    const v = verdict(rows, LIMITS);
    assert.equal(v.window, 10);
    assert.equal(v.firstRssMb, 200);
    assert.equal(v.lastRssMb, 230);
    assert.deepEqual(v.breaches, []);
  });

  test("memory that keeps growing fails the run, and so do failed sessions past the limit", () => {
    const leaking = Array.from({ length: 30 }, (_, i) => row(i + 1, { serverRssMb: 200 + 5 * i }));
    assert.match(verdict(leaking, LIMITS).breaches.join(), /server RSS grew/);
    const failing = [row(1), row(2, { failed: 3 })];
    const v = verdict(failing, LIMITS);
    assert.equal(v.sessions, 2003);
    assert.match(v.breaches.join(), /failed sessions 0\.150% > 0\.1%/);
    assert.deepEqual(verdict([row(1), row(2, { failed: 2 })], LIMITS).breaches, []);
  });

  test("a short run averages a third of its minutes at each end, and a run without sessions fails", () => {
    assert.equal(verdict(Array.from({ length: 9 }, (_, i) => row(i + 1)), LIMITS).window, 3);
    assert.equal(verdict([row(1)], LIMITS).window, 1);
    assert.match(verdict([row(1, { completed: 0 })], LIMITS).breaches.join(), /no session completed/);
  });
});
