import { test } from "node:test";
import assert from "node:assert/strict";
import type { CwmpMessage } from "../../src/cwmp/index.js";
import { Cpe } from "../../src/sim/cpe.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { compileModel } from "../../src/sim/model.js";
import { as, call, close, faultCode, fromAcs, models, openSession, poweredOn, rawAcs, rawSpv, receive, S, T0, values, type DeviceOptions } from "./support/harness.js";

/** A device in an open session (Inform answered, empty POST sent), ready for ACS requests. */
function serving(o: DeviceOptions = {}) {
  const { cpe } = poweredOn(o);
  openSession(cpe, T0);
  const rpc = (m: CwmpMessage, ns: "1-0" | "1-1" | "1-2" = "1-2") => call(cpe, m, T0 + 1000, ns);
  /** Sends an envelope made by hand (see rawAcs). */
  const raw = (env: ReturnType<typeof rawAcs>) => {
    const out = receive(cpe, env, T0 + 1000);
    assert.equal(out.done, false);
    return out.done ? assert.fail() : out.reply!.body!;
  };
  return { cpe, rpc, raw };
}

const gpv = (...parameterNames: string[]): CwmpMessage => ({ method: "GetParameterValues", parameterNames });
const gpn = (parameterPath: string, nextLevel: boolean): CwmpMessage => ({ method: "GetParameterNames", parameterPath, nextLevel });
const spv = (parameterKey: string, ...parameterList: ReturnType<typeof S>[]): CwmpMessage => ({ method: "SetParameterValues", parameterKey, parameterList });
const names = (m: CwmpMessage) => as(m, "GetParameterNamesResponse").parameterList.map((p) => `${p.name}${p.writable ? " w" : ""}`);

test("GetRPCMethods lists what the device's CWMP version and the ACS's namespace both define", () => {
  const v14 = serving({ cwmpVersion: "1.4" });
  const all = as(v14.rpc({ method: "GetRPCMethods" }), "GetRPCMethodsResponse").methodList;
  for (const m of ["GetParameterValues", "AddObject", "Download", "GetAllQueuedTransfers", "ScheduleDownload", "CancelTransfer", "ChangeDUState"]) assert.ok(all.includes(m), m);
  const in10 = as(v14.rpc({ method: "GetRPCMethods" }, "1-0"), "GetRPCMethodsResponse").methodList;
  assert.ok(!in10.includes("GetAllQueuedTransfers") && !in10.includes("ChangeDUState"));
  const v11 = serving({ cwmpVersion: "1.1" });
  const list11 = as(v11.rpc({ method: "GetRPCMethods" }), "GetRPCMethodsResponse").methodList;
  assert.ok(list11.includes("GetAllQueuedTransfers"));
  assert.ok(!list11.includes("ScheduleDownload"));
  assert.equal(list11.length, 17);
});

test("unknown methods, methods of a later CWMP version and ACS-side methods are answered with 9000", () => {
  const { rpc, raw } = serving({ cwmpVersion: "1.0" });
  assert.equal(faultCode(raw(rawAcs("<cwmp:X_ACME_Frobnicate><Arg>1</Arg></cwmp:X_ACME_Frobnicate>", "1-0"))), 9000);
  assert.equal(faultCode(rpc({ method: "ChangeDUState", operations: [{ type: "Uninstall", uuid: "0" }] })), 9000);
  assert.equal(faultCode(rpc({ method: "GetAllQueuedTransfers" })), 9000);
  assert.equal(faultCode(rpc({ method: "RequestDownload", fileType: "1 Firmware Upgrade Image", fileTypeArg: [] })), 9000);
});

