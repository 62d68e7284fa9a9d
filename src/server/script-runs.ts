// Provisioning scripts run outside store transactions. A transaction holds the store (on SQLite the one
// connection every session shares, on PostgreSQL the session's row locks), so a script that ran inside
// one for its whole time limit held every other session up for as long. Planning inside a transaction
// reads scripts' results from this cache instead; a result it lacks rolls the transaction back
// (ScriptsNeeded), the script runs with no transaction open, and the exchange runs again and finds it.
// A script is a function of its input (its arguments, the session's start time and what is known of the
// device), and the exchange run again sees the same input, so it finds the same result.

import { createHash } from "node:crypto";
import { SandboxError, type ScriptInput, type ScriptResult, type ScriptRunner } from "../provisioning/index.js";

interface Job {
  key: string;
  /** Who asked (a session's id), for onRun. */
  tag: string;
  code: string;
  input: ScriptInput;
}

export type ScriptOutcome = { ok: true; result: ScriptResult } | { ok: false; error: SandboxError };

/** Thrown inside a transaction when a script's result is not known yet: roll back, run it, try again. */
export class ScriptsNeeded extends Error {
  constructor(readonly jobs: readonly Job[]) {
    super("provisioning scripts must run before this transaction");
    this.name = "ScriptsNeeded";
  }
}

export class ScriptRuns {
  private readonly done = new Map<string, ScriptOutcome>();
  private readonly running = new Map<string, Promise<void>>();

  /**
   * @param onRun called once for each run that really happened (not for answers from the cache).
   * @param maxEntries results kept; the oldest go first. Only an exchange that lost its result between
   *   running the script and running again pays for this, by running the script once more.
   */
  constructor(
    private readonly sandbox: ScriptRunner,
    private readonly onRun: (code: string, outcome: ScriptOutcome, tag: string) => void,
    private readonly maxEntries = 2000,
  ) {}

  /** For planning inside a transaction, for `tag`: the result of a run that happened, or ScriptsNeeded. */
  runner(tag: string): ScriptRunner {
    return {
      run: (code, input) => {
        const key = keyOf(code, input);
        const outcome = this.done.get(key);
        if (outcome === undefined) return Promise.reject(new ScriptsNeeded([{ key, tag, code, input }]));
        return outcome.ok ? Promise.resolve(outcome.result) : Promise.reject(outcome.error);
      },
    };
  }

  /** Runs what a transaction lacked; a run already under way (started ahead) is waited for, not repeated. */
  async run(needed: ScriptsNeeded): Promise<void> {
    await Promise.all(needed.jobs.map((j) => this.runOne(j)));
  }

  private runOne(j: Job): Promise<void> {
    if (this.done.has(j.key)) return Promise.resolve();
    let p = this.running.get(j.key);
    if (p === undefined) {
      p = this.sandbox
        .run(j.code, j.input)
        .then(
          (result): ScriptOutcome => ({ ok: true, result }),
          (error: unknown): ScriptOutcome => {
            if (error instanceof SandboxError) return { ok: false, error };
            throw error;
          },
        )
        .then((outcome) => {
          this.remember(j.key, outcome);
          this.onRun(j.code, outcome, j.tag);
        })
        .finally(() => this.running.delete(j.key));
      this.running.set(j.key, p);
    }
    return p;
  }

  private remember(key: string, outcome: ScriptOutcome): void {
    if (this.done.size >= this.maxEntries) {
      const oldest = this.done.keys().next();
      if (oldest.done !== true) this.done.delete(oldest.value);
    }
    this.done.set(key, outcome);
  }
}

function keyOf(code: string, input: ScriptInput): string {
  return createHash("sha256").update(code).update("\0").update(JSON.stringify(input)).digest("base64url");
}
