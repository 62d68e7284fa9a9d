// How parameter values (text with an xsd type) are read by comparisons. These functions are the single
// definition: `evaluate` calls them on each value, and the store calls them when it writes a value, to
// keep the number, time and boolean a text stands for in columns of their own, which SQL compares and
// indexes. So a filter means the same in memory and in either database, by construction.
import { parseDateTime } from "../cwmp/values.js";

// XML Schema's whitespace (not JavaScript's wider trim, which also takes U+00A0 and U+FEFF).
const EDGE_SPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function collapse(text: string): string {
  return text.replace(EDGE_SPACE, "");
}

/**
 * The number a value's text stands for (surrounding whitespace ignored: "300", " 300 ", "3e2", "-1.5",
 * "+7"), or null when it is not a finite decimal number. Numbers compare as 64-bit floats, so integers
 * are exact up to 2^53.
 */
export function numberOf(text: string | null): number | null {
  if (text === null) return null;
  const t = collapse(text);
  if (!NUMBER_RE.test(t)) return null;
  const n = Number(t);
  if (!Number.isFinite(n)) return null;
  return n === 0 ? 0 : n;
}

/** true for "1" and "true", false for "0" and "false" (any case, whitespace ignored); null otherwise. */
export function booleanOf(text: string | null): boolean | null {
  if (text === null) return null;
  const t = collapse(text).toLowerCase();
  if (t === "1" || t === "true") return true;
  if (t === "0" || t === "false") return false;
  return null;
}

/**
 * The instant (milliseconds since the epoch) of a value whose text is an xsd:dateTime ("2024-05-01T10:00:00Z",
 * "2024-05-01T12:00:00.5+02:00"; without a zone it is read as UTC), or null.
 */
export function timeOf(text: string | null): number | null {
  if (text === null) return null;
  const d = parseDateTime(collapse(text));
  return d === null ? null : d.getTime();
}

const DATE_ONLY_RE = /^\d{4}-\d\d-\d\d$/;

/** A time literal of the language: an xsd:dateTime, or a date alone (midnight UTC). Null when neither. */
export function timeLiteralOf(text: string): number | null {
  return DATE_ONLY_RE.test(text) ? timeOf(`${text}T00:00:00Z`) : timeOf(text);
}

/**
 * Compares strings by Unicode code point, as SQLite (BINARY) and PostgreSQL (COLLATE "C" on UTF-8)
 * do. JavaScript's `<` compares UTF-16 code units, which puts U+E000..U+FFFF after the characters
 * above U+FFFF: the two orders differ there.
 */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

const UNITS: readonly [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]];
const UNIT_MS: Readonly<Record<string, number>> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** The largest offset from now a filter may use (about 3,000 years either way). */
export const MAX_OFFSET_MS = 1e14;

/**
 * Reads the duration of a relative time: one or more number+unit groups ("15m", "1h30m", "2d", "500ms";
 * units w, d, h, m, s, ms). Returns milliseconds, or a reason.
 */
export function parseDuration(text: string): number | string {
  if (text === "") return "a duration is missing after the sign";
  const re = /(\d+)(ms|[wdhms])/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
    end = re.lastIndex;
  }
  if (end !== text.length) return `"${text}" is not a duration (write a number and a unit: 15m, 2h, 7d, 1h30m; units w d h m s ms)`;
  if (!(total <= MAX_OFFSET_MS)) return `the duration "${text}" is too long`;
  return total;
}

/** The canonical text of a duration in milliseconds (>= 0): "1h30m", "2d", "0s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
