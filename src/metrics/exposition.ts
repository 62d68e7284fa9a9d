// Fleet aggregates in the Prometheus text exposition format (version 0.0.4): one gauge family per
// exported metric and statistic, labelled by group.

import type { Summary } from "./rollup.js";

export interface ExportedAggregate {
  metric: string;
  unit: string;
  description: string;
  groupBy: string;
  groups: { group: string; summary: Summary }[];
}

const STATS = ["mean", "p50", "p95", "min", "max", "count"] as const;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const num = (n: number) => (Number.isNaN(n) ? "NaN" : n === Infinity ? "+Inf" : n === -Infinity ? "-Inf" : String(n));

/** provisio_metric_<name>_<stat>{<groupBy>="<group>"} value, with HELP and TYPE lines. */
export function exposition(aggregates: readonly ExportedAggregate[]): string {
  const lines: string[] = [];
  for (const a of aggregates) {
    for (const stat of STATS) {
      const family = `provisio_metric_${a.metric}_${stat}`;
      const what = stat === "count" ? "devices with samples" : `${stat} over devices of each device's mean`;
      lines.push(`# HELP ${family} ${escapeHelp(`${a.description || a.metric}: ${what}${a.unit && stat !== "count" ? ` (${a.unit})` : ""}, by ${a.groupBy}`)}`);
      lines.push(`# TYPE ${family} gauge`);
      for (const g of a.groups) lines.push(`${family}{${a.groupBy}="${escapeLabel(g.group)}"} ${num(g.summary[stat])}`);
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
