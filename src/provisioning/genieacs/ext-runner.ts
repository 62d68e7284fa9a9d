// ext(file, function, ...args) for GenieACS-dialect scripts. The isolate cannot wait for another process,
// so a call whose result the run lacks stops the script (api.ts); this runner makes the calls, and runs
// the script again with their results, until it makes no call it lacks. It stands in front of the
// sandbox, where scripts already run outside store transactions (server/script-runs.ts).
//
// Results are kept per session (the device and the session's start): the same call in one session is
// made once, which the re-runs need anyway, since each must see what the first saw.

import { SandboxError, type ScriptInput, type ScriptResult, type ScriptRunner } from "../sandbox.js";
import type { ExtOutcome } from "./api.js";

/** Calls operator extensions (server/extensions.ts: a pool of child processes with a time limit). */
export interface ExtensionCaller {
  call(file: string, fn: string, args: unknown[]): Promise<ExtOutcome>;
}

/** Rounds of ext() calls one run may make before the script is called a loop. */
const MAX_ROUNDS = 16;

export class ExtensionRunner implements ScriptRunner {
  private readonly results = new Map<string, Promise<ExtOutcome>>();

  /** @param caller null: no extensions folder is configured, and every ext() call fails saying so. */
  constructor(
    private readonly sandbox: ScriptRunner,
    private readonly caller: ExtensionCaller | null,
    private readonly maxEntries = 5000,
  ) {}

  async run(code: string, input: ScriptInput): Promise<ScriptResult> {
    const g = input.genieacs;
    if (g === undefined) return this.sandbox.run(code, input);
    const exts: Record<string, unknown> = { ...g.exts };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const r = await this.sandbox.run(code, round === 0 ? input : { ...input, genieacs: { ...g, exts } });
      const calls = r.genieacs?.ext ?? [];
      if (calls.length === 0) return r;
      const outcomes = await Promise.all(calls.map((c) => this.outcome(`${g.device.id}\0${input.now}`, c.file, c.fn, c.args)));
      outcomes.forEach((o, i) => {
        const c = calls[i]!;
        const name = `ext(${JSON.stringify(c.file)}, ${JSON.stringify(c.fn)})`;
        if (!o.ok) throw new SandboxError(o.timeout ? "EXT_TIMEOUT" : "EXT_FAILED", `${name}: ${o.message}`);
        exts[JSON.stringify([c.file, c.fn, c.args])] = o.value;
      });
    }
    throw new SandboxError("EXT_FAILED", `the script made new ext() calls in ${MAX_ROUNDS} runs in a row; stopped`);
  }

  private outcome(session: string, file: string, fn: string, args: unknown[]): Promise<ExtOutcome> {
    const key = `${session}\0${JSON.stringify([file, fn, args])}`;
    let p = this.results.get(key);
    if (p === undefined) {
      p = this.caller === null ? Promise.resolve({ ok: false, timeout: false, message: "no extensions are installed (provisioning.extensionsDir is not set)" }) : this.caller.call(file, fn, args);
      if (this.results.size >= this.maxEntries) this.results.delete(this.results.keys().next().value!);
      this.results.set(key, p);
    }
    return p;
  }
}
