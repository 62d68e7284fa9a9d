// From a diagnostic's arguments to the values that start it on a device, and from what the device
// reports back to a typed result. Pure: the session's diagnostic tasks and the tests use it.

import { Value } from "@sinclair/typebox/value";
import { fromJs, type ParameterValueStruct } from "../cwmp/index.js";
import { argsSchema, kindDefs, nameIn, typeIn, type DiagnosticKind, type KindModel, type ValueKind } from "./kinds.js";

export type ResultValue = string | number | boolean | null | (string | number)[];

/** complete: the device reported success; error: an Error_* state; cancelled: None/Canceled (another request replaced it); running: Requested. */
export type DiagnosticOutcome = "complete" | "error" | "cancelled" | "running";

export interface ParsedResult {
  /** DiagnosticsState as the device reported it. */
  state: string;
  outcome: DiagnosticOutcome;
  results: Record<string, ResultValue>;
  tables: Record<string, Record<string, ResultValue>[]>;
}

/** What is wrong with a kind's arguments, or null when they fit its schema. */
export function argsProblems(kind: DiagnosticKind, args: unknown): string | null {
  const schema = argsSchema(kind);
  if (Value.Check(schema, args)) return null;
  return [...Value.Errors(schema, args)].slice(0, 5).map((e) => `${e.path || "(args)"}: ${e.message}`).join("; ");
}

/**
 * The SetParameterValues list that starts the diagnostic: its inputs, then DiagnosticsState=Requested
 * (in one request, so the device starts it with these inputs). A message instead when an input given
 * does not exist in the device's data model.
 */
export function requestValues(kind: DiagnosticKind, model: KindModel, args: Record<string, unknown>): ParameterValueStruct[] | string {
  const def = kindDefs[kind];
  const out: ParameterValueStruct[] = [];
  for (const [name, value] of Object.entries(args)) {
    const input = def.inputs[name];
    if (input === undefined || value === undefined || input.local === true) continue;
    const param = nameIn(model, name);
    if (param === null) return `${name} is not defined for this diagnostic in the device's data model (${model.object})`;
    const js = input.list === true ? (value as string[]).join(",") : (value as string | number | boolean);
    out.push({ name: model.object + param, value: fromJs(typeIn(model, name, input), js) });
  }
  out.push({ name: model.object + "DiagnosticsState", value: fromJs("xsd:string", "Requested") });
  return out;
}

export function outcomeOf(state: string, model: KindModel): DiagnosticOutcome {
  if (state === model.complete || state === "Complete" || state === "Completed") return "complete";
  if (state.startsWith("Error")) return "error";
  return state === "Requested" ? "running" : "cancelled";
}

function typed(kind: ValueKind, text: string): ResultValue {
  switch (kind) {
    case "uint":
    case "int":
    case "ulong": {
      const n = Number(text);
      return text.trim() === "" || !Number.isFinite(n) ? null : n;
    }
    case "bool":
      return text === "true" || text === "1";
    case "dateTime": {
      // The unknown time (0001-01-01) and unparseable text are no time at all. The device's text is kept
      // otherwise: TR-143's times carry microseconds, which a Date would drop.
      const t = Date.parse(text);
      return Number.isNaN(t) || text.startsWith("0001-") ? null : text.trim();
    }
    case "list":
      return text === "" ? [] : text.split(",").map((s) => s.trim());
    case "uintList":
      return text === "" ? [] : text.split(",").map((s) => Number(s.trim())).filter((n) => Number.isFinite(n));
    case "string":
      return text;
  }
}

/** Reads a diagnostic's outcome from the values under its object (one GetParameterValues of it). */
export function parseResults(kind: DiagnosticKind, model: KindModel, values: readonly { name: string; text: string }[]): ParsedResult {
  const def = kindDefs[kind];
  const byName = new Map(values.map((v) => [v.name, v.text]));
  const state = byName.get(model.object + "DiagnosticsState") ?? "";
  const results: Record<string, ResultValue> = {};
  for (const [key, vk] of Object.entries(def.results)) {
    const param = nameIn(model, key);
    const text = param === null ? undefined : byName.get(model.object + param);
    if (text !== undefined) results[key] = typed(vk, text);
  }
  const tables: Record<string, Record<string, ResultValue>[]> = {};
  for (const [table, fields] of Object.entries(def.tables)) {
    const rows = new Map<number, Record<string, ResultValue>>();
    const prefix = `${model.object}${table}.`;
    for (const v of values) {
      if (!v.name.startsWith(prefix)) continue;
      const m = /^(\d+)\.([A-Za-z0-9_]+)$/.exec(v.name.slice(prefix.length));
      if (m === null) continue;
      const field = Object.keys(fields).find((f) => nameIn(model, `${table}.${f}`) === m[2]);
      if (field === undefined) continue;
      const n = Number(m[1]);
      const row = rows.get(n) ?? {};
      row[field] = typed(fields[field]!, v.text);
      rows.set(n, row);
    }
    if (rows.size > 0) tables[table] = [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  }
  return { state, outcome: outcomeOf(state, model), results, tables };
}
