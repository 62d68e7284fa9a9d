// Console users over the API (admins): create, list, read, change (role, display name, disabled,
// password reset), delete. Passwords are written, never read: no answer carries one or its hash.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { createUser, deleteUser, MAX_DISPLAY_NAME_LENGTH, MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, normalizeUsername, updateUser, UserError } from "../../server/users.js";
import type { UserRecord } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import type { RouteRegistry } from "../route.js";
import { ApiRoleSchema, Nullable } from "../schemas.js";
import { TenantName } from "./tenants.js";

const DateTime = Type.String({ format: "date-time", description: "ISO 8601, UTC" });

export const UserSchema = Type.Object(
  {
    username: Type.String({ description: "Lowercase; the user's id" }),
    displayName: Nullable(Type.String()),
    role: ApiRoleSchema,
    createdAt: DateTime,
    passwordChangedAt: DateTime,
    lastLoginAt: Nullable(DateTime),
    disabledAt: Nullable(DateTime),
    tenant: Nullable(Type.String({ description: "The tenant the user is scoped to (they see and act on its devices only); null: every device" })),
  },
  { $id: "User" },
);

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function userJson(u: UserRecord) {
  return {
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    createdAt: u.createdAt.toISOString(),
    passwordChangedAt: u.passwordChangedAt.toISOString(),
    lastLoginAt: iso(u.lastLoginAt),
    disabledAt: iso(u.disabledAt),
    tenant: u.tenant,
  };
}

const Username = Type.String({ minLength: 1, maxLength: MAX_USERNAME_LENGTH, description: "Letters, digits and . _ @ -, starting with a letter or a digit; any case (stored lowercase)" });
const DisplayName = Type.String({ minLength: 1, maxLength: MAX_DISPLAY_NAME_LENGTH });
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH, description: "At least 12 characters, and not the username" });
const Params = Type.Object({ username: Username });

export function userRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store } = ctx;
  const load = async (username: string) => {
    const name = normalizeUsername(username);
    const u = await store.users.get(name);
    if (u === null) throw new UserError("USER_NOT_FOUND", `there is no user ${name}`, "username");
    return u;
  };
  const readUser = async (username: string) => {
    const u = await store.users.get(normalizeUsername(username));
    return u === null ? null : userJson(u);
  };
  const usernameOf = (req: { params: { username: string } }) => normalizeUsername(req.params.username);

  r.add(app, {
    method: "POST",
    url: "/api/users",
    operationId: "createUser",
    summary: "Create a console user",
    tag: "users",
    role: "admin",
    description: "With `tenant`, the user sees and acts on that tenant's devices only (docs/api.md, Tenants).",
    body: Type.Object({ username: Username, displayName: Type.Optional(Nullable(DisplayName)), role: ApiRoleSchema, password: Password, tenant: Type.Optional(Nullable(TenantName)) }, { additionalProperties: false }),
    responses: { 201: UserSchema },
    errors: ["USER_EXISTS", "PASSWORD_POLICY", "TENANT_NOT_FOUND"],
    audit: { action: "user.create", targetType: "user", targetId: (_req, res) => (res as { username?: string } | undefined)?.username, read: readUser },
    handler: async (req, reply) => {
      const u = await createUser(store, { ...req.body, now: ctx.clock() });
      ctx.log.info({ user: u.username, role: u.role, by: req.principal.id }, "console user created");
      return reply.status(201).send(userJson(u));
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/users",
    operationId: "listUsers",
    summary: "List console users (disabled ones too)",
    tag: "users",
    role: "admin",
    responses: { 200: Type.Object({ users: Type.Array(UserSchema) }) },
    handler: async () => ({ users: (await store.users.list()).map(userJson) }),
  });

  r.add(app, {
    method: "GET",
    url: "/api/users/:username",
    operationId: "getUser",
    summary: "One console user",
    tag: "users",
    role: "admin",
    params: Params,
    responses: { 200: UserSchema },
    errors: ["USER_NOT_FOUND"],
    handler: async (req) => userJson(await load(req.params.username)),
  });

  r.add(app, {
    method: "PATCH",
    url: "/api/users/:username",
    operationId: "updateUser",
    summary: "Change a console user: role, tenant, display name, disabled, or a new password",
    description: "Disabling the user or setting a password ends all of the user's logins; a new role or tenant (null: unscoped) applies to their next request.",
    tag: "users",
    role: "admin",
    params: Params,
    body: Type.Object(
      { role: Type.Optional(ApiRoleSchema), displayName: Type.Optional(Nullable(DisplayName)), disabled: Type.Optional(Type.Boolean()), password: Type.Optional(Password), tenant: Type.Optional(Nullable(TenantName)) },
      { additionalProperties: false },
    ),
    responses: { 200: UserSchema },
    errors: ["USER_NOT_FOUND", "PASSWORD_POLICY", "TENANT_NOT_FOUND"],
    audit: { action: "user.update", targetType: "user", targetId: usernameOf, read: readUser, summary: (req) => `changed ${Object.keys(req.body ?? {}).sort().join(", ") || "nothing"}` },
    handler: async (req) => {
      const u = await updateUser(store, req.params.username, req.body ?? {}, ctx.clock());
      const changed = Object.keys(req.body ?? {}).sort();
      ctx.log.info({ user: u.username, changed, by: req.principal.id }, "console user changed");
      return userJson(u);
    },
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/users/:username",
    operationId: "deleteUser",
    summary: "Delete a console user (and end their logins)",
    tag: "users",
    role: "admin",
    params: Params,
    responses: { 204: null },
    errors: ["USER_NOT_FOUND"],
    audit: { action: "user.delete", targetType: "user", targetId: usernameOf, read: readUser },
    handler: async (req, reply) => {
      await deleteUser(store, req.params.username);
      ctx.log.info({ user: req.params.username.toLowerCase(), by: req.principal.id }, "console user deleted");
      return reply.status(204).send();
    },
  });
}
