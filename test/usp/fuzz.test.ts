// Deterministic mutation fuzzing of the USP codec, as test/cwmp/fuzz.test.ts does for CWMP.
//
// Seeds: every Msg and Record fixture, encoded, and Msgs inside NoSessionContext Records. Each case
// mutates one seed with a seeded generator; a failure names the strategy, case number and seed.
//
// Properties:
// - decodeMsg and decodeRecord either return or throw UspRemoteError with a USP error code, never
//   anything else;
// - what they return encodes again without error and decodes to the same thing (a fixed point);
// - a decoded Session Context Record never makes the state machine throw;
// - no case takes more than HANG_MS (the only timing check: it catches hangs, not slowness), and the
//   heap does not grow with the number of cases.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeMsg, decodeRecord, encodeMsg, encodeRecord, noSessionContextRecord, SessionContext, UspRemoteError, isUspErrorCode } from "../../src/usp/index.js";
import type { Rng } from "../support/cwmp-mutators.js";
import { runFuzzCases, type FuzzOutcome } from "../support/fuzz-cases.js";
import { msgFixtures, notifyFixtures, recordFixtures } from "./fixtures.js";

const HANG_MS = 2000;
const CASES_PER_STRATEGY = 1500;
const STACKED_CASES = 3000;

interface Seed {
  name: string;
  kind: "msg" | "record";
  bytes: Uint8Array;
}

const seeds: Seed[] = [
  ...msgFixtures.map((f) => ({ name: `msg:${f.kind}`, kind: "msg" as const, bytes: encodeMsg(f.msg) })),
  ...notifyFixtures.map((m) => ({ name: `msg:${m.header.msgId}`, kind: "msg" as const, bytes: encodeMsg(m) })),
  ...recordFixtures.map((f) => ({ name: `record:${f.name}`, kind: "record" as const, bytes: encodeRecord(f.record) })),
  ...msgFixtures.slice(0, 6).map((f) => ({ name: `record+msg:${f.kind}`, kind: "record" as const, bytes: encodeRecord(noSessionContextRecord("proto::c", "os::a-b", encodeMsg(f.msg))) })),
];

type Mutator = (rng: Rng, b: Uint8Array) => Uint8Array;

const randomBytes = (rng: Rng, n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** Varints that break readers: 10-byte ones, ones that never end, lengths far past the end. */
const VARINTS = [[0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], [0x7f], [0x00]].map((v) => Uint8Array.from(v));

const mutators: Record<string, Mutator> = {
  flipBit: (rng, b) => {
    const out = Uint8Array.from(b);
    if (out.length > 0) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  },
  setByte: (rng, b) => {
    const out = Uint8Array.from(b);
    if (out.length > 0) out[rng.int(out.length)] = rng.pick([0, 0x7f, 0x80, 0xff, rng.int(256)]);
    return out;
  },
  truncate: (rng, b) => b.slice(0, rng.int(b.length + 1)),
  insertBytes: (rng, b) => {
    const at = rng.int(b.length + 1);
    return cat(b.subarray(0, at), randomBytes(rng, 1 + rng.int(8)), b.subarray(at));
  },
  deleteSlice: (rng, b) => {
    const at = rng.int(b.length + 1);
    return cat(b.subarray(0, at), b.subarray(at + 1 + rng.int(8)));
  },
  duplicateSlice: (rng, b) => {
    const at = rng.int(b.length + 1);
    const len = 1 + rng.int(16);
    return cat(b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len));
  },
  splice: (rng, b) => {
    const other = rng.pick(seeds).bytes;
    const at = rng.int(b.length + 1);
    const from = rng.int(other.length + 1);
    return cat(b.subarray(0, at), other.subarray(from, from + 1 + rng.int(32)), b.subarray(at));
  },
  badVarint: (rng, b) => {
    const at = rng.int(b.length + 1);
    return cat(b.subarray(0, at), rng.pick(VARINTS), b.subarray(at));
  },
  randomField: (rng, b) => {
    // A tag for a field number and wire type of our choosing, groups (3, 4) and reserved types (6, 7) included.
    const tag = ((1 + rng.int(20)) << 3) | rng.int(8);
    const at = rng.int(b.length + 1);
    return cat(b.subarray(0, at), Uint8Array.from([tag]), randomBytes(rng, rng.int(6)), b.subarray(at));
  },
  nestedGroups: (rng, b) => cat(b, Uint8Array.from({ length: 2 + rng.int(4000) }, () => 0x0b)), // field 1, start group, again and again
};

