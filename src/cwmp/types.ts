// Typed CWMP messages: every RPC of TR-069 Amendment 6 (CWMP 1.0 to 1.4) in both directions.
// Field names are the XSD element names in camelCase. Date-times stay as text (see values.ts
// parseDateTime) because devices send many broken ones and the text must survive a round trip.

import type { XsdValue } from "./values.js";

/** The namespace suffix a message uses: "1-0" for urn:dslforum-org:cwmp-1-0, and so on. */
export type CwmpNamespaceVersion = "1-0" | "1-1" | "1-2" | "1-3" | "1-4";

export interface CwmpHeader {
  /** cwmp:ID, echoed in the answer. */
  id?: string;
  holdRequests?: boolean;
  /** SessionTimeout (CWMP 1.3+), seconds. */
  sessionTimeout?: number;
  /** SupportedCWMPVersions (CWMP 1.4), e.g. "1.0,1.1,1.2,1.3,1.4". */
  supportedCwmpVersions?: string;
  /** UseCWMPVersion (CWMP 1.4), e.g. "1.4". */
  useCwmpVersion?: string;
  /** NoMoreRequests (CWMP 1.0, deprecated since): read, never written (no schema defines it). */
  noMoreRequests?: boolean;
}

export interface CwmpEnvelope {
  /** Namespace of the CWMP elements; replies use the same one. */
  ns: CwmpNamespaceVersion;
  header: CwmpHeader;
  /** The RPC, or null for an envelope with an empty Body. */
  body: CwmpMessage | null;
}

// ---- shared structures ----

export interface ParameterValueStruct {
  name: string;
  value: XsdValue;
}

export interface ParameterInfoStruct {
  name: string;
  writable: boolean;
}

export interface ParameterAttributeStruct {
  name: string;
  notification: number;
  accessList: string[];
}

export interface SetParameterAttributesStruct {
  name: string;
  notificationChange: boolean;
  notification: number;
  accessListChange: boolean;
  accessList: string[];
}

export interface DeviceIdStruct {
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
}

export interface EventStruct {
  eventCode: string;
  commandKey: string;
}

export interface FaultStruct {
  faultCode: number;
  faultString: string;
}

export interface QueuedTransferStruct {
  commandKey: string;
  state: number;
}

export interface AllQueuedTransferStruct extends QueuedTransferStruct {
  isDownload: boolean;
  fileType: string;
  fileSize: number;
  targetFileName: string;
}

export interface TimeWindowStruct {
  windowStart: number;
  windowEnd: number;
  windowMode: string;
  userMessage: string;
  maxRetries: number;
}

export interface OptionStruct {
  optionName: string;
  voucherSn: number;
  state: number;
  mode: number;
  startDate: string;
  expirationDate?: string;
  isTransferable: number;
}

export interface ArgStruct {
  name: string;
  value: string;
}

export type DeploymentUnitOperation =
  | { type: "Install"; url: string; uuid?: string; username?: string; password?: string; executionEnvRef?: string }
  | { type: "Update"; uuid?: string; version?: string; url?: string; username?: string; password?: string }
  | { type: "Uninstall"; uuid: string; version?: string; executionEnvRef?: string };

export interface OpResultStruct {
  uuid: string;
  deploymentUnitRef: string;
  version: string;
  currentState: string;
  resolved: boolean;
  executionUnitRefList: string;
  startTime: string;
  completeTime: string;
  fault: FaultStruct;
}

export interface AutonOpResultStruct extends OpResultStruct {
  operationPerformed: string;
}

export interface SetParameterValuesFaultStruct {
  parameterName: string;
  faultCode: number;
  faultString: string;
}

// ---- CPE methods (requests from the ACS, responses from the CPE) ----

