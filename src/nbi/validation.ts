// Request validation and response checking with TypeBox's compiler (fastify's validator and serializer
// compilers): schemas are compiled once, when the routes are registered.
//
// Query strings, path parameters and headers are text: they are converted to the schema's types (and
// given its defaults) before the check. Bodies are JSON: defaults only. An error names each field
// that failed and why. A union marked with `discriminator` (the task kinds) is checked against the
// variant its discriminating property names, so that errors speak of that variant's fields.

import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { TypeCompiler, ValueErrorType, type TypeCheck } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import { ApiError } from "./errors.js";

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The string formats the schemas use. TypeBox keeps formats in a registry of its own (shared by the
 * process); registering the same checks again is harmless, so every app does it when it is built.
 */
export function registerFormats(): void {
  if (!FormatRegistry.Has("date-time")) FormatRegistry.Set("date-time", (v) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));
}

export interface FieldProblem {
  /** Where: body, querystring, params or headers. */
  in: string;
  /** The field, dotted ("parameterValues[0].value"); "" for the whole part. */
  field: string;
  message: string;
}

function fieldOf(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((seg) => seg.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((out, seg) => (/^\d+$/.test(seg) ? `${out}[${seg}]` : out === "" ? seg : `${out}.${seg}`), "");
}

interface Discriminated {
  property: string;
  variants: Map<string, TypeCheck<TSchema>>;
  names: string[];
}

function discriminated(schema: TSchema): Discriminated | null {
  const prop = (schema as { discriminator?: { propertyName?: string } }).discriminator?.propertyName;
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (prop === undefined || anyOf === undefined) return null;
  const variants = new Map<string, TypeCheck<TSchema>>();
  for (const v of anyOf) {
    const c = (v as { properties?: Record<string, { const?: unknown }> }).properties?.[prop]?.const;
    if (typeof c === "string") variants.set(c, TypeCompiler.Compile(v));
  }
  return { property: prop, variants, names: [...variants.keys()] };
}

function problems(part: string, check: TypeCheck<TSchema>, value: unknown, d: Discriminated | null, schema: TSchema): FieldProblem[] {
  if (d !== null && (value === null || typeof value !== "object" || Array.isArray(value))) return [{ in: part, field: "", message: "Expected a JSON object" }];
  if (d !== null && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const tag = (value as Record<string, unknown>)[d.property];
    const variant = typeof tag === "string" ? d.variants.get(tag) : undefined;
    if (variant === undefined) {
      return [{ in: part, field: d.property, message: `must be one of ${d.names.join(", ")}${tag === undefined ? "" : ` (got ${JSON.stringify(tag)})`}` }];
    }
    check = variant;
  }
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of check.Errors(value)) {
    const field = fieldOf(e.path);
    const key = `${field}\0${e.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (part === "querystring" && e.type === ValueErrorType.ObjectAdditionalProperties) {
      const known = Object.keys((schema as { properties?: Record<string, unknown> }).properties ?? {});
      out.push({ in: part, field, message: `unknown query parameter; this endpoint takes ${known.length > 0 ? known.join(", ") : "none"}` });
      continue;
    }
    out.push({ in: part, field, message: e.message });
    if (out.length >= 10) break;
  }
  return out;
}

export function validationError(list: FieldProblem[]): ApiError {
  const first = list[0];
  const where = first === undefined ? "the request" : first.field === "" ? first.in : `${first.in}.${first.field}`;
  const more = list.length > 1 ? ` (and ${list.length - 1} more)` : "";
  return new ApiError("VALIDATION", `${where}: ${first?.message ?? "invalid"}${more}`, list);
}

/** fastify's validatorCompiler. */
export function compileValidator(schema: TSchema, httpPart: string | undefined): (data: unknown) => { value: unknown } | { error: Error } {
  const check = TypeCompiler.Compile(schema);
  const d = discriminated(schema);
  const part = httpPart ?? "body";
  const textual = part !== "body";
  return (data: unknown) => {
    let value: unknown = data;
    if (textual) {
      value = Value.Convert(schema, Value.Default(schema, Value.Clone(data ?? {})));
    } else if (value === undefined || value === null) {
      // No body at all: an endpoint whose fields are all optional takes it as {} (a dry run of what
      // matches); one that needs fields says so rather than "Expected object".
      const empty = Value.Default(schema, {});
      if (check.Check(empty)) return { value: empty };
      return { error: validationError([{ in: "body", field: "", message: "a JSON body is required" }]) };
    } else {
      value = Value.Default(schema, value);
    }
    if (check.Check(value)) return { value };
    return { error: validationError(problems(part, check, value, d, schema)) };
  };
}

export class ResponseSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ResponseSchemaError";
  }
}

/** fastify's serializerCompiler: JSON, after checking against the schema when `strict`. */
export function compileSerializer(schema: TSchema, strict: boolean): (data: unknown) => string {
  const check = strict ? TypeCompiler.Compile(schema) : null;
  return (data: unknown) => {
    if (check !== null && !check.Check(data)) {
      const e = check.Errors(data).First();
      throw new ResponseSchemaError(`the response does not fit its schema: ${e ? `${fieldOf(e.path) || "(root)"}: ${e.message}` : "?"}`);
    }
    return JSON.stringify(data);
  };
}
