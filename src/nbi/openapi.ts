// The OpenAPI 3.1 document, generated from the registered routes' own schemas. Schemas with an $id
// become components (#/components/schemas/<id>) and every use of them a $ref, so each is written once.

import type { TSchema } from "@sinclair/typebox";
import { ERRORS, errorCode, type ErrorName } from "./errors.js";
import { tenancyErrors, tenancyOf } from "./tenancy.js";
import type { AnyRouteSpec } from "./route.js";
import { ErrorBody } from "./schemas.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const REF = "#/components/schemas/";

/** A schema as plain JSON, with $id'd subschemas moved to `components` and replaced by $refs. */
function convert(schema: unknown, components: Record<string, Json>, top = true): Json {
  if (Array.isArray(schema)) return schema.map((s) => convert(s, components, false));
  if (schema === null || typeof schema !== "object") return schema as Json;
  const s = schema as Record<string, unknown>;
  const id = typeof s.$id === "string" ? s.$id : undefined;
  if (id !== undefined && !(id in components)) {
    components[id] = {}; // reserve first: recursive schemas refer to themselves
    const body: Record<string, Json> = {};
    for (const [k, v] of Object.entries(s)) if (k !== "$id") body[k] = convert(v, components, false);
    components[id] = body;
  }
  if (id !== undefined) return { $ref: REF + id };
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "$ref" && typeof v === "string" && !v.startsWith("#")) out[k] = REF + v;
    else out[k] = convert(v, components, false);
  }
  void top;
  return out;
}

/** /api/devices/:id -> /api/devices/{id} */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function parameters(spec: AnyRouteSpec, components: Record<string, Json>): Json[] {
  const out: Json[] = [];
  const add = (where: "path" | "query" | "header", schema: TSchema | undefined) => {
    const props = (schema as { properties?: Record<string, TSchema> } | undefined)?.properties ?? {};
    const required = new Set((schema as { required?: string[] } | undefined)?.required ?? []);
    for (const [name, s] of Object.entries(props)) {
      const description = (s as { description?: string }).description;
      out.push({
        name,
        in: where,
        required: where === "path" || required.has(name),
        ...(description ? { description } : {}),
        schema: convert(s, components),
      });
    }
  };
  add("path", spec.params);
  add("query", spec.querystring);
  add("header", spec.headers);
  return out;
}

function authErrors(spec: AnyRouteSpec): ErrorName[] {
  if (spec.role === "public") return [];
  const errs: ErrorName[] = ["AUTH_REQUIRED", "AUTH_MALFORMED", "AUTH_INVALID", "AUTH_REVOKED", "AUTH_SESSION_INVALID"];
  if (spec.method !== "GET") errs.push("CSRF_TOKEN_INVALID");
  if (spec.role !== "any" && spec.role !== "read-only") errs.push("FORBIDDEN");
  return [...errs, ...tenancyErrors(spec.operationId)];
}

export function openApiDocument(routes: readonly AnyRouteSpec[], info: { version: string }): Json {
  const components: Record<string, Json> = {};
  convert(ErrorBody, components);
  const paths: Record<string, Record<string, Json>> = {};
  for (const spec of routes) {
    const responses: Record<string, Json> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      if (r === null) {
        responses[status] = { description: "No content" };
      } else if (typeof (r as { mediaType?: unknown }).mediaType === "string") {
        const m = r as { mediaType: string; schema: TSchema };
        responses[status] = { description: "OK", content: { [m.mediaType]: { schema: convert(m.schema, components) } } };
      } else {
        responses[status] = { description: Number(status) === 202 ? "Accepted" : Number(status) === 201 ? "Created" : "OK", content: { "application/json": { schema: convert(r, components) } } };
      }
    }
    // An answer also given as another media type, chosen with Accept.
    for (const [status, alt] of Object.entries(spec.alsoAs ?? {})) {
      const r = responses[status] as { content?: Record<string, Json> } | undefined;
      if (r?.content !== undefined) r.content[alt.mediaType] = { schema: convert(alt.schema, components) };
    }
    const byStatus = new Map<number, ErrorName[]>();
    const names: ErrorName[] = [
      ...authErrors(spec),
      ...(spec.body ? (["BAD_JSON", "UNSUPPORTED_MEDIA_TYPE", "BODY_TOO_LARGE"] as const) : []),
      ...(spec.params || spec.querystring || spec.body || spec.headers ? (["VALIDATION"] as const) : []),
      ...(spec.errors ?? []),
      "INTERNAL",
    ];
    for (const name of names) {
      const status = ERRORS[name].status;
      const list = byStatus.get(status) ?? [];
      if (!list.includes(name)) list.push(name);
      byStatus.set(status, list);
    }
    for (const [status, names] of byStatus) {
      responses[String(status)] = {
        description: names.map((n) => `${errorCode(n)}: ${ERRORS[n].description}`).join("\n\n"),
        content: { "application/json": { schema: { $ref: REF + "Error" } } },
      };
    }
    const op: Record<string, Json> = {
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: [spec.tag],
      "x-provisio-role": spec.role,
      "x-provisio-tenancy": tenancyOf(spec.operationId).rule,
      parameters: parameters(spec, components),
      responses,
    };
    if (spec.role === "public") op.security = [];
    if (spec.body) op.requestBody = { required: true, content: { "application/json": { schema: convert(spec.body, components) } } };
    if (spec.rawBody) {
      const binary = { type: "string", format: "binary" };
      const field = spec.rawBody.multipartField;
      const content: Record<string, Json> = { [spec.rawBody.mediaType]: { schema: binary } };
      if (field !== undefined) content["multipart/form-data"] = { schema: { type: "object", properties: { [field]: binary }, required: [field], additionalProperties: false } };
      op.requestBody = { required: true, description: spec.rawBody.description, content };
    }
    const path = openApiPath(spec.url);
    paths[path] ??= {};
    paths[path]![spec.method.toLowerCase()] = op;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Provisio REST API",
      version: info.version,
      description: "The northbound API of the Provisio ACS. Every endpoint but /healthz and the login (POST /api/session) needs an API key (Authorization: Bearer <key>) or a console login (the provisio_session cookie, with X-CSRF-Token on changes); x-provisio-role says the least role it needs; x-provisio-tenancy what a principal scoped to a tenant may do with it. docs/api.md has worked examples.",
    },
    servers: [{ url: "/" }],
    security: [{ apiKey: [] }, { session: [] }],
    paths: paths as unknown as Json,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An API key (provisio apikey create)" },
        session: { type: "apiKey", in: "cookie", name: "provisio_session", description: "A console login (POST /api/session); requests that change something also send its CSRF token as X-CSRF-Token" },
      },
    },
  };
}