test("GetParameterValues: full names, partial paths as whole subtrees, unknown names", () => {
  const { rpc } = serving();
  const one = as(rpc(gpv("Device.DeviceInfo.SerialNumber")), "GetParameterValuesResponse").parameterList;
  assert.deepEqual(one, [{ name: "Device.DeviceInfo.SerialNumber", value: { type: "xsd:string", text: "PRV000001" } }]);

  const sub = values(rpc(gpv("Device.IP.Interface.")));
  assert.ok("Device.IP.Interface.1.IPv4Address.1.IPAddress" in sub);
  assert.ok("Device.IP.Interface.2.Stats.BytesSent" in sub);
  assert.ok(Object.keys(sub).every((n) => n.startsWith("Device.IP.Interface.") && !n.endsWith(".")));
  assert.equal(sub["Device.IP.Interface.1.IPv4Address.1.IPAddress"], "192.168.1.1");

  const types = Object.fromEntries(as(rpc(gpv("Device.ManagementServer.")), "GetParameterValuesResponse").parameterList.map((p) => [p.name, p.value.type]));
  assert.equal(types["Device.ManagementServer.PeriodicInformInterval"], "xsd:unsignedInt");
  assert.equal(types["Device.ManagementServer.PeriodicInformEnable"], "xsd:boolean");
  assert.equal(types["Device.ManagementServer.PeriodicInformTime"], "xsd:dateTime");

  const whole = as(rpc(gpv("")), "GetParameterValuesResponse").parameterList;
  assert.ok(whole.length > 500, `the whole tree has ${whole.length} parameters`);

  for (const bad of ["Device.DeviceInfo.Serial", "Device.IP.Interface.9.", "Device.DeviceInfo", "Device.IP.Interface.1", "InternetGatewayDevice.", "Device.DeviceInfo.SerialNumber."]) {
    assert.equal(faultCode(rpc(gpv("Device.DeviceInfo.Manufacturer", bad))), 9005, bad);
  }
});

test("GetParameterValues hides secrets and counts table rows in NumberOfEntries", () => {
  const { cpe, rpc } = serving();
  const v = values(rpc(gpv("Device.ManagementServer.ConnectionRequestPassword", "Device.ManagementServer.ConnectionRequestUsername", "Device.IP.InterfaceNumberOfEntries")));
  assert.equal(v["Device.ManagementServer.ConnectionRequestPassword"], "");
  assert.equal(v["Device.ManagementServer.ConnectionRequestUsername"], "PRV000001");
  assert.equal(v["Device.IP.InterfaceNumberOfEntries"], "2");
  // The engine still knows the secret: the runtime answers Connection Requests with it.
  assert.match(cpe.connectionRequestCredentials.password, /^cr-/);
});

test("GetParameterNames: the empty path, NextLevel true and false, parameters, unknown paths", () => {
  const { rpc } = serving();
  assert.deepEqual(names(rpc(gpn("", true))), ["Device."]);
  const all = names(rpc(gpn("", false)));
  assert.equal(all[0], "Device.");
  assert.ok(all.includes("Device.IP.Interface. w"));
  assert.ok(all.includes("Device.IP.Interface.1. w"));
  assert.ok(all.includes("Device.Ethernet.Interface."));
  assert.ok(all.includes("Device.DeviceInfo.SerialNumber"));
  assert.ok(all.includes("Device.DeviceInfo.ProvisioningCode w"));

  assert.deepEqual(names(rpc(gpn("Device.IP.Interface.", true))), ["Device.IP.Interface.1. w", "Device.IP.Interface.2. w"]);
  const ip1 = names(rpc(gpn("Device.IP.Interface.1.", true)));
  assert.ok(ip1.includes("Device.IP.Interface.1.Enable w"));
  assert.ok(ip1.includes("Device.IP.Interface.1.Stats."));
  assert.ok(ip1.includes("Device.IP.Interface.1.IPv4Address. w"));
  assert.ok(!ip1.some((n) => n.startsWith("Device.IP.Interface.1.Stats.Bytes")), "NextLevel true lists only the next level");
  assert.ok(!ip1.includes("Device.IP.Interface.1. w"), "NextLevel true does not list the object itself");

  const stats = names(rpc(gpn("Device.IP.Interface.1.Stats.", false)));
  assert.equal(stats[0], "Device.IP.Interface.1.Stats.");
  assert.equal(stats.length, 16);

  assert.deepEqual(names(rpc(gpn("Device.DeviceInfo.ProvisioningCode", false))), ["Device.DeviceInfo.ProvisioningCode w"]);
  assert.equal(faultCode(rpc(gpn("Device.DeviceInfo.ProvisioningCode", true))), 9003);
  assert.equal(faultCode(rpc(gpn("Device.Nothing.", false))), 9005);
  assert.equal(faultCode(rpc(gpn("Device.DeviceInfo", false))), 9005);
  // Rows of a read-only table cannot be deleted: not writable.
  assert.deepEqual(names(rpc(gpn("Device.Ethernet.Interface.", true))).slice(0, 2), ["Device.Ethernet.Interface.1.", "Device.Ethernet.Interface.2."]);
});

