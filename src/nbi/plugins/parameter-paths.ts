// Completion for the console's filter editor and column chooser: the parameter paths the fleet has one
// level below a prefix, and the device fields the filter language knows. A principal scoped to a tenant
// gets the paths of its tenant's devices only: a vendor's extensions or an instance number another
// tenant's device reported are that tenant's data.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { FIELD_NAMES, fieldKind } from "../../query/index.js";
import { scopedFilter } from "../../server/tenants.js";
import type { NbiContext } from "../context.js";
import type { RouteRegistry } from "../route.js";
import { scopeOf } from "../tenancy.js";
import { validationError } from "../validation.js";

export function parameterPathRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  r.add(app, {
    method: "GET",
    url: "/api/parameters/paths",
    operationId: "parameterPaths",
    summary: "Parameter paths known across the fleet, one level below a prefix",
    description:
      "The distinct children of `prefix` that any device has reported, in path order: objects end with `.`. `prefix` is an object path (`Device.WiFi.`; empty for the roots) or one ending with part of a name (`Device.Wi`), which lists the children of `Device.` starting so. Each child costs one probe of the dictionary of paths, however large the fleet; a path stays listed once reported, also after the device that had it deleted it. Also lists the device fields filters know (docs/filters.md), so that an editor can complete both. A principal scoped to a tenant gets the paths the tenant's devices have now only (each probe then reads those devices' trees until one has the path, so it may cost more).",
    tag: "devices",
    role: "read-only",
    querystring: Type.Object({
      prefix: Type.String({ maxLength: 1024, default: "" }),
      limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    }),
    responses: {
      200: Type.Object({
        paths: Type.Array(Type.Object({ path: Type.String(), object: Type.Boolean() })),
        truncated: Type.Boolean({ description: "There may be more children than `limit`" }),
        fields: Type.Array(Type.Object({ name: Type.String(), kind: Type.Union([Type.Literal("text"), Type.Literal("time"), Type.Literal("tag"), Type.Literal("alarm"), Type.Literal("boolean")]) }), {
          description: "Device fields of the filter language; `online` (kind boolean) is a condition of its own; kind alarm: alarm.active (a number) and alarm.severity",
        }),
      }),
    },
    handler: async (req) => {
      const { prefix, limit } = req.query;
      if (/\.\./.test(prefix) || prefix.startsWith(".")) throw validationError([{ in: "querystring", field: "prefix", message: `${JSON.stringify(prefix)} is not a parameter path` }]);
      const scope = scopeOf(req);
      const devices = scope === null ? undefined : { filter: scopedFilter(scope, undefined)!, now: ctx.clock(), onlineWithinMs: ctx.settings.onlineWindowMs };
      const found = await ctx.store.fleet.childPaths(prefix, limit + 1, devices);
      return {
        paths: found.slice(0, limit),
        truncated: found.length > limit,
        fields: [...FIELD_NAMES.map((name) => ({ name, kind: fieldKind(name) })), { name: "online", kind: "boolean" as const }],
      };
    },
  });
}
