import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { bbfDir } from "../support/paths.js";
import {
  DataModelRegistry,
  ModelError,
  checkValue,
  findObject,
  findParameter,
  initialValue,
  instantiate,
  loadBbfXml,
  parseDumpJson,
  parsePath,
  type DataModel,
  type DataModelSource,
} from "../../src/model/index.js";
import { sampleOf } from "../../src/model/instantiate.js";

const dm = (file: string): string => join(bbfDir, "data-models", file);
const tr181 = loadBbfXml(dm("tr-181-2-17-0-cwmp-full.xml"));
const tr098 = loadBbfXml(dm("tr-098-1-8-0-full.xml"));
const tr104 = loadBbfXml(dm("tr-104-2-0-2-cwmp-full.xml"));
const registry = new DataModelRegistry([tr181, tr098, tr104]);

function isModelError(code: string) {
  return (e: unknown) => e instanceof ModelError && e.code === code;
}

test("a concrete path finds its definition through {i}", () => {
  const m = registry.parameter("Device.WiFi.SSID.3.SSID");
  assert.ok(m);
  assert.equal(m.template, "Device.WiFi.SSID.{i}.SSID");
  assert.equal(m.model, tr181);
  assert.equal(m.mount, "");
  assert.equal(m.def.syntax.type, "xsd:string");
  assert.equal(registry.parameter("Device.WiFi.SSID.[cpe-main].SSID")?.template, "Device.WiFi.SSID.{i}.SSID");
  assert.equal(registry.parameter(parsePath("Device.WiFi.SSID.*.SSID"))?.template, "Device.WiFi.SSID.{i}.SSID");
  assert.equal(registry.parameter("InternetGatewayDevice.LANDevice.1.WLANConfiguration.2.SSID")?.model, tr098);
  assert.equal(registry.parameter("Device.WiFi.SSID.3.X_ACME_Power"), undefined);
  assert.equal(registry.parameter("Device.WiFi.SSID.3."), undefined);
  assert.equal(registry.parameter("Unknown.X"), undefined);
  assert.throws(() => registry.parameter("Device..X"), isModelError("PATH_INVALID"));
});

test("objects: rows, tables and single objects", () => {
  const table = registry.object("Device.WiFi.SSID.");
  assert.equal(table?.table, true);
  assert.equal(table?.template, "Device.WiFi.SSID.{i}.");
  assert.equal(table?.def.writable, true);
  const row = registry.object("Device.WiFi.SSID.2.");
  assert.equal(row?.table, false);
  assert.equal(row?.def.multiInstance, true);
  assert.equal(registry.object("Device.WiFi.SSID.2")?.template, "Device.WiFi.SSID.{i}.");
  assert.equal(registry.object("Device.DeviceInfo.")?.def.multiInstance, false);
  assert.equal(registry.object("Device.Nowhere."), undefined);
  assert.equal(registry.object(""), undefined);
});

test("the root says which model applies", () => {
  assert.equal(registry.model("Device."), tr181);
  assert.equal(registry.model("InternetGatewayDevice"), tr098);
  assert.equal(registry.model("VoiceService."), undefined);
  assert.equal(registry.serviceModel("VoiceService"), tr104);
  assert.deepEqual(registry.rootNames(), ["Device.", "InternetGatewayDevice."]);
  assert.equal(registry.modelFor("Device.DeviceInfo.UpTime")?.model, tr181);
  assert.equal(registry.modelFor(""), undefined);
});

test("service models answer below <root>.Services. of either root model", () => {
  const a = registry.parameter("Device.Services.VoiceService.1.Capabilities.MaxLineCount");
  assert.equal(a?.model, tr104);
  assert.equal(a?.mount, "Device.Services.");
  assert.equal(a?.template, "VoiceService.{i}.Capabilities.MaxLineCount");
  const b = registry.parameter("InternetGatewayDevice.Services.VoiceService.2.SIP.Client.1.RegisterURI");
  assert.equal(b?.mount, "InternetGatewayDevice.Services.");
  assert.equal(b?.def.writable, true);
  assert.equal(registry.parameter("Device.Services.VoiceServiceNumberOfEntries")?.model, tr104);
  assert.equal(registry.object("Device.Services.VoiceService.")?.table, true);
  // The mount point itself belongs to the root model.
  assert.equal(registry.object("Device.Services.")?.model, tr181);
});

