// Sample messages for every CWMP method the codec knows, in both directions, with the namespace
// where each method first exists. The round-trip and schema-validation tests run each of them through
// every namespace from that one on.
//
// The content is realistic but loaded with what tends to break codecs: the five XML special characters,
// CR and CRLF, tabs, non-ASCII (Latin-1, CJK, astral emoji), empty strings, "]]>", the extremes of every
// integer type. Values also respect the Broadband Forum schemas (lengths, patterns, enumerations), so
// that the serializer's output can be validated with them.

import { UNKNOWN_TIME } from "../../src/cwmp/index.js";
import type { CwmpEnvelope, CwmpHeader, CwmpMessage, CwmpNamespaceVersion, ParameterValueStruct, XsdType } from "../../src/cwmp/index.js";

export const namespaces: readonly CwmpNamespaceVersion[] = ["1-0", "1-1", "1-2", "1-3", "1-4"];

/** Every namespace from `since` on. */
export function namespacesFrom(since: CwmpNamespaceVersion): CwmpNamespaceVersion[] {
  return namespaces.filter((ns) => ns >= since);
}

/** Every namespace before `since`. */
export function namespacesBefore(since: CwmpNamespaceVersion): CwmpNamespaceVersion[] {
  return namespaces.filter((ns) => ns < since);
}

export interface MessageFixture {
  /** Unique label: the method name, with a suffix for variants. */
  readonly name: string;
  /** The first cwmp namespace whose schema defines the method (TR-069 Amendment 6). */
  readonly since: CwmpNamespaceVersion;
  /** Who sends it. */
  readonly from: "acs" | "cpe";
  /** Header fields valid in every namespace (ID, HoldRequests). */
  readonly header: CwmpHeader;
  readonly body: CwmpMessage | null;
}

export interface HeaderFixture {
  readonly name: string;
  readonly since: CwmpNamespaceVersion;
  readonly header: CwmpHeader;
}

export function envelopeOf(f: { header: CwmpHeader; body: CwmpMessage | null }, ns: CwmpNamespaceVersion): CwmpEnvelope {
  return { ns, header: structuredClone(f.header), body: structuredClone(f.body) };
}

function pv(name: string, type: XsdType, text: string): ParameterValueStruct {
  return { name, value: { type, text } };
}

/** Text with every character that needs escaping or survives escaping only if done right. */
export const TRICKY = `Q&A <b>"x"</b> 'y' > z\r\nline2\ttab é 中文 😀 ]]>`;

