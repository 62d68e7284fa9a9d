import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelError, loadDump, parseDumpCsv, parseDumpJson, type DeviceDump, type DumpIssueCode } from "../../src/model/index.js";

function entry(dump: DeviceDump, path: string) {
  return dump.entries.find((e) => e.path === path);
}

function codes(dump: DeviceDump): DumpIssueCode[] {
  return dump.issues.map((i) => i.code);
}

const SIMPLE = [
  "\uFEFFParameter,Object,Writable,Value,Value type",
  "DeviceID.Manufacturer,false,false,\"Huawei Technologies Co., Ltd.\",xsd:string",
  "DeviceID.SerialNumber,false,false,8KA8WA1151100043,xsd:string",
  "InternetGatewayDevice,true,false,,",
  "InternetGatewayDevice.DeviceInfo,true,false,,",
  "InternetGatewayDevice.DeviceInfo.Manufacturer,false,false,\"Huawei Technologies Co., Ltd.\",xsd:string",
  "InternetGatewayDevice.DeviceInfo.Description,false,false,\"Say \"\"hi\"\"\",xsd:string",
  "InternetGatewayDevice.DeviceInfo.ProvisioningCode,false,1,,xsd:string",
  "InternetGatewayDevice.DeviceInfo.UpTime,0,0,213138,xsd:unsignedInt",
  "InternetGatewayDevice.DeviceInfo.DeviceLog,false,false,\"line one\r\nline two\",xsd:string",
  "InternetGatewayDevice.LANDevice,true,false,,",
  "InternetGatewayDevice.LANDevice.1,true,true,,",
  "InternetGatewayDevice.LANDevice.1.LANHostConfigManagement,true,false,,",
  "InternetGatewayDevice.LANDevice.1.LANHostConfigManagement.DNSServers,false,true,\"177.75.56.101,8.8.8.8\",xsd:string",
  "InternetGatewayDevice.LANDevice.1.LANHostConfigManagement.DHCPServerEnable,false,true,true,xsd:boolean",
  "",
].join("\r\n");

test("CSV: quoting, commas, doubled quotes, line breaks, flags and objects", () => {
  const d = parseDumpCsv(SIMPLE);
  assert.deepEqual(d.issues, [{ severity: "warning", code: "SKIPPED", message: "2 DeviceID.* row(s) skipped: GenieACS bookkeeping, not device parameters" }]);
  assert.deepEqual(d.roots, ["InternetGatewayDevice."]);
  assert.deepEqual(d.deviceId, { manufacturer: "Huawei Technologies Co., Ltd.", serialNumber: "8KA8WA1151100043" });
  assert.equal(d.entries.length, 12);
  assert.deepEqual(entry(d, "InternetGatewayDevice."), { path: "InternetGatewayDevice.", object: true, writable: false, source: 4 });
  assert.deepEqual(entry(d, "InternetGatewayDevice.LANDevice.1."), { path: "InternetGatewayDevice.LANDevice.1.", object: true, writable: true, source: 13 });
  assert.equal(entry(d, "InternetGatewayDevice.DeviceInfo.Manufacturer")?.value, "Huawei Technologies Co., Ltd.");
  assert.equal(entry(d, "InternetGatewayDevice.DeviceInfo.Description")?.value, 'Say "hi"');
  assert.equal(entry(d, "InternetGatewayDevice.DeviceInfo.DeviceLog")?.value, "line one\r\nline two");
  const code = entry(d, "InternetGatewayDevice.DeviceInfo.ProvisioningCode");
  assert.deepEqual(code, { path: "InternetGatewayDevice.DeviceInfo.ProvisioningCode", object: false, writable: true, value: "", type: "xsd:string", source: 8 });
  const up = entry(d, "InternetGatewayDevice.DeviceInfo.UpTime");
  assert.equal(up?.type, "xsd:unsignedInt");
  assert.equal(up?.writable, false);
  assert.equal(entry(d, "InternetGatewayDevice.LANDevice.1.LANHostConfigManagement.DNSServers")?.value, "177.75.56.101,8.8.8.8");
  // Lines count from the row's first line, across quoted line breaks.
  assert.equal(entry(d, "InternetGatewayDevice.LANDevice.")?.source, 12);
});

