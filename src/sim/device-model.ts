// One device's parameter tree: the shared model plus what this device changed.
//
// A device stores only its differences from the model's factory state: values that were set, tables
// whose rows were added or deleted, next-instance counters that moved, and attributes that were set.
// Values that change by themselves (uptime, counters, host tables) are computed from the clock and the
// device's seed, so they cost nothing to store. A fresh device of 400 parameters holds a few empty
// slots; the model holds the rest once for all devices.

import { SimError } from "./errors.js";
import type { DeviceModel, ObjectDef, ParamDef } from "./model.js";
import type { DeviceIdentity, ValueContext } from "./source.js";

/** A resolved path. Instance numbers along the path are in `inst`, outermost first. */
export type Node =
  | { kind: "param"; path: string; def: ParamDef; inst: readonly number[] }
  /** A single object, or one instance of a table ("Device.IP.Interface.1."). */
  | { kind: "object"; path: string; def: ObjectDef; inst: readonly number[] }
  /** A table itself ("Device.IP.Interface."); `inst` are the parent's instance numbers. */
  | { kind: "table"; path: string; def: ObjectDef; inst: readonly number[] };

/** The serializable part of a tree (JSON). Maps are absent when empty. */
export interface TreeState {
  values?: Record<string, string>;
  tables?: Record<string, number[]>;
  next?: Record<string, number>;
  notification?: Record<string, number>;
  accessList?: Record<string, string[]>;
}

/** "Device.IP.Interface.{i}.IPv4Address.{i}." with [2, 1] -> "Device.IP.Interface.2.IPv4Address.1.". */
export function concretePath(template: string, inst: readonly number[]): string {
  if (inst.length === 0) return template;
  let i = 0;
  return template.replace(/\{i\}/g, () => String(inst[i++]));
}

/** The path of a table itself: its template path without the trailing "{i}.", made concrete. */
export function tablePath(def: ObjectDef, parentInst: readonly number[]): string {
  return concretePath(def.path.slice(0, -"{i}.".length), parentInst);
}

const INSTANCE = /^[1-9]\d*$/;

/** The instance numbers in a concrete path, outermost first. */
export function instancesIn(path: string): number[] {
  const out: number[] = [];
  for (const seg of path.split(".")) if (INSTANCE.test(seg)) out.push(Number(seg));
  return out;
}

export class DeviceTree {
  readonly model: DeviceModel;
  identity: DeviceIdentity;
  /** When the device last booted (ms); uptime and counters start there. */
  bootTime: number;
  private values: Map<string, string> | undefined;
  private tables: Map<string, number[]> | undefined;
  private next: Map<string, number> | undefined;
  private notification: Map<string, number> | undefined;
  private accessLists: Map<string, string[]> | undefined;

  constructor(model: DeviceModel, identity: DeviceIdentity, bootTime: number, state?: TreeState) {
    this.model = model;
    this.identity = identity;
    this.bootTime = bootTime;
    if (state !== undefined) this.load(state);
  }

  // ---- resolving paths ----

  /** Resolves a parameter name or partial path ("" is the root). Undefined when it does not exist now. */
  resolve(path: string, now: number): Node | undefined {
    const root = this.model.root;
    if (path === "") return { kind: "object", path: root.path, def: root, inst: [] };
    const segs = path.split(".");
    if (segs[0] + "." !== root.path) return undefined;
    const last = segs.length - 1;
    const partial = segs[last] === "";
    let def = root;
    let inst: number[] = [];
    let prefix = root.path;
    let expectInstance = false;
    for (let i = 1; i < last; i++) {
      const seg = segs[i]!;
      if (expectInstance) {
        if (!INSTANCE.test(seg)) return undefined;
        const n = Number(seg);
        if (!this.instancesOf(def, inst, now, prefix).includes(n)) return undefined;
        inst = [...inst, n];
        prefix += seg + ".";
        expectInstance = false;
        continue;
      }
      const child = def.childByName.get(seg);
      if (child === undefined) return undefined;
      def = child;
      prefix += seg + ".";
      expectInstance = child.multi;
    }
    if (partial) {
      return expectInstance ? { kind: "table", path, def, inst } : { kind: "object", path, def, inst };
    }
    if (expectInstance) return undefined;
    const param = def.paramByName.get(segs[last]!);
    return param === undefined ? undefined : { kind: "param", path, def: param, inst };
  }

