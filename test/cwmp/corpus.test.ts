// Real CWMP messages (../shared/corpus, see its INDEX.md): every top-level file parses, and its key
// fields come out as the file says. Damaged messages (mangled/) fail with a typed, located error.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CwmpRemoteError, parseCwmp, parseDateTime } from "../../src/cwmp/index.js";
import type { CwmpEnvelope, CwmpHeader, CwmpMessage, CwmpNamespaceVersion, MessageOf, ParameterValueStruct, ParseResult, XsdType } from "../../src/cwmp/index.js";
import { corpusDir } from "../support/paths.js";

function read(file: string): Buffer {
  return readFileSync(join(corpusDir, file));
}

function parseFile(file: string): ParseResult {
  return parseCwmp(read(file));
}

/** The single envelope of a result, checked for namespace and header. */
function single(r: ParseResult, ns: CwmpNamespaceVersion, header: CwmpHeader): CwmpEnvelope {
  assert.equal(r.envelopes.length, 1);
  const env = r.envelopes[0]!;
  assert.equal(env.ns, ns);
  assert.deepEqual(env.header, header);
  return env;
}

function bodyOf<M extends CwmpMessage["method"]>(env: CwmpEnvelope, method: M): MessageOf<M> {
  assert.ok(env.body !== null, "body is empty");
  assert.equal(env.body.method, method);
  return env.body as MessageOf<M>;
}

function param(list: ParameterValueStruct[], name: string): ParameterValueStruct["value"] {
  const found = list.filter((p) => p.name === name);
  assert.equal(found.length, 1, `${name} appears ${found.length} times`);
  return found[0]!.value;
}

function assertParam(list: ParameterValueStruct[], name: string, text: string, type: XsdType = "xsd:string"): void {
  assert.deepEqual(param(list, name), { type, text });
}

interface InformExpectation {
  ns: CwmpNamespaceVersion;
  header: CwmpHeader;
  deviceId: [manufacturer: string, oui: string, productClass: string, serialNumber: string];
  events: [code: string, commandKey: string][];
  maxEnvelopes: number;
  currentTime: string;
  retryCount: number;
  parameterCount: number;
  warnings?: string[];
}

function checkInform(r: ParseResult, e: InformExpectation): MessageOf<"Inform"> {
  const m = bodyOf(single(r, e.ns, e.header), "Inform");
  const [manufacturer, oui, productClass, serialNumber] = e.deviceId;
  assert.deepEqual(m.deviceId, { manufacturer, oui, productClass, serialNumber });
  assert.deepEqual(m.event, e.events.map(([eventCode, commandKey]) => ({ eventCode, commandKey })));
  assert.equal(m.maxEnvelopes, e.maxEnvelopes);
  assert.equal(m.currentTime, e.currentTime);
  assert.equal(m.retryCount, e.retryCount);
  assert.equal(m.parameterList.length, e.parameterCount);
  assert.deepEqual(r.warnings, e.warnings ?? []);
  return m;
}

function noWarnings(r: ParseResult): void {
  assert.deepEqual(r.warnings, []);
}

