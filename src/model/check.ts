// Checks a value's text against a parameter's standard syntax: its type (the codec's checkXsd), then
// its enumeration, length, range and pattern facets; for list-valued parameters the whole list's limits
// and then each item. The answer is a reason a person can act on, or undefined when the value fits.

import { checkXsd, type XsdType, type XsdValue } from "../cwmp/index.js";
import type { EnumerationFacet, ListFacet, RangeFacet, SizeFacet, Syntax } from "./types.js";

export interface CheckOptions {
  /**
   * The value is about to be set by an ACS: values that only a CPE may report (enumeration values
   * marked readOnly, such as DiagnosticsState "Complete") are refused.
   */
  write?: boolean;
}

type HasSyntax = { readonly syntax: Syntax };

const MAX_LISTED = 12;

function syntaxOf(def: HasSyntax | Syntax): Syntax {
  return "syntax" in def ? def.syntax : def;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? text.slice(0, 77) + "..." : text);
}

/** Why `text` does not fit the parameter's syntax, or undefined when it does. */
export function checkValue(def: HasSyntax | Syntax, text: string, options: CheckOptions = {}): string | undefined {
  const s = syntaxOf(def);
  if (s.list === undefined) return checkItem(s, text, options);
  const list = s.list;
  const length = charLength(text);
  if (list.maxLength !== undefined && length > list.maxLength) {
    return `the list is ${length} characters long; at most ${list.maxLength} are allowed`;
  }
  if (list.minLength !== undefined && length < list.minLength) {
    return `the list is ${length} characters long; at least ${list.minLength} are needed`;
  }
  // Items may be bracketed ("[1,2],[3,4]"): required for lists of lists, and some standard lists of
  // comma-holding strings (PCPEncoding) are written so even without saying it.
  const bracketed = list.nestedBrackets === true || s.itemList !== undefined || text.includes("[");
  const items = splitList(text, bracketed);
  if (items === undefined) return `${quote(text)} has unbalanced brackets`;
  if (list.minItems !== undefined && items.length < list.minItems) {
    return `the list has ${items.length} item${items.length === 1 ? "" : "s"}; at least ${list.minItems} are needed`;
  }
  if (list.maxItems !== undefined && items.length > list.maxItems) {
    return `the list has ${items.length} items; at most ${list.maxItems} are allowed`;
  }
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const inBrackets = item.startsWith("[") && item.endsWith("]");
    const inner = inBrackets ? item.slice(1, -1) : item;
    let why: string | undefined;
    if (s.itemList !== undefined) {
      why = inBrackets ? checkInnerList(s, s.itemList, inner, options) : `${quote(item)} is not a bracketed list`;
    } else {
      why = checkItem(s, inner, options);
    }
    if (why !== undefined) return `item ${i + 1} of the list: ${why}`;
  }
  return undefined;
}

function checkInnerList(s: Syntax, inner: ListFacet, text: string, options: CheckOptions): string | undefined {
  const parts = splitList(text);
  const n = parts?.length ?? 0;
  if (inner.minItems !== undefined && n < inner.minItems) return `it has ${n} value${n === 1 ? "" : "s"}; at least ${inner.minItems} are needed`;
  if (inner.maxItems !== undefined && n > inner.maxItems) return `it has ${n} values; at most ${inner.maxItems} are allowed`;
  for (const part of parts ?? []) {
    const why = checkItem(s, part, options);
    if (why !== undefined) return why;
  }
  return undefined;
}

/**
 * Checks a typed value (as an SPV request carries it): its declared type must be the parameter's wire
 * type, then its text must fit.
 */
export function checkTypedValue(def: HasSyntax | Syntax, value: Pick<XsdValue, "type" | "text">, options: CheckOptions = {}): string | undefined {
  const s = syntaxOf(def);
  if (value.type !== s.type) return `the value is typed ${value.type} but the parameter is ${s.type}`;
  return checkValue(s, value.text, options);
}

/**
 * Items of a comma-separated list ("" is the empty list); surrounding whitespace is not part of an item.
 * With `nestedBrackets`, commas inside brackets do not separate (undefined when brackets do not balance).
 */
export function splitList(text: string, nestedBrackets = false): string[] | undefined {
  if (text.trim() === "") return [];
  if (!nestedBrackets) return text.split(",").map((t) => t.trim());
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 /* [ */) depth++;
    else if (c === 93 /* ] */) {
      if (--depth < 0) return undefined;
    } else if (c === 44 /* , */ && depth === 0) {
      items.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  items.push(text.slice(start).trim());
  return items;
}

