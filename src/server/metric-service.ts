// Metric definitions and what the API reads of their samples. A definition with an interval is also a
// preset and a declarative provision of its own (both named metric:<name>), which read the parameter
// with that maxAge: the provisioning engine then asks for it in the device's session when the value it
// has is older than the interval (and not when the Inform just reported it), through the same
// GetParameterValues as any declaration, batched with them, with its filter evaluated as presets are.

import { checkDefinition, chooseTier, tierName, type MetricDefinition, type Tier } from "../metrics/index.js";
import type { DeviceScope, JsonValue, MetricDefinitionRecord, MetricGroupBy, MetricPoint, Store, StoreTx } from "../store/types.js";
import { fleetFigures, summarizedFigures, type FleetStep } from "./metric-summaries.js";

export type { FleetStep } from "./metric-summaries.js";

export const SAMPLING_PREFIX = "metric:";

/** The preset and provision that read a metric's parameter at its interval; null when it is sampled as reported. */
export function samplingDocs(d: MetricDefinition): { preset: JsonValue; provision: JsonValue } | null {
  if (d.interval <= 0) return null;
  const name = `${SAMPLING_PREFIX}${d.name}`;
  const description = `Reads ${d.path} when older than ${d.interval} s, for metric ${d.name} (made by the metric: changes to it are replaced)`;
  return {
    preset: { name, description, enabled: true, weight: 0, filter: d.filter, events: [], provisions: [{ name }] },
    provision: { name, kind: "declarative", description, declarations: [{ path: d.path, maxAge: d.interval }] },
  };
}

async function syncSampling(tx: StoreTx, d: MetricDefinition, at: Date, by: string | null): Promise<void> {
  const name = `${SAMPLING_PREFIX}${d.name}`;
  const docs = samplingDocs(d);
  if (docs === null) {
    if ((await tx.provisioning.get("preset", name)) !== null) await tx.provisioning.delete("preset", name, at, by);
    if ((await tx.provisioning.get("provision", name)) !== null) await tx.provisioning.delete("provision", name, at, by);
    return;
  }
  await tx.provisioning.put("provision", name, docs.provision, at, undefined, by);
  await tx.provisioning.put("preset", name, docs.preset, at, undefined, by);
}

export interface MetricSeries {
  resolution: string;
  points: MetricPoint[];
}

export interface FleetAggregateQuery {
  from: Date;
  to: Date;
  step: number;
  groupBy: MetricGroupBy;
  devices: DeviceScope[];
}

export class MetricService {
  /** `changed` is told after a definition was stored or deleted (the recorder of this process re-reads them). */
  constructor(private readonly store: Store, private readonly tiers: readonly Tier[], private readonly clock: () => Date, private readonly changed: () => void = () => undefined) {}

  /** Creates or replaces a definition (and its sampling preset); throws MetricError or FilterError when it is not valid. */
  put(d: MetricDefinition, by: string | null): Promise<{ definition: MetricDefinitionRecord; created: boolean }> {
    checkDefinition(d);
    const at = this.clock();
    return this.store
      .transaction(async (tx) => {
        const r = await tx.metrics.putDefinition(d, at);
        await syncSampling(tx, d, at, by);
        return r;
      })
      .finally(this.changed);
  }

  delete(name: string, by: string | null): Promise<boolean> {
    const at = this.clock();
    return this.store
      .transaction(async (tx) => {
        const def = await tx.metrics.getDefinition(name);
        if (def === null) return false;
        await tx.metrics.deleteDefinition(name);
        await syncSampling(tx, { ...def, interval: 0 }, at, by);
        return true;
      })
      .finally(this.changed);
  }

  /** A device's series over [from, to) at a resolution ("raw", "5m", ... or "auto"). */
  async series(deviceId: string, def: MetricDefinitionRecord, from: Date, to: Date, resolution: string): Promise<MetricSeries> {
    const s = (d: Date) => Math.floor(d.getTime() / 1000);
    const tier = chooseTier(this.tiers, resolution, s(from), s(to), s(this.clock()));
    return { resolution: tierName(tier.resolution), points: await this.store.metrics.readSeries(deviceId, def.id, tier.resolution, from, to) };
  }

  /**
   * mean, p50, p95, min, max and count over devices of each device's mean per step and group. Read from
   * the coarsest tier whose buckets fit in a step, that holds `from` and has been made up to `to`; else
   * from the raw samples while they hold `from`.
   */
  async aggregate(def: MetricDefinitionRecord, q: FleetAggregateQuery): Promise<{ resolution: string; steps: FleetStep[] }> {
    const now = Math.floor(this.clock().getTime() / 1000);
    const from = Math.floor(q.from.getTime() / 1000);
    const holds = (t: Tier) => t.retention === 0 || from >= now - t.retention;
    const fits = this.tiers.filter((t) => t.resolution === 0 || (t.resolution <= q.step && q.step % t.resolution === 0)).reverse();
    let tier: Tier | undefined;
    for (const t of fits) {
      if (!holds(t)) continue;
      const made = t.resolution === 0 ? null : await this.store.metrics.rolledUntil(t.resolution);
      if (t.resolution === 0 || (made !== null && made.getTime() >= q.to.getTime())) {
        tier = t;
        break;
      }
    }
    tier ??= fits.find(holds) ?? fits[0]!;
    // The whole fleet in steps of a summarized tier's buckets is read from the summaries the rollup pass made.
    const fq = { metricId: def.id, from: q.from, to: q.to, step: q.step, groupBy: q.groupBy, devices: q.devices };
    const steps = (await summarizedFigures(this.store, fq, tier.resolution)) ?? (await fleetFigures(this.store, fq, tier.resolution));
    return { resolution: tierName(tier.resolution), steps };
  }
}