const expectations: Record<string, (r: ParseResult) => void> = {
  "baicells-mbs31001-Fault-SPV-1.xml": (r) => {
    const env = single(r, "1-0", { id: "ID:intrnl.unset.id.SetParameterValues1779767325.19266954" });
    assert.deepEqual(env.body, {
      method: "Fault",
      faultcode: "Client",
      faultstring: "CWMP fault",
      detail: {
        faultCode: 9003,
        faultString: "Invalid arguments",
        setParameterValuesFault: [
          { parameterName: "Device.DeviceInfo.UserLabel", faultCode: 9005, faultString: "AttributeIdNotFound : Device.DeviceInfo.UserLabel" },
        ],
      },
    });
    noWarnings(r);
  },
  "cwmpex-AddObjectResponse-1.xml": (r) => {
    const env = single(r, "1-0", { id: "API_aa0642e34b23820801e7642ad7cb536c" });
    assert.deepEqual(env.body, { method: "AddObjectResponse", instanceNumber: 1, status: 0 });
    noWarnings(r);
  },
  "cwmpex-DeleteObjectResponse-1.xml": (r) => {
    const env = single(r, "1-0", { id: "API_aa0642e34b23820801e7642ad7cb536c" });
    assert.deepEqual(env.body, { method: "DeleteObjectResponse", status: 0 });
    noWarnings(r);
  },
  "cwmpex-DownloadResponse-1.xml": (r) => {
    const env = single(r, "1-0", { id: "API_aa0642e34b23820801e7642ad7cb536c" });
    // Times without a zone are kept as sent.
    assert.deepEqual(env.body, { method: "DownloadResponse", status: 1, startTime: "2015-01-19T23:08:24", completeTime: "2015-01-19T23:09:24" });
    noWarnings(r);
  },
  "cwmpex-Fault-1.xml": (r) => {
    const env = single(r, "1-0", { id: "50" });
    // "SOAP-ENV:Client" loses its prefix.
    assert.deepEqual(env.body, { method: "Fault", faultcode: "Client", faultstring: "CWMP fault", detail: { faultCode: 9005, faultString: "Invalid parameter name" } });
    noWarnings(r);
  },
  "cwmpex-GetParameterAttributesResponse-1.xml": (r) => {
    const m = bodyOf(single(r, "1-0", { id: "API_953323a9b674bb42b7cad250b2cf0607" }), "GetParameterAttributesResponse");
    // arrayType says [0002]: the count comes from the children.
    assert.deepEqual(m.parameterList, [
      { name: "InternetGatewayDevice.DeviceInfo.HardwareVersion", notification: 0, accessList: ["Subscriber"] },
      { name: "InternetGatewayDevice.DeviceInfo.SoftwareVersion", notification: 2, accessList: ["Subscriber"] },
    ]);
    noWarnings(r);
  },
  "cwmpex-GetParameterValuesResponse-1.xml": (r) => {
    const m = bodyOf(single(r, "1-0", { id: "50" }), "GetParameterValuesResponse");
    // arrayType says [64], two structs are present.
    assert.deepEqual(m.parameterList, [
      { name: "Device.IP.Interface.3.IPv4AddressNumberOfEntries", value: { type: "xsd:unsignedInt", text: "1" } },
      { name: "Device.IP.Interface.3.IPv6AddressNumberOfEntries", value: { type: "xsd:unsignedInt", text: "1" } },
    ]);
    noWarnings(r);
  },
  "cwmpex-RebootResponse-1.xml": (r) => {
    const env = single(r, "1-0", { id: "API_953323a9b674bb42b7cad250b2cf0607" });
    assert.deepEqual(env.body, { method: "RebootResponse" });
    noWarnings(r);
  },
  "cwmpex-SetParameterValuesResponse-1.xml": (r) => {
    const env = single(r, "1-0", { id: "50" });
    assert.deepEqual(env.body, { method: "SetParameterValuesResponse", status: 0 });
    noWarnings(r);
  },
  "cwmpex-TransferComplete-1.xml": (r) => {
    const env = single(r, "1-0", { id: "1" });
    assert.deepEqual(env.body, {
      method: "TransferComplete",
      commandKey: "AutoconfFirmwareUpgrade",
      faultStruct: { faultCode: 0, faultString: "" },
      startTime: "2016-04-07T08:43:49Z",
      completeTime: "2016-04-07T08:45:06Z",
    });
    noWarnings(r);
  },
  "cwmpex-acs-Download-1.xml": (r) => {
    const env = single(r, "1-4", { id: "API_69412286f02e475b44783c61972f0a91" });
    assert.deepEqual(env.body, {
      method: "Download",
      commandKey: "CommandKey",
      fileType: "1 Firmware Upgrade Image",
      url: "http://example.com",
      username: "user",
      password: "pass",
      fileSize: 100,
      targetFileName: "foo",
      delaySeconds: 5,
      successUrl: "http://example.com/success",
      failureUrl: "http://example.com/failure",
    });
    noWarnings(r);
  },
  "cwmpex-acs-GetParameterValues-1.xml": (r) => {
    const env = single(r, "1-4", { id: "API_7bfc27c1f4f0a2c1d775f8aa1840439e" });
    // No soapenc:arrayType at all.
    assert.deepEqual(env.body, { method: "GetParameterValues", parameterNames: ["Device.Test"] });
    noWarnings(r);
  },
  "cwmpex-acs-InformResponse-1.xml": (r) => {
    const env = single(r, "1-4", { id: "1" });
    assert.deepEqual(env.body, { method: "InformResponse", maxEnvelopes: 1 });
    noWarnings(r);
  },
  "cwmpex-cytco-bcm-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: { id: "31645" },
      deviceId: ["Cytco", "00a859", "BCM Serials", "00100400FV020010000000a859f6a238"],
      events: [["2 PERIODIC", ""]],
      maxEnvelopes: 1,
      currentTime: "2019-03-05T11:54::14",
      retryCount: 942,
      parameterCount: 8,
    });
    // The broken CurrentTime survives as text; it is not a dateTime.
    assert.equal(parseDateTime(m.currentTime), null);
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.SoftwareVersion", "2.3.1-65-g79fe05b build 4388");
    assertParam(m.parameterList, "InternetGatewayDevice.ManagementServer.ConnectionRequestURL", "http://192.168.40.144:8088/");
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.ProvisioningCode", "");
  },
  "cwmpex-motorola-vap2404e-Inform-1.xml": (r) => {
    // No SOAP Header at all: no ID.
    const m = checkInform(r, {
      ns: "1-0",
      header: {},
      deviceId: ["Motorola Mobility", "001404", "VAP2404E", "M91342SA1JJ0"],
      events: [["2 PERIODIC", ""]],
      maxEnvelopes: 1,
      currentTime: "2015-09-22T05:04:58-07:00",
      retryCount: 0,
      parameterCount: 11,
    });
    assertParam(m.parameterList, "Device.DeviceSummary", "Device:1.1[](Baseline:1,Time:1,IPPing:1,TraceRoute:1)");
    assertParam(m.parameterList, "Device.LAN.MACAddress", "30:60:23:06:C6:8E");
    assertParam(m.parameterList, "Device.GatewayInfo.SerialNumber", "");
  },
  "cwmpex-sagemcom-hgw4-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: { id: "0" },
      deviceId: ["Sagemcom", "40F201", "Router", "LK14183DP340340"],
      events: [["2 PERIODIC", ""]],
      maxEnvelopes: 1,
      currentTime: "2016-01-31T13:28:09+01:00",
      retryCount: 0,
      parameterCount: 8,
    });
    assertParam(m.parameterList, "Device.ManagementServer.ParameterKey", "96da521ed9bc97819416c8a5afb2e245");
    assertParam(m.parameterList, "Device.IP.Interface.3.IPv4Address.1.IPAddress", "");
    assertParam(m.parameterList, "Device.IP.Interface.4.IPv4Address.1.IPAddress", "172.21.135.245");
  },
  "cwmpex-zyxel-p2601hn-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: { id: "100" },
      deviceId: ["ZyXEL", "EC43F6", "P-2601HN-F1", "EC43F69AF408"],
      events: [["2 PERIODIC", ""]],
      maxEnvelopes: 1,
      currentTime: "2015-01-19T23:08:24",
      retryCount: 0,
      parameterCount: 8,
    });
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.SoftwareVersion", "V1.00(AACB.3)");
    assertParam(m.parameterList, "InternetGatewayDevice.ManagementServer.ConnectionRequestURL", "http://2.110.157.83:7676/CWMP/ConnectionRequest");
  },
  "cwmpex-zyxel-vmg8924-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: { id: "844317904" },
      deviceId: ["ZyXEL", "4C9EFF", "VMG8924-B10A", "S140Y24025829"],
      events: [["6 CONNECTION REQUEST", ""]],
      maxEnvelopes: 1,
      currentTime: "2016-01-30T13:20:27+01:00",
      retryCount: 0,
      parameterCount: 8,
    });
    assertParam(m.parameterList, "InternetGatewayDevice.ManagementServer.ConnectionRequestURL", "http://[2a02:980:1400::1ff]:30005/78DF621FFD24F339452C341BEFE0E8A8");
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.ProvisioningCode", "31755,n");
    assertParam(m.parameterList, "InternetGatewayDevice.WANDevice.2.WANConnectionDevice.1.WANIPConnection.2.X_5067F0_ExternalIPv6Address", "2a02:980:1400::1ff/64");
  },
  "cwmpwalk-EmptyPost-1.xml": (r) => {
    assert.deepEqual(r, { envelopes: [], warnings: [] });
  },
  "cwmpwalk-pace-v5480-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: { id: "3" },
      deviceId: ["Pace, plc", "000CC3", "V5480", "190000047990940"],
      events: [["2 PERIODIC", ""]],
      maxEnvelopes: 1,
      currentTime: "2015-06-24T22:05:19",
      retryCount: 0,
      parameterCount: 10,
    });
    assertParam(m.parameterList, "InternetGatewayDevice.ManagementServer.ConnReqJabberID", "000CC3-190000047990940@xmpp-konnect.pacemgmt.com/K2wAd6UZ8E0nKkpy9F4W");
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.ProvisioningCode", "");
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.HardwareVersion", "B14301");
  },
  "easycwmp-template-EmptyResponse-1.xml": (r) => {
    const env = single(r, "1-2", { id: "" });
    assert.equal(env.body, null);
    noWarnings(r);
  },
  "easycwmp-template-GetRPCMethods-1.xml": (r) => {
    const env = single(r, "1-2", { id: "" });
    assert.deepEqual(env.body, { method: "GetRPCMethods" });
    noWarnings(r);
  },
  "easycwmp-template-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-2",
      header: { id: "" },
      deviceId: ["", "", "", ""],
      events: [],
      maxEnvelopes: 1,
      currentTime: "",
      retryCount: 0,
      parameterCount: 11,
      warnings: ["Envelope/Body/Inform/RetryCount is empty; read as 0"],
    });
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.SpecVersion", "1.0");
    assertParam(m.parameterList, "InternetGatewayDevice.ManagementServer.ConnectionRequestURL", "");
  },
  "easycwmp-template-Inform-2.xml": (r) => {
    checkInform(r, {
      ns: "1-2",
      header: { id: "" },
      deviceId: ["", "", "", ""],
      events: [],
      maxEnvelopes: 1,
      currentTime: "",
      retryCount: 0,
      parameterCount: 0,
      warnings: ["Envelope/Body/Inform/RetryCount is empty; read as 0"],
    });
  },
  "easycwmp-template-TransferComplete-1.xml": (r) => {
    const env = single(r, "1-2", { id: "" });
    assert.deepEqual(env.body, { method: "TransferComplete", commandKey: "", faultStruct: { faultCode: 0, faultString: "" }, startTime: "", completeTime: "" });
    assert.deepEqual(r.warnings, ["Envelope/Body/TransferComplete/FaultStruct/FaultCode is empty; read as 0"]);
  },
  "ecomnet-chinatelecom-acs-GetParameterValues-1.xml": (r) => {
    const m = bodyOf(single(r, "1-0", { id: "1145" }), "GetParameterValues");
    assert.equal(m.parameterNames.length, 10);
    assert.equal(m.parameterNames[0], "InternetGatewayDevice.ManagementServer.UDPConnectionRequestAddressNotificationLimit");
    assert.equal(m.parameterNames[5], "InternetGatewayDevice.DeviceInfo.X_CT-COM_WorkTime");
    assert.equal(m.parameterNames[9], "InternetGatewayDevice.DeviceInfo.ManufacturerOUI");
    noWarnings(r);
  },
  "ericwu-mikrotik-haplite-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: {},
      deviceId: ["MikroTik", "E48D8C", "hAP lite", "XXXXXXXXXXXX"],
      events: [["8 DIAGNOSTICS COMPLETE", ""]],
      maxEnvelopes: 1,
      currentTime: "2018-04-01T19:45:02-04:00",
      retryCount: 0,
      parameterCount: 7,
    });
    assertParam(m.parameterList, "Device.ManagementServer.AliasBasedAddressing", "0", "xsd:boolean");
    assertParam(m.parameterList, "Device.ManagementServer.ParameterKey", "cdrouter");
    assertParam(m.parameterList, "Device.RootDataModelVersion", "2.11");
  },
  "freeacs-acs-GetParameterNames-1.xml": (r) => {
    const env = single(r, "1-0", { id: "FREEACS-0" });
    assert.deepEqual(env.body, { method: "GetParameterNames", parameterPath: "InternetGatewayDevice.", nextLevel: false });
    noWarnings(r);
  },
  "freeacs-acs-InformResponse-1.xml": (r) => {
    const env = single(r, "1-0", { id: "1" });
    assert.deepEqual(env.body, { method: "InformResponse", maxEnvelopes: 1 });
    noWarnings(r);
  },
  "freeacs-acs-SetParameterValues-1.xml": (r) => {
    const env = single(r, "1-0", { id: "FREEACS-0" });
    assert.deepEqual(env.body, {
      method: "SetParameterValues",
      parameterList: [{ name: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", value: { type: "xsd:unsignedInt", text: "0" } }],
      parameterKey: "No data in DB",
    });
    noWarnings(r);
  },
  "freeacs-fixture-GetParameterNamesResponse-1.xml": (r) => {
    const m = bodyOf(single(r, "1-0", { id: "FREEACS-0" }), "GetParameterNamesResponse");
    assert.equal(m.parameterList.length, 18);
    assert.deepEqual(m.parameterList[0], { name: "InternetGatewayDevice.DeviceInfo.Manufacturer", writable: false });
    assert.deepEqual(m.parameterList[17], { name: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", writable: true });
    assert.deepEqual(
      m.parameterList.filter((p) => p.writable).map((p) => p.name),
      ["InternetGatewayDevice.DeviceInfo.ProvisioningCode", "InternetGatewayDevice.DeviceInfo.X_000E50_Country", "InternetGatewayDevice.ManagementServer.PeriodicInformInterval"],
    );
    assert.ok(m.parameterList.some((p) => p.name === "InternetGatewayDevice.DeviceInfo.VendorConfigFile."));
    noWarnings(r);
  },
  "freeacs-fixture-GetParameterValuesResponse-1.xml": (r) => {
    const env = single(r, "1-2", { id: "FREEACS-0" });
    assert.deepEqual(env.body, {
      method: "GetParameterValuesResponse",
      parameterList: [
        { name: "InternetGatewayDevice.DeviceInfo.SoftwareVersion", value: { type: "xsd:string", text: "v1.1.91" } },
        { name: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", value: { type: "xsd:unsignedInt", text: "360" } },
      ],
    });
    noWarnings(r);
  },
  "freeacs-fixture-GetRPCMethods-1.xml": (r) => {
    const env = single(r, "1-2", { id: "FREEACS-0" });
    assert.deepEqual(env.body, { method: "GetRPCMethods" });
    noWarnings(r);
  },
  "freeacs-fixture-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-2",
      header: { id: "1" },
      deviceId: ["FakeManufacturer", "000000", "FakeProductClass", "FakeSerialNumber"],
      events: [
        ["0 BOOTSTRAP", "TR069_FakeManufacturer_HOMEGATEWAY"],
        ["1 BOOT", ""],
        ["4 VALUE CHANGE", ""],
      ],
      maxEnvelopes: 1,
      currentTime: "1970-01-02T00:08:34",
      retryCount: 0,
      parameterCount: 4,
    });
    // A string value spanning lines keeps its line break and indentation: strings are never trimmed.
    const summary = param(m.parameterList, "InternetGatewayDevice.DeviceSummary");
    assert.equal(summary.type, "xsd:string");
    assert.match(summary.text, /^InternetGatewayDevice:1\.0\[\]\(Baseline:1, EthernetLAN:4,GE:4,WiFi:1,\n {24}PONWAN:1, Voip:0, Time:1, IPPing:1\)\n {20}$/);
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.SoftwareVersion", "V5.2.10P4T26");
  },
  "freeacs-fixture-SetParameterValuesResponse-1.xml": (r) => {
    const env = single(r, "1-2", { id: "FREEACS-0" });
    assert.deepEqual(env.body, { method: "SetParameterValuesResponse", status: 0 });
    noWarnings(r);
  },
  "freeacs-issue345-lte-smallcell-Fault-SPV-1.xml": (r) => {
    const env = single(r, "1-0", { id: "FREEACS-1565786272698" });
    // The "**" the issue author inserted between elements is ignored.
    assert.deepEqual(env.body, {
      method: "Fault",
      faultcode: "Client",
      faultstring: "CWMP fault",
      detail: { faultCode: 9002, faultString: "Internal Error", setParameterValuesFault: [{ parameterName: "Device.", faultCode: 9002, faultString: "Internal Error" }] },
    });
    noWarnings(r);
  },
  "freeacs-test-easycwmp-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-2",
      header: { id: "18" },
      deviceId: ["easycwmp", "FFFFFF", "easycwmp", "FFFFFF123456"],
      events: [["2 PERIODIC", ""]],
      maxEnvelopes: 1,
      currentTime: "2018-05-13T18:16:44+00:00",
      retryCount: 0,
      parameterCount: 10,
    });
    assertParam(m.parameterList, "Device.DeviceInfo.SoftwareVersion", "example_sw_version");
    assertParam(m.parameterList, "Device.ManagementServer.ConnectionRequestURL", "");
  },
  "freeacs-test-zte-f600w-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: { id: "1" },
      deviceId: ["ZTE", "44F436", "F600W", "ZTEEQAWF5J00191"],
      events: [
        ["0 BOOTSTRAP", "TR069_ZTE_HOMEGATEWAY"],
        ["1 BOOT", ""],
        ["4 VALUE CHANGE", ""],
      ],
      maxEnvelopes: 1,
      currentTime: "1970-01-02T00:08:34",
      retryCount: 0,
      parameterCount: 10,
    });
    // The duplicated ConnectionRequestURL is kept twice, in order: the codec does not dedupe.
    const urls = m.parameterList.filter((p) => p.name === "InternetGatewayDevice.ManagementServer.ConnectionRequestURL");
    assert.deepEqual(urls.map((p) => p.value.text), ["http://10.90.13.32:58000", "http://10.90.13.32:58000"]);
    assertParam(m.parameterList, "InternetGatewayDevice.ManagementServer.URL", "http://172.31.8.82/");
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.ProvisioningCode", "TLCO.GRP2");
  },
  "freecwmp-template-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-2",
      header: { id: "" },
      deviceId: ["", "", "", ""],
      events: [],
      maxEnvelopes: 1,
      currentTime: "",
      retryCount: 0,
      parameterCount: 11,
      warnings: ["Envelope/Body/Inform/RetryCount is empty; read as 0"],
    });
    // The newline after every </Name> is whitespace between elements, not part of a value.
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.SpecVersion", "1.0");
    assert.equal(m.parameterList[10]!.name, "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress");
  },
  "genieacs-issue171-TransferComplete-1.xml": (r) => {
    const env = single(r, "1-0", { id: "XXXXXXXYYYYZZZ" });
    assert.deepEqual(env.body, {
      method: "TransferComplete",
      commandKey: "",
      faultStruct: { faultCode: 9015, faultString: "File transfer failure: unable to contact file server" },
      startTime: "0001-01-01T00:00:00Z",
      completeTime: "0001-01-01T00:00:00Z",
    });
    noWarnings(r);
  },
  "genieacs-issue74-acs-GetParameterNames-1.xml": (r) => {
    const env = single(r, "1-0", { id: "54ee387f298c11d31080c7bc" });
    assert.deepEqual(env.body, { method: "GetParameterNames", parameterPath: "", nextLevel: false });
    noWarnings(r);
  },
  "genieacs-issue74-acs-InformResponse-1.xml": (r) => {
    const env = single(r, "1-0", { id: "SAGEM_ID_7589" });
    assert.deepEqual(env.body, { method: "InformResponse", maxEnvelopes: 1 });
    noWarnings(r);
  },
  "netcwmp-test-acs-AddObject-1.xml": (r) => {
    // soap:mustUnderstand uses an undeclared prefix: tolerated.
    const env = single(r, "1-0", { id: "1234" });
    assert.deepEqual(env.body, { method: "AddObject", objectName: "InternetGatewayDevice.WANDevice.", parameterKey: "" });
  },
  "netcwmp-test-acs-DeleteObject-1.xml": (r) => {
    const env = single(r, "1-0", { id: "1234" });
    // The object name has no trailing dot; kept as sent.
    assert.deepEqual(env.body, { method: "DeleteObject", objectName: "InternetGatewayDevice.WANDevice.1", parameterKey: "" });
  },
  "netcwmp-test-acs-GetParameterNames-1.xml": (r) => {
    // Default namespace on the Envelope, ID without mustUnderstand, NoMoreRequests.
    const env = single(r, "1-0", { id: "129479899093788892", noMoreRequests: false });
    assert.deepEqual(env.body, { method: "GetParameterNames", parameterPath: "InternetGatewayDevice.", nextLevel: true });
    noWarnings(r);
  },
  "netcwmp-zte-ebg2100-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: { id: "1" },
      deviceId: ["ZTE", "00AA11", "ZXECS EBG2100", "0410400AA11AA2255"],
      events: [["1 BOOT", ""]],
      maxEnvelopes: 1,
      currentTime: "2009-05-14T14:05:00",
      retryCount: 0,
      parameterCount: 13,
    });
    assert.deepEqual(param(m.parameterList, "InternetGatewayDevice.DeviceSummary"), {
      type: "xsd:string",
      text: "InternetGatewayDevice:1.0[](Baseline:1, EthernetLAN:1, WiFiLAN:1, EthernetWAN:1, Time:1, IPPing:1)",
      wireType: "xsd:string(1024)",
    });
    assert.deepEqual(param(m.parameterList, "InternetGatewayDevice.ManagementServer.ParameterKey"), { type: "xsd:string", text: "parameterkey", wireType: "xsd:string(32)" });
    assertParam(m.parameterList, "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.2.WANIPConnection.1.ExternalIPAddress", "58.211.149.43");
  },
  "paraamsim-broadcom-968380gerg-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: { id: "629695424" },
      deviceId: ["Broadcom", "a06518", "968380GERG", "a0651806d37f"],
      events: [["6 CONNECTION REQUEST", ""]],
      maxEnvelopes: 1,
      currentTime: "1970-01-04T18:05:55+00:00",
      retryCount: 0,
      parameterCount: 8,
    });
    assertParam(m.parameterList, "InternetGatewayDevice.ManagementServer.ParameterKey", "unsetCommandKey");
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.ProvisioningCode", "");
    assertParam(m.parameterList, "InternetGatewayDevice.WANDevice.5.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress", "10.84.3.122");
  },
  "paraamsim-cisco-femtocell-GetParameterNamesResponse-1.xml": (r) => {
    const m = bodyOf(single(r, "1-0", { id: "0" }), "GetParameterNamesResponse");
    assert.equal(m.parameterList.length, 227);
    assert.equal(m.parameterList.filter((p) => p.writable).length, 44);
    assert.deepEqual(m.parameterList[0], { name: "InternetGatewayDevice.DeviceSummary", writable: false });
    assert.deepEqual(m.parameterList[70], { name: "InternetGatewayDevice.TraceRouteDiagnostics.MaxHopCount", writable: true });
    assert.equal(r.warnings.length, 1);
  },
  "paraamsim-cisco-femtocell-GetParameterValuesResponse-1.xml": (r) => {
    const m = bodyOf(single(r, "1-0", { id: "16781903" }), "GetParameterValuesResponse");
    assert.equal(m.parameterList.length, 227);
    const byType = new Map<string, number>();
    for (const p of m.parameterList) byType.set(p.value.type, (byType.get(p.value.type) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(byType), { "xsd:string": 64, "xsd:unsignedInt": 107, "xsd:boolean": 34, "xsd:dateTime": 7, "xsd:int": 15 });
    assertParam(m.parameterList, "InternetGatewayDevice.DeviceInfo.Manufacturer", "Cisco");
    assertParam(m.parameterList, "InternetGatewayDevice.ManagementServer.PeriodicInformEnable", "1", "xsd:boolean");
    assertParam(m.parameterList, "InternetGatewayDevice.ManagementServer.PeriodicInformTime", "0001-01-01T00:00:00", "xsd:dateTime");
    assertParam(m.parameterList, "InternetGatewayDevice.Services.FAPService.1.Capabilities.MaxTxPower", "25", "xsd:int");
    assertParam(m.parameterList, "InternetGatewayDevice.Services.FAPService.1.AccessMgmt.MemberDetail.1.MembershipExpires", "2013-07-01T00:00:00Z", "xsd:dateTime");
    // The device labels text as unsignedInt eight times: the text is kept and flagged, not lost.
    const invalid = m.parameterList.filter((p) => p.value.invalid !== undefined);
    assert.equal(invalid.length, 8);
    assert.ok(invalid.every((p) => p.value.type === "xsd:unsignedInt" && p.value.invalid === "not an xsd:unsignedInt"));
    assert.deepEqual(param(m.parameterList, "InternetGatewayDevice.DeviceInfo.X_00000C_LastRebootCause"), {
      type: "xsd:unsignedInt",
      text: "SW_UPGRADE",
      invalid: "not an xsd:unsignedInt",
    });
    noWarnings(r);
  },
  "paraamsim-cisco-femtocell-Inform-1.xml": (r) => {
    const m = checkInform(r, {
      ns: "1-0",
      header: { id: "00001" },
      deviceId: ["Cisco", "002652", "CJJ005B00009", "CB002145_3"],
      // The EventStruct has no CommandKey: read as "".
      events: [["0 BOOTSTRAP", ""]],
      maxEnvelopes: 0,
      currentTime: "2015-10-05T02:23:01.337Z",
      retryCount: 0,
      parameterCount: 8,
    });
    assert.deepEqual(param(m.parameterList, "Device.DeviceSummary"), { type: "xsd:string", text: "FAPService:1.0(Baseline:1)", untyped: true });
  },
};

