// Whether an RPC whose answer was lost (the session broke off, or the ACS died before it committed the
// answer) took effect, read from what the device reports next. TR-069 gives the ACS these witnesses:
// the ParameterKey, which SetParameterValues, AddObject and DeleteObject set only when they succeed and
// every Inform reports; the "M <method>" events, which carry the CommandKey of the Reboot, Download,
// Upload, ScheduleDownload or ChangeDUState that caused them (the Inform after the reboot, or the one
// that delivers the TransferComplete or DUStateChangeComplete); and "0 BOOTSTRAP", which a device
// reports after a factory reset. An RPC with none of them stays unconfirmed and is sent again; a
// transfer still queued on the device is looked for first (tasks/transfers.ts).

import type { CwmpMessage, Inform } from "../cwmp/index.js";
import type { Effect } from "./effects.js";
import type { JsonValue } from "./json.js";
import { handlerOf, settle } from "./planner.js";

/** A write in flight when its session broke off: what would show that it took effect. */
export interface Unconfirmed {
  [k: string]: JsonValue;
  method: string;
  /** The ParameterKey or CommandKey it carried. */
  key: string;
  /** The device's ParameterKey before it, when known: the same key cannot show a change. */
  keyBefore: string | null;
}

/** How a lost answer was confirmed, as the task's result says. */
export type Confirmation = "ParameterKey" | "0 BOOTSTRAP" | "M Reboot" | "M Download" | "M Upload" | "M ScheduleDownload" | "M ChangeDUState";

const KEYED = new Set(["SetParameterValues", "AddObject", "DeleteObject"]);
/** RPCs whose effect the device reports with the event "M <method>" and their CommandKey. */
const COMMANDED = new Set(["Reboot", "Download", "Upload", "ScheduleDownload", "ChangeDUState"]);

export function unconfirmedOf(request: CwmpMessage, keyBefore: string | null): Unconfirmed | null {
  if (KEYED.has(request.method) && "parameterKey" in request) return { method: request.method, key: request.parameterKey, keyBefore };
  if (COMMANDED.has(request.method) && "commandKey" in request) return { method: request.method, key: request.commandKey ?? "", keyBefore: null };
  if (request.method === "FactoryReset") return { method: "FactoryReset", key: "", keyBefore: null };
  return null;
}

/** The ParameterKey an Inform reports (either root object), or null. */
export function parameterKeyOf(inform: Inform): string | null {
  const p = inform.parameterList.find((v) => v.name === "Device.ManagementServer.ParameterKey" || v.name === "InternetGatewayDevice.ManagementServer.ParameterKey");
  return p === undefined ? null : p.value.text;
}

/** How `inform` shows that `u` took effect; null when it does not. */
export function confirmation(u: Unconfirmed, inform: Inform): Confirmation | null {
  const has = (code: string, key?: string) => inform.event.some((e) => e.eventCode.trim() === code && (key === undefined || e.commandKey === key));
  // An empty CommandKey names nothing: the ACS always sends one of the task's.
  if (COMMANDED.has(u.method)) return u.key !== "" && has(`M ${u.method}`, u.key) ? (`M ${u.method}` as Confirmation) : null;
  if (u.method === "FactoryReset") return has("0 BOOTSTRAP") ? "0 BOOTSTRAP" : null;
  if (!KEYED.has(u.method) || u.key === u.keyBefore) return null;
  return parameterKeyOf(inform) === u.key ? "ParameterKey" : null;
}

/** The Unconfirmed a task's last fault carries, if any. */
export function unconfirmedIn(detail: JsonValue | undefined): Unconfirmed | null {
  const u = objectIn(detail, "unconfirmed");
  if (u === null || typeof u.method !== "string" || typeof u.key !== "string") return null;
  return { method: u.method, key: u.key, keyBefore: typeof u.keyBefore === "string" ? u.keyBefore : null };
}

/** The handler state a task's last fault says its next attempt resumes from (TaskHandler.onInterrupted), if any. */
export function resumeIn(detail: JsonValue | undefined): JsonValue | undefined {
  return objectIn(detail, "resume") ?? undefined;
}

function objectIn(detail: JsonValue | undefined, key: string): { [k: string]: JsonValue } | null {
  if (detail === null || typeof detail !== "object" || Array.isArray(detail)) return null;
  const v = detail[key];
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v : null;
}

/**
 * What a task whose lost answer to `sent` was confirmed (`how`) becomes, as its handler says: usually
 * done; a transfer waits for its TransferComplete or DUStateChangeComplete, which follows in the
 * session of the Inform that confirmed it. `state`: the handler state the RPC was sent from, if known.
 */
export function confirmedOutcome(task: { id: string; name: string; args: JsonValue }, sent: Unconfirmed, how: Confirmation, state?: JsonValue): Effect[] {
  // A name no handler knows (a task from a later version) is simply done.
  const handler = handlerOf(task.name) as ReturnType<typeof handlerOf> | undefined;
  const step = handler?.onConfirmed?.(task.args, sent, how, state) ?? { kind: "done", result: { confirmed: how } };
  return settle(task.id, step) ?? [{ type: "taskDone", taskId: task.id, result: { confirmed: how } }];
}
