// The Bulk Data parser against reports written from TR-181's descriptions of the JSON and CSV encodings,
// and the variants real devices send: no "Report" array, numbers as strings, no or unset timestamps,
// CRLF or LF, other separators, a BOM. Malformed reports fail with a typed error that says where.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BulkDataError, encodeReports, parseBulkData, parseTimestamp, type BulkDataReport, type ParseInput } from "../../src/bulkdata/index.js";

const JSON_TYPE = "application/json; charset=UTF-8";
const CSV_TYPE = "text/csv; charset=UTF-8";
const T = 1364529149;

function parse(body: string | Buffer, contentType: string | undefined, more: Partial<ParseInput> = {}): BulkDataReport[] {
  return parseBulkData({ body: typeof body === "string" ? Buffer.from(body, "utf8") : body, contentType, ...more });
}

function refused(code: BulkDataError["code"], f: () => unknown, message?: RegExp): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof BulkDataError, `not a BulkDataError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

describe("JSON reports", () => {
  test("NameValuePair with a Report array, one report per collection", () => {
    const body = JSON.stringify({
      Report: [
        { CollectionTime: T, "Device.DeviceInfo.UpTime": 7200, "Device.WiFi.Radio.1.Stats.Noise": -92, "Device.WiFi.Radio.1.Enable": true },
        { CollectionTime: T + 300, "Device.DeviceInfo.UpTime": 7500, "Device.DeviceInfo.Description": "a, \"quoted\" one" },
      ],
    });
    const reports = parse(body, JSON_TYPE, { reportFormat: "NameValuePair" });
    assert.deepEqual(reports, [
      { collectedAt: new Date(T * 1000), values: [{ path: "Device.DeviceInfo.UpTime", value: "7200" }, { path: "Device.WiFi.Radio.1.Stats.Noise", value: "-92" }, { path: "Device.WiFi.Radio.1.Enable", value: "true" }] },
      { collectedAt: new Date((T + 300) * 1000), values: [{ path: "Device.DeviceInfo.UpTime", value: "7500" }, { path: "Device.DeviceInfo.Description", value: 'a, "quoted" one' }] },
    ]);
  });

  test("ObjectHierarchy: nested objects, instances keyed by number or given as arrays", () => {
    const body = JSON.stringify({
      Report: [
        {
          CollectionTime: "2013-03-29T03:52:29Z",
          Device: { DeviceInfo: { UpTime: "7200" }, Ethernet: { Interface: { "2": { Stats: { BytesSent: 1234, BytesReceived: "99" } } } }, Hosts: { Host: [{ HostName: "a" }, { HostName: "b" }] } },
        },
      ],
    });
    const [r] = parse(body, "application/json", { reportFormat: "ObjectHierarchy" });
    assert.equal(r!.collectedAt!.toISOString(), "2013-03-29T03:52:29.000Z");
    assert.deepEqual(r!.values.map((v) => `${v.path}=${v.value}`), [
      "Device.DeviceInfo.UpTime=7200",
      "Device.Ethernet.Interface.2.Stats.BytesSent=1234",
      "Device.Ethernet.Interface.2.Stats.BytesReceived=99",
      "Device.Hosts.Host.1.HostName=a",
      "Device.Hosts.Host.2.HostName=b",
    ]);
  });

  test("device variants: a bare report, Report as one object, no CollectionTime, an unset clock, a key ending with '.'", () => {
    assert.deepEqual(parse('{"InternetGatewayDevice.DeviceInfo.UpTime":"5"}', JSON_TYPE), [{ collectedAt: null, values: [{ path: "InternetGatewayDevice.DeviceInfo.UpTime", value: "5" }] }]);
    assert.deepEqual(parse('{"Report":{"CollectionTime":0,"Device.X":null}}', JSON_TYPE), [{ collectedAt: null, values: [{ path: "Device.X", value: "" }] }]);
    assert.deepEqual(parse('{"Report":[{"CollectionTime":"0001-01-01T00:00:00Z","Device.Ethernet.":{"InterfaceNumberOfEntries":2}}]}', JSON_TYPE)[0]!.values, [
      { path: "Device.Ethernet.InterfaceNumberOfEntries", value: "2" },
    ]);
    // Milliseconds, and a numeric string.
    assert.equal(parse(`{"Report":[{"CollectionTime":${T * 1000},"Device.A":1}]}`, JSON_TYPE)[0]!.collectedAt!.getTime(), T * 1000);
    assert.equal(parse(`{"Report":[{"CollectionTime":"${T}","Device.A":1}]}`, JSON_TYPE)[0]!.collectedAt!.getTime(), T * 1000);
  });

  test("an untyped or generic body is recognised by its first character; a BOM is skipped", () => {
    assert.equal(parse('\ufeff {"Report":[{"Device.A":"1"}]}', undefined)[0]!.values[0]!.value, "1");
    assert.equal(parse('[{"Device.A":"2"}]', "application/octet-stream")[0]!.values[0]!.value, "2");
    assert.equal(parse("ParameterName,ParameterValue\nDevice.A,3\n", "text/plain")[0]!.values[0]!.value, "3");
  });

  test("malformed JSON reports are refused with what is wrong", () => {
    refused("BULKDATA_JSON", () => parse('{"Report":[{"Device.A":1}', JSON_TYPE), /not JSON/);
    refused("BULKDATA_JSON", () => parse('{"Report":[1, 2]}', JSON_TYPE), /report 1 is not a JSON object/);
    refused("BULKDATA_JSON", () => parse('{"Report":[{"Device..A":1}]}', JSON_TYPE), /empty parameter/);
    refused("BULKDATA_JSON", () => parse('{"Report":[{"Device":{"":1}}]}', JSON_TYPE), /empty parameter/);
    refused("BULKDATA_TIMESTAMP", () => parse('{"Report":[{"CollectionTime":"yesterday","Device.A":1}]}', JSON_TYPE), /report 1: CollectionTime/);
    refused("BULKDATA_TIMESTAMP", () => parse('{"Report":[{"CollectionTime":{},"Device.A":1}]}', JSON_TYPE));
    refused("BULKDATA_FORMAT", () => parse('{"Report":[]}', JSON_TYPE, { reportFormat: "ParameterPerRow" }), /not a layout of the JSON/);
    refused("BULKDATA_FORMAT", () => parse('{"Report":[]}', JSON_TYPE, { reportFormat: "Tree" }), /not one of/);
    let deep = '"x"';
    for (let i = 0; i < 40; i++) deep = `{"a":${deep}}`;
    refused("BULKDATA_JSON", () => parse(`{"Report":[{"Device":${deep}}]}`, JSON_TYPE), /nested deeper/);
  });
});

describe("CSV reports", () => {
  test("ParameterPerRow: rows of one timestamp are one report, types become xsd types", () => {
    const body = [
      "ReportTimestamp,ParameterName,ParameterValue,ParameterType",
      `${T},Device.MoCA.Interface.1.Stats.BroadcastPacketsReceived,15248,unsignedLong`,
      `${T},Device.DeviceInfo.Description,"a, ""quoted"" one",string`,
      `${T + 300},Device.MoCA.Interface.1.Stats.BroadcastPacketsReceived,15300,unsignedLong`,
      "",
    ].join("\r\n");
    const reports = parse(body, CSV_TYPE, { reportFormat: "ParameterPerRow" });
    assert.deepEqual(reports, [
      {
        collectedAt: new Date(T * 1000),
        values: [
          { path: "Device.MoCA.Interface.1.Stats.BroadcastPacketsReceived", value: "15248", type: "xsd:unsignedLong" },
          { path: "Device.DeviceInfo.Description", value: 'a, "quoted" one', type: "xsd:string" },
        ],
      },
      { collectedAt: new Date((T + 300) * 1000), values: [{ path: "Device.MoCA.Interface.1.Stats.BroadcastPacketsReceived", value: "15300", type: "xsd:unsignedLong" }] },
    ]);
  });

  test("ParameterPerColumn: each row is a report; no timestamp column means no time", () => {
    const body = `ReportTimestamp,Device.DeviceInfo.UpTime,Device.Ethernet.Interface.1.Stats.BytesSent\n2013-03-29T03:52:29Z,7200,1\n2013-03-29T03:57:29+00:00,7500,"2"\n`;
    const reports = parse(body, "text/csv", { reportFormat: "ParameterPerColumn" });
    assert.equal(reports.length, 2);
    assert.equal(reports[1]!.collectedAt!.toISOString(), "2013-03-29T03:57:29.000Z");
    assert.deepEqual(reports[1]!.values, [{ path: "Device.DeviceInfo.UpTime", value: "7500" }, { path: "Device.Ethernet.Interface.1.Stats.BytesSent", value: "2" }]);
    assert.deepEqual(parse("Device.A,Device.B\r\n1,2\r\n", "text/csv"), [{ collectedAt: null, values: [{ path: "Device.A", value: "1" }, { path: "Device.B", value: "2" }] }]);
  });

  test("the profile's separators and escape character", () => {
    const body = "ReportTimestamp;ParameterName;ParameterValue|1364529149;Device.A;'x;y'|1364529149;Device.B;'it''s'|";
    const [r] = parse(body, CSV_TYPE, { csv: { fieldSeparator: ";", rowSeparator: "|", escapeCharacter: "'" } });
    assert.deepEqual(r!.values, [{ path: "Device.A", value: "x;y" }, { path: "Device.B", value: "it's" }]);
    refused("BULKDATA_CSV", () => parse("a,b\n", CSV_TYPE, { csv: { fieldSeparator: ",," } }), /one character/);
    // Separators as the data model writes them, reported as they stand by some devices.
    assert.deepEqual(parse("ParameterName&ParameterValue\r\nDevice.A&1\r\n", CSV_TYPE, { csv: { fieldSeparator: "&#38;", rowSeparator: "&#13;&#10;", escapeCharacter: "&#x22;" } })[0]!.values, [{ path: "Device.A", value: "1" }]);
    // Without the profile, the header row shows the separator.
    assert.deepEqual(parse("ReportTimestamp\tParameterName\tParameterValue\n1364529149\tDevice.A\ta,b\n", CSV_TYPE)[0]!.values, [{ path: "Device.A", value: "a,b" }]);
    assert.deepEqual(parse("Device.A;Device.B\r\n1;2\r\n", CSV_TYPE)[0]!.values.map((v) => v.value), ["1", "2"]);
  });

  test("malformed CSV reports are refused with the row that is wrong", () => {
    refused("BULKDATA_CSV", () => parse("", CSV_TYPE), /no header row/);
    refused("BULKDATA_CSV", () => parse("ParameterName,ParameterValue|Device.A,1|", CSV_TYPE), /no data rows/);
    refused("BULKDATA_CSV", () => parse("ParameterName,ParameterValue\nDevice.A,1,extra\n", CSV_TYPE), /row 2 has 3 fields; the header row has 2/);
    refused("BULKDATA_CSV", () => parse('ParameterName,ParameterValue\nDevice.A,"open\n', CSV_TYPE), /never closed/);
    refused("BULKDATA_CSV", () => parse('ParameterName,ParameterValue\nDevice.A,"x"y\n', CSV_TYPE), /after a quoted field/);
    refused("BULKDATA_CSV", () => parse("ParameterName,ParameterValue\n,1\n", CSV_TYPE), /no ParameterName/);
    refused("BULKDATA_CSV", () => parse("Device.A,Device.B\n1,2\n", CSV_TYPE, { reportFormat: "ParameterPerRow" }), /says ParameterPerRow/);
    refused("BULKDATA_TIMESTAMP", () => parse("ReportTimestamp,Device.A\nlater,1\n", CSV_TYPE), /row 2/);
  });
});

describe("limits and media types", () => {
  test("too many reports, values or characters", () => {
    const many = JSON.stringify({ Report: Array.from({ length: 5 }, () => ({ "Device.A": 1 })) });
    refused("BULKDATA_LIMIT", () => parse(many, JSON_TYPE, { limits: { maxReports: 4 } }), /more than 4 reports/);
    refused("BULKDATA_LIMIT", () => parse(many, JSON_TYPE, { limits: { maxValues: 3 } }), /more than 3 values/);
    refused("BULKDATA_LIMIT", () => parse(JSON.stringify({ "Device.A": "x".repeat(100) }), JSON_TYPE, { limits: { maxValueLength: 99 } }), /100 characters/);
    assert.equal(parse(many, JSON_TYPE, { limits: { maxReports: 5, maxValues: 5 } }).length, 5);
    assert.equal(new BulkDataError("BULKDATA_LIMIT", "").status, 413);
  });

  test("other media types and charsets are refused; ISO-8859-1 is read", () => {
    refused("BULKDATA_MEDIA_TYPE", () => parse("<x/>", "application/xml"), /not a Bulk Data encoding/);
    refused("BULKDATA_MEDIA_TYPE", () => parse("{}", "application/json; charset=utf-16"), /charset utf-16/);
    refused("BULKDATA_MEDIA_TYPE", () => parse(Buffer.from([0x7b, 0xff, 0x7d]), JSON_TYPE), /not valid UTF-8/);
    assert.equal(parse(Buffer.from('{"Device.A":"caf\xe9"}', "latin1"), "application/json; charset=ISO-8859-1")[0]!.values[0]!.value, "café");
    assert.equal(new BulkDataError("BULKDATA_MEDIA_TYPE", "").status, 415);
  });

  test("timestamps: epoch seconds and milliseconds, ISO-8601 with and without zone, unset clocks", () => {
    assert.equal(parseTimestamp(T)!.getTime(), T * 1000);
    assert.equal(parseTimestamp("2013-03-29 03:52:29")!.toISOString(), "2013-03-29T03:52:29.000Z");
    assert.equal(parseTimestamp("2013-03-29T05:52:29+0200")!.toISOString(), "2013-03-29T03:52:29.000Z");
    assert.equal(parseTimestamp("2013-03-29T03:52:29.250Z")!.getTime(), Date.UTC(2013, 2, 29, 3, 52, 29, 250));
    assert.equal(parseTimestamp(" None "), null);
    assert.equal(parseTimestamp(42), null);
    assert.throws(() => parseTimestamp(-1), BulkDataError);
    assert.throws(() => parseTimestamp("2013-02-30T25:00:00Z"), BulkDataError);
  });
});

describe("the simulator's writer reads back", () => {
  const values = [{ path: "Device.DeviceInfo.UpTime", value: "7200", type: "xsd:unsignedInt" }, { path: "Device.DeviceInfo.Description", value: 'semi;colon, "q"' }];
  for (const [encoding, format] of [["JSON", "NameValuePair"], ["JSON", "ObjectHierarchy"], ["CSV", "ParameterPerRow"], ["CSV", "ParameterPerColumn"]] as const) {
    for (const timestamp of ["Unix-Epoch", "ISO-8601", "None"] as const) {
      test(`${encoding} ${format} ${timestamp}`, () => {
        const e = encodeReports([{ at: T * 1000, values }, { at: (T + 60) * 1000, values }], { encoding, format, timestamp, csv: { fieldSeparator: ";" } });
        const reports = parse(e.body, e.contentType, { reportFormat: e.reportFormat, csv: { fieldSeparator: ";" } });
        const times = timestamp === "None" ? [null] : [T * 1000, (T + 60) * 1000];
        // Without timestamps, CSV ParameterPerRow cannot tell reports apart: one report of both.
        if (!(timestamp === "None" && format === "ParameterPerRow")) assert.equal(reports.length, 2);
        assert.deepEqual(reports.map((r) => r.collectedAt?.getTime() ?? null).filter((t, i, a) => a.indexOf(t) === i), times);
        assert.deepEqual(reports[0]!.values.slice(0, 2).map((v) => [v.path, v.value]), values.map((v) => [v.path, v.value]));
      });
    }
  }
});
