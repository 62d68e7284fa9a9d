// Errors of metric definitions and queries: what was wrong, in words the API passes on.

export type MetricErrorCode = "METRIC_INVALID" | "METRIC_RESOLUTION_INVALID";

export class MetricError extends Error {
  constructor(readonly code: MetricErrorCode, message: string) {
    super(message);
    this.name = "MetricError";
  }
}
