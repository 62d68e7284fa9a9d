import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { bbfDir } from "../support/paths.js";
import { ModelError, loadBbfXml, parseBbfXml, type DataModel } from "../../src/model/index.js";

const dm = (file: string): string => join(bbfDir, "data-models", file);
const tr181 = loadBbfXml(dm("tr-181-2-17-0-cwmp-full.xml"));
const tr098 = loadBbfXml(dm("tr-098-1-8-0-full.xml"));
const tr104 = loadBbfXml(dm("tr-104-2-0-2-cwmp-full.xml"));

function param(model: DataModel, path: string) {
  const p = model.parameters.get(path);
  assert.ok(p, `${path} is defined`);
  return p;
}

function object(model: DataModel, path: string) {
  const o = model.objects.get(path);
  assert.ok(o, `${path} is defined`);
  return o;
}

function isModelError(code: string) {
  return (e: unknown) => e instanceof ModelError && e.code === code;
}

test("TR-181: root, counts and a clean load", () => {
  assert.equal(tr181.name, "Device:2.17");
  assert.equal(tr181.spec, "urn:broadband-forum-org:tr-181-2-17-0-cwmp");
  assert.equal(tr181.root, "Device.");
  assert.equal(tr181.isService, false);
  assert.equal(tr181.objects.size, 789);
  assert.equal(tr181.parameters.size, 6466);
  assert.equal(tr181.dataTypes.size, 47);
  assert.equal([...tr181.objects.values()].filter((o) => o.multiInstance).length, 400);
  assert.deepEqual(tr181.warnings, []);
  for (const p of tr181.parameters.keys()) assert.ok(p.startsWith("Device."), p);
});

test("TR-181: deleted definitions are dropped unless asked for", () => {
  const all = loadBbfXml(dm("tr-181-2-17-0-cwmp-full.xml"), { includeDeleted: true });
  assert.equal(all.objects.size, 790);
  assert.equal(all.parameters.size, 6483);
  const deleted = [...all.parameters.values()].filter((p) => p.status === "deleted");
  assert.equal(deleted.length, 17);
  for (const d of deleted) assert.equal(tr181.parameters.has(d.path), false, d.path);
});

test("TR-181: DeviceInfo.SoftwareVersion is a read-only string of at most 64 characters", () => {
  const p = param(tr181, "Device.DeviceInfo.SoftwareVersion");
  assert.equal(p.syntax.type, "xsd:string");
  assert.equal(p.access, "readOnly");
  assert.equal(p.writable, false);
  assert.equal(p.object, "Device.DeviceInfo.");
  assert.equal(p.name, "SoftwareVersion");
  assert.deepEqual(p.syntax.sizes, [{ maxLength: 64 }]);
  assert.equal(p.forcedInform, true);
  assert.equal(p.activeNotify, "forceEnabled");
  assert.equal(p.status, "current");
  assert.equal(p.description, undefined);
});

test("TR-181: ManagementServer.PeriodicInformInterval is a writable unsignedInt of at least 1 second", () => {
  const p = param(tr181, "Device.ManagementServer.PeriodicInformInterval");
  assert.equal(p.syntax.type, "xsd:unsignedInt");
  assert.deepEqual(p.syntax.ranges, [{ min: 1 }]);
  assert.equal(p.syntax.units, "seconds");
  assert.equal(p.writable, true);
  assert.equal(p.access, "readWrite");
});

test("TR-181: WiFi.SSID.{i}. is a writable table with unique keys and a counter", () => {
  const o = object(tr181, "Device.WiFi.SSID.{i}.");
  assert.equal(o.multiInstance, true);
  assert.equal(o.writable, true);
  assert.equal(o.minEntries, 0);
  assert.equal(o.maxEntries, "unbounded");
  assert.equal(o.numEntriesParameter, "Device.WiFi.SSIDNumberOfEntries");
  assert.ok(tr181.parameters.has(o.numEntriesParameter!));
  assert.equal(o.enableParameter, "Enable");
  assert.deepEqual(o.uniqueKeys, [
    { parameters: ["Alias"], functional: false },
    { parameters: ["Name"], functional: false },
    { parameters: ["BSSID"], functional: true },
  ]);
  assert.ok(o.parameters.includes("SSID") && o.parameters.includes("BSSID"));
  const single = object(tr181, "Device.DeviceInfo.");
  assert.equal(single.multiInstance, false);
  assert.equal(single.writable, false);
  assert.equal(single.maxEntries, 1);
});