function checkItem(s: Syntax, text: string, options: CheckOptions): string | undefined {
  const type = s.itemType;
  const bad = checkXsd(type, text);
  if (bad !== undefined) return `${quote(text)} is ${bad}`;
  const t = type === "xsd:string" ? text : text.trim();
  if (s.enumerations !== undefined) {
    const why = checkEnumeration(s.enumerations, t, options);
    if (why !== undefined) return why;
  }
  if (s.sizes !== undefined) {
    const why = checkSizes(s.sizes, type, t);
    if (why !== undefined) return why;
  }
  if (s.ranges !== undefined && isNumeric(type)) {
    const why = checkRanges(s.ranges, t);
    if (why !== undefined) return why;
  }
  if (s.patterns !== undefined && s.patterns.length > 0) {
    // Patterns are alternatives: when one cannot be checked, a mismatch of the others proves nothing.
    if (s.patterns.every((p) => p.regex !== null) && !s.patterns.some((p) => p.regex!.test(t))) {
      const shown = s.patterns.slice(0, 4).map((p) => (p.value === "" ? '""' : p.value)).join(" | ");
      return `${quote(t)} does not match the pattern ${shown}${s.patterns.length > 4 ? " | ..." : ""}`;
    }
  }
  return undefined;
}

function checkEnumeration(enums: readonly EnumerationFacet[], t: string, options: CheckOptions): string | undefined {
  const hit = enums.find((e) => e.value === t);
  if (hit === undefined) {
    const shown = enums.slice(0, MAX_LISTED).map((e) => e.value).join(", ");
    return `${quote(t)} is not one of the allowed values (${shown}${enums.length > MAX_LISTED ? ", ..." : ""})`;
  }
  if (options.write && hit.readOnly) return `${quote(t)} may only be reported by the CPE; an ACS cannot set it`;
  return undefined;
}

function isNumeric(type: XsdType): boolean {
  return type === "xsd:int" || type === "xsd:unsignedInt" || type === "xsd:long" || type === "xsd:unsignedLong" || type === "xsd:decimal";
}

/** Characters as XSD counts them (code points, not UTF-16 units). */
export function charLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Length in the facet's unit: characters for strings, decoded bytes for hexBinary and base64. */
function lengthOf(type: XsdType, t: string): { n: number; unit: string } {
  if (type === "xsd:hexBinary") return { n: t.length / 2, unit: "byte" };
  if (type === "xsd:base64") {
    const b = t.replace(/\s+/g, "");
    const pad = b.endsWith("==") ? 2 : b.endsWith("=") ? 1 : 0;
    return { n: (b.length / 4) * 3 - pad, unit: "byte" };
  }
  return { n: charLength(t), unit: "character" };
}

function describeSize(s: SizeFacet): string {
  if (s.minLength !== undefined && s.maxLength !== undefined) {
    return s.minLength === s.maxLength ? `exactly ${s.maxLength}` : `${s.minLength} to ${s.maxLength}`;
  }
  if (s.maxLength !== undefined) return `at most ${s.maxLength}`;
  return `at least ${s.minLength}`;
}

function checkSizes(sizes: readonly SizeFacet[], type: XsdType, t: string): string | undefined {
  const { n, unit } = lengthOf(type, t);
  for (const s of sizes) {
    if ((s.minLength === undefined || n >= s.minLength) && (s.maxLength === undefined || n <= s.maxLength)) return undefined;
  }
  return `${quote(t)} is ${n} ${unit}${n === 1 ? "" : "s"} long; allowed: ${sizes.map(describeSize).join(" or ")} ${unit}s`;
}

/** Compares a numeric text with a bound, exactly for integers beyond 2^53. */
function compare(t: string, bound: number): number {
  const v = Number(t);
  if (Number.isSafeInteger(v) || !/^[+-]?\d+$/.test(t) || !Number.isInteger(bound)) return v < bound ? -1 : v > bound ? 1 : 0;
  const b = BigInt(t);
  const c = BigInt(bound);
  return b < c ? -1 : b > c ? 1 : 0;
}

function onStep(t: string, r: RangeFacet): boolean {
  if (r.step === undefined) return true;
  const from = r.min ?? 0;
  if (/^[+-]?\d+$/.test(t) && Number.isInteger(r.step) && Number.isInteger(from)) {
    return (BigInt(t) - BigInt(from)) % BigInt(r.step) === 0n;
  }
  const q = (Number(t) - from) / r.step;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

function describeRange(r: RangeFacet): string {
  let d: string;
  if (r.min !== undefined && r.max !== undefined) d = r.min === r.max ? `${r.min}` : `${r.min} to ${r.max}`;
  else if (r.min !== undefined) d = `at least ${r.min}`;
  else if (r.max !== undefined) d = `at most ${r.max}`;
  else d = "any";
  return r.step !== undefined ? `${d} in steps of ${r.step}` : d;
}

function checkRanges(ranges: readonly RangeFacet[], t: string): string | undefined {
  for (const r of ranges) {
    if ((r.min === undefined || compare(t, r.min) >= 0) && (r.max === undefined || compare(t, r.max) <= 0) && onStep(t, r)) return undefined;
  }
  return `${t} is outside the allowed range (${ranges.map(describeRange).join(" or ")})`;
}
