// The USP codec's two kinds of error, as in the CWMP codec: the peer sent something we cannot accept
// (remote, with the USP error code to answer with), or the caller misused the codec (local).

export type UspRemoteErrorCode =
  /** More bytes than the limit allows. */
  | "TOO_LARGE"
  /** Not a protobuf encoding of the expected message. */
  | "MALFORMED"
  /** An enumeration value this schema does not define, where no fallback is safe. */
  | "UNKNOWN_ENUM"
  /** A field the protocol requires (protobuf alone cannot) is absent or empty. */
  | "MISSING_FIELD"
  /** A field holds a value the protocol does not allow. */
  | "INVALID_FIELD"
  /** The header's msg_type is not the body's message type, or unknown. */
  | "MSG_TYPE"
  /** A path name or search expression that is not well formed (USP error 7008). */
  | "PATH_SYNTAX";

export type UspLocalErrorCode =
  /** encodeRecord or encodeMsg was given something the protocol does not allow. */
  | "ENCODE_INVALID"
  /** decodeRecord or decodeMsg was given something other than bytes. */
  | "DECODE_ARGUMENT";

export abstract class UspError extends Error {
  abstract readonly origin: "remote" | "local";
  readonly code: UspRemoteErrorCode | UspLocalErrorCode;
  /** Field path such as `body.request.set.updateObjs[0].objPath`, when the error is about one field. */
  readonly path: string | undefined;
  constructor(code: UspRemoteErrorCode | UspLocalErrorCode, message: string, path?: string) {
    super(path ? `${message} (at ${path})` : message);
    this.code = code;
    this.path = path;
    this.name = new.target.name;
  }
}

/** The peer sent bytes, a Record or a Msg we cannot accept. */
export class UspRemoteError extends UspError {
  readonly origin = "remote" as const;
  declare readonly code: UspRemoteErrorCode;
  /** The USP error code an endpoint answers with (7100/7104 for a Record, 7000/7001/7004 for a Msg). */
  readonly uspErrCode: number;
  constructor(code: UspRemoteErrorCode, message: string, uspErrCode: number, path?: string) {
    super(code, message, path);
    this.uspErrCode = uspErrCode;
  }
}

/** The caller asked the codec to encode something the protocol does not allow. */
export class UspLocalError extends UspError {
  readonly origin = "local" as const;
  declare readonly code: UspLocalErrorCode;
}
