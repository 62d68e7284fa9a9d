// The sessions benchmark's reading of SQLite's checkpoints from the server's /metrics
// (benchmarks/support/checkpoint-metrics.ts), on the text the ACS's own metrics render.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addSpans, checkpointsBetween, describeCheckpoints, parseCheckpoints } from "../../benchmarks/support/checkpoint-metrics.js";
import { AcsMetrics } from "../../src/server/metrics.js";

const metrics = () => new AcsMetrics({ pendingTasks: () => Promise.resolve(0), processMetrics: false, sqliteCheckpoints: true });
const read = async (m: AcsMetrics) => parseCheckpoints((await m.render()).body)!;

describe("the benchmark's reading of SQLite's checkpoints", () => {
  it("gives what happened between two readings: the count, the holds and copies, and the bucket that holds the longest", async () => {
    const m = metrics();
    m.checkpoint({ copyMs: 400, heldMs: 600, complete: true });
    const before = await read(m);
    assert.equal(before.count, 1);
    m.checkpoint({ copyMs: 40, heldMs: 20, complete: true });
    m.checkpoint({ copyMs: 60, heldMs: 30, complete: true });
    const span = checkpointsBetween(before, await read(m));
    assert.equal(span.count, 2);
    assert.ok(Math.abs(span.heldMs - 50) < 1e-6, String(span.heldMs));
    assert.ok(Math.abs(span.copyMs - 100) < 1e-6, String(span.copyMs));
    assert.equal(span.heldAtMostMs, 50, "the 600 ms before the window is not the window's");
    assert.match(describeCheckpoints("SQLite", span, 20), /^SQLite: 2 WAL checkpoints in 20 s .* 25\.0 ms on average \(0\.3% of the time\), the longest at most 50 ms; .* 50\.0 ms on average\.$/);
  });

  it("says when a hold is beyond the last bucket, and adds windows up", async () => {
    const m = metrics();
    const before = await read(m);
    m.checkpoint({ copyMs: 1, heldMs: 9000, complete: false });
    const slow = checkpointsBetween(before, await read(m));
    assert.equal(slow.heldAtMostMs, Infinity);
    assert.match(describeCheckpoints("SQLite", slow, 10), /the longest more than the last bucket/);
    const none = checkpointsBetween(before, before);
    assert.deepEqual(none, { count: 0, heldMs: 0, copyMs: 0, heldAtMostMs: 0 });
    assert.match(describeCheckpoints("SQLite", none, 10), /no WAL checkpoint/);
    assert.deepEqual(addSpans([none, slow]), slow);
  });

  it("finds nothing in the metrics of an ACS on PostgreSQL", async () => {
    const m = new AcsMetrics({ pendingTasks: () => Promise.resolve(0), processMetrics: false });
    assert.equal(parseCheckpoints((await m.render()).body), null);
  });
});
