// Presets and provisions: versioned documents, checked before they are stored (a script must compile),
// with their history; and a dry run showing the RPCs a device would get.

import { Type, type TSchema } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { checkDocument, DocumentError, presetSchema, provisionSchema, ScriptSandbox } from "../../provisioning/index.js";
import type { JsonValue, ProvisioningDocument, ProvisioningKind } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { RouteRegistry } from "../route.js";
import { provisioningVersionRoutes } from "./provisioning-versions.js";

export const Name = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });

const Stored = (doc: TSchema) =>
  Type.Object({
    name: Type.String(),
    version: Type.Integer({ description: "Bumped by every change; send it back in If-Match to change only that version" }),
    updatedAt: Type.String({ format: "date-time" }),
    document: doc,
  });

const History = Type.Object({
  versions: Type.Array(Type.Object({ version: Type.Integer(), at: Type.String({ format: "date-time" }), document: Type.Union([Type.Unknown(), Type.Null()], { description: "null: the version that deleted it" }) })),
});

export function storedJson(d: ProvisioningDocument) {
  return { name: d.name, version: d.version, updatedAt: d.updatedAt.toISOString(), document: d.doc };
}

/** The version an If-Match header names ("3" or "\"3\""), if any. */
export function ifMatch(header: string | string[] | undefined): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined) return undefined;
  const n = Number(v.replace(/^W\//, "").replace(/"/g, ""));
  if (!Number.isInteger(n) || n < 0) throw new ApiError("VALIDATION", `If-Match must be a document version, got ${JSON.stringify(v)}`);
  return n;
}

/** What differs between presets and provisions, for their routes. */
export interface DocumentKind {
  kind: ProvisioningKind;
  path: string;
  title: string;
  schema: TSchema;
  notFound: "PRESET_NOT_FOUND" | "PROVISION_NOT_FOUND";
  /** The document as stored, or a DocumentError. */
  check: (name: string, doc: unknown) => JsonValue;
}

export function provisioningRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store } = ctx;
  const readDoc = async (kind: ProvisioningKind, name: string) => {
    const d = await store.provisioning.get(kind, name);
    return d === null ? null : storedJson(d);
  };
  // Checks scripts compile (in an isolate of its own, never the one sessions run in).
  const checker = new ScriptSandbox({ memoryMb: 16, timeoutMs: 100 });
  app.addHook("onClose", async () => checker.dispose());

  const kinds: DocumentKind[] = [
    {
      kind: "preset",
      path: "/api/presets",
      title: "preset",
      schema: presetSchema,
      notFound: "PRESET_NOT_FOUND",
      check: (name, doc) => checkDocument("preset", name, doc, checker) as unknown as JsonValue,
    },
    {
      kind: "provision",
      path: "/api/provisions",
      title: "provision",
      schema: provisionSchema,
      notFound: "PROVISION_NOT_FOUND",
      check: (name, doc) => checkDocument("provision", name, doc, checker) as unknown as JsonValue,
    },
  ];

  for (const k of kinds) {
    const tag = k.kind === "preset" ? "presets" : "provisions";
    r.add(app, {
      method: "GET",
      url: k.path,
      operationId: `list${k.title[0]!.toUpperCase()}${k.title.slice(1)}s`,
      summary: `List ${k.title}s`,
      tag,
      role: "read-only",
      responses: { 200: Type.Object({ [`${k.title}s`]: Type.Array(Stored(k.schema)) }) },
      handler: async () => ({ [`${k.title}s`]: (await store.provisioning.list(k.kind)).map(storedJson) }),
    });

    r.add(app, {
      method: "GET",
      url: `${k.path}/:name`,
      operationId: `get${k.title[0]!.toUpperCase()}${k.title.slice(1)}`,
      summary: `Get a ${k.title}`,
      tag,
      role: "read-only",
      params: Type.Object({ name: Name }),
      responses: { 200: Stored(k.schema) },
      errors: [k.notFound],
      handler: async (req, reply) => {
        const d = await store.provisioning.get(k.kind, req.params.name);
        if (d === null) throw new ApiError(k.notFound, `no ${k.title} ${JSON.stringify(req.params.name)}`);
        void reply.header("ETag", `"${d.version}"`);
        return storedJson(d);
      },
    });

    r.add(app, {
      method: "PUT",
      url: `${k.path}/:name`,
      operationId: `put${k.title[0]!.toUpperCase()}${k.title.slice(1)}`,
      summary: `Create or replace a ${k.title}`,
      description: `Checked before it is stored; the new version applies to every session that starts after this call returns, in every process. With If-Match: the version it replaces ("0" to create only).`,
      tag,
      role: "admin",
      params: Type.Object({ name: Name }),
      body: Type.Unknown({ description: `The ${k.title} document (docs/provisioning.md)` }),
      responses: { 200: Stored(k.schema) },
      errors: ["DOCUMENT_INVALID", "VERSION_CONFLICT"],
      audit: {
        action: `${k.kind}.put`, targetType: k.kind, targetId: (req) => req.params.name, read: (name) => readDoc(k.kind, name),
        summary: (req, res) => `stored ${k.title} ${req.params.name} (version ${String((res as { version?: number } | undefined)?.version)})`,
      },
      handler: async (req, reply) => {
        let doc: JsonValue;
        try {
          doc = k.check(req.params.name, req.body);
        } catch (err) {
          if (err instanceof DocumentError) throw new ApiError("DOCUMENT_INVALID", `the ${k.title} is not valid: ${err.problems.join("; ")}`, { problems: err.problems });
          throw err;
        }
        const expected = ifMatch(req.headers["if-match"]);
        const stored = await store.provisioning.put(k.kind, req.params.name, doc, ctx.clock(), expected, req.principal.name);
        if (stored === null) {
          const current = await store.provisioning.get(k.kind, req.params.name);
          throw new ApiError("VERSION_CONFLICT", `the ${k.title} is at version ${current?.version ?? 0}, not ${expected}`, { current: current?.version ?? 0 });
        }
        void reply.header("ETag", `"${stored.version}"`);
        return storedJson(stored);
      },
    });

    r.add(app, {
      method: "DELETE",
      url: `${k.path}/:name`,
      operationId: `delete${k.title[0]!.toUpperCase()}${k.title.slice(1)}`,
      summary: `Delete a ${k.title}`,
      tag,
      role: "admin",
      params: Type.Object({ name: Name }),
      responses: { 204: null },
      errors: [k.notFound],
      audit: { action: `${k.kind}.delete`, targetType: k.kind, targetId: (req) => req.params.name, read: (name) => readDoc(k.kind, name) },
      handler: async (req, reply) => {
        if (!(await store.provisioning.delete(k.kind, req.params.name, ctx.clock(), req.principal.name))) throw new ApiError(k.notFound, `no ${k.title} ${JSON.stringify(req.params.name)}`);
        return reply.status(204).send();
      },
    });

    r.add(app, {
      method: "GET",
      url: `${k.path}/:name/history`,
      operationId: `${k.title}History`,
      summary: `Every version of a ${k.title}, newest first`,
      tag,
      role: "read-only",
      params: Type.Object({ name: Name }),
      responses: { 200: History },
      errors: [k.notFound],
      handler: async (req) => {
        const h = await store.provisioning.history(k.kind, req.params.name);
        if (h.length === 0) throw new ApiError(k.notFound, `no ${k.title} ${JSON.stringify(req.params.name)} ever`);
        return { versions: h.map((v) => ({ version: v.version, at: v.at.toISOString(), document: v.doc })) };
      },
    });

    provisioningVersionRoutes(app, r, ctx, k);
  }

  r.add(app, {
    method: "POST",
    url: "/api/devices/:id/provisioning/dry-run",
    operationId: "dryRunProvisioning",
    summary: "The RPCs provisioning would send to a device now, without sending them",
    description:
      "Runs the presets that match the device (or those named) against what the ACS knows of it. Reads the store knows are answered from it; writes are assumed to succeed; values the store does not know are listed in `toRead`.",
    tag: "presets",
    // It changes nothing, but it runs scripts on the ACS's time: not for every read-only key.
    role: "operator",
    params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) }),
    body: Type.Object(
      {
        presets: Type.Optional(Type.Array(Name, { description: "Only these presets (matched or not); default: those that match now" })),
        events: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { description: 'Inform events to match presets against, e.g. ["0 BOOTSTRAP"]' })),
      },
      { additionalProperties: false },
    ),
    responses: {
      200: Type.Object({
        deviceId: Type.String(),
        provisions: Type.Array(Type.Object({ name: Type.String(), args: Type.Optional(Type.Unknown()), preset: Type.String() })),
        rpcs: Type.Array(Type.Unknown(), { description: "CWMP requests, as typed messages" }),
        toRead: Type.Array(Type.String()),
        faults: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
        virtualParameters: Type.Array(Type.Object({ path: Type.String(), value: Type.String(), type: Type.String() }), {
          description: "Values of the virtual parameters the provisions declare, computed from what the store knows",
        }),
      }),
    },
    errors: ["DEVICE_NOT_FOUND"],
    audit: { none: "a dry run changes nothing" },
    handler: async (req) => {
      const result = await ctx.provisioning.dryRun(req.params.id, ctx.clock(), { ...(req.body.presets ? { presets: req.body.presets } : {}), ...(req.body.events ? { events: req.body.events } : {}) });
      if (result === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      return result as never;
    },
  });
}
