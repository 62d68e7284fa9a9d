// Connection-request primitives: STUN messages (RFC 5389 and the classic RFC 3489 form of TR-111)
// and the UDP Connection Request of TR-069 Annex G. Pure: no sockets, time and randomness passed in.

export {
  MAGIC_COOKIE,
  StunMethod,
  StunAttributeCode,
  TR111_CONNECTION_REQUEST_BINDING,
  isClassic,
  longTermKey,
  looksLikeStun,
  decodeStunMessage,
  checkMessageIntegrity,
  encodeStunMessage,
  getAttribute,
  isBindingRequest,
  unknownRequiredAttributes,
  isTr111ConnectionRequestBinding,
  tr111BindingRequest,
  bindingSuccessResponse,
  bindingErrorResponse,
} from "./stun-message.js";
export type {
  StunClass,
  TransportAddress,
  AddressAttributeType,
  TextAttributeType,
  StunAttribute,
  AttributeOf,
  StunMessage,
  IntegrityCheck,
  EncodeOptions,
  Tr111BindingRequestOptions,
  BindingResponseOptions,
  BindingErrorOptions,
} from "./stun-message.js";
export {
  udpConnectionRequestSignature,
  buildUdpConnectionRequest,
  parseUdpConnectionRequest,
  verifyUdpConnectionRequest,
} from "./udp-request.js";
export type {
  BuildUdpConnectionRequestOptions,
  UdpConnectionRequest,
  ParseUdpConnectionRequestResult,
  UdpReplayState,
  VerifyUdpConnectionRequestOptions,
  UdpConnectionRequestFailure,
  VerifyUdpConnectionRequestResult,
} from "./udp-request.js";
export { parseIp, formatIp, unmapIPv4 } from "./ip.js";
export type { IpFamily } from "./ip.js";
export { ConnreqError, StunRemoteError, ConnreqLocalError } from "./errors.js";
export type { StunRemoteErrorCode, ConnreqLocalErrorCode } from "./errors.js";
