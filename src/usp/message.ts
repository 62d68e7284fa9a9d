// USP Msgs: decode and encode every message type, checking that the header's msg_type names the
// body's message and that Error codes are USP error codes; builders for a Msg from its kind and body.

import { decodeAs, encodeAs, type DecodeOptions } from "./codec.js";
import type { Problem } from "./convert.js";
import { isUspErrorCode } from "./error-codes.js";
import type { UspRemoteErrorCode } from "./errors.js";
import { MsgType as MsgSchema, msgPlan } from "./schema/index.js";
import type { Body, MessageBodies, MessageKind, MsgType, Request, RequestBodies, Response, UspMsg } from "./types/messages.js";

/** The msg_type of each message, by its name in the Request, Response and Body oneofs. */
export const msgTypeOf: { readonly [K in MessageKind]: MsgType } = {
  get: "GET",
  getSupportedDm: "GET_SUPPORTED_DM",
  getInstances: "GET_INSTANCES",
  set: "SET",
  add: "ADD",
  delete: "DELETE",
  operate: "OPERATE",
  notify: "NOTIFY",
  getSupportedProtocol: "GET_SUPPORTED_PROTO",
  register: "REGISTER",
  deregister: "DEREGISTER",
  getResp: "GET_RESP",
  getSupportedDmResp: "GET_SUPPORTED_DM_RESP",
  getInstancesResp: "GET_INSTANCES_RESP",
  setResp: "SET_RESP",
  addResp: "ADD_RESP",
  deleteResp: "DELETE_RESP",
  operateResp: "OPERATE_RESP",
  notifyResp: "NOTIFY_RESP",
  getSupportedProtocolResp: "GET_SUPPORTED_PROTO_RESP",
  registerResp: "REGISTER_RESP",
  deregisterResp: "DEREGISTER_RESP",
  error: "ERROR",
};

const requestKinds = new Set<string>(["get", "getSupportedDm", "getInstances", "set", "add", "delete", "operate", "notify", "getSupportedProtocol", "register", "deregister"] satisfies (keyof RequestBodies)[]);

/** Which message a Msg carries. */
export function msgKind(msg: UspMsg): MessageKind {
  const b = msg.body;
  return b.msgBody === "request" ? b.request.reqType : b.msgBody === "response" ? b.response.respType : "error";
}

/** The body of a Msg of the given kind, or undefined when it carries another. */
export function msgBody<K extends MessageKind>(msg: UspMsg, kind: K): MessageBodies[K] | undefined {
  if (msgKind(msg) !== kind) return undefined;
  const b = msg.body;
  const holder = (b.msgBody === "request" ? b.request : b.msgBody === "response" ? b.response : b) as unknown as Record<K, MessageBodies[K]>;
  return holder[kind];
}

/** A Msg from its kind, id and body, with the header's msg_type to match. */
export function uspMsg<K extends MessageKind>(kind: K, msgId: string, body: MessageBodies[K]): UspMsg {
  let b: Body;
  if (kind === "error") b = { msgBody: "error", error: body as MessageBodies["error"] };
  else if (requestKinds.has(kind)) b = { msgBody: "request", request: { reqType: kind, [kind]: body } as unknown as Request };
  else b = { msgBody: "response", response: { respType: kind, [kind]: body } as unknown as Response };
  return { header: { msgId, msgType: msgTypeOf[kind] }, body: b };
}

function checkMsg(m: UspMsg): Problem | undefined {
  const kind = msgKind(m);
  if (msgTypeOf[kind] !== m.header.msgType) {
    return { code: "INVALID_FIELD", message: `msg_type ${m.header.msgType} does not match the body, a ${msgTypeOf[kind]}`, path: "header.msgType" };
  }
  if (m.body.msgBody === "error") {
    const e = m.body.error;
    if (!isUspErrorCode(e.errCode)) return { code: "INVALID_FIELD", message: `${e.errCode} is not a USP error code`, path: "body.error.errCode" };
    const i = e.paramErrs.findIndex((p) => !isUspErrorCode(p.errCode));
    if (i >= 0) return { code: "INVALID_FIELD", message: `${e.paramErrs[i]!.errCode} is not a USP error code`, path: `body.error.paramErrs[${i}].errCode` };
  }
  return undefined;
}

/** A message type this schema does not know reads as an unset msg_type or an empty Request/Response. */
function classify(p: Problem): { code: UspRemoteErrorCode; uspErrCode: number } {
  if ((p.path === "header.msgType" && p.code === "UNKNOWN_ENUM") || p.path.endsWith("reqType") || p.path.endsWith("respType")) return { code: "MSG_TYPE", uspErrCode: 7001 };
  if (p.path === "header.msgType") return { code: "MSG_TYPE", uspErrCode: 7004 };
  return { code: p.code, uspErrCode: 7004 };
}

/** Decodes a Msg (a Record's payload); throws UspRemoteError (uspErrCode 7000, 7001 or 7004). */
export function decodeMsg(bytes: Uint8Array, options: DecodeOptions = {}): UspMsg {
  return decodeAs<UspMsg>(MsgSchema, msgPlan, bytes, options, { malformed: 7000, invalid: classify }, checkMsg);
}

/** Encodes a Msg; throws UspLocalError for one the protocol does not allow. */
export function encodeMsg(msg: UspMsg): Uint8Array {
  return encodeAs(MsgSchema, msgPlan, msg, checkMsg);
}
