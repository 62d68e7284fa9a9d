// Whether an RPC whose answer was lost (the session broke off, or the ACS died before it committed the
// answer) took effect, read from what the device reports next. TR-069 gives the ACS three witnesses:
// the ParameterKey, which SetParameterValues, AddObject and DeleteObject set only when they succeed and
// every Inform reports; the "M Reboot" event, which carries the CommandKey of the Reboot that caused it;
// and "0 BOOTSTRAP", which a device reports after a factory reset. An RPC with none of them stays
// unconfirmed and is retried (reads), or its task checks first (Download).

import type { CwmpMessage, Inform } from "../cwmp/index.js";
import type { Effect } from "./effects.js";
import type { JsonValue } from "./json.js";

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
export type Confirmation = "ParameterKey" | "M Reboot" | "0 BOOTSTRAP";

const KEYED = new Set(["SetParameterValues", "AddObject", "DeleteObject"]);

export function unconfirmedOf(request: CwmpMessage, keyBefore: string | null): Unconfirmed | null {
  if (KEYED.has(request.method) && "parameterKey" in request) return { method: request.method, key: request.parameterKey, keyBefore };
  if (request.method === "Reboot") return { method: "Reboot", key: request.commandKey, keyBefore: null };
  if (request.method === "FactoryReset") return { method: "FactoryReset", key: "", keyBefore: null };
  // No Inform shows a Download took effect before its TransferComplete: the task looks for it among the
  // device's queued transfers before sending it again (tasks/transfers.ts).
  if (request.method === "Download") return { method: "Download", key: request.commandKey, keyBefore: null };
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
  if (u.method === "Reboot") return has("M Reboot", u.key) ? "M Reboot" : null;
  if (u.method === "FactoryReset") return has("0 BOOTSTRAP") ? "0 BOOTSTRAP" : null;
  if (!KEYED.has(u.method) || u.key === u.keyBefore) return null;
  return parameterKeyOf(inform) === u.key ? "ParameterKey" : null;
}

/** The Unconfirmed a task's last fault carries, if any. */
export function unconfirmedIn(detail: JsonValue | undefined): Unconfirmed | null {
  if (detail === null || typeof detail !== "object" || Array.isArray(detail)) return null;
  const u = detail.unconfirmed;
  if (u === null || typeof u !== "object" || Array.isArray(u) || typeof u.method !== "string" || typeof u.key !== "string") return null;
  return { method: u.method, key: u.key, keyBefore: typeof u.keyBefore === "string" ? u.keyBefore : null };
}

/**
 * What a task whose lost answer `how` confirmed becomes. An addObject with values to set is not done:
 * its object was added, but its values were never sent, and the number of the new instance was in the
 * lost answer, so they cannot be sent now; adding it again would make a second instance.
 */
export function confirmedOutcome(task: { id: string; name: string; args: JsonValue }, how: Confirmation): Extract<Effect, { type: "taskDone" | "taskFault" }> {
  const args = task.args;
  const values = args !== null && typeof args === "object" && !Array.isArray(args) ? args.parameterValues : undefined;
  if (task.name === "addObject" && Array.isArray(values) && values.length > 0) {
    const message = "the object was added (the device's ParameterKey shows it) but its answer, with the new instance's number, was lost: its values were not set, and it is not added again";
    return { type: "taskFault", taskId: task.id, fault: { code: "task.interrupted", message, detail: { confirmed: how } }, retry: false };
  }
  return { type: "taskDone", taskId: task.id, result: { confirmed: how } };
}
