// Task kinds that read and write parameters, attributes and object instances.

import type { CwmpMessage, ParameterValueStruct } from "../../cwmp/index.js";
import type { Effect } from "../effects.js";
import type { JsonValue } from "../json.js";
import { expect, failed, faultStep, type Step, type TaskContext, type TaskHandler } from "./handler.js";
import { dropNames, packNames, takeNames, type PackedNames } from "./name-list.js";
import { commandKeyOf } from "./transfers.js";
import type { TaskArgs } from "./schemas.js";
import { typedValues } from "./values.js";

function valuesEffect(list: ParameterValueStruct[], set = false): Effect {
  const values = list.map((p) => ({ path: p.name, value: p.value.text, type: p.value.type }));
  return set ? { type: "setValues", values, set: true } : { type: "setValues", values };
}

function valuesResult(list: ParameterValueStruct[]): { [path: string]: JsonValue } {
  const out: { [path: string]: JsonValue } = {};
  for (const p of list) out[p.name] = { value: p.value.text, type: p.value.type };
  return out;
}

/** A name as sent to the CPE: "" (whole tree) becomes the root object, which every CPE understands. */
function requestPath(path: string, ctx: TaskContext): string {
  return path === "" && ctx.rootObject !== null ? ctx.rootObject : path;
}

function gpvChunk(names: string[], offset: number, ctx: TaskContext): Extract<Step, { kind: "rpc" }> {
  return {
    kind: "rpc",
    request: { method: "GetParameterValues", parameterNames: names.slice(offset, offset + ctx.gpvBatchSize) },
    state: { offset },
  };
}

export const getParameterValues: TaskHandler<TaskArgs<"getParameterValues">> = {
  start(args, ctx) {
    return gpvChunk(args.parameterNames.map((n) => requestPath(n, ctx)), 0, ctx);
  },
  onResponse(args, state, response, ctx) {
    const list = expect(response, "GetParameterValuesResponse").parameterList;
    const offset = (state as { offset: number }).offset + ctx.gpvBatchSize;
    const effects = [valuesEffect(list)];
    const names = args.parameterNames.map((n) => requestPath(n, ctx));
    if (offset < names.length) return { ...gpvChunk(names, offset, ctx), effects };
    return { kind: "done", result: { count: list.length, values: valuesResult(list) }, effects };
  },
};

// getParameterNames refreshes a subtree: the names with NextLevel false, then the values with one
// GetParameterValues of the partial path (or, `batched`, by name, gpvBatchSize at a time). A CPE that
// cannot list a big subtree at once (9002/9004) is walked level by level instead ("recursing as needed").
// Read by name, a batch can name an instance that went away since it was listed (a host that left the
// LAN): the CPE faults the whole batch with 9005, so its names are read one by one, and a name that
// faults alone is passed over (counted in the result's `skipped`).
interface GpnState {
  phase: "names" | "walk" | "values";
  queue?: string[];
  /** Walking: the parameter names found so far. (Reading values, in a state written before `rest`: every name, `offset` the batch's.) */
  params?: string[];
  offset?: number;
  /** Reading values by name: the names from the batch asked for on (name-list.ts), and how many there were in all. */
  rest?: PackedNames;
  total?: number;
  /** Names of a faulted batch, read one at a time (`rest` is then what follows the batch). */
  alone?: string[];
  skipped?: number;
}

/** A batched read's names from the batch asked for on, and their number in all; null for one read of the subtree. */
function toRead(state: GpnState): { rest: PackedNames; total: number } | null {
  if (state.rest !== undefined) return { rest: state.rest, total: state.total ?? 0 };
  if (state.params !== undefined) return { rest: packNames(state.params.slice(state.offset ?? 0)), total: state.params.length };
  return null;
}

/** The next GetParameterValues of a batched read (of `alone`'s first name, else of the first names of `rest`), or done. */
function nextValues(total: number, rest: PackedNames, more: Pick<GpnState, "alone" | "skipped">, effects: Effect[], ctx: TaskContext): Step {
  const alone = more.alone ?? [];
  const skipped = more.skipped ?? 0;
  if (alone.length === 0 && rest.length === 0) {
    return { kind: "done", result: { values: total - skipped, ...(skipped ? { skipped } : {}) }, effects };
  }
  const state: GpnState = { phase: "values", rest, total, ...(alone.length > 0 ? { alone } : {}), ...(skipped ? { skipped } : {}) };
  const request = alone.length > 0 ? [alone[0]!] : takeNames(rest, ctx.gpvBatchSize);
  return { kind: "rpc", request: { method: "GetParameterValues", parameterNames: request }, state: state as unknown as JsonValue, effects };
}

