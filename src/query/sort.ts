// Sort keys for device lists: a device field (not tag) or a parameter path, ascending or descending.
// `compareForSort` is the reference order, which the store's ORDER BY reproduces:
// - text by code point, times by instant;
// - parameter values: numbers (numerically, ties by text) before other texts when ascending, after them
//   when descending; texts by their first SORT_TEXT_CHARS characters (then by id): the databases sort
//   from an index that holds that much of each value;
// - a device without the field or parameter (or whose value is unknown) comes last either way;
// - ties are broken by the next key, and finally by id (ascending).
import { FIELD_ALIASES, FIELD_NAMES, fieldKind, type FieldName, type TextField, type TimeField } from "./ast.js";
import { pathProblem } from "./check.js";
import { FilterError } from "./errors.js";
import type { FilterDevice } from "./evaluate.js";
import { compareText, numberOf } from "./values.js";

export type SortDirection = "asc" | "desc";

export interface SortKey {
  /** A device field (id, oui, productClass, serialNumber, manufacturer, cwmpVersion, registered, lastInform, lastBoot, lastBootstrap) or a parameter path. */
  field: string;
  /** Default "asc". */
  direction?: SortDirection;
}

export type SortTarget = { kind: "field"; name: Exclude<FieldName, "tag"> } | { kind: "parameter"; path: string };

export interface ResolvedSortKey {
  target: SortTarget;
  direction: SortDirection;
}

/** Parameter values sort by this many leading characters (code points). */
export const SORT_TEXT_CHARS = 256;

/** The most keys a sort may have. */
export const MAX_SORT_KEYS = 8;

const FIELD_BY_LOWER = new Map<string, FieldName>([
  ...FIELD_NAMES.map((f) => [f.toLowerCase(), f] as const),
  ...Object.entries(FIELD_ALIASES).map(([alias, f]) => [alias.toLowerCase(), f] as const),
]);

/** Checks sort keys (from code or JSON) and resolves their fields; throws FilterError FILTER_SORT (or FILTER_PATH). */
export function resolveSort(keys: unknown): ResolvedSortKey[] {
  if (!Array.isArray(keys)) throw new FilterError("FILTER_SORT", "sort must be a list of { field, direction } keys");
  if (keys.length > MAX_SORT_KEYS) throw new FilterError("FILTER_SORT", `sort has more than ${MAX_SORT_KEYS} keys`);
  const out: ResolvedSortKey[] = [];
  for (const k of keys) {
    if (typeof k !== "object" || k === null || typeof (k as SortKey).field !== "string") {
      throw new FilterError("FILTER_SORT", "a sort key must be an object with a field name");
    }
    const { field, direction = "asc" } = k as SortKey;
    if (direction !== "asc" && direction !== "desc") throw new FilterError("FILTER_SORT", `a sort direction is "asc" or "desc", not ${JSON.stringify(direction)}`);
    let target: SortTarget;
    if (field.includes(".") && !FIELD_BY_LOWER.has(field.toLowerCase())) {
      const why = pathProblem(field);
      if (why !== undefined) throw new FilterError("FILTER_PATH", why);
      if (field.endsWith(".")) throw new FilterError("FILTER_SORT", `${field} is an object, which has no value to sort by`);
      target = { kind: "parameter", path: field };
    } else {
      const name = FIELD_BY_LOWER.get(field.toLowerCase());
      if (name === undefined) throw new FilterError("FILTER_SORT", `cannot sort by "${field}": sort by ${FIELD_NAMES.filter((f) => f !== "tag").join(", ")} or a parameter path`);
      if (name === "tag") throw new FilterError("FILTER_SORT", "cannot sort by tag (a device has several)");
      if (fieldKind(name) === "alarm") throw new FilterError("FILTER_SORT", `cannot sort by ${name}`);
      target = { kind: "field", name };
    }
    out.push({ target, direction });
  }
  return out;
}

const TEXT_PROPERTY: Readonly<Record<TextField, "id" | "oui" | "productClass" | "serialNumber" | "manufacturer" | "cwmpVersion" | "credentials" | "protocol">> = {
  id: "id", oui: "oui", productClass: "productClass", serialNumber: "serialNumber", manufacturer: "manufacturer", cwmpVersion: "cwmpVersion",
  credentials: "credentials", protocol: "protocol",
};
const TIME_PROPERTY: Readonly<Record<TimeField, "registeredAt" | "lastInformAt" | "lastBootAt" | "lastBootstrapAt">> = {
  registered: "registeredAt", lastInform: "lastInformAt", lastBoot: "lastBootAt", lastBootstrap: "lastBootstrapAt",
};

/** Missing values last in both directions; otherwise `cmp` (ascending) turned by the direction. */
function withMissingLast<T>(a: T | null, b: T | null, dir: number, cmp: (x: T, y: T) => number): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  return dir * cmp(a, b);
}

function head(s: string): string {
  return s.length <= SORT_TEXT_CHARS ? s : Array.from(s).slice(0, SORT_TEXT_CHARS).join("");
}

function compareValues(a: string, b: string, dir: number): number {
  const na = numberOf(a);
  const nb = numberOf(b);
  // Ascending: numbers first; descending: texts first (the ascending order reversed).
  if ((na === null) !== (nb === null)) return dir * (na === null ? 1 : -1);
  if (na !== null && nb !== null && na !== nb) return dir * (na < nb ? -1 : 1);
  return dir * compareText(head(a), head(b));
}

/** The reference order of devices for `keys` (see the top of this file). */
export function compareForSort(keys: readonly ResolvedSortKey[]): (a: FilterDevice, b: FilterDevice) => number {
  return (a, b) => {
    for (const { target, direction } of keys) {
      const dir = direction === "asc" ? 1 : -1;
      let c: number;
      if (target.kind === "parameter") {
        c = withMissingLast(a.parameter(target.path)?.value ?? null, b.parameter(target.path)?.value ?? null, 1, (x, y) => compareValues(x, y, dir));
      } else if (fieldKind(target.name) === "time") {
        const p = TIME_PROPERTY[target.name as TimeField];
        c = withMissingLast(a[p]?.getTime() ?? null, b[p]?.getTime() ?? null, dir, (x, y) => x - y);
      } else {
        const p = TEXT_PROPERTY[target.name as TextField];
        c = withMissingLast(p === "protocol" ? (a.protocol ?? "cwmp") : a[p], p === "protocol" ? (b.protocol ?? "cwmp") : b[p], dir, compareText);
      }
      if (c !== 0) return c;
      if (target.kind === "field" && target.name === "id") return 0;
    }
    return compareText(a.id, b.id);
  };
}
