// CSV export of devices: RFC 4180 text (CRLF line ends, a field quoted when it holds a quote, a comma,
// CR or LF, quotes doubled), read from the store a page at a time by keyset paging and written as it
// is read, so memory holds one page whatever the number of devices; the consumer's pace drives the
// reads (an async generator under a Readable pulls only when the socket wants more).
import type { DeviceRecord, FilterNode, ParameterRecord, Store } from "../store/index.js";

/** The device fields every export starts with, in this order. */
export const CSV_FIELDS = ["id", "oui", "productClass", "serialNumber", "manufacturer", "lastInformAt", "tags"] as const;

// A cell a spreadsheet would read as a formula (or, for tab and CR, that can start one after an editor
// trims it) gets a leading apostrophe: device values come from devices, and a device can say anything.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: made harmless for spreadsheets, then quoted if RFC 4180 needs it. */
export function csvCell(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

function fieldCells(d: DeviceRecord): string[] {
  return [d.id, d.oui, d.productClass, d.serialNumber, d.manufacturer, d.lastInformAt?.toISOString() ?? "", d.tags.join(",")];
}

export interface CsvExport {
  filter?: string | FilterNode;
  /** Parameter paths, one column each (a device without one has an empty cell). */
  columns: readonly string[];
  now: Date;
  onlineWithinMs: number;
  /** Devices read per store query. */
  pageSize?: number;
}

/** The CSV text of the devices `q.filter` matches, in id order: the header line, then a line per device. */
export async function* devicesCsv(store: Pick<Store, "devices">, q: CsvExport): AsyncGenerator<string> {
  yield csvLine([...CSV_FIELDS, ...q.columns]);
  let after: string | undefined;
  for (;;) {
    const page = await store.devices.query({
      ...(q.filter !== undefined ? { filter: q.filter } : {}),
      limit: q.pageSize ?? 1000,
      ...(after !== undefined ? { after } : {}),
      ...(q.columns.length > 0 ? { projection: [...q.columns] } : {}),
      now: q.now,
      onlineWithinMs: q.onlineWithinMs,
    });
    let chunk = "";
    for (const d of page.devices) {
      const values = new Map((d.parameters ?? []).map((p: ParameterRecord) => [p.path, p.value ?? ""]));
      chunk += csvLine([...fieldCells(d), ...q.columns.map((c) => values.get(c) ?? "")]);
    }
    if (chunk !== "") yield chunk;
    if (page.next === null) return;
    after = page.next;
  }
}
