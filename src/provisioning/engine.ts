// From declarations to RPCs. Pure: given the declarations, what is known of the device and this
// session's progress, `plan` says what to do next: load more of what the store knows, send one RPC, or
// nothing (converged). It reads before it writes, writes only what differs (a device already in the
// desired state gets no SetParameterValues), batches reads and writes, and stops loops.

import { faultCodeName, faultMessage, fromJs, parseDateTime, type CwmpMessage, type Fault, type ParameterValueStruct, type XsdType } from "../cwmp/index.js";
import type { DeviceData, KnownRecord } from "./data.js";
import type { Declaration } from "./declarations.js";
import { isSecretPath, SECRET_DIGEST_PREFIX, secretDigest } from "./secret-values.js";
import { cachedPattern, selectorKey, SelectorError, type PathPattern } from "./selector.js";

export interface EngineContext {
  now: number;
  /**
   * When the session started (default: now). maxAge counts back from it, so that what this session read,
   * or its Inform reported, stays fresh until the session ends: counted from now, values read in one
   * RPC would be stale by the next one, and a read split over several RPCs would never end.
   */
  sessionStart?: number;
  gpvBatchSize: number;
  parameterKey: string;
  /** RPCs the engine may send in one session before it calls it a loop. */
  maxRpcs: number;
}

/** This session's progress, kept in the session's state between HTTP exchanges. */
export interface EngineState {
  /** Tables whose instances were listed in this session. */
  enumerated: string[];
  /** Partial paths whose values were read in this session. */
  refreshed: string[];
  /** Values set in this session: path → text. A value still different after being set is not set again. */
  attempted: Record<string, string>;
  /** Instances created in this session, by selector: they count as matching while their keys are being set. */
  created: Record<string, string[]>;
  /** Paths and selectors given up in this session (the CPE faulted them). */
  failed: string[];
  /** Faults already reported in this session (each is reported once). */
  reported: string[];
  /** Names to read (or whose attributes to set) one per RPC: a batch faulted, and only sending them alone tells which is at fault. */
  alone: string[];
  rpcs: number;
}

export function newEngineState(): EngineState {
  return { enumerated: [], refreshed: [], attempted: {}, created: {}, failed: [], reported: [], alone: [], rpcs: 0 };
}

/** What the engine's RPC was for, to read its response. */
export type Intent =
  | { op: "enumerate"; table: string }
  | { op: "read"; names: string[] }
  | { op: "delete"; instance: string }
  | { op: "add"; table: string; selector: string }
  | { op: "set"; values: { path: string; text: string; type: string }[] }
  | { op: "readAttributes"; names: string[] }
  | { op: "setAttributes"; list: { path: string; notification: number; accessList: string[] }[] };

export interface EngineFault {
  code: string;
  message: string;
  path?: string;
}

export type Plan =
  | { kind: "load"; paths: string[]; prefixes: string[] }
  | { kind: "rpc"; request: CwmpMessage; intent: Intent }
  | { kind: "done" };

/** What a response taught, for the store. */
export interface Learned {
  /** `set`: the ACS set this value (the device accepted it), rather than read it. */
  values: { path: string; value: string; type: string; set?: true }[];
  names: { requestPath: string; nextLevel: boolean; names: { path: string; writable: boolean }[] }[];
  attributes: { path: string; notification: number; accessList: string[] }[];
  deleted: string[];
}

interface Needs {
  /** This session's names to read alone (EngineState.alone). */
  alone: readonly string[];
  loadPaths: Set<string>;
  loadPrefixes: Set<string>;
  enumerate: string[];
  read: string[];
  readAttributes: string[];
  deletes: string[];
  adds: { table: string; selector: string }[];
  sets: Map<string, { text: string; type: string }>;
  setAttributes: Map<string, { notification: number; accessList: string[] }>;
  faults: EngineFault[];
}

function freshFrom(ctx: EngineContext): number {
  return Math.min(ctx.sessionStart ?? ctx.now, ctx.now);
}

function isStale(at: number | null, maxAge: number | undefined, now: number): boolean {
  return at === null || (maxAge !== undefined && at < now - maxAge * 1000);
}

function booleanText(t: string): boolean | undefined {
  const v = t.trim().toLowerCase();
  return v === "1" || v === "true" ? true : v === "0" || v === "false" ? false : undefined;
}

/**
 * Whether a stored value already is the desired one, by its type (1 is true, 007 is 7). A secret is
 * known only by its digest (secret-values.ts), and compared by it.
 */
