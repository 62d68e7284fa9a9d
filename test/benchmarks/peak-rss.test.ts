// watchPeakRss (benchmarks/support/processes.ts): the highest RSS a process reached while watched, where
// the RSS afterwards no longer shows it. preemptions: how often a process's main thread lost its core
// while it could have run.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { availableParallelism } from "node:os";
import { preemptions, watchPeakRss } from "../../benchmarks/support/processes.js";

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

describe("preemptions", () => {
  it("counts the times a runnable process lost its core: many for one of more spinners than cores, next to none for a sleeper", async () => {
    // Each says "ready" once started (node's own start is CPU work, counted before), then spins or
    // sleeps for 800 ms, then says "done".
    const work = (busy: boolean) => `process.stdout.write("ready"); const end = Date.now() + 800; ${busy ? "while (Date.now() < end);" : "setTimeout(() => {}, 800);"} setTimeout(() => process.stdout.write("done"), ${busy ? 0 : 800});`;
    const started = [...Array.from({ length: availableParallelism() + 1 }, () => true), false].map((busy) => spawn(process.execPath, ["-e", work(busy)], { stdio: ["ignore", "pipe", "ignore"] }));
    const counts = await Promise.all(started.map(async (c) => {
      let out = "";
      const waiting: (() => void)[] = [];
      c.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        for (const wake of waiting.splice(0)) wake();
      });
      const said = async (word: string) => {
        while (!out.includes(word)) await new Promise<void>((r) => waiting.push(r));
      };
      await said("ready");
      const before = preemptions([c.pid!]);
      await said("done");
      const after = preemptions([c.pid!]);
      await once(c, "exit");
      assert.ok(before !== null && after !== null);
      return after - before;
    }));
    const sleeper = counts.pop()!;
    assert.ok(sleeper <= 3, `sleeper: ${sleeper}`);
    assert.ok(Math.max(...counts) > sleeper + 5, `spinners: ${counts.join(", ")}; sleeper: ${sleeper}`);
    assert.equal(preemptions([started.at(-1)!.pid!]), null, "a process that is gone has none to read");
  });
});
