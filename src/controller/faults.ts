// USP error codes as the CWMP session engine reads them: each USP error an agent answers with becomes
// the CWMP fault code that means the same to a task, so that retries, task faults and the console read a
// USP device's failures as a CWMP one's. docs/usp.md has the table.

import { cwmpFault, type Fault, type SetParameterValuesFaultStruct } from "../cwmp/index.js";
import { uspErrorInfo } from "../usp/index.js";

const TO_CWMP: Readonly<Record<number, number>> = {
  7000: 9002, // Message failed → Internal error
  7001: 9000, // Message not supported → Method not supported
  7002: 9001, // Request denied → Request denied
  7003: 9002, // Internal error
  7004: 9003, // Invalid arguments
  7005: 9004, // Resources exceeded
  7006: 9001, // Permission denied → Request denied
  7007: 9002, // Invalid configuration → Internal error
  7008: 9005, // Invalid path syntax → Invalid parameter name
  7009: 9002, // Parameter action failed → Internal error
  7010: 9005, // Unsupported parameter → Invalid parameter name
  7011: 9006, // Invalid type → Invalid parameter type
  7012: 9007, // Invalid value → Invalid parameter value
  7013: 9008, // Non-writeable parameter → Attempt to set a non-writable parameter
  7014: 9007, // Value conflict → Invalid parameter value
  7015: 9002, // Operation error → Internal error
  7016: 9005, // Object does not exist → Invalid parameter name
  7017: 9004, // Object could not be created → Resources exceeded
  7018: 9005, // Object is not a table → Invalid parameter name
  7019: 9005, // Non-creatable object → Invalid parameter name
  7020: 9002, // Object could not be updated → Internal error
  7021: 9002, // Required parameter failed → Internal error
  7022: 9002, // Command failure → Internal error (a Download's: 9010)
  7023: 9002, // Command canceled → Internal error
  7024: 9002, // Delete failure → Internal error
  7025: 9007, // Duplicate unique key → Invalid parameter value
  7026: 9005, // Invalid path → Invalid parameter name
  7027: 9003, // Invalid command arguments → Invalid arguments
};

/** The CWMP fault code a USP error code means; 9002 (Internal error) for any code without a counterpart. */
export function cwmpFaultCodeOf(uspErrCode: number): number {
  return TO_CWMP[uspErrCode] ?? 9002;
}

/** Every mapped code, for the docs' table and its test. */
export const uspToCwmpFaults: readonly [number, number][] = Object.entries(TO_CWMP).map(([u, c]) => [Number(u), c]);

/** A CWMP Fault for a USP error: the mapped code, and a string that keeps the USP code and message. */
export function faultOfUspError(errCode: number, errMsg: string, setFaults?: SetParameterValuesFaultStruct[], code = cwmpFaultCodeOf(errCode)): Fault {
  return cwmpFault(code, describe(errCode, errMsg), setFaults);
}

/** "USP 7026 Invalid path: <message>". */
export function describe(errCode: number, errMsg: string): string {
  const name = uspErrorInfo(errCode)?.name ?? "error";
  return `USP ${errCode} ${name}${errMsg === "" ? "" : `: ${errMsg}`}`;
}

/** The fault of a CWMP RPC that USP has nothing for: the task fails with it, clearly, instead of being dropped. */
export function notSupported(method: string, detail = ""): Fault {
  return cwmpFault(9000, `${method} is not supported by USP devices${detail === "" ? "" : ` (${detail})`}`);
}
