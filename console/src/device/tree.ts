// The parameter tree as the API gives it (keys are path segments; objects end with ".").

import type { ParamRecord } from "../api/types.js";

export interface FlatParam {
  path: string;
  record: ParamRecord;
}

/** Every node under `nodes` with its full path, depth first. */
export function flatten(nodes: Record<string, ParamRecord>, prefix = "", out: FlatParam[] = []): FlatParam[] {
  for (const [key, record] of Object.entries(nodes)) {
    const path = prefix + key;
    out.push({ path, record });
    if (record.children) flatten(record.children, path, out);
  }
  return out;
}

/** Children sorted: instance numbers by number, names alphabetically. */
export function sortedEntries(nodes: Record<string, ParamRecord>): [string, ParamRecord][] {
  return Object.entries(nodes).sort(([a], [b]) => {
    const na = Number.parseInt(a, 10);
    const nb = Number.parseInt(b, 10);
    if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
    return a.localeCompare(b);
  });
}

export function isInstance(key: string): boolean {
  return /^\d+\.$/.test(key);
}
