import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { bbfDir } from "../support/paths.js";
import { checkTypedValue, checkValue, loadBbfXml, splitList, type ParameterDef, type Syntax } from "../../src/model/index.js";

const tr181 = loadBbfXml(join(bbfDir, "data-models", "tr-181-2-17-0-cwmp-full.xml"));
const def = (path: string): ParameterDef => {
  const p = tr181.parameters.get(path);
  assert.ok(p, path);
  return p;
};

test("the type comes first, through the codec's checkXsd", () => {
  const interval = def("Device.ManagementServer.PeriodicInformInterval");
  assert.equal(checkValue(interval, "300"), undefined);
  assert.match(checkValue(interval, "abc") ?? "", /"abc" is not an xsd:unsignedInt/);
  assert.match(checkValue(interval, "-5") ?? "", /not an xsd:unsignedInt/);
  assert.match(checkValue(interval, "4294967296") ?? "", /not an xsd:unsignedInt/);
  assert.match(checkValue(def("Device.WiFi.SSID.{i}.Enable"), "yes") ?? "", /not an xsd:boolean/);
  for (const b of ["true", "false", "1", "0"]) assert.equal(checkValue(def("Device.WiFi.SSID.{i}.Enable"), b), undefined);
  assert.equal(checkValue(def("Device.ManagementServer.PeriodicInformTime"), "2024-01-02T03:04:05Z"), undefined);
  assert.match(checkValue(def("Device.ManagementServer.PeriodicInformTime"), "yesterday") ?? "", /xsd:dateTime/);
});

test("ranges: bounds, alternatives and steps", () => {
  const interval = def("Device.ManagementServer.PeriodicInformInterval");
  assert.match(checkValue(interval, "0") ?? "", /0 is outside the allowed range \(at least 1\)/);
  assert.equal(checkValue(interval, "1"), undefined);
  const channel = def("Device.WiFi.Radio.{i}.Channel");
  assert.match(checkValue(channel, "256") ?? "", /outside the allowed range \(1 to 255\)/);
  const threshold = def("Device.Optical.Interface.{i}.LowerOpticalThreshold");
  assert.equal(checkValue(threshold, "-1000"), undefined);
  assert.match(checkValue(threshold, "-1001") ?? "", /in steps of 500/);
  assert.match(checkValue(threshold, "500") ?? "", /-127000 to 0/);
  const alt: Syntax = { type: "xsd:unsignedInt", itemType: "xsd:unsignedInt", ranges: [{ min: 1, max: 2 }, { min: 12, max: 12 }] };
  assert.equal(checkValue(alt, "12"), undefined);
  assert.match(checkValue(alt, "5") ?? "", /1 to 2 or 12/);
  // Beyond 2^53 the comparison stays exact.
  const big: Syntax = { type: "xsd:unsignedLong", itemType: "xsd:unsignedLong", ranges: [{ max: 9007199254740992 }] };
  assert.equal(checkValue(big, "9007199254740992"), undefined);
  assert.match(checkValue(big, "9007199254740993") ?? "", /outside/);
});

