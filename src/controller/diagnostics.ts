// Diagnostics through the bridge, sans I/O. A CWMP device runs a diagnostic as values of an object (its
// inputs and DiagnosticsState=Requested, later 8 DIAGNOSTICS COMPLETE and a read of its results); TR-181
// for USP has no such objects but an async command per diagnostic, named as the object. The
// SetParameterValues that requests one becomes an Operate of its command, and the command's
// OperationComplete becomes the values the object would hold, which the controller keeps in the store
// (diagnostic-results.ts) for the read that follows. docs/usp.md ("Diagnostics") has the table.

import { cwmpFault, type CwmpMessage, type ParameterValueStruct, type XsdType } from "../cwmp/index.js";
import { diagnosticKinds, kindDefs, modelOf, type DiagnosticKind, type ValueKind } from "../diagnostics/kinds.js";
import { msgBody, type Notifications, type RequestBodies, type UspMsg } from "../usp/index.js";

export interface BridgedDiagnostic {
  kind: DiagnosticKind;
  /** The CWMP object, e.g. "Device.IP.Diagnostics.IPPing.". */
  object: string;
  /** The USP command, e.g. "Device.IP.Diagnostics.IPPing()". */
  command: string;
}

/** Every diagnostic TR-181 defines for both protocols: the command is the object's name with "()". */
export const BRIDGED_DIAGNOSTICS: readonly BridgedDiagnostic[] = diagnosticKinds.flatMap((kind) => {
  const object = modelOf(kind, "Device.")?.object;
  return object === undefined ? [] : [{ kind, object, command: `${object.slice(0, -1)}()` }];
});

/** The one name USP spells differently: the command's Status output is the object's DiagnosticsState. */
const STATE = "DiagnosticsState";
const STATUS = "Status";
const REQUESTED = "Requested";

/** An Operate that starts a diagnostic, or why a SetParameterValues cannot be carried as one. */
export type DiagnosticRequest = { diagnostic: BridgedDiagnostic; inputArgs: Record<string, string> } | { problem: string };

/**
 * The diagnostic a SetParameterValues requests (DiagnosticsState=Requested on one of the objects, its
 * inputs beside it), or null when it requests none. Its inputs become the input args by their names in
 * the object; anything outside the object cannot be carried by the same Operate and is refused.
 */
export function diagnosticRequest(list: readonly ParameterValueStruct[]): DiagnosticRequest | null {
  const diagnostic = BRIDGED_DIAGNOSTICS.find((d) => list.some((p) => p.name === d.object + STATE && p.value.text === REQUESTED));
  if (diagnostic === undefined) return null;
  const outside = list.filter((p) => !p.name.startsWith(diagnostic.object));
  if (outside.length > 0) return { problem: `a USP device starts ${diagnostic.object} with its ${diagnostic.command} command, which cannot also set ${outside.map((p) => p.name).join(", ")}` };
  const inputArgs: Record<string, string> = {};
  for (const p of list) if (p.name !== diagnostic.object + STATE) inputArgs[p.name.slice(diagnostic.object.length)] = uspText(p);
  return { diagnostic, inputArgs };
}

/** An argument's text as USP writes it: booleans "true" and "false" (CWMP also allows "1" and "0"). */
function uspText(p: ParameterValueStruct): string {
  if (p.value.type !== "xsd:boolean") return p.value.text;
  return p.value.text === "1" ? "true" : p.value.text === "0" ? "false" : p.value.text;
}

export function diagnosticOfCommand(command: string): BridgedDiagnostic | undefined {
  return BRIDGED_DIAGNOSTICS.find((d) => d.command === command);
}

/** A diagnostic's end as the agent reported it: its output args, or the command's failure. */
export type CommandOutcome = { outputArgs: Record<string, string> } | { errCode: number; errMsg: string };

export interface DiagnosticCompletion {
  diagnostic: BridgedDiagnostic;
  commandKey: string;
  /** The object's values as a CWMP device would report them (DiagnosticsState first). */
  values: ParameterValueStruct[];
  /** The agent's failure message, when the command failed (CWMP's object has no place for it). */
  failure?: string;
}

