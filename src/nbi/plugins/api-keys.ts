// API keys over the API (admins), and the caller's own key.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { createApiKey } from "../../server/api-keys.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import { apiKeyJson } from "../json.js";
import { idOf } from "../audit.js";
import type { RouteRegistry } from "../route.js";
import { ApiKey, ApiRoleSchema } from "../schemas.js";
import { TenantName } from "./tenants.js";

export function apiKeyRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store } = ctx;
  const readKey = async (id: string) => {
    const k = await store.apiKeys.get(id);
    return k === null ? null : apiKeyJson(k);
  };

  r.add(app, {
    method: "POST",
    url: "/api/apikeys",
    operationId: "createApiKey",
    summary: "Create an API key",
    description: "The key is in this answer only; the store keeps its SHA-256. With `tenant`, the key sees and acts on that tenant's devices only (docs/api.md, Tenants).",
    tag: "api keys",
    role: "admin",
    body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), role: ApiRoleSchema, tenant: Type.Optional(TenantName) }, { additionalProperties: false }),
    responses: { 201: Type.Intersect([ApiKey, Type.Object({ key: Type.String({ description: "Send as Authorization: Bearer <key>" }) })], { description: "The API key, as GET answers it, with the key itself" }) },
    audit: { action: "apiKey.create", targetType: "apiKey", targetId: (_req, res) => idOf(res), read: readKey, summary: (req) => `created API key ${JSON.stringify(req.body.name)} (${req.body.role})` },
    errors: ["TENANT_NOT_FOUND"],
    handler: async (req, reply) => {
      const tenant = req.body.tenant ?? null;
      if (tenant !== null && (await store.tenants.get(tenant)) === null) throw new ApiError("TENANT_NOT_FOUND", `no tenant ${JSON.stringify(tenant)}`);
      const { record, key } = await createApiKey(store, { name: req.body.name, role: req.body.role, now: ctx.clock(), tenant });
      return reply.status(201).send({ ...apiKeyJson(record), key });
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/apikeys",
    operationId: "listApiKeys",
    summary: "List API keys (revoked ones too)",
    tag: "api keys",
    role: "admin",
    responses: { 200: Type.Object({ apiKeys: Type.Array(ApiKey) }) },
    handler: async () => ({ apiKeys: (await store.apiKeys.list()).map(apiKeyJson) }),
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/apikeys/:id",
    operationId: "revokeApiKey",
    summary: "Revoke an API key",
    description: "Takes effect at the key's next request, in every process. The record stays, marked revoked.",
    tag: "api keys",
    role: "admin",
    params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
    responses: { 200: ApiKey },
    errors: ["APIKEY_NOT_FOUND"],
    audit: { action: "apiKey.revoke", targetType: "apiKey", targetId: (req) => req.params.id, read: readKey },
    handler: async (req) => {
      const rec = await store.apiKeys.revoke(req.params.id, ctx.clock());
      if (rec === null) throw new ApiError("APIKEY_NOT_FOUND", `no API key ${JSON.stringify(req.params.id)}`);
      return apiKeyJson(rec);
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/whoami",
    operationId: "whoami",
    summary: "The API key making this request",
    tag: "api keys",
    role: "any",
    responses: { 200: ApiKey },
    errors: ["APIKEY_NOT_FOUND"],
    handler: async (req) => {
      if (req.principal.kind !== "apiKey") throw new ApiError("APIKEY_NOT_FOUND", "this request is made with a console login, not an API key: GET /api/session tells who is logged in");
      const rec = await store.apiKeys.get(req.principal.id);
      if (rec === null) throw new ApiError("APIKEY_NOT_FOUND", `the key ${JSON.stringify(req.principal.id)} is gone`);
      return apiKeyJson(rec);
    },
  });
}
