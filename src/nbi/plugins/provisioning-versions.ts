// The versions of a preset or provision, for the console's history view: each one as stored (the
// console diffs them), who stored it, and a revert that stores an old version's document as a new
// version. A deleted document keeps its history, so reverting to a version before the deletion
// restores it.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { DocumentError } from "../../provisioning/index.js";
import type { ProvisioningVersion } from "../../store/types.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { RouteRegistry } from "../route.js";
import { Nullable } from "../schemas.js";
import { ifMatch, Name, storedJson, type DocumentKind } from "./provisioning.js";

const VersionFields = {
  version: Type.Integer(),
  updatedAt: Type.String({ format: "date-time" }),
  by: Nullable(Type.String({ description: "The name of the API key (or user) that stored it; null when not recorded" })),
  deleted: Type.Boolean({ description: "This version records the deletion of the document" }),
};

function versionJson(v: ProvisioningVersion) {
  return { version: v.version, updatedAt: v.at.toISOString(), by: v.by, deleted: v.doc === null };
}

export function provisioningVersionRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext, k: DocumentKind): void {
  const { store } = ctx;
  const readDoc = async (name: string) => {
    const d = await store.provisioning.get(k.kind, name);
    return d === null ? null : storedJson(d);
  };
  const tag = `${k.title}s`;
  const Title = `${k.title[0]!.toUpperCase()}${k.title.slice(1)}`;
  const neverExisted = (name: string) => new ApiError(k.notFound, `no ${k.title} ${JSON.stringify(name)} ever`);

  r.add(app, {
    method: "GET",
    url: `${k.path}/:name/versions`,
    operationId: `list${Title}Versions`,
    summary: `The versions of a ${k.title}, newest first (deleted ones too)`,
    tag,
    role: "read-only",
    params: Type.Object({ name: Name }),
    responses: { 200: Type.Object({ name: Type.String(), current: Nullable(Type.Integer({ description: "null: deleted" })), versions: Type.Array(Type.Object(VersionFields)) }) },
    errors: [k.notFound],
    handler: async (req) => {
      const h = await store.provisioning.history(k.kind, req.params.name);
      if (h.length === 0) throw neverExisted(req.params.name);
      const latest = h[0]!;
      return { name: req.params.name, current: latest.doc === null ? null : latest.version, versions: h.map(versionJson) };
    },
  });

  r.add(app, {
    method: "GET",
    url: `${k.path}/:name/versions/:version`,
    operationId: `get${Title}Version`,
    summary: `One version of a ${k.title}, its document as stored`,
    tag,
    role: "read-only",
    params: Type.Object({ name: Name, version: Type.Integer({ minimum: 1 }) }),
    responses: { 200: Type.Object({ name: Type.String(), ...VersionFields, document: Type.Union([Type.Unknown(), Type.Null()], { description: "null for a deletion" }) }) },
    errors: [k.notFound, "VERSION_NOT_FOUND"],
    handler: async (req) => {
      const v = await store.provisioning.version(k.kind, req.params.name, req.params.version);
      if (v === null) {
        if ((await store.provisioning.history(k.kind, req.params.name)).length === 0) throw neverExisted(req.params.name);
        throw new ApiError("VERSION_NOT_FOUND", `${k.title} ${JSON.stringify(req.params.name)} has no version ${req.params.version}`);
      }
      return { name: req.params.name, ...versionJson(v), document: v.doc };
    },
  });

  r.add(app, {
    method: "POST",
    url: `${k.path}/:name/revert`,
    operationId: `revert${Title}`,
    summary: `Store an earlier version of a ${k.title} as its new version`,
    description: `The document of \`version\` is checked again and stored as a new version (the versions between stay in the history); this restores a deleted ${k.title} too. With If-Match: the version it replaces ("0" while it is deleted).`,
    tag,
    role: "admin",
    params: Type.Object({ name: Name }),
    body: Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    responses: { 200: Type.Object({ name: Type.String(), version: Type.Integer(), updatedAt: Type.String({ format: "date-time" }), document: k.schema }) },
    errors: [k.notFound, "VERSION_NOT_FOUND", "VERSION_DELETED", "DOCUMENT_INVALID", "VERSION_CONFLICT"],
    audit: { action: `${k.kind}.revert`, targetType: k.kind, targetId: (req) => req.params.name, read: readDoc, summary: (req) => `reverted ${k.kind} ${req.params.name} to version ${req.body.version}` },
    handler: async (req, reply) => {
      const { name } = req.params;
      const expected = ifMatch(req.headers["if-match"]);
      const v = await store.provisioning.version(k.kind, name, req.body.version);
      if (v === null) {
        if ((await store.provisioning.history(k.kind, name)).length === 0) throw neverExisted(name);
        throw new ApiError("VERSION_NOT_FOUND", `${k.title} ${JSON.stringify(name)} has no version ${req.body.version}`);
      }
      if (v.doc === null) throw new ApiError("VERSION_DELETED", `version ${v.version} of ${k.title} ${JSON.stringify(name)} is its deletion`);
      let doc;
      try {
        doc = k.check(name, v.doc);
      } catch (err) {
        if (err instanceof DocumentError) throw new ApiError("DOCUMENT_INVALID", `version ${v.version} is no longer a valid ${k.title}: ${err.problems.join("; ")}`, { problems: err.problems });
        throw err;
      }
      const stored = await store.provisioning.put(k.kind, name, doc, ctx.clock(), expected, req.principal.name);
      if (stored === null) {
        const current = await store.provisioning.get(k.kind, name);
        throw new ApiError("VERSION_CONFLICT", `the ${k.title} is at version ${current?.version ?? 0}, not ${expected}`, { current: current?.version ?? 0 });
      }
      void reply.header("ETag", `"${stored.version}"`);
      return storedJson(stored);
    },
  });
}
