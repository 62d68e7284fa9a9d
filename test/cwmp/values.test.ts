// Typed parameter values: lexical checks for every xsd type, date-times as devices send them,
// conversion to and from JavaScript values, and tolerance of the xsi:type spellings seen in the wild.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkXsd, formatDateTime, fromJs, parseCwmp, parseDateTime, serializeEnvelope, toJs, UNKNOWN_TIME, xsdTypes, xsdValue } from "../../src/cwmp/index.js";
import type { CwmpMessage, JsValue, XsdType, XsdValue } from "../../src/cwmp/index.js";
import { resolveXsiType } from "../../src/cwmp/values.js";

const XSD = "http://www.w3.org/2001/XMLSchema";
const XSD_1999 = "http://www.w3.org/1999/XMLSchema";
const SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/";

const valid: Record<XsdType, string[]> = {
  "xsd:string": ["", "anything", " spaced ", "0000-00-00T00:00:00", "\u0001 is not our business here", "é 中文 😀"],
  "xsd:int": ["0", "-0", "+0", "1", "-1", "007", "+2147483647", "2147483647", "-2147483648", " 42 ", "\t-7\n"],
  "xsd:unsignedInt": ["0", "+0", "1", "4294967295", "0004294967295", " 5 "],
  "xsd:long": ["0", "-9223372036854775808", "9223372036854775807", "+9223372036854775807", "00000000000000000009223372036854775807", "4294967296"],
  "xsd:unsignedLong": ["0", "18446744073709551615", "+18446744073709551615", "9223372036854775808"],
  "xsd:boolean": ["true", "false", "1", "0", " true ", "\n0\n"],
  "xsd:dateTime": [
    "2024-02-29T23:59:59Z",
    "2015-01-19T23:08:24",
    "2015-10-05T02:23:01.337Z",
    "1969-12-31T16:00:00.000000+00:00",
    "2018-04-01T19:45:02-04:00",
    "2016-01-31T13:28:09+01:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00",
    "1970-01-01T00:00:00Z",
    "2000-02-29T12:00:00Z",
    "2024-01-01T24:00:00Z",
    "2019-01-01T00:00:00+14:00",
    "2019-01-01T00:00:00-14:00",
    "12345-01-01T00:00:00Z",
    "-0044-03-15T12:00:00Z",
    " 2015-01-19T23:08:24Z ",
  ],
  "xsd:base64": ["", "QQ==", "QUI=", "QUJD", "SGVsbG8sIFdvcmxkIQ==", "SGVs bG8s\nIFdv cmxk IQ==", "+/+/"],
  "xsd:hexBinary": ["", "00", "deadBEEF", "0123456789abcdefABCDEF"],
  "xsd:decimal": ["0", "-0", "+1.5", ".5", "1.", "-123.4500", "123456789012345678901234567890.123456789"],
};

const invalid: Record<Exclude<XsdType, "xsd:string">, string[]> = {
  "xsd:int": ["", " ", "abc", "1.0", "1e3", "0x10", "- 1", "2147483648", "-2147483649", "99999999999999999999", "1,000", "٣"],
  "xsd:unsignedInt": ["", "-1", "4294967296", "1.5", "abc", "18446744073709551615"],
  "xsd:long": ["", "9223372036854775808", "-9223372036854775809", "1.0", "0x7f"],
  "xsd:unsignedLong": ["", "-1", "18446744073709551616", "1e19"],
  "xsd:boolean": ["", "TRUE", "True", "yes", "no", "2", "-1", "on", "30"],
  "xsd:dateTime": [
    "",
    "0000-00-00T00:00:00",
    "2019-03-05T11:54::14",
    "2019-03-05",
    "2019-03-05 11:54:14",
    "2019-03-05T11:54",
    "2019-13-01T00:00:00Z",
    "2019-00-10T00:00:00Z",
    "2019-01-32T00:00:00Z",
    "2019-02-29T00:00:00Z",
    "1900-02-29T00:00:00Z",
    "2019-02-30T00:00:00Z",
    "2019-04-31T00:00:00Z",
    "2019-01-01T25:00:00Z",
    "2024-01-01T24:30:00Z",
    "2024-01-01T24:00:01Z",
    "2019-01-01T23:60:00Z",
    "2019-01-01T23:59:61Z",
    "2019-01-01T00:00:00.Z",
    "2019-01-01T00:00:00+0100",
    "2019-01-01T00:00:00+15:00",
    "2019-01-01T00:00:00+14:30",
    "2019-01-01T00:00:00-00:60",
    "2019-01-01T00:00:00z",
    "19-01-01T00:00:00Z",
  ],
  "xsd:base64": ["A", "QQ", "QQ=", "Q===", "QUJD!", "QU=I"],
  "xsd:hexBinary": ["0", "ABC", "0g", "0x00", "de ad"],
  "xsd:decimal": ["", ".", "+", "1e5", "1.2.3", "NaN", "Infinity", "1,5"],
};

