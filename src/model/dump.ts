// Device dumps: the parameters of one real device, as operators keep them, turned into a flat list the
// simulator can serve.
//
// CSV: a header naming at least the columns Parameter, Object, Writable, Value and Value type (in any
// order; GenieACS's export adds timestamp, notification and access-list columns, which are ignored),
// then one row per object or parameter. RFC 4180 quoting: a field in double quotes may hold commas,
// line breaks and doubled quotes. Object and Writable take true/false/1/0 (empty is false). Objects
// may be written with or without their trailing dot. A parameter with an empty Value type and an empty
// value is one whose value the dump does not know. GenieACS bookkeeping rows (DeviceID.*, Events.*,
// Tags.*, VirtualParameters.*, Downloads.*) are not device parameters: DeviceID.* fills `deviceId`,
// the rest are skipped.
//
// JSON: either an array of entries, or {"deviceId": {...}, "parameters": [entries]}, or an object
// mapping each path to an entry without its path (or to a bare string value). An entry is
//   {"path": "Device.DeviceInfo.SoftwareVersion", "value": "1.2.3", "type": "xsd:string", "writable": false}
//   {"path": "Device.WiFi.SSID.1.", "object": true, "writable": true}
// with "name" accepted for "path"; `object` defaults to whether the path ends with "."; `writable` to
// false; `type` to xsd:string when a value is given; a value may be a string, number or boolean.
//
// Problems with single rows are reported in `issues` and never stop the load: an "error" drops the row,
// a "warning" keeps it (adjusted as the message says). Only input that cannot be read at all (broken
// CSV quoting, missing columns, invalid JSON) throws ModelError DUMP_SYNTAX.

import { readFileSync } from "node:fs";
import { checkXsd, resolveXsiType, type XsdType } from "../cwmp/index.js";
import { ModelError } from "./errors.js";
import { Path } from "./path.js";

export interface DumpEntry {
  /** Concrete path; objects end with ".". */
  readonly path: string;
  readonly object: boolean;
  readonly writable: boolean;
  /** The value's text, exactly as dumped; undefined for objects and for values the dump does not know. */
  readonly value?: string;
  readonly type?: XsdType;
  /** Where it came from: CSV line, or JSON entry number (1-based); absent for objects added as parents. */
  readonly source?: number;
}

export type DumpIssueCode =
  | "BAD_NAME"
  | "DUPLICATE"
  | "BAD_TYPE"
  | "BAD_VALUE"
  | "BAD_FLAG"
  | "OBJECT_MISMATCH"
  | "UNDER_PARAMETER"
  | "MISSING_PARENT"
  | "ROW_LENGTH"
  | "BAD_ENTRY"
  | "SKIPPED"
  | "TOO_MANY_ISSUES";

export interface DumpIssue {
  /** "error": the row was dropped. "warning": the row was kept, adjusted as the message says. */
  readonly severity: "error" | "warning";
  readonly code: DumpIssueCode;
  readonly message: string;
  /** CSV line or JSON entry number (1-based). */
  readonly source?: number;
  readonly path?: string;
}

export interface DeviceIdentity {
  manufacturer?: string;
  oui?: string;
  productClass?: string;
  serialNumber?: string;
}

export interface DeviceDump {
  readonly entries: readonly DumpEntry[];
  /** Root objects present, e.g. ["InternetGatewayDevice."]. */
  readonly roots: readonly string[];
  /** From DeviceID rows (GenieACS), the JSON deviceId, or else the dump's DeviceInfo parameters. */
  readonly deviceId: DeviceIdentity;
  readonly issues: readonly DumpIssue[];
}

export interface DumpOptions {
  /** Add objects that parameters imply but the dump lacks (default true; a warning counts them). */
  addMissingObjects?: boolean;
  /** Stop recording issues after this many (default 1000; a last issue says how many were left out). */
  maxIssues?: number;
}

const META_ROOTS = new Set(["DeviceID", "Events", "Tags", "VirtualParameters", "Downloads", "Reboot", "FactoryReset"]);
const IDENTITY_FIELDS: Record<string, keyof DeviceIdentity> = {
  Manufacturer: "manufacturer",
  OUI: "oui",
  ManufacturerOUI: "oui",
  ProductClass: "productClass",
  SerialNumber: "serialNumber",
};

/** One row or entry before normalisation. */
interface RawEntry {
  path: string;
  object: string | boolean | undefined;
  writable: string | boolean | undefined;
  value: string | undefined;
  type: string | undefined;
  source: number;
}