export interface GetRPCMethods { method: "GetRPCMethods" }
export interface GetRPCMethodsResponse { method: "GetRPCMethodsResponse"; methodList: string[] }
export interface SetParameterValues { method: "SetParameterValues"; parameterList: ParameterValueStruct[]; parameterKey: string }
export interface SetParameterValuesResponse { method: "SetParameterValuesResponse"; status: number }
export interface GetParameterValues { method: "GetParameterValues"; parameterNames: string[] }
export interface GetParameterValuesResponse { method: "GetParameterValuesResponse"; parameterList: ParameterValueStruct[] }
export interface GetParameterNames { method: "GetParameterNames"; parameterPath: string; nextLevel: boolean }
export interface GetParameterNamesResponse { method: "GetParameterNamesResponse"; parameterList: ParameterInfoStruct[] }
export interface SetParameterAttributes { method: "SetParameterAttributes"; parameterList: SetParameterAttributesStruct[] }
export interface SetParameterAttributesResponse { method: "SetParameterAttributesResponse" }
export interface GetParameterAttributes { method: "GetParameterAttributes"; parameterNames: string[] }
export interface GetParameterAttributesResponse { method: "GetParameterAttributesResponse"; parameterList: ParameterAttributeStruct[] }
export interface AddObject { method: "AddObject"; objectName: string; parameterKey: string }
export interface AddObjectResponse { method: "AddObjectResponse"; instanceNumber: number; status: number }
export interface DeleteObject { method: "DeleteObject"; objectName: string; parameterKey: string }
export interface DeleteObjectResponse { method: "DeleteObjectResponse"; status: number }
export interface Reboot { method: "Reboot"; commandKey: string }
export interface RebootResponse { method: "RebootResponse" }
export interface Download {
  method: "Download";
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  password: string;
  fileSize: number;
  targetFileName: string;
  delaySeconds: number;
  successUrl: string;
  failureUrl: string;
}
export interface DownloadResponse { method: "DownloadResponse"; status: number; startTime: string; completeTime: string }
export interface Upload {
  method: "Upload";
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  password: string;
  delaySeconds: number;
}
export interface UploadResponse { method: "UploadResponse"; status: number; startTime: string; completeTime: string }
export interface FactoryReset { method: "FactoryReset" }
export interface FactoryResetResponse { method: "FactoryResetResponse" }
export interface GetQueuedTransfers { method: "GetQueuedTransfers" }
export interface GetQueuedTransfersResponse { method: "GetQueuedTransfersResponse"; transferList: QueuedTransferStruct[] }
export interface GetAllQueuedTransfers { method: "GetAllQueuedTransfers" }
export interface GetAllQueuedTransfersResponse { method: "GetAllQueuedTransfersResponse"; transferList: AllQueuedTransferStruct[] }
export interface ScheduleInform { method: "ScheduleInform"; delaySeconds: number; commandKey: string }
export interface ScheduleInformResponse { method: "ScheduleInformResponse" }
export interface SetVouchers { method: "SetVouchers"; voucherList: string[] }
export interface SetVouchersResponse { method: "SetVouchersResponse" }
export interface GetOptions { method: "GetOptions"; optionName: string }
export interface GetOptionsResponse { method: "GetOptionsResponse"; optionList: OptionStruct[] }
export interface ScheduleDownload {
  method: "ScheduleDownload";
  commandKey: string;
  fileType: string;
  url: string;
  username: string;
  password: string;
  fileSize: number;
  targetFileName: string;
  timeWindowList: TimeWindowStruct[];
}
export interface ScheduleDownloadResponse { method: "ScheduleDownloadResponse" }
export interface CancelTransfer { method: "CancelTransfer"; commandKey: string }
export interface CancelTransferResponse { method: "CancelTransferResponse" }
export interface ChangeDUState { method: "ChangeDUState"; operations: DeploymentUnitOperation[]; commandKey?: string }
export interface ChangeDUStateResponse { method: "ChangeDUStateResponse" }

// ---- ACS methods (requests from the CPE, responses from the ACS) ----