test("TR-181: enumerations, data types, lists and patterns", () => {
  const status = param(tr181, "Device.WiFi.SSID.{i}.Status");
  assert.deepEqual(status.syntax.enumerations?.map((e) => e.value), ["Up", "Down", "Unknown", "Dormant", "NotPresent", "LowerLayerDown", "Error"]);
  assert.equal(status.default, "Down");
  assert.equal(status.defaultType, "object");

  // A named data type resolved through its base: IPv4Address narrows IPAddress.
  const ip = param(tr181, "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress");
  assert.equal(ip.syntax.dataType, "IPv4Address");
  assert.deepEqual(ip.syntax.sizes, [{ maxLength: 15 }]);
  assert.equal(ip.syntax.patterns?.length, 2);
  assert.equal(ip.syntax.patterns?.[1]?.regex?.test("192.168.1.1"), true);
  assert.equal(ip.syntax.patterns?.[1]?.regex?.test("192.168.1.256"), false);

  // DiagnosticsState: values only the CPE may report are marked.
  const diag = param(tr181, "Device.IP.Diagnostics.IPPing.DiagnosticsState");
  assert.equal(diag.syntax.dataType, "DiagnosticsState");
  const complete = diag.syntax.enumerations?.find((e) => e.value === "Complete");
  assert.equal(complete?.readOnly, true);
  assert.equal(diag.syntax.enumerations?.find((e) => e.value === "Requested")?.readOnly, undefined);

  // A list travels as xsd:string; its items keep their type.
  const snr = param(tr181, "Device.DSL.Line.{i}.TestParams.SNRpsds");
  assert.equal(snr.syntax.type, "xsd:string");
  assert.equal(snr.syntax.itemType, "xsd:int");
  assert.deepEqual(snr.syntax.list, { maxLength: 2047 });

  // A list of a list-valued data type: bracketed pairs.
  const uer = param(tr181, "Device.DSL.Diagnostics.SELTUER.UER");
  assert.deepEqual(uer.syntax.list, { minItems: 1, maxItems: 4096, nestedBrackets: true });
  assert.deepEqual(uer.syntax.itemList, { minItems: 2, maxItems: 2 });

  const stats = param(tr181, "Device.Ethernet.Interface.{i}.Stats.BytesSent");
  assert.equal(stats.syntax.type, "xsd:unsignedLong");

  const step = param(tr181, "Device.Optical.Interface.{i}.LowerOpticalThreshold");
  assert.deepEqual(step.syntax.ranges, [{ min: -127000, max: 0, step: 500 }]);
  assert.equal(step.status, "obsoleted");

  const color = param(tr181, "Device.UserInterface.TextColor");
  assert.equal(color.syntax.type, "xsd:hexBinary");
  assert.deepEqual(color.syntax.sizes, [{ minLength: 3, maxLength: 3 }]);

  const alias = param(tr181, "Device.WiFi.SSID.{i}.Alias");
  assert.equal(alias.access, "writeOnceReadOnly");
  assert.equal(alias.writable, true);

  const password = param(tr181, "Device.ManagementServer.Password");
  assert.equal(password.hidden, true);

  const band = param(tr181, "Device.WiFi.Radio.{i}.OperatingFrequencyBand");
  assert.deepEqual(band.syntax.enumerationRef, { targetParam: "SupportedFrequencyBands" });
  const lower = param(tr181, "Device.WiFi.SSID.{i}.LowerLayers");
  assert.equal(lower.syntax.pathRef?.refType, "strong");
});

test("TR-181: short descriptions keep the first sentence", () => {
  const m = loadBbfXml(dm("tr-181-2-17-0-cwmp-full.xml"), { descriptions: "short" });
  const d = m.parameters.get("Device.ManagementServer.PeriodicInformInterval")?.description ?? "";
  assert.match(d, /^The duration in \{\{units\}\} of the interval/);
  assert.ok(d.length <= 200);
  assert.ok(!d.includes("\n"));
});

test("TR-098: InternetGatewayDevice root, counts, ManagementServer.URL", () => {
  assert.equal(tr098.name, "InternetGatewayDevice:1.14");
  assert.equal(tr098.root, "InternetGatewayDevice.");
  assert.equal(tr098.objects.size, 192);
  assert.equal(tr098.parameters.size, 1800);
  const url = param(tr098, "InternetGatewayDevice.ManagementServer.URL");
  assert.equal(url.syntax.type, "xsd:string");
  assert.deepEqual(url.syntax.sizes, [{ maxLength: 256 }]);
  assert.equal(url.writable, true);
  const wlan = object(tr098, "InternetGatewayDevice.LANDevice.{i}.WLANConfiguration.{i}.");
  assert.equal(wlan.multiInstance, true);
  assert.equal(wlan.writable, false);
  assert.equal(wlan.numEntriesParameter, "InternetGatewayDevice.LANDevice.{i}.LANWLANConfigurationNumberOfEntries");
  const beacon = param(tr098, "InternetGatewayDevice.LANDevice.{i}.WLANConfiguration.{i}.BeaconType");
  assert.equal(beacon.syntax.enumerations?.find((e) => e.value === "BasicandWPA")?.status, "obsoleted");
});

