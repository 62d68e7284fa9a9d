// Deterministic randomness: every device derives what differs between devices, and what changes over
// time, from its seed, so a run can be replayed and thousands of devices need no stored randomness.

/** A 32-bit hash of a string (FNV-1a). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes integers into one well-spread 32-bit value (the murmur3 finalizer after each step). */
export function mix(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h ^= v >>> 0;
    h ^= (v / 0x100000000) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A value in [0, 1) from mixed integers. */
export function unit(...values: number[]): number {
  return mix(...values) / 0x100000000;
}

/** One step of mulberry32: returns the next state and a value in [0, 1). The state is a uint32. */
export function nextRandom(state: number): [number, number] {
  const s = (state + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [s, ((t ^ (t >>> 14)) >>> 0) / 0x100000000];
}

/** A stream of values in [0, 1) from a seed (mulberry32, as `nextRandom`). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    const [next, value] = nextRandom(state);
    state = next;
    return value;
  };
}
