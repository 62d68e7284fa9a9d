// Health, metrics, the OpenAPI document and the process's status.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { RouteRegistry } from "../route.js";
import { Nullable } from "../schemas.js";

export function systemRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext, openApi: () => unknown): void {
  r.add(app, {
    method: "GET",
    url: "/healthz",
    operationId: "health",
    summary: "Liveness and readiness: the database answers and takes writes",
    description: "The only endpoint without an API key; it tells nothing but whether this process can serve. Each call writes one small row (a database that answers reads but refuses writes, a full disk or a read-only file or server, cannot serve CPEs). 503 while the database is unavailable; the process keeps running and serves again once it is back.",
    tag: "system",
    role: "public",
    responses: { 200: Type.Object({ status: Type.Literal("ok"), store: Type.String() }) },
    errors: ["STORE_UNAVAILABLE"],
    handler: async () => {
      try {
        await ctx.store.settings.set("health", ctx.clock().toISOString());
      } catch (err) {
        ctx.log.warn({ err: (err as Error).message }, "health check: the database does not answer or does not take writes");
        throw new ApiError("STORE_UNAVAILABLE", "the database does not answer or does not take writes");
      }
      return { status: "ok" as const, store: ctx.store.backend };
    },
  });

  r.add(app, {
    method: "GET",
    url: "/metrics",
    operationId: "metrics",
    summary: "Prometheus metrics of this process",
    description: "Needs an API key (any role): configure Prometheus with `authorization: { credentials: <key> }`. Each ACS process serves its own counts.",
    tag: "system",
    role: "any",
    responses: { 200: { mediaType: "text/plain", schema: Type.String({ description: "Prometheus text format 0.0.4" }) } },
    handler: async (_req, reply) => {
      const m = await ctx.metrics.render();
      return reply.type(m.contentType).serializer((s: unknown) => String(s)).send(m.body);
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/openapi.json",
    operationId: "openApi",
    summary: "This API's OpenAPI 3.1 document",
    tag: "system",
    role: "any",
    responses: { 200: { mediaType: "application/json", schema: Type.Object({}, { additionalProperties: true, description: "OpenAPI 3.1" }) } },
    handler: async (_req, reply) => reply.type("application/json").serializer(JSON.stringify).send(openApi()),
  });

  r.add(app, {
    method: "GET",
    url: "/api/status",
    operationId: "status",
    summary: "This process: version, database, connection-request services",
    tag: "system",
    role: "read-only",
    responses: {
      200: Type.Object({
        version: Type.String(),
        store: Type.String(),
        cwmpUrl: Type.String(),
        stun: Nullable(Type.Object({ address: Type.String(), port: Type.Integer() })),
        xmpp: Nullable(Type.Object({ status: Type.String(), jid: Nullable(Type.String()) })),
        connectionRequestMethods: Type.Array(Type.String()),
      }),
    },
    handler: async () => ({
      version: ctx.info.version,
      store: ctx.store.backend,
      cwmpUrl: ctx.info.cwmpUrl,
      stun: ctx.connectionRequests.stunAddress,
      xmpp: ctx.connectionRequests.xmppStatus,
      connectionRequestMethods: ctx.connectionRequests.methods,
    }),
  });
}
