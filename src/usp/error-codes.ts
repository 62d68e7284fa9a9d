// USP error codes (TR-369 1.4, "Error Codes"): the table, and helpers that build the Error message and
// the per-path errors of responses from it. Names are the spec's; meanings are ours, short.

import type { ErrorBody, ParamError } from "./types/messages.js";

export interface UspErrorCodeInfo {
  code: number;
  name: string;
  meaning: string;
  /** Where the code may travel: an Error message, a per-path error of a response, or a Record error. */
  use: "message" | "path" | "message-or-path" | "record";
}

const table: [number, string, UspErrorCodeInfo["use"], string][] = [
  [7000, "Message failed", "message", "a general failure, explained by err_msg"],
  [7001, "Message not supported", "message", "the receiver does not understand this message type"],
  [7002, "Request denied (no reason specified)", "message", "the request was refused for no given reason"],
  [7003, "Internal error", "message-or-path", "the receiver failed for a reason of its own"],
  [7004, "Invalid arguments", "message-or-path", "the message's arguments are wrong"],
  [7005, "Resources exceeded", "message-or-path", "the receiver lacks the resources to do this"],
  [7006, "Permission denied", "message-or-path", "the sender may not do this"],
  [7007, "Invalid configuration", "message-or-path", "the receiver's configuration prevents this"],
  [7008, "Invalid path syntax", "message-or-path", "a path is not a valid path expression"],
  [7009, "Parameter action failed", "message-or-path", "a parameter could not be read or written"],
  [7010, "Unsupported parameter", "path", "the data model has no such parameter"],
  [7011, "Invalid type", "path", "a value does not fit the parameter's type"],
  [7012, "Invalid value", "path", "a value is out of the parameter's range or enumeration"],
  [7013, "Attempt to update non-writeable parameter", "path", "the parameter is read-only"],
  [7014, "Value conflict", "path", "the value conflicts with another parameter's value"],
  [7015, "Operation error", "path", "a general failure of one operation"],
  [7016, "Object does not exist", "path", "no object matches the path"],
  [7017, "Object could not be created", "path", "the receiver could not create the object"],
  [7018, "Object is not a table", "path", "the path names an object that is not multi-instance"],
  [7019, "Attempt to create non-creatable object", "path", "the table does not allow adding instances"],
  [7020, "Object could not be updated", "path", "the object could not be changed"],
  [7021, "Required parameter failed", "path", "a parameter marked required could not be set"],
  [7022, "Command failure", "path", "a command failed"],
  [7023, "Command canceled", "path", "a command was canceled before it completed"],
  [7024, "Delete failure", "path", "the object could not be deleted"],
  [7025, "Object exists with duplicate key", "path", "another instance already has these unique keys"],
  [7026, "Invalid path", "path", "the path is well formed but names nothing the data model has"],
  [7027, "Invalid command arguments", "path", "a command's input arguments are wrong"],
  [7028, "Register failure", "message-or-path", "a Register could not be carried out"],
  [7029, "Already in use", "path", "the path is registered by another USP service"],
  [7030, "Deregister failure", "message-or-path", "a Deregister could not be carried out"],
  [7031, "Path already registered", "path", "this USP service registered the path before"],
  [7100, "Record could not be parsed", "record", "the bytes are not a USP Record"],
  [7101, "Secure session required", "record", "the receiver requires a secure session context"],
  [7102, "Secure session not supported", "record", "the receiver cannot establish a secure session"],
  [7103, "Segmentation and reassembly not supported", "record", "the receiver cannot reassemble segmented payloads"],
  [7104, "Invalid Record value", "record", "a Record field holds a value the protocol does not allow"],
  [7105, "Session Context terminated", "record", "the receiver ended the session context"],
  [7106, "Session Context not allowed", "record", "the receiver does not accept session context Records"],
];

const byCode = new Map(table.map(([code, name, use, meaning]) => [code, { code, name, use, meaning }] as const));

/** Every code the spec names, in order. */
export const uspErrorCodes: readonly UspErrorCodeInfo[] = [...byCode.values()];

/** The spec's name and meaning of a code, including the ranges it reserves. */
export function uspErrorInfo(code: number): UspErrorCodeInfo | undefined {
  const known = byCode.get(code);
  if (known) return known;
  if (code >= 7200 && code <= 7799) return { code, name: "Data model defined error", use: "path", meaning: "an error a data model defines" };
  if (code >= 7800 && code <= 7999) return { code, name: "Vendor defined error", use: "message-or-path", meaning: "an error a vendor defines" };
  return undefined;
}

/** Whether a code may travel in a USP Error message or a per-path error (7000-7999). */
export function isUspErrorCode(code: number): boolean {
  return Number.isInteger(code) && code >= 7000 && code <= 7999;
}

function messageFor(code: number, message: string | undefined): string {
  if (!isUspErrorCode(code)) throw new RangeError(`${code} is not a USP error code (7000-7999)`);
  return message ?? uspErrorInfo(code)?.name ?? `Error ${code}`;
}

/** A per-path error of an Error message or a response; its message defaults to the code's name. */
export function paramError(paramPath: string, errCode: number, errMsg?: string): ParamError {
  return { paramPath, errCode, errMsg: messageFor(errCode, errMsg) };
}

/** The body of a USP Error message; its message defaults to the code's name. */
export function errorBody(errCode: number, errMsg?: string, paramErrs: ParamError[] = []): ErrorBody {
  return { errCode, errMsg: messageFor(errCode, errMsg), paramErrs };
}
