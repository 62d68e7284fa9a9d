// What a bulk action applies to: the devices selected in the table, or every device the filter matches.
// A selection becomes filters of ids (`id IN (...)`), a few hundred ids each, within the API's filter size.

import { filterString } from "../format.js";

export type Target = { kind: "selection"; ids: string[] } | { kind: "filter"; filter: string; count: number | null };

const CHUNK = 200;

/** The filters that together address the target ("" means every device). */
export function targetFilters(t: Target): string[] {
  if (t.kind === "filter") return [t.filter];
  const out: string[] = [];
  for (let i = 0; i < t.ids.length; i += CHUNK) out.push(`id IN (${t.ids.slice(i, i + CHUNK).map(filterString).join(", ")})`);
  return out;
}

export function targetCount(t: Target): number | null {
  return t.kind === "selection" ? t.ids.length : t.count;
}

/** The body's selection for the device bulk endpoints, which take `all` for every device. */
export function selectionBody(filter: string): { filter: string } | { all: true } {
  return filter === "" ? { all: true } : { filter };
}

/** Bulk tasks need a filter: every device is one that always holds. */
export function taskFilter(filter: string): string {
  return filter === "" ? "id EXISTS" : filter;
}
