// Between protobufjs messages and the codec's typed objects (src/usp/types/), walking the schema, so
// one walk serves every message: what protobuf alone does not enforce is checked here, on the way in
// (a remote error) and on the way out (a local error) alike.
//
// - Every oneof of these schemas is required by TR-369, so an unset one is refused.
// - Strings the spec requires are refused when empty (`requiredStrings`).
// - An enum value this schema does not define falls back to the enum's "unknown" member where the
//   enum has one; elsewhere it is refused, since no reading of it is safe.

import type { Enum, Field, Type } from "protobufjs/light.js";

export interface Problem {
  code: "UNKNOWN_ENUM" | "MISSING_FIELD" | "INVALID_FIELD";
  message: string;
  path: string;
}

export class ProblemFound extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

function fail(code: Problem["code"], message: string, path: string): never {
  throw new ProblemFound({ code, message, path });
}

const requiredStrings = new Set([
  "usp_record.Record.version",
  "usp_record.Record.toId",
  "usp_record.Record.fromId",
  "usp_record.MQTTConnectRecord.subscribedTopic",
  "usp_record.STOMPConnectRecord.subscribedDestination",
  "usp.Header.msgId",
  "usp.Set.UpdateObject.objPath",
  "usp.Set.UpdateParamSetting.param",
  "usp.Add.CreateObject.objPath",
  "usp.Add.CreateParamSetting.param",
  "usp.Operate.command",
]);

const requiredMessages = new Set(["usp.Msg.header", "usp.Msg.body"]);

/** A message field is required when the spec says so or when its type holds a (required) oneof. */
function isRequiredMessage(field: Field): boolean {
  const t = field.resolvedType;
  return requiredMessages.has(nameOf(field)) || (t !== null && !isEnum(t) && t.oneofsArray.length > 0);
}

const enumFallbacks = new Map([
  ["usp.GetSupportedDMResp.ParamValueType", "PARAM_UNKNOWN"],
  ["usp.GetSupportedDMResp.ValueChangeType", "VALUE_CHANGE_UNKNOWN"],
  ["usp.GetSupportedDMResp.CmdType", "CMD_UNKNOWN"],
]);

const nameOf = (f: Field | Enum | Type) => f.fullName.slice(1);
const isEnum = (t: Type | Enum | null): t is Enum => t !== null && "values" in t && !("fields" in t);

// Decoding: protobufjs's plain object (toObject with the options below) to the typed form.

export const toObjectOptions = { longs: String, enums: String, defaults: true, arrays: true, objects: true, oneofs: true } as const;

function readValue(field: Field, value: unknown, path: string): unknown {
  const t = field.resolvedType;
  if (t === null) {
    if (field.long) return BigInt(value as string);
    if (field.type === "bytes") return new Uint8Array(value as Uint8Array);
    return value;
  }
  if (isEnum(t)) {
    if (typeof value === "string") return value;
    const fallback = enumFallbacks.get(nameOf(t));
    if (fallback === undefined) fail("UNKNOWN_ENUM", `${String(value)} is not a value of ${t.name}`, path);
    return fallback;
  }
  if (value === null) {
    if (isRequiredMessage(field)) fail("MISSING_FIELD", `${field.name} is required`, path);
    return undefined;
  }
  return readObject(t, value as Record<string, unknown>, path);
}

/** The typed form of a decoded object, checked; throws ProblemFound. */
export function readObject(type: Type, o: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const v = o[field.name];
    const at = path ? `${path}.${field.name}` : field.name;
    if (v === undefined) continue;
    if (field.map) out[field.name] = v;
    else if (field.repeated) out[field.name] = (v as unknown[]).map((x, i) => readValue(field, x, `${at}[${i}]`));
    else {
      const r = readValue(field, v, at);
      if (r !== undefined) out[field.name] = r;
    }
    if (v === "" && requiredStrings.has(nameOf(field))) fail("MISSING_FIELD", `${field.name} must not be empty`, at);
  }
  for (const oneof of type.oneofsArray) {
    const chosen = o[oneof.name];
    if (typeof chosen !== "string") fail("MISSING_FIELD", `one of ${oneof.oneof.join(", ")} is required`, path ? `${path}.${oneof.name}` : oneof.name);
    out[oneof.name] = chosen;
  }
  return out;
}