describe("checkXsd", () => {
  it("covers every type", () => {
    assert.deepEqual(Object.keys(valid).sort(), [...xsdTypes].sort());
    assert.deepEqual(Object.keys(invalid).sort(), xsdTypes.filter((t) => t !== "xsd:string").sort());
  });

  for (const type of xsdTypes) {
    it(`${type}: valid values`, () => {
      for (const text of valid[type]) assert.equal(checkXsd(type, text), undefined, `${JSON.stringify(text)} should be a valid ${type}`);
    });
    if (type === "xsd:string") continue;
    it(`${type}: invalid values, with a reason naming the type`, () => {
      for (const text of invalid[type]) {
        const why = checkXsd(type, text);
        assert.ok(why !== undefined, `${JSON.stringify(text)} should not be a valid ${type}`);
        assert.ok(why.includes(type.slice(4)), why);
      }
    });
  }

  it("ranges are exact at both ends, also where doubles lose precision", () => {
    assert.equal(checkXsd("xsd:long", "9223372036854775807"), undefined);
    assert.notEqual(checkXsd("xsd:long", "9223372036854775808"), undefined); // same double as ...807
    assert.equal(checkXsd("xsd:unsignedLong", "18446744073709551615"), undefined);
    assert.notEqual(checkXsd("xsd:unsignedLong", "18446744073709551616"), undefined);
    assert.equal(checkXsd("xsd:int", "000000000000000000002147483647"), undefined);
    assert.notEqual(checkXsd("xsd:int", "000000000000000000002147483648"), undefined);
  });

  it("xsdValue flags what does not fit and keeps the text", () => {
    assert.deepEqual(xsdValue("xsd:int", "42"), { type: "xsd:int", text: "42" });
    assert.deepEqual(xsdValue("xsd:unsignedInt", "SW_UPGRADE"), { type: "xsd:unsignedInt", text: "SW_UPGRADE", invalid: "not an xsd:unsignedInt" });
    assert.deepEqual(xsdValue("xsd:dateTime", "2019-03-05T11:54::14"), { type: "xsd:dateTime", text: "2019-03-05T11:54::14", invalid: "not an xsd:dateTime" });
  });
});