test("sources load lazily, once, and only the one asked for", () => {
  const loads: string[] = [];
  const source = (root: string, model: DataModel, isService = false): DataModelSource => ({
    root,
    isService,
    load: () => {
      loads.push(root);
      return model;
    },
  });
  const lazy = new DataModelRegistry([source("Device.", tr181), source("InternetGatewayDevice.", tr098), source("VoiceService.", tr104, true)]);
  assert.deepEqual(loads, []);
  assert.deepEqual(lazy.rootNames(), ["Device.", "InternetGatewayDevice."]);
  assert.equal(lazy.parameter("Device.DeviceInfo.UpTime")?.def.syntax.type, "xsd:unsignedInt");
  assert.equal(lazy.parameter("Device.DeviceInfo.SoftwareVersion")?.def.writable, false);
  assert.deepEqual(loads, ["Device."]);
  assert.equal(lazy.parameter("Device.Services.VoiceService.1.Capabilities.MaxLineCount")?.model, tr104);
  assert.deepEqual(loads, ["Device.", "VoiceService."]);
});

test("conflicting or mislabelled models are refused", () => {
  assert.throws(() => new DataModelRegistry([tr181, tr181]), isModelError("MODEL_REGISTRY"));
  assert.throws(() => new DataModelRegistry([{ root: "Device.X.", load: () => tr181 }]), isModelError("MODEL_REGISTRY"));
  const wrong = new DataModelRegistry([{ root: "Device.", load: () => tr098 }]);
  assert.throws(() => wrong.parameter("Device.DeviceInfo.UpTime"), isModelError("MODEL_REGISTRY"));
});

test("findParameter and findObject work on one model", () => {
  assert.equal(findParameter(tr104, "VoiceService.3.Capabilities.MaxLineCount")?.syntax.type, "xsd:int");
  assert.equal(findParameter(tr181, "Device.DeviceInfo."), undefined);
  assert.deepEqual(findObject(tr181, "Device.IP.Interface.")?.table, true);
  assert.equal(findObject(tr181, "Device.IP.Interface.4.IPv4Address.2.")?.def.path, "Device.IP.Interface.{i}.IPv4Address.{i}.");
});

test("initial values fit their syntax", () => {
  const p = (path: string) => tr181.parameters.get(path)!;
  assert.equal(initialValue(p("Device.ManagementServer.PeriodicInformInterval")), "1");
  assert.equal(initialValue(p("Device.WiFi.SSID.{i}.Status")), "Down");
  assert.equal(initialValue(p("Device.WiFi.SSID.{i}.Enable")), "false");
  assert.equal(initialValue(p("Device.ManagementServer.PeriodicInformTime")), "0001-01-01T00:00:00Z");
  assert.equal(initialValue(p("Device.UserInterface.TextColor")), "000000");
  assert.equal(initialValue(p("Device.RootDataModelVersion")), "2.0");
  assert.equal(initialValue(p("Device.DSL.Diagnostics.SELTUER.UER")), "[0,0]");
  // Every parameter of the three models gets a fitting value, but for one the standard contradicts
  // itself (PCPDecoding: 15 characters, and a pattern that needs 31).
  const misfits: string[] = [];
  for (const m of [tr181, tr098, tr104]) {
    for (const def of m.parameters.values()) if (checkValue(def, initialValue(def)) !== undefined) misfits.push(def.path);
  }
  assert.deepEqual(misfits, ["Device.Bridging.Bridge.{i}.Port.{i}.PriorityCodePoint.PCPDecoding"]);
});

