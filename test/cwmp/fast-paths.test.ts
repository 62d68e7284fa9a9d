// The fast readers must change speed, never results: the same bytes parsed with and without them give
// the same envelopes and warnings, or the same error. Checked on the corpus, on every fixture in every
// namespace, on hand-made edge cases aimed at the fast path's borders, and on seeded mutations near the
// ParameterValueStruct lists it reads.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CwmpRemoteError, parseCwmp, serializeEnvelope, type ParseOptions } from "../../src/cwmp/index.js";
import { fastParameterList } from "../../src/cwmp/methods/fast-parameter-list.js";
import { defaultXmlLimits, scanXml, type XmlElement } from "../../src/cwmp/xml/scanner.js";
import { corpusDir } from "../support/paths.js";
import { envelopeOf, messageFixtures, namespacesFrom } from "./fixtures.js";

function outcome(bytes: Buffer | string, fastPaths: boolean, options: ParseOptions = {}): unknown {
  try {
    return { ok: parseCwmp(bytes, { ...options, fastPaths }) };
  } catch (err) {
    if (err instanceof CwmpRemoteError) return { error: err.code, message: err.message };
    throw err;
  }
}

function assertSame(name: string, bytes: Buffer | string, options: ParseOptions = {}): void {
  assert.deepEqual(outcome(bytes, true, options), outcome(bytes, false, options), `fast and general parsing differ on ${name}`);
}

const ENV = (list: string, extraNs = "") =>
  `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"${extraNs}><soap:Body><cwmp:GetParameterValuesResponse>${list}</cwmp:GetParameterValuesResponse></soap:Body></soap:Envelope>`;
const PVS = (name: string, value: string) => `<ParameterValueStruct><Name>${name}</Name>${value}</ParameterValueStruct>`;

const edgeCases: Record<string, string> = {
  canonical: ENV(`<ParameterList>${PVS("A.B", '<Value xsi:type="xsd:int">5</Value>')}</ParameterList>`),
  whitespace: ENV(`<ParameterList>\n  <ParameterValueStruct>\r\n\t<Name>A.B</Name>\n<Value  xsi:type = 'xsd:string' >x y</Value >\n</ParameterValueStruct >\n</ParameterList >`),
  empty: ENV(`<ParameterList></ParameterList>`),
  selfClosingValue: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:string"/>')}${PVS("B", "<Value/>")}</ParameterList>`),
  untyped: ENV(`<ParameterList>${PVS("A", "<Value>1</Value>")}</ParameterList>`),
  entities: ENV(`<ParameterList>${PVS("A&amp;B", '<Value xsi:type="xsd:string">&lt;&#65;&#x42;&quot;&apos;&gt;</Value>')}</ParameterList>`),
  bareAmpersand: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:string">a & b</Value>')}</ParameterList>`),
  undefinedEntity: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:string">&nbsp;</Value>')}</ParameterList>`),
  forbiddenCharRef: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:string">&#1;</Value>')}</ParameterList>`),
  cdata: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:string"><![CDATA[<x>]]></Value>')}</ParameterList>`),
  comment: ENV(`<ParameterList><!-- c -->${PVS("A", '<Value xsi:type="xsd:string">x</Value>')}</ParameterList>`),
  prefixedStruct: ENV(`<ParameterList><cwmp:ParameterValueStruct><Name>A</Name><Value>x</Value></cwmp:ParameterValueStruct></ParameterList>`),
  otherStructs: ENV(`<ParameterList><ParameterInfoStruct><Name>A</Name><Writable>1</Writable></ParameterInfoStruct></ParameterList>`),
  unboundXsi: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:int">5</Value>')}</ParameterList>`).replace(' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"', ""),
  otherPrefixForXsi: ENV(`<ParameterList>${PVS("A", '<Value i:type="xsd:int">5</Value>')}</ParameterList>`, ' xmlns:i="http://www.w3.org/2001/XMLSchema-instance"'),
  foreignTypeAttribute: ENV(`<ParameterList>${PVS("A", '<Value f:type="xsd:int">5</Value>')}</ParameterList>`, ' xmlns:f="urn:other"'),
  typeIn1999Schema: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="x:unsignedInt">5</Value>')}</ParameterList>`, ' xmlns:x="http://www.w3.org/1999/XMLSchema"'),
  unboundTypePrefix: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="zz:int">5</Value>')}</ParameterList>`),
  twoAttributes: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:int" id="1">5</Value>')}</ParameterList>`),
  missingValue: ENV(`<ParameterList><ParameterValueStruct><Name>A</Name></ParameterValueStruct></ParameterList>`),
  mismatchedEnd: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:int">5</Value>')}</ParameterLis>`),
  unclosedList: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:int">5</Value>')}`),
  listWithNamespace: ENV(`<ParameterList xmlns:q="http://www.w3.org/2001/XMLSchema-instance">${PVS("A", '<Value q:type="xsd:int">5</Value>')}</ParameterList>`),
  junkText: ENV(`<ParameterList>junk${PVS("A", '<Value xsi:type="xsd:int">5</Value>')}</ParameterList>`),
  invalidInt: ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:int">five</Value>')}</ParameterList>`),
};

