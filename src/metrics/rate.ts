// A counter's rate between two samples. A counter only grows, until it wraps (past the largest value
// of its data-model type) or starts again from zero (a reboot, a reset). A wrap is taken only when it is
// the plausible reading: the counter moved by less than half its range; anything else that goes down, or
// any boot between the samples, is a reset, for which no rate is given. So a rate is never negative and
// never the huge spike a reset read as a wrap would be.

/** One reading of a counter: its exact value (counters may pass 2^53), when, and the device's UpTime then. */
export interface CounterReading {
  value: bigint;
  /** Seconds (any epoch, the same for both readings). */
  at: number;
  /** DeviceInfo.UpTime (seconds) when it was read with the value; null when unknown. */
  uptime: number | null;
}

export type CounterWidth = 32 | 64;

/**
 * The counter's width from its xsd type (unsignedInt: 32 bits, unsignedLong: 64). Without a type,
 * a value past 32 bits can only be 64; any other is taken as 32 (the common width of TR-181 byte counters).
 */
export function counterWidth(type: string | undefined | null, value: bigint): CounterWidth {
  const t = (type ?? "").replace(/^xsd:/, "");
  if (t === "unsignedLong" || t === "long") return 64;
  if (t === "unsignedInt" || t === "int") return 32;
  return value >= 2n ** 32n ? 64 : 32;
}

/** A counter's text as an exact non-negative integer; null when it is not one. */
export function counterValue(text: string): bigint | null {
  const t = text.trim();
  if (!/^\+?\d{1,20}$/.test(t)) return null;
  const v = BigInt(t.replace(/^\+/, ""));
  return v < 2n ** 64n ? v : null;
}

/**
 * Whether the device rebooted between two readings, by its UpTime: it went back, or it is shorter than
 * the time since the last reading allows (a minute, or 5% of that time, of slack for clocks).
 */
export function upTimeRestarted(prev: CounterReading, cur: CounterReading): boolean {
  if (prev.uptime === null || cur.uptime === null) return false;
  if (cur.uptime < prev.uptime) return true;
  const elapsed = cur.at - prev.at;
  return cur.uptime + Math.max(60, elapsed * 0.05) < prev.uptime + elapsed;
}

export type RateOutcome =
  | { kind: "rate"; perSecond: number; wrapped: boolean }
  /** reset: a reboot or a decrease that is no plausible wrap; stale: not after the previous reading. */
  | { kind: "reset" | "stale" };

/** The rate per second from `prev` to `cur`; `booted`: the device reported a boot between them. */
export function counterRate(prev: CounterReading, cur: CounterReading, width: CounterWidth, booted: boolean): RateOutcome {
  const dt = cur.at - prev.at;
  if (!(dt > 0)) return { kind: "stale" };
  if (booted || upTimeRestarted(prev, cur)) return { kind: "reset" };
  if (cur.value >= prev.value) return { kind: "rate", perSecond: Number(cur.value - prev.value) / dt, wrapped: false };
  const range = 2n ** BigInt(width);
  if (prev.value >= range) return { kind: "reset" };
  const delta = cur.value + range - prev.value;
  if (delta >= range / 2n) return { kind: "reset" };
  return { kind: "rate", perSecond: Number(delta) / dt, wrapped: true };
}