  /** The instance numbers of a table now, ascending. `table` is the concrete table path when known. */
  instancesOf(def: ObjectDef, parentInst: readonly number[], now: number, table = tablePath(def, parentInst)): readonly number[] {
    const own = this.tables?.get(table);
    if (own !== undefined) return own;
    if (def.volatile !== undefined) {
      const out: number[] = [];
      const v = def.volatile;
      for (let n = 1; n <= v.slots; n++) if (v.present(this.context(now, [...parentInst, n]))) out.push(n);
      return out;
    }
    return this.model.baseTables.get(table) ?? [];
  }

  context(now: number, instances: readonly number[]): ValueContext {
    return { now, bootTime: this.bootTime, seed: this.identity.seed, instances, identity: this.identity };
  }

  // ---- reading ----

  /** The current value of a parameter (secrets included: hiding them is the RPC layer's job). */
  value(path: string, def: ParamDef, inst: readonly number[], now: number): string {
    if (def.counts !== undefined) return String(this.instancesOf(def.counts, inst, now).length);
    const own = this.values?.get(path);
    if (own !== undefined) return own;
    return this.factoryValue(path, def, inst, now);
  }

  /** The value without this device's changes: what is specific to the instance wins over the template. */
  private factoryValue(path: string, def: ParamDef, inst: readonly number[], now: number): string {
    const m = this.model;
    const dynamic = m.baseDynamic.get(path);
    if (dynamic !== undefined) return dynamic(this.context(now, inst));
    const identity = m.baseIdentity.get(path);
    if (identity !== undefined) return identity(this.identity, inst);
    const base = m.baseValues.get(path);
    if (base !== undefined) return base;
    if (def.dynamic !== undefined) return def.dynamic(this.context(now, inst));
    if (def.identity !== undefined) return def.identity(this.identity, inst);
    if (def.aliasDefault && inst.length > 0) return `cpe-${inst[inst.length - 1]}`;
    return def.default;
  }

  private changesByItself(path: string, def: ParamDef): boolean {
    return def.dynamic !== undefined || this.model.baseDynamic.has(path);
  }

  /** The value at a parameter path, or undefined when there is no such parameter now. */
  get(path: string, now: number): string | undefined {
    const node = this.resolve(path, now);
    return node?.kind === "param" ? this.value(path, node.def, node.inst, now) : undefined;
  }

  /** Calls `fn` for every parameter at or below `node`, in model order. */
  forEachParam(node: Node, now: number, fn: (path: string, def: ParamDef, inst: readonly number[]) => void): void {
    switch (node.kind) {
      case "param":
        fn(node.path, node.def, node.inst);
        return;
      case "table":
        this.forEachParamInTable(node.path, node.def, node.inst, now, fn);
        return;
      case "object":
        this.forEachParamInObject(node.path, node.def, node.inst, now, fn);
    }
  }

  private forEachParamInObject(path: string, def: ObjectDef, inst: readonly number[], now: number, fn: (path: string, def: ParamDef, inst: readonly number[]) => void): void {
    for (const p of def.params) fn(path + p.name, p, inst);
    for (const c of def.children) {
      if (c.multi) this.forEachParamInTable(path + c.name + ".", c, inst, now, fn);
      else this.forEachParamInObject(path + c.name + ".", c, inst, now, fn);
    }
  }

  private forEachParamInTable(path: string, def: ObjectDef, inst: readonly number[], now: number, fn: (path: string, def: ParamDef, inst: readonly number[]) => void): void {
    for (const n of this.instancesOf(def, inst, now, path)) this.forEachParamInObject(`${path}${n}.`, def, [...inst, n], now, fn);
  }

