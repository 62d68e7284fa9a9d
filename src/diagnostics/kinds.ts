// The diagnostics Provisio runs, declared once per kind: the inputs an operator may give (named and
// bounded as in TR-181, whose names the API uses whatever the device's data model), the results and
// result tables a device reports, and where each data model keeps them. Names and bounds come from
// TR-181 2.17 and TR-098 1.8 (test/diagnostics/kinds.test.ts checks every one against the XML).

import { Type, type TObject, type TSchema } from "@sinclair/typebox";
import type { XsdType } from "../cwmp/index.js";

export const diagnosticKinds = ["ipPing", "traceRoute", "download", "upload", "udpEcho", "nsLookup", "serverSelection", "wifiScan"] as const;
export type DiagnosticKind = (typeof diagnosticKinds)[number];

export type DataModelRoot = "Device." | "InternetGatewayDevice.";

/** How a reported value is typed in the stored result: numbers, booleans, dates as ISO text, lists as arrays. */
export type ValueKind = "uint" | "int" | "ulong" | "bool" | "string" | "dateTime" | "list" | "uintList";

export interface InputDef {
  schema: TSchema;
  /** The type it is sent with. */
  type: XsdType;
  /** Lists (HostList) travel comma-separated. */
  list?: true;
  /** Provisio's own, not the device's: used to make the test's URL, never set on the device. */
  local?: true;
}

export interface KindModel {
  /** The diagnostic's object, e.g. "Device.IP.Diagnostics.IPPing.". */
  object: string;
  /** The DiagnosticsState the device reports on success ("Completed" in TR-098's TR-143 objects). */
  complete: string;
  /** Inputs, results and table fields (as "Table.Field") of the kind that this model does not define. */
  missing?: readonly string[];
  /** This model's names for the kind's (TR-181) names, where they differ (as "Table.Field" for fields). */
  rename?: Readonly<Record<string, string>>;
  /** Inputs this model types differently from TR-181. */
  types?: Readonly<Record<string, XsdType>>;
}

export interface KindDef {
  inputs: Readonly<Record<string, InputDef>>;
  /** Inputs that must be given. */
  required: readonly string[];
  results: Readonly<Record<string, ValueKind>>;
  /** Multi-instance results (hops, per-connection results, ...): table name -> field -> kind. */
  tables: Readonly<Record<string, Readonly<Record<string, ValueKind>>>>;
  models: Partial<Record<DataModelRoot, KindModel>>;
}

const uint = (min?: number, max?: number): InputDef => ({
  schema: Type.Integer({ minimum: min ?? 0, maximum: max ?? 4294967295 }),
  type: "xsd:unsignedInt",
});
const str = (max: number, min = 0): InputDef => ({ schema: Type.String({ minLength: min, maxLength: max }), type: "xsd:string" });
const bool: InputDef = { schema: Type.Boolean(), type: "xsd:boolean" };
const oneOf = (...values: string[]): InputDef => ({ schema: Type.Union(values.map((v) => Type.Literal(v))), type: "xsd:string" });
// Speed tests are kept to what a diagnostic should move: bigger uploads are a load test, not a diagnostic.
const MAX_TEST_BYTES = 1_000_000_000;

const pingTimes = { AverageResponseTime: "uint", MinimumResponseTime: "uint", MaximumResponseTime: "uint" } as const;

const transferResults = (dir: "Received" | "Sent") =>
  ({
    IPAddressUsed: "string",
    ROMTime: "dateTime",
    BOMTime: "dateTime",
    EOMTime: "dateTime",
    [`TestBytes${dir}`]: "ulong",
    TotalBytesReceived: "ulong",
    TotalBytesSent: "ulong",
    TCPOpenRequestTime: "dateTime",
    TCPOpenResponseTime: "dateTime",
    PeriodOfFullLoading: "uint",
  }) as Record<string, ValueKind>;

const transferTables = (dir: "Received" | "Sent") => ({
  PerConnectionResult: {
    ROMTime: "dateTime",
    BOMTime: "dateTime",
    EOMTime: "dateTime",
    [`TestBytes${dir}`]: "ulong",
    TotalBytesReceived: "ulong",
    TotalBytesSent: "ulong",
    TCPOpenRequestTime: "dateTime",
    TCPOpenResponseTime: "dateTime",
  } as Record<string, ValueKind>,
  IncrementalResult: { [`TestBytes${dir}`]: "ulong", TotalBytesReceived: "ulong", TotalBytesSent: "ulong", StartTime: "dateTime", EndTime: "dateTime" } as Record<string, ValueKind>,
});

