// Between protobufjs messages and the codec's typed objects (src/usp/types/), walking a plan compiled
// once per schema type, so one walk serves every message: what protobuf alone does not enforce is
// checked here, on the way in (a remote error) and on the way out (a local error) alike.
//
// - Every oneof of these schemas is required by TR-369, so an unset one is refused, and so is an
//   absent message whose type holds one.
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

const enumFallbacks = new Map([
  ["usp.GetSupportedDMResp.ParamValueType", "PARAM_UNKNOWN"],
  ["usp.GetSupportedDMResp.ValueChangeType", "VALUE_CHANGE_UNKNOWN"],
  ["usp.GetSupportedDMResp.CmdType", "CMD_UNKNOWN"],
]);

const isEnum = (t: Type | Enum | null): t is Enum => t !== null && "values" in t && !("fields" in t);

/** What the walk needs of one field, worked out once. */
interface FieldPlan {
  name: string;
  repeated: boolean;
  map: boolean;
  /** The protobuf scalar type, for scalars. */
  scalar: string | undefined;
  long: boolean;
  enumName: string | undefined;
  enumValues: Readonly<Record<string, number>> | undefined;
  enumNames: Readonly<Record<number, string>> | undefined;
  enumFallback: string | undefined;
  message: TypePlan | undefined;
  requiredString: boolean;
  requiredMessage: boolean;
  /** The oneof it belongs to, and its index in TypePlan.oneofs. */
  oneof: string | undefined;
  oneofIndex: number;
}

export interface TypePlan {
  name: string;
  fields: FieldPlan[];
  oneofs: { name: string; members: string[] }[];
}

/** The plan of a type and every type it holds; shared types are planned once. */
export function planOf(type: Type, done = new Map<Type, TypePlan>()): TypePlan {
  const known = done.get(type);
  if (known) return known;
  const plan: TypePlan = { name: type.name, fields: [], oneofs: type.oneofsArray.map((o) => ({ name: o.name, members: [...o.oneof] })) };
  done.set(type, plan);
  for (const f of type.fieldsArray as Field[]) {
    const t = f.resolvedType;
    const full = f.fullName.slice(1);
    const message = t !== null && !isEnum(t) ? planOf(t, done) : undefined;
    plan.fields.push({
      name: f.name,
      repeated: f.repeated,
      map: f.map,
      scalar: t === null ? f.type : undefined,
      long: f.long,
      enumName: isEnum(t) ? t.name : undefined,
      enumValues: isEnum(t) ? t.values : undefined,
      enumNames: isEnum(t) ? t.valuesById : undefined,
      enumFallback: isEnum(t) ? enumFallbacks.get(t.fullName.slice(1)) : undefined,
      message,
      requiredString: requiredStrings.has(full),
      requiredMessage: !f.partOf && (requiredMessages.has(full) || (message !== undefined && message.oneofs.length > 0)),
      oneof: f.partOf?.name,
      oneofIndex: f.partOf ? plan.oneofs.findIndex((o) => o.name === f.partOf!.name) : -1,
    });
  }
  return plan;
}

/** Where the walk is, kept as a stack and spelled out only for an error. */
class Where {
  readonly #steps: (string | number)[] = [];
  push(step: string | number): void {
    this.#steps.push(step);
  }
  pop(): void {
    this.#steps.pop();
  }
  fail(code: Problem["code"], message: string): never {
    const path = this.#steps.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
    throw new ProblemFound({ code, message, path });
  }
}

/** `each` over a list, with the index on the walk's path. */
function eachAt(list: readonly unknown[], where: Where, each: (x: unknown) => unknown): unknown[] {
  const out = new Array<unknown>(list.length);
  for (let i = 0; i < list.length; i++) {
    where.push(i);
    out[i] = each(list[i]);
    where.pop();
  }
  return out;
}

// Decoding: a message protobufjs decoded (unset fields read its prototype's defaults, and each oneof's
// name reads which member is set) to the typed form, in one pass.

function readValue(f: FieldPlan, value: unknown, where: Where): unknown {
  if (f.message) return readPlanned(f.message, value as Record<string, unknown>, where);
  if (f.enumNames) {
    const name = f.enumNames[value as number];
    if (name !== undefined) return name;
    if (f.enumFallback === undefined) where.fail("UNKNOWN_ENUM", `${String(value)} is not a value of ${f.enumName}`);
    return f.enumFallback;
  }
  // uint64 arrives as a Long (unsigned, so its decimal is exact) or, when small, a number.
  if (f.long) return BigInt(String(value));
  if (f.scalar === "bytes") return new Uint8Array(value as Uint8Array);
  return value;
}