test("SetParameterValues applies every value, sets ParameterKey and answers Status 0", () => {
  const { rpc } = serving();
  const r = as(rpc(spv("key-1",
    S("Device.ManagementServer.PeriodicInformInterval", "600", "xsd:unsignedInt"),
    S("Device.WiFi.SSID.1.SSID", "home-net"),
    S("Device.WiFi.Radio.1.AutoChannelEnable", "0", "xsd:boolean"))), "SetParameterValuesResponse");
  assert.equal(r.status, 0);
  const v = values(rpc(gpv("Device.ManagementServer.PeriodicInformInterval", "Device.WiFi.SSID.1.SSID", "Device.WiFi.Radio.1.AutoChannelEnable", "Device.ManagementServer.ParameterKey")));
  assert.deepEqual(v, {
    "Device.ManagementServer.PeriodicInformInterval": "600",
    "Device.WiFi.SSID.1.SSID": "home-net",
    "Device.WiFi.Radio.1.AutoChannelEnable": "false",
    "Device.ManagementServer.ParameterKey": "key-1",
  });
});

test("SetParameterValues is all or nothing: 9003 with a fault per bad parameter, nothing applied", () => {
  const { rpc } = serving();
  const f = as(rpc(spv("key-2",
    S("Device.WiFi.SSID.1.SSID", "never-set"),
    S("Device.DeviceInfo.NoSuchThing", "x"),
    S("Device.DeviceInfo.SerialNumber", "X"),
    S("Device.ManagementServer.PeriodicInformInterval", "60", "xsd:string"),
    S("Device.ManagementServer.CWMPRetryMinimumWaitInterval", "0", "xsd:unsignedInt"),
    S("Device.ManagementServer.InstanceMode", "InstanceName"),
    S("Device.ManagementServer.STUNServerPort", "-1", "xsd:int"),
    S("Device.IP.Interface.9.Enable", "1", "xsd:boolean"))), "Fault");
  assert.equal(f.detail.faultCode, 9003);
  assert.deepEqual(f.detail.setParameterValuesFault?.map((x) => [x.parameterName, x.faultCode]), [
    ["Device.DeviceInfo.NoSuchThing", 9005],
    ["Device.DeviceInfo.SerialNumber", 9008],
    ["Device.ManagementServer.PeriodicInformInterval", 9006],
    ["Device.ManagementServer.CWMPRetryMinimumWaitInterval", 9007],
    ["Device.ManagementServer.InstanceMode", 9007],
    ["Device.ManagementServer.STUNServerPort", 9006],
    ["Device.IP.Interface.9.Enable", 9005],
  ]);
  const v = values(rpc(gpv("Device.WiFi.SSID.1.SSID", "Device.ManagementServer.ParameterKey")));
  assert.equal(v["Device.WiFi.SSID.1.SSID"], "Provisio-0001");
  assert.equal(v["Device.ManagementServer.ParameterKey"], "");
});

