// Random filters for property tests: the language's own tests (print/parse round trips) and the store's
// (SQL against evaluate). Deterministic: a seed gives the same filters every run.
import { mulberry32 } from "../../src/sim/rng.js";
import { FilterError, validate, type CompareOp, type FilterNode, type Literal, type Target } from "../../src/query/index.js";

/** mulberry32: small, fast, good enough to spread test cases. */
export const rng = mulberry32;

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

export const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
export const HOUR = 3_600_000;

const LONG = "x".repeat(300);

/** Parameter value texts chosen to sit on the edges of the comparison rules. */
export const VALUE_TEXTS: readonly string[] = [
  // numbers, and texts that look almost like numbers
  "300", " 300 ", "3e2", "300.0", "-1.5", "+7", "0", "-0", "1e400", "0x10", ".5", "5.", "18446744073709551615", "7", "1000",
  // booleans
  "1", "true", "TRUE", " false ", "false", "yes",
  // date-times, and texts that look almost like them
  "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.678Z", "2024-01-02T05:04:05+02:00", "2024-01-02T03:04:05", "2024-02-30T00:00:00Z",
  "2024-01-02", "2023-12-31T23:00:00Z", "2024-01-01T00:00:00Z",
  // texts: case, order by code point (U+E000 sorts before U+1F600 by code point, after it by UTF-16 unit), prefixes, length
  "", "a", "A", "ab", "abc", "b", "é", "\uE000", "😀", "home-1", "home-12", "a'b\"c\\d",
  LONG, `${LONG}a`, `${LONG}b`, "x".repeat(256), "x".repeat(255), "x".repeat(257),
  // the wildcards and escapes of ~= and of the databases' patterns (GLOB's [, LIKE's % _ \), as text
  "50%_off", "a*b?c", "[x]", "a\\b", "é😀é",
];

/** Literals of generated filters: near the values above, so that conditions split the devices. */
const STRING_LITERALS: readonly string[] = [
  "300", "3e2", "7", "1", "true", "TRUE", "false", "yes", "", "a", "A", "ab", "b", "é", "\uE000", "😀", "home-1", "home", "x", "xx",
  LONG, `${LONG}a`, "x".repeat(256), "x".repeat(255), "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.678Z", "2024-01-02", "2024-01-01T00:00:00Z",
  "2024-01-02T03:04:05+00:00", "lab", "lab-", "broken", "00D09E", "HGW", "HGW-1", "SIM", "1.4", "Acme",
];
// 2 ** 64 is the double nearest to "18446744073709551615" (an unsignedLong value above).
/** Patterns of ~= (and, taken literally, texts for *=): wildcards at the edges and inside, escapes, code points. */
const PATTERN_LITERALS: readonly string[] = [
  "*", "?", "", "a*", "*a", "*b*", "a?", "?b", "??", "home-*", "home-?", "*-1*", "x*x", "*x?", "HGW*", "*1", "\\*", "a\\*b\\?c", "*\\?*",
  "50%*", "*_*", "[*", "*]", "a\\\\b", "é*", "*😀?", "?😀*", "*\uE000*", `${LONG}*`, `*${LONG}?`, "x*".repeat(16), "SIM*", "*é*", "00D09E*",
];

const NUMBER_LITERALS: readonly number[] = [300, 0, -1.5, 7, 1000, 0.5, 5, 1e21, -7, 2 ** 64];
const OFFSETS: readonly number[] = [0, -HOUR, -2 * HOUR, -24 * HOUR, HOUR, -30 * 60_000, -48 * HOUR];

export const PATHS: readonly string[] = ["Device.A.Num", "Device.A.Text", "Device.A.Mixed", "Device.A.Time", "Device.B.1.X", "Device.B.2.X", "Device.A.Missing"];
const OBJECT_PATHS: readonly string[] = ["Device.", "Device.A.", "Device.B.", "Device.B.1.", "Device.B.2.", "Device.C."];

const TEXT_FIELDS = ["id", "oui", "productClass", "serialNumber", "manufacturer", "cwmpVersion", "credentials"] as const;
/** Values for credentials: its two (others are refused with = and IN), then texts and patterns for the other operators. */
const CREDENTIALS_LITERALS: readonly string[] = ["own", "bootstrap", "own", "bootstrap", "boot", "o", "", "*o*", "b?ot*", "*n", "Own"];
const TIME_FIELDS = ["registered", "lastInform", "lastBoot", "lastBootstrap"] as const;