describe("date-times", () => {
  const cases: [string, string][] = [
    ["2015-01-19T23:08:24", "2015-01-19T23:08:24.000Z"], // no zone: read as UTC
    ["2015-01-19T23:08:24Z", "2015-01-19T23:08:24.000Z"],
    ["2015-09-22T05:04:58-07:00", "2015-09-22T12:04:58.000Z"],
    ["2016-01-31T13:28:09+01:00", "2016-01-31T12:28:09.000Z"],
    ["2019-01-01T00:30:00+05:30", "2018-12-31T19:00:00.000Z"],
    ["2015-10-05T02:23:01.337Z", "2015-10-05T02:23:01.337Z"],
    ["2015-10-05T02:23:01.5Z", "2015-10-05T02:23:01.500Z"],
    ["1969-12-31T16:00:00.000000+00:00", "1969-12-31T16:00:00.000Z"],
    ["1970-01-04T18:05:55+00:00", "1970-01-04T18:05:55.000Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
    ["0099-06-15T00:00:00Z", "0099-06-15T00:00:00.000Z"], // not 1999: two-digit years are not shifted
    ["2024-02-29T23:59:59Z", "2024-02-29T23:59:59.000Z"],
    ["2024-12-31T24:00:00Z", "2025-01-01T00:00:00.000Z"],
    ["  2015-01-19T23:08:24Z\n", "2015-01-19T23:08:24.000Z"],
  ];

  it("parseDateTime reads every form devices send", () => {
    for (const [text, iso] of cases) {
      const d = parseDateTime(text);
      assert.ok(d instanceof Date, text);
      assert.equal(d.toISOString(), iso, text);
    }
  });

  it("parseDateTime gives null for broken ones instead of a shifted date", () => {
    for (const text of invalid["xsd:dateTime"]) assert.equal(parseDateTime(text), null, text);
  });

  it("parseDateTime and checkXsd agree", () => {
    for (const text of [...valid["xsd:dateTime"], ...invalid["xsd:dateTime"], ...cases.map((c) => c[0])]) {
      assert.equal(parseDateTime(text) !== null, checkXsd("xsd:dateTime", text) === undefined, text);
    }
  });

  it("the unknown time is 0001-01-01T00:00:00Z", () => {
    assert.equal(UNKNOWN_TIME, "0001-01-01T00:00:00Z");
    assert.equal(parseDateTime(UNKNOWN_TIME)?.getTime(), new Date("0001-01-01T00:00:00Z").getTime());
  });

  it("formatDateTime writes UTC without milliseconds unless asked", () => {
    const d = new Date("2024-03-01T12:34:56.789+02:00");
    assert.equal(formatDateTime(d), "2024-03-01T10:34:56Z");
    assert.equal(formatDateTime(d, true), "2024-03-01T10:34:56.789Z");
    assert.equal(checkXsd("xsd:dateTime", formatDateTime(d)), undefined);
    assert.throws(() => formatDateTime(new Date(Number.NaN)), TypeError);
  });
});

describe("fromJs / toJs", () => {
  const roundTrips: [XsdType, JsValue, string][] = [
    ["xsd:string", "  Gäste & <Wi-Fi>  ", "  Gäste & <Wi-Fi>  "],
    ["xsd:string", "", ""],
    ["xsd:int", 0, "0"],
    ["xsd:int", -2147483648, "-2147483648"],
    ["xsd:int", 2147483647, "2147483647"],
    ["xsd:unsignedInt", 4294967295, "4294967295"],
    ["xsd:long", -9223372036854775808n, "-9223372036854775808"],
    ["xsd:long", 9223372036854775807n, "9223372036854775807"],
    ["xsd:unsignedLong", 18446744073709551615n, "18446744073709551615"],
    ["xsd:unsignedLong", 0n, "0"],
    ["xsd:boolean", true, "1"],
    ["xsd:boolean", false, "0"],
    ["xsd:dateTime", new Date("2024-02-29T23:59:59Z"), "2024-02-29T23:59:59Z"],
    ["xsd:dateTime", new Date("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00Z"],
    ["xsd:base64", new Uint8Array([0, 1, 2, 253, 254, 255]), "AAEC/f7/"],
    ["xsd:base64", new Uint8Array([]), ""],
    ["xsd:hexBinary", new Uint8Array([0, 1, 0xab, 0xff]), "0001abff"],
    ["xsd:decimal", "-123.4500", "-123.4500"],
    ["xsd:decimal", "123456789012345678901234567890.5", "123456789012345678901234567890.5"],
  ];

  for (const [type, js, text] of roundTrips) {
    it(`${type} ${typeof js === "bigint" ? js.toString() + "n" : js instanceof Uint8Array ? `bytes[${js.length}]` : JSON.stringify(js)}`, () => {
      const v = fromJs(type, js);
      assert.deepEqual(v, { type, text });
      assert.deepEqual(toJs(v), js);
      // And the wire text converts back to the same JavaScript value.
      assert.deepEqual(fromJs(type, toJs({ type, text })), v);
    });
  }

  it("booleans can be written as literals", () => {
    assert.deepEqual(fromJs("xsd:boolean", true, { booleans: "literal" }), { type: "xsd:boolean", text: "true" });
    assert.deepEqual(fromJs("xsd:boolean", false, { booleans: "literal" }), { type: "xsd:boolean", text: "false" });
    assert.deepEqual(fromJs("xsd:boolean", true, { booleans: "numeric" }), { type: "xsd:boolean", text: "1" });
    for (const [text, b] of [["true", true], ["1", true], [" 1 ", true], ["false", false], ["0", false]] as const) {
      assert.equal(toJs({ type: "xsd:boolean", text }), b, text);
    }
  });

  it("numbers and strings convert across types", () => {
    assert.deepEqual(fromJs("xsd:long", 42), { type: "xsd:long", text: "42" });
    assert.deepEqual(fromJs("xsd:int", "17"), { type: "xsd:int", text: "17" });
    assert.deepEqual(fromJs("xsd:unsignedInt", 7n), { type: "xsd:unsignedInt", text: "7" });
    assert.deepEqual(fromJs("xsd:decimal", 1.5), { type: "xsd:decimal", text: "1.5" });
    assert.deepEqual(fromJs("xsd:string", 12), { type: "xsd:string", text: "12" });
    assert.deepEqual(fromJs("xsd:dateTime", "2015-01-19T23:08:24"), { type: "xsd:dateTime", text: "2015-01-19T23:08:24" });
    assert.equal(toJs({ type: "xsd:int", text: " 42 " }), 42);
    assert.equal(toJs({ type: "xsd:long", text: "\t7\n" }), 7n);
    assert.equal(toJs({ type: "xsd:string", text: " 42 " }), " 42 ");
  });

  it("milliseconds of a Date are dropped on the wire", () => {
    const v = fromJs("xsd:dateTime", new Date("2024-02-29T23:59:59.999Z"));
    assert.equal(v.text, "2024-02-29T23:59:59Z");
    assert.equal((toJs(v) as Date).toISOString(), "2024-02-29T23:59:59.000Z");
  });

  it("toJs reads base64 with whitespace inside", () => {
    assert.deepEqual(toJs({ type: "xsd:base64", text: "SGVs bG8s\nIFdv cmxk IQ==" }), new Uint8Array(Buffer.from("Hello, World!")));
  });

  it("fromJs refuses JavaScript values that cannot be of the type (TypeError)", () => {
    const bad: [XsdType, JsValue][] = [
      ["xsd:int", 1.5],
      ["xsd:int", 2147483648],
      ["xsd:int", Number.NaN],
      ["xsd:unsignedInt", -1],
      ["xsd:unsignedInt", 4294967296],
      ["xsd:long", 9223372036854775808n],
      ["xsd:unsignedLong", -1n],
      ["xsd:boolean", "yes"],
      ["xsd:boolean", 2],
      ["xsd:dateTime", "2019-03-05T11:54::14"],
      ["xsd:dateTime", new Date(Number.NaN)],
      ["xsd:hexBinary", "xyz"],
      ["xsd:decimal", Number.POSITIVE_INFINITY],
    ];
    for (const [type, js] of bad) assert.throws(() => fromJs(type, js), TypeError, `${type} ${String(js)}`);
  });

  it("toJs gives back the text of an invalid value", () => {
    assert.equal(toJs({ type: "xsd:unsignedInt", text: "SW_UPGRADE", invalid: "not an xsd:unsignedInt" }), "SW_UPGRADE");
    assert.equal(toJs({ type: "xsd:dateTime", text: "0000-00-00T00:00:00", invalid: "not an xsd:dateTime" }), "0000-00-00T00:00:00");
  });

  it("toJs of every valid sample returns the documented JavaScript type", () => {
    const expected: Record<XsdType, string> = {
      "xsd:string": "string",
      "xsd:int": "number",
      "xsd:unsignedInt": "number",
      "xsd:long": "bigint",
      "xsd:unsignedLong": "bigint",
      "xsd:boolean": "boolean",
      "xsd:dateTime": "Date",
      "xsd:base64": "Uint8Array",
      "xsd:hexBinary": "Uint8Array",
      "xsd:decimal": "string",
    };
    for (const type of xsdTypes) {
      for (const text of valid[type]) {
        const js = toJs(xsdValue(type, text));
        const kind = js instanceof Date ? "Date" : js instanceof Uint8Array ? "Uint8Array" : typeof js;
        assert.equal(kind, expected[type], `${type} ${JSON.stringify(text)}`);
        if (js instanceof Date) assert.ok(!Number.isNaN(js.getTime()), text);
      }
    }
  });
});

describe("xsi:type tolerance", () => {
  it("resolveXsiType resolves by namespace, ignoring the prefix", () => {
    const cases: [string, string | undefined, XsdType | undefined][] = [
      ["xsd:int", XSD, "xsd:int"],
      ["xs:boolean", XSD, "xsd:boolean"],
      ["q:unsignedLong", XSD, "xsd:unsignedLong"],
      ["xsd:unsignedInt", XSD_1999, "xsd:unsignedInt"],
      ["ns1:unsignedInt", SOAP_ENC, "xsd:unsignedInt"],
      ["soapenc:base64", SOAP_ENC, "xsd:base64"],
      ["xsd:base64Binary", XSD, "xsd:base64"],
      ["xsd:base64", XSD, "xsd:base64"],
      ["xsd:hexBinary", XSD, "xsd:hexBinary"],
      ["xsd:decimal", XSD, "xsd:decimal"],
      ["xsd:dateTime", XSD, "xsd:dateTime"],
      ["xsd:string(1024)", XSD, "xsd:string"],
      ["xsd:string(16)", XSD_1999, "xsd:string"],
      ["undeclared:int", "", "xsd:int"],
      ["long", undefined, "xsd:long"],
      ["xsd:float", XSD, undefined],
      ["xsd:toString", XSD, undefined],
      ["xsd:__proto__", XSD, undefined],
      ["xsd:constructor", XSD, undefined],
      ["cwmp:DeviceIdStruct", "urn:dslforum-org:cwmp-1-0", undefined],
      ["x:int", "urn:example", undefined],
      ["", undefined, undefined],
    ];
    for (const [qname, ns, want] of cases) assert.equal(resolveXsiType(qname, ns), want, `${qname} in ${String(ns)}`);
  });

  function valueOf(attrs: string, text: string): XsdValue {
    const xml =
      `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:dslforum-org:cwmp-1-0"><s:Body>` +
      `<c:GetParameterValuesResponse><ParameterList><ParameterValueStruct><Name>N</Name><Value ${attrs}>${text}</Value></ParameterValueStruct></ParameterList></c:GetParameterValuesResponse>` +
      `</s:Body></s:Envelope>`;
    const body = parseCwmp(xml).envelopes[0]!.body as Extract<CwmpMessage, { method: "GetParameterValuesResponse" }>;
    return body.parameterList[0]!.value;
  }

  const xsi = `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`;
  const xsd = `xmlns:xsd="${XSD}"`;

  it("values read through the parser keep odd spellings in wireType", () => {
    assert.deepEqual(valueOf(`${xsi} ${xsd} xsi:type="xsd:int"`, "5"), { type: "xsd:int", text: "5" });
    assert.deepEqual(valueOf(`${xsi} xmlns:xs="${XSD}" xsi:type="xs:boolean"`, "1"), { type: "xsd:boolean", text: "1", wireType: "xs:boolean" });
    assert.deepEqual(valueOf(`${xsi} xmlns:ns1="${SOAP_ENC}" xsi:type="ns1:unsignedInt"`, "7"), { type: "xsd:unsignedInt", text: "7", wireType: "ns1:unsignedInt" });
    assert.deepEqual(valueOf(`${xsi} ${xsd} xsi:type="xsd:float"`, "1.5"), { type: "xsd:string", text: "1.5", wireType: "xsd:float" });
    assert.deepEqual(valueOf(`${xsi} xsi:type="xsd:int"`, "5"), { type: "xsd:int", text: "5" });
    assert.deepEqual(valueOf(``, " padded "), { type: "xsd:string", text: " padded ", untyped: true });
    assert.deepEqual(valueOf(`xmlns:i="http://www.w3.org/1999/XMLSchema-instance" xmlns:t="${XSD_1999}" i:type="t:boolean"`, "0"), {
      type: "xsd:boolean",
      text: "0",
      wireType: "t:boolean",
    });
    assert.deepEqual(valueOf(`${xsi} ${xsd} xsi:type="xsd:int"`, "five"), { type: "xsd:int", text: "five", invalid: "not an xsd:int" });
  });

  it("base64 is written as xsd:base64Binary (a real schema type) and both spellings read back plainly", () => {
    assert.deepEqual(valueOf(`${xsi} ${xsd} xsi:type="xsd:base64"`, "QQ=="), { type: "xsd:base64", text: "QQ==" });
    assert.deepEqual(valueOf(`${xsi} ${xsd} xsi:type="xsd:base64Binary"`, "QQ=="), { type: "xsd:base64", text: "QQ==" });
    assert.deepEqual(valueOf(`${xsi} xmlns:soapenc="${SOAP_ENC}" xsi:type="soapenc:base64"`, "QQ=="), { type: "xsd:base64", text: "QQ==", wireType: "soapenc:base64" });
    const xml = serializeEnvelope({ ns: "1-0", header: {}, body: { method: "GetParameterValuesResponse", parameterList: [{ name: "N", value: { type: "xsd:base64", text: "QQ==" } }] } });
    assert.ok(xml.includes('<Value xsi:type="xsd:base64Binary">QQ==</Value>'), xml);
  });

  it("every other type is written under its own name", () => {
    for (const type of xsdTypes) {
      if (type === "xsd:base64") continue;
      const text = valid[type][0]!;
      const xml = serializeEnvelope({ ns: "1-0", header: {}, body: { method: "GetParameterValuesResponse", parameterList: [{ name: "N", value: { type, text } }] } });
      assert.ok(xml.includes(`<Value xsi:type="${type}">`), type);
    }
  });
});