const topLevelFiles = readdirSync(corpusDir).filter((f) => f.endsWith(".xml")).sort();
const mangledFiles = readdirSync(join(corpusDir, "mangled")).filter((f) => f.endsWith(".xml")).sort();

describe("corpus: every top-level file parses with its key fields", () => {
  it("has an expectation for every file, and a file for every expectation", () => {
    assert.ok(topLevelFiles.length >= 50, `only ${topLevelFiles.length} corpus files found in ${corpusDir}`);
    assert.deepEqual(Object.keys(expectations).sort(), topLevelFiles);
  });

  for (const file of topLevelFiles) {
    it(file, () => {
      const check = expectations[file];
      assert.ok(check, `no expectation for ${file}`);
      check(parseFile(file));
    });
  }

  it("parses the same from a string as from bytes", () => {
    for (const file of topLevelFiles) {
      assert.deepEqual(parseCwmp(read(file).toString("utf8")), parseFile(file), file);
    }
  });
});

describe("corpus: damaged messages fail with a typed, located error", () => {
  it("covers every file in mangled/", () => {
    assert.deepEqual(mangledFiles, ["mhils-heise-avm-fritzbox7170-Inform-fragment-1.xml", "technicolor-tb30-manual-acs-Download-1.xml"]);
  });

  it("mangled/mhils-heise-avm-fritzbox7170-Inform-fragment-1.xml: broken end tag", () => {
    const text = read("mangled/mhils-heise-avm-fritzbox7170-Inform-fragment-1.xml").toString("utf8");
    const offset = text.indexOf('</ Value="Value">');
    const before = text.slice(0, offset).split("\n");
    assert.throws(
      () => parseCwmp(Buffer.from(text)),
      (e: unknown) => {
        assert.ok(e instanceof CwmpRemoteError);
        assert.equal(e.code, "XML_SYNTAX");
        assert.equal(e.httpStatus, 400);
        assert.deepEqual(e.position, { offset, line: before.length, column: before[before.length - 1]!.length + 1 });
        assert.match(e.message, /expected <\/Value> but found <\/ Value="Value">/);
        assert.match(e.message, new RegExp(`line ${before.length}, column ${before[before.length - 1]!.length + 1}`));
        return true;
      },
    );
  });

  it("mangled/technicolor-tb30-manual-acs-Download-1.xml: namespace URI split by a line break", () => {
    assert.throws(
      () => parseFile("mangled/technicolor-tb30-manual-acs-Download-1.xml"),
      (e: unknown) => {
        assert.ok(e instanceof CwmpRemoteError);
        assert.equal(e.code, "CWMP_NAMESPACE");
        assert.equal(e.faultCode("cpe"), 9003);
        assert.ok(e.message.includes(JSON.stringify("urn:dslforum-org:cwmp-1-\n0")), e.message);
        assert.equal(e.path, "Envelope");
        assert.match(e.message, /\(at Envelope\)$/);
        return true;
      },
    );
  });

  it("the Technicolor Download parses once the line break is taken out (the damage is the only problem)", () => {
    const fixed = read("mangled/technicolor-tb30-manual-acs-Download-1.xml").toString("utf8").replace("cwmp-1-\n0", "cwmp-1-0");
    const r = parseCwmp(fixed);
    const env = single(r, "1-0", { id: "00000123-32D5-DAF4-32D5-\nA7DB40BABD59" });
    const m = bodyOf(env, "Download");
    assert.equal(m.fileSize, 1685334);
    assert.equal(m.delaySeconds, 10);
    assert.equal(m.url, "http://ip-path/vTB30_FW.zz");
    assert.equal(m.fileType, "1 Firmware Upgrade Image");
  });
});

