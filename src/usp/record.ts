// USP Records: decode and encode every record type, with the checks TR-369 makes that protobuf cannot.

import { decodeAs, encodeAs, type DecodeOptions } from "./codec.js";
import type { Problem } from "./convert.js";
import { RecordType, recordPlan } from "./schema/index.js";
import type { MqttVersion, RecordHeader, UspRecord } from "./types/record.js";

/** `authority-scheme ":" [authority-id] ":" instance-id` (TR-369, Endpoint Identifier). */
const ENDPOINT_ID = /^[a-z][a-z0-9-]*:[^:\s]*:[^\s]+$/;

/** The authority schemes TR-369 1.4 defines; an Endpoint ID with another scheme still decodes. */
export const endpointSchemes = ["oui", "cid", "pen", "self", "user", "os", "ops", "uuid", "imei", "proto", "doc", "fqdn"] as const;

export function isEndpointId(id: string): boolean {
  // eslint-disable-next-line no-control-regex
  return ENDPOINT_ID.test(id) && !/[\u0000-\u001f\u007f]/.test(id);
}

const problem = (code: Problem["code"], message: string, path: string): Problem => ({ code, message, path });

function checkRecord(r: UspRecord): Problem | undefined {
  if (!/^\d+\.\d+$/.test(r.version)) return problem("INVALID_FIELD", `version ${JSON.stringify(r.version)} is not MAJOR.MINOR`, "version");
  if (!isEndpointId(r.toId)) return problem("INVALID_FIELD", `${JSON.stringify(r.toId)} is not an Endpoint ID`, "toId");
  if (!isEndpointId(r.fromId)) return problem("INVALID_FIELD", `${JSON.stringify(r.fromId)} is not an Endpoint ID`, "fromId");
  if (r.recordType === "noSessionContext" && r.noSessionContext.payload.length === 0) {
    return problem("MISSING_FIELD", "a NoSessionContext Record carries a payload", "noSessionContext.payload");
  }
  if (r.recordType === "sessionContext") {
    const s = r.sessionContext;
    if (s.sessionId === 0n) return problem("INVALID_FIELD", "session_id 0 is not a session", "sessionContext.sessionId");
    if (s.sequenceId === 0n) return problem("INVALID_FIELD", "sequence_id counts from 1", "sessionContext.sequenceId");
    if (s.payloadSarState === "NONE" && s.payloadrecSarState !== "NONE") {
      return problem("INVALID_FIELD", "payloadrec_sar_state must be NONE when payload_sar_state is NONE", "sessionContext.payloadrecSarState");
    }
    if (s.payload.length === 0 && s.retransmitId === 0n) return problem("MISSING_FIELD", "a Record that asks for no retransmission carries a payload", "sessionContext.payload");
  }
  return undefined;
}

/** Decodes a Record; throws UspRemoteError (uspErrCode 7100 for bytes that are no Record, 7104 otherwise). */
export function decodeRecord(bytes: Uint8Array, options: DecodeOptions = {}): UspRecord {
  return decodeAs<UspRecord>(RecordType, recordPlan, bytes, options, { malformed: 7100, invalid: (p) => ({ code: p.code, uspErrCode: 7104 }) }, checkRecord);
}

/** Encodes a Record; throws UspLocalError for one the protocol does not allow. */
export function encodeRecord(record: UspRecord): Uint8Array {
  return encodeAs(RecordType, recordPlan, record, checkRecord);
}

/** A NoSessionContext Record around a Msg's bytes, version 1.4, plaintext. */
export function noSessionContextRecord(fromId: string, toId: string, payload: Uint8Array): UspRecord {
  return { ...recordHeader(fromId, toId), recordType: "noSessionContext", noSessionContext: { payload } };
}

/** The MTP an agent (re)connected over, as its connect Record tells the controller (R-MTP.6). */
export type MtpConnect = { mtp: "websocket" } | { mtp: "mqtt"; version: MqttVersion; subscribedTopic: string };

/** The WebSocketConnect or MQTTConnect Record an agent sends once its MTP connection is up. */
export function connectRecord(fromId: string, toId: string, c: MtpConnect): UspRecord {
  const header = recordHeader(fromId, toId);
  if (c.mtp === "websocket") return { ...header, recordType: "websocketConnect", websocketConnect: {} };
  return { ...header, recordType: "mqttConnect", mqttConnect: { version: c.version, subscribedTopic: c.subscribedTopic } };
}

/** The fields every Record has: version 1.4, plaintext, no signature. */
export function recordHeader(fromId: string, toId: string): RecordHeader {
  return { version: "1.4", toId, fromId, payloadSecurity: "PLAINTEXT", macSignature: new Uint8Array(), senderCert: new Uint8Array() };
}
