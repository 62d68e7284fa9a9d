// Chooses the session's next RPC from its sources of work. The task queue is the first source; each
// source offers steps, and the planner batches compatible ones (reads) into one RPC, so one session
// serves every source without special cases.

import type { CwmpMessage, CwmpNamespaceVersion, GetParameterValuesResponse } from "../cwmp/index.js";
import type { Effect } from "./effects.js";
import type { JsonValue } from "./json.js";
import type { Unconfirmed } from "./confirm.js";
import { diagnosticTaskProblems, diagnosticTasks, isDiagnosticTask } from "./tasks/diagnostics.js";
import { commandKeyOf, isTaskName, taskHandlers, taskSupportedIn, validateTaskArgs, TaskArgumentError, type Step, type TaskContext, type TaskHandler } from "./tasks/index.js";

/** A task as the session sees it: the store's record, reduced. */
export interface TaskInput {
  id: string;
  name: string;
  args: JsonValue;
  /** Set when the arguments could not be made ready to send (a sealed secret that does not open): the task fails with it. */
  argsError?: string;
  /** The write of the task's previous attempt whose outcome is unknown (the session broke off; confirm.ts). */
  unconfirmed?: Unconfirmed;
  /** The handler state the previous attempt broke off at, to resume from (TaskHandler.onInterrupted). */
  resume?: JsonValue;
}

/** One task's part in an RPC: which task, its handler state, and (for batched reads) what it asked. */
export interface Origin {
  taskId: string;
  name: string;
  args: JsonValue;
  state: JsonValue;
  /** Set on a batched GetParameterValues: the names this origin asked for. */
  names?: string[];
  /** Never batch this origin again (a batched request it was part of faulted). */
  alone?: boolean;
}

/** A step ready to be sent: one RPC and the origins it serves. */
export interface ReadyRpc {
  request: CwmpMessage;
  origins: Origin[];
}

export interface PlanContext {
  now: Date;
  ns: CwmpNamespaceVersion;
  gpvBatchSize: number;
  rootObject: string | null;
}

export function taskContext(taskId: string, ctx: PlanContext): TaskContext {
  return { now: ctx.now, ns: ctx.ns, taskId, commandKey: commandKeyOf(taskId), gpvBatchSize: ctx.gpvBatchSize, rootObject: ctx.rootObject };
}

export function handlerOf(name: string): TaskHandler<JsonValue> {
  if (isDiagnosticTask(name)) return diagnosticTasks[name] as unknown as TaskHandler<JsonValue>;
  return taskHandlers[name as keyof typeof taskHandlers] as unknown as TaskHandler<JsonValue>;
}

/** Effects that settle a task from a finished step; undefined for an RPC step. */
export function settle(taskId: string, step: Step): Effect[] | undefined {
  const effects = step.effects ?? [];
  switch (step.kind) {
    case "rpc":
      return undefined;
    case "done":
      return [...effects, { type: "taskDone", taskId, result: step.result }];
    case "waiting":
      return [...effects, { type: "taskWaiting", taskId, result: step.result }];
    case "failed":
      return [...effects, { type: "taskFault", taskId, fault: step.fault, retry: step.retry }];
  }
}

export interface Plan {
  next: ReadyRpc | null;
  /** Tasks settled while planning (invalid arguments, unsupported by the device, done without an RPC). */
  effects: Effect[];
  settled: string[];
}

/**
 * Picks the next RPC: steps already queued (continuations of tasks under way) first, then new tasks in
 * queue order. Consecutive GetParameterValues steps are merged up to the batch size.
 */
