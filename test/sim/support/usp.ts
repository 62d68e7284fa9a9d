// A USP controller in a test's hands: Records built with the real codec go to a simulated agent, and
// what the agent sends comes back decoded.

import assert from "node:assert/strict";
import {
  decodeMsg, decodeRecord, encodeMsg, encodeRecord, msgBody, msgKind, noSessionContextRecord, uspMsg,
  type MessageBodies, type MessageKind, type UspMsg, type UspRecord,
} from "../../../src/usp/index.js";
import { makeIdentity } from "../../../src/sim/identity.js";
import { tr181Source } from "../../../src/sim/models/index.js";
import { compileUspModel, UspAgent, type AgentEffect, type UspAgentOptions, type UspModel } from "../../../src/sim/usp/index.js";

export const CTRL = "proto::provisio";
export const T0 = Date.parse("2024-05-01T00:00:00Z");

let shared: UspModel | undefined;
export function uspModel(): UspModel {
  return (shared ??= compileUspModel(tr181Source(), { controllerId: CTRL }));
}

/** A powered-on agent (device index `index`) that reaches the controller. */
export function newAgent(o: UspAgentOptions = {}, index = 0): UspAgent {
  const m = uspModel();
  const a = new UspAgent(m, makeIdentity(m.model.identityDefaults, {}, index), o);
  a.powerOn(T0);
  return a;
}

export interface Sent {
  record: UspRecord;
  /** The Msg of a NoSessionContext Record. */
  msg?: UspMsg;
}

/** The Records among effects, decoded. */
export function sent(effects: AgentEffect[]): Sent[] {
  return effects.flatMap((e) => {
    if (e.type !== "send") return [];
    const record = decodeRecord(e.bytes);
    return [{ record, ...(record.recordType === "noSessionContext" ? { msg: decodeMsg(record.noSessionContext.payload) } : {}) }];
  });
}

export function msgs(effects: AgentEffect[]): UspMsg[] {
  return sent(effects).flatMap((s) => (s.msg ? [s.msg] : []));
}

/** The bytes of a Record carrying a Msg from the controller to the agent. */
export function recordFor(a: UspAgent, msg: UspMsg | Uint8Array, from = CTRL): Uint8Array {
  return encodeRecord(noSessionContextRecord(from, a.endpointId, msg instanceof Uint8Array ? msg : encodeMsg(msg)));
}

let ids = 0;

/** Sends a request; returns every effect. */
export function send<K extends MessageKind>(a: UspAgent, kind: K, body: MessageBodies[K], now = T0, from = CTRL): AgentEffect[] {
  return a.receive(recordFor(a, uspMsg(kind, `req-${++ids}`, body), from), now);
}

/** Sends a request and returns the one answer of the expected kind (and the other Msgs sent with it). */
export function call<R extends MessageKind>(a: UspAgent, kind: MessageKind, body: unknown, expect: R, now = T0, from = CTRL): { resp: MessageBodies[R]; others: UspMsg[]; effects: AgentEffect[] } {
  const effects = send(a, kind, body as MessageBodies[typeof kind], now, from);
  const all = msgs(effects);
  const answer = all.find((m) => msgKind(m) === expect);
  assert.ok(answer, `expected a ${expect}, got ${all.map(msgKind).join(", ") || "nothing"}`);
  return { resp: msgBody(answer, expect)!, others: all.filter((m) => m !== answer), effects };
}

/** The Notify bodies among Msgs. */
export function notifies(list: UspMsg[]): MessageBodies["notify"][] {
  return list.flatMap((m) => {
    const n = msgBody(m, "notify");
    return n ? [n] : [];
  });
}

/** Adds a subscription row as a controller would; returns its instantiated path. */
export function subscribe(a: UspAgent, notifType: string, refs: string, o: { id?: string; retry?: boolean; persistent?: boolean; from?: string } = {}, now = T0): string {
  const { resp } = call(a, "add", {
    allowPartial: false,
    createObjs: [{
      objPath: "Device.LocalAgent.Subscription.",
      paramSettings: [
        { param: "Enable", value: "true", required: true },
        { param: "ID", value: o.id ?? `sub-${++ids}`, required: true },
        { param: "NotifType", value: notifType, required: true },
        { param: "ReferenceList", value: refs, required: true },
        { param: "NotifRetry", value: String(o.retry ?? false), required: true },
        { param: "Persistent", value: String(o.persistent ?? false), required: true },
      ],
    }],
  }, "addResp", now, o.from ?? CTRL);
  const r = resp.createdObjResults[0]!.operStatus;
  assert.equal(r.operStatus, "operSuccess", JSON.stringify(r));
  return r.operStatus === "operSuccess" ? r.operSuccess.instantiatedPath : "";
}
