// A device made from a data model: every object of the standard with a chosen number of rows per table,
// every parameter with a value that fits its syntax. The result has the shape of a loaded device dump, so
// that the simulator serves a standard-made device and a dumped one the same way.

import { checkValue } from "./check.js";
import type { DumpEntry } from "./dump.js";
import { Path } from "./path.js";
import type { DataModel, ObjectDef, ParameterDef, Status, Syntax } from "./types.js";

/** TR-106's "unknown time". */
const UNKNOWN_TIME = "0001-01-01T00:00:00Z";

/**
 * A starting value that fits the parameter's syntax: its default when it has a valid one, else the first
 * enumeration value, 0 (or the nearest range bound), false, the unknown time, or the shortest allowed
 * string. Strings that must match a pattern "" does not fit get "", which may not match (the
 * simulator can override them).
 */
export function initialValue(def: ParameterDef): string {
  const s = def.syntax;
  if (def.default !== undefined && checkValue(s, def.default) === undefined) return def.default;
  if (s.list !== undefined) {
    const n = s.list.minItems ?? 0;
    if (n === 0) return "";
    let item = initialItem(s);
    if (s.itemList !== undefined) item = `[${new Array<string>(Math.max(1, s.itemList.minItems ?? 1)).fill(item).join(",")}]`;
    else if (item.includes(",")) item = `[${item}]`;
    // One empty item would read back as the empty list.
    else if (item === "" && checkValue({ ...s, list: undefined }, "0") === undefined) item = "0";
    return new Array<string>(n).fill(item).join(",");
  }
  return initialItem(s);
}

function initialItem(s: Syntax): string {
  if (s.enumerations !== undefined && s.enumerations.length > 0) {
    return (s.enumerations.find((e) => e.status === undefined) ?? s.enumerations[0]!).value;
  }
  const minLength = s.sizes === undefined ? 0 : Math.min(...s.sizes.map((z) => z.minLength ?? 0));
  switch (s.itemType) {
    case "xsd:boolean":
      return "false";
    case "xsd:dateTime":
      return UNKNOWN_TIME;
    case "xsd:hexBinary":
      return "00".repeat(minLength);
    case "xsd:base64":
      return Buffer.alloc(minLength).toString("base64");
    case "xsd:string": {
      const plain = "0".repeat(minLength);
      if (s.patterns === undefined || s.patterns.length === 0) return plain;
      for (const p of s.patterns) {
        const candidate = p.value === "" ? "" : sampleOf(p.value);
        if (candidate !== undefined && checkValue({ ...s, list: undefined }, candidate) === undefined) return candidate;
      }
      return plain;
    }
    default: {
      if (s.ranges === undefined || s.ranges.length === 0) return "0";
      for (const r of s.ranges) {
        const inside = (r.min === undefined || r.min <= 0) && (r.max === undefined || r.max >= 0);
        if (inside && (r.step === undefined || (0 - (r.min ?? 0)) % r.step === 0)) return "0";
      }
      const r = s.ranges[0]!;
      return String(r.min ?? r.max ?? 0);
    }
  }
}

/**
 * One string that the simple regular expressions of the standard's patterns accept: the first
 * alternative, the first character of each class, the fewest repetitions. Undefined for constructs
 * it does not know (negated classes, backreferences, lookarounds).
 */
export function sampleOf(pattern: string): string | undefined {
  let i = 0;
  const src = pattern;
  const fail = (): never => {
    throw new RangeError("unsupported");
  };
  const escape = (e: string | undefined): string => {
    if (e === undefined) return fail();
    if (e === "d") return "0";
    if (e === "w") return "a";
    if (e === "s") return " ";
    if (/[DWSbBk1-9pP]/.test(e)) return fail();
    return e;
  };
  const alternatives = (): string => {
    const first = sequence();
    while (src[i] === "|") {
      i++;
      sequence();
    }
    return first;
  };
  const sequence = (): string => {
    let out = "";
    while (i < src.length && src[i] !== "|" && src[i] !== ")") {
      const c = src[i]!;
      let atom: string;
      if (c === "(") {
        i++;
        if (src[i] === "?") {
          if (src[i + 1] !== ":") fail();
          i += 2;
        }
        atom = alternatives();
        if (src[i] !== ")") fail();
        i++;
      } else if (c === "[") {
        i++;
        if (src[i] === "^") fail();
        atom = src[i] === "\\" ? escape(src[i + 1]) : src[i] ?? fail();
        while (i < src.length && src[i] !== "]") i += src[i] === "\\" ? 2 : 1;
        if (src[i] !== "]") fail();
        i++;
      } else if (c === "\\") {
        atom = escape(src[i + 1]);
        i += 2;
      } else if (c === ".") {
        atom = "0";
        i++;
      } else if (c === "^" || c === "$") {
        atom = "";
        i++;
      } else {
        atom = c;
        i++;
      }
      let n = 1;
      const q = src[i];
      if (q === "{") {
        const m = /^\{(\d+)(,\d*)?\}/.exec(src.slice(i));
        if (m === null) return fail();
        n = Number(m[1]);
        i += m[0].length;
      } else if (q === "?" || q === "*") {
        n = 0;
        i++;
      } else if (q === "+") {
        i++;
      }
      // A lazy quantifier ("{1,15}?") repeats as few times as the greedy one's minimum.
      if (q === "{" || q === "?" || q === "*" || q === "+") {
        if (src[i] === "?") i++;
      }
      out += atom.repeat(n);
    }
    return out;
  };
  try {
    const sample = alternatives();
    return i === src.length ? sample : undefined;
  } catch {
    return undefined;
  }
}

