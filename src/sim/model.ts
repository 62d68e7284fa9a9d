// A compiled device model: the object/parameter definitions and the factory instances and values,
// built once from a ModelSource and shared, read-only, by every device of that model. Per-device
// state (device-model.ts) stores only what differs from it.

import { checkXsd, type XsdType } from "../cwmp/index.js";
import { SimError } from "./errors.js";
import type {
  ActiveNotify,
  DeviceIdentity,
  DiagnosticSource,
  DynamicValue,
  IdentityDefaults,
  IdentityValue,
  ModelSource,
  ValueConstraints,
  VolatileTable,
} from "./source.js";

export interface ObjectDef {
  /** Template path: "Device.IP.Interface.{i}." for a table, "Device.IP." otherwise. */
  readonly path: string;
  /** Last name in the path ("Interface"); the root's is its path without the dot. */
  readonly name: string;
  readonly parent: ObjectDef | undefined;
  /** A multi-instance object (a table). */
  readonly multi: boolean;
  /** For a table: AddObject/DeleteObject allowed. */
  readonly writable: boolean;
  readonly maxEntries: number;
  readonly volatile: VolatileTable | undefined;
  /** Parameters and child objects, in model order. */
  readonly params: readonly ParamDef[];
  readonly children: readonly ObjectDef[];
  readonly paramByName: ReadonlyMap<string, ParamDef>;
  readonly childByName: ReadonlyMap<string, ObjectDef>;
  /** For a table: the parent's parameter that counts the rows. */
  readonly numEntries: ParamDef | undefined;
}

export interface ParamDef {
  /** Dense index among the model's parameters. */
  readonly id: number;
  readonly name: string;
  /** Template path. */
  readonly path: string;
  readonly object: ObjectDef;
  readonly type: XsdType;
  readonly writable: boolean;
  /** Value of new instances (and of factory instances the source gave no value for). */
  readonly default: string;
  readonly constraints: ValueConstraints | undefined;
  readonly activeNotify: ActiveNotify;
  readonly forcedInform: boolean;
  readonly secret: boolean;
  readonly rebootRequired: boolean;
  readonly dynamic: DynamicValue | undefined;
  readonly identity: IdentityFn | undefined;
  /** For a NumberOfEntries parameter: the table it counts (its value is computed). */
  readonly counts: ObjectDef | undefined;
  /** An Alias in a table: new rows get "cpe-<instance>" (TR-069 3.6.1). */
  readonly aliasDefault: boolean;
}

export type IdentityFn = (id: DeviceIdentity, instances: readonly number[]) => string;

export interface DeviceModel {
  readonly name: string;
  readonly root: ObjectDef;
  /** Factory instances of each table, by concrete table path ("Device.IP.Interface."). */
  readonly baseTables: ReadonlyMap<string, readonly number[]>;
  /** Factory next-instance counters, by concrete table path. */
  readonly baseNext: ReadonlyMap<string, number>;
  /** Factory values by concrete parameter path. */
  readonly baseValues: ReadonlyMap<string, string>;
  /** Values computed for one instance only, by concrete parameter path. */
  readonly baseDynamic: ReadonlyMap<string, DynamicValue>;
  /** Per-device factory values of one instance only, by concrete parameter path. */
  readonly baseIdentity: ReadonlyMap<string, IdentityFn>;
  readonly params: readonly ParamDef[];
  readonly objects: readonly ObjectDef[];
  /** Parameters carried in every Inform. */
  readonly forcedInform: readonly ParamDef[];
  /** Parameters whose notification is Active unless changed (forceEnabled, forceDefaultEnabled). */
  readonly defaultActive: readonly ParamDef[];
  readonly diagnostics: ReadonlyMap<string, DiagnosticSource>;
  readonly identityDefaults: IdentityDefaults;
  /** What compileModel tolerated (values that did not fit their type, ...). */
  readonly warnings: readonly string[];
  objectAt(templatePath: string): ObjectDef | undefined;
  paramAt(templatePath: string): ParamDef | undefined;
}

