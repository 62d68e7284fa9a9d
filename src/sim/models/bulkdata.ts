// The BulkData object of TR-181 (Device.BulkData.), with the HTTP protocol and the JSON and CSV
// encodings. TR-098 1.8 defines InternetGatewayDevice.BulkData. for IPDR only (no HTTP, JSON or CSV),
// so the TR-098 model has none: a TR-098 device reports over HTTP only with TR-157's later component. No profile at the factory: the ACS adds one (builtin:bulkdata) or a model file configures
// it; runtime/bulkdata-sender.ts sends the reports of every enabled one.

import { bool, boolW, int, intW, str, strW, timeW, uint, uintW, type ModelBuilder } from "./dsl.js";

const TIMESTAMPS = ["Unix-Epoch", "ISO-8601", "None"];

/** Adds BulkData. to a model. */
export function addBulkData(b: ModelBuilder): void {
  b.obj("BulkData.", {
    Enable: boolW("false"),
    Status: str("Enabled", { enum: ["Enabled", "Disabled", "Error"] }),
    MinReportingInterval: uint("10"),
    Protocols: str("HTTP", { list: true, enum: ["Streaming", "File", "HTTP", "UDP", "MQTT"] }),
    EncodingTypes: str("JSON,CSV", { list: true, enum: ["XML", "XDR", "CSV", "JSON"] }),
    ParameterWildCardSupported: bool("false"),
    MaxNumberOfProfiles: int("4"),
    MaxNumberOfParameterReferences: int("64"),
    ProfileNumberOfEntries: uint(),
  });
  b.obj("BulkData.Profile.{i}.", {
    Enable: boolW("false"),
    Alias: strW(undefined, { maxLen: 64 }),
    Name: strW("", { maxLen: 255 }),
    NumberOfRetainedFailedReports: intW("0", { min: -1 }),
    Protocol: strW("HTTP", { enum: ["Streaming", "File", "HTTP", "UDP", "MQTT"], settable: ["HTTP"] }),
    EncodingType: strW("JSON", { enum: ["XML", "XDR", "CSV", "JSON"], settable: ["CSV", "JSON"] }),
    ReportingInterval: uintW("86400", { min: 1 }),
    TimeReference: timeW("0001-01-01T00:00:00Z"),
    ParameterNumberOfEntries: uint(),
  }, { writable: true, maxEntries: 4 });
  b.obj("BulkData.Profile.{i}.Parameter.{i}.", { Name: strW("", { maxLen: 64 }), Reference: strW("", { maxLen: 256 }) }, { writable: true, maxEntries: 64 });
  b.obj("BulkData.Profile.{i}.CSVEncoding.", {
    FieldSeparator: strW(","),
    RowSeparator: strW("\r\n"),
    EscapeCharacter: strW('"'),
    ReportFormat: strW("ParameterPerRow", { enum: ["ParameterPerRow", "ParameterPerColumn"] }),
    RowTimestamp: strW("Unix-Epoch", { enum: TIMESTAMPS }),
  });
  b.obj("BulkData.Profile.{i}.JSONEncoding.", {
    ReportFormat: strW("ObjectHierarchy", { enum: ["ObjectHierarchy", "NameValuePair"] }),
    ReportTimestamp: strW("Unix-Epoch", { enum: TIMESTAMPS }),
  });
  b.obj("BulkData.Profile.{i}.HTTP.", {
    URL: strW("", { maxLen: 1024 }),
    Username: strW("", { maxLen: 256 }),
    Password: strW("", { maxLen: 256, secret: true }),
    CompressionsSupported: str("GZIP,Deflate", { list: true }),
    Compression: strW("None", { enum: ["GZIP", "Compress", "Deflate", "None"], settable: ["GZIP", "Deflate", "None"] }),
    MethodsSupported: str("POST,PUT", { list: true }),
    Method: strW("POST", { enum: ["POST", "PUT"] }),
    UseDateHeader: boolW("true"),
    RetryEnable: boolW("false"),
    RetryMinimumWaitInterval: uintW("5", { min: 1, max: 65535 }),
    RetryIntervalMultiplier: uintW("2000", { min: 1000, max: 65535 }),
    RequestURIParameterNumberOfEntries: uint(),
    PersistAcrossReboot: boolW("false"),
  });
  b.obj("BulkData.Profile.{i}.HTTP.RequestURIParameter.{i}.", { Name: strW("", { maxLen: 64 }), Reference: strW("", { maxLen: 256 }) }, { writable: true, maxEntries: 8 });
}
