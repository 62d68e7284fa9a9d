// JSON reports (TR-181 Annex "Bulk Data JSON encoding"): `{"Report": [ {...}, ... ]}`, each report
// an object with its "CollectionTime" and its values, either as NameValuePair
// (`"Device.DeviceInfo.UpTime": 7200`) or as ObjectHierarchy (`"Device": {"DeviceInfo": {"UpTime": 7200}}`,
// instances as objects keyed by their numbers). Both come down to the same walk, which joins keys with
// ".", so a device mixing the two (or the BBF-Report-Format header saying one and the body the other)
// still reads. Seen on devices and accepted: a bare report without "Report", "Report" as one object,
// arrays for instance tables (numbered from 1), numbers and booleans as JSON values or as strings.

import { BulkDataError } from "./errors.js";
import type { ReportCollector } from "./limits.js";
import { parseTimestamp } from "./timestamp.js";
import type { BulkDataValue } from "./types.js";

/** Deeper than any data model's object nesting. */
const MAX_DEPTH = 32;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: Json): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function parseJsonReports(text: string, out: ReportCollector): void {
  let root: Json;
  try {
    root = JSON.parse(text) as Json;
  } catch (err) {
    throw new BulkDataError("BULKDATA_JSON", `the body is not JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(root) ? root : isObject(root) && "Report" in root ? root.Report : root;
  const reports = Array.isArray(list) ? list : [list];
  reports.forEach((report, i) => {
    if (!isObject(report)) throw new BulkDataError("BULKDATA_JSON", `report ${i + 1} is not a JSON object`);
    let collectedAt: Date | null;
    try {
      collectedAt = parseTimestamp(report.CollectionTime);
    } catch (err) {
      throw new BulkDataError("BULKDATA_TIMESTAMP", `report ${i + 1}: CollectionTime: ${(err as Error).message}`);
    }
    const values = out.report(collectedAt);
    for (const [key, value] of Object.entries(report)) {
      if (key !== "CollectionTime") walk(key, value, values, out, 1, i + 1);
    }
  });
}

/** An ObjectHierarchy key under its parent; a NameValuePair key may end with "." already. */
function join(parent: string, key: string): string {
  return parent.endsWith(".") ? parent + key : `${parent}.${key}`;
}

function walk(path: string, v: Json, into: BulkDataValue[], out: ReportCollector, depth: number, report: number): void {
  if (depth > MAX_DEPTH) throw new BulkDataError("BULKDATA_JSON", `report ${report}: objects nested deeper than ${MAX_DEPTH} levels at ${path.slice(0, 128)}`);
  if (Array.isArray(v)) {
    v.forEach((item, i) => walk(join(path, String(i + 1)), item, into, out, depth + 1, report));
    return;
  }
  if (isObject(v)) {
    for (const [key, child] of Object.entries(v)) walk(join(path, key), child, into, out, depth + 1, report);
    return;
  }
  if (path === "" || path.startsWith(".") || path.endsWith(".") || path.includes("..")) throw new BulkDataError("BULKDATA_JSON", `report ${report}: an empty parameter or object name${path === "" ? "" : ` in ${JSON.stringify(path.slice(0, 128))}`}`);
  out.add(into, path, v === null ? "" : String(v));
}
