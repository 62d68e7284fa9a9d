// A task kind turns its arguments into one or more RPCs and reads their responses. Handlers are pure:
// they return steps, and the effects that store what was learned.

import { faultCodeName, faultMessage, type CwmpMessage, type CwmpNamespaceVersion, type Fault } from "../../cwmp/index.js";
import type { Effect, TaskFaultInfo } from "../effects.js";
import type { JsonValue } from "../json.js";
import type { Confirmation, Unconfirmed } from "../confirm.js";

export interface TaskContext {
  now: Date;
  ns: CwmpNamespaceVersion;
  taskId: string;
  /** CommandKey for RPCs that carry one: derived from the task id, so completions find their task. */
  commandKey: string;
  /** Most parameter names in one GetParameterValues (some CPEs fault on big requests). */
  gpvBatchSize: number;
  /** "Device." or "InternetGatewayDevice.", from the Inform; used instead of "" for whole-tree requests. */
  rootObject: string | null;
  /** At a task's start: the write of its previous attempt whose outcome is unknown (confirm.ts), if any. */
  unconfirmed?: Unconfirmed;
  /** At a task's start: the state its previous attempt broke off at, when its handler resumes from there (Interruption). */
  resume?: JsonValue;
}

export type Step =
  /** Send this RPC; `state` comes back with its response. */
  | { kind: "rpc"; request: CwmpMessage; state: JsonValue; effects?: Effect[] }
  | { kind: "done"; result: JsonValue; effects?: Effect[] }
  /** Accepted by the CPE; the outcome arrives later (TransferComplete, DUStateChangeComplete). */
  | { kind: "waiting"; result: JsonValue; effects?: Effect[] }
  | { kind: "failed"; fault: TaskFaultInfo; retry: boolean; effects?: Effect[] };

/** What a task interrupted mid-way becomes: settled now, or tried again from `state` (kept in its fault's detail). */
export type Interruption = Step | { kind: "resume"; state: JsonValue };

export interface TaskHandler<A = unknown> {
  start(args: A, ctx: TaskContext): Step;
  /** The CPE answered the step's RPC with its response (method already checked by the session). */
  onResponse(args: A, state: JsonValue, response: CwmpMessage, ctx: TaskContext): Step;
  /** The CPE answered with a Fault. Without this hook: failed, retried unless the fault is permanent. */
  onFault?(args: A, state: JsonValue, fault: Fault, ctx: TaskContext): Step;
  /**
   * The session broke off with the task at `state`, its step unanswered or not yet sent. Without this
   * hook (or when it returns undefined) the task runs again from the start; a task whose earlier step
   * changed the device, which a fresh start would change again, settles here or resumes from `state`.
   */
  onInterrupted?(args: A, state: JsonValue): Interruption | undefined;
  /**
   * The RPC `sent` (from handler state `state`, when known) lost its answer, and the device showed that it
   * took effect (`how`, confirm.ts). Without this hook the task is done with `{ confirmed: how }`.
   */
  onConfirmed?(args: A, sent: Unconfirmed, how: Confirmation, state: JsonValue | undefined): Step;
}

// CPE faults that will not go away by trying again: the request itself is wrong for this device.
const PERMANENT_FAULTS = new Set([9000, 9003, 9005, 9006, 9007, 9008, 9009, 9013, 9021, 9022, 9023, 9025, 9026, 9028, 9029, 9030, 9031, 9032]);

export function faultStep(fault: Fault): Step {
  const code = fault.detail.faultCode;
  const detail: JsonValue =
    fault.detail.setParameterValuesFault === undefined
      ? null
      : { setParameterValuesFault: fault.detail.setParameterValuesFault.map((f) => ({ parameterName: f.parameterName, faultCode: f.faultCode, faultString: f.faultString })) };
  return {
    kind: "failed",
    fault: { code: faultCodeName(fault), message: faultMessage(fault), ...(detail === null ? {} : { detail }) },
    retry: !PERMANENT_FAULTS.has(code),
  };
}

export function failed(code: string, message: string, retry = false): Step {
  return { kind: "failed", fault: { code, message }, retry };
}

/** The session already checks the response's method; this narrows its type for the handler. */
export function expect<M extends CwmpMessage["method"]>(response: CwmpMessage, method: M): Extract<CwmpMessage, { method: M }> {
  if (response.method !== method) throw new Error(`internal: expected ${method}, got ${response.method}`);
  return response as Extract<CwmpMessage, { method: M }>;
}
