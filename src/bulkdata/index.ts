// TR-181 / TR-157 Bulk Data reports: the HTTP collector's pure parser (JSON and CSV encodings, every
// layout), and the writer the simulator sends with. Nothing here does I/O.

export { BulkDataError, type BulkDataErrorCode } from "./errors.js";
export { parseBulkData } from "./parse.js";
export { parseTimestamp } from "./timestamp.js";
export { splitCsv } from "./csv.js";
export {
  DEFAULT_PARSE_LIMITS,
  type BulkDataReport,
  type BulkDataValue,
  type CsvReportFormat,
  type CsvSettings,
  type JsonReportFormat,
  type ParseInput,
  type ParseLimits,
  type ReportFormat,
} from "./types.js";
export { encodeReports, type EncodeSettings, type EncodedReport, type ReportToEncode, type TimestampFormat } from "./encode.js";