/** One value of every xsd type, with the extremes of every numeric range and awkward strings. */
export const everyTypeParameterList: ParameterValueStruct[] = [
  pv("Device.DeviceInfo.Description", "xsd:string", TRICKY),
  pv("Device.DeviceInfo.ProvisioningCode", "xsd:string", ""),
  pv("Device.DeviceInfo.X_000E50_Note", "xsd:string", "  leading and trailing spaces  "),
  pv("Device.DeviceInfo.X_000E50_Crlf", "xsd:string", "\r\n"),
  pv("Device.DeviceInfo.X_000E50_Latin1", "xsd:string", "Gäste-WLAN «Café» ©2024 ÿ"),
  pv("Device.DeviceInfo.X_000E50_Entities", "xsd:string", "&amp; &lt; &#13; &#x41;"),
  pv("Device.WiFi.SSID.1.SSID", "xsd:string", "Wi-Fi & <Gäste> \"5 GHz\" 'x'"),
  pv("Device.DeviceInfo.X_000E50_IntMin", "xsd:int", "-2147483648"),
  pv("Device.DeviceInfo.X_000E50_IntMax", "xsd:int", "2147483647"),
  pv("Device.DeviceInfo.X_000E50_IntZero", "xsd:int", "0"),
  pv("Device.DeviceInfo.UpTime", "xsd:unsignedInt", "4294967295"),
  pv("Device.ManagementServer.PeriodicInformInterval", "xsd:unsignedInt", "0"),
  pv("Device.DeviceInfo.X_000E50_LongMin", "xsd:long", "-9223372036854775808"),
  pv("Device.DeviceInfo.X_000E50_LongMax", "xsd:long", "9223372036854775807"),
  pv("Device.IP.Interface.1.Stats.BytesSent", "xsd:unsignedLong", "18446744073709551615"),
  pv("Device.IP.Interface.1.Stats.BytesReceived", "xsd:unsignedLong", "0"),
  pv("Device.ManagementServer.PeriodicInformEnable", "xsd:boolean", "1"),
  pv("Device.WiFi.Radio.1.Enable", "xsd:boolean", "0"),
  pv("Device.WiFi.Radio.2.Enable", "xsd:boolean", "true"),
  pv("Device.WiFi.Radio.3.Enable", "xsd:boolean", "false"),
  pv("Device.ManagementServer.PeriodicInformTime", "xsd:dateTime", UNKNOWN_TIME),
  pv("Device.Time.CurrentLocalTime", "xsd:dateTime", "2024-02-29T23:59:59Z"),
  pv("Device.DeviceInfo.FirstUseDate", "xsd:dateTime", "2015-09-22T05:04:58-07:00"),
  pv("Device.DeviceInfo.X_000E50_LastBoot", "xsd:dateTime", "2015-10-05T02:23:01.337Z"),
  pv("Device.DeviceInfo.X_000E50_NoZone", "xsd:dateTime", "2015-01-19T23:08:24"),
  pv("Device.DeviceInfo.X_000E50_Certificate", "xsd:base64", "SGVsbG8sIFdvcmxkIQ=="),
  pv("Device.DeviceInfo.X_000E50_EmptyBlob", "xsd:base64", ""),
  pv("Device.Ethernet.Interface.1.X_000E50_Mask", "xsd:hexBinary", "DEADbeef00"),
  pv("Device.DeviceInfo.X_000E50_Temperature", "xsd:decimal", "-123.4500"),
  pv("Device.DeviceInfo.X_000E50_Tiny", "xsd:decimal", "0.000000000000000000001"),
  pv("Device.DeviceInfo.X_000E50_Huge", "xsd:decimal", "12345678901234567.5"),
];

const UUID = "7fa1c5e2-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