export interface Inform {
  method: "Inform";
  deviceId: DeviceIdStruct;
  event: EventStruct[];
  maxEnvelopes: number;
  currentTime: string;
  retryCount: number;
  parameterList: ParameterValueStruct[];
}
export interface InformResponse { method: "InformResponse"; maxEnvelopes: number }
export interface TransferComplete {
  method: "TransferComplete";
  commandKey: string;
  faultStruct: FaultStruct;
  startTime: string;
  completeTime: string;
}
export interface TransferCompleteResponse { method: "TransferCompleteResponse" }
export interface AutonomousTransferComplete {
  method: "AutonomousTransferComplete";
  announceUrl: string;
  transferUrl: string;
  isDownload: boolean;
  fileType: string;
  fileSize: number;
  targetFileName: string;
  faultStruct: FaultStruct;
  startTime: string;
  completeTime: string;
}
export interface AutonomousTransferCompleteResponse { method: "AutonomousTransferCompleteResponse" }
export interface RequestDownload { method: "RequestDownload"; fileType: string; fileTypeArg: ArgStruct[] }
export interface RequestDownloadResponse { method: "RequestDownloadResponse" }
export interface DUStateChangeComplete { method: "DUStateChangeComplete"; results: OpResultStruct[]; commandKey?: string }
export interface DUStateChangeCompleteResponse { method: "DUStateChangeCompleteResponse" }
export interface AutonomousDUStateChangeComplete { method: "AutonomousDUStateChangeComplete"; results: AutonOpResultStruct[] }
export interface AutonomousDUStateChangeCompleteResponse { method: "AutonomousDUStateChangeCompleteResponse" }
export interface Kicked { method: "Kicked"; command: string; referer: string; arg: string; next: string }
export interface KickedResponse { method: "KickedResponse"; nextUrl: string }

// ---- faults and the unknown ----

/** A SOAP Fault carrying the CWMP Fault detail (either direction). */
export interface Fault {
  method: "Fault";
  /** SOAP faultcode: "Client" or "Server" (a prefix, when sent, is dropped). */
  faultcode: string;
  faultstring: string;
  detail: {
    faultCode: number;
    faultString: string;
    setParameterValuesFault?: SetParameterValuesFaultStruct[];
  };
  /**
   * Set when no CWMP fault code could be read (no detail, or a FaultCode that is no number): `detail`
   * then says 0, which is not a fault code at all (TR-069: success). The SOAP fields as they came.
   */
  unreadable?: { faultcode: string; faultstring: string };
}

/** A Body element naming no method we know (e.g. a vendor RPC): answered with 8000 or 9000. */
export interface UnknownMethod { method: "Unknown"; name: string }

export type CwmpMessage =
  | GetRPCMethods | GetRPCMethodsResponse
  | SetParameterValues | SetParameterValuesResponse
  | GetParameterValues | GetParameterValuesResponse
  | GetParameterNames | GetParameterNamesResponse
  | SetParameterAttributes | SetParameterAttributesResponse
  | GetParameterAttributes | GetParameterAttributesResponse
  | AddObject | AddObjectResponse
  | DeleteObject | DeleteObjectResponse
  | Reboot | RebootResponse
  | Download | DownloadResponse
  | Upload | UploadResponse
  | FactoryReset | FactoryResetResponse
  | GetQueuedTransfers | GetQueuedTransfersResponse
  | GetAllQueuedTransfers | GetAllQueuedTransfersResponse
  | ScheduleInform | ScheduleInformResponse
  | SetVouchers | SetVouchersResponse
  | GetOptions | GetOptionsResponse
  | ScheduleDownload | ScheduleDownloadResponse
  | CancelTransfer | CancelTransferResponse
  | ChangeDUState | ChangeDUStateResponse
  | Inform | InformResponse
  | TransferComplete | TransferCompleteResponse
  | AutonomousTransferComplete | AutonomousTransferCompleteResponse
  | RequestDownload | RequestDownloadResponse
  | DUStateChangeComplete | DUStateChangeCompleteResponse
  | AutonomousDUStateChangeComplete | AutonomousDUStateChangeCompleteResponse
  | Kicked | KickedResponse
  | Fault
  | UnknownMethod;

export type CwmpMethodName = CwmpMessage["method"];

export type MessageOf<M extends CwmpMethodName> = Extract<CwmpMessage, { method: M }>;