// Encoding: the typed form to a plain object protobufjs's fromObject takes without losing anything.

const U32 = 0xffffffff;
const U64 = (1n << 64n) - 1n;

function writeScalar(field: Field, v: unknown, at: string): unknown {
  const bad = (what: string): never => fail("INVALID_FIELD", `${field.name} must be ${what}`, at);
  switch (field.type) {
    case "string":
      return typeof v === "string" ? v : bad("a string");
    case "bool":
      return typeof v === "boolean" ? v : bad("a boolean");
    case "fixed32":
    case "uint32":
      return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= U32 ? v : bad("an integer from 0 to 4294967295");
    case "uint64":
      if (typeof v === "bigint" && v >= 0n && v <= U64) return v.toString();
      return Number.isSafeInteger(v) && (v as number) >= 0 ? String(v) : bad("a bigint from 0 to 2^64-1");
    case "bytes":
      return v instanceof Uint8Array ? v : bad("a Uint8Array");
    default:
      return bad(`of type ${field.type}, which the codec does not write`);
  }
}

function writeValue(field: Field, v: unknown, at: string): unknown {
  const t = field.resolvedType;
  if (t === null) return writeScalar(field, v, at);
  if (isEnum(t)) {
    if (typeof v !== "string" || !Object.hasOwn(t.values, v)) fail("INVALID_FIELD", `${String(v)} is not a value of ${t.name}`, at);
    return t.values[v];
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail("INVALID_FIELD", `${field.name} must be an object`, at);
  return writeObject(t, v as Record<string, unknown>, at);
}

/** The plain object for protobufjs of a typed object, checked; throws ProblemFound. */
export function writeObject(type: Type, o: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const v = o[field.name];
    const at = path ? `${path}.${field.name}` : field.name;
    if (v === undefined || v === null) {
      if (!field.partOf && field.resolvedType !== null && isRequiredMessage(field)) fail("MISSING_FIELD", `${field.name} is required`, at);
      if (requiredStrings.has(nameOf(field))) fail("MISSING_FIELD", `${field.name} must not be empty`, at);
      continue;
    }
    if (field.partOf && o[field.partOf.name] !== undefined && o[field.partOf.name] !== field.name) {
      fail("INVALID_FIELD", `${field.name} is set but ${field.partOf.name} says ${String(o[field.partOf.name])}`, at);
    }
    if (field.map) {
      if (typeof v !== "object" || Array.isArray(v)) fail("INVALID_FIELD", `${field.name} must be an object of strings`, at);
      for (const [k, x] of Object.entries(v)) if (typeof x !== "string") fail("INVALID_FIELD", `${field.name}.${k} must be a string`, at);
      out[field.name] = v;
    } else if (field.repeated) {
      if (!Array.isArray(v)) fail("INVALID_FIELD", `${field.name} must be an array`, at);
      out[field.name] = v.map((x, i) => writeValue(field, x, `${at}[${i}]`));
    } else {
      out[field.name] = writeValue(field, v, at);
    }
    if (v === "" && requiredStrings.has(nameOf(field))) fail("MISSING_FIELD", `${field.name} must not be empty`, at);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((name) => out[name] !== undefined);
    if (set.length !== 1) fail(set.length === 0 ? "MISSING_FIELD" : "INVALID_FIELD", `exactly one of ${oneof.oneof.join(", ")} is required, ${set.length} set`, path ? `${path}.${oneof.name}` : oneof.name);
  }
  return out;
}
