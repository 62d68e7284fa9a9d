// USP Messages (usp-msg-1-4.proto) as the codec reads and writes them, in the same form as Records
// (see record.ts): camelCase names, every field present, enums by name, oneofs with a discriminant.

export type MsgType =
  | "ERROR" | "GET" | "GET_RESP" | "NOTIFY" | "SET" | "SET_RESP" | "OPERATE" | "OPERATE_RESP" | "ADD" | "ADD_RESP"
  | "DELETE" | "DELETE_RESP" | "GET_SUPPORTED_DM" | "GET_SUPPORTED_DM_RESP" | "GET_INSTANCES" | "GET_INSTANCES_RESP"
  | "NOTIFY_RESP" | "GET_SUPPORTED_PROTO" | "GET_SUPPORTED_PROTO_RESP" | "REGISTER" | "REGISTER_RESP" | "DEREGISTER"
  | "DEREGISTER_RESP";

export type StringMap = Record<string, string>;

export interface ParamError {
  paramPath: string;
  errCode: number;
  errMsg: string;
}

export interface ErrorBody {
  errCode: number;
  errMsg: string;
  paramErrs: ParamError[];
}

/** The failure half of the OperationStatus oneofs. */
export interface OperationFailure {
  errCode: number;
  errMsg: string;
}

type Status<S, F = OperationFailure> = { operStatus: "operSuccess"; operSuccess: S } | { operStatus: "operFailure"; operFailure: F };

// Requests

export interface Get {
  paramPaths: string[];
  maxDepth: number;
}

export interface GetSupportedDm {
  objPaths: string[];
  firstLevelOnly: boolean;
  returnCommands: boolean;
  returnEvents: boolean;
  returnParams: boolean;
  returnUniqueKeySets: boolean;
}

export interface GetInstances {
  objPaths: string[];
  firstLevelOnly: boolean;
}

export interface GetSupportedProtocol {
  controllerSupportedProtocolVersions: string;
}

export interface ParamSetting {
  param: string;
  value: string;
  required: boolean;
}

export interface Add {
  allowPartial: boolean;
  createObjs: { objPath: string; paramSettings: ParamSetting[] }[];
}

export interface Delete {
  allowPartial: boolean;
  objPaths: string[];
}

export interface SetRequest {
  allowPartial: boolean;
  updateObjs: { objPath: string; paramSettings: ParamSetting[] }[];
}

export interface Operate {
  command: string;
  commandKey: string;
  sendResp: boolean;
  inputArgs: StringMap;
}

export type OperationCompleteResult =
  | { operationResp: "reqOutputArgs"; reqOutputArgs: { outputArgs: StringMap } }
  | { operationResp: "cmdFailure"; cmdFailure: OperationFailure };

export interface Notifications {
  event: { objPath: string; eventName: string; params: StringMap };
  valueChange: { paramPath: string; paramValue: string };
  objCreation: { objPath: string; uniqueKeys: StringMap };
  objDeletion: { objPath: string };
  operComplete: { objPath: string; commandName: string; commandKey: string } & OperationCompleteResult;
  onBoardReq: { oui: string; productClass: string; serialNumber: string; agentSupportedProtocolVersions: string };
}
export type NotificationType = keyof Notifications;

export type Notify = { subscriptionId: string; sendResp: boolean } & {
  [K in NotificationType]: { notification: K } & { [P in K]: Notifications[K] };
}[NotificationType];

export interface Register {
  allowPartial: boolean;
  regPaths: { path: string }[];
}

export interface Deregister {
  paths: string[];
}

// Responses

export interface GetResp {
  reqPathResults: {
    requestedPath: string;
    errCode: number;
    errMsg: string;
    resolvedPathResults: { resolvedPath: string; resultParams: StringMap }[];
  }[];
}

export type ParamAccessType = "PARAM_READ_ONLY" | "PARAM_READ_WRITE" | "PARAM_WRITE_ONLY";
export type ObjAccessType = "OBJ_READ_ONLY" | "OBJ_ADD_DELETE" | "OBJ_ADD_ONLY" | "OBJ_DELETE_ONLY";
export type ParamValueType =
  | "PARAM_UNKNOWN" | "PARAM_BASE_64" | "PARAM_BOOLEAN" | "PARAM_DATE_TIME" | "PARAM_DECIMAL" | "PARAM_HEX_BINARY"
  | "PARAM_INT" | "PARAM_LONG" | "PARAM_STRING" | "PARAM_UNSIGNED_INT" | "PARAM_UNSIGNED_LONG";
