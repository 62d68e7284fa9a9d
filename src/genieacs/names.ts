// GenieACS's names for a device's own fields and tags, in both of its query syntaxes, and what they are
// in a Provisio filter. Everything else with a dot is a parameter path.

import type { FieldName, FilterNode, Literal, Target } from "../query/index.js";
import { fieldKind } from "../query/index.js";
import { Unmappable } from "./errors.js";

const FIELDS: Readonly<Record<string, FieldName>> = {
  // The MongoDB-style names (the devices collection as GenieACS stores it)...
  _id: "id",
  "_deviceId._Manufacturer": "manufacturer",
  "_deviceId._OUI": "oui",
  "_deviceId._ProductClass": "productClass",
  "_deviceId._SerialNumber": "serialNumber",
  _lastInform: "lastInform",
  _registered: "registered",
  _lastBoot: "lastBoot",
  _lastBootstrap: "lastBootstrap",
  // ...and the expression syntax's.
  "DeviceID.ID": "id",
  "DeviceID.Manufacturer": "manufacturer",
  "DeviceID.OUI": "oui",
  "DeviceID.ProductClass": "productClass",
  "DeviceID.SerialNumber": "serialNumber",
  "Events.Inform": "lastInform",
  "Events.Registered": "registered",
  "Events.1_BOOT": "lastBoot",
  "Events.0_BOOTSTRAP": "lastBootstrap",
};

/** What a GenieACS name stands for: a device field or parameter, one tag (Tags.x), or the tag set (_tags). */
export type Subject = { kind: "target"; target: Target } | { kind: "tag"; tag: string } | { kind: "tags" };

/** GenieACS writes a tag into a path with the characters a name cannot hold as 0xHH. */
function decodeTag(encoded: string): string {
  return encoded.replace(/0x([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*\.?$/;

export function subjectOf(name: string): Subject {
  const field = FIELDS[name];
  if (field !== undefined) return { kind: "target", target: { kind: "field", name: field } };
  if (name === "_tags") return { kind: "tags" };
  if (name.startsWith("Tags.") && name.length > 5) return { kind: "tag", tag: decodeTag(name.slice(5)) };
  // The devices collection keeps a parameter's value under ._value; presets' conditions leave it out.
  const path = name.endsWith("._value") ? name.slice(0, -"._value".length) : name;
  if (/\._[A-Za-z]+$/.test(path)) throw new Unmappable(`${name}: a parameter's ${path.slice(path.lastIndexOf(".") + 1)} (only values can be filtered on)`);
  if (path.startsWith("_") || path.startsWith("Events.") || path.startsWith("DeviceID.")) throw new Unmappable(`${name}: no Provisio device field is its equivalent`);
  if (path.includes("*")) throw new Unmappable(`${name}: a wildcard in a path (Provisio filters name exact paths)`);
  if (!PATH.test(path) || !path.includes(".")) throw new Unmappable(`${name}: not a parameter path`);
  return { kind: "target", target: { kind: "parameter", path } };
}

export type Scalar = string | number | boolean;

/** A value for a comparison with `target`: times as ISO text (GenieACS compares them in milliseconds). */
export function literalFor(target: Target, value: unknown, where: string): Literal {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
    throw new Unmappable(`${where}: the value ${JSON.stringify(value)} is not a string, number or boolean`);
  }
  if (target.kind === "field") {
    if (fieldKind(target.name) === "time") {
      if (typeof value === "number") return { kind: "string", value: new Date(value).toISOString().replace(".000Z", "Z") };
      if (typeof value === "string") return { kind: "string", value };
      throw new Unmappable(`${where}: a time compared with ${JSON.stringify(value)}`);
    }
    return { kind: "string", value: String(value) };
  }
  if (typeof value === "number") return { kind: "number", value };
  if (typeof value === "boolean") return { kind: "boolean", value };
  return { kind: "string", value };
}

export function and(operands: FilterNode[]): FilterNode | null {
  const flat = operands.flatMap((o) => (o.kind === "and" ? o.operands : [o]));
  return flat.length === 0 ? null : flat.length === 1 ? flat[0]! : { kind: "and", operands: flat };
}

export function or(operands: FilterNode[]): FilterNode {
  const flat = operands.flatMap((o) => (o.kind === "or" ? o.operands : [o]));
  if (flat.length === 0) throw new Unmappable("an empty OR (matches no device)");
  return flat.length === 1 ? flat[0]! : { kind: "or", operands: flat };
}

export function not(operand: FilterNode): FilterNode {
  return operand.kind === "not" ? operand.operand : { kind: "not", operand };
}

export const tagIs = (tag: string): FilterNode => ({ kind: "compare", target: { kind: "field", name: "tag" }, op: "=", value: { kind: "string", value: tag } });