function readPlanned(plan: TypePlan, o: Record<string, unknown>, where: Where): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Each oneof's name is a getter that looks through its members: read it once.
  const chosen = plan.oneofs.length === 0 ? undefined : plan.oneofs.map((x) => o[x.name]);
  for (const f of plan.fields) {
    if (f.oneofIndex >= 0 && chosen![f.oneofIndex] !== f.name) continue;
    const v = o[f.name];
    where.push(f.name);
    if (v === null || v === undefined) {
      if (f.requiredMessage) where.fail("MISSING_FIELD", `${f.name} is required`);
    } else if (f.map) out[f.name] = { ...(v as Record<string, string>) };
    else if (f.repeated) out[f.name] = eachAt(v as unknown[], where, (x) => readValue(f, x, where));
    else {
      if (v === "" && f.requiredString) where.fail("MISSING_FIELD", `${f.name} must not be empty`);
      out[f.name] = readValue(f, v, where);
    }
    where.pop();
  }
  plan.oneofs.forEach((oneof, i) => {
    if (typeof chosen![i] !== "string") {
      where.push(oneof.name);
      where.fail("MISSING_FIELD", `one of ${oneof.members.join(", ")} is required`);
    }
    out[oneof.name] = chosen![i];
  });
  return out;
}

/** The typed form of a message protobufjs decoded, checked; throws ProblemFound. */
export function readObject(plan: TypePlan, o: Record<string, unknown>): Record<string, unknown> {
  return readPlanned(plan, o, new Where());
}

// Encoding: the typed form to a plain object protobufjs's fromObject takes without losing anything.

const U32 = 0xffffffff;
const U64 = (1n << 64n) - 1n;

function writeScalar(f: FieldPlan, v: unknown, where: Where): unknown {
  const bad = (what: string): never => where.fail("INVALID_FIELD", `${f.name} must be ${what}`);
  switch (f.scalar) {
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
      return bad(`of type ${f.scalar}, which the codec does not write`);
  }
}

function writeValue(f: FieldPlan, v: unknown, where: Where): unknown {
  if (f.message) {
    if (typeof v !== "object" || v === null || Array.isArray(v)) where.fail("INVALID_FIELD", `${f.name} must be an object`);
    return writePlanned(f.message, v as Record<string, unknown>, where);
  }
  if (f.enumValues) {
    if (typeof v !== "string" || !Object.hasOwn(f.enumValues, v)) where.fail("INVALID_FIELD", `${String(v)} is not a value of ${f.enumName}`);
    return f.enumValues[v];
  }
  return writeScalar(f, v, where);
}

function writePlanned(plan: TypePlan, o: Record<string, unknown>, where: Where): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of plan.fields) {
    const v = o[f.name];
    where.push(f.name);
    if (v === undefined || v === null) {
      if (f.requiredMessage) where.fail("MISSING_FIELD", `${f.name} is required`);
      if (f.requiredString) where.fail("MISSING_FIELD", `${f.name} must not be empty`);
    } else {
      if (f.oneof !== undefined && o[f.oneof] !== undefined && o[f.oneof] !== f.name) {
        where.fail("INVALID_FIELD", `${f.name} is set but ${f.oneof} says ${String(o[f.oneof])}`);
      }
      if (f.map) {
        if (typeof v !== "object" || Array.isArray(v)) where.fail("INVALID_FIELD", `${f.name} must be an object of strings`);
        for (const [k, x] of Object.entries(v)) if (typeof x !== "string") where.fail("INVALID_FIELD", `${f.name}.${k} must be a string`);
        out[f.name] = v;
      } else if (f.repeated) {
        if (!Array.isArray(v)) where.fail("INVALID_FIELD", `${f.name} must be an array`);
        out[f.name] = eachAt(v, where, (x) => writeValue(f, x, where));
      } else {
        if (v === "" && f.requiredString) where.fail("MISSING_FIELD", `${f.name} must not be empty`);
        out[f.name] = writeValue(f, v, where);
      }
    }
    where.pop();
  }
  for (const oneof of plan.oneofs) {
    let set = 0;
    for (const m of oneof.members) if (out[m] !== undefined) set++;
    if (set !== 1) {
      where.push(oneof.name);
      where.fail(set === 0 ? "MISSING_FIELD" : "INVALID_FIELD", `exactly one of ${oneof.members.join(", ")} is required, ${set} set`);
    }
  }
  return out;
}

/** The plain object for protobufjs of a typed object, checked; throws ProblemFound. */
export function writeObject(plan: TypePlan, o: Record<string, unknown>): Record<string, unknown> {
  return writePlanned(plan, o, new Where());
}
