// The sessions benchmark's statement of what the goal asks of a target on the machine it ran on.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeGoal, describeLoop } from "../../benchmarks/support/goal-arithmetic.js";

describe("describeGoal", () => {
  it("gives the cores busy, the cores the goal would take, and the CPU a session one core allows, also in reference units", () => {
    const s = describeGoal({ target: "SQLite", perSecond: 692, cpuMs: 1.44, baselinePerSecond: 1483, share: 0.6, referenceUs: 64 });
    // 692 × 1.44 ms = 0.996 cores; 0.6 × 1483 = 890/s, × 1.44 ms = 1.28 cores; one core: 1000 / 890 = 1.12 ms.
    assert.match(s, /^SQLite: 1\.44 ms of server CPU a session \(22\.5 times the reference JavaScript's 64\.0 µs\) kept 1\.00 cores busy; /);
    assert.match(s, /60% of the baseline \(890 sessions\/s\) at that cost would take 1\.28, and on one core at most 1\.12 ms a session \(17\.6 times the reference\): 22% less than now\.$/);
  });

  it("says when one core is enough", () => {
    const s = describeGoal({ target: "SQLite", perSecond: 900, cpuMs: 1.0, baselinePerSecond: 1400, share: 0.6, referenceUs: 50 });
    assert.match(s, /on one core at most 1\.19 ms a session \(23\.8 times the reference\): within reach of one core\.$/);
  });

  it("adds what the machine's cores would have to give with the database's and the simulator's CPU", () => {
    const s = describeGoal({ target: "PostgreSQL", perSecond: 350, cpuMs: 2.25, baselinePerSecond: 1483, share: 0.4, referenceUs: 64, machine: { cores: 2, othersMs: 2.7 } });
    // 0.4 × 1483 = 593/s; × (2.25 + 2.7) ms = 2.94 cores.
    assert.match(s, /: 25% less than now; with what shares the machine \(the database and the simulator, 2\.70 ms a session\), its 2 cores would have to give 2\.94\.$/);
  });
});

describe("describeLoop", () => {
  it("splits the event loop thread's time into running, waiting for a core and the rest, and names what bounds it", () => {
    assert.equal(
      describeLoop("SQLite", { run: 0.909, wait: 0.053 }),
      "SQLite: the server's event loop thread ran 90.9% of the measured time, waited for a core 5.3%, and waited for work, the disk or a lock 3.8%: bound by its own CPU.",
    );
    assert.match(describeLoop("PG", { run: 0.6, wait: 0.3 }), /waited for a core 30\.0%, and waited for work, the disk or a lock 10\.0%: held back most by what shares its cores\.$/);
    assert.match(describeLoop("PG", { run: 0.6, wait: 0.1 }), /lock 30\.0%: held back most by waits of its own or a lack of work\.$/);
  });
});