test("sampleOf gives a string the simple standard patterns accept", () => {
  for (const pattern of ["2\\.\\d+", "\\d{4}|\\d{8}", "([0-9A-Fa-f][0-9A-Fa-f]:){5}([0-9A-Fa-f][0-9A-Fa-f])", "DECT(/\\d+\\.\\d+)?", "[A-Z][A-Z][ OI]", "([0-9]{1,15}?[BKMGT])"]) {
    const s = sampleOf(pattern);
    assert.ok(s !== undefined && new RegExp(`^(?:${pattern})$`, "u").test(s), `${pattern} -> ${s}`);
  }
  assert.equal(sampleOf("[^a]"), undefined);
  assert.equal(sampleOf("(a"), undefined);
  assert.equal(sampleOf("(?=a)"), undefined);
});

test("instantiate builds a whole TR-181 device that reads back as a clean dump", () => {
  const entries = instantiate(tr181);
  const paths = new Set(entries.map((e) => e.path));
  assert.equal(paths.size, entries.length);
  const dump = parseDumpJson(entries);
  assert.deepEqual(dump.issues, []);
  assert.equal(dump.entries.length, entries.length);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  assert.equal(byPath.get("Device.WiFi.SSID.")?.writable, true);
  assert.equal(byPath.get("Device.WiFi.SSID.1.")?.object, true);
  assert.equal(byPath.get("Device.WiFi.SSID.2."), undefined);
  assert.equal(byPath.get("Device.WiFi.SSIDNumberOfEntries")?.value, "1");
  assert.equal(byPath.get("Device.WiFi.SSID.1.Alias")?.value, "cpe-1");
  assert.equal(byPath.get("Device.DeviceInfo.SoftwareVersion")?.type, "xsd:string");
  // Every value fits the definition the registry finds for its concrete path.
  const misfits: string[] = [];
  for (const e of entries) {
    if (e.object) continue;
    const def = registry.parameter(e.path);
    assert.ok(def, e.path);
    if (checkValue(def.def, e.value!) !== undefined) misfits.push(def.template);
  }
  assert.deepEqual([...new Set(misfits)], ["Device.Bridging.Bridge.{i}.Port.{i}.PriorityCodePoint.PCPDecoding"]);
  // Obsoleted definitions are left out by default.
  assert.equal(byPath.has("Device.Optical.Interface.1.LowerOpticalThreshold"), false);
});

test("instantiate: rows per table, counters and service mounts", () => {
  const two = instantiate(tr181, { instances: (t) => (t.path === "Device.WiFi.SSID.{i}." ? 2 : 0) });
  const byPath = new Map(two.map((e) => [e.path, e]));
  assert.equal(byPath.get("Device.WiFi.SSIDNumberOfEntries")?.value, "2");
  assert.equal(byPath.get("Device.WiFi.SSID.2.Alias")?.value, "cpe-2");
  assert.equal(byPath.get("Device.WiFi.RadioNumberOfEntries")?.value, "0");
  assert.equal(byPath.has("Device.WiFi.Radio.1."), false);
  assert.equal(byPath.get("Device.WiFi.Radio.")?.object, true);

  const voice = instantiate(tr104, { mount: "Device.Services.", instances: 1 });
  const v = new Map(voice.map((e) => [e.path, e]));
  assert.equal(voice[0]?.path, "Device.");
  assert.equal(v.get("Device.Services.VoiceServiceNumberOfEntries")?.value, "1");
  assert.equal(v.get("Device.Services.VoiceService.1.SIP.ClientNumberOfEntries")?.value, "1");
  assert.equal(v.get("Device.Services.VoiceService.1.SIP.Client.1.RegisterURI")?.writable, true);
  assert.deepEqual(parseDumpJson(voice).issues, []);
  for (const e of voice) {
    if (!e.object) assert.equal(registry.parameter(e.path)?.model, tr104, e.path);
  }
});
