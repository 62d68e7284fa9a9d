// Answers to what a CPE may ask of the ACS (TR-069 A.3.2), with the effects that record them.

import { cwmpFault, methodDefinedIn, type CwmpMessage, type CwmpNamespaceVersion } from "../cwmp/index.js";
import type { Effect } from "./effects.js";

const ACS_METHODS = [
  "Inform",
  "GetRPCMethods",
  "TransferComplete",
  "AutonomousTransferComplete",
  "RequestDownload",
  "Kicked",
  "DUStateChangeComplete",
  "AutonomousDUStateChangeComplete",
] as const;

/** The methods this ACS supports in a namespace, for a CPE's GetRPCMethods. */
export function acsMethods(ns: CwmpNamespaceVersion): string[] {
  return ACS_METHODS.filter((m) => methodDefinedIn(m, ns));
}

export function isCpeRequest(m: CwmpMessage): boolean {
  switch (m.method) {
    case "TransferComplete":
    case "AutonomousTransferComplete":
    case "GetRPCMethods":
    case "RequestDownload":
    case "Kicked":
    case "DUStateChangeComplete":
    case "AutonomousDUStateChangeComplete":
    case "Unknown":
      return true;
    default:
      return false;
  }
}

export function answerCpeRequest(m: CwmpMessage, ns: CwmpNamespaceVersion): { reply: CwmpMessage; effects: Effect[] } {
  // A request the session's version does not define (a CPE writing cwmp-1-2 in a cwmp-1-0 session) has
  // no response in that version either: it is not supported there, and nothing of it is recorded.
  if (m.method !== "Unknown" && isCpeRequest(m) && !methodDefinedIn(m.method, ns)) {
    return { reply: cwmpFault(8000, `Method not supported in cwmp-${ns}: ${m.method}`), effects: [] };
  }
  switch (m.method) {
    case "TransferComplete":
      return {
        reply: { method: "TransferCompleteResponse" },
        effects: [{ type: "transferComplete", commandKey: m.commandKey, fault: m.faultStruct, startTime: m.startTime, completeTime: m.completeTime }],
      };
    case "AutonomousTransferComplete":
      return {
        reply: { method: "AutonomousTransferCompleteResponse" },
        effects: [
          {
            type: "autonomousTransferComplete",
            announceUrl: m.announceUrl,
            transferUrl: m.transferUrl,
            isDownload: m.isDownload,
            fileType: m.fileType,
            fileSize: m.fileSize,
            targetFileName: m.targetFileName,
            fault: m.faultStruct,
            startTime: m.startTime,
            completeTime: m.completeTime,
          },
        ],
      };
    case "GetRPCMethods":
      return { reply: { method: "GetRPCMethodsResponse", methodList: acsMethods(ns) }, effects: [] };
    case "RequestDownload":
      return { reply: { method: "RequestDownloadResponse" }, effects: [{ type: "requestDownload", fileType: m.fileType, fileTypeArg: m.fileTypeArg }] };
    case "Kicked":
      // The ACS decides where the user's browser goes next; without a portal, where the CPE proposed.
      return { reply: { method: "KickedResponse", nextUrl: m.next }, effects: [{ type: "kicked", command: m.command, referer: m.referer, arg: m.arg, next: m.next }] };
    case "DUStateChangeComplete":
      return {
        reply: { method: "DUStateChangeCompleteResponse" },
        effects: [{ type: "duStateChangeComplete", commandKey: m.commandKey ?? "", results: m.results }],
      };
    case "AutonomousDUStateChangeComplete":
      return { reply: { method: "AutonomousDUStateChangeCompleteResponse" }, effects: [{ type: "autonomousDuStateChangeComplete", results: m.results }] };
    case "Unknown":
      return { reply: cwmpFault(8000, `Method not supported: ${m.name}`), effects: [] };
    default:
      return { reply: cwmpFault(8003, `${m.method} is not a request the ACS accepts`), effects: [] };
  }
}
