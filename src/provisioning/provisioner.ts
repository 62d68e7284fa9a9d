// Turns the provisions that apply to a session into declarations, with what is known of the device:
// declarative ones as they are, built-ins from their arguments, scripts by running them in the sandbox
// (a script's reads of unknown values become declarations to fetch them, and it runs again once they
// are known). Later provisions' declarations of the same path replace earlier ones (preset weight).
//
// Virtual parameters (VirtualParameters.<name>, each a provision of kind "virtual") never reach the
// device: a declaration of one runs its script, which reads real parameters with get() and, when a
// value is wanted for it, declares the real parameters that make it so; what the script returns is the
// virtual parameter's value, kept with the device's parameters. Reading one with a maxAge reads the
// real parameters behind it with that maxAge.
//
// Scripts of the GenieACS dialect (genieacs/api.ts) see more of the session (the device record, what the
// engine gave up or listed) and give more back: tags, clear() (what is known under a path from before a
// time is stale, for every provision's declarations) and a run that stopped to wait for data.

import type { DeviceData } from "./data.js";
import type { Action, Declaration } from "./declarations.js";
import { builtinProvision, isBuiltin } from "./builtins.js";
import { xsdTypes } from "../cwmp/index.js";
import type { Provision } from "./presets.js";
import { SandboxError, type ScriptInput, type ScriptResult, type ScriptRunner } from "./sandbox.js";
import type { GenieDevice, GenieInput, GenieRecord } from "./genieacs/api.js";

/** What GenieACS-dialect scripts see of the session beside the device's parameters. */
export interface ScriptContext {
  device: GenieDevice;
  /** The engine's progress in this session (EngineState): given up, listed, read as partial paths. */
  failed: readonly string[];
  enumerated: readonly string[];
  refreshed: readonly string[];
}

export interface ProvisionCall {
  name: string;
  args?: unknown;
  /** The preset it came from (for faults). */
  preset: string;
}

export interface ProvisionerFault {
  code: string;
  message: string;
  provision: string;
  preset: string;
}

export interface Provisioned {
  declarations: Declaration[];
  /** What the ACS does beside the device's parameters: tags, a reboot or a download once per key. */
  actions: Action[];
  /** A provision asks for fresh per-device credentials (builtin:bootstrap-credentials). */
  credentials: boolean;
  /** BulkData profiles whose URL and credentials the ACS adds (builtin:bulkdata). */
  bulkData: string[];
  faults: ProvisionerFault[];
  logs: { provision: string; message: string }[];
  /** Values of the virtual parameters declared, once their scripts had all they read. */
  virtual: { path: string; value: string; type: string }[];
}

export const VIRTUAL_ROOT = "VirtualParameters.";

/** A value the script can ask for, long-lived enough to mean "known at all" (JSON cannot say Infinity). */
const EVER = 1e12;

