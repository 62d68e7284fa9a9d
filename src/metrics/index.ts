// Performance history (docs/metrics.md): metric definitions, counters turned into rates, downsampling
// and fleet figures. Pure: no I/O, no clock (times are passed in).

export { checkDefinition, metricDefinitionSchema, metricFieldsSchema, METRIC_NAME, recordsPath, type MetricDefinition } from "./definition.js";
export { MetricError, type MetricErrorCode } from "./errors.js";
export { counterRate, counterValue, counterWidth, upTimeRestarted, type CounterReading, type CounterWidth, type RateOutcome } from "./rate.js";
export { bucketOf, bucketStart, meanOf, mergeBuckets, quantile, summarize, type Bucket, type Summary } from "./rollup.js";
export { AUTO_POINTS, checkTiers, chooseTier, tierName, type Tier } from "./tiers.js";
export { exposition, type ExportedAggregate } from "./exposition.js";