test("CSV: GenieACS export columns, unknown values and bookkeeping rows", () => {
  const text = [
    "Parameter,Object,Object timestamp,Writable,Writable timestamp,Value,Value type,Value timestamp,Notification,Notification timestamp,Access list,Access list timestamp",
    'DeviceID.ID,false,2023-09-13T22:50:18.539Z,false,2023-09-13T22:50:18.539Z,"00259E-EG8145V5-4857",xsd:string,2023-09-13T22:50:18.539Z,,,,',
    'DeviceID.OUI,false,2023-09-13T22:50:18.539Z,false,2023-09-13T22:50:18.539Z,"00259E",xsd:string,2023-09-13T22:50:18.539Z,,,,',
    'Events.0_BOOTSTRAP,false,2023-09-13T22:50:18.539Z,false,2023-09-13T22:50:18.539Z,"2023-09-13T19:43:42.035Z",xsd:dateTime,2023-09-13T22:50:18.539Z,,,,',
    'InternetGatewayDevice,true,1970-01-01T00:00:00.001Z,,,"",,,,,,',
    'InternetGatewayDevice.DeviceInfo,true,2023-09-13T19:43:42.035Z,true,2023-09-13T19:43:42.035Z,"",,,,,,',
    'InternetGatewayDevice.DeviceInfo.ModelName,false,2023-09-13T21:37:54.309Z,false,2023-09-13T21:37:54.309Z,"EG8145V5",xsd:string,2023-09-13T21:37:54.317Z,,,,',
    'InternetGatewayDevice.DeviceInfo.Manufacturer,false,2023-09-13T21:37:54.309Z,false,2023-09-13T21:37:54.309Z,"",,,,,,',
    'InternetGatewayDevice.DeviceInfo.SerialNumber,false,2023-09-13T21:37:54.309Z,false,2023-09-13T21:37:54.309Z,"48575443A94196A5",xsd:string,2023-09-13T21:37:54.317Z,,,,',
  ].join("\n");
  const d = parseDumpCsv(text);
  assert.deepEqual(d.entries.map((e) => e.path), [
    "InternetGatewayDevice.",
    "InternetGatewayDevice.DeviceInfo.",
    "InternetGatewayDevice.DeviceInfo.ModelName",
    "InternetGatewayDevice.DeviceInfo.Manufacturer",
    "InternetGatewayDevice.DeviceInfo.SerialNumber",
  ]);
  // An empty value with no type is a value the dump does not know.
  const unknown = entry(d, "InternetGatewayDevice.DeviceInfo.Manufacturer");
  assert.equal(unknown?.value, undefined);
  assert.equal(unknown?.type, undefined);
  assert.equal(entry(d, "InternetGatewayDevice.")?.writable, false);
  assert.deepEqual(d.deviceId, { oui: "00259E", serialNumber: "48575443A94196A5" });
  assert.deepEqual(codes(d), ["SKIPPED", "SKIPPED"]);
});

