// Resolution tiers: raw samples, then buckets of growing size (5 minutes, 1 hour by default), each kept
// for its own time. A tier is named by its size ("5m", "1h"), which is how the API asks for one.

import { MetricError } from "./errors.js";

export interface Tier {
  /** Seconds per bucket; 0 for raw samples. */
  resolution: number;
  /** Seconds its data is kept; 0: forever. */
  retention: number;
}

const UNITS: [string, number][] = [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]];

/** "5m", "1h", "1d", "90s"; "raw" for 0. */
export function tierName(resolution: number): string {
  if (resolution === 0) return "raw";
  const [unit, size] = UNITS.find(([, s]) => resolution % s === 0)!;
  return `${resolution / size}${unit}`;
}

/**
 * Checks the tiers (raw first): each bucket a whole number of the finer tier's buckets (it is made from
 * them), and kept at least as long as the finer tier (else there would be nothing to make it from).
 */
export function checkTiers(tiers: readonly Tier[]): readonly Tier[] {
  if (tiers.length === 0 || tiers[0]!.resolution !== 0) throw new MetricError("METRIC_INVALID", "the first tier must be the raw samples (resolution 0)");
  for (let i = 1; i < tiers.length; i++) {
    const [finer, t] = [tiers[i - 1]!, tiers[i]!];
    if (!Number.isInteger(t.resolution) || t.resolution <= finer.resolution || (finer.resolution > 0 && t.resolution % finer.resolution !== 0)) {
      throw new MetricError("METRIC_INVALID", `tier ${i}: a resolution of ${t.resolution} s is not a multiple of the finer tier's ${finer.resolution} s`);
    }
    if (t.retention !== 0 && (finer.retention === 0 || t.retention < finer.retention)) {
      throw new MetricError("METRIC_INVALID", `tier ${tierName(t.resolution)} is kept for less time than the finer tier ${tierName(finer.resolution)}`);
    }
  }
  return tiers;
}

/** Most points `auto` returns for a range. */
export const AUTO_POINTS = 1000;

/**
 * The tier a query of [from, to) (seconds) reads: the one named, or with "auto" the finest that still
 * holds `from` (retention, measured from `now`) and gives at most AUTO_POINTS buckets (raw counts as
 * one point per `rawSpacing` seconds, the usual Inform interval).
 */
export function chooseTier(tiers: readonly Tier[], name: string, from: number, to: number, now: number, rawSpacing = 300): Tier {
  if (name !== "auto") {
    const t = tiers.find((x) => tierName(x.resolution) === name);
    if (t === undefined) throw new MetricError("METRIC_RESOLUTION_INVALID", `no resolution ${JSON.stringify(name)}; this server keeps ${tiers.map((x) => tierName(x.resolution)).join(", ")} (or auto)`);
    return t;
  }
  const holds = (t: Tier) => t.retention === 0 || from >= now - t.retention;
  const points = (t: Tier) => (to - from) / (t.resolution === 0 ? rawSpacing : t.resolution);
  return tiers.find((t) => holds(t) && points(t) <= AUTO_POINTS) ?? tiers.find((t) => points(t) <= AUTO_POINTS) ?? tiers[tiers.length - 1]!;
}
