// The console's overview page in one call: the fleet's devices by state, product class and software
// version, sessions per minute, open faults by code, running campaigns with their progress. For a
// principal scoped to a tenant, the tenant's alone (and no sessions per minute, which are not per device).

import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { scopedFilter } from "../../server/tenants.js";
import type { NbiContext } from "../context.js";
import type { RouteRegistry } from "../route.js";
import { Nullable } from "../schemas.js";
import { scopeOf } from "../tenancy.js";
import { SOFTWARE_VERSION_PATHS } from "../../model/index.js";

const MINUTE = 60_000;

const Group = Type.Object({ value: Type.String(), devices: Type.Integer() });

export function overviewRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  r.add(app, {
    method: "GET",
    url: "/api/overview",
    operationId: "overview",
    summary: "Counts over the whole fleet, for the console's overview",
    description:
      "Devices online (last Inform within `nbi.onlineWindow`), offline and never seen; devices by product class and by software version (the `top` largest groups and `other`); sessions ended per minute over the last `minutes` minutes, counted by every ACS process sharing the database (minutes without sessions are left out); open faults by code; running and paused campaigns with their progress. A principal scoped to a tenant gets the figures of the tenant's devices and campaigns only, and `sessionsPerMinute` null (sessions are counted per ACS process, not per device).",
    tag: "overview",
    role: "read-only",
    querystring: Type.Object({
      top: Type.Integer({ minimum: 1, maximum: 100, default: 10, description: "Groups of product classes and versions listed before `other`" }),
      minutes: Type.Integer({ minimum: 1, maximum: 1440, default: 60, description: "How far back sessions per minute go" }),
    }),
    responses: {
      200: Type.Object({
        at: Type.String({ format: "date-time" }),
        onlineWindowSeconds: Type.Number(),
        devices: Type.Object({ total: Type.Integer(), online: Type.Integer(), offline: Type.Integer(), neverSeen: Type.Integer() }),
        productClasses: Type.Array(Group),
        softwareVersions: Type.Array(Group, { description: "From DeviceInfo.SoftwareVersion (either data model)" }),
        sessionsPerMinute: Nullable(Type.Array(Type.Object({ minute: Type.String({ format: "date-time" }), sessions: Type.Integer() }), {
          description: "Null for a principal scoped to a tenant: sessions are counted per process, over every tenant's devices",
        })),
        faultsByCode: Type.Array(Type.Object({ code: Type.String(), faults: Type.Integer() })),
        campaigns: Type.Array(
          Type.Object({
            id: Type.String(),
            name: Type.String(),
            status: Type.String(),
            counts: Type.Record(Type.String(), Type.Integer(), { description: "Devices per state" }),
            devices: Type.Integer({ description: "Devices taken in so far" }),
            finished: Type.Integer({ description: "Of those, the ones succeeded, failed, skipped or cancelled" }),
          }),
        ),
      }),
    },
    handler: async (req) => {
      const now = ctx.clock();
      const since = Math.floor(now.getTime() / MINUTE) * MINUTE - (req.query.minutes - 1) * MINUTE;
      const scope = scopeOf(req);
      const devices = scope === null ? {} : { devices: { filter: scopedFilter(scope, undefined)!, now, onlineWithinMs: ctx.settings.onlineWindowMs } };
      const o = await ctx.store.fleet.overview({ now, onlineWithinMs: ctx.settings.onlineWindowMs, top: req.query.top, versionPaths: SOFTWARE_VERSION_PATHS, sessionsSince: since, ...devices });
      // A tenant's campaigns are those its principals created, as GET /api/campaigns lists them.
      const campaigns = await ctx.store.campaigns.list({ status: ["running", "paused"], limit: 100, ...(scope !== null ? { tenant: scope.name } : {}) });
      return {
        at: now.toISOString(),
        onlineWindowSeconds: ctx.settings.onlineWindowMs / 1000,
        ...o,
        sessionsPerMinute: o.sessionsPerMinute?.map((m) => ({ minute: m.minute.toISOString(), sessions: m.sessions })) ?? null,
        campaigns: campaigns.map((c) => {
          const n = c.counts;
          return {
            id: c.id,
            name: c.name,
            status: c.status,
            counts: n,
            devices: Object.values(n).reduce((a, b) => a + b, 0),
            finished: n.succeeded + n.failed + n.skipped + n.cancelled,
          };
        }),
      };
    },
  });
}
