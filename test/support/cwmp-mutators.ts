// The codec-level mutators of the fuzz tests, shared with the HTTP fuzz run (benchmarks/fuzz-http.ts):
// a seeded generator, the seeds (corpus and fixtures) and the strategies that damage them.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { serializeEnvelope } from "../../src/cwmp/index.js";
import { envelopeOf, messageFixtures } from "../cwmp/fixtures.js";
import { corpusDir } from "./paths.js";

/** A 32-bit generator: a Weyl sequence through a murmur3-style finalizer. Deterministic per seed. */
export function generator(seed: number) {
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
export type Rng = ReturnType<typeof generator>;

/** One seed per fuzz case, derived from the strategy name and the index, so any case can be replayed alone. */
export function caseSeed(strategy: string, index: number): number {
  let seed = index + 1;
  for (let k = 0; k < strategy.length; k++) seed = Math.imul(seed ^ strategy.charCodeAt(k), 0x01000193) >>> 0;
  return seed;
}

export interface Seed {
  name: string;
  bytes: Buffer;
}

export function loadSeeds(): Seed[] {
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
export const TOKENS: readonly Buffer[] = [
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
export function position(rng: Rng, b: Buffer, nearMarkup = 0.6): number {
  if (b.length === 0) return 0;
  if (rng.chance(nearMarkup)) {
    const start = rng.int(b.length);
    const lt = b.indexOf(rng.chance(0.5) ? 0x3c : 0x3e, start);
    if (lt !== -1) return lt + rng.int(2);
  }
  return rng.int(b.length + 1);
}

export type Mutator = (rng: Rng, b: Buffer, seeds: readonly Seed[]) => Buffer;

export const mutators: Record<string, Mutator> = {
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
