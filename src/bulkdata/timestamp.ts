// Report timestamps as TR-181 gives them (JSONEncoding.ReportTimestamp, CSVEncoding.RowTimestamp):
// Unix-Epoch seconds, ISO-8601, or none. Devices vary: seconds as a JSON number or a string,
// milliseconds, fractions, no zone (read as UTC), and a clock that was never set (0, or TR-106's
// Unknown Time 0001-01-01T00:00:00Z), which says nothing about when the values were collected.

import { BulkDataError } from "./errors.js";

const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;
/** Seconds above this are milliseconds: the year 5138 in seconds, 1973 in milliseconds. */
const MS_ABOVE = 1e11;
/** Before this, a device's clock was not set (TR-106 Unknown Time is the year 1). */
const EARLIEST = Date.UTC(1971, 0, 1);

function fromEpoch(n: number, raw: string): Date | null {
  if (!Number.isFinite(n) || n < 0) throw new BulkDataError("BULKDATA_TIMESTAMP", `timestamp ${raw.slice(0, 64)} is not Unix-Epoch seconds`);
  const ms = n > MS_ABOVE ? n : n * 1000;
  return ms < EARLIEST ? null : new Date(Math.round(ms));
}

/** A timestamp's time, null for none or a device clock not set. Throws BULKDATA_TIMESTAMP. */
export function parseTimestamp(v: unknown): Date | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "number") return fromEpoch(v, String(v));
  if (typeof v !== "string") throw new BulkDataError("BULKDATA_TIMESTAMP", `timestamp must be a number or a string, not ${Array.isArray(v) ? "an array" : typeof v}`);
  const s = v.trim();
  if (s === "" || s.toLowerCase() === "none") return null;
  if (/^\d+(?:\.\d+)?$/.test(s)) return fromEpoch(Number(s), s);
  if (!ISO.test(s)) throw new BulkDataError("BULKDATA_TIMESTAMP", `timestamp ${JSON.stringify(s.slice(0, 64))} is neither Unix-Epoch seconds nor ISO-8601`);
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`;
  const ms = Date.parse(zoned.replace(" ", "T").replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  if (Number.isNaN(ms)) throw new BulkDataError("BULKDATA_TIMESTAMP", `timestamp ${JSON.stringify(s.slice(0, 64))} is not a valid date`);
  return ms < EARLIEST ? null : new Date(ms);
}