/** Reads a dump file: JSON when the name ends with .json or the text starts with "[" or "{", CSV otherwise. */
export function loadDump(file: string, options: DumpOptions = {}): DeviceDump {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ModelError("FILE_READ", `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const head = text.replace(/^\uFEFF/, "").trimStart();
  if (/\.json$/i.test(file) || head.startsWith("[") || head.startsWith("{")) return parseDumpJson(text, options);
  return parseDumpCsv(text, options);
}

// --- CSV --------------------------------------------------------------------------------------------

interface CsvRow {
  fields: string[];
  line: number;
}

/** RFC 4180 records with the line each starts on; blank lines are skipped. */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const len = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < len) {
    const rowLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = "";
      if (text.charCodeAt(i) === 34 /* " */) {
        const openLine = line;
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) throw new ModelError("DUMP_SYNTAX", "a quoted field is not closed", { line: openLine });
          const chunk = text.slice(i, q);
          for (let k = chunk.indexOf("\n"); k !== -1; k = chunk.indexOf("\n", k + 1)) line++;
          field += chunk;
          if (text.charCodeAt(q + 1) === 34) {
            field += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        // Text after the closing quote, up to the separator, is kept as it stands (lenient).
        while (i < len) {
          const c = text.charCodeAt(i);
          if (c === 44 || c === 10 || c === 13) break;
          field += text[i];
          i++;
        }
      } else {
        const start = i;
        while (i < len) {
          const c = text.charCodeAt(i);
          if (c === 44 || c === 10 || c === 13) break;
          i++;
        }
        field = text.slice(start, i);
      }
      fields.push(field);
      if (i >= len) break;
      const c = text.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      // End of record: \r\n, \n or \r.
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      i++;
      line++;
      break;
    }
    if (!(fields.length === 1 && fields[0]!.trim() === "")) rows.push({ fields, line: rowLine });
  }
  return rows;
}

const REQUIRED_COLUMNS = ["parameter", "object", "writable", "value", "valuetype"] as const;

/** Loads a CSV dump (see the top of this file for the format). */
export function parseDumpCsv(text: string, options: DumpOptions = {}): DeviceDump {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new ModelError("DUMP_SYNTAX", "the CSV has no header row");
  const header = rows[0]!;
  const index = new Map<string, number>();
  header.fields.forEach((h, k) => {
    const key = h.trim().toLowerCase().replace(/[\s_]+/g, "");
    if (!index.has(key)) index.set(key, k);
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !index.has(c));
  if (missing.length > 0) {
    throw new ModelError(
      "DUMP_SYNTAX",
      `the CSV header lacks the column${missing.length > 1 ? "s" : ""} ${missing.map((m) => (m === "valuetype" ? "Value type" : m[0]!.toUpperCase() + m.slice(1))).join(", ")} (expected Parameter,Object,Writable,Value,Value type)`,
      { line: header.line },
    );
  }
  const col = (name: (typeof REQUIRED_COLUMNS)[number]): number => index.get(name)!;
  const issues = new IssueList(options.maxIssues ?? 1000);
  const raws: RawEntry[] = [];
  const width = header.fields.length;
  for (let r = 1; r < rows.length; r++) {
    const { fields, line } = rows[r]!;
    if (fields.length > width) {
      issues.add({ severity: "error", code: "ROW_LENGTH", source: line, message: `line ${line} has ${fields.length} fields but the header has ${width} (an unquoted comma in a value?); row dropped` });
      continue;
    }
    if (fields.length < width) {
      issues.add({ severity: "warning", code: "ROW_LENGTH", source: line, message: `line ${line} has ${fields.length} fields but the header has ${width}; the missing ones are read as empty` });
    }
    const f = (name: (typeof REQUIRED_COLUMNS)[number]): string => fields[col(name)] ?? "";
    raws.push({ path: f("parameter"), object: f("object"), writable: f("writable"), value: f("value"), type: f("valuetype"), source: line });
  }
  return build(raws, issues, {}, options, "line");
}

// --- JSON -------------------------------------------------------------------------------------------

/** Loads a JSON dump, from its text or an already parsed value (see the top of this file for the shape). */
export function parseDumpJson(input: string | unknown, options: DumpOptions = {}): DeviceDump {
  let data: unknown = input;
  if (typeof input === "string") {
    try {
      data = JSON.parse(input.replace(/^\uFEFF/, ""));
    } catch (e) {
      throw new ModelError("DUMP_SYNTAX", `not valid JSON: ${(e as Error).message}`, { cause: e });
    }
  }
  const issues = new IssueList(options.maxIssues ?? 1000);
  let list: unknown[];
  const identity: DeviceIdentity = {};
  if (Array.isArray(data)) {
    list = data;
  } else if (isRecord(data) && Array.isArray(data.parameters)) {
    list = data.parameters;
    if (data.deviceId !== undefined) {
      if (!isRecord(data.deviceId)) throw new ModelError("DUMP_SYNTAX", "deviceId must be an object");
      for (const k of ["manufacturer", "oui", "productClass", "serialNumber"] as const) {
        const v = data.deviceId[k];
        if (typeof v === "string") identity[k] = v;
      }
    }
  } else if (isRecord(data)) {
    list = Object.entries(data).map(([path, v]) => (isRecord(v) ? { ...v, path } : typeof v === "string" ? { path, value: v } : { path, value: v }));
  } else {
    throw new ModelError("DUMP_SYNTAX", "a JSON dump is an array of entries, an object with a parameters array, or an object mapping paths to entries");
  }
  const raws: RawEntry[] = [];
  list.forEach((e, k) => {
    const n = k + 1;
    if (!isRecord(e)) {
      issues.add({ severity: "error", code: "BAD_ENTRY", source: n, message: `entry ${n} is not an object; dropped` });
      return;
    }
    const path = typeof e.path === "string" ? e.path : typeof e.name === "string" ? e.name : undefined;
    if (path === undefined) {
      issues.add({ severity: "error", code: "BAD_ENTRY", source: n, message: `entry ${n} has no "path" string; dropped` });
      return;
    }
    let value: string | undefined;
    if (typeof e.value === "string") value = e.value;
    else if (typeof e.value === "number" || typeof e.value === "boolean" || typeof e.value === "bigint") value = String(e.value);
    else if (e.value !== undefined && e.value !== null) {
      issues.add({ severity: "error", code: "BAD_ENTRY", source: n, path, message: `entry ${n} (${path}): "value" must be a string, number or boolean; dropped` });
      return;
    }
    const flag = (v: unknown): string | boolean | undefined => (typeof v === "boolean" || typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined);
    raws.push({
      path,
      object: flag(e.object),
      writable: flag(e.writable),
      value,
      type: typeof e.type === "string" ? e.type : value !== undefined ? "xsd:string" : undefined,
      source: n,
    });
  });
  return build(raws, issues, identity, options, "entry");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// --- normalisation ----------------------------------------------------------------------------------

class IssueList {
  readonly list: DumpIssue[] = [];
  private dropped = 0;
  constructor(private readonly max: number) {}
  add(issue: DumpIssue): void {
    if (this.list.length < this.max) this.list.push(issue);
    else this.dropped++;
  }
  done(): DumpIssue[] {
    if (this.dropped > 0) {
      this.list.push({ severity: "warning", code: "TOO_MANY_ISSUES", message: `${this.dropped} more issue(s) not listed` });
    }
    return this.list;
  }
}

function parseFlag(v: string | boolean | undefined): boolean | undefined | null {
  if (typeof v === "boolean") return v;
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  if (t === "") return undefined;
  if (t === "true" || t === "1") return true;
  if (t === "false" || t === "0") return false;
  return null;
}

interface Mutable {
  path: string;
  object: boolean;
  writable: boolean;
  value?: string;
  type?: XsdType;
  source?: number;
}

function build(raws: RawEntry[], issues: IssueList, identity: DeviceIdentity, options: DumpOptions, unit: "line" | "entry"): DeviceDump {
  const byPath = new Map<string, Mutable>();
  const order: Mutable[] = [];
  const skipped = new Map<string, number>();
  for (const raw of raws) {
    const at = `${unit} ${raw.source}`;
    let text = raw.path.trim();
    const first = text.slice(0, text.indexOf(".") === -1 ? text.length : text.indexOf("."));
    if (META_ROOTS.has(first)) {
      const field = first === "DeviceID" ? IDENTITY_FIELDS[text.slice(first.length + 1)] : undefined;
      if (field !== undefined && raw.value !== undefined && raw.value !== "") identity[field] ??= raw.value;
      skipped.set(first, (skipped.get(first) ?? 0) + 1);
      continue;
    }
    const objectFlag = parseFlag(raw.object);
    if (objectFlag === null) {
      issues.add({ severity: "warning", code: "BAD_FLAG", source: raw.source, path: text, message: `${at}: Object is ${JSON.stringify(raw.object)}, not true/false/1/0; read from the path` });
    }
    const hasValue = raw.value !== undefined && raw.value !== "";
    const hasType = raw.type !== undefined && raw.type.trim() !== "";
    let isObject: boolean;
    if (objectFlag === true) isObject = true;
    else if (text.endsWith(".")) {
      isObject = true;
      if (objectFlag === false) {
        issues.add({ severity: "warning", code: "OBJECT_MISMATCH", source: raw.source, path: text, message: `${at}: ${text} ends with "." but Object is false; read as an object` });
      }
    } else isObject = false;
    if (isObject && text !== "" && !text.endsWith(".")) text += ".";

    const why = text === "" ? "empty name" : Path.check(text, { concrete: true });
    if (why !== undefined) {
      issues.add({ severity: "error", code: "BAD_NAME", source: raw.source, path: text, message: `${at}: ${JSON.stringify(raw.path)} is not a valid parameter name (${why}); dropped` });
      continue;
    }
    const writableFlag = parseFlag(raw.writable);
    if (writableFlag === null) {
      issues.add({ severity: "warning", code: "BAD_FLAG", source: raw.source, path: text, message: `${at}: Writable is ${JSON.stringify(raw.writable)}, not true/false/1/0; read as false` });
    }
    const entry: Mutable = { path: text, object: isObject, writable: writableFlag === true, source: raw.source };
    if (isObject) {
      if (hasValue || hasType) {
        issues.add({ severity: "warning", code: "OBJECT_MISMATCH", source: raw.source, path: text, message: `${at}: the object ${text} has a value or a value type; ignored` });
      }
    } else if (hasType || hasValue) {
      let type: XsdType = "xsd:string";
      if (!hasType) {
        issues.add({ severity: "warning", code: "BAD_TYPE", source: raw.source, path: text, message: `${at}: ${text} has a value but no value type; read as xsd:string` });
      } else {
        const resolved = resolveXsiType(raw.type!.trim(), undefined);
        if (resolved === undefined) {
          issues.add({ severity: "warning", code: "BAD_TYPE", source: raw.source, path: text, message: `${at}: ${text} has the unknown value type ${JSON.stringify(raw.type)}; read as xsd:string` });
        } else type = resolved;
      }
      const value = raw.value ?? "";
      const bad = checkXsd(type, value);
      if (bad !== undefined) {
        issues.add({ severity: "warning", code: "BAD_VALUE", source: raw.source, path: text, message: `${at}: the value ${JSON.stringify(value)} of ${text} is ${bad}; kept as it is` });
      }
      entry.value = value;
      entry.type = type;
    }
    // Keyed without the trailing dot, so that "A.B" given as a parameter and as an object collide.
    const key = isObject ? text.slice(0, -1) : text;
    const prior = byPath.get(key);
    if (prior !== undefined) {
      const both = prior.object !== isObject ? " as " + (prior.object ? "an object" : "a parameter") : "";
      issues.add({ severity: "error", code: "DUPLICATE", source: raw.source, path: text, message: `${at}: ${key} was already given${both} (${unit} ${prior.source}); the first is kept` });
      continue;
    }
    byPath.set(key, entry);
    order.push(entry);
  }
  for (const [root, n] of skipped) {
    issues.add({ severity: "warning", code: "SKIPPED", message: `${n} ${root}.* row(s) skipped: GenieACS bookkeeping, not device parameters` });
  }

  // Structure: every ancestor must be an object; a path below a parameter cannot be.
  const addMissing = options.addMissingObjects !== false;
  const out: DumpEntry[] = [];
  const added = new Set<string>();
  const missingExamples: string[] = [];
  let missing = 0;
  for (const e of order) {
    const segments = e.path.split(".");
    const depth = e.object ? segments.length - 2 : segments.length - 1;
    let prefix = "";
    let under: string | undefined;
    const toAdd: string[] = [];
    for (let k = 0; k < depth; k++) {
      prefix += segments[k] + ".";
      const known = byPath.get(prefix.slice(0, -1));
      if (known !== undefined && !known.object) {
        under = known.path;
        break;
      }
      if (known === undefined && !added.has(prefix)) toAdd.push(prefix);
    }
    if (under !== undefined) {
      issues.add({ severity: "error", code: "UNDER_PARAMETER", source: e.source, path: e.path, message: `${unit} ${e.source}: ${e.path} lies below the parameter ${under}; dropped` });
      continue;
    }
    for (const p of toAdd) {
      missing++;
      if (missingExamples.length < 5) missingExamples.push(p);
      if (addMissing) {
        added.add(p);
        out.push({ path: p, object: true, writable: false });
      }
    }
    out.push(e);
  }
  if (missing > 0) {
    issues.add({
      severity: "warning",
      code: "MISSING_PARENT",
      message: `${missing} object(s) implied by deeper paths are missing from the dump (e.g. ${missingExamples.join(", ")})${addMissing ? "; added, not writable" : ""}`,
    });
  }

  const roots: string[] = [];
  for (const e of out) {
    const r = e.path.slice(0, e.path.indexOf(".") + 1);
    if (r !== "" && !roots.includes(r)) roots.push(r);
  }
  for (const root of roots) {
    for (const [name, field] of Object.entries(IDENTITY_FIELDS)) {
      const v = byPath.get(`${root}DeviceInfo.${name}`)?.value;
      if (v !== undefined && v !== "" && identity[field] === undefined) identity[field] = v;
    }
  }
  return { entries: out, roots, deviceId: identity, issues: issues.done() };
}
