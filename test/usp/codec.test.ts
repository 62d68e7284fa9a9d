// Msgs and Records of every type round trip through the codec; malformed bytes and values the
// protocol refuses fail with UspRemoteError carrying the USP error code to answer with, and values the
// caller should not send fail with UspLocalError.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  connectRecord,
  decodeMsg,
  decodeRecord,
  encodeMsg,
  encodeRecord,
  msgBody,
  msgKind,
  msgTypeOf,
  uspMsg,
  UspLocalError,
  UspRemoteError,
  type UspMsg,
  type UspRecord,
  type UspRemoteErrorCode,
} from "../../src/usp/index.js";
import { MsgType, RecordType } from "../../src/usp/schema/index.js";
import { msgFixtures, notifyFixtures, recordFixtures } from "./fixtures.js";

/** Bytes written by protobufjs alone, past the codec's checks: what a careless peer could send. */
function raw(type: typeof MsgType, object: Record<string, unknown>): Uint8Array {
  return type.encode(type.fromObject(object)).finish();
}

function remoteError(fn: () => unknown, code: UspRemoteErrorCode, uspErrCode: number, path?: string): UspRemoteError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof UspRemoteError, `expected UspRemoteError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.uspErrCode, uspErrCode, caught.message);
  if (path !== undefined) assert.equal(caught.path, path);
  return caught;
}

function localError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof UspLocalError && e.code === "ENCODE_INVALID" && pattern.test(e.message));
}

const getBytes = raw(MsgType, { header: { msgId: "1", msgType: "GET" }, body: { request: { get: { paramPaths: ["Device."] } } } });

describe("Msgs", () => {
  it("has a fixture of every message type", () => {
    assert.deepEqual(msgFixtures.map((f) => f.kind).sort(), Object.keys(msgTypeOf).sort());
  });

  for (const { kind, msg } of [...msgFixtures, ...notifyFixtures.map((msg) => ({ kind: "notify", msg }))]) {
    it(`${kind} ${msg.header.msgId} round trips`, () => {
      const bytes = encodeMsg(msg);
      const back = decodeMsg(bytes);
      assert.deepEqual(back, msg);
      assert.equal(msgKind(back), kind);
      assert.equal(back.header.msgType, msgTypeOf[msgKind(back)]);
      assert.deepEqual(encodeMsg(back), bytes);
    });
  }

  it("writes plain protobuf: a Get as the wire format spells it", () => {
    const msg = uspMsg("get", "1", { paramPaths: ["Device."], maxDepth: 0 });
    const expected = Buffer.from("0a050a0131100112" + "0d0a0b0a090a07" + Buffer.from("Device.").toString("hex"), "hex");
    assert.deepEqual(Buffer.from(encodeMsg(msg)), expected);
    assert.deepEqual(Buffer.from(getBytes), expected);
    assert.deepEqual(decodeMsg(expected), msg);
  });

  it("msgBody gives the body of the kind asked for, and nothing for another", () => {
    const set = msgFixtures.find((f) => f.kind === "set")!.msg;
    assert.equal(msgBody(set, "set")!.updateObjs[0]!.paramSettings[0]!.param, "Enable");
    assert.equal(msgBody(set, "get"), undefined);
    const error = msgFixtures.find((f) => f.kind === "error")!.msg;
    assert.equal(msgBody(error, "error")!.errCode, 7004);
  });

  it("skips fields it does not know, as proto3 asks", () => {
    const withUnknown = Buffer.concat([getBytes, Buffer.from([0xfa, 0x06, 0x03, 0x61, 0x62, 0x63])]); // field 111, "abc"
    assert.deepEqual(decodeMsg(withUnknown), decodeMsg(getBytes));
  });

  it("refuses truncated and garbage bytes with 7000", () => {
    remoteError(() => decodeMsg(getBytes.subarray(0, getBytes.length - 2)), "MALFORMED", 7000);
    remoteError(() => decodeMsg(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), "MALFORMED", 7000);
    remoteError(() => decodeMsg(new Uint8Array([0x0f])), "MALFORMED", 7000);
  });

  it("tells a caller that passes no bytes, with a local error", () => {
    assert.throws(() => decodeMsg("0a00" as unknown as Uint8Array), (e: unknown) => e instanceof UspLocalError && e.code === "DECODE_ARGUMENT");
  });

  it("refuses more bytes than the limit before reading them", () => {
    remoteError(() => decodeMsg(getBytes, { maxBytes: getBytes.length - 1 }), "TOO_LARGE", 7000);
    assert.deepEqual(decodeMsg(getBytes, { maxBytes: getBytes.length }).header.msgId, "1");
  });

  it("requires a header, a msg_id and a body", () => {
    remoteError(() => decodeMsg(new Uint8Array()), "MISSING_FIELD", 7004, "header");
    remoteError(() => decodeMsg(raw(MsgType, { header: { msgId: "", msgType: "GET" }, body: { request: { get: {} } } })), "MISSING_FIELD", 7004, "header.msgId");
    remoteError(() => decodeMsg(raw(MsgType, { header: { msgId: "1", msgType: "GET" } })), "MISSING_FIELD", 7004, "body");
    remoteError(() => decodeMsg(raw(MsgType, { header: { msgId: "1", msgType: "GET" }, body: {} })), "MISSING_FIELD", 7004, "body.msgBody");
  });

  it("refuses a msg_type that is not the body's (7004), and message types it does not know (7001)", () => {
    remoteError(() => decodeMsg(raw(MsgType, { header: { msgId: "1", msgType: "SET" }, body: { request: { get: {} } } })), "MSG_TYPE", 7004, "header.msgType");
    remoteError(() => decodeMsg(raw(MsgType, { header: { msgId: "1", msgType: 99 }, body: { request: { get: {} } } })), "MSG_TYPE", 7001, "header.msgType");
    // A Request whose only field is one this schema lacks (field 12): a message type from the future.
    const future = Buffer.from("0a050a01311013" + "1204" + "0a02" + "6200", "hex");
    remoteError(() => decodeMsg(future), "MSG_TYPE", 7001, "body.request.reqType");
  });

  it("requires what TR-369 requires inside messages", () => {
    const set = (objPath: string, param: string) => raw(MsgType, { header: { msgId: "1", msgType: "SET" }, body: { request: { set: { updateObjs: [{ objPath, paramSettings: [{ param }] }] } } } });
    remoteError(() => decodeMsg(set("", "Enable")), "MISSING_FIELD", 7004, "body.request.set.updateObjs[0].objPath");
    remoteError(() => decodeMsg(set("Device.X.", "")), "MISSING_FIELD", 7004, "body.request.set.updateObjs[0].paramSettings[0].param");
    remoteError(() => decodeMsg(raw(MsgType, { header: { msgId: "1", msgType: "OPERATE" }, body: { request: { operate: { commandKey: "k" } } } })), "MISSING_FIELD", 7004, "body.request.operate.command");
    remoteError(() => decodeMsg(raw(MsgType, { header: { msgId: "1", msgType: "NOTIFY" }, body: { request: { notify: { subscriptionId: "s" } } } })), "MISSING_FIELD", 7004, "body.request.notify.notification");
    const addResp = raw(MsgType, { header: { msgId: "1", msgType: "ADD_RESP" }, body: { response: { addResp: { createdObjResults: [{ requestedPath: "Device.X." }] } } } });
    remoteError(() => decodeMsg(addResp), "MISSING_FIELD", 7004, "body.response.addResp.createdObjResults[0].operStatus");
  });

  it("refuses an Error message whose codes are not USP error codes", () => {
    remoteError(() => decodeMsg(raw(MsgType, { header: { msgId: "1", msgType: "ERROR" }, body: { error: { errCode: 404 } } })), "INVALID_FIELD", 7004, "body.error.errCode");
    const badParam = raw(MsgType, { header: { msgId: "1", msgType: "ERROR" }, body: { error: { errCode: 7004, paramErrs: [{ paramPath: "Device.A", errCode: 1 }] } } });
    remoteError(() => decodeMsg(badParam), "INVALID_FIELD", 7004, "body.error.paramErrs[0].errCode");
  });

  it("reads an unknown value type, value change or command type as the enum's unknown member, and refuses an unknown access", () => {
    const gsdm = (param: Record<string, unknown>, access = 1) =>
      raw(MsgType, {
        header: { msgId: "1", msgType: "GET_SUPPORTED_DM_RESP" },
        body: { response: { getSupportedDmResp: { reqObjResults: [{ reqObjPath: "Device.", supportedObjs: [{ supportedObjPath: "Device.", access, supportedParams: [param], supportedCommands: [{ commandName: "X()", commandType: 9 }] }] }] } } },
      });
    const m = decodeMsg(gsdm({ paramName: "P", valueType: 42, valueChange: 42 }));
    const obj = msgBody(m, "getSupportedDmResp")!.reqObjResults[0]!.supportedObjs[0]!;
    assert.deepEqual(obj.supportedParams[0], { paramName: "P", access: "PARAM_READ_ONLY", valueType: "PARAM_UNKNOWN", valueChange: "VALUE_CHANGE_UNKNOWN" });
    assert.equal(obj.supportedCommands[0]!.commandType, "CMD_UNKNOWN");
    remoteError(() => decodeMsg(gsdm({ paramName: "P", access: 7 })), "UNKNOWN_ENUM", 7004, "body.response.getSupportedDmResp.reqObjResults[0].supportedObjs[0].supportedParams[0].access");
    remoteError(() => decodeMsg(gsdm({ paramName: "P" }, 12)), "UNKNOWN_ENUM", 7004);
  });

  it("refuses to encode what it would refuse to decode, and values of the wrong type", () => {
    const get = (over: Record<string, unknown>) => ({ header: { msgId: "1", msgType: "GET" }, body: { msgBody: "request", request: { reqType: "get", get: { paramPaths: ["Device."], maxDepth: 0, ...over } } } }) as unknown as UspMsg;
    localError(() => encodeMsg(uspMsg("get", "", { paramPaths: [], maxDepth: 0 })), /msgId must not be empty/);
    localError(() => encodeMsg({ ...uspMsg("get", "1", { paramPaths: [], maxDepth: 0 }), header: { msgId: "1", msgType: "SET" } }), /does not match/);
    localError(() => encodeMsg(get({ maxDepth: -1 })), /maxDepth must be an integer/);
    localError(() => encodeMsg(get({ maxDepth: 2 ** 32 })), /maxDepth must be an integer/);
    localError(() => encodeMsg(get({ paramPaths: "Device." })), /paramPaths must be an array/);
    localError(() => encodeMsg(get({ paramPaths: [7] })), /paramPaths must be a string/);
    localError(() => encodeMsg(uspMsg("error", "1", { errCode: 200, errMsg: "", paramErrs: [] })), /not a USP error code/);
    localError(() => encodeMsg(uspMsg("operate", "1", { command: "Device.Reboot()", commandKey: "", sendResp: false, inputArgs: { a: 1 as unknown as string } })), /inputArgs.a must be a string/);
    const both = { executedCommand: "Device.Reboot()", operationResp: "reqObjPath", reqObjPath: "Device.X.", cmdFailure: { errCode: 7022, errMsg: "" } };
    localError(() => encodeMsg(uspMsg("operateResp", "1", { operationResults: [both as never] })), /cmdFailure is set but operationResp says reqObjPath/);
    const bothUnlabelled = { executedCommand: "Device.Reboot()", reqObjPath: "Device.X.", cmdFailure: { errCode: 7022, errMsg: "" } };
    localError(() => encodeMsg(uspMsg("operateResp", "1", { operationResults: [bothUnlabelled as never] })), /exactly one of/);
    const access = { supportedObjPath: "Device.", access: "OBJ_EVERYTHING", isMultiInstance: false, supportedCommands: [], supportedEvents: [], supportedParams: [], divergentPaths: [], uniqueKeySets: [] };
    localError(() => encodeMsg(uspMsg("getSupportedDmResp", "1", { reqObjResults: [{ reqObjPath: "Device.", errCode: 0, errMsg: "", dataModelInstUri: "", supportedObjs: [access as never] }] })), /OBJ_EVERYTHING is not a value/);
  });
});

describe("Records", () => {
  it("has a fixture of every record type", () => {
    const types = new Set(recordFixtures.map((f) => f.record.recordType));
    assert.deepEqual([...types].sort(), ["disconnect", "mqttConnect", "noSessionContext", "sessionContext", "stompConnect", "udsConnect", "websocketConnect"]);
  });

  for (const { name, record } of recordFixtures) {
    it(`${name} round trips`, () => {
      const bytes = encodeRecord(record);
      const back = decodeRecord(bytes);
      assert.deepEqual(back, record);
      assert.deepEqual(encodeRecord(back), bytes);
    });
  }

  it("keeps a uint64 session_id exactly, and hands out payloads that are copies, not views of the input", () => {
    const bytes = Buffer.from(encodeRecord(recordFixtures[1]!.record));
    const back = decodeRecord(bytes);
    assert.ok(back.recordType === "sessionContext");
    assert.equal(back.sessionContext.sessionId, 9223372036854775813n);
    assert.equal(Object.getPrototypeOf(back.sessionContext.payload[0]), Uint8Array.prototype);
    bytes.fill(0);
    assert.deepEqual([...back.sessionContext.payload[0]!], [1, 2, 3]);
  });

  it("makes the connect Records an agent sends when its MTP comes up (R-MTP.6)", () => {
    const ws = decodeRecord(encodeRecord(connectRecord("os::012345-SN1", "proto::ctl", { mtp: "websocket" })));
    assert.equal(ws.recordType, "websocketConnect");
    assert.deepEqual([ws.fromId, ws.toId, ws.version], ["os::012345-SN1", "proto::ctl", "1.4"]);
    const mqtt = decodeRecord(encodeRecord(connectRecord("os::012345-SN1", "proto::ctl", { mtp: "mqtt", version: "V3_1_1", subscribedTopic: "usp/agent/x" })));
    assert.ok(mqtt.recordType === "mqttConnect");
    assert.deepEqual(mqtt.mqttConnect, { version: "V3_1_1", subscribedTopic: "usp/agent/x" });
  });

  it("carries a Msg: the NoSessionContext payload decodes to it", () => {
    const back = decodeRecord(encodeRecord(recordFixtures[0]!.record));
    assert.ok(back.recordType === "noSessionContext");
    assert.deepEqual(decodeMsg(back.noSessionContext.payload), msgFixtures[0]!.msg);
  });

  const header = { version: "1.4", toId: "os::012345-SN1", fromId: "proto::ctl" };
  const record = (over: Record<string, unknown>) => raw(RecordType, { ...header, noSessionContext: { payload: [1] }, ...over });

  it("refuses bytes that are no Record with 7100", () => {
    remoteError(() => decodeRecord(Buffer.from("not protobuf at all")), "MALFORMED", 7100);
    remoteError(() => decodeRecord(record({}).subarray(0, 10)), "MALFORMED", 7100);
    remoteError(() => decodeRecord(record({}), { maxBytes: 4 }), "TOO_LARGE", 7100);
  });

  it("refuses Record values TR-369 does not allow with 7104", () => {
    remoteError(() => decodeRecord(record({ version: "" })), "MISSING_FIELD", 7104, "version");
    remoteError(() => decodeRecord(record({ version: "one" })), "INVALID_FIELD", 7104, "version");
    remoteError(() => decodeRecord(record({ toId: "" })), "MISSING_FIELD", 7104, "toId");
    remoteError(() => decodeRecord(record({ toId: "controller" })), "INVALID_FIELD", 7104, "toId");
    remoteError(() => decodeRecord(record({ fromId: "os::has space" })), "INVALID_FIELD", 7104, "fromId");
    remoteError(() => decodeRecord(raw(RecordType, header)), "MISSING_FIELD", 7104, "recordType");
    remoteError(() => decodeRecord(record({ noSessionContext: {} })), "MISSING_FIELD", 7104, "noSessionContext.payload");
    remoteError(() => decodeRecord(record({ payloadSecurity: 5 })), "UNKNOWN_ENUM", 7104, "payloadSecurity");
    remoteError(() => decodeRecord(record({ noSessionContext: undefined, mqttConnect: { version: 3, subscribedTopic: "t" } })), "UNKNOWN_ENUM", 7104, "mqttConnect.version");
    remoteError(() => decodeRecord(record({ noSessionContext: undefined, mqttConnect: { version: 1 } })), "MISSING_FIELD", 7104, "mqttConnect.subscribedTopic");
    const session = (over: Record<string, unknown>) => record({ noSessionContext: undefined, sessionContext: { sessionId: 1, sequenceId: 1, expectedId: 1, payload: [[1]], ...over } });
    assert.equal(decodeRecord(session({})).recordType, "sessionContext");
    remoteError(() => decodeRecord(session({ sessionId: 0 })), "INVALID_FIELD", 7104, "sessionContext.sessionId");
    remoteError(() => decodeRecord(session({ sequenceId: 0 })), "INVALID_FIELD", 7104, "sessionContext.sequenceId");
    remoteError(() => decodeRecord(session({ payloadrecSarState: 1 })), "INVALID_FIELD", 7104, "sessionContext.payloadrecSarState");
    remoteError(() => decodeRecord(session({ payload: [] })), "MISSING_FIELD", 7104, "sessionContext.payload");
    assert.equal(decodeRecord(session({ payload: [], retransmitId: 3 })).recordType, "sessionContext");
  });

  it("refuses to encode a Record it would refuse to decode", () => {
    const base = recordFixtures[0]!.record;
    localError(() => encodeRecord({ ...base, toId: "nobody" }), /not an Endpoint ID/);
    localError(() => encodeRecord({ ...base, version: "" }), /version must not be empty/);
    localError(() => encodeRecord({ ...base, noSessionContext: { payload: new Uint8Array() } } as UspRecord), /carries a payload/);
    localError(() => encodeRecord({ ...base, noSessionContext: { payload: "text" } } as unknown as UspRecord), /payload must be a Uint8Array/);
    const session = recordFixtures[1]!.record as Extract<UspRecord, { recordType: "sessionContext" }>;
    localError(() => encodeRecord({ ...session, sessionContext: { ...session.sessionContext, sessionId: 2n ** 64n } }), /sessionId must be a bigint/);
    localError(() => encodeRecord({ ...session, sessionContext: { ...session.sessionContext, payloadSarState: "NONE" } }), /payloadrec_sar_state must be NONE/);
  });
});
