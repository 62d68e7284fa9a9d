// A device as GenieACS keeps it (its NBI's /devices and its exports): identity under _deviceId, times,
// _tags, and the parameter tree with _value, _type, _timestamp on each parameter. Made into what
// Provisio knows of a device before its first Inform: the record, the tags, the values with their types.

import { deviceIdOf } from "../session/index.js";
import { Unmappable } from "./errors.js";

export interface ImportedValue {
  path: string;
  value: string;
  type: string;
  /** When GenieACS learned it (else the last Inform). */
  at: Date | null;
}

export interface ImportedDevice {
  id: string;
  /** GenieACS's own id, when it differs (it escapes some characters otherwise). */
  genieId: string;
  manufacturer: string;
  oui: string;
  productClass: string;
  serialNumber: string;
  registeredAt: Date | null;
  lastInformAt: Date | null;
  tags: string[];
  values: ImportedValue[];
  /** Tags Provisio cannot hold (a comma, a control character), left out. */
  droppedTags: string[];
}

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => v !== null && typeof v === "object" && !Array.isArray(v);

/** `_deviceId._OUI` is a string in the NBI's answers, {_value} in some dumps of the database. */
function text(v: unknown): string {
  if (isNode(v) && "_value" in v) return text(v._value);
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

function time(v: unknown): Date | null {
  if (isNode(v) && "$date" in v) return time(v.$date);
  if (isNode(v) && "_value" in v) return time(v._value);
  if (typeof v !== "string" && typeof v !== "number") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

// The API's rule for a tag: no control character, no comma.
const TAG = /^[^,]{1,128}$/;
const CONTROL = /\p{Cc}/u;

function inferredType(v: unknown): string {
  if (typeof v === "boolean") return "xsd:boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "xsd:int" : "xsd:string";
  return "xsd:string";
}

function valueText(v: unknown, type: string): string | null {
  if (isNode(v) && "$date" in v) v = v.$date;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return type === "xsd:dateTime" ? new Date(v).toISOString() : String(v);
  return typeof v === "string" ? v : null;
}

/** Parameters are the keys without a leading "_"; a node with _value is a parameter, others are objects. */
function walk(node: Node, prefix: string, out: ImportedValue[]): void {
  for (const [key, child] of Object.entries(node)) {
    if (key.startsWith("_") || !isNode(child)) continue;
    const path = prefix + key;
    if ("_value" in child) {
      // Some exports keep a value as [value, type].
      const [raw, rawType] = Array.isArray(child._value) ? [child._value[0], child._value[1]] : [child._value, child._type];
      const type = typeof rawType === "string" && rawType.startsWith("xsd:") ? rawType : inferredType(raw);
      const value = valueText(raw, type);
      if (value !== null) out.push({ path, value, type, at: time(child._timestamp) });
    } else {
      walk(child, `${path}.`, out);
    }
  }
}

export function translateDevice(g: unknown): ImportedDevice {
  if (!isNode(g)) throw new Unmappable("a device that is not a JSON object");
  const genieId = typeof g._id === "string" ? g._id : "";
  const d = isNode(g._deviceId) ? g._deviceId : {};
  const oui = text(d._OUI).toUpperCase();
  const serialNumber = text(d._SerialNumber);
  if (oui === "" || serialNumber === "") throw new Unmappable(`device ${JSON.stringify(genieId)}: no _deviceId._OUI or _deviceId._SerialNumber`);
  const productClass = text(d._ProductClass);
  const tags: string[] = [];
  const droppedTags: string[] = [];
  for (const t of Array.isArray(g._tags) ? g._tags : []) {
    if (typeof t === "string" && TAG.test(t) && !CONTROL.test(t)) tags.push(t);
    else droppedTags.push(String(t));
  }
  const values: ImportedValue[] = [];
  walk(g, "", values);
  return {
    id: deviceIdOf({ oui, productClass, serialNumber }),
    genieId,
    manufacturer: text(d._Manufacturer),
    oui,
    productClass,
    serialNumber,
    registeredAt: time(g._registered),
    lastInformAt: time(g._lastInform),
    tags,
    values,
    droppedTags,
  };
}
