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

import type { DeviceData } from "./data.js";
import type { Action, Declaration } from "./declarations.js";
import { builtinProvision, isBuiltin } from "./builtins.js";
import { xsdTypes } from "../cwmp/index.js";
import type { Provision } from "./presets.js";
import { SandboxError, type ScriptRunner } from "./sandbox.js";

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
      const r = await sandbox.run(p.script, { args: call.args ?? null, now, known: known() });
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
        const r = await sandbox.run(p.script, { args: null, now, known: known(), ...(d.value === undefined ? {} : { wanted: d.value }) });
        for (const message of r.logs) logs.push({ provision: name, message });
        add(r.declarations.filter((x) => !x.path.startsWith(VIRTUAL_ROOT)));
        addReads(r.missing, EVER);
        if (d.maxAge !== undefined) addReads(r.reads, d.maxAge);
        if (r.missing.length > 0) continue;
        const value = virtualValue(r.result);
        if (typeof value === "string") fault("provision.virtual-result", `${d.path}: ${value}`);
        else virtual.push({ path: d.path, ...value });
      } catch (err) {
        if (!(err instanceof SandboxError)) throw err;
        fault(sandboxFault(err), err.message);
      }
    }
  }
  return { declarations: [...byPath.values()], actions, credentials, bulkData, faults, logs, virtual };
}

function suspendedMessage(s: { at: string; reason: string }): string {
  return `the script is suspended since ${s.at} (${s.reason}); store the provision again without "suspended" to resume it`;
}

/** The fault code of a script the sandbox stopped or refused: provision.script-timeout, ... */
function sandboxFault(err: SandboxError): string {
  return `provision.${err.code.toLowerCase().replace("script_", "script-")}`;
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
