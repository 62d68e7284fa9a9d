// One bridged session: the agent's identity read with a Get, a synthetic Inform given to the CWMP engine,
// then each RPC the engine plans carried as USP requests and its answer fed back, until the engine ends
// the session. Requests to the agent and the engine are given: no sockets here.

import type { CwmpEnvelope, CwmpMessage, EventStruct, TransferComplete } from "../cwmp/index.js";
import { deviceIdOf } from "../session/device-id.js";
import { msgBody, type RequestBodies, type UspMsg } from "../usp/index.js";
import type { BridgedReply, BridgedStep } from "../server/cwmp-handler.js";
import type { UspExchanged } from "../server/session-log.js";
import { fromUsp, toUsp, type BridgeContext } from "./bridge.js";
import { informEnvelope, informGet, valuesOf } from "./inform.js";
import type { SessionAuth } from "./auth.js";

/** What starts a session: its CWMP events, and what a Notify carried with them. */
export interface SessionTrigger {
  events: EventStruct[];
  changed?: { path: string; value: string }[];
  transferComplete?: TransferComplete;
  /** The Msgs that started it (a Notify and its NotifyResp), first in its history. */
  messages?: UspExchanged[];
}

export interface BridgedSessionIo {
  endpointId: string;
  auth: SessionAuth;
  remoteAddress: string | null;
  /** Sends a request to the agent; resolves with its response or Error; rejects when it does not answer. */
  request<K extends keyof RequestBodies>(kind: K, body: RequestBodies[K]): Promise<UspMsg>;
  engine: { bridged(step: BridgedStep): Promise<BridgedReply> };
  /** The device the session runs for, once the engine accepted its Inform. */
  started?(deviceId: string): Promise<void>;
  bridge?: BridgeContext;
  /** The bridge's context for this agent, once its identity is read (its learnt data model); else `bridge`. */
  bridgeFor?(values: ReadonlyMap<string, string>): Promise<BridgeContext>;
  /** An answer the controller has without the agent (a diagnostic's kept results), or null. */
  local?(rpc: CwmpMessage): Promise<CwmpMessage | null>;
  /** The Msgs exchanged with the agent since it was last asked, for the session history. */
  exchanged?(): readonly UspExchanged[];
  now(): Date;
}

export type SessionOutcome =
  | { kind: "ended"; deviceId: string; rpcs: number }
  | { kind: "refused"; reason: string };

/** A bound on the exchanges of one session, past the engine's own RPC limit (cwmp.maxRpcsPerSession). */
const MAX_EXCHANGES = 10_000;

export async function runBridgedSession(io: BridgedSessionIo, trigger: SessionTrigger): Promise<SessionOutcome> {
  const identity = await io.request("get", informGet());
  const error = msgBody(identity, "error");
  if (error !== undefined) return { kind: "refused", reason: `the agent refused the Get of its identity: USP ${error.errCode} ${error.errMsg}` };
  const values = valuesOf(identity);
  const bridge = (await io.bridgeFor?.(values)) ?? io.bridge;
  const inform = informEnvelope({ endpointId: io.endpointId, values, events: trigger.events, changed: trigger.changed ?? [], now: io.now() });
  const step = (envelopes: CwmpEnvelope[], sessionId: string | null) => {
    const messages = io.exchanged?.();
    return io.engine.bridged({ sessionId, envelopes, auth: io.auth, remoteAddress: io.remoteAddress, ...(messages === undefined ? {} : { messages }) });
  };
  let reply = await step([inform], null);
  if (reply.sessionId === null) return { kind: "refused", reason: reply.refused ?? faultText(reply.envelope) ?? "the session ended at its Inform" };
  const deviceId = deviceIdOf((inform.body as Extract<CwmpMessage, { method: "Inform" }>).deviceId);
  await io.started?.(deviceId);
  const cpeRequests: CwmpMessage[] = trigger.transferComplete === undefined ? [] : [trigger.transferComplete];
  let rpcs = 0;
  for (let i = 0; i < MAX_EXCHANGES && reply.sessionId !== null; i++) {
    const sent = reply.envelope;
    let envelopes: CwmpEnvelope[];
    if (sent !== null && sent.body !== null && isAcsRequest(sent.body)) {
      rpcs++;
      const answer = (await io.local?.(sent.body)) ?? (await carry(io, sent.body, bridge));
      envelopes = [{ ns: sent.ns, header: sent.header.id === undefined ? {} : { id: sent.header.id }, body: answer }];
    } else {
      // The engine answered the Inform or a request of ours: what the agent notified goes next, then
      // the empty POST that tells the engine the CPE has nothing more.
      const next = cpeRequests.shift();
      envelopes = next === undefined ? [] : [{ ns: inform.ns, header: {}, body: next }];
    }
    reply = await step(envelopes, reply.sessionId);
  }
  return { kind: "ended", deviceId, rpcs };
}

/** One RPC of the engine through the agent: its USP requests in order, stopped by an Error. */
async function carry(io: BridgedSessionIo, rpc: CwmpMessage, bridge: BridgeContext | undefined): Promise<CwmpMessage> {
  const t = toUsp(rpc, bridge);
  if (t.kind === "local") return t.response;
  const answers: UspMsg[] = [];
  for (const r of t.requests) {
    const answer = await io.request(r.kind, r.body as never);
    answers.push(answer);
    if (msgBody(answer, "error") !== undefined && r.optional !== true) break;
  }
  return fromUsp(rpc, answers, bridge);
}

function isAcsRequest(m: CwmpMessage): boolean {
  return m.method !== "Fault" && !m.method.endsWith("Response");
}

function faultText(envelope: CwmpEnvelope | null): string | undefined {
  const b = envelope?.body;
  return b?.method === "Fault" ? `${b.detail.faultCode} ${b.detail.faultString}` : undefined;
}
