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
    // sleeps for 800 ms, then says "done". The sleeper says "ready" from a timer, its start done.
    const work = (busy: boolean) => busy
      ? `process.stdout.write("ready"); const end = Date.now() + 800; while (Date.now() < end); process.stdout.write("done");`
      : `setTimeout(() => { process.stdout.write("ready"); setTimeout(() => process.stdout.write("done"), 800); }, 200);`;
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
    // The sleeper runs twice in its window (its timer, its write), and on a machine the whole suite
    // loads each of those may lose its core once or twice; a spinner among more than the cores loses
    // its core at scheduler ticks, for 800 ms.
    const sleeper = counts.pop()!;
    const spinners = `spinners: ${counts.join(", ")}; sleeper: ${sleeper}`;
    assert.ok(sleeper <= 6, spinners);
    assert.ok(Math.max(...counts) > 3 * sleeper + 10, spinners);
    assert.equal(preemptions([started.at(-1)!.pid!]), null, "a process that is gone has none to read");
  });
});
