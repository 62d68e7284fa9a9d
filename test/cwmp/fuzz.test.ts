// Deterministic mutation fuzzing of the parser and the serializer.
//
// Seeds: every corpus file (mangled ones included) and every fixture serialized in the namespace where
// its method first exists, so that every method's reader is reached. Each case mutates one seed with a
// seeded generator; a failure names the strategy, case number and seed, which reproduce it exactly.
//
// Properties:
// - parseCwmp either returns or throws CwmpRemoteError, never anything else;
// - every envelope it returns either serializes or makes serializeEnvelope throw CwmpLocalError;
// - what the serializer writes parses again and serializes to the same bytes (a fixed point);
// - no case takes more than HANG_MS (the only timing check: it catches hangs, not slowness).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CwmpLocalError, CwmpRemoteError, parseCwmp, serializeEnvelope } from "../../src/cwmp/index.js";
import type { CwmpMessage, ParseOptions } from "../../src/cwmp/index.js";
import { AcsSession, InformError } from "../../src/session/index.js";
import { generator, loadSeeds, mutators, type Rng } from "../support/cwmp-mutators.js";
import { runFuzzCases } from "../support/fuzz-cases.js";
import { messageFixtures } from "./fixtures.js";

const HANG_MS = 2000;

const preview = (input: Buffer) => input.toString("latin1").slice(0, 300).replace(/[^\x20-\x7e]/g, "?");

function optionsFor(rng: Rng): ParseOptions | undefined {
  if (!rng.chance(0.15)) return undefined;
  return rng.pick<ParseOptions>([
    { charset: "iso-8859-1" },
    { charset: "utf-16le" },
    { charset: "utf-8" },
    { limits: { maxDepth: 8 } },
    { limits: { maxElements: 50, maxAttributes: 3 } },
    { maxBytes: 1024 },
    { salvageFaults: true },
  ]);
}

/** Runs one case; returns a problem description, or undefined when every property holds. */
function check(input: Buffer, options: ParseOptions | undefined): string | undefined {
  let parsed;
  try {
    parsed = parseCwmp(input, options);
  } catch (e) {
    if (e instanceof CwmpRemoteError) {
      if (typeof e.code !== "string" || e.message.length === 0) return `CwmpRemoteError without code or message: ${String(e)}`;
      return undefined;
    }
    return `parseCwmp threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`;
  }
  if (!Array.isArray(parsed.envelopes) || !Array.isArray(parsed.warnings)) return "parseCwmp returned a malformed result";
  for (const env of parsed.envelopes) {
    let xml: string;
    try {
      xml = serializeEnvelope(env);
    } catch (e) {
      if (e instanceof CwmpLocalError) continue;
      return `serializeEnvelope threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)} for ${JSON.stringify(env).slice(0, 300)}`;
    }
    let again;
    try {
      again = parseCwmp(xml);
    } catch (e) {
      return `the serializer's own output does not parse: ${String(e)}\n    output: ${xml.slice(0, 400)}`;
    }
    if (again.envelopes.length !== 1) return `the serializer's output holds ${again.envelopes.length} envelopes`;
    let xml2: string;
    try {
      xml2 = serializeEnvelope(again.envelopes[0]!);
    } catch (e) {
      return `re-serializing the serializer's own output failed: ${String(e)}`;
    }
    if (xml2 !== xml) return `serialize(parse(serialize(env))) differs from serialize(env):\n    ${xml.slice(0, 300)}\n    ${xml2.slice(0, 300)}`;
  }
  return undefined;
}

const CASES_PER_STRATEGY = 1500;
const STACKED_CASES = 3000;

