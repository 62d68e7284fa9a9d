// Diagnostics (docs/diagnostics.md): start one on a device (optionally waking it and waiting for the
// result) or on every device a filter matches (a fleet run), the history, one run, a fleet's figures.

import { Type, type TObject, type TSchema } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { argsSchema, diagnosticKinds, type DiagnosticKind } from "../../diagnostics/kinds.js";
import { summarize } from "../../diagnostics/summary.js";
import type { DiagnosticRecord, DiagnosticStatus } from "../../store/types.js";
import { scopedFilterText } from "../../server/tenants.js";
import type { NbiContext } from "../context.js";
import { idOf } from "../audit.js";
import { ApiError } from "../errors.js";
import { connectionRequestJson } from "../json.js";
import type { RouteRegistry } from "../route.js";
import { ConnectionRequestResult as CrResultSchema, Nullable } from "../schemas.js";
import { scopeOf } from "../tenancy.js";
import { IdParams } from "./devices.js";
import { SOFTWARE_VERSION_PATHS } from "../../model/index.js";

const STATUSES = ["pending", "requested", "complete", "error", "cancelled", "failed", "timeout"] as const;
const FINAL = new Set<DiagnosticStatus>(["complete", "error", "cancelled", "failed", "timeout"]);

const Kind = Type.Union(diagnosticKinds.map((k) => Type.Literal(k)), { description: "The diagnostic (docs/diagnostics.md)" });

export const Diagnostic = Type.Object(
  {
    id: Type.String({ description: "Also the id of the task that requests it" }),
    deviceId: Type.String(),
    kind: Type.String(),
    args: Type.Unknown({ description: "The inputs set on the device (TR-181 names)" }),
    status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
    state: Nullable(Type.String({ description: "DiagnosticsState as the device reported it (Complete, Error_CannotResolveHostName, ...)" })),
    results: Type.Unknown({ description: "{ results: {...}, tables: {...} } typed, with TR-181 names; null until read" }),
    fault: Type.Unknown(),
    fleetId: Nullable(Type.String()),
    createdAt: Type.String({ format: "date-time" }),
    requestedAt: Nullable(Type.String({ format: "date-time" })),
    completedAt: Nullable(Type.String({ format: "date-time" })),
    expiresAt: Type.String({ format: "date-time" }),
  },
  { $id: "Diagnostic" },
);

export function diagnosticJson(d: DiagnosticRecord) {
  const iso = (x: Date | null) => (x === null ? null : x.toISOString());
  return {
    id: d.id,
    deviceId: d.deviceId,
    kind: d.kind,
    args: d.args,
    status: d.status,
    state: d.state,
    results: d.results,
    fault: d.fault,
    fleetId: d.fleetId,
    createdAt: d.createdAt.toISOString(),
    requestedAt: iso(d.requestedAt),
    completedAt: iso(d.completedAt),
    expiresAt: d.expiresAt.toISOString(),
  };
}

/** The API's schema of a kind's arguments: the kind's own, with a speed test's URL optional (Provisio's endpoint then). */
function apiArgs(kind: DiagnosticKind): TObject {
  const schema = argsSchema(kind);
  if (kind !== "download" && kind !== "upload") return schema;
  const url = kind === "download" ? "DownloadURL" : "UploadURL";
  const properties = { ...schema.properties, [url]: Type.Optional(schema.properties[url]!) };
  return Type.Object(properties, { additionalProperties: false });
}

/** One variant per kind, discriminated by `kind`, with `args` from the kind's schema. */
function perKind(prefix: string, common: Record<string, TSchema>): TSchema {
  const mapping: Record<string, string> = {};
  const variants: TObject[] = diagnosticKinds.map((kind) => {
    mapping[kind] = `#/components/schemas/${prefix}_${kind}`;
    const args = apiArgs(kind);
    const needsArgs = (args.required ?? []).length > 0;
    return Type.Object({ kind: Type.Literal(kind), args: needsArgs ? args : Type.Optional(args), ...common }, { $id: `${prefix}_${kind}`, additionalProperties: false });
  });
  return Type.Union(variants, { discriminator: { propertyName: "kind", mapping }, description: "`kind` is the diagnostic; `args` its inputs (TR-181 names; docs/diagnostics.md)" });
}