export async function provision(
  calls: readonly ProvisionCall[],
  lookup: (name: string) => Provision | undefined,
  data: DeviceData,
  sandbox: ScriptRunner,
  now: number,
  root: string | null,
  context?: ScriptContext,
): Promise<Provisioned> {
  const byPath = new Map<string, Declaration>();
  const actions: Action[] = [];
  let credentials = false;
  const bulkData: string[] = [];
  const faults: ProvisionerFault[] = [];
  const logs: Provisioned["logs"] = [];
  const add = (list: readonly Declaration[]) => {
    for (const d of list) {
      const prev = byPath.get(d.path);
      byPath.delete(d.path);
      // The later one wins, but a read the earlier one asked for still happens.
      byPath.set(d.path, prev === undefined ? d : { ...(prev.maxAge !== undefined && d.maxAge === undefined ? { maxAge: prev.maxAge } : {}), ...d });
    }
  };
  // What scripts may read: the same for every script of this call (the data does not change in it).
  let knownCache: Record<string, { value: string; type: string }> | undefined;
  const known = () => (knownCache ??= knownValues(data));
  let genieCache: GenieInput | undefined;
  const genie = () => (genieCache ??= genieInput(data, root, context));
  const clears: { path: string; at: number }[] = [];
  /** A script's input in its dialect. */
  const input = (p: { dialect?: string }, args: unknown, extra: Partial<ScriptInput> = {}): ScriptInput =>
    p.dialect === "genieacs" ? { args, now, known: {}, genieacs: genie() } : { args, now, known: known(), ...extra };
  /** What a GenieACS-dialect run gives besides declarations. */
  const genieResult = (r: ScriptResult) => {
    for (const t of r.genieacs?.tags ?? []) actions.push({ kind: "tag", tag: t.tag, present: t.present });
    clears.push(...(r.genieacs?.clears ?? []));
  };
  // A read someone needs joins whatever is declared of the path (a value stays), at the smaller age.
  const addReads = (paths: readonly string[], maxAge: number) => {
    for (const path of paths) {
      const prev = byPath.get(path);
      byPath.set(path, prev === undefined ? { path, maxAge } : { ...prev, maxAge: Math.min(prev.maxAge ?? Infinity, maxAge) });
    }
  };
  for (const call of calls) {
    if (isBuiltin(call.name)) {
      const r = builtinProvision(call.name, call.args, root);
      if ("error" in r) {
        faults.push({ code: "provision.invalid-arguments", message: r.error, provision: call.name, preset: call.preset });
      } else {
        add(r.declarations);
        actions.push(...r.actions);
        credentials ||= r.credentials === true;
        bulkData.push(...(r.bulkData ?? []));
      }
      continue;
    }
    const p = lookup(call.name);
    if (p === undefined) {
      faults.push({ code: "provision.unknown", message: `no provision named ${call.name}`, provision: call.name, preset: call.preset });
      continue;
    }
    if (p.kind === "declarative") {
      add(p.declarations);
      continue;
    }
    if (p.kind === "virtual") {
      // Named in a preset: its value is kept up to date from what is known (unknown reads are fetched).
      add([{ path: VIRTUAL_ROOT + p.name }]);
      continue;
    }
    if (p.suspended !== undefined) {
      faults.push({ code: "provision.suspended", message: suspendedMessage(p.suspended), provision: call.name, preset: call.preset });
      continue;
    }
    try {
      const r = await sandbox.run(p.script, input(p, call.args ?? null));
      genieResult(r);
      add(r.declarations);
      // what the script read but nobody knows yet: fetch it, then the script runs again with it
      addReads(r.missing, EVER);
      for (const message of r.logs) logs.push({ provision: call.name, message });
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      faults.push({ code: sandboxFault(err), message: err.message, provision: call.name, preset: call.preset });
    }
  }
  const virtual: Provisioned["virtual"] = [];
  const virtuals = [...byPath.values()].filter((d) => d.path.startsWith(VIRTUAL_ROOT));
  if (virtuals.length > 0) {
    for (const d of virtuals) {
      byPath.delete(d.path);
      const name = d.path.slice(VIRTUAL_ROOT.length);
      const p = lookup(name);
      const fault = (code: string, message: string) => faults.push({ code, message, provision: name, preset: "(virtual parameter)" });
      if (p === undefined || p.kind !== "virtual") {
        fault("provision.unknown-virtual-parameter", `no virtual parameter ${d.path} (a provision of kind "virtual" named ${name})`);
        continue;
      }
      if (p.suspended !== undefined) {
        fault("provision.suspended", suspendedMessage(p.suspended));
        continue;
      }
      try {
        const r = await sandbox.run(p.script, input(p, p.dialect === "genieacs" ? genieVirtualArgs(d, data, now) : null, d.value === undefined ? {} : { wanted: d.value }));
        for (const message of r.logs) logs.push({ provision: name, message });
        genieResult(r);
        add(r.declarations.filter((x) => !x.path.startsWith(VIRTUAL_ROOT)));
        addReads(r.missing, EVER);
        if (d.maxAge !== undefined) addReads(r.reads, d.maxAge);
        if (r.missing.length > 0 || r.genieacs?.incomplete === true) continue;
        const value = virtualValue(p.dialect === "genieacs" ? genieVirtualResult(r.result) : r.result);
        if (typeof value === "string") fault("provision.virtual-result", `${d.path}: ${value}`);
        else virtual.push({ path: d.path, ...value });
      } catch (err) {
        if (!(err instanceof SandboxError)) throw err;
        fault(sandboxFault(err), err.message);
      }
    }
  }
  // clear(path, at): every declaration under the path reads again what is known from before `at`.
  for (const c of clears) {
    const age = Math.max(0, Math.floor((now - c.at) / 1000));
    for (const [path, d] of byPath) {
      if (path === c.path || path.startsWith(c.path + ".")) byPath.set(path, { ...d, maxAge: Math.min(d.maxAge ?? Infinity, age) });
    }
  }
  return { declarations: [...byPath.values()], actions, credentials, bulkData, faults, logs, virtual };
}

