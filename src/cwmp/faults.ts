// CWMP fault codes (TR-069 Amendment 6, A.5.1 and A.5.2) and a builder for Fault messages.

import type { Fault, SetParameterValuesFaultStruct } from "./types.js";

/** ACS fault codes, answered by the ACS to a CPE's request. */
export const acsFaults: Readonly<Record<number, string>> = {
  8000: "Method not supported",
  8001: "Request denied (no reason specified)",
  8002: "Internal error",
  8003: "Invalid arguments",
  8004: "Resources exceeded",
  8005: "Retry request",
  8006: "ACS version incompatible with CPE",
};

/** CPE fault codes, answered by a CPE to the ACS's request. */
export const cpeFaults: Readonly<Record<number, string>> = {
  9000: "Method not supported",
  9001: "Request denied (no reason specified)",
  9002: "Internal error",
  9003: "Invalid arguments",
  9004: "Resources exceeded",
  9005: "Invalid parameter name",
  9006: "Invalid parameter type",
  9007: "Invalid parameter value",
  9008: "Attempt to set a non-writable parameter",
  9009: "Notification request rejected",
  9010: "File transfer failure",
  9011: "Upload failure",
  9012: "File transfer server authentication failure",
  9013: "Unsupported protocol for file transfer",
  9014: "File transfer failure: unable to join multicast group",
  9015: "File transfer failure: unable to contact file server",
  9016: "File transfer failure: unable to access file",
  9017: "File transfer failure: unable to complete download",
  9018: "File transfer failure: file corrupted or otherwise unusable",
  9019: "File transfer failure: file authentication failure",
  9020: "File transfer failure: unable to complete download within specified time windows",
  9021: "Cancelation of file transfer not permitted in current transfer state",
  9022: "Invalid UUID format",
  9023: "Unknown Execution Environment",
  9024: "Disabled Execution Environment",
  9025: "Deployment Unit to Execution Environment mismatch",
  9026: "Duplicate Deployment Unit",
  9027: "System resources exceeded",
  9028: "Unknown Deployment Unit",
  9029: "Invalid Deployment Unit state",
  9030: "Invalid Deployment Unit Update: downgrade not permitted",
  9031: "Invalid Deployment Unit Update: version not specified",
  9032: "Invalid Deployment Unit Update: version already exists",
};

/** The standard text of a fault code, or a description of its range for vendor and extension codes. */
export function faultName(code: number): string {
  const known = acsFaults[code] ?? cpeFaults[code];
  if (known !== undefined) return known;
  if (code >= 8800 && code <= 8899) return "Vendor-defined ACS fault";
  if (code >= 9800 && code <= 9899) return "Vendor-defined CPE fault";
  if (code >= 9033 && code <= 9799) return "Reserved CPE fault (future extension)";
  if (code >= 8007 && code <= 8799) return "Reserved ACS fault (future extension)";
  return "Unknown fault";
}

/** The SOAP faultcode for a CWMP fault: the request's sender is to blame ("Client") or not ("Server"). */
export function soapFaultCode(code: number): "Client" | "Server" {
  switch (code) {
    case 8002: case 8004: case 8005: case 9002: case 9004: case 9010: case 9011: case 9017: case 9027:
      return "Server";
    default:
      return "Client";
  }
}

export function cwmpFault(code: number, faultString = faultName(code), setParameterValuesFault?: SetParameterValuesFaultStruct[]): Fault {
  return {
    method: "Fault",
    faultcode: soapFaultCode(code),
    faultstring: "CWMP fault",
    detail: { faultCode: code, faultString, ...(setParameterValuesFault && setParameterValuesFault.length > 0 ? { setParameterValuesFault } : {}) },
  };
}

/** How a received fault is recorded: "cwmp.9005", or "cwmp.unreadable" when its code could not be read. */
export function faultCodeName(fault: Fault): string {
  return fault.unreadable !== undefined ? "cwmp.unreadable" : `cwmp.${fault.detail.faultCode}`;
}

/** A received fault's message, saying what came when its code could not be read. */
export function faultMessage(fault: Fault): string {
  if (fault.unreadable !== undefined) {
    return `unreadable CWMP fault (faultcode ${JSON.stringify(fault.unreadable.faultcode)}, faultstring ${JSON.stringify(fault.unreadable.faultstring)})`;
  }
  return fault.detail.faultString || fault.faultstring;
}