test("TR-098: names with stray spaces in the published file are trimmed, with a warning", () => {
  const p = param(tr098, "InternetGatewayDevice.UPnP.Device.UPnPQoSDevice");
  assert.equal(p.syntax.type, "xsd:boolean");
  assert.ok(tr098.warnings.some((w) => w.includes('"UPnPQoSDevice "') && w.includes("trimmed")));
  assert.ok(tr098.warnings.some((w) => w.includes('"Queueing "') && w.includes("4 times")));
  assert.equal(tr098.warnings.length, 2);
});

test("TR-104: a service model with relative paths and a top-level counter", () => {
  assert.equal(tr104.name, "VoiceService:2.0");
  assert.equal(tr104.isService, true);
  assert.equal(tr104.root, "VoiceService.");
  assert.equal(tr104.objects.size, 113);
  assert.equal(tr104.parameters.size, 849);
  assert.deepEqual(tr104.warnings, []);
  const counter = param(tr104, "VoiceServiceNumberOfEntries");
  assert.equal(counter.object, "");
  assert.equal(object(tr104, "VoiceService.{i}.").numEntriesParameter, "VoiceServiceNumberOfEntries");
  const max = param(tr104, "VoiceService.{i}.Capabilities.MaxLineCount");
  assert.equal(max.syntax.type, "xsd:int");
  assert.deepEqual(max.syntax.ranges, [{ min: -1 }]);
  const client = object(tr104, "VoiceService.{i}.SIP.Client.{i}.");
  assert.equal(client.writable, true);
  assert.equal(client.numEntriesParameter, "VoiceService.{i}.SIP.ClientNumberOfEntries");
  const uri = param(tr104, "VoiceService.{i}.SIP.Client.{i}.RegisterURI");
  assert.deepEqual(uri.syntax.sizes, [{ maxLength: 389 }]);
  assert.equal(uri.writable, true);
});

test("bad XML is a typed DM_XML error with a position", () => {
  assert.throws(() => parseBbfXml("<dm:document xmlns:dm='urn:broadband-forum-org:cwmp:datamodel-1-14'><model>"), (e: unknown) => {
    return e instanceof ModelError && e.code === "DM_XML" && /line 1/.test(e.message);
  });
  assert.throws(() => parseBbfXml("<!DOCTYPE x [<!ENTITY a 'b'>]><x/>"), isModelError("DM_XML"));
  assert.throws(() => parseBbfXml("<a/><b/>"), isModelError("DM_XML"));
  assert.throws(() => parseBbfXml("not xml at all"), isModelError("DM_XML"));
});

