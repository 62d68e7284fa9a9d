// Typing the values a task sets: the type given with the value (resolved when the task was created,
// from what the device reported or the standard data model), else one inferred from the JSON value.

import { fromJs, type ParameterValueStruct, type XsdType } from "../../cwmp/index.js";

export interface ValueArg {
  name: string;
  value: string | number | boolean;
  type?: XsdType;
}

function inferType(value: string | number | boolean): XsdType {
  if (typeof value === "boolean") return "xsd:boolean";
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return "xsd:decimal";
    if (value >= 0 && value <= 4294967295) return "xsd:unsignedInt";
    return value >= -2147483648 && value <= 2147483647 ? "xsd:int" : "xsd:long";
  }
  return "xsd:string";
}

/** Builds typed values; returns a message instead when a value cannot be of its type. */
export function typedValues(args: ValueArg[], prefix = ""): ParameterValueStruct[] | string {
  const out: ParameterValueStruct[] = [];
  for (const a of args) {
    const type = a.type ?? inferType(a.value);
    try {
      out.push({ name: prefix + a.name, value: fromJs(type, a.value) });
    } catch (err) {
      return `value for ${prefix + a.name}: ${(err as Error).message}`;
    }
  }
  return out;
}