describe("fast readers", () => {
  it("give the general results on every corpus file", () => {
    for (const f of readdirSync(corpusDir).filter((n) => n.endsWith(".xml"))) assertSame(f, readFileSync(join(corpusDir, f)));
    for (const f of readdirSync(join(corpusDir, "mangled")).filter((n) => n.endsWith(".xml"))) assertSame(f, readFileSync(join(corpusDir, "mangled", f)));
  });

  it("give the general results on every fixture in every namespace", () => {
    for (const f of messageFixtures) {
      for (const ns of namespacesFrom(f.since)) assertSame(`${f.name} in ${ns}`, serializeEnvelope(envelopeOf(f, ns)));
    }
  });

  it("are taken on canonical lists and step aside on the rest", () => {
    const listOf = (xml: string): XmlElement => {
      const { roots } = scanXml(xml, defaultXmlLimits, { fast: new Map([["ParameterList", fastParameterList]]) });
      const find = (e: XmlElement): XmlElement | undefined => (e.local === "ParameterList" ? e : e.children.map(find).find((x) => x !== undefined));
      return find(roots[0]!)!;
    };
    for (const name of ["canonical", "whitespace", "empty", "selfClosingValue", "untyped", "entities", "otherPrefixForXsi", "typeIn1999Schema", "listWithNamespace"]) {
      assert.ok(listOf(edgeCases[name]!).fast !== undefined, `${name} should take the fast path`);
    }
    for (const name of ["bareAmpersand", "cdata", "comment", "prefixedStruct", "otherStructs", "foreignTypeAttribute", "twoAttributes", "missingValue", "junkText"]) {
      const el = listOf(edgeCases[name]!);
      assert.equal(el.fast, undefined, `${name} should fall back`);
      assert.ok(el.children.length > 0, `${name} is read the general way`);
    }
  });

  it("give the general results at their borders", () => {
    for (const [name, xml] of Object.entries(edgeCases)) assertSame(name, xml);
    // the fast path is really taken on the canonical case, and gives the values
    const r = parseCwmp(edgeCases.canonical!).envelopes[0]!.body as { parameterList: unknown };
    assert.deepEqual(r.parameterList, [{ name: "A.B", value: { type: "xsd:int", text: "5" } }]);
  });

  it("give the general results near the limits", () => {
    const many = ENV(`<ParameterList>${PVS("A", '<Value xsi:type="xsd:int">5</Value>').repeat(50)}</ParameterList>`);
    for (const maxElements of [100, 150, 155, 156, 157, 160, 1000]) assertSame(`maxElements ${maxElements}`, many, { limits: { maxElements } });
    for (const maxDepth of [4, 5, 6, 7, 8]) assertSame(`maxDepth ${maxDepth}`, many, { limits: { maxDepth } });
  });

  it("give the general results on 4,000 seeded mutations of parameter lists", () => {
    const seeds = [
      ...readdirSync(corpusDir).filter((n) => n.endsWith(".xml")).map((f) => readFileSync(join(corpusDir, f), "latin1")),
      ...Object.values(edgeCases),
    ].filter((s) => s.includes("ParameterValueStruct"));
    const tokens = ["<", ">", "&", "&amp;", "&#0;", "/>", "</Value>", "<Value>", "<Name>", " ", "\n", "'", '"', "xsi:type=", ":", "<!--x-->", "]]>", "\u00a0", "é", "</ParameterValueStruct>"];
    let state = 20261121;
    const rand = (n: number) => {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
      return state % n;
    };
    for (let k = 0; k < 4000; k++) {
      const seed = seeds[rand(seeds.length)]!;
      // mutate inside the first ParameterList, where the fast reader works
      const from = Math.max(0, seed.indexOf("<ParameterValueStruct"));
      const at = from + rand(Math.max(1, seed.length - from));
      const kind = rand(3);
      const mutated =
        kind === 0
          ? seed.slice(0, at) + tokens[rand(tokens.length)] + seed.slice(at)
          : kind === 1
            ? seed.slice(0, at) + seed.slice(at + 1 + rand(8))
            : seed.slice(0, at) + String.fromCharCode(rand(128)) + seed.slice(at + 1);
      assertSame(`mutation ${k}`, mutated);
    }
  });
});