function gpn(path: string, nextLevel: boolean, state: GpnState): Extract<Step, { kind: "rpc" }> {
  return { kind: "rpc", request: { method: "GetParameterNames", parameterPath: path, nextLevel }, state: state as unknown as JsonValue };
}

function afterNames(args: TaskArgs<"getParameterNames">, path: string, params: string[], effects: Effect[], ctx: TaskContext): Step {
  const wantValues = args.values !== false && !args.nextLevel;
  if (!wantValues || (path !== "" && !path.endsWith(".") && params.length === 0)) {
    return { kind: "done", result: { names: params.length }, effects };
  }
  if (path.endsWith(".") && args.batched !== true) {
    return { kind: "rpc", request: { method: "GetParameterValues", parameterNames: [path] }, state: { phase: "values" }, effects };
  }
  if (params.length === 0) return { kind: "done", result: { names: 0 }, effects };
  return nextValues(params.length, packNames(params), {}, effects, ctx);
}

export const getParameterNames: TaskHandler<TaskArgs<"getParameterNames">> = {
  start(args, ctx) {
    return gpn(requestPath(args.parameterPath, ctx), args.nextLevel === true, { phase: "names" });
  },
  onResponse(args, rawState, response, ctx) {
    const state = rawState as unknown as GpnState;
    const path = requestPath(args.parameterPath, ctx);
    if (state.phase === "values") {
      const list = expect(response, "GetParameterValuesResponse").parameterList;
      const effects = [valuesEffect(list)];
      const read = toRead(state);
      if (read === null) return { kind: "done", result: { values: list.length }, effects };
      const alone = state.alone ?? [];
      if (alone.length > 0) return nextValues(read.total, read.rest, { alone: alone.slice(1), skipped: state.skipped }, effects, ctx);
      return nextValues(read.total, dropNames(read.rest, ctx.gpvBatchSize), { skipped: state.skipped }, effects, ctx);
    }
    const names = expect(response, "GetParameterNamesResponse").parameterList;
    const updates = names.map((n) => ({ path: n.name, writable: n.writable }));
    if (state.phase === "names") {
      const effects: Effect[] = [{ type: "setNames", requestPath: path, nextLevel: args.nextLevel === true, names: updates }];
      return afterNames(args, path, names.filter((n) => !n.name.endsWith(".")).map((n) => n.name), effects, ctx);
    }
    // walking level by level: every GetParameterNames answered one object of the queue
    const [current, ...rest] = state.queue ?? [];
    const effects: Effect[] = [{ type: "setNames", requestPath: current ?? path, nextLevel: true, names: updates }];
    const queue = [...rest, ...names.filter((n) => n.name.endsWith(".") && n.name !== current).map((n) => n.name)];
    const params = [...(state.params ?? []), ...names.filter((n) => !n.name.endsWith(".")).map((n) => n.name)];
    if (queue.length > 0) return { ...gpn(queue[0]!, true, { phase: "walk", queue, params }), effects };
    return afterNames(args, path, params, effects, ctx);
  },
  onFault(args, rawState, fault, ctx) {
    const state = rawState as unknown as GpnState;
    const code = fault.detail.faultCode;
    if (state.phase === "names" && args.nextLevel !== true && (code === 9002 || code === 9004)) {
      const path = requestPath(args.parameterPath, ctx);
      return gpn(path, true, { phase: "walk", queue: [path], params: [] });
    }
    const read = state.phase === "values" && code === 9005 ? toRead(state) : null;
    if (read !== null) {
      const alone = state.alone ?? [];
      const skipped = (state.skipped ?? 0) + 1;
      if (alone.length > 0) return nextValues(read.total, read.rest, { alone: alone.slice(1), skipped }, [], ctx);
      const batch = takeNames(read.rest, ctx.gpvBatchSize);
      const after = dropNames(read.rest, ctx.gpvBatchSize);
      if (batch.length > 1) return nextValues(read.total, after, { alone: batch, skipped: state.skipped }, [], ctx);
      return nextValues(read.total, after, { skipped }, [], ctx);
    }
    return faultStep(fault);
  },
};

