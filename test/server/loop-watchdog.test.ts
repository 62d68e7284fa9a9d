// The event-loop watchdog (loop-watchdog.ts): the arithmetic on given times, and `log.stallWarn` in a
// running ACS, whose loop the test blocks itself.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startAcs } from "../../src/server/acs.js";
import { createLogger } from "../../src/server/logger.js";
import { StallDetector } from "../../src/server/loop-watchdog.js";
import { eventually } from "../nbi/support.js";
import { testConfig } from "../support/acs.js";
import { backend } from "../support/pg.js";

/** Holds the event loop for `ms`, as a synchronous piece of work would. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else of the process runs meanwhile
  }
}

describe("StallDetector", () => {
  it("reports the time a tick came late by, from the threshold on", () => {
    const d = new StallDetector(100, 1000, 0);
    assert.equal(d.tick(100), null, "on time");
    assert.equal(d.tick(1099), null, "899 ms late: under the threshold");
    assert.equal(d.tick(2199), 1000, "1000 ms late: at the threshold");
    assert.equal(d.tick(2299), null, "each tick is measured from the one before");
    assert.equal(d.tick(17_399), 15_000);
  });
});

describe("log.stallWarn", () => {
  async function acsBlocked(stallWarn: number, blockMs: number) {
    const dataDir = mkdtempSync(join(tmpdir(), "provisio-stall-"));
    const lines: { level: number; msg: string; blockedMs?: number }[] = [];
    const log = createLogger("warn", { format: "json", out: { write: (l: string) => lines.push(JSON.parse(l) as (typeof lines)[number]) } });
    const acs = await startAcs(testConfig(dataDir, await backend("sqlite").freshUrl(), { log: { stallWarn } }), { log, processMetrics: false });
    const stalls = () => lines.filter((l) => l.msg.startsWith("event loop blocked"));
    // A tick of the watchdog's timer before the block, so that the block falls between two ticks.
    await sleep(150);
    block(blockMs);
    return {
      acs,
      stalls,
      async stop() {
        await acs.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }

  it("logs a block of the event loop with how long it lasted, and counts it in the metrics", async () => {
    const t = await acsBlocked(0.2, 800);
    try {
      // The watchdog's ticks are 100 ms apart: a block of 800 ms made one at least 700 ms late. (A
      // loaded machine may add shorter blocks of its own, while the ACS starts.)
      const line = await eventually(() => t.stalls().find((l) => l.blockedMs! >= 700), "the warning", 5000).catch(() => {
        throw new Error(`no warning of a block of 700 ms or more: ${JSON.stringify(t.stalls())}`);
      });
      assert.equal(line.level, 40, "at warn");
      const { body } = await t.acs.metrics.render();
      const count = Number(/^provisio_event_loop_stall_seconds_count (\d+)$/m.exec(body)?.[1]);
      assert.ok(count >= 1, body.slice(0, 300));
      assert.match(body, /^provisio_event_loop_stall_seconds_bucket\{le="0\.5"\} \d+$/m);
    } finally {
      await t.stop();
    }
  });

  it("0 turns it off", async () => {
    const t = await acsBlocked(0, 800);
    try {
      await sleep(300);
      assert.deepEqual(t.stalls(), []);
      const { body } = await t.acs.metrics.render();
      assert.match(body, /^provisio_event_loop_stall_seconds_count 0$/m);
    } finally {
      await t.stop();
    }
  });
});