export function sameValue(rec: Pick<KnownRecord, "value" | "type">, desired: string | number | boolean, path?: string): boolean {
  if (rec.value === null) return false;
  if (path !== undefined && isSecretPath(path) && rec.value.startsWith(SECRET_DIGEST_PREFIX)) return rec.value === secretDigest(String(desired));
  const type = rec.type ?? "";
  if (typeof desired === "boolean" || type === "xsd:boolean") {
    const have = booleanText(rec.value);
    const want = typeof desired === "boolean" ? desired : booleanText(String(desired));
    return have !== undefined && have === want;
  }
  if (/^xsd:(int|long|unsignedInt|unsignedLong|decimal)$/.test(type) || typeof desired === "number") {
    const a = Number(rec.value.trim());
    const b = Number(desired);
    if (!Number.isNaN(a) && !Number.isNaN(b) && rec.value.trim() !== "") return a === b;
  }
  if (type === "xsd:dateTime") {
    const a = parseDateTime(rec.value);
    const b = parseDateTime(String(desired));
    if (a !== null && b !== null) return a.getTime() === b.getTime();
  }
  return rec.value === String(desired);
}

function inferType(v: string | number | boolean): XsdType {
  if (typeof v === "boolean") return "xsd:boolean";
  if (typeof v === "number") return Number.isInteger(v) ? (v >= 0 ? "xsd:unsignedInt" : "xsd:int") : "xsd:decimal";
  return "xsd:string";
}

/**
 * The concrete paths a pattern reaches with what is known, and whether anything it needs to reach
 * further is still to be learned (then `needs` says what).
 */
function expand(p: PathPattern, data: DeviceData, state: EngineState, ctx: EngineContext, maxAge: number | undefined, needs: Needs): { paths: string[]; pending: boolean; tables: string[] } {
  // Names only (most declarations): the one path is the text, which parsePattern checked segment by segment.
  if (!p.pattern) return { paths: [p.text], pending: false, tables: [] };
  let current = [""];
  let pending = false;
  // The tables whose instances the last segment chose from, even when it chose none (a nested
  // selector's table, in an instance that exists, where `instances` must add).
  const tables: string[] = [];
  const last = p.segments.length - 1;
  p.segments.forEach((seg, i) => {
    const final = i === last;
    const next: string[] = [];
    for (const base of current) {
      if (seg.kind === "name") {
        next.push(base + seg.name + (final && !p.object ? "" : "."));
        continue;
      }
      // "*" or a selector: the table's instances must be known (listed once, or again when older than maxAge)
      if (!data.hasSubtree(base)) {
        needs.loadPrefixes.add(base);
        pending = true;
        continue;
      }
      const instances = data.instancesOf(base);
      const table = data.get(base);
      const listed = state.enumerated.includes(base);
      if (!listed && (instances.length === 0 || (maxAge !== undefined && isStale(table?.namesAt ?? null, maxAge, freshFrom(ctx))))) {
        if (!state.failed.includes(base)) {
          if (!needs.enumerate.includes(base)) needs.enumerate.push(base);
          pending = true;
        }
        continue;
      }
      if (final) tables.push(base);
      if (seg.kind === "any") {
        next.push(...instances);
        continue;
      }
      const key = selectorKey(base, seg.keys);
      const created = state.created[key] ?? [];
      for (const inst of instances) {
        if (created.includes(inst)) {
          next.push(inst);
          continue;
        }
        let matches = true;
        for (const k of seg.keys) {
          const rec = data.get(inst + k.name);
          if (rec === undefined || rec.value === null) {
            if (!state.failed.includes(inst + k.name)) {
              needs.read.push(inst + k.name);
              pending = true;
            }
            matches = false;
          } else if (!sameValue(rec, k.value)) {
            matches = false;
          }
        }
        if (matches) next.push(inst);
      }
    }
    current = next;
  });
  return { paths: current, pending, tables };
}

