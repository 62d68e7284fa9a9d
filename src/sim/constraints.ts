// Whether a value the ACS sets fits the parameter: its type (9006) and the data model's restrictions
// (9007). Values are stored in one canonical text form so that reads give back what a device would.

import { checkXsd, type XsdValue } from "../cwmp/index.js";
import type { ParamDef } from "./model.js";
import type { ValueConstraints } from "./source.js";

export interface ValueProblem {
  code: 9006 | 9007;
  message: string;
}

export type CheckedValue = { ok: true; text: string } | ({ ok: false } & ValueProblem);

/**
 * Checks a value for a parameter. A value sent with another xsi:type is 9006 when `strictTypes`
 * (real devices differ; the strict answer is the standard's), or read as text of the right type
 * otherwise; a value with no xsi:type is always read as text of the parameter's type.
 */
export function checkSetValue(def: ParamDef, value: XsdValue, strictTypes = true): CheckedValue {
  const c = def.constraints;
  if (value.type !== def.type && value.untyped !== true && strictTypes) {
    return { ok: false, code: 9006, message: `${def.type} expected, not ${value.wireType ?? value.type}` };
  }
  const checked = checkLocalValue(def, value.text);
  if (checked.ok && c?.settable !== undefined && c.list === undefined && !c.settable.includes(checked.text)) {
    return { ok: false, code: 9007, message: `${JSON.stringify(checked.text)} can be read but not set` };
  }
  return checked;
}

/**
 * Checks a value the device takes by itself (a test or a user changes it): its type and the data
 * model's restrictions, but not which values an ACS may set.
 */
export function checkLocalValue(def: ParamDef, value: string): CheckedValue {
  const text = def.type === "xsd:string" ? value : value.trim();
  const bad = checkXsd(def.type, text);
  if (bad !== undefined) return { ok: false, code: 9007, message: `${JSON.stringify(text)} is ${bad}` };
  const canonical = canonicalText(def.type, text);
  const problem = def.constraints === undefined ? undefined : checkConstraints(def, canonical, def.constraints);
  return problem === undefined ? { ok: true, text: canonical } : { ok: false, code: 9007, message: problem };
}

function canonicalText(type: ParamDef["type"], text: string): string {
  switch (type) {
    case "xsd:boolean":
      return text === "1" || text === "true" ? "true" : "false";
    case "xsd:int":
    case "xsd:unsignedInt":
    case "xsd:long":
    case "xsd:unsignedLong":
      return BigInt(text).toString();
    case "xsd:hexBinary":
      return text.toLowerCase();
    default:
      return text;
  }
}

function byteLength(type: ParamDef["type"], item: string): number {
  if (type === "xsd:hexBinary") return item.length / 2;
  if (type === "xsd:base64") return Buffer.from(item.replace(/\s+/g, ""), "base64").length;
  return [...item].length;
}

/** Why `text` breaks the constraints, or undefined. */
export function checkConstraints(def: ParamDef, text: string, c: ValueConstraints): string | undefined {
  let items: string[];
  if (c.list !== undefined) {
    if (c.list.maxLength !== undefined && text.length > c.list.maxLength) return `list longer than ${c.list.maxLength} characters`;
    items = text === "" ? [] : text.split(",").map((s) => s.trim());
    if (c.list.minItems !== undefined && items.length < c.list.minItems) return `fewer than ${c.list.minItems} items`;
    if (c.list.maxItems !== undefined && items.length > c.list.maxItems) return `more than ${c.list.maxItems} items`;
  } else {
    items = [text];
  }
  for (const item of items) {
    if (c.enumeration !== undefined && c.enumeration.length > 0 && !c.enumeration.includes(item)) {
      return `${JSON.stringify(item)} is not one of ${c.enumeration.join(", ")}`;
    }
    if (c.ranges !== undefined && c.ranges.length > 0) {
      const n = Number(item);
      if (Number.isNaN(n) || !c.ranges.some((r) => (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max))) {
        return `${item} is out of range`;
      }
    }
    if (c.minLength !== undefined || c.maxLength !== undefined) {
      const len = byteLength(def.type, item);
      if (c.minLength !== undefined && len < c.minLength) return `shorter than ${c.minLength}`;
      if (c.maxLength !== undefined && len > c.maxLength) return `longer than ${c.maxLength}`;
    }
  }
  return undefined;
}
