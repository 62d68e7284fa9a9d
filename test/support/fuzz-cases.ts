// The loop of the mutation fuzz tests (test/cwmp/fuzz.test.ts, test/usp/fuzz.test.ts): each case has a
// generator seeded from the strategy and its index, so a failure names exactly what replays it.

import assert from "node:assert/strict";
import { caseSeed, generator, type Rng } from "./cwmp-mutators.js";

export interface FuzzOutcome {
  /** What went wrong, when a property does not hold. */
  problem?: string;
  /** The input was accepted (parsed, decoded), so the properties past decoding were exercised. */
  accepted: boolean;
}

export interface FuzzRun<B extends Uint8Array, S extends { name: string; bytes: B }> {
  strategy: string;
  cases: number;
  seeds: readonly S[];
  /** A case taking longer fails: it catches hangs, not slowness. */
  hangMs: number;
  mutate: (rng: Rng, bytes: B) => B;
  check: (input: B, from: S, rng: Rng) => FuzzOutcome;
  preview: (input: B) => string;
}

/** Runs the cases, failing the test with the first five failures; returns how many were accepted. */
export function runFuzzCases<B extends Uint8Array, S extends { name: string; bytes: B }>(run: FuzzRun<B, S>): number {
  const failures: string[] = [];
  let accepted = 0;
  for (let index = 0; index < run.cases && failures.length < 5; index++) {
    const seed = caseSeed(run.strategy, index);
    const rng = generator(seed);
    const from = rng.pick(run.seeds);
    const input = run.mutate(rng, from.bytes);
    const started = performance.now();
    const outcome = run.check(input, from, rng);
    const took = performance.now() - started;
    if (outcome.accepted) accepted++;
    const problem = outcome.problem ?? (took > run.hangMs ? `took ${Math.round(took)} ms (hang guard ${run.hangMs} ms)` : undefined);
    if (problem !== undefined) failures.push(`[${run.strategy} #${index}, seed ${seed}, from ${from.name}] ${problem}\n    input (${input.length} bytes): ${run.preview(input)}`);
  }
  if (failures.length > 0) assert.fail(`${failures.length} failing case(s):\n${failures.join("\n")}`);
  return accepted;
}