test("SetParameterValues: 9007 for text that is not of the type, length and list restrictions; 9003 for a name set twice", () => {
  const { rpc, raw } = serving();
  const one = (p: ReturnType<typeof S>) => as(rpc(spv("k", p)), "Fault").detail.setParameterValuesFault?.[0]?.faultCode;
  const rawOne = (name: string, type: string, text: string) => as(raw(rawSpv(name, type, text)), "Fault").detail.setParameterValuesFault?.[0]?.faultCode;
  assert.equal(rawOne("Device.ManagementServer.PeriodicInformInterval", "xsd:unsignedInt", "soon"), 9007);
  assert.equal(rawOne("Device.ManagementServer.PeriodicInformInterval", "xsd:unsignedInt", "-5"), 9007);
  assert.equal(rawOne("Device.ManagementServer.PeriodicInformTime", "xsd:dateTime", "tomorrow"), 9007);
  assert.equal(rawOne("Device.ManagementServer.PeriodicInformEnable", "xsd:boolean", "yes"), 9007);
  // An xsi:type the codec does not know is a type mismatch.
  assert.equal(rawOne("Device.ManagementServer.PeriodicInformInterval", "xsd:float", "5"), 9006);
  assert.equal(one(S("Device.WiFi.SSID.1.SSID", "x".repeat(33))), 9007);
  assert.equal(one(S("Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "short")), 9007);
  assert.equal(one(S("Device.WiFi.Radio.1.OperatingStandards", "g,n,zz")), 9007);
  assert.equal(one(S("Device.IP.Diagnostics.IPPing.DiagnosticsState", "Complete")), 9007);
  assert.equal(as(rpc(spv("k", S("Device.WiFi.Radio.1.OperatingStandards", "g,n"))), "SetParameterValuesResponse").status, 0);
  const dup = as(rpc(spv("k", S("Device.WiFi.SSID.1.SSID", "a"), S("Device.WiFi.SSID.1.SSID", "b"))), "Fault");
  assert.equal(dup.detail.faultCode, 9003);
  assert.equal(dup.detail.setParameterValuesFault, undefined);
  assert.equal(faultCode(rpc(spv("k".repeat(33), S("Device.WiFi.SSID.1.SSID", "a")))), 9003);
});

test("SetParameterValues: values without xsi:type, lenient types, and Status 1 for a change that needs a reboot", () => {
  const { cpe } = poweredOn();
  openSession(cpe, T0);
  // No xsi:type: read as text of the parameter's type (the codec marks it untyped).
  const out = cpe.receive({ ns: "1-2", header: {}, body: { method: "SetParameterValues", parameterKey: "u", parameterList: [{ name: "Device.ManagementServer.PeriodicInformInterval", value: { type: "xsd:string", text: "900", untyped: true } }] } }, T0);
  assert.equal(!out.done && out.reply?.body?.method, "SetParameterValuesResponse");
  assert.equal(cpe.read("Device.ManagementServer.PeriodicInformInterval"), "900");

  const lenient = serving({ strictTypes: false });
  assert.equal(as(lenient.rpc(spv("k", S("Device.ManagementServer.PeriodicInformInterval", "1200"))), "SetParameterValuesResponse").status, 0);

  const model = compileModel({
    name: "reboot-model",
    objects: [],
    parameters: [
      { path: "Device.X.Mode", type: "xsd:string", writable: true, value: "a", rebootRequired: true },
      { path: "Device.X.Name", type: "xsd:string", writable: true, value: "n" },
    ],
  });
  const r = serving({ model, identity: {} });
  assert.equal(as(r.rpc(spv("k", S("Device.X.Name", "m"))), "SetParameterValuesResponse").status, 0);
  assert.equal(as(r.rpc(spv("k", S("Device.X.Mode", "b"), S("Device.X.Name", "o"))), "SetParameterValuesResponse").status, 1);
});

test("Get/SetParameterAttributes: notification and access list, on names and partial paths", () => {
  const { rpc } = serving();
  const gpa = (...parameterNames: string[]) => as(rpc({ method: "GetParameterAttributes", parameterNames }), "GetParameterAttributesResponse").parameterList;
  const spa = (...parameterList: Array<{ name: string; notification?: number; accessList?: string[] }>) =>
    rpc({
      method: "SetParameterAttributes",
      parameterList: parameterList.map((p) => ({
        name: p.name, notificationChange: p.notification !== undefined, notification: p.notification ?? 0,
        accessListChange: p.accessList !== undefined, accessList: p.accessList ?? [],
      })),
    });
  assert.deepEqual(gpa("Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.HostName"), [
    { name: "Device.DeviceInfo.SoftwareVersion", notification: 2, accessList: [] },
    { name: "Device.DeviceInfo.HostName", notification: 0, accessList: [] },
  ]);
  as(spa({ name: "Device.DeviceInfo.HostName", notification: 1, accessList: ["Subscriber"] }, { name: "Device.WiFi.SSID.1.SSID", notification: 2 }), "SetParameterAttributesResponse");
  assert.deepEqual(gpa("Device.DeviceInfo.HostName"), [{ name: "Device.DeviceInfo.HostName", notification: 1, accessList: ["Subscriber"] }]);
  assert.equal(gpa("Device.WiFi.SSID.1.")[8]!.notification, 2);

  // Partial path: applies to every parameter below, except those that cannot take it (counters keep theirs).
  as(spa({ name: "Device.DeviceInfo.", notification: 2 }), "SetParameterAttributesResponse");
  const info = Object.fromEntries(gpa("Device.DeviceInfo.").map((a) => [a.name, a.notification]));
  assert.equal(info["Device.DeviceInfo.ModelName"], 2);
  assert.equal(info["Device.DeviceInfo.UpTime"], 0);
  assert.equal(info["Device.DeviceInfo.MemoryStatus.Free"], 0);

  // Named in full: refusals are faults, and nothing of the request is applied.
  assert.equal(faultCode(spa({ name: "Device.DeviceInfo.Description", notification: 0 }, { name: "Device.DeviceInfo.UpTime", notification: 2 })), 9009);
  assert.equal(gpa("Device.DeviceInfo.Description")[0]!.notification, 2);
  assert.equal(faultCode(spa({ name: "Device.DeviceInfo.SoftwareVersion", notification: 0 })), 9009);
  as(spa({ name: "Device.DeviceInfo.UpTime", notification: 1 }), "SetParameterAttributesResponse");

  assert.equal(faultCode(spa({ name: "Device.DeviceInfo.Nope", notification: 1 })), 9005);
  assert.equal(faultCode(spa({ name: "Device.DeviceInfo.HostName", accessList: ["Everyone"] })), 9003);
  assert.equal(faultCode(rpc({ method: "GetParameterAttributes", parameterNames: ["Device.Nope"] })), 9005);
});

test("SetParameterAttributes: lightweight notification values (3-6) only from cwmp-1-2 on", () => {
  const { rpc } = serving();
  const spa = (notification: number, ns: "1-0" | "1-2") =>
    rpc({ method: "SetParameterAttributes", parameterList: [{ name: "Device.DeviceInfo.HostName", notificationChange: true, notification, accessListChange: false, accessList: [] }] }, ns);
  assert.equal(faultCode(spa(4, "1-0")), 9003);
  as(spa(4, "1-2"), "SetParameterAttributesResponse");
  const a = as(rpc({ method: "GetParameterAttributes", parameterNames: ["Device.DeviceInfo.HostName"] }), "GetParameterAttributesResponse");
  assert.equal(a.parameterList[0]!.notification, 4);
});

test("AddObject creates a row from the template with the next instance number", () => {
  const { rpc } = serving();
  const add = (objectName: string, key = "add") => rpc({ method: "AddObject", objectName, parameterKey: key });
  const r = as(add("Device.IP.Interface.", "k-add"), "AddObjectResponse");
  assert.deepEqual(r, { method: "AddObjectResponse", instanceNumber: 3, status: 0 });
  const v = values(rpc(gpv("Device.IP.Interface.3.", "Device.IP.InterfaceNumberOfEntries", "Device.ManagementServer.ParameterKey")));
  assert.equal(v["Device.IP.Interface.3.Enable"], "false");
  assert.equal(v["Device.IP.Interface.3.Status"], "Down");
  assert.equal(v["Device.IP.Interface.3.Alias"], "cpe-3");
  assert.equal(v["Device.IP.Interface.3.MaxMTUSize"], "1500");
  assert.equal(v["Device.IP.Interface.3.IPv4AddressNumberOfEntries"], "0");
  assert.equal(v["Device.IP.Interface.3.Stats.BytesSent"] !== undefined, true);
  assert.equal(v["Device.IP.InterfaceNumberOfEntries"], "3");
  assert.equal(v["Device.ManagementServer.ParameterKey"], "k-add");
  assert.equal(as(add("Device.IP.Interface.3.IPv4Address."), "AddObjectResponse").instanceNumber, 1);
  assert.equal(as(add("Device.IP.Interface.1.IPv4Address."), "AddObjectResponse").instanceNumber, 2);

  for (const bad of ["Device.Ethernet.Interface.", "Device.DeviceInfo.", "Device.Hosts.Host.", "Device.IP.Interface", "Device.IP.Interface.1.", "Device.Nope.", "Device.IP.Interface.7.IPv4Address."]) {
    assert.equal(faultCode(add(bad)), 9005, bad);
  }
  // WiFi SSIDs are limited to 8: two exist, six more fit.
  for (let i = 0; i < 6; i++) as(add("Device.WiFi.SSID."), "AddObjectResponse");
  assert.equal(faultCode(add("Device.WiFi.SSID.")), 9004);
});

test("DeleteObject removes a row and what is below it; instance numbers are not reused", () => {
  const { rpc } = serving();
  const add = (objectName: string) => as(rpc({ method: "AddObject", objectName, parameterKey: "" }), "AddObjectResponse").instanceNumber;
  const del = (objectName: string, key = "del") => rpc({ method: "DeleteObject", objectName, parameterKey: key });
  assert.equal(add("Device.NAT.PortMapping."), 2);
  assert.equal(add("Device.NAT.PortMapping."), 3);
  as(rpc(spv("", S("Device.NAT.PortMapping.3.Description", "game"))), "SetParameterValuesResponse");
  assert.deepEqual(as(del("Device.NAT.PortMapping.3.", "k-del"), "DeleteObjectResponse"), { method: "DeleteObjectResponse", status: 0 });
  assert.equal(faultCode(rpc(gpv("Device.NAT.PortMapping.3."))), 9005);
  assert.equal(values(rpc(gpv("Device.NAT.PortMappingNumberOfEntries")))["Device.NAT.PortMappingNumberOfEntries"], "2");
  assert.equal(values(rpc(gpv("Device.ManagementServer.ParameterKey")))["Device.ManagementServer.ParameterKey"], "k-del");
  assert.equal(add("Device.NAT.PortMapping."), 4);
  // The new row 4 does not inherit what row 3 held.
  assert.equal(values(rpc(gpv("Device.NAT.PortMapping.4.Description")))["Device.NAT.PortMapping.4.Description"], "");
  // Deleting a factory row and its sub-rows.
  as(del("Device.IP.Interface.1."), "DeleteObjectResponse");
  assert.equal(faultCode(rpc(gpv("Device.IP.Interface.1.IPv4Address.1.IPAddress"))), 9005);
  assert.equal(add("Device.IP.Interface."), 3);

  for (const bad of ["Device.NAT.PortMapping.3.", "Device.NAT.PortMapping.", "Device.Ethernet.Interface.1.", "Device.DeviceInfo.", "Device.NAT.PortMapping.2", "Device.Hosts.Host.1."]) {
    assert.equal(faultCode(del(bad)), 9005, bad);
  }
});

test("parameter RPCs work the same on the TR-098 model", () => {
  const { rpc } = serving({ model: models.tr098 });
  const base = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.";
  assert.equal(as(rpc({ method: "AddObject", objectName: base + "PortMapping.", parameterKey: "" }), "AddObjectResponse").instanceNumber, 2);
  as(rpc(spv("k", S(base + "PortMapping.2.ExternalPort", "2222", "xsd:unsignedInt"), S(base + "PortMapping.2.PortMappingEnabled", "true", "xsd:boolean"))), "SetParameterValuesResponse");
  const v = values(rpc(gpv(base + "PortMapping.2.", base + "PortMappingNumberOfEntries", "InternetGatewayDevice.DeviceInfo.SerialNumber")));
  assert.equal(v[base + "PortMapping.2.ExternalPort"], "2222");
  assert.equal(v[base + "PortMappingNumberOfEntries"], "2");
  assert.equal(v["InternetGatewayDevice.DeviceInfo.SerialNumber"], "PRI000001");
  assert.equal(faultCode(rpc(gpv("Device."))), 9005);
  const wlan = names(rpc(gpn("InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.WEPKey.", true)));
  assert.equal(wlan.length, 4);
});

test("the session answers in the namespace the ACS used and echoes its cwmp:ID", () => {
  const { cpe } = poweredOn({ cwmpVersion: "1.4" });
  openSession(cpe, T0, "1-0");
  const request = fromAcs(gpv("Device.DeviceInfo.SerialNumber"), "1-0");
  const out = cpe.receive(request, T0);
  assert.equal(out.done, false);
  if (out.done) return;
  assert.equal(out.reply?.ns, "1-0");
  assert.equal(out.reply?.header.id, request.header.id);
  close(cpe, T0);
});

test("devices of one model share the model and differ by identity", () => {
  const model = models.tr181;
  const a = new Cpe(model, makeIdentity(model.identityDefaults, { serialPrefix: "LAB", oui: "a1b2c3", productClass: "LabBox" }, 41));
  const b = new Cpe(model, makeIdentity(model.identityDefaults, { serialPrefix: "LAB", oui: "a1b2c3", productClass: "LabBox" }, 42));
  assert.equal(a.read("Device.DeviceInfo.SerialNumber"), "LAB000042");
  assert.equal(b.read("Device.DeviceInfo.SerialNumber"), "LAB000043");
  assert.equal(a.read("Device.DeviceInfo.ManufacturerOUI"), "A1B2C3");
  assert.equal(a.read("Device.DeviceInfo.ProductClass"), "LabBox");
  assert.notEqual(a.read("Device.Ethernet.Interface.1.MACAddress"), b.read("Device.Ethernet.Interface.1.MACAddress"));
  assert.match(a.read("Device.Ethernet.Interface.1.MACAddress")!, /^A1:B2:C3(:[0-9A-F]{2}){3}$/);
  assert.notEqual(a.connectionRequestCredentials.password, b.connectionRequestCredentials.password);
  assert.equal(a.tree.model, b.tree.model);
});

test("SetVouchers is accepted; GetOptions lists no option (the simulated device sells none)", () => {
  const { rpc } = serving({ cwmpVersion: "1.0" });
  assert.deepEqual(rpc({ method: "SetVouchers", voucherList: ["PFZvdWNoZXIvPg=="] }, "1-0"), { method: "SetVouchersResponse" });
  assert.deepEqual(rpc({ method: "GetOptions", optionName: "" }, "1-0"), { method: "GetOptionsResponse", optionList: [] });
});