/** Every method in types.ts; variants get a suffix after a "+". */
export const messageFixtures: readonly MessageFixture[] = [
  // ---- CPE methods: requests from the ACS, responses from the CPE ----
  { name: "GetRPCMethods", since: "1-0", from: "acs", header: { id: "1" }, body: { method: "GetRPCMethods" } },
  {
    name: "GetRPCMethodsResponse",
    since: "1-0",
    from: "cpe",
    header: { id: "1" },
    body: {
      method: "GetRPCMethodsResponse",
      methodList: [
        "GetRPCMethods", "SetParameterValues", "GetParameterValues", "GetParameterNames", "SetParameterAttributes",
        "GetParameterAttributes", "AddObject", "DeleteObject", "Reboot", "Download", "Upload", "FactoryReset",
        "GetQueuedTransfers", "GetAllQueuedTransfers", "ScheduleInform", "ScheduleDownload", "CancelTransfer",
        "ChangeDUState", "X_000E50_Ping",
      ],
    },
  },
  {
    name: "SetParameterValues",
    since: "1-0",
    from: "acs",
    header: { id: "spv-\u00e9-<1>", holdRequests: false },
    body: { method: "SetParameterValues", parameterList: everyTypeParameterList, parameterKey: "key&<1> \"é\"" },
  },
  {
    name: "SetParameterValues+one",
    since: "1-0",
    from: "acs",
    header: { id: "FREEACS-0" },
    body: {
      method: "SetParameterValues",
      parameterList: [pv("InternetGatewayDevice.ManagementServer.PeriodicInformInterval", "xsd:unsignedInt", "300")],
      parameterKey: "",
    },
  },
  { name: "SetParameterValuesResponse", since: "1-0", from: "cpe", header: { id: "spv-\u00e9-<1>" }, body: { method: "SetParameterValuesResponse", status: 1 } },
  {
    name: "GetParameterValues",
    since: "1-0",
    from: "acs",
    header: { id: "42" },
    body: {
      method: "GetParameterValues",
      parameterNames: ["Device.DeviceInfo.", "Device.ManagementServer.ConnectionRequestURL", "Device.WiFi.SSID.1.SSID"],
    },
  },
  {
    name: "GetParameterValuesResponse",
    since: "1-0",
    from: "cpe",
    header: { id: "42" },
    body: { method: "GetParameterValuesResponse", parameterList: everyTypeParameterList },
  },
  {
    name: "GetParameterValuesResponse+empty",
    since: "1-0",
    from: "cpe",
    header: { id: "" },
    body: { method: "GetParameterValuesResponse", parameterList: [] },
  },
  {
    name: "GetParameterNames",
    since: "1-0",
    from: "acs",
    header: { id: "gpn-1" },
    body: { method: "GetParameterNames", parameterPath: "Device.WiFi.", nextLevel: true },
  },
  {
    name: "GetParameterNames+root",
    since: "1-0",
    from: "acs",
    header: { id: "54ee387f298c11d31080c7bc" },
    body: { method: "GetParameterNames", parameterPath: "", nextLevel: false },
  },
  {
    name: "GetParameterNamesResponse",
    since: "1-0",
    from: "cpe",
    header: { id: "gpn-1" },
    body: {
      method: "GetParameterNamesResponse",
      parameterList: [
        { name: "Device.WiFi.", writable: false },
        { name: "Device.WiFi.SSID.", writable: true },
        { name: "Device.WiFi.SSIDNumberOfEntries", writable: false },
        { name: "Device.WiFi.Radio.1.Enable", writable: true },
      ],
    },
  },
  {
    name: "SetParameterAttributes",
    since: "1-0",
    from: "acs",
    header: { id: "spa" },
    body: {
      method: "SetParameterAttributes",
      parameterList: [
        { name: "Device.DeviceInfo.SoftwareVersion", notificationChange: true, notification: 2, accessListChange: false, accessList: [] },
        { name: "Device.WiFi.SSID.1.SSID", notificationChange: false, notification: 0, accessListChange: true, accessList: ["Subscriber"] },
      ],
    },
  },
  { name: "SetParameterAttributesResponse", since: "1-0", from: "cpe", header: { id: "spa" }, body: { method: "SetParameterAttributesResponse" } },
  {
    name: "GetParameterAttributes",
    since: "1-0",
    from: "acs",
    header: { id: "gpa" },
    body: { method: "GetParameterAttributes", parameterNames: ["Device.DeviceInfo.SoftwareVersion", "Device.WiFi."] },
  },
  {
    name: "GetParameterAttributesResponse",
    since: "1-0",
    from: "cpe",
    header: { id: "gpa" },
    body: {
      method: "GetParameterAttributesResponse",
      parameterList: [
        { name: "Device.DeviceInfo.SoftwareVersion", notification: 2, accessList: ["Subscriber"] },
        { name: "Device.WiFi.SSID.1.SSID", notification: 0, accessList: [] },
        { name: "Device.WiFi.SSID.2.SSID", notification: 1, accessList: ["Subscriber"] },
      ],
    },
  },
  {
    name: "AddObject",
    since: "1-0",
    from: "acs",
    header: { id: "add" },
    body: { method: "AddObject", objectName: "Device.WiFi.SSID.", parameterKey: "ssid<&>" },
  },
  {
    name: "AddObjectResponse",
    since: "1-0",
    from: "cpe",
    header: { id: "add" },
    body: { method: "AddObjectResponse", instanceNumber: 4294967295, status: 0 },
  },
  {
    name: "DeleteObject",
    since: "1-0",
    from: "acs",
    header: { id: "del" },
    body: { method: "DeleteObject", objectName: "Device.WiFi.SSID.3.", parameterKey: "" },
  },
  { name: "DeleteObjectResponse", since: "1-0", from: "cpe", header: { id: "del" }, body: { method: "DeleteObjectResponse", status: 1 } },
  { name: "Reboot", since: "1-0", from: "acs", header: { id: "rb" }, body: { method: "Reboot", commandKey: "reboot & <now> ü" } },
  { name: "RebootResponse", since: "1-0", from: "cpe", header: { id: "rb" }, body: { method: "RebootResponse" } },
  {
    name: "Download",
    since: "1-0",
    from: "acs",
    header: { id: "dl", holdRequests: true },
    body: {
      method: "Download",
      commandKey: "fw-2024.03",
      fileType: "1 Firmware Upgrade Image",
      url: "http://files.example.com/fw.bin?model=a&v=<2>",
      username: "jürgen",
      password: "p\"w'<d>&",
      fileSize: 4294967295,
      targetFileName: "",
      delaySeconds: 0,
      successUrl: "https://example.com/ok?x=1&y=2",
      failureUrl: "",
    },
  },
  {
    name: "DownloadResponse",
    since: "1-0",
    from: "cpe",
    header: { id: "dl" },
    body: { method: "DownloadResponse", status: 1, startTime: UNKNOWN_TIME, completeTime: UNKNOWN_TIME },
  },
  {
    name: "Upload",
    since: "1-0",
    from: "acs",
    header: { id: "ul" },
    body: {
      method: "Upload",
      commandKey: "cfg-backup",
      fileType: "1 Vendor Configuration File",
      url: "ftp://upload.example.com/cfg/000E50-SN%201.xml",
      username: "",
      password: "",
      delaySeconds: 4294967295,
    },
  },
  {
    name: "UploadResponse",
    since: "1-0",
    from: "cpe",
    header: { id: "ul" },
    body: { method: "UploadResponse", status: 0, startTime: "2016-04-07T08:43:49Z", completeTime: "2016-04-07T08:45:06.5+02:00" },
  },
  { name: "FactoryReset", since: "1-0", from: "acs", header: { id: "fr" }, body: { method: "FactoryReset" } },
  { name: "FactoryResetResponse", since: "1-0", from: "cpe", header: { id: "fr" }, body: { method: "FactoryResetResponse" } },
  { name: "GetQueuedTransfers", since: "1-0", from: "acs", header: { id: "gqt" }, body: { method: "GetQueuedTransfers" } },
  {
    name: "GetQueuedTransfersResponse",
    since: "1-0",
    from: "cpe",
    header: { id: "gqt" },
    body: {
      method: "GetQueuedTransfersResponse",
      transferList: [
        { commandKey: "fw-2024.03", state: 2 },
        { commandKey: "", state: 1 },
      ],
    },
  },
  { name: "GetAllQueuedTransfers", since: "1-1", from: "acs", header: { id: "gaqt" }, body: { method: "GetAllQueuedTransfers" } },
  {
    name: "GetAllQueuedTransfersResponse",
    since: "1-1",
    from: "cpe",
    header: { id: "gaqt" },
    body: {
      method: "GetAllQueuedTransfersResponse",
      transferList: [
        { commandKey: "fw-2024.03", state: 2, isDownload: true, fileType: "1 Firmware Upgrade Image", fileSize: 18446744, targetFileName: "fw.bin" },
        { commandKey: "log", state: 3, isDownload: false, fileType: "4 Vendor Log File", fileSize: 0, targetFileName: "" },
      ],
    },
  },
  {
    name: "ScheduleInform",
    since: "1-0",
    from: "acs",
    header: { id: "si" },
    body: { method: "ScheduleInform", delaySeconds: 86400, commandKey: "check-in" },
  },
  { name: "ScheduleInformResponse", since: "1-0", from: "cpe", header: { id: "si" }, body: { method: "ScheduleInformResponse" } },
  {
    name: "SetVouchers",
    since: "1-0",
    from: "acs",
    header: { id: "sv" },
    body: { method: "SetVouchers", voucherList: ["PFZvdWNoZXIgU049IjEiLz4=", "AAECAwQFBgcICQ=="] },
  },
  { name: "SetVouchersResponse", since: "1-0", from: "cpe", header: { id: "sv" }, body: { method: "SetVouchersResponse" } },
  { name: "GetOptions", since: "1-0", from: "acs", header: { id: "go" }, body: { method: "GetOptions", optionName: "" } },
  {
    name: "GetOptionsResponse",
    since: "1-0",
    from: "cpe",
    header: { id: "go" },
    body: {
      method: "GetOptionsResponse",
      optionList: [
        { optionName: "Voice & Video", voucherSn: 4294967295, state: 3, mode: 2, startDate: "2020-01-01T00:00:00Z", expirationDate: "2030-12-31T23:59:59Z", isTransferable: 1 },
        { optionName: "IPTV", voucherSn: 0, state: 0, mode: 0, startDate: "2021-06-15T12:00:00+02:00", isTransferable: 0 },
      ],
    },
  },
  {
    name: "ScheduleDownload",
    since: "1-2",
    from: "acs",
    header: { id: "sd" },
    body: {
      method: "ScheduleDownload",
      commandKey: "night-upgrade",
      fileType: "1 Firmware Upgrade Image",
      url: "https://files.example.com/fw.bin",
      username: "acs",
      password: "s3cr&t",
      fileSize: 1685334,
      targetFileName: "fw.bin",
      timeWindowList: [
        { windowStart: 0, windowEnd: 3600, windowMode: "1 At Any Time", userMessage: "", maxRetries: -1 },
        { windowStart: 7200, windowEnd: 4294967295, windowMode: "4 Confirmation Needed", userMessage: "Mise à jour <maintenant> ? \"Oui\" & 'Non'", maxRetries: 2147483647 },
      ],
    },
  },
  { name: "ScheduleDownloadResponse", since: "1-2", from: "cpe", header: { id: "sd" }, body: { method: "ScheduleDownloadResponse" } },
  { name: "CancelTransfer", since: "1-2", from: "acs", header: { id: "ct" }, body: { method: "CancelTransfer", commandKey: "night-upgrade" } },
  { name: "CancelTransferResponse", since: "1-2", from: "cpe", header: { id: "ct" }, body: { method: "CancelTransferResponse" } },
  {
    name: "ChangeDUState",
    since: "1-2",
    from: "acs",
    header: { id: "cdu" },
    body: {
      method: "ChangeDUState",
      operations: [
        { type: "Install", url: "http://du.example.com/app.ipk?a=1&b=2", uuid: UUID, username: "du", password: "p<w>", executionEnvRef: "Device.SoftwareModules.ExecEnv.1" },
        { type: "Install", url: "http://du.example.com/minimal.ipk" },
        { type: "Update", uuid: UUID, version: "2.0.1", url: "http://du.example.com/app-2.ipk", username: "", password: "" },
        { type: "Update", uuid: UUID },
        { type: "Uninstall", uuid: UUID, version: "1.0", executionEnvRef: "Device.SoftwareModules.ExecEnv.1" },
        { type: "Uninstall", uuid: UUID },
      ],
      commandKey: "du-batch",
    },
  },
  {
    name: "ChangeDUState+noCommandKey",
    since: "1-2",
    from: "acs",
    header: { id: "cdu2" },
    body: { method: "ChangeDUState", operations: [{ type: "Uninstall", uuid: UUID }] },
  },
  { name: "ChangeDUStateResponse", since: "1-2", from: "cpe", header: { id: "cdu" }, body: { method: "ChangeDUStateResponse" } },

  // ---- ACS methods: requests from the CPE, responses from the ACS ----
  {
    name: "Inform",
    since: "1-0",
    from: "cpe",
    header: { id: "844317904" },
    body: {
      method: "Inform",
      deviceId: { manufacturer: "Fritz & Söhne <GmbH>", oui: "00040E", productClass: "FRITZ!Box 7590", serialNumber: "00150C492F89" },
      event: [
        { eventCode: "0 BOOTSTRAP", commandKey: "" },
        { eventCode: "1 BOOT", commandKey: "" },
        { eventCode: "M Download", commandKey: "fw-2024.03" },
        { eventCode: "7 TRANSFER COMPLETE", commandKey: "" },
        { eventCode: "X 00040E Vendor Event", commandKey: "vendor&<key>" },
      ],
      maxEnvelopes: 1,
      currentTime: "2016-01-30T13:20:27+01:00",
      retryCount: 4294967295,
      parameterList: [
        pv("Device.DeviceSummary", "xsd:string", "Device:2.11[](Baseline:1, EthernetLAN:1), VoiceService:1.0[1](Endpoint:1)"),
        pv("Device.DeviceInfo.HardwareVersion", "xsd:string", "HW 1.0 ▲"),
        pv("Device.DeviceInfo.SoftwareVersion", "xsd:string", "154.07.29"),
        pv("Device.DeviceInfo.ProvisioningCode", "xsd:string", ""),
        pv("Device.ManagementServer.ConnectionRequestURL", "xsd:string", "http://[2a02:980:1400::1ff]:30005/78DF621F?a=1&b=2"),
        pv("Device.ManagementServer.ParameterKey", "xsd:string", "key&<1> \"é\""),
        pv("Device.ManagementServer.AliasBasedAddressing", "xsd:boolean", "0"),
        pv("Device.DeviceInfo.UpTime", "xsd:unsignedInt", "123456"),
      ],
    },
  },
  {
    name: "Inform+minimal",
    since: "1-0",
    from: "cpe",
    header: {},
    body: {
      method: "Inform",
      deviceId: { manufacturer: "", oui: "000000", productClass: "", serialNumber: "" },
      event: [],
      maxEnvelopes: 0,
      currentTime: UNKNOWN_TIME,
      retryCount: 0,
      parameterList: [],
    },
  },
  { name: "InformResponse", since: "1-0", from: "acs", header: { id: "844317904" }, body: { method: "InformResponse", maxEnvelopes: 1 } },
  {
    name: "TransferComplete",
    since: "1-0",
    from: "cpe",
    header: { id: "tc" },
    body: {
      method: "TransferComplete",
      commandKey: "fw-2024.03",
      faultStruct: { faultCode: 9010, faultString: "Download failure: <HTTP 404> & \"retry\"" },
      startTime: "2016-04-07T08:43:49Z",
      completeTime: "2016-04-07T08:45:06Z",
    },
  },
  {
    name: "TransferComplete+success",
    since: "1-0",
    from: "cpe",
    header: { id: "tc2" },
    body: {
      method: "TransferComplete",
      commandKey: "",
      faultStruct: { faultCode: 0, faultString: "" },
      startTime: UNKNOWN_TIME,
      completeTime: "1970-01-04T18:05:55+00:00",
    },
  },
  { name: "TransferCompleteResponse", since: "1-0", from: "acs", header: { id: "tc" }, body: { method: "TransferCompleteResponse" } },
  {
    name: "AutonomousTransferComplete",
    since: "1-1",
    from: "cpe",
    header: { id: "atc" },
    body: {
      method: "AutonomousTransferComplete",
      announceUrl: "http://announce.example.com/?x=1&y=2",
      transferUrl: "http://files.example.com/fw.bin",
      isDownload: true,
      fileType: "1 Firmware Upgrade Image",
      fileSize: 4294967295,
      targetFileName: "fw.bin",
      faultStruct: { faultCode: 9010, faultString: "Téléchargement échoué" },
      startTime: "2024-02-29T23:59:59Z",
      completeTime: "2024-03-01T00:00:01Z",
    },
  },
  { name: "AutonomousTransferCompleteResponse", since: "1-1", from: "acs", header: { id: "atc" }, body: { method: "AutonomousTransferCompleteResponse" } },
  {
    name: "RequestDownload",
    since: "1-0",
    from: "cpe",
    header: { id: "rd" },
    body: {
      method: "RequestDownload",
      fileType: "3 Vendor Configuration File",
      fileTypeArg: [
        { name: "Version", value: "1.2 <beta> & more" },
        { name: "Empty", value: "" },
      ],
    },
  },
  { name: "RequestDownloadResponse", since: "1-0", from: "acs", header: { id: "rd" }, body: { method: "RequestDownloadResponse" } },
  {
    name: "DUStateChangeComplete",
    since: "1-2",
    from: "cpe",
    header: { id: "dusc" },
    body: {
      method: "DUStateChangeComplete",
      results: [
        {
          uuid: UUID,
          deploymentUnitRef: "Device.SoftwareModules.DeploymentUnit.1",
          version: "2.0.1",
          currentState: "Installed",
          resolved: true,
          executionUnitRefList: "Device.SoftwareModules.ExecutionUnit.1,Device.SoftwareModules.ExecutionUnit.2",
          startTime: "2024-02-29T23:59:59Z",
          completeTime: "2024-03-01T00:00:30Z",
          fault: { faultCode: 0, faultString: "" },
        },
        {
          uuid: UUID,
          deploymentUnitRef: "",
          version: "",
          currentState: "Failed",
          resolved: false,
          executionUnitRefList: "",
          startTime: UNKNOWN_TIME,
          completeTime: UNKNOWN_TIME,
          fault: { faultCode: 9018, faultString: "File corrupted <checksum> & size" },
        },
      ],
      commandKey: "du-batch",
    },
  },
  { name: "DUStateChangeCompleteResponse", since: "1-2", from: "acs", header: { id: "dusc" }, body: { method: "DUStateChangeCompleteResponse" } },
  {
    name: "AutonomousDUStateChangeComplete",
    since: "1-2",
    from: "cpe",
    header: { id: "adusc" },
    body: {
      method: "AutonomousDUStateChangeComplete",
      results: [
        {
          uuid: UUID,
          deploymentUnitRef: "Device.SoftwareModules.DeploymentUnit.3",
          version: "1.0",
          currentState: "Uninstalled",
          resolved: true,
          executionUnitRefList: "",
          startTime: "2024-02-29T23:59:59Z",
          completeTime: "2024-02-29T23:59:59Z",
          fault: { faultCode: 0, faultString: "" },
          operationPerformed: "Uninstall",
        },
      ],
    },
  },
  {
    name: "AutonomousDUStateChangeCompleteResponse",
    since: "1-2",
    from: "acs",
    header: { id: "adusc" },
    body: { method: "AutonomousDUStateChangeCompleteResponse" },
  },
  {
    name: "Kicked",
    since: "1-0",
    from: "cpe",
    header: { id: "k" },
    body: { method: "Kicked", command: "setup", referer: "http://portal.example.com/?a=1&b=2", arg: "lang=fr&name=Zoë", next: "http://portal.example.com/done" },
  },
  { name: "KickedResponse", since: "1-0", from: "acs", header: { id: "k" }, body: { method: "KickedResponse", nextUrl: "http://portal.example.com/next?x=<1>&y=\"2\"" } },

  // ---- faults and the empty body ----
  {
    name: "Fault",
    since: "1-0",
    from: "cpe",
    header: { id: "50" },
    body: { method: "Fault", faultcode: "Client", faultstring: "CWMP fault", detail: { faultCode: 9005, faultString: "Invalid parameter name" } },
  },
  {
    name: "Fault+acs",
    since: "1-0",
    from: "acs",
    header: { id: "51" },
    body: { method: "Fault", faultcode: "Server", faultstring: "CWMP fault", detail: { faultCode: 8005, faultString: "" } },
  },
  {
    name: "Fault+SetParameterValuesFault",
    since: "1-0",
    from: "cpe",
    header: { id: "spv-\u00e9-<1>" },
    body: {
      method: "Fault",
      faultcode: "Client",
      faultstring: "CWMP fault",
      detail: {
        faultCode: 9003,
        faultString: "Invalid arguments",
        setParameterValuesFault: [
          { parameterName: "Device.WiFi.SSID.1.SSID", faultCode: 9007, faultString: "Value \"<too long>\" & rejected" },
          { parameterName: "Device.DeviceInfo.UpTime", faultCode: 9008, faultString: "" },
          { parameterName: "Device.", faultCode: 9005, faultString: "AttributeIdNotFound : Device." },
        ],
      },
    },
  },
  { name: "EmptyBody", since: "1-0", from: "acs", header: { id: "end" }, body: null },
];

