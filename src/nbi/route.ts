// How a plugin declares an endpoint: method, path, role, schemas of each part and of each response,
// the errors it can answer with. The same declaration registers the fastify route and feeds the
// OpenAPI document (openapi.ts), so the two cannot drift apart.

import { Type, type Static, type TSchema } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApiRole } from "../store/types.js";
import type { LoginSession } from "../server/logins.js";
import type { Principal } from "./principal.js";
import type { ErrorName } from "./errors.js";
import type { RouteAudit } from "./audit.js";

/** public: no credentials at all (/healthz, the login); any: any valid key or login; else the least role needed. */
export type RouteRole = ApiRole | "any" | "public";

type StaticOr<S, D> = S extends TSchema ? Static<S> : D;

export interface RouteSpec<P extends TSchema | undefined = undefined, Q extends TSchema | undefined = undefined, B extends TSchema | undefined = undefined> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** fastify syntax: /api/devices/:id */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  role: RouteRole;
  params?: P;
  querystring?: Q;
  body?: B;
  /** A request body that is not JSON (a file's bytes): the handler reads req.raw itself; documented with this media type. */
  rawBody?: { mediaType: string; description: string; /** Also accepted as this one part of a multipart/form-data body. */ multipartField?: string };
  headers?: TSchema;
  /** Status -> body schema; null for no body (204), or a media type other than JSON with its schema. */
  responses: Record<number, TSchema | null | { mediaType: string; schema: TSchema }>;
  /** Answers also given in another media type when the client's Accept asks for it (the handler chooses): status -> media type and schema. */
  alsoAs?: Record<number, { mediaType: string; schema: TSchema }>;
  /** The errors this endpoint can answer with, besides the authentication ones (added by role). */
  errors?: ErrorName[];
  /**
   * What a state-changing route (POST, PUT, PATCH, DELETE) records in the audit trail (nbi/audit.ts):
   * every such route declares it (test/nbi/audit-routes.test.ts checks), `{ none: why }` when it changes nothing.
   */
  audit?: RouteAudit<P, Q, B>;
  handler: (req: ApiRequest<P, Q, B>, reply: FastifyReply) => Promise<unknown>;
}

export type ApiRequest<P, Q, B> = FastifyRequest<{
  Params: StaticOr<P, Record<string, never>>;
  Querystring: StaticOr<Q, Record<string, never>>;
  Body: StaticOr<B, undefined>;
}> & {
  /** Who is asking; set before the handler runs on every route but public ones. */
  principal: Principal;
  /** The console login behind a request authenticated by the session cookie; null otherwise. */
  login: LoginSession | null;
};

// Erased spec as kept by the registry.
export type AnyRouteSpec = RouteSpec<TSchema | undefined, TSchema | undefined, TSchema | undefined>;

export interface RouteConfig {
  role: RouteRole;
  operationId: string;
  audit?: unknown;
}

/** Collects the routes of one API instance (one per app; not module state). */
export class RouteRegistry {
  readonly routes: AnyRouteSpec[] = [];

  add<P extends TSchema | undefined, Q extends TSchema | undefined, B extends TSchema | undefined>(app: FastifyInstance, spec: RouteSpec<P, Q, B>): void {
    this.routes.push(spec as unknown as AnyRouteSpec);
    const response: Record<number, TSchema> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      if (r === null) continue;
      if ("mediaType" in r && "schema" in r && typeof r.mediaType === "string") {
        if (r.mediaType === "application/json") response[Number(status)] = r.schema as TSchema;
        continue;
      }
      response[Number(status)] = r as TSchema;
    }
    const config: RouteConfig = { role: spec.role, operationId: spec.operationId, ...(spec.audit !== undefined ? { audit: spec.audit } : {}) };
    // Unknown query parameters are refused as unknown body keys are: a misspelt `limt=5` must not pass
    // for the default, nor a parameter of another endpoint for one this endpoint has.
    const querystring = { ...(spec.querystring ?? Type.Object({})), additionalProperties: false };
    app.route({
      method: spec.method,
      url: spec.url,
      config,
      schema: {
        ...(spec.params ? { params: spec.params } : {}),
        querystring,
        ...(spec.body ? { body: spec.body } : {}),
        ...(spec.headers ? { headers: spec.headers } : {}),
        response,
      },
      handler: (req, reply) => spec.handler(req as ApiRequest<P, Q, B>, reply),
    });
  }
}
