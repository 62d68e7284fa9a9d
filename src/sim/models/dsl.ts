// A compact way to write a built-in model: objects with their parameters' specs, then the factory
// rows of each table. It produces a ModelSource, the same thing a BBF or dump loader produces.

import type { XsdType } from "../../cwmp/index.js";
import { SimError } from "../errors.js";
import { templateOf } from "../model.js";
import type {
  ActiveNotify,
  DiagnosticSource,
  DynamicValue,
  IdentityDefaults,
  IdentityValue,
  ModelSource,
  ObjectSource,
  ParameterSource,
  ValueConstraints,
  VolatileTable,
} from "../source.js";

export type Spec = Omit<ParameterSource, "path">;

/** A value in a spec or a row: a constant, a computed value, or a per-device factory value. */
export type Val = string | { dynamic: DynamicValue } | { identity: IdentityValue };

export const dyn = (dynamic: DynamicValue): Val => ({ dynamic });
export const ident = (identity: IdentityValue): Val => ({ identity });

export interface Opts {
  enum?: readonly string[];
  /** Values of `enum` the ACS may set. */
  settable?: readonly string[];
  min?: number;
  max?: number;
  minLen?: number;
  maxLen?: number;
  /** A comma-separated list (the other restrictions apply to each item). */
  list?: boolean | { maxLength?: number; minItems?: number; maxItems?: number };
  forced?: boolean;
  notify?: ActiveNotify;
  secret?: boolean;
  reboot?: boolean;
}

function spec(type: XsdType, writable: boolean, v: Val | undefined, o: Opts): Spec {
  const s: Spec = { type, writable };
  if (typeof v === "string") s.value = v;
  else if (v !== undefined && "dynamic" in v) s.dynamic = v.dynamic;
  else if (v !== undefined) s.identity = v.identity;
  const c: ValueConstraints = {};
  if (o.enum !== undefined) c.enumeration = o.enum;
  if (o.settable !== undefined) c.settable = o.settable;
  if (o.min !== undefined || o.max !== undefined) c.ranges = [{ min: o.min, max: o.max }];
  if (o.minLen !== undefined) c.minLength = o.minLen;
  if (o.maxLen !== undefined) c.maxLength = o.maxLen;
  if (o.list !== undefined && o.list !== false) c.list = o.list === true ? {} : o.list;
  if (Object.keys(c).length > 0) s.constraints = c;
  if (o.forced) s.forcedInform = true;
  if (o.notify !== undefined) s.activeNotify = o.notify;
  if (o.secret) s.secret = true;
  if (o.reboot) s.rebootRequired = true;
  return s;
}

const maker = (type: XsdType, writable: boolean) => (v?: Val, o: Opts = {}): Spec => spec(type, writable, v, o);

export const str = maker("xsd:string", false);
export const strW = maker("xsd:string", true);
export const uint = maker("xsd:unsignedInt", false);
export const uintW = maker("xsd:unsignedInt", true);
export const int = maker("xsd:int", false);
export const intW = maker("xsd:int", true);
export const ulong = maker("xsd:unsignedLong", false);
export const ulongW = maker("xsd:unsignedLong", true);
export const longW = maker("xsd:long", true);
export const bool = maker("xsd:boolean", false);
export const boolW = maker("xsd:boolean", true);
export const time = maker("xsd:dateTime", false);
export const timeW = maker("xsd:dateTime", true);
export const hexW = maker("xsd:hexBinary", true);
export const b64W = maker("xsd:base64", true);

export interface ObjectOpts {
  writable?: boolean;
  maxEntries?: number;
  numEntries?: string;
  volatile?: VolatileTable;
}

export class ModelBuilder {
  readonly root: string;
  private readonly objects: ObjectSource[] = [];
  private readonly params: ParameterSource[] = [];
  private readonly specs = new Map<string, Spec>();

  constructor(rootName: string) {
    this.root = rootName + ".";
  }

  /** An object (path relative to the root, "" for the root itself) and its parameters. */
  obj(path: string, specs: Record<string, Spec> = {}, opts: ObjectOpts = {}): this {
    const full = this.root + path;
    const o: ObjectSource = { path: full };
    if (opts.writable !== undefined) o.writable = opts.writable;
    if (opts.maxEntries !== undefined) o.maxEntries = opts.maxEntries;
    if (opts.numEntries !== undefined) o.numEntriesParameter = opts.numEntries;
    if (opts.volatile !== undefined) o.volatile = opts.volatile;
    this.objects.push(o);
    for (const [name, s] of Object.entries(specs)) {
      const p = full + name;
      if (this.specs.has(p)) throw new SimError("SIM_MODEL_INVALID", `${p} is defined twice`);
      this.specs.set(p, s);
      this.params.push({ path: p, ...s });
    }
    return this;
  }

  /**
   * The factory rows of a table ("IP.Interface." or "IP.Interface.1.IPv4Address."), numbered from 1.
   * Each row gives values by path relative to the row ("Name", "Stats.BytesSent").
   */
  rows(table: string, rows: ReadonlyArray<Record<string, Val>>): this {
    rows.forEach((row, k) => {
      const inst = `${this.root}${table}${k + 1}.`;
      this.objects.push({ path: inst });
      for (const [rel, v] of Object.entries(row)) {
        const path = inst + rel;
        const s = this.specs.get(templateOf(path));
        if (s === undefined) throw new SimError("SIM_MODEL_INVALID", `no parameter ${templateOf(path)} for the row value ${path}`);
        const p: ParameterSource = { path, type: s.type, writable: s.writable };
        if (typeof v === "string") p.value = v;
        else if ("dynamic" in v) p.dynamic = v.dynamic;
        else p.identity = v.identity;
        this.params.push(p);
      }
    });
    return this;
  }

  build(name: string, identity: IdentityDefaults, diagnostics: DiagnosticSource[] = []): ModelSource {
    return { name, objects: this.objects, parameters: this.params, diagnostics, identity };
  }
}
