// Connection requests: how Provisio wakes a device now instead of at its next periodic Inform.
// - Primitives, pure: STUN messages (RFC 5389 and the classic RFC 3489 form of TR-111) and the UDP
//   Connection Request datagram of TR-069 Annex G.
// - Transports: HTTP (TR-069 3.2.2, Digest), UDP from the STUN server's port (Annex G), XMPP
//   (Annex K); the STUN server that learns NAT bindings; a device-side XMPP helper.
// - The ConnectionRequester: picks the method, falls back, rate-limits, reports attempts.

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
export { ConnreqError, StunRemoteError, ConnreqLocalError, StunServerError, XmppError } from "./errors.js";
export type { StunRemoteErrorCode, ConnreqLocalErrorCode, StunServerErrorCode, XmppErrorCode, ConnreqErrorCode } from "./errors.js";

export { httpConnectionRequest, parseConnectionRequestUrl, DEFAULT_HTTP_TIMEOUT_MS } from "./http-connection-request.js";
export type { HttpConnectionRequestOptions, HttpConnectionRequestOutcome, HttpConnectionRequestResult } from "./http-connection-request.js";
export { StunServer, DEFAULT_STUN_PORT } from "./stun-server.js";
export type { StunServerOptions, StunBinding, StunServerStats, ResponseAddressPolicy, UdpSender } from "./stun-server.js";
export {
  udpConnectionRequest,
  parseUdpConnectionRequestAddress,
  formatUdpConnectionRequestAddress,
  DEFAULT_UDP_COUNT,
  DEFAULT_UDP_INTERVAL_MS,
} from "./udp-connection-request.js";
export type { UdpConnectionRequestOptions, UdpConnectionRequestOutcome, UdpConnectionRequestResult } from "./udp-connection-request.js";
export {
  XmppConnectionRequester,
  XMPP_CONNREQ_NS,
  XMPP_STANZAS_NS,
  classifyXmppReply,
  xmppClientOptions,
  xmppErrorCondition,
} from "./xmpp-connection-request.js";
export type {
  XmppAccount,
  XmppConnectionRequest,
  XmppConnectionRequesterOptions,
  XmppConnectionRequestOutcome,
  XmppConnectionRequestResult,
  XmppLinkStatus,
} from "./xmpp-connection-request.js";
export { startXmppDevice } from "./xmpp-device.js";
export type { XmppDevice, XmppDeviceOptions, XmppDeviceRequest, XmppDeviceRefusal, XmppDeviceVerdict } from "./xmpp-device.js";
export {
  CONNECTION_REQUEST_METHODS,
  DEFAULT_METHOD_ORDER,
  RequestRateLimiter,
  checkMethods,
  endsRequest,
  planAttempts,
  udpTarget,
} from "./requester-policy.js";
export type { Admission, AttemptOutcome, ConnectionRequestMethod, DeviceContact, PlannedAttempt } from "./requester-policy.js";
export { ConnectionRequester, createTransports, DEFAULT_MIN_INTERVAL_MS } from "./requester.js";
export type {
  ConnectionRequestAttempt,
  ConnectionRequestOutcome,
  ConnectionRequestResult,
  ConnectionRequesterOptions,
  ConnectionRequestTransports,
  Transport,
  TransportDependencies,
  TransportReport,
  TransportTarget,
} from "./requester.js";
export { systemTimers, monotonicClock, wallClock } from "./timers.js";
export type { Timers } from "./timers.js";
