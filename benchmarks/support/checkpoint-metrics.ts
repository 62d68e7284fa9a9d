// SQLite's WAL checkpoints as the server under benchmark counts them (its /metrics:
// provisio_sqlite_checkpoint_hold_seconds and _copy_seconds), read before and after a measured window.
// The hold is what every transaction waited for, and what a disk slow to sync lengthens (issue 18.1): a
// run on such a disk says so itself.

/** The two histograms' totals, and the hold's cumulative buckets (upper bound in ms → checkpoints). */
export interface CheckpointTotals {
  count: number;
  heldMs: number;
  copyMs: number;
  heldBuckets: Map<number, number>;
}

/** Checkpoints over a window, or several windows added up. */
export interface CheckpointSpan {
  count: number;
  heldMs: number;
  copyMs: number;
  /** The upper bound of the smallest bucket that holds every checkpoint's hold (ms; Infinity: beyond the last). */
  heldAtMostMs: number;
}

const HOLD = "provisio_sqlite_checkpoint_hold_seconds";
const COPY = "provisio_sqlite_checkpoint_copy_seconds";

/** The totals in Prometheus text, or null when it has none (not SQLite, or an older server). */
export function parseCheckpoints(text: string): CheckpointTotals | null {
  const value = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
    return m === null ? null : Number(m[1]);
  };
  const count = value(`${HOLD}_count`);
  const held = value(`${HOLD}_sum`);
  const copy = value(`${COPY}_sum`);
  if (count === null || held === null || copy === null) return null;
  const heldBuckets = new Map<number, number>();
  for (const m of text.matchAll(new RegExp(`^${HOLD}_bucket\\{le="([^"]+)"\\} (\\S+)$`, "gm"))) {
    heldBuckets.set(m[1] === "+Inf" ? Infinity : Number(m[1]) * 1000, Number(m[2]));
  }
  return { count, heldMs: held * 1000, copyMs: copy * 1000, heldBuckets };
}

/** What happened between two readings of one server. */
export function checkpointsBetween(before: CheckpointTotals, after: CheckpointTotals): CheckpointSpan {
  const count = after.count - before.count;
  let heldAtMostMs = count === 0 ? 0 : Infinity;
  for (const [le, n] of [...after.heldBuckets].sort((a, b) => a[0] - b[0])) {
    if (count > 0 && n - (before.heldBuckets.get(le) ?? 0) === count) {
      heldAtMostMs = le;
      break;
    }
  }
  return { count, heldMs: after.heldMs - before.heldMs, copyMs: after.copyMs - before.copyMs, heldAtMostMs };
}

export function addSpans(spans: readonly CheckpointSpan[]): CheckpointSpan {
  return spans.reduce((a, s) => ({ count: a.count + s.count, heldMs: a.heldMs + s.heldMs, copyMs: a.copyMs + s.copyMs, heldAtMostMs: Math.max(a.heldAtMostMs, s.heldAtMostMs) }),
    { count: 0, heldMs: 0, copyMs: 0, heldAtMostMs: 0 });
}

/** One sentence for the report. */
export function describeCheckpoints(target: string, s: CheckpointSpan, seconds: number): string {
  if (s.count === 0) return `${target}: no WAL checkpoint in the measured windows.`;
  const longest = s.heldAtMostMs === Infinity ? "more than the last bucket" : `at most ${s.heldAtMostMs} ms`;
  return `${target}: ${s.count} WAL checkpoints in ${seconds.toFixed(0)} s (the server's /metrics); each held every transaction ${(s.heldMs / s.count).toFixed(1)} ms on average ` +
    `(${((100 * s.heldMs) / (seconds * 1000)).toFixed(1)}% of the time), the longest ${longest}; their copies beside the transactions took ${(s.copyMs / s.count).toFixed(1)} ms on average.`;
}

/** Reads the server's totals at `apiUrl` (its REST API's root) with an API key. */
export async function scrapeCheckpoints(apiUrl: string, key: string): Promise<CheckpointTotals | null> {
  const res = await fetch(new URL("/metrics", apiUrl), { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
  return parseCheckpoints(await res.text());
}
