// CSV reports (TR-181 Annex "Bulk Data CSV encoding"), with the profile's CSVEncoding separators:
//
//   ParameterPerRow     ReportTimestamp,ParameterName,ParameterValue,ParameterType
//                       1364529149,Device.DeviceInfo.UpTime,7200,unsignedInt
//                       (rows with the same timestamp are one report; timestamp and type columns optional)
//   ParameterPerColumn  ReportTimestamp,Device.DeviceInfo.UpTime,Device.Ethernet.Interface.1.Stats.BytesSent
//                       1364529149,7200,1234
//                       (each row is one report)
//
// The header row says which layout it is, so the BBF-Report-Format header is checked against it rather
// than needed. A row separator of CRLF also accepts a bare LF (and LF also CRLF): devices and proxies
// change line ends. A field starting with the escape character runs to the next lone one; a doubled
// one inside is the character itself.

import { BulkDataError } from "./errors.js";
import type { ReportCollector } from "./limits.js";
import { parseTimestamp } from "./timestamp.js";
import type { CsvReportFormat, CsvSettings } from "./types.js";

const TIMESTAMP = "ReportTimestamp";

function oneChar(v: string | undefined, fallback: string, what: string): string {
  if (v === undefined || v === "") return fallback;
  if (v.length !== 1) throw new BulkDataError("BULKDATA_CSV", `the ${what} must be one character, not ${JSON.stringify(v)}`);
  return v;
}

/**
 * The field separator of a text whose profile is not known: the candidate the header row has most of
 * (parameter paths never contain one), "," when it has none.
 */
function sniffSeparator(text: string): string {
  const line = text.slice(0, Math.max(0, text.search(/[\r\n]/)) || text.length);
  let best = ",";
  let most = 0;
  for (const c of [",", ";", "\t", "|"]) {
    const n = line.split(c).length - 1;
    if (n > most) [best, most] = [c, n];
  }
  return best;
}

/** A separator as the data model writes its default ("&#13;&#10;"), which some devices report as it stands. */
function unescaped(v: string | undefined): string | undefined {
  return v?.replace(/&#(\d{1,5});|&#x([0-9a-f]{1,4});/gi, (_, dec: string | undefined, hex: string | undefined) => String.fromCharCode(dec !== undefined ? Number(dec) : parseInt(hex!, 16)));
}

/** The rows of a CSV text, each a list of fields; empty lines are skipped. */
export function splitCsv(text: string, settings: CsvSettings = {}): string[][] {
  const fieldSetting = unescaped(settings.fieldSeparator);
  const sep = fieldSetting === undefined || fieldSetting === "" ? sniffSeparator(text) : oneChar(fieldSetting, ",", "field separator");
  const esc = oneChar(unescaped(settings.escapeCharacter), '"', "escape character");
  const rowSetting = unescaped(settings.rowSeparator);
  const rowSep = rowSetting === undefined || rowSetting === "" || rowSetting === "\r\n" ? "\n" : rowSetting;
  const lineEnds = rowSep === "\n";
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(lineEnds && !quoted && field.endsWith("\r") ? field.slice(0, -1) : field);
    if (!(row.length === 1 && row[0] === "")) rows.push(row);
    row = [];
    field = "";
  };
  while (i < text.length) {
    const c = text[i]!;
    if (field === "" && c === esc && !quoted) {
      quoted = true;
      i++;
      const start = rows.length + 1;
      for (;;) {
        if (i >= text.length) throw new BulkDataError("BULKDATA_CSV", `row ${start}: a quoted field is never closed`);
        if (text[i] === esc) {
          if (text[i + 1] === esc) {
            field += esc;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      const next = text.startsWith(rowSep, i) ? rowSep : lineEnds && text.startsWith("\r\n", i) ? "\r\n" : text[i];
      if (next !== undefined && next !== sep && next !== rowSep && next !== "\r\n") {
        throw new BulkDataError("BULKDATA_CSV", `row ${start}: text after a quoted field's closing ${esc}`);
      }
      if (next === "\r\n") i++;
      continue;
    }
    if (c === sep) {
      row.push(field);
      field = "";
      quoted = false;
      i++;
    } else if (text.startsWith(rowSep, i)) {
      endRow();
      quoted = false;
      i += rowSep.length;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== "" || row.length > 0) endRow();
  return rows;
}

/** xsd type of a ParameterType column ("unsignedInt" or "xsd:unsignedInt"); undefined when empty. */
function xsdType(t: string | undefined): string | undefined {
  const s = t?.trim() ?? "";
  if (s === "") return undefined;
  return s.includes(":") ? s : `xsd:${s}`;
}

function timestampAt(field: string | undefined, row: number): Date | null {
  try {
    return parseTimestamp(field);
  } catch (err) {
    throw new BulkDataError("BULKDATA_TIMESTAMP", `row ${row}: ${(err as Error).message}`);
  }
}

export function parseCsvReports(text: string, declared: CsvReportFormat | undefined, settings: CsvSettings, out: ReportCollector): void {
  const rows = splitCsv(text, settings);
  const header = rows[0]?.map((h) => h.trim());
  if (header === undefined) throw new BulkDataError("BULKDATA_CSV", "the body has no header row");
  const perRow = header.includes("ParameterName") && header.includes("ParameterValue");
  const format: CsvReportFormat = perRow ? "ParameterPerRow" : "ParameterPerColumn";
  if (declared !== undefined && declared !== format) {
    throw new BulkDataError("BULKDATA_CSV", `BBF-Report-Format says ${declared} but the header row is that of ${format} (${header.slice(0, 4).join(",").slice(0, 128)})`);
  }
  // A report has values: a body of its header alone was most likely split with the wrong row separator.
  if (rows.length < 2) throw new BulkDataError("BULKDATA_CSV", "the body has a header row but no data rows (is its row separator the profile's CSVEncoding.RowSeparator?)");
  const ts = header.indexOf(TIMESTAMP);
  const width = header.length;
  const fit = (r: string[], n: number) => {
    if (r.length !== width) throw new BulkDataError("BULKDATA_CSV", `row ${n} has ${r.length} fields; the header row has ${width}`);
  };
  if (perRow) {
    const name = header.indexOf("ParameterName");
    const value = header.indexOf("ParameterValue");
    const type = header.indexOf("ParameterType");
    let current: { stamp: string; values: ReturnType<ReportCollector["report"]> } | null = null;
    rows.slice(1).forEach((r, i) => {
      fit(r, i + 2);
      const stamp = ts < 0 ? "" : r[ts]!;
      if (current === null || current.stamp !== stamp) current = { stamp, values: out.report(timestampAt(stamp, i + 2)) };
      const path = r[name]!.trim();
      if (path === "") throw new BulkDataError("BULKDATA_CSV", `row ${i + 2} has no ParameterName`);
      out.add(current.values, path, r[value]!, type < 0 ? undefined : xsdType(r[type]));
    });
    return;
  }
  header.forEach((h, i) => {
    if (h === "" && i !== ts) throw new BulkDataError("BULKDATA_CSV", `column ${i + 1} of the header row has no parameter name`);
  });
  rows.slice(1).forEach((r, i) => {
    fit(r, i + 2);
    const values = out.report(ts < 0 ? null : timestampAt(r[ts], i + 2));
    header.forEach((path, col) => {
      if (col !== ts) out.add(values, path, r[col]!);
    });
  });
}
