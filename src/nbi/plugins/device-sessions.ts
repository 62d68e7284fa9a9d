// A device's recent sessions (server/session-history.ts): summaries for the device page's log, and one
// session with the envelopes it exchanged, secrets masked.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { SessionEnvelope, SessionHistoryRecord } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { RouteRegistry } from "../route.js";
import { DeviceId, Nullable } from "../schemas.js";

const Summary = {
  sessionId: Type.String(),
  startedAt: Type.String({ format: "date-time" }),
  endedAt: Type.String({ format: "date-time" }),
  durationMs: Type.Integer(),
  outcome: Type.String({ description: "How it ended: the session.ended event's reason" }),
  events: Type.Array(Type.String(), { description: "The Inform's event codes" }),
  rpcs: Type.Array(Type.String(), { description: "Requests the ACS sent, in order" }),
  cpeRequests: Type.Array(Type.String(), { description: "Requests the CPE made besides its Inform, in order" }),
  tasks: Type.Object({ done: Type.Integer(), failed: Type.Integer() }),
  faults: Type.Array(Type.String(), { description: "CWMP fault codes the CPE answered with" }),
  envelopesDropped: Type.Integer({ description: "Envelopes not kept once sessionHistory.maxSessionBytes (or the process's sessionHistory.maxHeldBytes) was reached" }),
};

const Direction = Type.Union([Type.Literal("received"), Type.Literal("sent")]);
const At = Type.String({ format: "date-time" });
const Envelope = Type.Union([
  Type.Object({ protocol: Type.Literal("cwmp"), direction: Direction, at: At, xml: Type.String({ description: "The XML as received or sent" }), truncated: Type.Boolean() }),
  Type.Object({
    protocol: Type.Literal("usp"),
    direction: Direction,
    at: At,
    mtp: Type.String({ description: "The MTP that carried it: websocket, mqtt, loopback" }),
    msgId: Type.String(),
    msgType: Type.String({ description: "The header's msg_type: GET, GET_RESP, NOTIFY, ERROR..." }),
    msg: Type.String({ description: "The Msg, header and body, as JSON text with TR-369's field names; defaults left out" }),
    truncated: Type.Boolean(),
  }),
]);

/** An envelope as the API gives it; rows written before USP Msgs were kept name no protocol. */
function envelopeJson(e: SessionEnvelope) {
  return e.protocol === "usp" ? { ...e, at: e.at.toISOString() } : { ...e, protocol: "cwmp" as const, at: e.at.toISOString() };
}

function summaryJson(h: Omit<SessionHistoryRecord, "envelopes">) {
  return {
    sessionId: h.sessionId,
    startedAt: h.startedAt.toISOString(),
    endedAt: h.endedAt.toISOString(),
    durationMs: Math.max(0, h.endedAt.getTime() - h.startedAt.getTime()),
    outcome: h.outcome,
    events: h.summary.events,
    rpcs: h.summary.rpcs,
    cpeRequests: h.summary.cpeRequests,
    tasks: h.summary.tasks,
    faults: h.summary.faults,
    envelopesDropped: h.summary.envelopesDropped ?? 0,
  };
}

export function deviceSessionRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store } = ctx;
  const deviceNotFound = (id: string) => new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(id)}`);

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/sessions",
    operationId: "listDeviceSessions",
    summary: "The device's recent sessions, newest first",
    description: "The last `sessionHistory.perDevice` sessions (docs/configuration.md), each summarized; GET one for its envelopes.",
    tag: "devices",
    role: "read-only",
    params: Type.Object({ id: DeviceId }),
    responses: { 200: Type.Object({ sessions: Type.Array(Type.Object(Summary)) }) },
    errors: ["DEVICE_NOT_FOUND"],
    handler: async (req) => {
      const list = await store.sessionHistory.list(req.params.id, Math.max(1, ctx.sessionHistoryPerDevice));
      if (list.length === 0 && (await store.devices.get(req.params.id)) === null) throw deviceNotFound(req.params.id);
      return { sessions: list.map(summaryJson) };
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/sessions/:sessionId",
    operationId: "getDeviceSession",
    summary: "One recorded session of the device, with the envelopes exchanged",
    description:
      "Envelopes are what the session exchanged, in order: for a CWMP device the XML as received and sent (`protocol` cwmp), for a USP device each USP Msg as JSON (`protocol` usp) with the MTP that carried it. The values of secret parameters, arguments and passwords are masked; each is cut at `sessionHistory.maxEnvelopeBytes` (`truncated`). `envelopes` is null when `sessionHistory.envelopes` was off.",
    tag: "devices",
    role: "read-only",
    params: Type.Object({ id: DeviceId, sessionId: Type.String({ minLength: 1, maxLength: 128 }) }),
    responses: {
      200: Type.Object({
        ...Summary,
        envelopes: Nullable(Type.Array(Envelope)),
      }),
    },
    errors: ["DEVICE_NOT_FOUND", "SESSION_NOT_FOUND"],
    handler: async (req) => {
      const h = await store.sessionHistory.get(req.params.id, req.params.sessionId);
      if (h === null) {
        if ((await store.devices.get(req.params.id)) === null) throw deviceNotFound(req.params.id);
        throw new ApiError("SESSION_NOT_FOUND", `device ${JSON.stringify(req.params.id)} has no recorded session ${JSON.stringify(req.params.sessionId)}`);
      }
      return { ...summaryJson(h), envelopes: h.envelopes === null ? null : h.envelopes.map(envelopeJson) };
    },
  });
}