  /**
   * Calls `fn` for every name at or below `node` as GetParameterNames lists them: objects (with their
   * trailing dot) and parameters. With `nextLevel`, only the node's direct children.
   */
  forEachName(node: Node, nextLevel: boolean, now: number, fn: (path: string, writable: boolean) => void): void {
    if (node.kind === "param") {
      fn(node.path, node.def.writable);
      return;
    }
    if (!nextLevel) fn(node.path, node.def.multi && node.def.writable);
    this.children(node, now, (child) => {
      if (nextLevel) fn(child.path, child.kind === "param" ? child.def.writable : child.def.multi && child.def.writable);
      else this.forEachName(child, false, now, fn);
    });
  }

  /** The direct children of an object or table. */
  children(node: Node, now: number, fn: (child: Node) => void): void {
    if (node.kind === "param") return;
    if (node.kind === "table") {
      for (const n of this.instancesOf(node.def, node.inst, now, node.path)) {
        fn({ kind: "object", path: `${node.path}${n}.`, def: node.def, inst: [...node.inst, n] });
      }
      return;
    }
    for (const p of node.def.params) fn({ kind: "param", path: node.path + p.name, def: p, inst: node.inst });
    for (const c of node.def.children) {
      fn({ kind: c.multi ? "table" : "object", path: node.path + c.name + ".", def: c, inst: node.inst });
    }
  }

  /** Every concrete path of a parameter definition that exists now. */
  pathsOf(def: ParamDef, now: number): Array<{ path: string; inst: readonly number[] }> {
    const chain: ObjectDef[] = [];
    for (let o: ObjectDef | undefined = def.object; o !== undefined; o = o.parent) chain.unshift(o);
    let frontier: Array<{ path: string; inst: readonly number[] }> = [{ path: this.model.root.path, inst: [] }];
    for (let i = 1; i < chain.length; i++) {
      const o = chain[i]!;
      const nextFrontier: Array<{ path: string; inst: readonly number[] }> = [];
      for (const f of frontier) {
        const at = f.path + o.name + ".";
        if (!o.multi) nextFrontier.push({ path: at, inst: f.inst });
        else for (const n of this.instancesOf(o, f.inst, now, at)) nextFrontier.push({ path: `${at}${n}.`, inst: [...f.inst, n] });
      }
      frontier = nextFrontier;
    }
    return frontier.map((f) => ({ path: f.path + def.name, inst: f.inst }));
  }

  // ---- writing ----

  /** Stores a value (already checked). Internal: read-only parameters can be written too. */
  set(path: string, def: ParamDef, text: string): void {
    if (def.counts !== undefined) throw new SimError("SIM_UNKNOWN_PATH", `${path} is computed from its table`);
    // Storing the factory value again would only cost memory (a computed value can change, so it stays).
    if (!this.changesByItself(path, def) && text === this.factoryValue(path, def, instancesIn(path), 0)) {
      this.values?.delete(path);
      return;
    }
    (this.values ??= new Map()).set(path, text);
  }

  /** Sets a parameter by path; throws SimError when it does not exist (for the engine and the runtime). */
  setPath(path: string, text: string, now: number): void {
    const node = this.resolve(path, now);
    if (node?.kind !== "param") throw new SimError("SIM_UNKNOWN_PATH", `no parameter ${path}`);
    this.set(path, node.def, text);
  }

  /** Adds a row to a table and returns its instance number. The caller checked writability and limits. */
  addInstance(table: Node & { kind: "table" }, now: number): number {
    const current = this.instancesOf(table.def, table.inst, now, table.path);
    const n = Math.max(this.next?.get(table.path) ?? this.model.baseNext.get(table.path) ?? 1, (current[current.length - 1] ?? 0) + 1);
    (this.next ??= new Map()).set(table.path, n + 1);
    (this.tables ??= new Map()).set(table.path, [...current, n]);
    return n;
  }