function literal(r: () => number, kind?: "string" | "time" | "pattern"): Literal {
  if (kind === "pattern") return { kind: "string", value: pick(r, r() < 0.6 ? PATTERN_LITERALS : r() < 0.5 ? STRING_LITERALS : VALUE_TEXTS) };
  const k = kind ?? pick(r, ["string", "string", "number", "boolean", "now"] as const);
  if (k === "time") {
    return r() < 0.7 ? { kind: "now", offsetMs: pick(r, OFFSETS) } : { kind: "string", value: pick(r, ["2024-01-02T03:04:05.678Z", "2024-01-02", "2024-01-02T02:00:00Z"]) };
  }
  switch (k) {
    // Half of the strings are values devices have, so that equality often holds.
    case "string": return { kind: "string", value: pick(r, r() < 0.5 ? VALUE_TEXTS : STRING_LITERALS) };
    case "number": return { kind: "number", value: pick(r, NUMBER_LITERALS) };
    case "boolean": return { kind: "boolean", value: r() < 0.5 };
    case "now": return { kind: "now", offsetMs: pick(r, OFFSETS) };
  }
}

function condition(r: () => number): FilterNode {
  const roll = r();
  if (roll < 0.04) return { kind: "online" };
  let target: Target;
  let kind: "string" | "time" | undefined;
  let ops: readonly CompareOp[] = ["=", "!=", "<", "<=", ">", ">=", "^=", "*=", "~=", "~="];
  if (roll < 0.2) {
    target = { kind: "field", name: pick(r, TEXT_FIELDS) };
    kind = "string";
  } else if (roll < 0.32) {
    target = { kind: "field", name: pick(r, TIME_FIELDS) };
    kind = "time";
    ops = ["=", "!=", "<", "<=", ">", ">="];
  } else if (roll < 0.42) {
    target = { kind: "field", name: "tag" };
    kind = "string";
    ops = ["=", "!=", "^=", "*=", "~="];
  } else {
    target = { kind: "parameter", path: pick(r, PATHS) };
  }
  const form = r();
  if (form < 0.12 || (target.kind === "parameter" && form < 0.16)) {
    const path = target.kind === "parameter" && r() < 0.4 ? pick(r, OBJECT_PATHS) : undefined;
    return { kind: "exists", target: path === undefined ? target : { kind: "parameter", path } };
  }
  if (form < 0.25) {
    const n = 1 + Math.floor(r() * 4);
    if (target.kind === "field" && target.name === "credentials") {
      return { kind: "in", target, values: Array.from({ length: n }, () => ({ kind: "string", value: pick(r, CREDENTIALS_LITERALS.slice(0, 2)) })) };
    }
    return { kind: "in", target, values: Array.from({ length: n }, () => literal(r, kind)) };
  }
  const op = pick(r, ops);
  if (target.kind === "field" && target.name === "credentials") {
    return { kind: "compare", target, op, value: { kind: "string", value: pick(r, r() < 0.6 ? CREDENTIALS_LITERALS.slice(0, 4) : CREDENTIALS_LITERALS) } };
  }
  return { kind: "compare", target, op, value: literal(r, op === "*=" || op === "~=" ? "pattern" : op === "^=" ? "string" : kind) };
}

function node(r: () => number, depth: number): FilterNode {
  const roll = r();
  if (depth >= 3 || roll < 0.45) return condition(r);
  if (roll < 0.6) return { kind: "not", operand: node(r, depth + 1) };
  const n = 2 + Math.floor(r() * 3);
  return { kind: roll < 0.8 ? "and" : "or", operands: Array.from({ length: n }, () => node(r, depth + 1)) };
}

/**
 * `count` valid filters (in normal form). Generated trees that break a type rule (a boolean compared
 * with <, say) are dropped, so every kind of condition still comes out often.
 */
export function randomFilters(seed: number, count: number): FilterNode[] {
  const r = rng(seed);
  const out: FilterNode[] = [];
  while (out.length < count) {
    try {
      out.push(validate(node(r, 0)));
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
    }
  }
  return out;
}
