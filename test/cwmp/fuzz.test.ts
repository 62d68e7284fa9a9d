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
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CwmpLocalError, CwmpRemoteError, parseCwmp, serializeEnvelope } from "../../src/cwmp/index.js";
import type { CwmpMessage, ParseOptions } from "../../src/cwmp/index.js";
import { AcsSession, InformError } from "../../src/session/index.js";
import { corpusDir } from "../support/paths.js";
import { envelopeOf, messageFixtures } from "./fixtures.js";

const HANG_MS = 2000;

/** A 32-bit generator: a Weyl sequence through a murmur3-style finalizer. Deterministic per seed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return {
    /** Integer in [0, n). */
    int: (n: number): number => (n <= 0 ? 0 : next() % n),
    pick: <T>(list: readonly T[]): T => list[next() % list.length]!,
    chance: (p: number): boolean => next() / 4294967296 < p,
  };
}
type Rng = ReturnType<typeof generator>;

interface Seed {
  name: string;
  bytes: Buffer;
}

function loadSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const f of readdirSync(corpusDir).filter((f) => f.endsWith(".xml")).sort()) {
    seeds.push({ name: f, bytes: readFileSync(join(corpusDir, f)) });
  }
  const mangled = join(corpusDir, "mangled");
  for (const f of readdirSync(mangled).filter((f) => f.endsWith(".xml")).sort()) {
    seeds.push({ name: `mangled/${f}`, bytes: readFileSync(join(mangled, f)) });
  }
  for (const f of messageFixtures) {
    seeds.push({ name: `fixture:${f.name}`, bytes: Buffer.from(serializeEnvelope(envelopeOf(f, f.since))) });
  }
  return seeds;
}

const te = (s: string) => Buffer.from(s, "utf8");

/** What tends to break XML parsers, as bytes. */
const TOKENS: readonly Buffer[] = [
  te("<"),
  te(">"),
  te("/>"),
  te("</"),
  te("&"),
  te("&amp;"),
  te("&#0;"),
  te("&#x110000;"),
  te("&#xD800;"),
  te("&#65;"),
  te("&lol;"),
  te("&#"),
  te("<!DOCTYPE x [<!ENTITY a 'b'>]>"),
  te("<!ENTITY a 'b'>"),
  te("<![CDATA["),
  te("]]>"),
  te("<!--"),
  te("-->"),
  te("<?"),
  te("?>"),
  te('<?xml version="1.0" encoding="UTF-16"?>'),
  te('<?xml version="1.0" encoding="x-unknown"?>'),
  te('<?xml version="1.0" encoding="ISO-8859-1"?>'),
  te('"'),
  te("'"),
  te("="),
  te(" "),
  te("\r\n"),
  te("\t"),
  te(":"),
  te("xmlns:x="),
  te('xmlns:x="urn:x"'),
  te('xmlns=""'),
  te('xmlns="urn:example"'),
  te('xmlns:cwmp="urn:dslforum-org:cwmp-1-9"'),
  te('xmlns:cwmp="urn:dslforum-org:cwmp-1-4"'),
  te('xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"'),
  te('xsi:type="xsd:int"'),
  te('xsi:type="xsd:dateTime"'),
  te('xsi:type="x:y:z"'),
  te(' soapenc:arrayType="cwmp:ParameterValueStruct[99999999999]"'),
  te("<a>".repeat(80)),
  te("</a>".repeat(80)),
  te("<x:a>"),
  te("99999999999999999999999999999999"),
  te("-1"),
  te("4294967296"),
  te("1e999"),
  te("NaN"),
  te("0000-00-00T00:00:00"),
  te("<soapenv:Body>"),
  te("</soapenv:Body>"),
  te("<soapenv:Header>"),
  te('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'),
  te("</soapenv:Envelope>"),
  te("<cwmp:Inform>"),
  te("<cwmp:Fault>"),
  te("<cwmp:ChangeDUState>"),
  te("<Operations>"),
  te("<ParameterValueStruct>"),
  te("<detail>"),
  te("<cwmp:NoMoreRequests>1</cwmp:NoMoreRequests>"),
  te("<cwmp:SessionTimeout>99999999999</cwmp:SessionTimeout>"),
  te("\u0000"),
  te("\u0001"),
  te("\uFFFE"),
  te("é中😀"),
  Buffer.from([0xff]),
  Buffer.from([0xfe, 0xff]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from([0xc3]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0xc0, 0xbc]),
  Buffer.from([0x80]),
];

/** A position in `b` that is more often than not next to markup, where mutations do most damage. */
function position(rng: Rng, b: Buffer, nearMarkup = 0.6): number {
  if (b.length === 0) return 0;
  if (rng.chance(nearMarkup)) {
    const start = rng.int(b.length);
    const lt = b.indexOf(rng.chance(0.5) ? 0x3c : 0x3e, start);
    if (lt !== -1) return lt + rng.int(2);
  }
  return rng.int(b.length + 1);
}

type Mutator = (rng: Rng, b: Buffer, seeds: readonly Seed[]) => Buffer;