export function plan(queued: ReadyRpc[], tasks: TaskInput[], skip: ReadonlySet<string>, ctx: PlanContext): Plan {
  const effects: Effect[] = [];
  const settled: string[] = [];
  const candidates: ReadyRpc[] = [...queued];
  // Start new tasks only as far as needed: one RPC, plus the reads that can ride along with it.
  for (const task of tasks) {
    if (skip.has(task.id)) continue;
    if (candidates.length > 0 && !isBatchable(candidates[0]!.request)) break;
    if (candidates.length > 0 && countNames(candidates) >= ctx.gpvBatchSize) break;
    const started = startTask(task, ctx);
    if ("effects" in started) {
      effects.push(...started.effects);
      settled.push(task.id);
      continue;
    }
    candidates.push(started);
    if (!isBatchable(started.request)) break;
  }
  if (candidates.length === 0) return { next: null, effects, settled };
  const first = candidates[0]!;
  if (!isBatchable(first.request) || first.origins.some((o) => o.alone)) return { next: first, effects, settled };
  // Merge the leading run of batchable reads whose names fit in one request.
  const names: string[] = [];
  const origins: Origin[] = [];
  for (const c of candidates) {
    if (!isBatchable(c.request) || c.origins.some((o) => o.alone)) break;
    const asked = (c.request as { parameterNames: string[] }).parameterNames;
    const fresh = asked.filter((n) => !names.includes(n));
    if (origins.length > 0 && names.length + fresh.length > ctx.gpvBatchSize) break;
    names.push(...fresh);
    for (const o of c.origins) origins.push({ ...o, names: asked });
  }
  return { next: { request: { method: "GetParameterValues", parameterNames: names }, origins }, effects, settled };
}

function isBatchable(m: CwmpMessage): boolean {
  return m.method === "GetParameterValues";
}

function countNames(c: ReadyRpc[]): number {
  return c.reduce((n, r) => n + (isBatchable(r.request) ? (r.request as { parameterNames: string[] }).parameterNames.length : 0), 0);
}

/** The task's arguments as its kind's schema accepts them, or what is wrong with them. */
function validArgs(name: string, raw: JsonValue): { ok: true; args: JsonValue } | { ok: false; problem: string } {
  if (isDiagnosticTask(name)) {
    const problem = diagnosticTaskProblems(name, raw);
    return problem === null ? { ok: true, args: raw } : { ok: false, problem };
  }
  try {
    return { ok: true, args: validateTaskArgs(name as Parameters<typeof validateTaskArgs>[0], raw) as JsonValue };
  } catch (err) {
    if (err instanceof TaskArgumentError) return { ok: false, problem: err.message };
    throw err;
  }
}

function startTask(task: TaskInput, ctx: PlanContext): ReadyRpc | { effects: Effect[] } {
  const fail = (code: string, message: string) => ({ effects: [{ type: "taskFault" as const, taskId: task.id, fault: { code, message }, retry: false }] });
  if (!isTaskName(task.name) && !isDiagnosticTask(task.name)) return fail("task.unknown", `unknown task kind "${task.name}"`);
  if (task.argsError !== undefined) return fail("task.invalid-arguments", task.argsError);
  const checked = validArgs(task.name, task.args);
  if (!checked.ok) return fail("task.invalid-arguments", checked.problem);
  const args = checked.args;
  if (isTaskName(task.name) && !taskSupportedIn(task.name, ctx.ns)) {
    return fail("task.unsupported", `${task.name} is not available in the device's CWMP namespace cwmp-${ctx.ns}`);
  }
  const tctx = { ...taskContext(task.id, ctx), ...(task.unconfirmed === undefined ? {} : { unconfirmed: task.unconfirmed }), ...(task.resume === undefined ? {} : { resume: task.resume }) };
  const step = handlerOf(task.name).start(args, tctx);
  const done = settle(task.id, step);
  if (done !== undefined) return { effects: done };
  const rpc = step as Extract<Step, { kind: "rpc" }>;
  return { request: rpc.request, origins: [{ taskId: task.id, name: task.name, args, state: rpc.state }] };
}

/** The part of a batched GetParameterValues response that one origin asked for. */
export function responseFor(origin: Origin, response: CwmpMessage): CwmpMessage {
  if (origin.names === undefined || response.method !== "GetParameterValuesResponse") return response;
  const exact = new Set(origin.names);
  const prefixes = origin.names.filter((n) => n === "" || n.endsWith("."));
  const parameterList = response.parameterList.filter((p) => exact.has(p.name) || prefixes.some((pre) => p.name.startsWith(pre)));
  return { method: "GetParameterValuesResponse", parameterList } satisfies GetParameterValuesResponse;
}
