// Performance history (docs/metrics.md): metric definitions; a device's series over a time range at a
// resolution; fleet aggregates by group over time; and the exported ones as Prometheus text.

import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { exposition, metricFieldsSchema, METRIC_NAME } from "../../metrics/index.js";
import type { DeviceScope, MetricDefinitionRecord, MetricGroupBy } from "../../store/types.js";
import type { FleetStep } from "../../server/metric-service.js";
import type { NbiContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { RouteRegistry } from "../route.js";
import { scopeOf } from "../tenancy.js";
import { DeviceId } from "../schemas.js";

const Name = Type.String({ pattern: METRIC_NAME, description: "Letters, digits and _ (also its Prometheus name, provisio_metric_<name>_<statistic>)" });

const Metric = Type.Object({
  name: Type.String(),
  path: Type.String(),
  kind: Type.Union([Type.Literal("gauge"), Type.Literal("counter")]),
  scale: Type.Number(),
  unit: Type.String(),
  filter: Type.String(),
  interval: Type.Integer(),
  export: Type.Boolean(),
  description: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  updatedAt: Type.String({ format: "date-time" }),
});

function metricJson(d: MetricDefinitionRecord) {
  return {
    name: d.name, path: d.path, kind: d.kind, scale: d.scale, unit: d.unit, filter: d.filter, interval: d.interval, export: d.export, description: d.description,
    createdAt: d.createdAt.toISOString(), updatedAt: d.updatedAt.toISOString(),
  };
}

const Stats = {
  count: Type.Integer({ description: "Devices with samples in the step" }),
  mean: Type.Number(),
  p50: Type.Number(),
  p95: Type.Number(),
  min: Type.Number(),
  max: Type.Number(),
};
const GroupBy = Type.Union([Type.Literal("productClass"), Type.Literal("softwareVersion"), Type.Literal("tag"), Type.Literal("none")], { default: "productClass" });
const Filter = Type.Optional(Type.String({ minLength: 1, maxLength: 16384, description: "Only the devices this filter matches (docs/filters.md)" }));
const Time = (description: string) => Type.Optional(Type.String({ format: "date-time", description }));

/** Most steps (or points) one aggregate may have. */
const MAX_STEPS = 10_000;

const stepsJson = (steps: FleetStep[]) => steps.map((s) => ({ at: s.at.toISOString(), groups: s.groups }));

export function metricRoutes(app: FastifyInstance, r: RouteRegistry, ctx: NbiContext): void {
  const { store } = ctx;
  const svc = ctx.metricService;
  const definition = async (name: string) => {
    const d = await store.metrics.getDefinition(name);
    if (d === null) throw new ApiError("METRIC_NOT_FOUND", `no metric ${JSON.stringify(name)}`);
    return d;
  };
  const readMetric = async (name: string) => {
    const d = await store.metrics.getDefinition(name);
    return d === null ? null : metricJson(d);
  };
  /** The range asked for, [from, to), to defaulting to now and from to a day before it. */
  const range = (q: { from?: string; to?: string }) => {
    const to = q.to === undefined ? ctx.clock() : new Date(q.to);
    const from = q.from === undefined ? new Date(to.getTime() - 86_400_000) : new Date(q.from);
    if (!(from.getTime() < to.getTime())) throw new ApiError("QUERY_INVALID", "`from` must be before `to`");
    return { from, to };
  };
  /** The tenant's devices and the request's filter, each narrowing what is read. */
  const scopes = (req: FastifyRequest, filter: string | undefined): DeviceScope[] => {
    const now = ctx.clock();
    const onlineWithinMs = ctx.settings.onlineWindowMs;
    const scope = scopeOf(req);
    return [...(scope === null ? [] : [scope.filter]), ...(filter === undefined ? [] : [filter])].map((f) => ({ filter: f, now, onlineWithinMs }));
  };

  r.add(app, {
    method: "GET",
    url: "/api/metrics",
    operationId: "listMetrics",
    summary: "List metric definitions, by name",
    tag: "metrics",
    role: "read-only",
    responses: { 200: Type.Object({ metrics: Type.Array(Metric) }) },
    handler: async () => ({ metrics: (await store.metrics.listDefinitions()).map(metricJson) }),
  });

  // A static path: it wins over /api/metrics/:name (so no metric is named "export").
  r.add(app, {
    method: "GET",
    url: "/api/metrics/export",
    operationId: "exportMetrics",
    summary: "The fleet aggregates of the metrics marked `export`, in Prometheus text format",
    description:
      "Over the last `window` seconds: for each exported metric, gauges provisio_metric_<name>_{mean,p50,p95,min,max,count} labelled by the group. Scrape it with an API key (role read-only is enough): in Prometheus, `authorization: { credentials: <key> }` and `metrics_path: /api/metrics/export`. A key scoped to a tenant gets its tenant's devices only.",
    tag: "metrics",
    role: "read-only",
    querystring: Type.Object({
      window: Type.Integer({ minimum: 60, maximum: 86400, default: 900, description: "Seconds, ending now" }),
      groupBy: GroupBy,
      filter: Filter,
    }),
    responses: { 200: { mediaType: "text/plain", schema: Type.String({ description: "Prometheus text format 0.0.4" }) } },
    errors: ["FILTER_INVALID"],
    handler: async (req, reply) => {
      const to = ctx.clock();
      const from = new Date(to.getTime() - req.query.window * 1000);
      const devices = scopes(req, req.query.filter);
      const aggregates = [];
      for (const d of (await store.metrics.listDefinitions()).filter((x) => x.export)) {
        const a = await svc.aggregate(d, { from, to, step: req.query.window, groupBy: req.query.groupBy as MetricGroupBy, devices });
        aggregates.push({ metric: d.name, unit: d.unit, description: d.description, groupBy: req.query.groupBy, groups: a.steps[0]?.groups.map(({ group, ...summary }) => ({ group, summary })) ?? [] });
      }
      return reply.type("text/plain; version=0.0.4; charset=utf-8").serializer((s: unknown) => String(s)).send(exposition(aggregates));
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/metrics/:name",
    operationId: "getMetric",
    summary: "A metric definition",
    tag: "metrics",
    role: "read-only",
    params: Type.Object({ name: Name }),
    responses: { 200: Metric },
    errors: ["METRIC_NOT_FOUND"],
    handler: async (req) => metricJson(await definition(req.params.name)),
  });

  r.add(app, {
    method: "PUT",
    url: "/api/metrics/:name",
    operationId: "putMetric",
    summary: "Create or replace a metric definition",
    description:
      "201 when new, 200 when replaced (its samples are kept; a counter's next rate starts from the next reading). With an `interval`, Provisio also stores a preset and a provision named metric:<name> that read the parameter in the device's sessions when the value it has is older than the interval.",
    tag: "metrics",
    role: "operator",
    params: Type.Object({ name: Name }),
    body: Type.Object(
      {
        path: metricFieldsSchema.path,
        kind: metricFieldsSchema.kind,
        scale: Type.Optional(metricFieldsSchema.scale),
        unit: Type.Optional(metricFieldsSchema.unit),
        filter: Type.Optional(metricFieldsSchema.filter),
        interval: Type.Optional(metricFieldsSchema.interval),
        export: Type.Optional(metricFieldsSchema.export),
        description: Type.Optional(metricFieldsSchema.description),
      },
      { additionalProperties: false },
    ),
    responses: { 200: Metric, 201: Metric },
    errors: ["FILTER_INVALID", "METRIC_INVALID"],
    audit: { action: "metric.put", targetType: "metric", targetId: (req) => req.params.name, read: readMetric },
    handler: async (req, reply) => {
      const b = req.body;
      const { definition: d, created } = await svc.put(
        { name: req.params.name, path: b.path, kind: b.kind, scale: b.scale ?? 1, unit: b.unit ?? "", filter: b.filter ?? "", interval: b.interval ?? 0, export: b.export ?? false, description: b.description ?? "" },
        req.principal.name,
      );
      return reply.status(created ? 201 : 200).send(metricJson(d));
    },
  });

  r.add(app, {
    method: "DELETE",
    url: "/api/metrics/:name",
    operationId: "deleteMetric",
    summary: "Delete a metric definition with all of its samples (and its sampling preset)",
    tag: "metrics",
    role: "operator",
    params: Type.Object({ name: Name }),
    responses: { 204: null },
    errors: ["METRIC_NOT_FOUND"],
    audit: { action: "metric.delete", targetType: "metric", targetId: (req) => req.params.name, read: readMetric },
    handler: async (req, reply) => {
      if (!(await svc.delete(req.params.name, req.principal.name))) throw new ApiError("METRIC_NOT_FOUND", `no metric ${JSON.stringify(req.params.name)}`);
      return reply.status(204).send();
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/devices/:id/metrics/:metric",
    operationId: "getDeviceMetric",
    summary: "A device's series of a metric over a time range",
    description: "Points oldest first: raw samples (count 1) or buckets (count, mean, min, max of the samples in each, `at` its start). `auto` picks the finest resolution that still holds `from` in at most 1,000 points.",
    tag: "metrics",
    role: "read-only",
    params: Type.Object({ id: DeviceId, metric: Name }),
    querystring: Type.Object({
      from: Time("Start (inclusive); default a day before `to`"),
      to: Time("End (exclusive); default now"),
      resolution: Type.String({ default: "auto", maxLength: 16, description: "raw, a configured tier (5m, 1h by default) or auto" }),
    }),
    responses: {
      200: Type.Object({
        deviceId: Type.String(),
        metric: Type.String(),
        unit: Type.String(),
        resolution: Type.String({ description: "The resolution read" }),
        points: Type.Array(Type.Object({ at: Type.String({ format: "date-time" }), count: Type.Integer(), mean: Type.Number(), min: Type.Number(), max: Type.Number() })),
      }),
    },
    errors: ["DEVICE_NOT_FOUND", "METRIC_NOT_FOUND", "METRIC_RESOLUTION_INVALID", "QUERY_INVALID"],
    handler: async (req) => {
      if ((await store.devices.get(req.params.id)) === null) throw new ApiError("DEVICE_NOT_FOUND", `no device ${JSON.stringify(req.params.id)}`);
      const d = await definition(req.params.metric);
      const { from, to } = range(req.query);
      const s = await svc.series(req.params.id, d, from, to, req.query.resolution);
      return { deviceId: req.params.id, metric: d.name, unit: d.unit, resolution: s.resolution, points: s.points.map((p) => ({ ...p, at: p.at.toISOString() })) };
    },
  });

  r.add(app, {
    method: "GET",
    url: "/api/metrics/:name/aggregate",
    operationId: "getMetricAggregate",
    summary: "A metric over the fleet: mean, p50, p95, min, max and count per group and step",
    description:
      "Each device counts once per step, with the mean of its samples in the step; the figures are over those device means. Groups: the product class, the software version (DeviceInfo.SoftwareVersion), each tag (a device with several tags is in each; untagged devices in none), or one group `all`. A principal scoped to a tenant sees its devices only.",
    tag: "metrics",
    role: "read-only",
    params: Type.Object({ name: Name }),
    querystring: Type.Object({
      from: Time("Start (inclusive); default a day before `to`"),
      to: Time("End (exclusive); default now"),
      step: Type.Integer({ minimum: 60, maximum: 86400 * 31, default: 3600, description: "Seconds per step" }),
      groupBy: GroupBy,
      filter: Filter,
    }),
    responses: {
      200: Type.Object({
        metric: Type.String(),
        unit: Type.String(),
        resolution: Type.String({ description: "The resolution the figures were made from" }),
        steps: Type.Array(Type.Object({ at: Type.String({ format: "date-time", description: "The step's start" }), groups: Type.Array(Type.Object({ group: Type.String(), ...Stats })) })),
      }),
    },
    errors: ["METRIC_NOT_FOUND", "FILTER_INVALID", "QUERY_INVALID"],
    handler: async (req) => {
      const d = await definition(req.params.name);
      const { from, to } = range(req.query);
      if ((to.getTime() - from.getTime()) / 1000 / req.query.step > MAX_STEPS) throw new ApiError("QUERY_INVALID", `more than ${MAX_STEPS} steps: a longer step or a shorter range`);
      const a = await svc.aggregate(d, { from, to, step: req.query.step, groupBy: req.query.groupBy as MetricGroupBy, devices: scopes(req, req.query.filter) });
      return { metric: d.name, unit: d.unit, resolution: a.resolution, steps: stepsJson(a.steps) };
    },
  });
}
