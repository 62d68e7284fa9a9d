// A metric definition: what to record (a parameter or virtual parameter), for which devices (a filter),
// how (a gauge's value, or a counter's rate), and when (at each Inform, or at an interval, for which
// Provisio asks the device). Pure: checked here, stored by store/, applied by server/metric-recorder.ts.

import { Type, type Static } from "@sinclair/typebox";
import { parse } from "../query/index.js";
import { MetricError } from "./errors.js";

export const METRIC_NAME = "^[A-Za-z][A-Za-z0-9_]{0,63}$";
/** A parameter path (no wildcards: one value per device) under Device., InternetGatewayDevice. or VirtualParameters. */
const PATH = "^(Device|InternetGatewayDevice|VirtualParameters)\\.([A-Za-z0-9_-]+\\.)*[A-Za-z0-9_-]+$";

export const metricFieldsSchema = {
  path: Type.String({ maxLength: 512, pattern: PATH, description: "The parameter (or VirtualParameters.name) to record; one value per device, no wildcards" }),
  kind: Type.Union([Type.Literal("gauge"), Type.Literal("counter")], {
    description: "gauge: the value as reported; counter: its rate per second between two samples (wraps and reboots handled)",
  }),
  scale: Type.Number({ exclusiveMinimum: 0, default: 1, description: "Multiplies each value (a counter's rate): 8 turns bytes into bits" }),
  unit: Type.String({ maxLength: 32, default: "", description: "The unit of the recorded values after scaling, e.g. bit/s" }),
  filter: Type.String({ maxLength: 4096, default: "", description: "The devices it is recorded for (docs/filters.md); empty for all" }),
  interval: Type.Integer({
    minimum: 0, maximum: 86400 * 7, default: 0,
    description: "0: sampled whenever the device reports the value (Informs, reads); else seconds after which Provisio reads it again in the device's next session",
  }),
  export: Type.Boolean({ default: false, description: "Include its fleet aggregate in GET /api/metrics/export (Prometheus text)" }),
  description: Type.String({ maxLength: 1024, default: "" }),
};

export const metricDefinitionSchema = Type.Object(
  { name: Type.String({ pattern: METRIC_NAME, description: "Letters, digits and _; also its Prometheus name (provisio_metric_<name>)" }), ...metricFieldsSchema },
  { additionalProperties: false },
);

export type MetricDefinition = Static<typeof metricDefinitionSchema>;

/** A definition whose filter is not a filter: a MetricError naming it (the filter's own message inside). */
export function checkDefinition(d: MetricDefinition): MetricDefinition {
  if (!new RegExp(METRIC_NAME).test(d.name)) throw new MetricError("METRIC_INVALID", `metric name ${JSON.stringify(d.name)} must match ${METRIC_NAME}`);
  // GET /api/metrics/export is the exposition.
  if (d.name === "export") throw new MetricError("METRIC_INVALID", "\"export\" is not a metric name (GET /api/metrics/export is the Prometheus exposition)");
  if (!new RegExp(PATH).test(d.path)) throw new MetricError("METRIC_INVALID", `metric path ${JSON.stringify(d.path)} must be one parameter of Device., InternetGatewayDevice. or VirtualParameters.`);
  if (!(d.scale > 0) || !Number.isFinite(d.scale)) throw new MetricError("METRIC_INVALID", "scale must be a positive number");
  if (d.filter.trim() !== "") parse(d.filter);
  return d;
}

/** Whether `path` is the one a definition records (a virtual parameter is stored under its own path). */
export function recordsPath(d: Pick<MetricDefinition, "path">, path: string): boolean {
  return d.path === path;
}