function declare(d: Declaration, data: DeviceData, state: EngineState, ctx: EngineContext, needs: Needs): void {
  let p: PathPattern;
  try {
    p = cachedPattern(d.path);
  } catch (err) {
    if (err instanceof SelectorError) {
      needs.faults.push({ code: "provision.invalid-path", message: err.message, path: d.path });
      return;
    }
    throw err;
  }
  const { paths: concrete, pending, tables: examined } = expand(p, data, state, ctx, d.instances !== undefined ? d.maxAge : undefined, needs);
  if (d.instances !== undefined) {
    const lastSeg = p.segments[p.segments.length - 1];
    if (!p.object || lastSeg === undefined || lastSeg.kind === "name") {
      needs.faults.push({ code: "provision.invalid-declaration", message: "`instances` needs a path ending with '*.' or a selector and '.'", path: d.path });
      return;
    }
    // count only once every instance's keys are known
    if (pending) return;
    const min = typeof d.instances === "number" ? d.instances : d.instances.min ?? 0;
    const max = typeof d.instances === "number" ? d.instances : d.instances.max ?? Infinity;
    // group the matches by table (a pattern may reach several tables)
    const tables = new Map<string, string[]>();
    for (const inst of concrete) {
      const table = inst.slice(0, inst.slice(0, -1).lastIndexOf(".") + 1);
      tables.set(table, [...(tables.get(table) ?? []), inst]);
    }
    for (const table of examined) if (!tables.has(table)) tables.set(table, []);
    if (tables.size === 0 && !p.segments.slice(0, -1).some((s) => s.kind !== "name")) {
      tables.set(p.segments.slice(0, -1).map((s) => (s as { name: string }).name).join(".") + ".", []);
    }
    for (const [table, matched] of tables) {
      const selector = lastSeg.kind === "select" ? selectorKey(table, lastSeg.keys) : `${table}*`;
      if (state.failed.includes(selector)) continue;
      if (matched.length < min) {
        needs.adds.push({ table, selector });
      } else if (matched.length > max) {
        const created = state.created[selector] ?? [];
        const removable = matched.filter((m) => !created.includes(m)).reverse();
        for (const inst of removable.slice(0, matched.length - max)) needs.deletes.push(inst);
      }
      // a created instance gets its selector's keys
      if (lastSeg.kind === "select") {
        for (const inst of state.created[selector] ?? []) {
          for (const k of lastSeg.keys) wantValue(inst + k.name, k.value, undefined, undefined, data, state, ctx, needs);
        }
      }
    }
    return;
  }
  for (const path of concrete) {
    if (p.object) {
      // a subtree to refresh (maxAge), or attributes of an object: read it as a partial path
      if (d.maxAge !== undefined && !state.refreshed.includes(path)) {
        if (!data.hasSubtree(path)) {
          needs.loadPrefixes.add(path);
          continue;
        }
        const params = data.under(path).filter((r) => !r.object);
        if (params.length === 0 || params.some((r) => isStale(r.valueAt, d.maxAge, freshFrom(ctx)))) needs.read.push(path);
      }
      continue;
    }
    if (!data.hasPath(path)) {
      needs.loadPaths.add(path);
      continue;
    }
    if (d.value !== undefined || d.maxAge !== undefined) wantValue(path, d.value, d.type, d.maxAge, data, state, ctx, needs);
    if (d.notification !== undefined || d.accessList !== undefined) {
      const rec = data.get(path);
      if (rec === undefined || rec.attributesAt === null) {
        if (!state.failed.includes(path)) needs.readAttributes.push(path);
      } else {
        const notification = d.notification ?? rec.notification ?? 0;
        const accessList = d.accessList ?? rec.accessList ?? [];
        // A path whose set the device refused (9009 for a forced-active parameter) is given up for the
        // session, as values are: asking again would get the same fault for ever.
        if (!state.failed.includes(path) && (notification !== rec.notification || JSON.stringify(accessList) !== JSON.stringify(rec.accessList ?? []))) {
          needs.setAttributes.set(path, { notification, accessList });
        }
      }
    }
  }
}

function wantValue(path: string, desired: string | number | boolean | undefined, type: XsdType | undefined, maxAge: number | undefined, data: DeviceData, state: EngineState, ctx: EngineContext, needs: Needs): void {
  if (state.failed.includes(path)) return;
  if (!data.hasPath(path)) {
    needs.loadPaths.add(path);
    return;
  }
  const rec = data.get(path);
  const setThisSession = state.attempted[path] !== undefined;
  if (rec === undefined || rec.value === null || (maxAge !== undefined && !setThisSession && isStale(rec.valueAt, maxAge, freshFrom(ctx)))) {
    needs.read.push(path);
    return;
  }
  if (desired === undefined || sameValue(rec, desired, path)) return;
  const wireType = (rec.type as XsdType | null) ?? type ?? inferType(desired);
  let text: string;
  try {
    text = fromJs(wireType, desired).text;
  } catch (err) {
    needs.faults.push({ code: "provision.invalid-value", message: `${JSON.stringify(desired)} cannot be sent as ${wireType}: ${(err as Error).message}`, path });
    return;
  }
  // A value is set at most once per session: a second wish for it means provisions disagree (or the
  // device did not keep what it accepted). Setting it back and forth would never end.
  const attempted = state.attempted[path];
  const planned = needs.sets.get(path);
  if (attempted !== undefined || (planned !== undefined && planned.text !== text)) {
    const other = attempted ?? planned!.text;
    needs.faults.push(
      other === text
        ? { code: "provision.not-applied", message: `set to ${JSON.stringify(text)} in this session, but the device reports ${JSON.stringify(rec.value)}`, path }
        : { code: "provision.conflict", message: `provisions want both ${JSON.stringify(other)} and ${JSON.stringify(text)}`, path },
    );
    return;
  }
  needs.sets.set(path, { text, type: wireType });
}

