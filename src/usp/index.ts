// The USP (TR-369) protocol core's public face: Records and Msgs to typed objects and back, error
// codes, path names and search paths, and the Session Context state machine. Pure: no I/O.

export { connectRecord, decodeRecord, encodeRecord, noSessionContextRecord, recordHeader, isEndpointId, endpointSchemes } from "./record.js";
export type { MtpConnect } from "./record.js";
export { peekString } from "./wire.js";
export { decodeMsg, encodeMsg, uspMsg, msgKind, msgBody, msgTypeOf } from "./message.js";
export { msgJson } from "./msg-json.js";
export type { MsgJson, MsgJsonValue } from "./msg-json.js";
export { DEFAULT_MAX_BYTES } from "./codec.js";
export type { DecodeOptions } from "./codec.js";
export { UspError, UspRemoteError, UspLocalError } from "./errors.js";
export type { UspRemoteErrorCode, UspLocalErrorCode } from "./errors.js";
export { uspErrorCodes, uspErrorInfo, isUspErrorCode, paramError, errorBody } from "./error-codes.js";
export type { UspErrorCodeInfo } from "./error-codes.js";
export { parsePath, isPath } from "./path/parse.js";
export type { ParsePathOptions } from "./path/parse.js";
export { ParameterTree, resolvePath } from "./path/evaluate.js";
export type { ParameterMap, Match } from "./path/evaluate.js";
export type * from "./path/types.js";
export { SessionContext } from "./session-context.js";
export type { SessionContextOptions, SessionEffect } from "./session-context.js";
export type * from "./types/record.js";
export type * from "./types/messages.js";