test("CSV: row problems are reported with their line and do not stop the load", () => {
  const text = [
    "Parameter,Object,Writable,Value,Value type",
    "Device.,true,false,,",
    "Device.DeviceInfo.,true,false,,",
    "Device.DeviceInfo.UpTime,false,false,12,xsd:unsignedInt",
    "Device.DeviceInfo.UpTime,false,false,13,xsd:unsignedInt",
    "Device.Bad Name,false,false,x,xsd:string",
    "Device.DeviceInfo.Odd,false,false,x,xsd:strange",
    "Device.DeviceInfo.Neg,false,false,-1,xsd:unsignedInt",
    "Device.DeviceInfo.Flag,false,maybe,x,xsd:string",
    "Device.DeviceInfo.Split,false,false,a,b,xsd:string",
    "Device.DeviceInfo.Short,false,false,",
    "Device.DeviceInfo.UpTime.Sub,false,false,1,xsd:int",
    "Device.WiFi.SSID.1.SSID,false,true,home,xsd:string",
    "Device.DeviceInfo.Untyped,false,false,x,",
    "Device.DeviceInfo.,false,false,,",
    "Device.Obj,true,false,v,xsd:string",
    "Device.DeviceInfo,false,false,x,xsd:string",
  ].join("\n");
  const d = parseDumpCsv(text);
  const byCode = (c: DumpIssueCode) => d.issues.filter((i) => i.code === c);
  assert.deepEqual(byCode("DUPLICATE").map((i) => [i.source, i.severity]), [[5, "error"], [15, "error"], [17, "error"]]);
  assert.match(byCode("DUPLICATE")[0]!.message, /line 5: Device\.DeviceInfo\.UpTime was already given \(line 4\); the first is kept/);
  assert.match(byCode("DUPLICATE")[2]!.message, /already given as an object/);
  assert.equal(entry(d, "Device.DeviceInfo.UpTime")?.value, "12");
  assert.deepEqual(byCode("BAD_NAME").map((i) => i.source), [6]);
  assert.match(byCode("BAD_NAME")[0]!.message, /"Device\.Bad Name" is not a valid parameter name/);
  assert.deepEqual(byCode("BAD_TYPE").map((i) => i.source), [7, 14]);
  assert.equal(entry(d, "Device.DeviceInfo.Odd")?.type, "xsd:string");
  assert.deepEqual(byCode("BAD_VALUE").map((i) => [i.source, i.severity]), [[8, "warning"]]);
  assert.equal(entry(d, "Device.DeviceInfo.Neg")?.value, "-1");
  assert.deepEqual(byCode("BAD_FLAG").map((i) => i.source), [9]);
  assert.equal(entry(d, "Device.DeviceInfo.Flag")?.writable, false);
  assert.deepEqual(byCode("ROW_LENGTH").map((i) => [i.source, i.severity]), [[10, "error"], [11, "warning"]]);
  assert.equal(entry(d, "Device.DeviceInfo.Split"), undefined);
  assert.equal(entry(d, "Device.DeviceInfo.Short")?.type, undefined);
  assert.deepEqual(byCode("UNDER_PARAMETER").map((i) => i.source), [12]);
  assert.deepEqual(byCode("OBJECT_MISMATCH").map((i) => i.source), [15, 16]);
  assert.equal(entry(d, "Device.Obj.")?.object, true);
  // Missing parents are added once, before the first path that needs them.
  const missing = byCode("MISSING_PARENT");
  assert.equal(missing.length, 1);
  assert.match(missing[0]!.message, /3 object\(s\).*Device\.WiFi\., Device\.WiFi\.SSID\., Device\.WiFi\.SSID\.1\..*added/);
  const paths = d.entries.map((e) => e.path);
  assert.deepEqual(paths.slice(paths.indexOf("Device.WiFi."), paths.indexOf("Device.WiFi.SSID.1.SSID") + 1), [
    "Device.WiFi.",
    "Device.WiFi.SSID.",
    "Device.WiFi.SSID.1.",
    "Device.WiFi.SSID.1.SSID",
  ]);
  assert.equal(entry(d, "Device.WiFi.SSID.1.")?.source, undefined);
  const without = parseDumpCsv(text, { addMissingObjects: false });
  assert.equal(entry(without, "Device.WiFi."), undefined);
  assert.ok(without.issues.some((i) => i.code === "MISSING_PARENT" && !i.message.includes("added")));
});

test("CSV: input that cannot be read throws DUMP_SYNTAX with the line", () => {
  assert.throws(() => parseDumpCsv("Parameter,Value\nDevice.X,1\n"), (e: unknown) => {
    return e instanceof ModelError && e.code === "DUMP_SYNTAX" && e.line === 1 && /Object, Writable, Value type/.test(e.message);
  });
  assert.throws(() => parseDumpCsv('Parameter,Object,Writable,Value,Value type\nDevice.,true,false,,\nDevice.X,false,false,"open\nstill open'), (e: unknown) => {
    return e instanceof ModelError && e.code === "DUMP_SYNTAX" && e.line === 3 && /not closed/.test(e.message);
  });
  assert.throws(() => parseDumpCsv("\n\n"), (e: unknown) => e instanceof ModelError && e.code === "DUMP_SYNTAX");
});

test("CSV: a header in another order and case is fine", () => {
  const d = parseDumpCsv("value type,VALUE,parameter,writable,object\nxsd:int,5,Device.X,1,0\n");
  assert.deepEqual(d.entries.map((e) => [e.path, e.value, e.type, e.writable]), [
    ["Device.", undefined, undefined, false],
    ["Device.X", "5", "xsd:int", true],
  ]);
});