test("XML that is not a data model is refused as such", () => {
  const soap = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>`;
  assert.throws(() => parseBbfXml(soap), (e: unknown) => e instanceof ModelError && e.code === "DM_NOT_DATA_MODEL" && e.message.includes("soap:Envelope"));
  assert.throws(() => parseBbfXml(`<document/>`), isModelError("DM_NOT_DATA_MODEL"));
  assert.throws(() => parseBbfXml(""), isModelError("DM_NOT_DATA_MODEL"));
  assert.throws(() => loadBbfXml(join(bbfDir, "no-such-file.xml")), isModelError("FILE_READ"));
});

const DOC = (body: string, attrs = "") =>
  `<?xml version="1.0"?><dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="urn:test" ${attrs}>${body}</dm:document>`;

test("a document that only imports is DM_NO_MODEL, pointing at the full variant", () => {
  const text = DOC(`<import file="tr-181-2-17-0-cwmp.xml"><component name="X"/></import><component name="Y"/>`);
  assert.throws(() => parseBbfXml(text), (e: unknown) => e instanceof ModelError && e.code === "DM_NO_MODEL" && e.message.includes("-full"));
});

test("odd constructs become warnings, not crashes", () => {
  const text = DOC(`
    <import file="other.xml"/>
    <dataType name="Loop" base="Loop"/>
    <model name="Test:1.0">
      <component ref="Elsewhere"/>
      <object name="Test." access="readOnly" minEntries="1" maxEntries="1">
        <gadget/>
        <parameter name="A"><syntax><dataType ref="Missing"/></syntax></parameter>
        <parameter name="B"><syntax><string><pattern value="[a-z-[aeiou]]+"/><wobble/></string></syntax></parameter>
        <parameter name="C"><syntax><string><pattern value="(unclosed"/></string></syntax></parameter>
        <parameter name="D"><syntax/></parameter>
        <parameter name="E"/>
        <parameter name="bad name"><syntax><int/></syntax></parameter>
        <parameter name="F"><syntax><int><range minInclusive="x"/></int></syntax></parameter>
        <parameter name="G"><syntax><dataType ref="Loop"/></syntax></parameter>
      </object>
      <object name="Test.Table.{i}." access="readWrite" minEntries="0" maxEntries="many"/>
      <object name="Not a path." access="readOnly"/>
    </model>`);
  const m = parseBbfXml(text);
  assert.equal(m.name, "Test:1.0");
  assert.equal(m.root, "Test.");
  assert.deepEqual([...m.parameters.keys()], ["Test.A", "Test.B", "Test.C", "Test.D", "Test.E", "Test.F", "Test.G"]);
  assert.equal(m.parameters.get("Test.A")?.syntax.type, "xsd:string");
  assert.equal(m.parameters.get("Test.B")?.syntax.patterns?.[0]?.regex, null);
  assert.equal(m.parameters.get("Test.C")?.syntax.patterns?.[0]?.regex, null);
  assert.equal(m.parameters.get("Test.F")?.syntax.type, "xsd:int");
  assert.equal(m.objects.get("Test.Table.{i}.")?.maxEntries, 1);
  const expected = [
    /import.*not followed/,
    /<component>/,
    /unknown element <gadget>/,
    /unknown data type Missing/,
    /XSD-only/,
    /<wobble>/,
    /not a valid regular expression/,
    /without a type/,
    /has no <syntax>/,
    /"bad name".*not a name/,
    /minInclusive="x"/,
    /derived from itself/,
    /maxEntries="many"/,
    /"Not a path\."/,
  ];
  for (const re of expected) assert.ok(m.warnings.some((w) => re.test(w)), `a warning matches ${re}: ${m.warnings.join(" | ")}`);
});

test("deleted facets no longer restrict; derived data types narrow their base", () => {
  const text = DOC(`
    <dataType name="Base"><string><size maxLength="10"/><enumeration value="a"/><enumeration value="b"/></string></dataType>
    <dataType name="Narrow" base="Base"><enumeration value="a"/></dataType>
    <model name="T:1.0">
      <object name="T." access="readOnly" minEntries="1" maxEntries="1">
        <parameter name="Old" access="readWrite">
          <syntax><string><size maxLength="31" status="deleted"/><enumeration value="x"/><enumeration value="y" status="deleted"/><enumeration value="z" status="deprecated"/></string>
          <default type="object" value="q" status="deleted"/></syntax>
        </parameter>
        <parameter name="N" access="readWrite"><syntax><dataType ref="Narrow"/><default type="factory" value="a"/></syntax></parameter>
        <parameter name="L" access="readWrite"><syntax><list minItems="1" maxItems="3"><size maxLength="20"/></list><unsignedInt><range minInclusive="1" maxInclusive="9"/></unsignedInt></syntax></parameter>
      </object>
    </model>`);
  const m = parseBbfXml(text);
  const old = m.parameters.get("T.Old")!;
  assert.equal(old.syntax.sizes, undefined);
  assert.deepEqual(old.syntax.enumerations, [{ value: "x" }, { value: "z", status: "deprecated" }]);
  assert.equal(old.default, undefined);
  const n = m.parameters.get("T.N")!;
  assert.equal(n.syntax.dataType, "Narrow");
  assert.deepEqual(n.syntax.sizes, [{ maxLength: 10 }]);
  assert.deepEqual(n.syntax.enumerations, [{ value: "a" }]);
  assert.equal(n.default, "a");
  assert.equal(n.defaultType, "factory");
  assert.equal(m.dataTypes.get("Narrow")?.base, "Base");
  const l = m.parameters.get("T.L")!;
  assert.equal(l.syntax.type, "xsd:string");
  assert.equal(l.syntax.itemType, "xsd:unsignedInt");
  assert.deepEqual(l.syntax.list, { minItems: 1, maxItems: 3, maxLength: 20 });
  assert.deepEqual(l.syntax.ranges, [{ min: 1, max: 9 }]);
  assert.deepEqual(m.warnings, []);
});

test("a document with several models loads the one asked for", () => {
  const text = DOC(`<model name="A:1.0"><object name="A." access="readOnly"/></model><model name="B:1.0"><object name="B." access="readOnly"/></model>`);
  assert.equal(parseBbfXml(text, { model: "B:1.0" }).root, "B.");
  const first = parseBbfXml(text);
  assert.equal(first.root, "A.");
  assert.ok(first.warnings.some((w) => w.includes("2 models")));
  assert.throws(() => parseBbfXml(text, { model: "C:1.0" }), isModelError("DM_NO_MODEL"));
});