  /** Deletes a row and everything this device stored below it. */
  deleteInstance(row: Node & { kind: "object" }, now: number): void {
    const n = row.inst[row.inst.length - 1]!;
    const table = row.path.slice(0, row.path.length - String(n).length - 1);
    const current = this.instancesOf(row.def, row.inst.slice(0, -1), now, table);
    (this.tables ??= new Map()).set(table, current.filter((i) => i !== n));
    for (const map of [this.values, this.tables, this.next, this.notification, this.accessLists]) {
      if (map === undefined) continue;
      for (const key of map.keys()) if (key.startsWith(row.path)) map.delete(key);
    }
  }

  /** Back to the factory state (the identity stays: it is the hardware's). */
  factoryReset(): void {
    this.values = this.tables = this.next = this.notification = this.accessLists = undefined;
  }

  // ---- attributes ----

  notificationOf(path: string, def: ParamDef): number {
    const own = this.notification?.get(path);
    if (own !== undefined) return own;
    return def.activeNotify === "forceEnabled" || def.activeNotify === "forceDefaultEnabled" ? 2 : 0;
  }

  setNotification(path: string, def: ParamDef, n: number): void {
    const dflt = def.activeNotify === "forceEnabled" || def.activeNotify === "forceDefaultEnabled" ? 2 : 0;
    if (n === dflt) this.notification?.delete(path);
    else (this.notification ??= new Map()).set(path, n);
  }

  accessListOf(path: string): readonly string[] {
    return this.accessLists?.get(path) ?? [];
  }

  setAccessList(path: string, list: readonly string[]): void {
    if (list.length === 0) this.accessLists?.delete(path);
    else (this.accessLists ??= new Map()).set(path, [...list]);
  }

  /** Every parameter whose notification is not off now, with its level. */
  notified(now: number): Array<{ path: string; def: ParamDef; inst: readonly number[]; level: number }> {
    const out: Array<{ path: string; def: ParamDef; inst: readonly number[]; level: number }> = [];
    const seen = new Set<string>();
    for (const def of this.model.defaultActive) {
      for (const { path, inst } of this.pathsOf(def, now)) {
        seen.add(path);
        const level = this.notificationOf(path, def);
        if (level !== 0) out.push({ path, def, inst, level });
      }
    }
    if (this.notification !== undefined) {
      for (const [path, level] of this.notification) {
        if (level === 0 || seen.has(path)) continue;
        const node = this.resolve(path, now);
        if (node?.kind === "param") out.push({ path, def: node.def, inst: node.inst, level });
      }
    }
    return out;
  }

  /** Whether this device has a non-default notification on any parameter. */
  get hasNotificationOverrides(): boolean {
    return this.notification !== undefined && this.notification.size > 0;
  }

  // ---- state ----

  toJSON(): TreeState {
    const out: TreeState = {};
    if (this.values?.size) out.values = Object.fromEntries(this.values);
    if (this.tables?.size) out.tables = Object.fromEntries(this.tables);
    if (this.next?.size) out.next = Object.fromEntries(this.next);
    if (this.notification?.size) out.notification = Object.fromEntries(this.notification);
    if (this.accessLists?.size) out.accessList = Object.fromEntries(this.accessLists);
    return out;
  }

  private load(state: TreeState): void {
    const bad = (what: string) => new SimError("SIM_STATE_INVALID", `device state: ${what}`);
    const record = <T>(o: unknown, what: string, ok: (v: unknown) => v is T): Map<string, T> | undefined => {
      if (o === undefined) return undefined;
      if (typeof o !== "object" || o === null || Array.isArray(o)) throw bad(`${what} is not an object`);
      const m = new Map<string, T>();
      for (const [k, v] of Object.entries(o)) {
        if (!ok(v)) throw bad(`${what}[${k}] has the wrong type`);
        m.set(k, v);
      }
      return m.size > 0 ? m : undefined;
    };
    const isString = (v: unknown): v is string => typeof v === "string";
    const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
    const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => Number.isSafeInteger(n) && n > 0);
    const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
    this.values = record(state.values, "values", isString);
    this.tables = record(state.tables, "tables", isInts);
    this.next = record(state.next, "next", isInt);
    this.notification = record(state.notification, "notification", isInt);
    this.accessLists = record(state.accessList, "accessList", isStrings);
  }
}
