// Bytes in, reports out: the Content-Type says JSON or CSV (and the charset), BBF-Report-Format says
// the layout (checked, not needed: the body shows it). A body sent as text/plain or
// application/octet-stream, or with no type, is taken by its first character ("{" or "[": JSON).

import { BulkDataError } from "./errors.js";
import { parseCsvReports } from "./csv.js";
import { parseJsonReports } from "./json.js";
import { ReportCollector } from "./limits.js";
import { DEFAULT_PARSE_LIMITS, type BulkDataReport, type CsvReportFormat, type ParseInput, type ReportFormat } from "./types.js";

const JSON_FORMATS: readonly ReportFormat[] = ["ObjectHierarchy", "NameValuePair"];
const CSV_FORMATS: readonly ReportFormat[] = ["ParameterPerRow", "ParameterPerColumn"];

function mediaType(contentType: string | undefined): { type: string; charset: string | null } {
  const [type = "", ...params] = (contentType ?? "").split(";").map((s) => s.trim());
  let charset: string | null = null;
  for (const p of params) {
    const m = /^charset\s*=\s*"?([^"]*)"?$/i.exec(p);
    if (m) charset = m[1]!.toLowerCase();
  }
  return { type: type.toLowerCase(), charset };
}

function decode(body: Buffer, charset: string | null): string {
  let text: string;
  if (charset === null || charset === "utf-8" || charset === "utf8" || charset === "us-ascii") {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    } catch {
      throw new BulkDataError("BULKDATA_MEDIA_TYPE", "the body is not valid UTF-8");
    }
  } else if (charset === "iso-8859-1" || charset === "latin1") text = body.toString("latin1");
  else throw new BulkDataError("BULKDATA_MEDIA_TYPE", `charset ${charset} is not accepted (UTF-8 or ISO-8859-1)`);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function encodingOf(type: string, format: ReportFormat | undefined, text: string): "json" | "csv" {
  if (type === "application/json" || type === "text/json" || type.endsWith("+json")) return "json";
  if (type === "text/csv" || type === "application/csv" || type === "text/comma-separated-values") return "csv";
  if (type !== "" && type !== "text/plain" && type !== "application/octet-stream") {
    throw new BulkDataError("BULKDATA_MEDIA_TYPE", `Content-Type ${type} is not a Bulk Data encoding (application/json or text/csv)`);
  }
  if (format !== undefined) return JSON_FORMATS.includes(format) ? "json" : "csv";
  return /^\s*[[{]/.test(text) ? "json" : "csv";
}

/** The reports of one HTTP body. Throws BulkDataError, with nothing half-parsed returned. */
export function parseBulkData(input: ParseInput): BulkDataReport[] {
  const declared = input.reportFormat?.trim();
  if (declared !== undefined && declared !== "" && !JSON_FORMATS.includes(declared as ReportFormat) && !CSV_FORMATS.includes(declared as ReportFormat)) {
    throw new BulkDataError("BULKDATA_FORMAT", `BBF-Report-Format ${JSON.stringify(declared.slice(0, 64))} is not one of ${[...JSON_FORMATS, ...CSV_FORMATS].join(", ")}`);
  }
  const format = declared === "" ? undefined : (declared as ReportFormat | undefined);
  const { type, charset } = mediaType(input.contentType);
  const text = decode(input.body, charset);
  const encoding = encodingOf(type, format, text);
  if (format !== undefined && (encoding === "json") !== JSON_FORMATS.includes(format)) {
    throw new BulkDataError("BULKDATA_FORMAT", `BBF-Report-Format ${format} is not a layout of the ${encoding.toUpperCase()} encoding the body is in`);
  }
  const out = new ReportCollector({ ...DEFAULT_PARSE_LIMITS, ...input.limits });
  if (encoding === "json") parseJsonReports(text, out);
  else parseCsvReports(text, format as CsvReportFormat | undefined, input.csv ?? {}, out);
  return out.reports;
}