test("enumerations, and values only a CPE may report", () => {
  const status = def("Device.WiFi.SSID.{i}.Status");
  assert.equal(checkValue(status, "Up"), undefined);
  assert.match(checkValue(status, "up") ?? "", /"up" is not one of the allowed values \(Up, Down, Unknown/);
  const diag = def("Device.IP.Diagnostics.IPPing.DiagnosticsState");
  assert.equal(checkValue(diag, "Complete"), undefined);
  assert.match(checkValue(diag, "Complete", { write: true }) ?? "", /only be reported by the CPE/);
  assert.equal(checkValue(diag, "Requested", { write: true }), undefined);
});

test("list-valued enumerations are checked item by item", () => {
  const bands = def("Device.WiFi.Radio.{i}.SupportedFrequencyBands");
  assert.equal(bands.syntax.type, "xsd:string");
  assert.equal(checkValue(bands, "2.4GHz,5GHz"), undefined);
  assert.equal(checkValue(bands, "2.4GHz, 5GHz"), undefined);
  assert.equal(checkValue(bands, ""), undefined);
  assert.match(checkValue(bands, "2.4GHz,60GHz") ?? "", /item 2 of the list: "60GHz" is not one of the allowed values/);
});

test("list limits: whole length, item count, item type", () => {
  const snr = def("Device.DSL.Line.{i}.TestParams.SNRpsds");
  assert.equal(checkValue(snr, "1,-2,3"), undefined);
  assert.match(checkValue(snr, "1,x,3") ?? "", /item 2 of the list: "x" is not an xsd:int/);
  assert.match(checkValue(snr, "1,".repeat(1100) + "1") ?? "", /at most 2047 are allowed/);
  const counted: Syntax = { type: "xsd:string", itemType: "xsd:string", list: { minItems: 2, maxItems: 3 } };
  assert.match(checkValue(counted, "a") ?? "", /1 item; at least 2/);
  assert.match(checkValue(counted, "a,b,c,d") ?? "", /4 items; at most 3/);
  assert.equal(checkValue(counted, "a,b"), undefined);
});

test("lists of bracketed lists", () => {
  const uer = def("Device.DSL.Diagnostics.SELTUER.UER");
  assert.equal(checkValue(uer, "[1,2],[3,-4]"), undefined);
  assert.match(checkValue(uer, "[1,2],[3]") ?? "", /item 2 of the list: it has 1 value; at least 2/);
  assert.match(checkValue(uer, "[1,2],[3,x]") ?? "", /not an xsd:int/);
  assert.match(checkValue(uer, "1,2") ?? "", /not a bracketed list/);
  assert.match(checkValue(uer, "[1,2") ?? "", /unbalanced brackets/);
  // PCPEncoding: four items that each hold commas, written in brackets.
  const pcp = def("Device.Bridging.Bridge.{i}.Port.{i}.PriorityCodePoint.PCPEncoding");
  const row = "[7,7,6,6,5,5,4,4,3,3,2,2,1,1,0,0]";
  assert.equal(checkValue(pcp, [row, row, row, row].join(",")), undefined);
  assert.match(checkValue(pcp, [row, row, row, "[7,7]"].join(",")) ?? "", /item 4 of the list/);
  assert.deepEqual(splitList("[1,2], [3,4]", true), ["[1,2]", "[3,4]"]);
  assert.deepEqual(splitList(" a , b "), ["a", "b"]);
  assert.deepEqual(splitList("  "), []);
  assert.equal(splitList("[1,2]]", true), undefined);
});

test("string length counts characters, not UTF-16 units", () => {
  const version = def("Device.DeviceInfo.SoftwareVersion");
  assert.equal(checkValue(version, "x".repeat(64)), undefined);
  assert.match(checkValue(version, "x".repeat(65)) ?? "", /65 characters long; allowed: at most 64 characters/);
  assert.equal(checkValue(version, "\u{1F600}".repeat(64)), undefined);
  const uuid = def("Device.DeviceInfo.SupportedDataModel.{i}.UUID");
  assert.match(checkValue(uuid, "abc") ?? "", /exactly 36/);
});

test("hexBinary and base64 sizes count bytes", () => {
  const color = def("Device.UserInterface.TextColor");
  assert.equal(checkValue(color, "FF0088"), undefined);
  assert.match(checkValue(color, "FF00") ?? "", /2 bytes long; allowed: exactly 3 bytes/);
  assert.match(checkValue(color, "FF00G8") ?? "", /not hexBinary/);
  const psd = def("Device.DSL.Line.{i}.MREFPSDds");
  assert.equal(psd.syntax.type, "xsd:base64");
  assert.equal(checkValue(psd, Buffer.alloc(145).toString("base64")), undefined);
  assert.match(checkValue(psd, Buffer.alloc(146).toString("base64")) ?? "", /146 bytes long/);
  assert.match(checkValue(psd, "@@@") ?? "", /not base64/);
});

test("patterns: alternatives, anchoring", () => {
  const mac = def("Device.WiFi.SSID.{i}.BSSID");
  assert.equal(checkValue(mac, "00:11:22:AA:bb:cc"), undefined);
  assert.equal(checkValue(mac, ""), undefined);
  assert.match(checkValue(mac, "00:11:22:AA:bb:cc:dd") ?? "", /characters long|does not match/);
  assert.match(checkValue(mac, "0011.22AA.bbcc") ?? "", /does not match the pattern "" \| \(\[0-9A-Fa-f\]/);
  const pin = def("Device.WiFi.AccessPoint.{i}.WPS.PIN");
  assert.equal(checkValue(pin, "1234"), undefined);
  assert.equal(checkValue(pin, "12345678"), undefined);
  assert.match(checkValue(pin, "123456") ?? "", /does not match/);
  // A pattern that could not be compiled means no pattern check at all (it is an alternative).
  const unknown: Syntax = { type: "xsd:string", itemType: "xsd:string", patterns: [{ value: "a", regex: /^(?:a)$/u }, { value: "\\i+", regex: null }] };
  assert.equal(checkValue(unknown, "zzz"), undefined);
});

test("checkTypedValue also checks the declared type", () => {
  const interval = def("Device.ManagementServer.PeriodicInformInterval");
  assert.equal(checkTypedValue(interval, { type: "xsd:unsignedInt", text: "60" }), undefined);
  assert.match(checkTypedValue(interval, { type: "xsd:int", text: "60" }) ?? "", /typed xsd:int but the parameter is xsd:unsignedInt/);
  assert.match(checkTypedValue(interval, { type: "xsd:unsignedInt", text: "0" }) ?? "", /outside/);
  const bands = def("Device.WiFi.Radio.{i}.SupportedFrequencyBands");
  assert.equal(checkTypedValue(bands, { type: "xsd:string", text: "5GHz" }), undefined);
});

test("every default value in TR-181 fits its own syntax", () => {
  const misfits: string[] = [];
  for (const p of tr181.parameters.values()) {
    if (p.default !== undefined && checkValue(p, p.default) !== undefined) misfits.push(p.path);
  }
  assert.deepEqual(misfits, []);
});
