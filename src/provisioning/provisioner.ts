// Turns the provisions that apply to a session into declarations, with what is known of the device:
// declarative ones as they are, built-ins from their arguments, scripts by running them in the sandbox
// (a script's reads of unknown values become declarations to fetch them, and it runs again once they
// are known). Later provisions' declarations of the same path replace earlier ones (preset weight).

import type { DeviceData } from "./data.js";
import type { Action, Declaration } from "./declarations.js";
import { builtinProvision, isBuiltin } from "./builtins.js";
import type { Provision } from "./presets.js";
import { SandboxError, type ScriptSandbox } from "./sandbox.js";

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
  faults: ProvisionerFault[];
  logs: { provision: string; message: string }[];
}

/** A value the script can ask for, long-lived enough to mean "known at all" (JSON cannot say Infinity). */
const EVER = 1e12;

export async function provision(
  calls: readonly ProvisionCall[],
  lookup: (name: string) => Provision | undefined,
  data: DeviceData,
  sandbox: ScriptSandbox,
  now: number,
  root: string | null,
): Promise<Provisioned> {
  const byPath = new Map<string, Declaration>();
  const actions: Action[] = [];
  let credentials = false;
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
  for (const call of calls) {
    if (isBuiltin(call.name)) {
      const r = builtinProvision(call.name, call.args, root);
      if ("error" in r) {
        faults.push({ code: "provision.invalid-arguments", message: r.error, provision: call.name, preset: call.preset });
      } else {
        add(r.declarations);
        actions.push(...r.actions);
        credentials ||= r.credentials === true;
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
    const known: Record<string, { value: string; type: string }> = {};
    for (const r of data.under("")) if (!r.object && r.value !== null) known[r.path] = { value: r.value, type: r.type ?? "xsd:string" };
    try {
      const r = await sandbox.run(p.script, { args: call.args ?? null, now, known });
      add(r.declarations);
      // what the script read but nobody knows yet: fetch it, then the script runs again with it
      add(r.missing.map((path) => ({ path, maxAge: EVER })));
      for (const message of r.logs) logs.push({ provision: call.name, message });
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      faults.push({ code: `provision.${err.code.toLowerCase().replace("script_", "script-")}`, message: err.message, provision: call.name, preset: call.preset });
    }
  }
  return { declarations: [...byPath.values()], actions, credentials, faults, logs };
}
