// PollLoop (src/server/poll-loop.ts): passes never overlap, and now() brings the next one forward.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PollLoop } from "../../src/server/poll-loop.js";
import { eventually } from "../nbi/support.js";

describe("PollLoop", () => {
  it("runs a pass at once on now(), and right after the one under way when one runs, never two at a time", async () => {
    let passes = 0;
    let running = 0;
    let overlapped = false;
    let release: (() => void) | null = null;
    const loop = new PollLoop(async () => {
      passes++;
      running++;
      overlapped ||= running > 1;
      // The second pass waits until the test lets it end.
      if (passes === 2) await new Promise<void>((r) => (release = r));
      running--;
    }, 3_600_000, (err) => assert.fail(String(err)));
    loop.now();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(passes, 0, "nothing before start()");
    loop.start();
    await eventually(() => (passes === 1 ? true : undefined), "the first pass", 5000);
    // The next one is an hour away: now() brings it forward.
    loop.now();
    await eventually(() => (release !== null ? true : undefined), "the second pass", 5000);
    loop.now();
    loop.now();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(passes, 2, "no pass beside the one under way");
    release!();
    await eventually(() => (passes === 3 ? true : undefined), "one pass after it, for both calls", 5000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(passes, 3);
    assert.equal(overlapped, false);
    await loop.stop();
    loop.now();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(passes, 3, "nothing after stop()");
  });
});
