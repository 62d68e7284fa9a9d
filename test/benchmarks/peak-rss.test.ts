// watchPeakRss (benchmarks/support/processes.ts): the highest RSS a process reached while watched, where
// the RSS afterwards no longer shows it.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { watchPeakRss } from "../../benchmarks/support/processes.js";

describe("watchPeakRss", () => {
  it("sees memory a process used and gave back before the watch ended", async () => {
    // A process that takes 256 MiB for a moment, after a start small enough to be read first, then ends.
    const child = spawn(process.execPath, ["-e", "setTimeout(() => { const b = Buffer.alloc(256 * 1024 * 1024, 1); setTimeout(() => b.at(-1), 500); }, 300)"], { stdio: "ignore" });
    const watch = watchPeakRss(child.pid!, 20);
    await once(child, "exit");
    const peak = watch.stop();
    assert.ok(peak >= 200, `peak ${peak} MiB`);
  });
});
