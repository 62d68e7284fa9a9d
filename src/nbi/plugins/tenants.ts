// Tenants over the API: named device filters that API keys are scoped to (src/nbi/tenancy.ts), managed
// by unscoped admins.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { parse } from "../../query/index.js";
import type { TenantRecord } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { RouteRegistry } from "../route.js";

const DateTime = Type.String({ format: "date-time" });
export const TenantName = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description: "Letters, digits, '.', '_' and '-', starting with a letter or digit; at most 64" });
const Filter = Type.String({ minLength: 1, maxLength: 16384, description: "The tenant's devices (docs/filters.md), e.g. tag = \"acme\"" });
const Description = Type.String({ maxLength: 1024 });

const TenantSchema = Type.Object(
  { name: Type.String(), filter: Type.String(), description: Type.String(), createdAt: DateTime, updatedAt: DateTime },
  { $id: "Tenant" },
);

const tenantJson = (t: TenantRecord) => ({ name: t.name, filter: t.filter, description: t.description, createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString() });

export function tenantRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store } = ctx;
  const Params = Type.Object({ name: TenantName });
  const notFound = (name: string) => new ApiError("TENANT_NOT_FOUND", `no tenant ${JSON.stringify(name)}`);
  const readTenant = async (name: string) => {
    const t = await store.tenants.get(name);
    return t === null ? null : tenantJson(t);
  };

  r.add(app, {
    method: "POST",
    url: "/api/tenants",
    operationId: "createTenant",
    summary: "Create a tenant",
    description: "A tenant is a device filter; API keys created with `tenant` see and act on the devices it matches only (docs/api.md, Tenants).",
    tag: "tenants",
    role: "admin",
    body: Type.Object({ name: TenantName, filter: Filter, description: Type.Optional(Description) }, { additionalProperties: false }),
    responses: { 201: TenantSchema },
    errors: ["FILTER_INVALID", "TENANT_EXISTS"],
    audit: { action: "tenant.create", targetType: "tenant", targetId: (req) => req.body.name, read: readTenant },
    handler: async (req, reply) => {
      const b = req.body;
      parse(b.filter); // FILTER_INVALID
      const now = ctx.clock();
      const t: TenantRecord = { name: b.name, filter: b.filter, description: b.description ?? "", createdAt: now, updatedAt: now };
      if (!(await store.tenants.create(t))) throw new ApiError("TENANT_EXISTS", `a tenant ${JSON.stringify(b.name)} exists already`);
      return reply.status(201).header("Location", `/api/tenants/${encodeURIComponent(t.name)}`).send(tenantJson(t));
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/tenants",
    operationId: "listTenants",
    summary: "List tenants, by name",
    tag: "tenants",
    role: "admin",
    responses: { 200: Type.Object({ tenants: Type.Array(TenantSchema) }) },
    handler: async () => ({ tenants: (await store.tenants.list()).map(tenantJson) }),
  });

  r.add(app, {
    method: "GET",
    url: "/api/tenants/:name",
    operationId: "getTenant",
    summary: "A tenant",
    tag: "tenants",
    role: "admin",
    params: Params,
    responses: { 200: TenantSchema },
    errors: ["TENANT_NOT_FOUND"],
    handler: async (req) => {
      const t = await store.tenants.get(req.params.name);
      if (t === null) throw notFound(req.params.name);
      return tenantJson(t);
    },
  });

  r.add(app, {
    method: "PATCH",
    url: "/api/tenants/:name",
    operationId: "updateTenant",
    summary: "Change a tenant's filter or description",
    description: "A new filter applies from the next request of the tenant's keys; event streams already open follow it, and a device leaving the tenant, within 5 seconds (docs/api.md, Tenants). Webhooks and campaigns of the tenant follow it too; a campaign's targets were fixed when it was created.",
    tag: "tenants",
    role: "admin",
    params: Params,
    body: Type.Object({ filter: Type.Optional(Filter), description: Type.Optional(Description) }, { additionalProperties: false }),
    responses: { 200: TenantSchema },
    errors: ["TENANT_NOT_FOUND", "FILTER_INVALID"],
    audit: { action: "tenant.update", targetType: "tenant", targetId: (req) => req.params.name, read: readTenant },
    handler: async (req) => {
      const b = req.body;
      if (b.filter !== undefined) parse(b.filter);
      const t = await store.tenants.update(req.params.name, {
        ...(b.filter !== undefined ? { filter: b.filter } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
        updatedAt: ctx.clock(),
      });
      if (t === null) throw notFound(req.params.name);
      return tenantJson(t);
    },
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/tenants/:name",
    operationId: "deleteTenant",
    summary: "Delete a tenant no API key or user is scoped to",
    description: "Refused (409 TENANT_IN_USE) while keys that are not revoked, or console users (disabled ones too), are scoped to it. Webhooks and campaigns a tenant's keys created keep its name and then reach no device (no tenant, no devices) until a tenant of that name is created again.",
    tag: "tenants",
    role: "admin",
    params: Params,
    responses: { 204: null },
    errors: ["TENANT_NOT_FOUND", "TENANT_IN_USE"],
    audit: { action: "tenant.delete", targetType: "tenant", targetId: (req) => req.params.name, read: readTenant },
    handler: async (req, reply) => {
      const name = req.params.name;
      const deleted = await store.transaction(async (tx) => {
        const keys = await tx.apiKeys.countOfTenant(name);
        const users = await tx.users.countOfTenant(name);
        if (keys > 0 || users > 0) {
          throw new ApiError("TENANT_IN_USE", `${keys} API key(s) and ${users} user(s) are scoped to tenant ${JSON.stringify(name)}; revoke the keys and move or delete the users first`, { apiKeys: keys, users });
        }
        return tx.tenants.delete(name);
      });
      if (!deleted) throw notFound(name);
      return reply.status(204).send();
    },
  });
}
