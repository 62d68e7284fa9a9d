// Bytes to typed objects and back for one schema type: size limit, protobufjs's decoder with every
// error it can throw turned into UspRemoteError, the schema walk (convert.ts), then the caller's checks.

import { ProblemFound, readObject, writeObject, type Problem, type TypePlan } from "./convert.js";
import { UspLocalError, UspRemoteError, type UspRemoteErrorCode } from "./errors.js";
import type { Type } from "./schema/index.js";

/** Records and Msgs larger than this are refused unless the caller allows more. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

export interface DecodeOptions {
  /** Refuse inputs longer than this many bytes (default DEFAULT_MAX_BYTES). */
  maxBytes?: number;
}

/** The USP error codes a decoder answers with: bytes that are not the type, and values it refuses. */
export interface ErrCodes {
  malformed: number;
  /** The error's code and USP error code for a value the checks refuse. */
  invalid: (problem: Problem) => { code: UspRemoteErrorCode; uspErrCode: number };
}

/** Semantic checks past the schema walk; returns the first problem found. */
export type Check<T> = (value: T) => Problem | undefined;

export function decodeAs<T>(type: Type, plan: TypePlan, bytes: Uint8Array, options: DecodeOptions, codes: ErrCodes, check: Check<T>): T {
  if (!(bytes instanceof Uint8Array)) throw new UspLocalError("DECODE_ARGUMENT", "decode takes a Uint8Array");
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > max) throw new UspRemoteError("TOO_LARGE", `${bytes.length} bytes, more than the limit of ${max}`, codes.malformed);
  let plain: Record<string, unknown>;
  try {
    plain = type.decode(bytes) as unknown as Record<string, unknown>;
  } catch (e) {
    // protobufjs throws plain Errors and RangeErrors for truncated or ill-typed wire data.
    throw new UspRemoteError("MALFORMED", `not a ${type.name}: ${e instanceof Error ? e.message : String(e)}`, codes.malformed);
  }
  let value: T;
  try {
    value = readObject(plan, plain) as T;
  } catch (e) {
    if (e instanceof ProblemFound) throw remote(e.problem, codes);
    throw e;
  }
  const problem = check(value);
  if (problem) throw remote(problem, codes);
  return value;
}

function remote(p: Problem, codes: ErrCodes): UspRemoteError {
  const { code, uspErrCode } = codes.invalid(p);
  return new UspRemoteError(code, p.message, uspErrCode, p.path);
}

export function encodeAs<T>(type: Type, plan: TypePlan, value: T, check: Check<T>): Uint8Array {
  if (typeof value !== "object" || value === null) throw new UspLocalError("ENCODE_INVALID", `a ${type.name} must be an object`);
  let plain: Record<string, unknown>;
  try {
    plain = writeObject(plan, value as Record<string, unknown>);
  } catch (e) {
    if (e instanceof ProblemFound) throw new UspLocalError("ENCODE_INVALID", e.problem.message, e.problem.path);
    throw e;
  }
  const problem = check(value);
  if (problem) throw new UspLocalError("ENCODE_INVALID", problem.message, problem.path);
  const out = type.encode(type.fromObject(plain)).finish();
  // A plain Uint8Array over protobufjs's Buffer, so what encode gives and decode takes compare equal.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
