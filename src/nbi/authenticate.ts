// Who is asking, from a request's credentials: a Bearer API key, or the console's session cookie.
//
// A key is sent deliberately by its holder, so a Bearer request needs nothing more. A cookie is sent by
// the browser with every request to this origin, whichever page made it, so a cookie-authenticated
// request that changes something must also carry the session's CSRF token (X-CSRF-Token), which only
// the console's own pages can read. Bearer wins when a request has both: it is the explicit one.

import type { FastifyReply, FastifyRequest } from "fastify";
import { parseCookies } from "../server/cookies.js";
import { csrfMatches, SESSION_COOKIE, type LoginSession } from "../server/logins.js";
import type { NbiContext } from "./context.js";
import { ApiError, type ErrorName } from "./errors.js";
import { tenantScope } from "../server/tenants.js";
import { principalOfKey, principalOfUser, type Principal } from "./principal.js";
import type { UserRecord } from "../store/types.js";

const CREDENTIALS = "an API key (Authorization: Bearer <key>) or a console login (the provisio_session cookie that POST /api/session sets)";

/** Methods that change nothing: no CSRF token needed. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface Authenticated {
  principal: Principal;
  /** The console login, when the cookie authenticated the request. */
  login: LoginSession | null;
}

export function overTls(req: FastifyRequest): boolean {
  return req.protocol === "https";
}

export async function authenticateRequest(ctx: NbiContext, req: FastifyRequest, reply: FastifyReply): Promise<Authenticated> {
  const authorization = req.headers.authorization;
  const token = authorization === undefined || authorization.trim() === "" ? parseCookies(req.headers.cookie).get(SESSION_COOKIE) : undefined;
  if (token !== undefined && token !== "") {
    const login = await byCookie(ctx, req, reply, token);
    return { principal: await userPrincipal(ctx, login.user), login };
  }
  const auth = await ctx.keys.authenticate(authorization);
  if (!auth.ok) {
    void reply.header("WWW-Authenticate", 'Bearer realm="provisio"');
    const [name, message]: [ErrorName, string] =
      auth.reason === "missing" ? ["AUTH_REQUIRED", `this endpoint needs ${CREDENTIALS}`]
        : auth.reason === "malformed" ? ["AUTH_MALFORMED", `the Authorization header must be "Bearer <key>" (or send no Authorization header and the console's session cookie)`]
          : auth.reason === "revoked" ? ["AUTH_REVOKED", "this API key was revoked"]
            : ["AUTH_INVALID", "this API key is not known"];
    throw new ApiError(name, message);
  }
  // The tenant's filter is read per request, so that a change to it applies to the next one.
  const tenant = await tenantScope(ctx.store, auth.key.tenant);
  if (tenant === "gone") throw new ApiError("TENANT_FORBIDDEN", `this API key (${auth.key.id}) is scoped to tenant ${JSON.stringify(auth.key.tenant)}, which no longer exists`, { tenant: auth.key.tenant });
  return { principal: principalOfKey(auth.key, tenant), login: null };
}

/**
 * A user's principal with their tenant's scope as it is now (read per request, like a key's). A user whose
 * tenant is gone is refused, never widened to every device.
 */
export async function userPrincipal(ctx: NbiContext, user: UserRecord): Promise<Principal> {
  const tenant = await tenantScope(ctx.store, user.tenant);
  if (tenant === "gone") throw new ApiError("TENANT_FORBIDDEN", `the user ${user.username} is scoped to tenant ${JSON.stringify(user.tenant)}, which no longer exists`, { tenant: user.tenant });
  return principalOfUser(user, tenant);
}

async function byCookie(ctx: NbiContext, req: FastifyRequest, reply: FastifyReply, token: string): Promise<LoginSession> {
  const login = await ctx.logins.authenticate(token);
  if (login === null) {
    // The browser forgets the dead cookie, so that the console's next request shows "logged out".
    void reply.header("Set-Cookie", ctx.logins.cookie(null, overTls(req)));
    throw new ApiError("AUTH_SESSION_INVALID", `the console login ended (expired, logged out, or the user's password or status changed): log in again with POST /api/session, or send ${CREDENTIALS}`);
  }
  if (!SAFE_METHODS.has(req.method)) {
    const sent = req.headers["x-csrf-token"];
    if (!csrfMatches(typeof sent === "string" ? sent : undefined, login.csrfToken)) {
      throw new ApiError("CSRF_TOKEN_INVALID", sent === undefined
        ? `${req.method} with the session cookie needs the header X-CSRF-Token: the csrfToken that POST /api/session and GET /api/session answer`
        : "the X-CSRF-Token header is not this session's CSRF token (GET /api/session answers it)");
    }
  }
  return login;
}