/** The value a parameter of this type has when nothing says otherwise. */
export function zeroValue(type: XsdType): string {
  switch (type) {
    case "xsd:string":
    case "xsd:base64":
    case "xsd:hexBinary":
      return "";
    case "xsd:boolean":
      return "false";
    case "xsd:dateTime":
      return "0001-01-01T00:00:00Z";
    default:
      return "0";
  }
}

const NUMERIC = /^\d+$/;

/** "Device.IP.Interface.2.Name" -> "Device.IP.Interface.{i}.Name". */
export function templateOf(path: string): string {
  if (!/\.\d+(\.|$)/.test(path)) return path;
  return path
    .split(".")
    .map((s, i) => (i > 0 && NUMERIC.test(s) ? "{i}" : s))
    .join(".");
}

// Mutable shapes used while compiling; the model exposes them through the readonly interfaces.
interface MObject {
  path: string;
  name: string;
  parent: MObject | undefined;
  multi: boolean;
  writable: boolean;
  maxEntries: number;
  volatile: VolatileTable | undefined;
  params: MParam[];
  children: MObject[];
  paramByName: Map<string, MParam>;
  childByName: Map<string, MObject>;
  numEntries: MParam | undefined;
  numEntriesName: string | undefined;
}

interface MParam {
  id: number;
  name: string;
  path: string;
  object: MObject;
  type: XsdType;
  writable: boolean;
  default: string;
  constraints: ValueConstraints | undefined;
  activeNotify: ActiveNotify;
  forcedInform: boolean;
  secret: boolean;
  rebootRequired: boolean;
  dynamic: DynamicValue | undefined;
  identity: IdentityFn | undefined;
  counts: MObject | undefined;
  aliasDefault: boolean;
  fromTemplate: boolean;
}

function invalid(message: string): SimError {
  return new SimError("SIM_MODEL_INVALID", message);
}