export interface InstantiateOptions {
  /** Rows per table: a number, or one per table definition (default: the table's minEntries, at least 1). */
  instances?: number | ((table: ObjectDef) => number);
  /** Where a service model's paths are mounted ("Device.Services."); "" for root models. */
  mount?: string;
  /** Definitions of these statuses are left out (default: obsoleted and deleted). */
  skipStatuses?: readonly Status[];
}

/**
 * Every object and parameter of `model`, with concrete instance numbers 1..n for each table, the
 * NumberOfEntries parameters counting the rows, and "cpe-<n>" for Alias keys so that rows stay unique.
 * Tables themselves ("Device.WiFi.SSID.") are listed as objects, writable when AddObject is allowed.
 */
export function instantiate(model: DataModel, options: InstantiateOptions = {}): DumpEntry[] {
  const mount = options.mount ?? "";
  const skip = new Set<Status>(options.skipStatuses ?? ["obsoleted", "deleted"]);
  const rowsOf = (table: ObjectDef): number => {
    const n = options.instances;
    const count = typeof n === "function" ? n(table) : n ?? Math.max(1, table.minEntries);
    const max = table.maxEntries === "unbounded" ? Infinity : table.maxEntries;
    return Math.max(0, Math.min(count, max));
  };
  const counts = new Map<string, number>();
  const counterOf = new Map<string, string>();
  for (const o of model.objects.values()) {
    if (!o.multiInstance) continue;
    counts.set(o.path, skip.has(o.status) ? 0 : rowsOf(o));
    if (o.numEntriesParameter !== undefined) counterOf.set(o.numEntriesParameter, o.path);
  }

  const out: DumpEntry[] = [];
  const emitted = new Set<string>();
  const emit = (e: DumpEntry): void => {
    if (emitted.has(e.path)) return;
    emitted.add(e.path);
    out.push(e);
  };
  if (mount !== "") {
    const top = Path.parse(mount);
    for (let k = 1; k <= top.length; k++) emit({ path: top.slice(k).text, object: true, writable: false });
    for (const name of model.parameters.keys()) {
      const p = model.parameters.get(name)!;
      if (p.object === "" && !skip.has(p.status)) emit(parameterEntry(p, mount + p.name, counts, counterOf, 0));
    }
  }
  for (const o of model.objects.values()) {
    if (skip.has(o.status)) continue;
    const template = Path.parse(o.path);
    if (o.multiInstance) {
      // The table exists (GetParameterNames lists it) even when it has no rows.
      const table = template.parent()!;
      for (const instances of expand(table, counts)) {
        emit({ path: mount + (instances.length > 0 ? table.fill(instances) : table).text, object: true, writable: o.writable });
      }
    }
    for (const instances of expand(template, counts)) {
      const concrete = instances.length > 0 ? template.fill(instances) : template;
      const rowNumber = instances.length > 0 ? instances[instances.length - 1]! : 0;
      emit({ path: mount + concrete.text, object: true, writable: o.multiInstance && o.writable });
      for (const name of o.parameters) {
        const p = model.parameters.get(o.path + name);
        if (p === undefined || skip.has(p.status)) continue;
        const key = o.uniqueKeys.some((k) => !k.functional && k.parameters.includes(name));
        emit(parameterEntry(p, mount + concrete.text + name, counts, counterOf, key ? rowNumber : 0));
      }
    }
  }
  return out;
}

function parameterEntry(p: ParameterDef, path: string, counts: Map<string, number>, counterOf: Map<string, string>, aliasRow: number): DumpEntry {
  let value = initialValue(p);
  const table = counterOf.get(p.path);
  if (table !== undefined) value = String(counts.get(table) ?? 0);
  else if (aliasRow > 0 && p.name === "Alias") value = `cpe-${aliasRow}`;
  return { path, object: false, writable: p.writable, value, type: p.syntax.type };
}

/** Every combination of instance numbers for the "{i}" segments of a template. */
function expand(template: Path, counts: Map<string, number>): number[][] {
  let combos: number[][] = [[]];
  for (let k = 0; k < template.length; k++) {
    if (template.kind(k) !== "placeholder") continue;
    const n = counts.get(template.slice(k + 1).text) ?? 1;
    const next: number[][] = [];
    for (const c of combos) for (let i = 1; i <= n; i++) next.push([...c, i]);
    combos = next;
    if (combos.length === 0) break;
  }
  return combos;
}