function genieInput(data: DeviceData, root: string | null, context: ScriptContext | undefined): GenieInput {
  const records: Record<string, GenieRecord> = {};
  for (const r of data.under("")) records[r.path] = [r.value, r.type, r.object ? 1 : 0, r.writable, r.valueAt, r.namesAt];
  const device = context?.device ?? { id: "", manufacturer: "", oui: "", productClass: "", serialNumber: "", tags: [], events: {} };
  return { records, device, root, failed: [...(context?.failed ?? [])], enumerated: [...(context?.enumerated ?? [])], refreshed: [...(context?.refreshed ?? [])], exts: {} };
}

/** A GenieACS virtual parameter's args: [declared timestamps, declared values, current timestamps, current values]. */
function genieVirtualArgs(d: Declaration, data: DeviceData, now: number): unknown[] {
  const declaredTs = d.maxAge === undefined || d.maxAge >= EVER ? {} : { value: now - d.maxAge * 1000 };
  const declared = d.value === undefined ? {} : { value: [d.value, d.type ?? (typeof d.value === "boolean" ? "xsd:boolean" : typeof d.value === "number" ? "xsd:int" : "xsd:string")] };
  const rec = data.get(d.path);
  const currentTs = rec?.valueAt == null ? {} : { value: rec.valueAt };
  const current = rec?.value == null ? {} : { value: [rec.value, rec.type ?? "xsd:string"] };
  return [declaredTs, declared, currentTs, current];
}

/** GenieACS's { writable, value: [value, type] } as Provisio's { value, type }. */
function genieVirtualResult(result: unknown): unknown {
  if (result === null || typeof result !== "object" || !("value" in result)) return result;
  const v = (result as { value: unknown }).value;
  return Array.isArray(v) ? { value: v[0], ...(v[1] === undefined ? {} : { type: v[1] }) } : { value: v };
}

function suspendedMessage(s: { at: string; reason: string }): string {
  return `the script is suspended since ${s.at} (${s.reason}); store the provision again without "suspended" to resume it`;
}

/** The fault code of a script the sandbox stopped or refused: provision.script-timeout, provision.ext-failed, ... */
function sandboxFault(err: SandboxError): string {
  return `provision.${err.code.toLowerCase().replace("_", "-")}`;
}

function knownValues(data: DeviceData): Record<string, { value: string; type: string }> {
  const known: Record<string, { value: string; type: string }> = {};
  for (const r of data.under("")) if (!r.object && r.value !== null) known[r.path] = { value: r.value, type: r.type ?? "xsd:string" };
  return known;
}

const TYPES = new Set<string>(xsdTypes);

/** A virtual parameter script's result as a typed value, or what is wrong with it. */
function virtualValue(result: unknown): { value: string; type: string } | string {
  if (result === null || typeof result !== "object" || !("value" in result)) return "the script must return { value, type? }";
  const { value, type } = result as { value: unknown; type?: unknown };
  if (type !== undefined && (typeof type !== "string" || !TYPES.has(type))) return `type ${JSON.stringify(type)} is not an xsd type`;
  switch (typeof value) {
    case "string":
      return { value, type: (type as string | undefined) ?? "xsd:string" };
    case "boolean":
      return { value: String(value), type: (type as string | undefined) ?? "xsd:boolean" };
    case "number":
      if (!Number.isFinite(value)) return "the value must be a finite number";
      return { value: String(value), type: (type as string | undefined) ?? (Number.isInteger(value) ? "xsd:int" : "xsd:decimal") };
    default:
      return "the value must be a string, a number or a boolean";
  }
}