// TR-098's TR-143 objects have none of the later additions (per-connection and incremental results,
// full-loading figures, IPv6 choice).
const tr098TransferMissing = (dir: "Received" | "Sent") => [
  "ProtocolVersion",
  "NumberOfConnections",
  "EnablePerConnectionResults",
  "TimeBasedTestDuration",
  "IPAddressUsed",
  "PeriodOfFullLoading",
  dir === "Received" ? "TotalBytesSent" : "TotalBytesReceived",
  ...(dir === "Sent" ? ["TestBytesSent"] : []),
  ...Object.keys(transferTables(dir).PerConnectionResult).map((f) => `PerConnectionResult.${f}`),
  ...Object.keys(transferTables(dir).IncrementalResult).map((f) => `IncrementalResult.${f}`),
];

const transferInputs = (urlName: "DownloadURL" | "UploadURL"): Record<string, InputDef> => ({
  // TR-181 allows 2048 characters, TR-098 256: the shorter, so one request fits either.
  [urlName]: str(256, 1),
  Interface: str(256),
  DSCP: uint(0, 63),
  EthernetPriority: uint(0, 7),
  ProtocolVersion: oneOf("Any", "IPv4", "IPv6"),
  NumberOfConnections: uint(1, 64),
  EnablePerConnectionResults: bool,
  TimeBasedTestDuration: uint(0, 999),
});

export const kindDefs: { readonly [K in DiagnosticKind]: KindDef } = {
  ipPing: {
    inputs: {
      Host: str(256, 1),
      Interface: str(256),
      ProtocolVersion: oneOf("Any", "IPv4", "IPv6"),
      NumberOfRepetitions: uint(1, 1000),
      Timeout: uint(1),
      DataBlockSize: uint(1, 65535),
      DSCP: uint(0, 63),
    },
    required: ["Host"],
    results: {
      IPAddressUsed: "string",
      SuccessCount: "uint",
      FailureCount: "uint",
      ...pingTimes,
      AverageResponseTimeDetailed: "uint",
      MinimumResponseTimeDetailed: "uint",
      MaximumResponseTimeDetailed: "uint",
    },
    tables: {},
    models: {
      "Device.": { object: "Device.IP.Diagnostics.IPPing.", complete: "Complete" },
      "InternetGatewayDevice.": {
        object: "InternetGatewayDevice.IPPingDiagnostics.",
        complete: "Complete",
        missing: ["ProtocolVersion", "IPAddressUsed", "AverageResponseTimeDetailed", "MinimumResponseTimeDetailed", "MaximumResponseTimeDetailed"],
      },
    },
  },
  traceRoute: {
    inputs: {
      Host: str(256, 1),
      Interface: str(256),
      ProtocolVersion: oneOf("Any", "IPv4", "IPv6"),
      NumberOfTries: uint(1, 3),
      Timeout: uint(1),
      DataBlockSize: uint(1, 65535),
      DSCP: uint(0, 63),
      MaxHopCount: uint(1, 64),
    },
    required: ["Host"],
    results: { IPAddressUsed: "string", ResponseTime: "uint" },
    tables: { RouteHops: { Host: "string", HostAddress: "string", ErrorCode: "uint", RTTimes: "uintList" } },
    models: {
      "Device.": { object: "Device.IP.Diagnostics.TraceRoute.", complete: "Complete" },
      "InternetGatewayDevice.": {
        object: "InternetGatewayDevice.TraceRouteDiagnostics.",
        complete: "Complete",
        missing: ["ProtocolVersion", "IPAddressUsed"],
        rename: { "RouteHops.Host": "HopHost", "RouteHops.HostAddress": "HopHostAddress", "RouteHops.ErrorCode": "HopErrorCode", "RouteHops.RTTimes": "HopRTTimes" },
      },
    },
  },
  download: {
    inputs: {
      ...transferInputs("DownloadURL"),
      SpeedTestBytes: { schema: Type.Integer({ minimum: 1, maximum: MAX_TEST_BYTES }), type: "xsd:unsignedLong", local: true },
    },
    required: ["DownloadURL"],
    results: transferResults("Received"),
    tables: transferTables("Received"),
    models: {
      "Device.": { object: "Device.IP.Diagnostics.DownloadDiagnostics.", complete: "Complete" },
      "InternetGatewayDevice.": { object: "InternetGatewayDevice.DownloadDiagnostics.", complete: "Completed", missing: tr098TransferMissing("Received") },
    },
  },
  upload: {
    inputs: { ...transferInputs("UploadURL"), TestFileLength: { schema: Type.Integer({ minimum: 1, maximum: MAX_TEST_BYTES }), type: "xsd:unsignedLong" } },
    required: ["UploadURL", "TestFileLength"],
    results: transferResults("Sent"),
    tables: transferTables("Sent"),
    models: {
      "Device.": { object: "Device.IP.Diagnostics.UploadDiagnostics.", complete: "Complete" },
      "InternetGatewayDevice.": {
        object: "InternetGatewayDevice.UploadDiagnostics.",
        complete: "Completed",
        missing: tr098TransferMissing("Sent"),
        types: { TestFileLength: "xsd:unsignedInt" },
      },
    },
  },
  udpEcho: {
    inputs: {
      Host: str(256, 1),
      Port: uint(1, 65535),
      Interface: str(256),
      ProtocolVersion: oneOf("Any", "IPv4", "IPv6"),
      NumberOfRepetitions: uint(1, 1000),
      Timeout: uint(1),
      DataBlockSize: uint(1, 65535),
      DSCP: uint(0, 63),
      InterTransmissionTime: uint(1, 65535),
      EnableIndividualPacketResults: bool,
    },
    required: ["Host", "Port"],
    results: { IPAddressUsed: "string", SuccessCount: "uint", FailureCount: "uint", ...pingTimes },
    tables: {
      IndividualPacketResult: {
        PacketSuccess: "bool",
        PacketSendTime: "dateTime",
        PacketReceiveTime: "dateTime",
        TestGenSN: "uint",
        TestRespSN: "uint",
        TestRespRcvTimeStamp: "uint",
        TestRespReplyTimeStamp: "uint",
        TestRespReplyFailureCount: "uint",
      },
    },
    models: { "Device.": { object: "Device.IP.Diagnostics.UDPEchoDiagnostics.", complete: "Complete" } },
  },
  nsLookup: {
    inputs: { HostName: str(256, 1), DNSServer: str(256), Interface: str(256), Timeout: uint(1), NumberOfRepetitions: uint(1, 100) },
    required: ["HostName"],
    results: { SuccessCount: "uint" },
    tables: { Result: { Status: "string", AnswerType: "string", HostNameReturned: "string", IPAddresses: "list", DNSServerIP: "string", ResponseTime: "uint" } },
    models: {
      "Device.": { object: "Device.DNS.Diagnostics.NSLookupDiagnostics.", complete: "Complete" },
      "InternetGatewayDevice.": { object: "InternetGatewayDevice.NSLookupDiagnostics.", complete: "Complete" },
    },
  },
  serverSelection: {
    inputs: {
      HostList: { schema: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 10 }), type: "xsd:string", list: true },
      Protocol: oneOf("ICMP", "UDP Echo"),
      Interface: str(256),
      ProtocolVersion: oneOf("Any", "IPv4", "IPv6"),
      NumberOfRepetitions: uint(1, 100),
      Timeout: uint(1),
    },
    required: ["HostList"],
    results: { FastestHost: "string", IPAddressUsed: "string", ...pingTimes },
    tables: {},
    models: { "Device.": { object: "Device.IP.Diagnostics.ServerSelectionDiagnostics.", complete: "Complete" } },
  },
  wifiScan: {
    inputs: {},
    required: [],
    results: {},
    tables: {
      Result: {
        Radio: "string",
        SSID: "string",
        BSSID: "string",
        Mode: "string",
        Channel: "uint",
        SignalStrength: "int",
        SecurityModeEnabled: "string",
        EncryptionMode: "list",
        OperatingFrequencyBand: "string",
        SupportedStandards: "list",
        OperatingStandards: "list",
        OperatingChannelBandwidth: "string",
        BeaconPeriod: "uint",
        Noise: "int",
        BasicDataTransferRates: "list",
        SupportedDataTransferRates: "list",
        DTIMPeriod: "uint",
      },
    },
    models: { "Device.": { object: "Device.WiFi.NeighboringWiFiDiagnostic.", complete: "Complete" } },
  },
};

