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
  | "UDP_CR_INVALID_ARGUMENT"
  /** The caller passed impossible options to a transport, the STUN server or the requester. */
  | "CR_INVALID_OPTIONS";

/** Why the STUN server dropped or refused a datagram it could decode (or could not send). Reported
 * through its `onError` callback and counted; none of them stops the server. */
export type StunServerErrorCode =
  /** An indication or a response: nothing to answer. */
  | "STUN_NOT_A_REQUEST"
  /** A request for another method than Binding (answered 400). */
  | "STUN_UNSUPPORTED_METHOD"
  /** Comprehension-required attributes the server does not know (answered 420). */
  | "STUN_UNKNOWN_ATTRIBUTES"
  /** CHANGE-REQUEST asks for another address or port, which a one-address server cannot do. */
  | "STUN_CHANGE_REQUEST_UNSUPPORTED"
  /** MESSAGE-INTEGRITY without USERNAME (answered 432), or a TR-111 binding nobody can be named for. */
  | "STUN_MISSING_USERNAME"
  /** MESSAGE-INTEGRITY from a USERNAME the password lookup does not know (answered 401). */
  | "STUN_UNKNOWN_USER"
  /** A TR-111 binding without MESSAGE-INTEGRITY while integrity is required (answered 401). */
  | "STUN_INTEGRITY_REQUIRED"
  /** MESSAGE-INTEGRITY does not match the device's STUNPassword (answered 431). */
  | "STUN_INTEGRITY_FAILED"
  /** The password lookup threw or rejected (answered 500). */
  | "STUN_LOOKUP_FAILED"
  /** RESPONSE-ADDRESS names a destination the policy refuses; answered to the source instead. */
  | "STUN_RESPONSE_ADDRESS_REFUSED"
  /** A response or a connection request datagram could not be sent. */
  | "STUN_SEND_FAILED"
  /** The socket reported an error. */
  | "STUN_SOCKET_ERROR"
  /** A bug: handling the datagram threw. */
  | "STUN_INTERNAL";

export type XmppErrorCode =
  /** The XMPP server refused the login (wrong password...) or did not complete it in time. */
  "XMPP_LOGIN_FAILED";

export type ConnreqErrorCode = StunRemoteErrorCode | StunServerErrorCode | XmppErrorCode | ConnreqLocalErrorCode;

export abstract class ConnreqError extends Error {
  abstract readonly origin: "remote" | "local";
  readonly code: ConnreqErrorCode;
  constructor(code: ConnreqErrorCode, message: string) {
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

/** A datagram the STUN server would not (or could not) serve; see `StunServerErrorCode`. */
export class StunServerError extends ConnreqError {
  readonly origin = "remote" as const;
  declare readonly code: StunServerErrorCode;
  /** The STUN USERNAME concerned, when there is one. */
  readonly username: string | undefined;
  constructor(code: StunServerErrorCode, message: string, username?: string) {
    super(code, message);
    this.username = username;
  }
}

/** The XMPP side went wrong where there is no outcome to report (the device helper's login). */
export class XmppError extends ConnreqError {
  readonly origin = "remote" as const;
  declare readonly code: XmppErrorCode;
}