/** The next step towards the declared state. Faults are reported once each, with the plan. */
export function plan(declarations: readonly Declaration[], data: DeviceData, state: EngineState, ctx: EngineContext): { plan: Plan; faults: EngineFault[] } {
  const needs: Needs = {
    alone: state.alone,
    loadPaths: new Set(),
    loadPrefixes: new Set(),
    enumerate: [],
    read: [],
    readAttributes: [],
    deletes: [],
    adds: [],
    sets: new Map(),
    setAttributes: new Map(),
    faults: [],
  };
  for (const d of declarations) declare(d, data, state, ctx, needs);
  const faults: EngineFault[] = [];
  for (const f of needs.faults) {
    const key = `${f.code}|${f.path ?? ""}|${f.message}`;
    if (state.reported.includes(key)) continue;
    state.reported.push(key);
    faults.push(f);
  }
  if (needs.loadPaths.size + needs.loadPrefixes.size > 0) {
    return { plan: { kind: "load", paths: [...needs.loadPaths], prefixes: [...needs.loadPrefixes] }, faults };
  }
  const rpc = nextRpc(needs, ctx);
  if (rpc === null) return { plan: { kind: "done" }, faults };
  if (state.rpcs >= ctx.maxRpcs) {
    return { plan: { kind: "done" }, faults: [...faults, { code: "provision.loop", message: `provisioning asked for more than ${ctx.maxRpcs} RPCs in one session; stopped` }] };
  }
  state.rpcs++;
  return { plan: rpc, faults };
}

function nextRpc(n: Needs, ctx: EngineContext): Extract<Plan, { kind: "rpc" }> | null {
  if (n.enumerate.length > 0) {
    const table = n.enumerate[0]!;
    return { kind: "rpc", request: { method: "GetParameterNames", parameterPath: table, nextLevel: true }, intent: { op: "enumerate", table } };
  }
  if (n.read.length > 0) {
    const wanted = [...new Set(n.read)];
    const batchable = wanted.filter((x) => !n.alone.includes(x));
    const names = batchable.length > 0 ? batchable.slice(0, ctx.gpvBatchSize) : [wanted[0]!];
    return { kind: "rpc", request: { method: "GetParameterValues", parameterNames: names }, intent: { op: "read", names } };
  }
  if (n.deletes.length > 0) {
    const instance = n.deletes[0]!;
    return { kind: "rpc", request: { method: "DeleteObject", objectName: instance, parameterKey: ctx.parameterKey }, intent: { op: "delete", instance } };
  }
  if (n.adds.length > 0) {
    const { table, selector } = n.adds[0]!;
    return { kind: "rpc", request: { method: "AddObject", objectName: table, parameterKey: ctx.parameterKey }, intent: { op: "add", table, selector } };
  }
  if (n.sets.size > 0) {
    const values = [...n.sets].map(([path, v]) => ({ path, text: v.text, type: v.type }));
    const parameterList: ParameterValueStruct[] = values.map((v) => ({ name: v.path, value: { type: v.type as XsdType, text: v.text } }));
    return { kind: "rpc", request: { method: "SetParameterValues", parameterList, parameterKey: ctx.parameterKey }, intent: { op: "set", values } };
  }
  if (n.readAttributes.length > 0) {
    const wanted = [...new Set(n.readAttributes)];
    const batchable = wanted.filter((x) => !n.alone.includes(x));
    const names = batchable.length > 0 ? batchable : [wanted[0]!];
    return { kind: "rpc", request: { method: "GetParameterAttributes", parameterNames: names }, intent: { op: "readAttributes", names } };
  }
  if (n.setAttributes.size > 0) {
    const wanted = [...n.setAttributes].map(([path, a]) => ({ path, ...a }));
    const batchable = wanted.filter((a) => !n.alone.includes(a.path));
    const list = batchable.length > 0 ? batchable : [wanted[0]!];

    return {
      kind: "rpc",
      request: {
        method: "SetParameterAttributes",
        parameterList: list.map((a) => ({ name: a.path, notificationChange: true, notification: a.notification, accessListChange: true, accessList: a.accessList })),
      },
      intent: { op: "setAttributes", list },
    };
  }
  return null;
}

