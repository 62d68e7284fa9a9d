// Typed errors for the connection-request primitives: the peer sent bytes we cannot accept
// (remote), or the caller asked for something impossible (local).

export type StunRemoteErrorCode =
  /** Fewer than 20 bytes. */
  | "STUN_TOO_SHORT"
  /** The two top bits of the type are not zero: not a STUN message (maybe a UDP Connection Request). */
  | "STUN_NOT_STUN"
  /** The length field runs past the datagram, or is not a multiple of 4 with the magic cookie. */
  | "STUN_BAD_LENGTH"
  /** An attribute header or value runs past the message. */
  | "STUN_ATTRIBUTE_OVERRUN"
  /** A known attribute with an impossible value (address of the wrong length or family...). */
  | "STUN_BAD_ATTRIBUTE"
  /** FINGERPRINT present and wrong: corrupted, or not STUN. */
  | "STUN_BAD_FINGERPRINT";

export type ConnreqLocalErrorCode =
  /** The caller asked to encode a STUN message that cannot exist. */
  | "STUN_INVALID_MESSAGE"
  /** The caller passed an impossible UDP Connection Request field. */
  | "UDP_CR_INVALID_ARGUMENT";

export abstract class ConnreqError extends Error {
  abstract readonly origin: "remote" | "local";
  readonly code: StunRemoteErrorCode | ConnreqLocalErrorCode;
  constructor(code: StunRemoteErrorCode | ConnreqLocalErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

export class StunRemoteError extends ConnreqError {
  readonly origin = "remote" as const;
  declare readonly code: StunRemoteErrorCode;
  /** The attribute type concerned, when the error is about one attribute. */
  readonly attribute: number | undefined;
  constructor(code: StunRemoteErrorCode, message: string, attribute?: number) {
    super(code, message);
    this.attribute = attribute;
  }
}

export class ConnreqLocalError extends ConnreqError {
  readonly origin = "local" as const;
  declare readonly code: ConnreqLocalErrorCode;
}