/** Header fields, each from the first namespace that defines it. */
export const headerFixtures: readonly HeaderFixture[] = [
  { name: "none", since: "1-0", header: {} },
  { name: "ID", since: "1-0", header: { id: TRICKY } },
  { name: "empty ID", since: "1-0", header: { id: "" } },
  { name: "HoldRequests true", since: "1-0", header: { id: "1", holdRequests: true } },
  { name: "HoldRequests false only", since: "1-0", header: { holdRequests: false } },
  { name: "SessionTimeout", since: "1-2", header: { id: "2", sessionTimeout: 30 } },
  { name: "SessionTimeout extremes", since: "1-2", header: { sessionTimeout: 4294967295 } },
  { name: "SessionTimeout zero", since: "1-2", header: { sessionTimeout: 0 } },
  { name: "SupportedCWMPVersions", since: "1-2", header: { id: "3", supportedCwmpVersions: "1.0,1.1,1.2,1.3,1.4" } },
  { name: "UseCWMPVersion", since: "1-2", header: { id: "4", useCwmpVersion: "1.4" } },
  {
    name: "all",
    since: "1-2",
    header: { id: "all&<>", holdRequests: true, sessionTimeout: 60, supportedCwmpVersions: "1.0,1.4", useCwmpVersion: "1.2" },
  },
];