describe("corpus: quirks listed in INDEX.md", () => {
  it("zero-padded and wrong soapenc:arrayType counts are ignored: children are counted", () => {
    const counts: [string, string, number][] = [
      ["cwmpex-GetParameterAttributesResponse-1.xml", "[0002]", 2],
      ["cwmpex-zyxel-vmg8924-Inform-1.xml", "[0008]", 8],
      ["paraamsim-broadcom-968380gerg-Inform-1.xml", "[0008]", 8],
      ["cwmpex-GetParameterValuesResponse-1.xml", "[64]", 2],
      ["freeacs-fixture-GetParameterValuesResponse-1.xml", "[9]", 2],
      ["paraamsim-cisco-femtocell-GetParameterValuesResponse-1.xml", "[213]", 227],
    ];
    for (const [file, attr, n] of counts) {
      assert.ok(read(file).toString().includes(attr), `${file} has no ${attr}`);
      const body = parseFile(file).envelopes[0]!.body as { parameterList: unknown[] };
      assert.equal(body.parameterList.length, n, file);
    }
  });

  it("a Value without xsi:type is an untyped xsd:string", () => {
    const m = parseFile("paraamsim-cisco-femtocell-Inform-1.xml").envelopes[0]!.body as MessageOf<"Inform">;
    assert.ok(!read("paraamsim-cisco-femtocell-Inform-1.xml").toString().includes("xsi:type"));
    assert.equal(m.parameterList.length, 8);
    for (const p of m.parameterList) {
      assert.equal(p.value.type, "xsd:string");
      assert.equal(p.value.untyped, true);
      assert.equal(p.value.wireType, undefined);
    }
  });

  it("xsd:string(1024) is a string whose wire type is kept", () => {
    const m = parseFile("netcwmp-zte-ebg2100-Inform-1.xml").envelopes[0]!.body as MessageOf<"Inform">;
    const wireTypes = m.parameterList.map((p) => p.value.wireType ?? "-");
    assert.deepEqual(wireTypes, [
      "xsd:string(1024)", "xsd:string(16)", "xsd:string(64)", "xsd:string(64)", "xsd:string(64)", "xsd:string(256)", "xsd:string(32)",
      "-", "xsd:string(256)", "xsd:string(256)", "xsd:string(256)", "xsd:string(256)", "xsd:string(256)",
    ]);
    assert.ok(m.parameterList.every((p) => p.value.type === "xsd:string" && p.value.invalid === undefined));
  });

  it("xsi/xsd bound to the 1999 XMLSchema namespaces still type values", () => {
    const text = read("netcwmp-zte-ebg2100-Inform-1.xml").toString();
    assert.ok(text.includes('xmlns:xsd="http://www.w3.org/1999/XMLSchema"'));
    assert.ok(text.includes('xmlns:xsi="http://www.w3.org/1999/XMLSchema-instance"'));
    // Give two values non-string types to see the 1999 bindings resolve them.
    const typed = text
      .replace('<Value xsi:type="xsd:string(16)">1.0</Value>', '<Value xsi:type="xsd:unsignedInt">16</Value>')
      .replace('<Value xsi:type="xsd:string(64)">cpea</Value>', '<Value xsi:type="xsd:boolean">true</Value>');
    assert.notEqual(typed, text);
    const m = parseCwmp(typed).envelopes[0]!.body as MessageOf<"Inform">;
    assert.deepEqual(param(m.parameterList, "InternetGatewayDevice.DeviceInfo.SpecVersion"), { type: "xsd:unsignedInt", text: "16" });
    assert.deepEqual(param(m.parameterList, "InternetGatewayDevice.DeviceInfo.ProvisioningCode"), { type: "xsd:boolean", text: "true" });
  });

  it("single-quoted attributes (MikroTik) are read like double-quoted ones", () => {
    const text = read("ericwu-mikrotik-haplite-Inform-1.xml").toString();
    assert.ok(text.includes("xsi:type='xsd:boolean'"));
    const m = parseCwmp(text).envelopes[0]!.body as MessageOf<"Inform">;
    assert.deepEqual(param(m.parameterList, "Device.ManagementServer.AliasBasedAddressing"), { type: "xsd:boolean", text: "0" });
    // The same message with double quotes gives the same result.
    assert.deepEqual(parseCwmp(text.replace(/'/g, '"')), parseCwmp(text));
  });

  it("whitespace before the root element (easycwmp) is accepted", () => {
    const text = read("freeacs-test-easycwmp-Inform-1.xml").toString();
    assert.match(text, /^<\?xml[^>]*\?>\n <soap_env:Envelope/);
    assert.equal(parseCwmp(text).envelopes.length, 1);
    assert.equal(parseCwmp("\n\t  " + text.slice(text.indexOf("<soap_env:Envelope"))).envelopes.length, 1);
  });

  it("an unbound prefix is tolerated: on an attribute (netcwmp) and on an element, with a warning", () => {
    const text = read("netcwmp-test-acs-AddObject-1.xml").toString();
    assert.ok(text.includes("soap:mustUnderstand") && !text.includes("xmlns:soap="));
    assert.equal(parseCwmp(text).envelopes[0]!.body!.method, "AddObject");
    const unboundElement = text.replace("<cwmp:AddObject>", "<x:AddObject>").replace("</cwmp:AddObject>", "</x:AddObject>");
    const r = parseCwmp(unboundElement);
    assert.deepEqual(r.envelopes[0]!.body, { method: "AddObject", objectName: "InternetGatewayDevice.WANDevice.", parameterKey: "" });
    assert.ok(r.warnings.some((w) => w.includes('"x"') && w.includes("<x:AddObject>")), r.warnings.join("; "));
  });

  it('Writable "30" (Cisco femtocell) reads as true, with a warning naming where', () => {
    const r = parseFile("paraamsim-cisco-femtocell-GetParameterNamesResponse-1.xml");
    const m = r.envelopes[0]!.body as MessageOf<"GetParameterNamesResponse">;
    assert.equal(m.parameterList[70]!.writable, true);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /ParameterList\[70\]\/Writable is "30"/);
  });

  it('a word where a boolean belongs is an error, not a guess (Writable "maybe")', () => {
    const text = read("paraamsim-cisco-femtocell-GetParameterNamesResponse-1.xml").toString().replace("<Writable>30</Writable>", "<Writable>maybe</Writable>");
    assert.throws(
      () => parseCwmp(text),
      (e: unknown) => e instanceof CwmpRemoteError && e.code === "CWMP_INVALID_FIELD" && e.path === "Envelope/Body/GetParameterNamesResponse/ParameterList[70]/Writable",
    );
  });

  it("cwmp-1-4 (Fullrate ACS) and cwmp-1-2 (easycwmp) are reported so replies can echo them", () => {
    assert.equal(parseFile("cwmpex-acs-InformResponse-1.xml").envelopes[0]!.ns, "1-4");
    assert.equal(parseFile("easycwmp-template-Inform-1.xml").envelopes[0]!.ns, "1-2");
  });

  it("any SOAP prefix works: SOAP-ENV, soapenv, soap, soap-env, soap_env, env", () => {
    const byPrefix: Record<string, string> = {
      "SOAP-ENV": "cwmpex-AddObjectResponse-1.xml",
      soapenv: "freeacs-acs-InformResponse-1.xml",
      soap: "cwmpex-motorola-vap2404e-Inform-1.xml",
      "soap-env": "genieacs-issue74-acs-InformResponse-1.xml",
      soap_env: "easycwmp-template-GetRPCMethods-1.xml",
      env: "cwmpwalk-pace-v5480-Inform-1.xml",
    };
    for (const [prefix, file] of Object.entries(byPrefix)) {
      assert.ok(read(file).toString().includes(`<${prefix}:Envelope`), `${file} does not use ${prefix}`);
      assert.equal(parseFile(file).envelopes.length, 1, file);
    }
  });
});
