// The console's login: POST /api/session exchanges a username and password for a session cookie,
// GET tells who the caller is (a user or an API key), DELETE logs out; a logged-in user changes their
// own password with POST /api/session/password.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { parseCookies } from "../../server/cookies.js";
import { hashSessionToken, SESSION_COOKIE } from "../../server/logins.js";
import { MAX_PASSWORD_LENGTH, updateUser } from "../../server/users.js";
import { overTls, userPrincipal } from "../authenticate.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { Principal } from "../principal.js";
import type { RouteRegistry } from "../route.js";
import { ApiRoleSchema, Nullable } from "../schemas.js";

export const PrincipalSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal("apiKey"), Type.Literal("user")]),
    id: Type.String({ description: "The key's id, or the user's username" }),
    name: Type.String({ description: "The key's name, or the user's display name (else the username)" }),
    role: ApiRoleSchema,
    tenant: Nullable(Type.String({ description: "The tenant the principal is scoped to (it sees and acts on that tenant's devices only); null: every device" })),
  },
  { $id: "Principal", additionalProperties: false },
);

const SessionBody = Type.Object(
  {
    principal: PrincipalSchema,
    csrfToken: Type.Optional(Type.String({ description: "For a console login only: send it as X-CSRF-Token with every POST, PUT, PATCH and DELETE" })),
  },
  { $id: "Session", additionalProperties: false },
);

const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH });

const sessionJson = (p: Principal, csrfToken?: string) => ({
  principal: { kind: p.kind, id: p.id, name: p.name, role: p.role, tenant: p.tenant?.name ?? null },
  ...(csrfToken !== undefined ? { csrfToken } : {}),
});

/** The client's address, for the login limits (the proxy's, behind one: see docs/api.md). */
const addressOf = (req: FastifyRequest) => req.ip;

export function sessionRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { logins } = ctx;

  r.add(app, {
    method: "POST",
    url: "/api/session",
    operationId: "login",
    summary: "Log in to the console: set the session cookie",
    description:
      "Answers who logged in and the CSRF token, and sets the cookie provisio_session (HttpOnly, SameSite=Strict, Path=/; Secure over HTTPS). " +
      "Requests with the cookie that change something must send the CSRF token as X-CSRF-Token. A wrong username, a wrong password and a disabled user get the same answer.",
    tag: "session",
    role: "public",
    body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 256 }), password: Password }, { additionalProperties: false }),
    responses: { 200: SessionBody },
    errors: ["LOGIN_FAILED", "LOGIN_RATE_LIMITED", "TENANT_FORBIDDEN"],
    // Recorded once the login succeeded, with the user as its principal (the handler sets it); a failed
    // login has no principal and is not (logins.ts counts and limits those, and logs them).
    audit: { action: "user.login", targetType: "user", targetId: (_req, res) => (res as { principal?: { id?: string } } | undefined)?.principal?.id, summary: () => "logged in to the console" },
    handler: async (req, reply) => {
      const result = await logins.login(req.body.username, req.body.password, addressOf(req));
      if (!result.ok) {
        if (result.reason === "limited") {
          throw new ApiError("LOGIN_RATE_LIMITED", `too many failed logins; retry in ${result.retryAfterSeconds} s`, undefined, { "Retry-After": String(result.retryAfterSeconds) });
        }
        throw new ApiError("LOGIN_FAILED", "the username or the password is wrong");
      }
      // A user whose tenant is gone gets no login at all (their requests would all be refused).
      const principal = await userPrincipal(ctx, result.user).catch(async (err: unknown) => {
        await logins.logout(hashSessionToken(result.token));
        throw err;
      });
      // A login replaces the one this browser had: one cookie, one session.
      const previous = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
      if (previous !== undefined && previous !== "") await logins.logout(hashSessionToken(previous));
      void reply.header("Set-Cookie", logins.cookie(result.token, overTls(req)));
      ctx.log.info({ user: result.user.username }, "console login");
      (req as { principal: Principal | null }).principal = principal;
      return sessionJson(principal, result.csrfToken);
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/session",
    operationId: "getSession",
    summary: "Who is logged in (a console user, with the CSRF token) or which API key is used",
    tag: "session",
    role: "any",
    responses: { 200: SessionBody },
    handler: async (req) => sessionJson(req.principal, req.login?.csrfToken),
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/session",
    operationId: "logout",
    summary: "Log out: end the console login and clear its cookie",
    description: "With an API key there is no login to end: nothing happens.",
    tag: "session",
    role: "any",
    responses: { 204: null },
    audit: { action: "user.logout", targetType: "user", targetId: (req) => req.principal.id, summary: () => "logged out of the console" },
    handler: async (req, reply) => {
      if (req.login !== null) {
        await logins.logout(req.login.tokenHash);
        void reply.header("Set-Cookie", logins.cookie(null, overTls(req)));
      }
      return reply.status(204).send();
    },
  });

  r.add(app, {
    method: "POST",
    url: "/api/session/password",
    operationId: "changeOwnPassword",
    summary: "Change the logged-in user's password",
    description: "Needs the current password. Ends the user's other logins; this one goes on.",
    tag: "session",
    role: "any",
    body: Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false }),
    responses: { 204: null },
    errors: ["USER_REQUIRED", "CURRENT_PASSWORD_WRONG", "LOGIN_RATE_LIMITED", "PASSWORD_POLICY"],
    audit: { action: "user.changeOwnPassword", targetType: "user", targetId: (req) => req.principal.id, summary: () => "changed their own password" },
    handler: async (req, reply) => {
      const login = req.login;
      if (login === null) throw new ApiError("USER_REQUIRED", "an API key has no password: log in to the console to change yours");
      const check = await logins.checkCurrentPassword(login.user, req.body.currentPassword, addressOf(req));
      if (check.retryAfterSeconds !== undefined) {
        throw new ApiError("LOGIN_RATE_LIMITED", `too many failed attempts; retry in ${check.retryAfterSeconds} s`, undefined, { "Retry-After": String(check.retryAfterSeconds) });
      }
      if (!check.ok) throw new ApiError("CURRENT_PASSWORD_WRONG", "the current password is wrong");
      await updateUser(ctx.store, login.user.username, { password: req.body.newPassword }, ctx.clock(), login.tokenHash);
      ctx.log.info({ user: login.user.username }, "password changed; the user's other logins ended");
      return reply.status(204).send();
    },
  });
}