test("JSON: array of entries, wrapped form with deviceId, path map", () => {
  const array = parseDumpJson(JSON.stringify([
    { path: "Device.", object: true },
    { path: "Device.DeviceInfo." },
    { name: "Device.DeviceInfo.UpTime", value: 42, type: "xsd:unsignedInt" },
    { path: "Device.DeviceInfo.ProvisioningCode", value: "", writable: true },
    { path: "Device.ManagementServer.PeriodicInformEnable", value: true, type: "xsd:boolean", writable: "1" },
  ]));
  assert.deepEqual(array.issues.map((i) => i.code), ["MISSING_PARENT"]);
  assert.equal(entry(array, "Device.DeviceInfo.")?.object, true);
  assert.deepEqual(entry(array, "Device.DeviceInfo.UpTime"), { path: "Device.DeviceInfo.UpTime", object: false, writable: false, value: "42", type: "xsd:unsignedInt", source: 3 });
  assert.deepEqual(entry(array, "Device.DeviceInfo.ProvisioningCode")?.type, "xsd:string");
  assert.deepEqual(entry(array, "Device.ManagementServer.PeriodicInformEnable")?.value, "true");
  assert.deepEqual(entry(array, "Device.ManagementServer.PeriodicInformEnable")?.writable, true);

  const wrapped = parseDumpJson({
    deviceId: { manufacturer: "Acme", oui: "001122", productClass: "Box", serialNumber: "S1" },
    parameters: [{ path: "Device.", object: true }, { path: "Device.DeviceInfo.", object: true }, { path: "Device.DeviceInfo.SerialNumber", value: "OTHER" }],
  });
  assert.deepEqual(wrapped.deviceId, { manufacturer: "Acme", oui: "001122", productClass: "Box", serialNumber: "S1" });
  assert.deepEqual(wrapped.issues, []);

  const map = parseDumpJson({ "Device.": { object: true }, "Device.DeviceInfo.": { object: true }, "Device.DeviceInfo.SerialNumber": "S2" });
  assert.equal(entry(map, "Device.DeviceInfo.SerialNumber")?.value, "S2");
  assert.equal(map.deviceId.serialNumber, "S2");
});

test("JSON: bad entries are dropped with a reason; unreadable JSON throws", () => {
  const d = parseDumpJson([{ path: "Device.", object: true }, 5, { value: "x" }, { path: "Device.X", value: { nested: 1 } }, { path: "Device.Y", value: "1", type: "xsd:int", object: "nope" }]);
  assert.deepEqual(d.issues.map((i) => [i.code, i.source]), [["BAD_ENTRY", 2], ["BAD_ENTRY", 3], ["BAD_ENTRY", 4], ["BAD_FLAG", 5]]);
  assert.deepEqual(d.entries.map((e) => e.path), ["Device.", "Device.Y"]);
  assert.throws(() => parseDumpJson("{not json"), (e: unknown) => e instanceof ModelError && e.code === "DUMP_SYNTAX" && /not valid JSON/.test(e.message));
  assert.throws(() => parseDumpJson("42"), (e: unknown) => e instanceof ModelError && e.code === "DUMP_SYNTAX");
  assert.throws(() => parseDumpJson({ parameters: [], deviceId: "x" }), (e: unknown) => e instanceof ModelError && e.code === "DUMP_SYNTAX");
});

test("issues stop being listed at the bound, with a count of the rest", () => {
  const rows = ["Parameter,Object,Writable,Value,Value type", "Device.,true,false,,"];
  for (let i = 0; i < 10; i++) rows.push(`Device.X${i},false,false,abc,xsd:int`);
  const d = parseDumpCsv(rows.join("\n"), { maxIssues: 4 });
  assert.equal(d.issues.length, 5);
  assert.deepEqual(d.issues[4], { severity: "warning", code: "TOO_MANY_ISSUES", message: "6 more issue(s) not listed" });
  assert.equal(d.entries.length, 11);
});

test("loadDump picks the format from the name or the content", () => {
  const dir = mkdtempSync(join(tmpdir(), "provisio-model-"));
  try {
    writeFileSync(join(dir, "a.csv"), SIMPLE);
    writeFileSync(join(dir, "b.json"), JSON.stringify([{ path: "Device.", object: true }]));
    writeFileSync(join(dir, "c.dump"), ' [{"path": "Device.X", "value": "1"}]');
    assert.equal(loadDump(join(dir, "a.csv")).roots[0], "InternetGatewayDevice.");
    assert.deepEqual(loadDump(join(dir, "b.json")).entries.map((e) => e.path), ["Device."]);
    assert.deepEqual(loadDump(join(dir, "c.dump")).entries.map((e) => e.path), ["Device.", "Device.X"]);
    assert.throws(() => loadDump(join(dir, "missing.csv")), (e: unknown) => e instanceof ModelError && e.code === "FILE_READ");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