export function compileModel(source: ModelSource): DeviceModel {
  const warnings: string[] = [];
  const allPaths = [...source.objects.map((o) => o.path), ...source.parameters.map((p) => p.path)];
  if (allPaths.length === 0) throw invalid(`model ${source.name} is empty`);
  const rootName = allPaths[0]!.split(".")[0]!;
  if (rootName === "" || rootName === "{i}" || NUMERIC.test(rootName)) throw invalid(`model ${source.name}: bad root in ${allPaths[0]}`);

  const root: MObject = newObject(rootName + ".", rootName, undefined, false);
  const objectsByPath = new Map<string, MObject>([[root.path, root]]);
  const paramsByPath = new Map<string, MParam>();
  const params: MParam[] = [];

  // Which names are tables: any path where a name is followed by "{i}" or an instance number.
  const multiPrefixes = new Set<string>();
  for (const p of allPaths) {
    const segs = templateOf(p).split(".");
    for (let i = 1; i < segs.length; i++) if (segs[i] === "{i}") multiPrefixes.add(segs.slice(0, i).join(".") + ".");
  }

  function newObject(path: string, name: string, parent: MObject | undefined, multi: boolean): MObject {
    return {
      path, name, parent, multi, writable: false, maxEntries: Infinity, volatile: undefined,
      params: [], children: [], paramByName: new Map(), childByName: new Map(), numEntries: undefined, numEntriesName: undefined,
    };
  }

  /** The object of a template path ending in "."; a table's path may be given with or without "{i}.". */
  function ensureObject(template: string, where: string): MObject {
    const segs = template.split(".");
    if (segs[segs.length - 1] !== "") throw invalid(`${where}: object path ${template} does not end with "."`);
    if (segs[0] !== rootName) throw invalid(`${where}: ${template} is not under ${rootName}.`);
    let cur = root;
    let prefix = rootName + ".";
    for (let i = 1; i < segs.length - 1; i++) {
      const seg = segs[i]!;
      if (seg === "{i}") {
        if (!cur.multi || !prefix.endsWith(cur.name + ".")) throw invalid(`${where}: misplaced {i} in ${template}`);
        prefix += "{i}.";
        continue;
      }
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) throw invalid(`${where}: bad name "${seg}" in ${template}`);
      const tablePrefix = prefix + seg + ".";
      const multi = multiPrefixes.has(tablePrefix);
      let child = cur.childByName.get(seg);
      if (child === undefined) {
        if (cur.paramByName.has(seg)) throw invalid(`${where}: ${tablePrefix} is both a parameter and an object`);
        child = newObject(multi ? tablePrefix + "{i}." : tablePrefix, seg, cur, multi);
        cur.children.push(child);
        cur.childByName.set(seg, child);
        objectsByPath.set(child.path, child);
      }
      cur = child;
      prefix = tablePrefix;
      // A table must be followed by "{i}" unless the path names the table itself ("Device.IP.Interface.").
      if (multi && segs[i + 1] !== "{i}" && i + 1 < segs.length - 1) throw invalid(`${where}: ${template} skips the instance number of ${tablePrefix}`);
    }
    return cur;
  }

  const baseTables = new Map<string, Set<number>>();
  const baseValues = new Map<string, string>();
  const baseDynamic = new Map<string, DynamicValue>();
  const baseIdentity = new Map<string, IdentityFn>();

  function noteInstances(concrete: string): void {
    const segs = concrete.split(".");
    for (let i = 1; i < segs.length; i++) {
      const seg = segs[i]!;
      if (!NUMERIC.test(seg)) continue;
      const n = Number(seg);
      if (!Number.isSafeInteger(n) || n < 1 || String(n) !== seg) throw invalid(`bad instance number "${seg}" in ${concrete}`);
      const table = segs.slice(0, i).join(".") + ".";
      let set = baseTables.get(table);
      if (set === undefined) baseTables.set(table, (set = new Set()));
      set.add(n);
    }
  }

  // Objects first (their attributes), then parameters.
  for (const o of source.objects) {
    const template = templateOf(o.path);
    const obj = ensureObject(template, `object ${o.path}`);
    if (template !== o.path) noteInstances(o.path);
    else if (obj.multi && template === obj.path.slice(0, -"{i}.".length)) baseTables.set(o.path, baseTables.get(o.path) ?? new Set());
    if (o.writable !== undefined) obj.writable ||= o.writable;
    if (o.maxEntries !== undefined) obj.maxEntries = o.maxEntries;
    if (o.volatile !== undefined) obj.volatile = o.volatile;
    if (o.numEntriesParameter !== undefined) obj.numEntriesName = o.numEntriesParameter;
  }

  for (const p of source.parameters) {
    const template = templateOf(p.path);
    const dot = template.lastIndexOf(".");
    const name = template.slice(dot + 1);
    if (dot <= 0 || name === "" || name === "{i}") throw invalid(`parameter path ${p.path} does not name a parameter`);
    const obj = ensureObject(template.slice(0, dot + 1), `parameter ${p.path}`);
    if (obj.childByName.has(name)) throw invalid(`${p.path} is both a parameter and an object`);
    const isTemplate = template === p.path;
    let def = obj.paramByName.get(name);
    if (def === undefined || (isTemplate && !def.fromTemplate)) {
      const fresh: MParam = {
        id: def?.id ?? params.length,
        name,
        path: obj.path + name,
        object: obj,
        type: p.type,
        writable: p.writable,
        default: zeroValue(p.type),
        constraints: p.constraints,
        activeNotify: p.activeNotify ?? "normal",
        forcedInform: p.forcedInform ?? false,
        secret: p.secret ?? false,
        rebootRequired: p.rebootRequired ?? false,
        dynamic: isTemplate ? p.dynamic : undefined,
        identity: isTemplate ? identityFn(p.identity) : undefined,
        counts: undefined,
        aliasDefault: name === "Alias" && obj.multi && p.type === "xsd:string",
        fromTemplate: isTemplate,
      };
      if (def === undefined) {
        params.push(fresh);
        obj.params.push(fresh);
      } else {
        params[def.id] = fresh;
        obj.params[obj.params.indexOf(def)] = fresh;
      }
      obj.paramByName.set(name, fresh);
      paramsByPath.set(fresh.path, fresh);
      def = fresh;
    }
    if (p.value !== undefined) {
      let value = p.value;
      const bad = checkXsd(def.type, value);
      if (bad !== undefined) {
        warnings.push(`${p.path}: value ${JSON.stringify(value)} is ${bad}; using ${JSON.stringify(def.default)}`);
        value = def.default;
      }
      if (isTemplate && p.path.includes("{i}")) def.default = value;
      else baseValues.set(p.path, value);
    }
    if (!isTemplate) {
      noteInstances(p.path);
      if (p.dynamic !== undefined) baseDynamic.set(p.path, p.dynamic);
      const id = identityFn(p.identity);
      if (id !== undefined) baseIdentity.set(p.path, id);
    }
  }

  // Tables named only by an empty table row in a dump: a sibling XNumberOfEntries says they are tables.
  for (const obj of objectsByPath.values()) {
    if (obj.multi) continue;
    const parent = obj.parent;
    if (parent === undefined || obj.children.length > 0 || obj.params.length > 0) continue;
    if (parent.paramByName.has(obj.name + "NumberOfEntries")) {
      objectsByPath.delete(obj.path);
      obj.multi = true;
      obj.path += "{i}.";
      objectsByPath.set(obj.path, obj);
    }
  }

  for (const obj of objectsByPath.values()) if (!obj.multi) obj.writable = false;

  // NumberOfEntries parameters count their table.
  for (const obj of objectsByPath.values()) {
    if (!obj.multi || obj.parent === undefined) continue;
    const count = obj.parent.paramByName.get(obj.numEntriesName ?? obj.name + "NumberOfEntries");
    if (count === undefined) continue;
    if (count.type !== "xsd:unsignedInt" && count.type !== "xsd:int" && count.type !== "xsd:unsignedLong") {
      warnings.push(`${count.path} counts ${obj.path} but is ${count.type}; not linked`);
      continue;
    }
    count.counts = obj;
    obj.numEntries = count;
  }

  const sortedTables = new Map<string, readonly number[]>();
  const baseNext = new Map<string, number>();
  for (const [table, set] of baseTables) {
    const list = [...set].sort((a, b) => a - b);
    sortedTables.set(table, list);
    baseNext.set(table, (list[list.length - 1] ?? 0) + 1);
  }

  const diagnostics = new Map<string, DiagnosticSource>();
  for (const d of source.diagnostics ?? []) {
    const def = paramsByPath.get(templateOf(d.statePath));
    if (def === undefined || !def.writable) throw invalid(`diagnostic ${d.statePath} is not a writable parameter of the model`);
    diagnostics.set(d.statePath, d);
  }

  const objects = [...objectsByPath.values()];
  const model: DeviceModel = {
    name: source.name,
    root: root as ObjectDef,
    baseTables: sortedTables,
    baseNext,
    baseValues,
    baseDynamic,
    baseIdentity,
    params: params as ParamDef[],
    objects: objects as ObjectDef[],
    forcedInform: params.filter((p) => p.forcedInform) as ParamDef[],
    defaultActive: params.filter((p) => p.activeNotify === "forceEnabled" || p.activeNotify === "forceDefaultEnabled") as ParamDef[],
    diagnostics,
    identityDefaults: source.identity ?? { manufacturer: "Provisio", oui: "000000", productClass: source.name, serialPrefix: "SIM" },
    warnings,
    objectAt: (p) => objectsByPath.get(p) as ObjectDef | undefined,
    paramAt: (p) => paramsByPath.get(p) as ParamDef | undefined,
  };
  return model;
}

function identityFn(v: IdentityValue | undefined): IdentityFn | undefined {
  if (v === undefined || typeof v === "function") return v;
  return (id) => String(id[v]);
}
