// TR-369's USP Record errors (R-MTP.5, one rule for every MTP since USP 1.2, which deprecated MQTT's
// `usp-err-id` and `application/vnd.bbf.usp.error`): a Record the controller cannot process is answered
// with a Record holding an Error, over the MTP it came by, when its sender can be named (a valid from_id,
// the one its connection claimed), it was addressed to us, and the MTP knows a way back; else it is
// dropped, so that nobody is answered in another's name and no stranger learns our endpoint id. Pure.

import { isEndpointId, peekString, type UspRecord, type UspRemoteError } from "../usp/index.js";

/** An Error to send back: to whom, and why. */
export interface RecordErrorReply {
  toId: string;
  uspErrCode: number;
  message: string;
}

/** Record field numbers (usp-record-1-4.proto). */
const TO_ID = 2;
const FROM_ID = 3;

/**
 * The answer to bytes the codec refused as a Record: an Error (7100 unparsable, 7104 a refused field) to
 * the from_id read off the wire, or null when TR-369 says to drop them.
 */
export function refusedRecordReply(bytes: Uint8Array, err: UspRemoteError, o: { endpointId: string; peerEndpointId: string | null; returnPath: boolean }): RecordErrorReply | null {
  const toId = peekString(bytes, [TO_ID]);
  const fromId = peekString(bytes, [FROM_ID]);
  if (!o.returnPath || toId !== o.endpointId || fromId === undefined || !isEndpointId(fromId)) return null;
  if (o.peerEndpointId !== null && o.peerEndpointId !== fromId) return null;
  return { toId: fromId, uspErrCode: err.uspErrCode, message: `USP Record refused: ${err.message}` };
}

/** Why a Record that decoded cannot be processed here (its USP major version, payload security), or null. */
export function unsupportedRecord(record: UspRecord): Omit<RecordErrorReply, "toId"> | null {
  if (record.version.split(".")[0] !== "1") return { uspErrCode: 7104, message: `USP version ${record.version} is not supported (1.x is)` };
  if (record.payloadSecurity !== "PLAINTEXT") return { uspErrCode: 7102, message: "secure message exchange (TLS payload security) is not supported" };
  return null;
}