export function diagnosticRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store, settings } = ctx;
  const svc = ctx.diagnostics;
  const timeout = Type.Optional(Type.Integer({ minimum: 1, maximum: 604800, description: "Seconds the run may take to settle (default diagnostics.timeout)" }));
  const connectionRequest = Type.Optional(Type.Boolean({ description: "Wake the device now instead of waiting for its next Inform" }));
  const Created = Type.Intersect([Diagnostic, Type.Object({ connectionRequest: Nullable(CrResultSchema) })]);

  r.add(app, {
    method: "POST",
    url: "/api/devices/:id/diagnostics",
    operationId: "startDiagnostic",
    summary: "Run a diagnostic on a device",
    description:
      "201 with the run (pending). With `wait`: 200 with the settled run when it settles in time, else 202 with the run as it stands (poll GET /api/diagnostics/{id}). The device runs the test after its session and reports 8 DIAGNOSTICS COMPLETE; Provisio then reads and stores the results.",
    tag: "diagnostics",
    role: "operator",
    params: IdParams,
    body: perKind("StartDiagnostic", {
      connectionRequest,
      timeout,
      wait: Type.Optional(Type.Number({ minimum: 0, maximum: settings.maxWaitSeconds, description: `Seconds (at most ${settings.maxWaitSeconds}) to wait for the run to settle` })),
    }),
    responses: { 200: Created, 201: Created, 202: Created },
    errors: ["DEVICE_NOT_FOUND", "DIAGNOSTIC_ARGS_INVALID", "DIAGNOSTIC_IN_PROGRESS"],
    audit: {
      action: "diagnostic.start", targetType: "diagnostic", targetId: (_req, res) => idOf(res),
      after: (req) => ({ deviceId: req.params.id, kind: (req.body as { kind: string }).kind }),
      summary: (req) => `started ${(req.body as { kind: string }).kind} on device ${req.params.id}`,
    },
    handler: async (req, reply) => {
      const body = req.body as { kind: string; args?: Record<string, unknown>; connectionRequest?: boolean; wait?: number; timeout?: number };
      const run = await svc.start(req.params.id, { kind: body.kind, args: body.args ?? {}, ...(body.timeout !== undefined ? { timeout: body.timeout } : {}) });
      const cr = body.connectionRequest ? await ctx.connectionRequests.wake(run.deviceId, { taskId: run.id }) : null;
      const crJson = cr === null ? null : connectionRequestJson(cr);
      void reply.header("Location", `/api/diagnostics/${run.id}`);
      if (body.wait === undefined || body.wait <= 0) return reply.status(201).send({ ...diagnosticJson(run), connectionRequest: crJson });
      const woke = cr === null || cr.outcome === "accepted" || cr.outcome === "sent";
      const current = woke ? await svc.waitFor(run.id, body.wait * 1000) : await svc.get(run.id);
      return reply.status(FINAL.has(current.status) ? 200 : 202).send({ ...diagnosticJson(current), connectionRequest: crJson });
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/diagnostics",
    operationId: "listDeviceDiagnostics",
    summary: "A device's diagnostics, newest first",
    tag: "diagnostics",
    role: "read-only",
    params: IdParams,
    querystring: Type.Object({
      kind: Type.Optional(Kind),
      limit: Type.Integer({ minimum: 1, maximum: settings.maxPageSize, default: 100 }),
      offset: Type.Integer({ minimum: 0, default: 0 }),
    }),
    responses: { 200: Type.Object({ diagnostics: Type.Array(Diagnostic) }) },
    errors: ["DEVICE_NOT_FOUND"],
    handler: async (req) => {
      if ((await store.devices.get(req.params.id)) === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      const list = await svc.list({ deviceId: req.params.id, ...(req.query.kind !== undefined ? { kind: req.query.kind } : {}), limit: req.query.limit, offset: req.query.offset });
      return { diagnostics: list.map(diagnosticJson) };
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/diagnostics/:id",
    operationId: "getDiagnostic",
    summary: "A diagnostic run",
    tag: "diagnostics",
    role: "read-only",
    params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
    responses: { 200: Diagnostic },
    errors: ["DIAGNOSTIC_NOT_FOUND"],
    handler: async (req) => diagnosticJson(await svc.get(req.params.id)),
  });

  r.add(app, {
    method: "POST",
    url: "/api/diagnostics",
    operationId: "startFleetDiagnostic",
    summary: "Run a diagnostic on every device a filter matches (a fleet run), a batch at a time",
    description:
      "Starts the first batch of `batchSize` devices (in id order) now; each next batch starts once every run of the last one settled (checked every campaigns.interval seconds). Devices that already run this kind are listed in `failures` (first batch). Follow it with GET /api/diagnostics/fleets/{fleetId}. With `connectionRequest: true` each batch's devices are woken in the background, connectionRequests.concurrency at a time. A principal scoped to a tenant runs it on the tenant's devices only: the fleet's filter is stored ANDed with the tenant's, and only that tenant sees the fleet.",
    tag: "diagnostics",
    role: "operator",
    body: perKind("FleetDiagnostic", {
      connectionRequest,
      timeout,
      filter: Type.String({ minLength: 1, maxLength: 16384, description: "The devices to run it on (docs/filters.md)" }),
      batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: settings.bulkLimit, description: "Devices per batch (default: all of them at once)" })),
    }),
    responses: {
      201: Type.Object({
        fleetId: Type.String(),
        matched: Type.Integer(),
        batchSize: Type.Integer(),
        started: Type.Integer({ description: "Runs started in the first batch" }),
        failures: Type.Array(Type.Object({ deviceId: Type.String(), code: Type.String(), message: Type.String() })),
      }),
    },
    errors: ["FILTER_INVALID", "BULK_TOO_MANY", "DIAGNOSTIC_ARGS_INVALID"],
    audit: {
      action: "diagnosticFleet.start", targetType: "diagnosticFleet", targetId: (_req, res) => (res as { fleetId?: string } | undefined)?.fleetId,
      after: (req, res) => ({ kind: (req.body as { kind: string }).kind, filter: (req.body as { filter: string }).filter, matched: (res as { matched?: number } | undefined)?.matched ?? null }),
    },
    handler: async (req, reply) => {
      const body = req.body as { kind: string; args?: Record<string, unknown>; filter: string; connectionRequest?: boolean; timeout?: number; batchSize?: number };
      // Narrowed to the tenant's devices as it is now, for this batch and the next ones alike.
      const scope = scopeOf(req);
      const filter = scopedFilterText(scope, body.filter);
      const matched = await store.devices.count({ filter, now: ctx.clock(), onlineWithinMs: settings.onlineWindowMs });
      if (matched > settings.bulkLimit) {
        throw new ApiError("BULK_TOO_MANY", `the filter matches ${matched} devices; a fleet diagnostic may address at most ${settings.bulkLimit} (nbi.bulkLimit)`, { matched, limit: settings.bulkLimit });
      }
      const { fleet, first } = await ctx.fleets.start({
        kind: body.kind,
        args: body.args ?? {},
        filter,
        tenant: scope?.name ?? null,
        batchSize: body.batchSize ?? settings.bulkLimit,
        timeout: body.timeout ?? ctx.diagnosticTimeout,
        connectionRequest: body.connectionRequest === true,
      });
      return reply.status(201).send({ fleetId: fleet.id, matched, batchSize: fleet.batchSize, started: first.started.length, failures: first.failures.slice(0, 100) });
    },
  });

  const GroupBy = Type.Union([Type.Literal("productClass"), Type.Literal("softwareVersion"), Type.Literal("none")], { default: "productClass" });
  r.add(app, {
    method: "GET",
    url: "/api/diagnostics/fleets/:fleetId",
    operationId: "getFleetDiagnostic",
    summary: "A fleet run's progress and figures: percentiles of each metric per group",
    description: "A principal scoped to a tenant sees the fleets started in that tenant only; another is not found, as one that does not exist.",
    tag: "diagnostics",
    role: "read-only",
    params: Type.Object({ fleetId: Type.String({ minLength: 1, maxLength: 64 }) }),
    querystring: Type.Object({ groupBy: GroupBy }),
    responses: {
      200: Type.Object({
        fleetId: Type.String(),
        kind: Type.String(),
        status: Type.Union([Type.Literal("running"), Type.Literal("complete")], { description: "complete: every matching device was started on (its runs may still be settling)" }),
        batchSize: Type.Integer(),
        batches: Type.Integer({ description: "Batches started" }),
        runs: Type.Integer(),
        statuses: Type.Record(Type.String(), Type.Integer()),
        groups: Type.Array(
          Type.Object({
            group: Type.String(),
            statuses: Type.Record(Type.String(), Type.Integer()),
            metrics: Type.Record(Type.String(), Type.Object({ count: Type.Integer(), min: Type.Number(), p10: Type.Number(), p50: Type.Number(), p90: Type.Number(), p99: Type.Number(), max: Type.Number() })),
          }),
        ),
      }),
    },
    errors: ["DIAGNOSTIC_NOT_FOUND"],
    handler: async (req) => {
      const fleet = await store.diagnostics.getFleet(req.params.fleetId);
      if (fleet === null) throw new ApiError("DIAGNOSTIC_NOT_FOUND", `no fleet diagnostic ${JSON.stringify(req.params.fleetId)}`);
      const runs = await svc.list({ fleetId: fleet.id });
      const groupOf = await grouper(ctx, req.query.groupBy);
      const rows = [];
      for (const run of runs) rows.push({ group: await groupOf(run.deviceId), status: run.status, results: run.results });
      const statuses: Record<string, number> = {};
      for (const run of runs) statuses[run.status] = (statuses[run.status] ?? 0) + 1;
      const kind = fleet.kind as DiagnosticKind;
      return { fleetId: fleet.id, kind, status: fleet.status, batchSize: fleet.batchSize, batches: fleet.batches, runs: runs.length, statuses, groups: summarize(kind, rows) };
    },
  });
}

async function grouper(ctx: NbiContext, by: "productClass" | "softwareVersion" | "none"): Promise<(deviceId: string) => Promise<string>> {
  if (by === "none") return async () => "all";
  if (by === "productClass") return async (id) => (await ctx.store.devices.get(id))?.productClass ?? "(unknown)";
  return async (id) => {
    const values = await ctx.store.parameters.get(id, [...SOFTWARE_VERSION_PATHS]);
    return values.find((v) => v.value !== null && v.value !== "")?.value ?? "(unknown)";
  };
}