const emptyLearned = (): Learned => ({ values: [], names: [], attributes: [], deleted: [] });

/** Reads the CPE's response to the engine's RPC into what it taught and this session's progress. */
export function applyResponse(intent: Intent, response: CwmpMessage, state: EngineState): Learned {
  const learned = emptyLearned();
  switch (intent.op) {
    case "enumerate":
      if (response.method === "GetParameterNamesResponse") {
        learned.names.push({ requestPath: intent.table, nextLevel: true, names: response.parameterList.map((p) => ({ path: p.name, writable: p.writable })) });
      }
      state.enumerated.push(intent.table);
      break;
    case "read":
      if (response.method === "GetParameterValuesResponse") {
        learned.values.push(...response.parameterList.map((p) => ({ path: p.name, value: p.value.text, type: p.value.type })));
      }
      for (const n of intent.names) if (n.endsWith(".")) state.refreshed.push(n);
      break;
    case "delete":
      learned.deleted.push(intent.instance);
      break;
    case "add":
      if (response.method === "AddObjectResponse") {
        const instance = `${intent.table}${response.instanceNumber}.`;
        (state.created[intent.selector] ??= []).push(instance);
        learned.names.push({ requestPath: instance, nextLevel: false, names: [{ path: instance, writable: true }] });
      }
      break;
    case "set":
      for (const v of intent.values) state.attempted[v.path] = v.text;
      learned.values.push(...intent.values.map((v) => ({ path: v.path, value: v.text, type: v.type, set: true as const })));
      break;
    case "readAttributes":
      if (response.method === "GetParameterAttributesResponse") {
        learned.attributes.push(...response.parameterList.map((a) => ({ path: a.name, notification: a.notification, accessList: a.accessList })));
      }
      break;
    case "setAttributes":
      learned.attributes.push(...intent.list);
      break;
  }
  return learned;
}

/** The CPE faulted the engine's RPC: give up what it was about for this session, and say so. */
export function applyFault(intent: Intent, fault: Fault, state: EngineState): EngineFault[] {
  const code = faultCodeName(fault);
  const message = faultMessage(fault);
  switch (intent.op) {
    case "enumerate":
      state.failed.push(intent.table);
      return [{ code, message, path: intent.table }];
    case "read":
    case "readAttributes":
      // One bad name faults a whole batch: read them one by one, to give up only the culprit.
      if (intent.names.length > 1) {
        state.alone.push(...intent.names.filter((x) => !state.alone.includes(x)));
        return [];
      }
      state.failed.push(...intent.names);
      return [{ code, message, path: intent.names[0]! }];
    case "delete":
      state.failed.push(intent.instance);
      return [{ code, message, path: intent.instance }];
    case "add":
      state.failed.push(intent.selector);
      return [{ code, message, path: intent.table }];
    case "set": {
      // SetParameterValues is all or nothing: when the CPE names the culprits, only they are given up,
      // and the others are set again without them.
      const per = (fault.detail.setParameterValuesFault ?? []).filter((f) => intent.values.some((v) => v.path === f.parameterName));
      if (per.length > 0) {
        state.failed.push(...per.map((f) => f.parameterName));
        return per.map((f) => ({ code: `cwmp.${f.faultCode}`, message: f.faultString || message, path: f.parameterName }));
      }
      state.failed.push(...intent.values.map((v) => v.path));
      return [{ code, message: `${message} (setting ${intent.values.map((v) => v.path).join(", ")})` }];
    }
    case "setAttributes":
      // All or nothing, and a fault names no parameter: set them one by one, to give up (and name) only
      // the one the device refuses.
      if (intent.list.length > 1) {
        state.alone.push(...intent.list.map((a) => a.path).filter((x) => !state.alone.includes(x)));
        return [];
      }
      state.failed.push(intent.list[0]!.path);
      return [{ code, message, path: intent.list[0]!.path }];
  }
}
