// The cache of script runs that keeps scripts out of store transactions (src/server/script-runs.ts), over
// the real sandbox.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { SandboxError, ScriptSandbox } from "../../src/provisioning/index.js";
import { ScriptRuns, ScriptsNeeded, type ScriptOutcome } from "../../src/server/script-runs.js";

describe("script runs", () => {
  const sandbox = new ScriptSandbox({ memoryMb: 16, timeoutMs: 1000 });
  after(() => sandbox.dispose());
  const input = { args: { n: 2 }, now: 1000, known: {} };

  it("asks for a run it has not seen, runs it once however many ask, and answers from the result after", async () => {
    const runs: [string, ScriptOutcome, string][] = [];
    const cache = new ScriptRuns(sandbox, (code, outcome, tag) => runs.push([code, outcome, tag]));
    const code = 'declare("Device.X", { value: args.n * now });';
    const needed = await cache.runner("s1").run(code, input).then(() => null, (err: unknown) => err);
    assert.ok(needed instanceof ScriptsNeeded);
    const again = await cache.runner("s2").run(code, input).catch((err: unknown) => err);
    assert.ok(again instanceof ScriptsNeeded);
    await Promise.all([cache.run(needed), cache.run(again), cache.run(needed)]);
    assert.equal(runs.length, 1, "one run for three asks");
    assert.equal(runs[0]![2], "s1");
    const result = await cache.runner("s1").run(code, input);
    assert.deepEqual(result.declarations, [{ path: "Device.X", value: 2000 }]);
    // Another input is another run.
    assert.ok((await cache.runner("s1").run(code, { ...input, now: 1001 }).catch((err: unknown) => err)) instanceof ScriptsNeeded);
  });

  it("keeps a failure as the sandbox's error, and forgets the oldest results past its size", async () => {
    const cache = new ScriptRuns(sandbox, () => {}, 2);
    const ask = (code: string) => cache.runner("s").run(code, input).catch((err: unknown) => err);
    for (const code of ['throw new Error("no");', "return 1;", "return 2;"]) {
      const needed = await ask(code);
      assert.ok(needed instanceof ScriptsNeeded);
      await cache.run(needed);
    }
    assert.ok((await ask('throw new Error("no");')) instanceof ScriptsNeeded, "the oldest was forgotten");
    const failing = await ask('throw new Error("no");');
    await cache.run(failing as ScriptsNeeded);
    const err = await ask('throw new Error("no");');
    assert.ok(err instanceof SandboxError && err.code === "SCRIPT_ERROR" && /no/.test(err.message), String(err));
  });
});