export type ValueChangeType = "VALUE_CHANGE_UNKNOWN" | "VALUE_CHANGE_ALLOWED" | "VALUE_CHANGE_WILL_IGNORE";
export type CmdType = "CMD_UNKNOWN" | "CMD_SYNC" | "CMD_ASYNC";

export interface SupportedObject {
  supportedObjPath: string;
  access: ObjAccessType;
  isMultiInstance: boolean;
  supportedCommands: { commandName: string; inputArgNames: string[]; outputArgNames: string[]; commandType: CmdType }[];
  supportedEvents: { eventName: string; argNames: string[] }[];
  supportedParams: { paramName: string; access: ParamAccessType; valueType: ParamValueType; valueChange: ValueChangeType }[];
  divergentPaths: string[];
  uniqueKeySets: { keyNames: string[] }[];
}

export interface GetSupportedDmResp {
  reqObjResults: {
    reqObjPath: string;
    errCode: number;
    errMsg: string;
    dataModelInstUri: string;
    supportedObjs: SupportedObject[];
  }[];
}

export interface GetInstancesResp {
  reqPathResults: {
    requestedPath: string;
    errCode: number;
    errMsg: string;
    currInsts: { instantiatedObjPath: string; uniqueKeys: StringMap }[];
  }[];
}

export interface GetSupportedProtocolResp {
  agentSupportedProtocolVersions: string;
}

export interface ParameterError {
  param: string;
  errCode: number;
  errMsg: string;
}

export interface AddResp {
  createdObjResults: {
    requestedPath: string;
    operStatus: Status<{ instantiatedPath: string; paramErrs: ParameterError[]; uniqueKeys: StringMap }>;
  }[];
}

export interface DeleteResp {
  deletedObjResults: {
    requestedPath: string;
    operStatus: Status<{ affectedPaths: string[]; unaffectedPathErrs: { unaffectedPath: string; errCode: number; errMsg: string }[] }>;
  }[];
}

export interface SetResp {
  updatedObjResults: {
    requestedPath: string;
    operStatus: Status<
      { updatedInstResults: { affectedPath: string; paramErrs: ParameterError[]; updatedParams: StringMap }[] },
      OperationFailure & { updatedInstFailures: { affectedPath: string; paramErrs: ParameterError[] }[] }
    >;
  }[];
}

export interface OperateResp {
  operationResults: ({ executedCommand: string } & (
    | { operationResp: "reqObjPath"; reqObjPath: string }
    | { operationResp: "reqOutputArgs"; reqOutputArgs: { outputArgs: StringMap } }
    | { operationResp: "cmdFailure"; cmdFailure: OperationFailure }
  ))[];
}

export interface NotifyResp {
  subscriptionId: string;
}

export interface RegisterResp {
  registeredPathResults: { requestedPath: string; operStatus: Status<{ registeredPath: string }> }[];
}

export interface DeregisterResp {
  deregisteredPathResults: { requestedPath: string; operStatus: Status<{ deregisteredPath: string[] }> }[];
}

// The envelope

export interface RequestBodies {
  get: Get;
  getSupportedDm: GetSupportedDm;
  getInstances: GetInstances;
  set: SetRequest;
  add: Add;
  delete: Delete;
  operate: Operate;
  notify: Notify;
  getSupportedProtocol: GetSupportedProtocol;
  register: Register;
  deregister: Deregister;
}

export interface ResponseBodies {
  getResp: GetResp;
  getSupportedDmResp: GetSupportedDmResp;
  getInstancesResp: GetInstancesResp;
  setResp: SetResp;
  addResp: AddResp;
  deleteResp: DeleteResp;
  operateResp: OperateResp;
  notifyResp: NotifyResp;
  getSupportedProtocolResp: GetSupportedProtocolResp;
  registerResp: RegisterResp;
  deregisterResp: DeregisterResp;
}

/** Every message body by its name in the .proto oneofs, Error included. */
export type MessageBodies = RequestBodies & ResponseBodies & { error: ErrorBody };
export type MessageKind = keyof MessageBodies;

export type Request = { [K in keyof RequestBodies]: { reqType: K } & { [P in K]: RequestBodies[K] } }[keyof RequestBodies];
export type Response = { [K in keyof ResponseBodies]: { respType: K } & { [P in K]: ResponseBodies[K] } }[keyof ResponseBodies];

export type Body =
  | { msgBody: "request"; request: Request }
  | { msgBody: "response"; response: Response }
  | { msgBody: "error"; error: ErrorBody };

export interface UspMsg {
  header: { msgId: string; msgType: MsgType };
  body: Body;
}