const preview = (input: Uint8Array) => Buffer.from(input.subarray(0, 120)).toString("hex");

function untyped(what: string, e: unknown): string | undefined {
  if (e instanceof UspRemoteError) {
    if (typeof e.code !== "string" || e.message.length === 0 || !isUspErrorCode(e.uspErrCode)) return `${what}: UspRemoteError without code, message or USP error code: ${String(e)}`;
    return undefined;
  }
  return `${what} threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`;
}

/** Runs one case; returns a problem description, or undefined when every property holds. */
function check(seed: Seed, input: Uint8Array): FuzzOutcome {
  if (seed.kind === "msg") {
    let msg;
    try {
      msg = decodeMsg(input);
    } catch (e) {
      return { problem: untyped("decodeMsg", e), accepted: false };
    }
    try {
      const again = encodeMsg(msg);
      assert.deepEqual(decodeMsg(again), msg);
    } catch (e) {
      return { problem: `a decoded Msg does not survive encode and decode: ${String(e)}\n    ${JSON.stringify(msg).slice(0, 300)}`, accepted: true };
    }
    return { accepted: true };
  }
  let record;
  try {
    record = decodeRecord(input);
  } catch (e) {
    return { problem: untyped("decodeRecord", e), accepted: false };
  }
  try {
    assert.deepEqual(decodeRecord(encodeRecord(record)), record);
  } catch (e) {
    return { problem: `a decoded Record does not survive encode and decode: ${String(e)}`, accepted: true };
  }
  if (record.recordType === "noSessionContext") {
    try {
      decodeMsg(record.noSessionContext.payload);
    } catch (e) {
      const p = untyped("decodeMsg of a Record's payload", e);
      if (p) return { problem: p, accepted: true };
    }
  }
  if (record.recordType === "sessionContext") {
    try {
      const ctx = new SessionContext({ sessionId: 1n, maxPayloadBytes: 1 << 16 });
      ctx.receive(record.sessionContext);
      ctx.receive(record.sessionContext);
    } catch (e) {
      return { problem: `SessionContext.receive threw ${String(e)}`, accepted: true };
    }
  }
  return { accepted: true };
}

describe("fuzz: USP decoding never fails untyped", () => {
  let total = 0;
  const heapBefore = process.memoryUsage().heapUsed;

  function run(strategy: string, cases: number, mutate: (rng: Rng, b: Uint8Array) => Uint8Array): void {
    const decodedOk = runFuzzCases({ strategy, cases, seeds, hangMs: HANG_MS, mutate, preview, check: (input, from) => check(from, input) });
    total += cases;
    // Some mutated inputs must still decode, or the re-encoding half would never be exercised.
    if (strategy !== "nestedGroups" && strategy !== "truncate") assert.ok(decodedOk > 0, `${strategy}: no mutated input decoded at all`);
  }

  it("unmutated seeds hold the properties", () => {
    for (const s of seeds) assert.deepEqual(check(s, s.bytes), { accepted: true }, s.name);
  });

  for (const [strategy, mutate] of Object.entries(mutators)) {
    it(`${strategy} (${CASES_PER_STRATEGY} cases)`, () => run(strategy, CASES_PER_STRATEGY, mutate));
  }

  it(`stacked mutations (${STACKED_CASES} cases)`, () => {
    const all = Object.values(mutators);
    run("stacked", STACKED_CASES, (rng, b) => {
      let out = b;
      const n = 2 + rng.int(5);
      for (let k = 0; k < n; k++) out = rng.pick(all)(rng, out);
      return out;
    });
  });

  it("ran at least 15,000 cases, and the heap did not grow with them", () => {
    assert.ok(total >= 15_000, `only ${total} cases ran`);
    global.gc?.();
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    assert.ok(grownMb < 200, `the heap grew by ${grownMb.toFixed(0)} MB`);
  });
});

describe("fuzz: lengths past the end allocate nothing", () => {
  it("a field that claims gigabytes is refused as malformed, at once", () => {
    // Msg.header, length 2^31-1, then three bytes.
    const bomb = Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 1, 2, 3]);
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 1000; i++) {
      assert.throws(() => decodeMsg(bomb), (e: unknown) => e instanceof UspRemoteError && e.code === "MALFORMED");
      assert.throws(() => decodeRecord(bomb), (e: unknown) => e instanceof UspRemoteError && e.code === "MALFORMED");
    }
    assert.ok(process.memoryUsage().arrayBuffers - before < 50e6);
  });
});