/** The completion an OperationComplete reports, or null when its command is no diagnostic. */
export function completionOfNotify(o: Notifications["operComplete"]): DiagnosticCompletion | null {
  const diagnostic = diagnosticOfCommand(o.objPath + o.commandName);
  if (diagnostic === undefined) return null;
  const outcome: CommandOutcome = o.operationResp === "reqOutputArgs" ? { outputArgs: o.reqOutputArgs.outputArgs } : { errCode: o.cmdFailure.errCode, errMsg: o.cmdFailure.errMsg };
  return completion(diagnostic, o.commandKey, outcome);
}

/**
 * The completion an OperateResp carries when the agent ran a diagnostic synchronously (its output args
 * at once, no OperationComplete to come), or null.
 */
export function completionOfAnswer<K extends keyof RequestBodies>(kind: K, body: RequestBodies[K], answer: UspMsg): DiagnosticCompletion | null {
  if (kind !== "operate") return null;
  const op = body as RequestBodies["operate"];
  const diagnostic = diagnosticOfCommand(op.command);
  const result = msgBody(answer, "operateResp")?.operationResults[0];
  if (diagnostic === undefined || result?.operationResp !== "reqOutputArgs") return null;
  return completion(diagnostic, op.commandKey, { outputArgs: result.reqOutputArgs.outputArgs });
}

/** The object's values after the command: Status as DiagnosticsState, table rows as instances. */
export function completion(diagnostic: BridgedDiagnostic, commandKey: string, outcome: CommandOutcome): DiagnosticCompletion {
  const def = kindDefs[diagnostic.kind];
  const at = (name: string, text: string, type: XsdType): ParameterValueStruct => ({ name: diagnostic.object + name, value: { type, text } });
  if ("errCode" in outcome) {
    // The command did not run to an end of its own: the device's generic failure states.
    const state = outcome.errCode === 7003 ? "Error_Internal" : "Error_Other";
    return { diagnostic, commandKey, values: [at(STATE, state, "xsd:string")], failure: `USP ${outcome.errCode}: ${outcome.errMsg}` };
  }
  const args = outcome.outputArgs;
  const values = [at(STATE, args[STATUS] ?? "Complete", "xsd:string")];
  const rows = new Map<string, Set<string>>();
  for (const [name, text] of Object.entries(args)) {
    if (name === STATUS) continue;
    const m = /^([A-Za-z0-9_]+)\.(\d+)\.([A-Za-z0-9_]+)$/.exec(name);
    if (m === null) {
      values.push(at(name, text, xsdOf(def.results[name])));
      continue;
    }
    const [, table, n, field] = m as unknown as [string, string, string, string];
    rows.set(table, (rows.get(table) ?? new Set()).add(n));
    values.push(at(name, text, xsdOf(def.tables[table]?.[field])));
  }
  for (const [table, ns] of rows) values.push(at(`${table}NumberOfEntries`, String(ns.size), "xsd:unsignedInt"));
  return { diagnostic, commandKey, values };
}

function xsdOf(kind: ValueKind | undefined): XsdType {
  switch (kind) {
    case "uint":
      return "xsd:unsignedInt";
    case "int":
      return "xsd:int";
    case "ulong":
      return "xsd:unsignedLong";
    case "bool":
      return "xsd:boolean";
    case "dateTime":
      return "xsd:dateTime";
    default:
      return "xsd:string";
  }
}

/** The bridged diagnostic objects a GetParameterValues reads, when it reads nothing else; else null. */
export function diagnosticRead(rpc: CwmpMessage): string[] | null {
  if (rpc.method !== "GetParameterValues" || rpc.parameterNames.length === 0) return null;
  const local = rpc.parameterNames.every((name) => BRIDGED_DIAGNOSTICS.some((d) => name.startsWith(d.object)));
  return local ? rpc.parameterNames : null;
}

/**
 * The answer to such a read from the values kept: each name, an exact parameter or an object and what is
 * under it, must name something kept (9005 otherwise, as a CWMP device answers a name it lacks).
 */
export function diagnosticReadAnswer(names: readonly string[], kept: ReadonlyMap<string, { value: string; type: string }>): CwmpMessage {
  const list: ParameterValueStruct[] = [];
  for (const name of names) {
    const found = [...kept].filter(([path]) => (name.endsWith(".") ? path.startsWith(name) : path === name));
    if (found.length === 0) return cwmpFault(9005, `${name}: this USP device has run no diagnostic that reports it`);
    for (const [path, v] of found) list.push({ name: path, value: { type: v.type as XsdType, text: v.value } });
  }
  return { method: "GetParameterValuesResponse", parameterList: list };
}
