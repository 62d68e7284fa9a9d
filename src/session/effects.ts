// What a session asks its edge to do. The session is pure: it never touches storage, it returns these
// and the edge (src/server) applies them, all in one transaction per HTTP exchange.

import type { CwmpNamespaceVersion, DeviceIdStruct, EventStruct, FaultStruct, OpResultStruct, AutonOpResultStruct, ArgStruct } from "../cwmp/index.js";
import type { JsonValue } from "./json.js";

export interface TaskFaultInfo {
  /** "cwmp.9005", "session.timeout", "session.no-response", ... */
  code: string;
  message: string;
  detail?: JsonValue;
}

export type Effect =
  | {
      type: "inform";
      deviceId: string;
      identity: DeviceIdStruct;
      events: EventStruct[];
      ns: CwmpNamespaceVersion;
      cwmpVersion: string | null;
      retryCount: number;
    }
  /** Values learned; `set` marks those the ACS set (and the device accepted), as opposed to read. */
  | { type: "setValues"; values: { path: string; value: string; type: string }[]; set?: true }
  | { type: "setNames"; requestPath: string; nextLevel: boolean; names: { path: string; writable: boolean }[] }
  | { type: "setAttributes"; attributes: { path: string; notification: number; accessList: string[] }[] }
  | { type: "deleteSubtree"; prefix: string }
  | { type: "taskDone"; taskId: string; result: JsonValue }
  /** The task's RPC was accepted; its outcome comes later (TransferComplete, DUStateChangeComplete). */
  | { type: "taskWaiting"; taskId: string; result: JsonValue }
  | { type: "taskFault"; taskId: string; fault: TaskFaultInfo; retry: boolean }
  /** A diagnostic's inputs and DiagnosticsState=Requested were accepted; its results follow 8 DIAGNOSTICS COMPLETE. */
  | { type: "diagnosticRequested"; diagnosticId: string }
  /** What a device reported of a diagnostic (outcome "running": not finished yet; "failed": it could not be read). */
  | {
      type: "diagnosticResult";
      diagnosticId: string;
      state: string;
      outcome: "complete" | "error" | "cancelled" | "running" | "failed";
      results: JsonValue;
      fault?: TaskFaultInfo;
    }
  | { type: "transferComplete"; commandKey: string; fault: FaultStruct; startTime: string; completeTime: string }
  | {
      type: "autonomousTransferComplete";
      announceUrl: string;
      transferUrl: string;
      isDownload: boolean;
      fileType: string;
      fileSize: number;
      targetFileName: string;
      fault: FaultStruct;
      startTime: string;
      completeTime: string;
    }
  | { type: "duStateChangeComplete"; commandKey: string; results: OpResultStruct[] }
  | { type: "autonomousDuStateChangeComplete"; results: AutonOpResultStruct[] }
  | { type: "requestDownload"; fileType: string; fileTypeArg: ArgStruct[] }
  | { type: "kicked"; command: string; referer: string; arg: string; next: string }
  /** A provision could not be applied as declared (the CPE refused a value, provisions disagree, ...). */
  | { type: "provisionFault"; code: string; message: string; path?: string }
  /**
   * Provisions converged for this session (with this many faults). `earlierFaults` false: the device had
   * no provisioning fault on record when the session began, so there is none to clear.
   */
  | { type: "provisionsDone"; faults: number; earlierFaults?: boolean }
  /** Something worth an operator's attention that is not a task's fault (protocol violations, ...). */
  | { type: "sessionFault"; code: string; message: string }
  | { type: "sessionEnded"; reason: SessionEndReason };

export type SessionEndReason = "completed" | "timeout" | "protocol-error" | "replaced" | "rpc-limit";