export const setParameterValues: TaskHandler<TaskArgs<"setParameterValues">> = {
  start(args, ctx) {
    const list = typedValues(args.parameterValues);
    if (typeof list === "string") return failed("task.invalid-value", list);
    return {
      kind: "rpc",
      request: { method: "SetParameterValues", parameterList: list, parameterKey: args.parameterKey ?? ctx.commandKey },
      state: null,
    };
  },
  onResponse(args, _state, response) {
    const status = expect(response, "SetParameterValuesResponse").status;
    const list = typedValues(args.parameterValues) as ParameterValueStruct[];
    return { kind: "done", result: { status }, effects: [valuesEffect(list, true)] };
  },
  // The values are stored as if the lost SetParameterValuesResponse had come.
  onConfirmed(args, _sent, how) {
    return { kind: "done", result: { confirmed: how }, effects: setEffects(args.parameterValues) };
  },
};

/** The values a SetParameterValues the device accepted set, to store; none for values that do not type. */
function setEffects(values: TaskArgs<"setParameterValues">["parameterValues"] | undefined, prefix?: string): Effect[] {
  const list = typedValues(values ?? [], prefix);
  return typeof list === "string" || list.length === 0 ? [] : [valuesEffect(list, true)];
}

function attributesDone(response: CwmpMessage): Step {
  const list = expect(response, "GetParameterAttributesResponse").parameterList;
  return {
    kind: "done",
    result: list.map((a) => ({ name: a.name, notification: a.notification, accessList: a.accessList })),
    effects: [{ type: "setAttributes", attributes: list.map((a) => ({ path: a.name, notification: a.notification, accessList: a.accessList })) }],
  };
}

export const getParameterAttributes: TaskHandler<TaskArgs<"getParameterAttributes">> = {
  start(args) {
    return { kind: "rpc", request: { method: "GetParameterAttributes", parameterNames: args.parameterNames }, state: null };
  },
  onResponse: (_args, _state, response) => attributesDone(response),
};

// After setting attributes, read them back: the CPE's answer is what the store should hold.
export const setParameterAttributes: TaskHandler<TaskArgs<"setParameterAttributes">> = {
  start(args) {
    return {
      kind: "rpc",
      request: {
        method: "SetParameterAttributes",
        parameterList: args.parameters.map((p) => ({
          name: p.name,
          notificationChange: p.notification !== undefined,
          notification: p.notification ?? 0,
          accessListChange: p.accessList !== undefined,
          accessList: p.accessList ?? [],
        })),
      },
      state: "set",
    };
  },
  onResponse(args, state, response) {
    if (state === "set") {
      expect(response, "SetParameterAttributesResponse");
      return { kind: "rpc", request: { method: "GetParameterAttributes", parameterNames: args.parameters.map((p) => p.name) }, state: "read" };
    }
    return attributesDone(response);
  },
};

// addObject creates the instance, learns its parameters (names and values), and sets the given values
// on it, so that the device record shows the instance as the CPE made it. Its two writes carry
// ParameterKeys of their own (addObjectKey for the AddObject, the task's for the values), so that a lost
// answer to either is confirmed on its own (confirm.ts); once the instance exists, an interrupted task
// resumes at the step it broke off at, on that instance, rather than add another.
interface AddState {
  phase: "add" | "names" | "values" | "set";
  instance?: number;
}

/** The ParameterKey of an addObject's AddObject when it has values to set after it: 32 characters, from the task id. */
export function addObjectKey(taskId: string): string {
  return `add.${commandKeyOf(taskId).slice(0, 28)}`;
}

const hasValues = (args: TaskArgs<"addObject">) => args.parameterValues !== undefined && args.parameterValues.length > 0;
const instanceOf = (state: JsonValue | undefined) => (state as AddState | undefined)?.instance;

