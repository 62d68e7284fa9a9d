// valuePatchJson (sql/tree.ts) writes, as text, the patch of a record that a reported value makes: the
// same members, in the same order, as the record encodeRecord encodes, with null for those it leaves out.
import assert from "node:assert/strict";
import { it } from "node:test";
import { emptyRecord, encodeRecord, valuePatchJson } from "../../src/store/sql/tree.js";

/** The patch as built from encodeRecord's object (what valuePatchJson replaced). */
function fromRecord(value: string | null, type: string | null, at: number): string {
  const e = encodeRecord({ ...emptyRecord(), value, type, valueAt: at, namesAt: at }, { valuesAt: null, namesAt: null, attributesAt: null });
  return JSON.stringify({ v: e.v ?? null, "#": e["#"] ?? null, "@": e["@"] ?? null, t: e.t ?? null, tv: e.tv, tn: e.tn });
}

const VALUES = [
  null, "", "0", "7", "-12", "123456789012345", "1234567890123456", "007", "-0", "1.5", "-0.25", "1e5", " 12", "12 ",
  "0x1F", "true", "false", "2024-02-29T12:34:56Z", "2024-02-29T12:34:56.123+01:00", "0001-01-01T00:00:00Z", "12:30",
  "a \"quoted\" \\ value\n", "ünïcødé ✓", "\u0000\u001f", "Infinity", "NaN", "http://acs.example:7547/cwmp",
];
const TYPES = [null, "xsd:string", "xsd:unsignedInt", "xsd:boolean", "xsd:dateTime", "cwmp:vendorType"];

it("writes what the record's object would, for every kind of value and type", () => {
  for (const value of VALUES) {
    for (const type of TYPES) {
      for (const at of [0, 1_796_680_261_517]) {
        assert.equal(valuePatchJson(value, type, at), fromRecord(value, type, at), `value ${JSON.stringify(value)}, type ${type}, at ${at}`);
      }
    }
  }
});

it("is JSON a patch can apply: a text that became an integer loses its text", () => {
  const patch = JSON.parse(valuePatchJson("42", "xsd:int", 5)) as Record<string, unknown>;
  assert.deepEqual(patch, { v: null, "#": 42, "@": null, t: "int", tv: 5, tn: 5 });
});
