// Writing a report as a device does, for the simulator: the profile's encoding, layout, timestamp
// format and CSV separators. One report per body (a device that retains failed reports sends several).

import type { CsvSettings, ReportFormat } from "./types.js";

export type TimestampFormat = "Unix-Epoch" | "ISO-8601" | "None";

export interface EncodeSettings {
  encoding: "JSON" | "CSV";
  format: ReportFormat;
  timestamp: TimestampFormat;
  csv?: CsvSettings;
}

export interface EncodedReport {
  body: string;
  contentType: string;
  /** The BBF-Report-Format header. */
  reportFormat: ReportFormat;
}

export interface ReportToEncode {
  at: number;
  values: ReadonlyArray<{ path: string; value: string; type?: string }>;
}

function stamp(at: number, f: TimestampFormat): string | number | null {
  if (f === "None") return null;
  return f === "ISO-8601" ? new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z") : Math.floor(at / 1000);
}

function hierarchy(values: ReportToEncode["values"]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const v of values) {
    const parts = v.path.split(".");
    let node = root;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = v.value;
  }
  return root;
}

export function encodeReports(reports: readonly ReportToEncode[], s: EncodeSettings): EncodedReport {
  if (s.encoding === "JSON") {
    const format = s.format === "ObjectHierarchy" ? "ObjectHierarchy" : "NameValuePair";
    const list = reports.map((r) => {
      const t = stamp(r.at, s.timestamp);
      const body = format === "ObjectHierarchy" ? hierarchy(r.values) : Object.fromEntries(r.values.map((v) => [v.path, v.value]));
      return t === null ? body : { CollectionTime: t, ...body };
    });
    return { body: JSON.stringify({ Report: list }), contentType: "application/json; charset=UTF-8", reportFormat: format };
  }
  const sep = s.csv?.fieldSeparator || ",";
  const rowSep = s.csv?.rowSeparator || "\r\n";
  const esc = s.csv?.escapeCharacter || '"';
  const field = (v: string) => (v.includes(sep) || v.includes(esc) || v.includes("\n") || v.includes("\r") ? esc + v.split(esc).join(esc + esc) + esc : v);
  const row = (fields: readonly string[]) => fields.map(field).join(sep) + rowSep;
  const timed = s.timestamp !== "None";
  const t = (at: number) => (timed ? [String(stamp(at, s.timestamp))] : []);
  const format = s.format === "ParameterPerColumn" ? "ParameterPerColumn" : "ParameterPerRow";
  let body: string;
  if (format === "ParameterPerRow") {
    body = row([...(timed ? ["ReportTimestamp"] : []), "ParameterName", "ParameterValue", "ParameterType"]);
    for (const r of reports) for (const v of r.values) body += row([...t(r.at), v.path, v.value, (v.type ?? "xsd:string").replace(/^xsd:/, "")]);
  } else {
    const paths = reports[0]?.values.map((v) => v.path) ?? [];
    body = row([...(timed ? ["ReportTimestamp"] : []), ...paths]);
    for (const r of reports) body += row([...t(r.at), ...paths.map((p) => r.values.find((v) => v.path === p)?.value ?? "")]);
  }
  return { body, contentType: "text/csv; charset=UTF-8", reportFormat: format };
}
