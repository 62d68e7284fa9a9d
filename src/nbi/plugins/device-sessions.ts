// A device's recent sessions (server/session-history.ts): summaries for the device page's log, and one
// session with the envelopes it exchanged, secrets masked.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { SessionHistoryRecord } from "../../store/types.js";
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
    summary: "The device's recent CWMP sessions, newest first",
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
      "Envelopes are the XML as received and sent, in order, with the values of secret parameters and passwords masked; each is cut at `sessionHistory.maxEnvelopeBytes` (`truncated`). `envelopes` is null when `sessionHistory.envelopes` was off.",
    tag: "devices",
    role: "read-only",
    params: Type.Object({ id: DeviceId, sessionId: Type.String({ minLength: 1, maxLength: 128 }) }),
    responses: {
      200: Type.Object({
        ...Summary,
        envelopes: Nullable(
          Type.Array(Type.Object({ direction: Type.Union([Type.Literal("received"), Type.Literal("sent")]), at: Type.String({ format: "date-time" }), xml: Type.String(), truncated: Type.Boolean() })),
        ),
      }),
    },
    errors: ["DEVICE_NOT_FOUND", "SESSION_NOT_FOUND"],
    handler: async (req) => {
      const h = await store.sessionHistory.get(req.params.id, req.params.sessionId);
      if (h === null) {
        if ((await store.devices.get(req.params.id)) === null) throw deviceNotFound(req.params.id);
        throw new ApiError("SESSION_NOT_FOUND", `device ${JSON.stringify(req.params.id)} has no recorded session ${JSON.stringify(req.params.sessionId)}`);
      }
      return { ...summaryJson(h), envelopes: h.envelopes === null ? null : h.envelopes.map((e) => ({ ...e, at: e.at.toISOString() })) };
    },
  });
}
