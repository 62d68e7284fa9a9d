// Diagnostics (TR-069 Annex / TR-143): `diagnostic` sets a kind's inputs and DiagnosticsState=Requested
// in one SetParameterValues and then waits; the device runs the test after the session and reports
// `8 DIAGNOSTICS COMPLETE` in a later Inform, which queues `diagnosticResults` (server/apply-effects.ts)
// to read the diagnostic's object. Both are created by the diagnostics API, never by name through the
// tasks API, since their record (the diagnostics table) must exist beside them.

import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { diagnosticKinds, isDiagnosticKind, modelOf, type DiagnosticKind } from "../../diagnostics/kinds.js";
import { argsProblems, parseResults, requestValues } from "../../diagnostics/values.js";
import type { JsonValue } from "../json.js";
import { expect, failed, faultStep, type TaskContext, type TaskHandler } from "./handler.js";

const Kind = Type.Union(diagnosticKinds.map((k) => Type.Literal(k)));

export const diagnosticTaskSchemas = {
  diagnostic: Type.Object({ kind: Kind, args: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false }),
  diagnosticResults: Type.Object({ diagnosticId: Type.String({ minLength: 1 }), kind: Kind }, { additionalProperties: false }),
};

type DiagnosticArgs = Static<(typeof diagnosticTaskSchemas)["diagnostic"]>;
type ResultsArgs = Static<(typeof diagnosticTaskSchemas)["diagnosticResults"]>;

function modelFor(kind: DiagnosticKind, ctx: TaskContext) {
  const model = modelOf(kind, ctx.rootObject);
  if (model !== null) return model;
  const where = ctx.rootObject === null ? "an unknown data model" : `the ${ctx.rootObject} data model`;
  return failed("diagnostic.unsupported", `${kind} is not defined in ${where}`);
}

export const diagnostic: TaskHandler<DiagnosticArgs> = {
  start(args, ctx) {
    if (!isDiagnosticKind(args.kind)) return failed("task.invalid-arguments", `unknown diagnostic kind "${String(args.kind)}"`);
    const problems = argsProblems(args.kind, args.args);
    if (problems !== null) return failed("task.invalid-arguments", problems);
    const model = modelFor(args.kind, ctx);
    if ("kind" in model) return model;
    const list = requestValues(args.kind, model, args.args);
    if (typeof list === "string") return failed("diagnostic.unsupported", list);
    return { kind: "rpc", request: { method: "SetParameterValues", parameterList: list, parameterKey: ctx.commandKey }, state: null };
  },
  onResponse(_args, _state, response, ctx) {
    expect(response, "SetParameterValuesResponse");
    return { kind: "waiting", result: { requestedAt: ctx.now.toISOString() }, effects: [{ type: "diagnosticRequested", diagnosticId: ctx.taskId }] };
  },
};

export const diagnosticResults: TaskHandler<ResultsArgs> = {
  start(args, ctx) {
    const model = modelFor(args.kind, ctx);
    if ("kind" in model) return model;
    return { kind: "rpc", request: { method: "GetParameterValues", parameterNames: [model.object] }, state: null };
  },
  onResponse(args, _state, response, ctx) {
    const model = modelOf(args.kind, ctx.rootObject)!;
    const list = expect(response, "GetParameterValuesResponse").parameterList;
    const parsed = parseResults(args.kind, model, list.map((p) => ({ name: p.name, text: p.value.text })));
    const results = { results: parsed.results, tables: parsed.tables } as unknown as JsonValue;
    return {
      kind: "done",
      result: { state: parsed.state, outcome: parsed.outcome },
      effects: [
        { type: "setValues", values: list.map((p) => ({ path: p.name, value: p.value.text, type: p.value.type })) },
        { type: "diagnosticResult", diagnosticId: args.diagnosticId, state: parsed.state, outcome: parsed.outcome, results },
      ],
    };
  },
  // A device that cannot say how its diagnostic went will not say it on a second read either.
  onFault(args, _state, fault) {
    const step = faultStep(fault);
    if (step.kind !== "failed") return step;
    return { ...step, retry: false, effects: [{ type: "diagnosticResult", diagnosticId: args.diagnosticId, state: "", outcome: "failed", results: null, fault: step.fault }] };
  },
};

export const diagnosticTasks = { diagnostic, diagnosticResults } as const;

export function isDiagnosticTask(name: string): name is keyof typeof diagnosticTasks {
  return name === "diagnostic" || name === "diagnosticResults";
}

/** Checks an internal diagnostic task's arguments; a message when they do not fit. */
export function diagnosticTaskProblems(name: keyof typeof diagnosticTasks, args: unknown): string | null {
  const schema = diagnosticTaskSchemas[name];
  return Value.Check(schema, args) ? null : [...Value.Errors(schema, args)].slice(0, 5).map((e) => `${e.path || "(arguments)"}: ${e.message}`).join("; ");
}
