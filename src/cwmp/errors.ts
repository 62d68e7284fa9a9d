// Two kinds of protocol error, as in sans-I/O protocol libraries: the peer sent something we cannot
// accept (remote), or the caller misused the codec (local). Each carries what a server should answer.

export type RemoteErrorCode =
  | "XML_SYNTAX"
  | "XML_DTD_FORBIDDEN"
  | "XML_ENTITY"
  | "XML_ENCODING"
  | "XML_LIMIT_SIZE"
  | "XML_LIMIT_DEPTH"
  | "XML_LIMIT_ELEMENTS"
  | "XML_LIMIT_ATTRIBUTES"
  | "SOAP_NOT_ENVELOPE"
  | "SOAP_VERSION"
  | "SOAP_NO_BODY"
  | "CWMP_NAMESPACE"
  | "CWMP_INVALID_FIELD";

export type LocalErrorCode = "SERIALIZE_UNSUPPORTED" | "SERIALIZE_INVALID";

export interface ErrorPosition {
  /** Offset in the decoded text (UTF-16 code units). */
  offset: number;
  line: number;
  column: number;
}

export abstract class CwmpError extends Error {
  abstract readonly origin: "remote" | "local";
  readonly code: RemoteErrorCode | LocalErrorCode;
  constructor(code: RemoteErrorCode | LocalErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The peer sent bytes or a message we cannot accept. */
export class CwmpRemoteError extends CwmpError {
  readonly origin = "remote" as const;
  declare readonly code: RemoteErrorCode;
  readonly position: ErrorPosition | undefined;
  /** Element path such as `Envelope/Body/Inform/DeviceId`, when the error is about one element. */
  readonly path: string | undefined;
  constructor(code: RemoteErrorCode, message: string, where: { position?: ErrorPosition; path?: string } = {}) {
    const at = where.path ? ` (at ${where.path})` : where.position ? ` (line ${where.position.line}, column ${where.position.column})` : "";
    super(code, message + at);
    this.position = where.position;
    this.path = where.path;
  }

  /** HTTP status an HTTP server should answer when it cannot even produce a SOAP fault. */
  get httpStatus(): number {
    return this.code === "XML_LIMIT_SIZE" ? 413 : 400;
  }

  /** CWMP fault code for a SOAP fault answer: 8003 Invalid arguments (ACS side), 9003 (CPE side). */
  faultCode(side: "acs" | "cpe"): number {
    if (this.code.startsWith("XML_LIMIT")) return side === "acs" ? 8004 : 9004;
    return side === "acs" ? 8003 : 9003;
  }
}

/** The caller asked the codec for something it cannot do (a local bug, not the peer's fault). */
export class CwmpLocalError extends CwmpError {
  readonly origin = "local" as const;
  declare readonly code: LocalErrorCode;
}

export function positionAt(text: string, offset: number): ErrorPosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { offset, line, column: end - lineStart + 1 };
}