export function isDiagnosticKind(kind: string): kind is DiagnosticKind {
  return (diagnosticKinds as readonly string[]).includes(kind);
}

/** The schema of a kind's arguments (as the API publishes and checks them). */
export function argsSchema(kind: DiagnosticKind): TObject {
  const def = kindDefs[kind];
  const props: Record<string, TSchema> = {};
  for (const [name, input] of Object.entries(def.inputs)) props[name] = def.required.includes(name) ? input.schema : Type.Optional(input.schema);
  return Type.Object(props, { additionalProperties: false });
}

/** The type an input is sent with to this model. */
export function typeIn(model: KindModel, name: string, input: InputDef): XsdType {
  return model.types?.[name] ?? input.type;
}

/** Where a kind lives in a data model, or null when the model does not define it. */
export function modelOf(kind: DiagnosticKind, root: string | null): KindModel | null {
  if (root !== "Device." && root !== "InternetGatewayDevice.") return null;
  return kindDefs[kind].models[root] ?? null;
}

/** A name of the kind (input, result, or "Table.Field") as this model spells it, or null when it lacks it. */
export function nameIn(model: KindModel, name: string): string | null {
  if (model.missing?.includes(name)) return null;
  const renamed = model.rename?.[name];
  if (renamed !== undefined) return renamed;
  const dot = name.indexOf(".");
  return dot < 0 ? name : name.slice(dot + 1);
}