const mutators: Record<string, Mutator> = {
  "byte flip": (rng, b) => {
    if (b.length === 0) return Buffer.from([rng.int(256)]);
    const out = Buffer.from(b);
    const n = 1 + rng.int(4);
    for (let k = 0; k < n; k++) {
      const at = position(rng, out, 0.3) % out.length;
      out[at] = rng.chance(0.5) ? out[at]! ^ (1 << rng.int(8)) : rng.int(256);
    }
    return out;
  },
  deletion: (rng, b) => {
    const at = position(rng, b);
    const len = 1 + rng.int(rng.chance(0.8) ? 16 : 512);
    return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))]);
  },
  "token insertion": (rng, b) => {
    let out = b;
    const n = 1 + rng.int(3);
    for (let k = 0; k < n; k++) {
      const at = position(rng, out);
      out = Buffer.concat([out.subarray(0, at), rng.pick(TOKENS), out.subarray(at)]);
    }
    return out;
  },
  "token replacement": (rng, b) => {
    const at = position(rng, b);
    const len = rng.int(24);
    return Buffer.concat([b.subarray(0, at), rng.pick(TOKENS), b.subarray(Math.min(b.length, at + len))]);
  },
  truncation: (rng, b) => b.subarray(0, rng.int(b.length + 1)),
  duplication: (rng, b) => {
    if (b.length === 0) return b;
    const start = rng.int(b.length);
    const end = Math.min(b.length, start + 1 + rng.int(rng.chance(0.7) ? 64 : 4096));
    const piece = b.subarray(start, end);
    const times = 1 + rng.int(rng.chance(0.9) ? 2 : 50);
    const at = rng.chance(0.5) ? end : position(rng, b);
    return Buffer.concat([b.subarray(0, at), ...Array.from({ length: times }, () => piece), b.subarray(at)]);
  },
  splicing: (rng, b, seeds) => {
    const other = rng.pick(seeds).bytes;
    const cutA = position(rng, b);
    const cutB = position(rng, other);
    return rng.chance(0.8)
      ? Buffer.concat([b.subarray(0, cutA), other.subarray(cutB)])
      : Buffer.concat([b, rng.chance(0.5) ? te("\n") : Buffer.alloc(0), other]); // several envelopes in one body
  },
  "number swap": (rng, b) => {
    // Replace a run of digits with an extreme or malformed number.
    const text = b.toString("latin1");
    const runs = [...text.matchAll(/\d+/g)];
    if (runs.length === 0) return b;
    const m = rng.pick(runs);
    const replacement = rng.pick(["0", "-0", "-1", "+1", "4294967295", "4294967296", "18446744073709551616", "9".repeat(400), "1.5", "1e3", "", " 7 ", "٣"]);
    return Buffer.concat([b.subarray(0, m.index), te(replacement), b.subarray(m.index + m[0].length)]);
  },
  "tag rename": (rng, b) => {
    // Rename every occurrence of one element name (start and end tags alike, so the XML stays well
    // formed) to another name that exists somewhere in CWMP: the right syntax in the wrong place.
    const text = b.toString("latin1");
    const tags = [...text.matchAll(/<\/?([A-Za-z_][\w.:-]*)/g)];
    if (tags.length === 0) return b;
    const old = rng.pick(tags)[1]!;
    const name = rng.pick(["Inform", "cwmp:Inform", "cwmp:Download", "cwmp:ChangeDUState", "cwmp:Fault", "Envelope", "Body", "Header", "Value", "Name", "Fault", "detail",
      "ParameterList", "ParameterValueStruct", "string", "Results", "Operations", "EventStruct", "FaultCode", "Status", "InstanceNumber", "soapenv:Fault",
      "cwmp:GetRPCMethodsResponse", "cwmp:SetParameterValuesFault", "x", "cwmp:Unknown", "cwmp:ID", "cwmp:SessionTimeout", "cwmp:HoldRequests"]);
    const escaped = old.replace(/[.]/g, "\\.");
    return Buffer.from(text.replace(new RegExp(`(</?)${escaped}(?=[\\s/>])`, "g"), `$1${name}`), "latin1");
  },
};

interface Failure {
  strategy: string;
  index: number;
  seed: number;
  from: string;
  problem: string;
  input: Buffer;
}

function describeFailure(f: Failure): string {
  const preview = f.input.toString("latin1").slice(0, 300).replace(/[^\x20-\x7e]/g, "?");
  return `[${f.strategy} #${f.index}, seed ${f.seed}, from ${f.from}] ${f.problem}\n    input (${f.input.length} bytes): ${preview}`;
}

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
    const failures: Failure[] = [];
    let parsedOk = 0;
    for (let index = 0; index < cases; index++) {
      // One seed per case, derived from the strategy name and the index, so any case can be replayed alone.
      let seed = index + 1;
      for (let k = 0; k < strategy.length; k++) seed = Math.imul(seed ^ strategy.charCodeAt(k), 0x01000193) >>> 0;
      const rng = generator(seed);
      const from = rng.pick(seeds);
      const input = mutate(rng, from.bytes);
      const options = optionsFor(rng);
      const started = performance.now();
      const problem = check(input, options);
      const took = performance.now() - started;
      if (problem === undefined) {
        try {
          parseCwmp(input, options);
          parsedOk++;
        } catch {
          // counted only for the sanity check below
        }
      }
      if (problem !== undefined) failures.push({ strategy, index, seed, from: from.name, problem, input });
      else if (took > HANG_MS) failures.push({ strategy, index, seed, from: from.name, problem: `took ${Math.round(took)} ms (hang guard ${HANG_MS} ms)`, input });
      if (failures.length >= 5) break;
    }
    total += cases;
    if (failures.length > 0) assert.fail(`${failures.length} failing case(s):\n${failures.map(describeFailure).join("\n")}`);
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
