// Alarm severities, in the order X.733 gives them: an alarm list sorts and filters by rank, so that
// "major or worse" is one comparison.

export const SEVERITIES = ["critical", "major", "minor", "warning"] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: Readonly<Record<Severity, number>> = { critical: 4, major: 3, minor: 2, warning: 1 };

/** 4 for critical down to 1 for warning. */
export function severityRank(s: Severity): number {
  return RANK[s];
}

export function isSeverity(s: unknown): s is Severity {
  return typeof s === "string" && (SEVERITIES as readonly string[]).includes(s);
}

/** The highest of several severities; null for none. */
export function highestSeverity(list: readonly Severity[]): Severity | null {
  let best: Severity | null = null;
  for (const s of list) if (best === null || RANK[s] > RANK[best]) best = s;
  return best;
}