/** The RPC of `phase` on an instance the device has made. */
function addStep(args: TaskArgs<"addObject">, phase: AddState["phase"], instance: number, ctx: TaskContext, effects?: Effect[]): Extract<Step, { kind: "rpc" }> {
  const instancePath = `${args.objectName}${instance}.`;
  const state = { phase, instance } satisfies AddState;
  if (phase === "names") return { kind: "rpc", request: { method: "GetParameterNames", parameterPath: instancePath, nextLevel: false }, state, ...(effects ? { effects } : {}) };
  if (phase === "values") return { kind: "rpc", request: { method: "GetParameterValues", parameterNames: [instancePath] }, state, ...(effects ? { effects } : {}) };
  const list = typedValues(args.parameterValues ?? [], instancePath) as ParameterValueStruct[];
  return { kind: "rpc", request: { method: "SetParameterValues", parameterList: list, parameterKey: args.parameterKey ?? ctx.commandKey }, state, ...(effects ? { effects } : {}) };
}

export const addObject: TaskHandler<TaskArgs<"addObject">> = {
  start(args, ctx) {
    if (args.parameterValues !== undefined) {
      const check = typedValues(args.parameterValues, args.objectName + "1.");
      if (typeof check === "string") return failed("task.invalid-value", check);
    }
    const resume = ctx.resume as AddState | undefined;
    if (resume?.instance !== undefined && resume.phase !== "add") return addStep(args, resume.phase, resume.instance, ctx);
    const key = hasValues(args) ? addObjectKey(ctx.taskId) : (args.parameterKey ?? ctx.commandKey);
    return { kind: "rpc", request: { method: "AddObject", objectName: args.objectName, parameterKey: key }, state: { phase: "add" } };
  },
  onResponse(args, rawState, response: CwmpMessage, ctx) {
    const state = rawState as unknown as AddState;
    if (state.phase === "add") return addStep(args, "names", expect(response, "AddObjectResponse").instanceNumber, ctx);
    const instancePath = `${args.objectName}${state.instance}.`;
    if (state.phase === "names") {
      const names = expect(response, "GetParameterNamesResponse").parameterList;
      return addStep(args, "values", state.instance!, ctx, [{ type: "setNames", requestPath: instancePath, nextLevel: false, names: names.map((n) => ({ path: n.name, writable: n.writable })) }]);
    }
    const result = { instanceNumber: state.instance!, path: instancePath };
    if (state.phase === "values") {
      const effects = [valuesEffect(expect(response, "GetParameterValuesResponse").parameterList)];
      if (!hasValues(args)) return { kind: "done", result, effects };
      return addStep(args, "set", state.instance!, ctx, effects);
    }
    expect(response, "SetParameterValuesResponse");
    return { kind: "done", result, effects: setEffects(args.parameterValues, instancePath) };
  },
  onFault(_args, state, fault) {
    // After the add, a fault on the instance must not make the next attempt add another one.
    const step = faultStep(fault) as Extract<Step, { kind: "failed" }>;
    if (instanceOf(state) === undefined) return step;
    const detail = step.fault.detail !== undefined && typeof step.fault.detail === "object" ? step.fault.detail : {};
    return { ...step, fault: { ...step.fault, detail: { ...detail, resume: state } } };
  },
  onInterrupted(args, rawState) {
    const instance = instanceOf(rawState);
    if (instance === undefined) return undefined;
    if (hasValues(args)) return { kind: "resume", state: rawState };
    // Nothing left to change on the device: what remained was reading the instance back.
    return { kind: "done", result: { instanceNumber: instance, path: `${args.objectName}${instance}.` } };
  },
  onConfirmed(args, sent, how, state): Step {
    const instance = instanceOf(state);
    if (sent.method === "SetParameterValues" && instance !== undefined) {
      const path = `${args.objectName}${instance}.`;
      return { kind: "done", result: { instanceNumber: instance, path, confirmed: how }, effects: setEffects(args.parameterValues, path) };
    }
    if (!hasValues(args)) return { kind: "done", result: { confirmed: how } };
    const message = "the object was added (the device's ParameterKey shows it) but its answer, with the new instance's number, was lost: its values were not set, and it is not added again";
    return { kind: "failed", fault: { code: "task.interrupted", message, detail: { confirmed: how } }, retry: false };
  },
};

export const deleteObject: TaskHandler<TaskArgs<"deleteObject">> = {
  start(args, ctx) {
    return { kind: "rpc", request: { method: "DeleteObject", objectName: args.objectName, parameterKey: args.parameterKey ?? ctx.commandKey }, state: null };
  },
  onResponse(args, _state, response) {
    const status = expect(response, "DeleteObjectResponse").status;
    return { kind: "done", result: { status }, effects: [{ type: "deleteSubtree", prefix: args.objectName }] };
  },
};
