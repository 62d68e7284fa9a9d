// Faults kept on devices: list and clear.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { recordEvents, type AcsEvent } from "../../server/events.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { scopeOf } from "../tenancy.js";
import { faultJson } from "../json.js";
import type { RouteRegistry } from "../route.js";
import { MAX_DEVICE_ID_LENGTH } from "../../session/index.js";
import { Fault } from "../schemas.js";

export function faultRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store, settings } = ctx;

  r.add(app, {
    method: "GET",
    url: "/api/faults",
    operationId: "listFaults",
    summary: "List faults, oldest first",
    tag: "faults",
    role: "read-only",
    querystring: Type.Object({
      deviceId: Type.Optional(Type.String({ maxLength: MAX_DEVICE_ID_LENGTH })),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
      offset: Type.Integer({ minimum: 0, default: 0 }),
    }),
    responses: { 200: Type.Object({ faults: Type.Array(Fault) }) },
    handler: async (req) => {
      const q = req.query;
      const scope = scopeOf(req);
      const faults = await store.faults.list({
        ...(q.deviceId !== undefined ? { deviceId: q.deviceId } : {}),
        ...(scope !== null ? { devices: { filter: scope.filter, now: ctx.clock(), onlineWithinMs: settings.onlineWindowMs } } : {}),
        limit: q.limit,
        offset: q.offset,
      });
      return { faults: faults.map(faultJson) };
    },
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/faults/:id",
    operationId: "clearFault",
    summary: "Clear a fault",
    description: "Emits fault.cleared. A task's fault is also cleared when the task later succeeds.",
    tag: "faults",
    role: "operator",
    params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
    responses: { 204: null },
    errors: ["FAULT_NOT_FOUND"],
    audit: { action: "fault.clear", targetType: "fault", targetId: (req) => req.params.id },
    handler: async (req, reply) => {
      const at = ctx.clock();
      const events = await store.transaction(async (tx) => {
        const f = await tx.faults.get(req.params.id);
        if (f === null || !(await tx.faults.clear(f.id))) return null;
        return recordEvents(tx, [{ type: "fault.cleared", deviceId: f.deviceId, at, channel: f.channel }] as AcsEvent[]);
      });
      if (events === null) throw new ApiError("FAULT_NOT_FOUND", `no fault ${JSON.stringify(req.params.id)}`);
      for (const e of events) ctx.events.emit(e);
      return reply.status(204).send();
    },
  });
}