describe("fuzz: parse and serialize never fail untyped", () => {
  const seeds = loadSeeds();
  let total = 0;

  function run(strategy: string, cases: number, mutate: (rng: Rng, b: Buffer) => Buffer): void {
    const parsedOk = runFuzzCases({
      strategy,
      cases,
      seeds,
      hangMs: HANG_MS,
      mutate,
      preview,
      check: (input, _from, rng) => {
        const options = optionsFor(rng);
        const problem = check(input, options);
        if (problem !== undefined) return { problem, accepted: false };
        try {
          parseCwmp(input, options);
          return { accepted: true };
        } catch {
          return { accepted: false };
        }
      },
    });
    total += cases;
    // The mutations must leave some inputs parseable, or the serializer half would never be exercised.
    assert.ok(parsedOk > 0, `${strategy}: no mutated input parsed at all`);
  }

  it("has seeds for every corpus file and every fixture", () => {
    assert.ok(seeds.length >= 50 + messageFixtures.length, `only ${seeds.length} seeds`);
    assert.ok(seeds.some((s) => s.bytes.length === 0), "the empty POST is a seed too");
  });

  it("unmutated seeds hold the properties", () => {
    for (const s of seeds) {
      const problem = check(s.bytes, undefined);
      assert.equal(problem, undefined, `${s.name}: ${problem}`);
    }
  });

  for (const [strategy, mutate] of Object.entries(mutators)) {
    it(`${strategy} (${CASES_PER_STRATEGY} cases)`, () => run(strategy, CASES_PER_STRATEGY, (rng, b) => mutate(rng, b, seeds)));
  }

  it(`stacked mutations (${STACKED_CASES} cases)`, () => {
    const all = Object.values(mutators);
    run("stacked", STACKED_CASES, (rng, b) => {
      let out = b;
      const n = 2 + rng.int(5);
      for (let k = 0; k < n; k++) out = rng.pick(all)(rng, out, seeds);
      return out;
    });
  });

  it("ran at least 10,000 cases", () => {
    assert.ok(total >= 10_000, `only ${total} cases ran`);
  });
});

describe("fuzz: serial numbers of random bytes never give two devices one id (issue 12.10)", () => {
  const CASES = 3000;
  const inform = (serial: string) =>
    serializeEnvelope({
      ns: "1-0",
      header: {},
      body: { method: "Inform", deviceId: { manufacturer: "M", oui: "A1B2C3", productClass: "P", serialNumber: serial }, event: [], maxEnvelopes: 1, currentTime: "2026-01-01T00:00:00Z", retryCount: 0, parameterList: [] },
    });
  const [head, tail] = inform("@").split("@") as [string, string];
  // Letters, bytes that start or continue UTF-8 sequences, whole sequences, and U+FFFD as sent.
  const pieces = [[0x41], [0x7a], [0x30], [0x80], [0xbf], [0xc3], [0xe2], [0xf0], [0xff], [0xfe], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xef, 0xbf, 0xbd]];

  it(`${CASES} cases: an accepted serial number reads back to its bytes, and ids are one per serial number`, () => {
    const rng = generator(1210);
    const serialOf = new Map<string, string>();
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < CASES; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + rng.int(6) }, () => rng.pick(pieces)).flat());
      const charset = rng.chance(0.2) ? "iso-8859-1" : "utf-8";
      const r = parseCwmp(Buffer.concat([Buffer.from(head), bytes, Buffer.from(tail)]), { charset });
      const body = r.envelopes[0]!.body as Extract<CwmpMessage, { method: "Inform" }>;
      let id: string;
      try {
        id = AcsSession.deviceIdOf(body, { lossy: r.lossy === true });
      } catch (e) {
        assert.ok(e instanceof InformError && r.lossy === true, `case ${i}: ${String(e)}`);
        refused++;
        continue;
      }
      accepted++;
      const serial = body.deviceId.serialNumber;
      assert.ok(Buffer.from(serial, charset === "utf-8" ? "utf8" : "latin1").equals(bytes), `case ${i}: ${bytes.toString("hex")} read as ${JSON.stringify(serial)}`);
      const before = serialOf.get(id);
      assert.ok(before === undefined || before === serial, `case ${i}: ${JSON.stringify(before)} and ${JSON.stringify(serial)} both have the id ${id}`);
      serialOf.set(id, serial);
    }
    // Both outcomes must be exercised, or the property says nothing.
    assert.ok(accepted > 100 && refused > 100, `accepted ${accepted}, refused ${refused}`);
  });
});
