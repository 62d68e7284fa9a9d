// Parameter RPCs: values, names, attributes, object instances.

import { codec, emptyCodec } from "../codec/method.js";
import type { Reader } from "../codec/read.js";
import { escapeText, type Writer } from "../codec/write.js";
import type { ParameterAttributeStruct, ParameterValueStruct } from "../types.js";
import { CwmpLocalError } from "../errors.js";
import { checkXsd, resolveXsiType, xsdValue, type XsdType, type XsdValue } from "../values.js";
import type { XmlElement } from "../xml/scanner.js";
import type { FastParameterList } from "./fast-parameter-list.js";

const XSI_2001 = "http://www.w3.org/2001/XMLSchema-instance";
const XSI_1999 = "http://www.w3.org/1999/XMLSchema-instance";

function xsiType(el: XmlElement): { qname: string; valueNs: string | undefined } | undefined {
  const attrs = el.attributes;
  if (attrs === null) return undefined;
  for (const a of attrs) {
    if (a.local === "type" && (a.ns === XSI_2001 || a.ns === XSI_1999 || a.prefix === "xsi")) {
      return { qname: a.value, valueNs: a.valueNs };
    }
  }
  return undefined;
}

// TR-069's "base64" is XML Schema's base64Binary: "xsd:base64" names no schema type, so an envelope
// carrying it fails validation. Written as base64Binary; "xsd:base64" is still read without complaint.
function wireTypeName(type: XsdType): string {
  return type === "xsd:base64" ? "xsd:base64Binary" : type;
}

/** A typed value from its text and xsi:type; a missing xsi:type reads as xsd:string (corpus quirk 17). */
function typedValue(text: string, qname: string | undefined, valueNs: string | undefined): XsdValue {
  if (qname === undefined) return { type: "xsd:string", text, untyped: true };
  const type = resolveXsiType(qname, valueNs);
  const v = xsdValue(type ?? "xsd:string", text);
  if (type === undefined || (qname !== type && qname !== wireTypeName(type))) v.wireType = qname;
  return v;
}

export function readValue(el: XmlElement): XsdValue {
  const t = xsiType(el);
  return typedValue(el.text, t?.qname, t?.valueNs);
}

/** The ParameterList of `parent` (a list of ParameterValueStruct), read by the fast path when it could. */
export function readParameterList(parent: XmlElement, r: Reader, path: string): ParameterValueStruct[] {
  const list = r.child(parent, "ParameterList");
  const fast = list?.fast as FastParameterList | undefined;
  if (fast === undefined) return readParameterValueList(r.items(parent, "ParameterList", path), r, `${path}/ParameterList`);
  const out: ParameterValueStruct[] = new Array(fast.names.length);
  for (let i = 0; i < out.length; i++) out[i] = { name: fast.names[i]!, value: typedValue(fast.texts[i]!, fast.types[i], fast.typeNs[i]) };
  return out;
}

export function readParameterValueList(items: XmlElement[], r: Reader, path: string): ParameterValueStruct[] {
  const out: ParameterValueStruct[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const s = items[i]!;
    let name: XmlElement | undefined;
    let value: XmlElement | undefined;
    for (const c of s.children) {
      if (c.local === "Name") name = c;
      else if (c.local === "Value") value = c;
    }
    if (name === undefined) r.invalid(`${path}[${i}]`, "ParameterValueStruct has no Name");
    if (value === undefined) r.warn(`${path}[${i}] (${name.text}) has no Value; read as an empty string`);
    out[i] = { name: name.text, value: value === undefined ? { type: "xsd:string", text: "", untyped: true } : readValue(value) };
  }
  return out;
}

export function writeParameterValueList(list: ParameterValueStruct[], w: Writer): void {
  w.openArray("ParameterList", "cwmp:ParameterValueStruct", list.length);
  for (const p of list) {
    // An envelope that fails the schema is never written: a value must fit the type it is sent as.
    const invalid = p.value.type === "xsd:string" ? undefined : checkXsd(p.value.type, p.value.text);
    if (invalid !== undefined) {
      throw new CwmpLocalError("SERIALIZE_INVALID", `value of ${p.name} (${JSON.stringify(p.value.text)}) is ${invalid}`);
    }
    w.raw("<ParameterValueStruct>");
    w.str("Name", p.name);
    w.open("Value", `xsi:type="${wireTypeName(p.value.type)}"`);
    w.raw(escapeText(p.value.text));
    w.close("Value");
    w.raw("</ParameterValueStruct>");
  }
  w.close("ParameterList");
}


function readNames(el: XmlElement, r: Reader, path: string): string[] {
  return r.items(el, "ParameterNames", path).map((c) => c.text);
}

function writeStrings(name: string, itemType: string, list: string[], w: Writer): void {
  w.openArray(name, itemType, list.length);
  for (const s of list) w.str("string", s);
  w.close(name);
}

function readAccessList(el: XmlElement, r: Reader, path: string): string[] {
  return r.items(el, "AccessList", path).map((c) => c.text);
}

export const getParameterValues = codec(
  "GetParameterValues",
  "1-0",
  (el, r, path) => ({ parameterNames: readNames(el, r, path) }),
  (m, w) => writeStrings("ParameterNames", "xsd:string", m.parameterNames, w),
);

/**
 * Some CPEs answer a partial path with an entry for the object itself (its path, ending in ".", with an
 * empty value) besides its parameters. An object has no value: kept, the entry would be stored as one
 * and counted among the task's values.
 */
function withoutObjectEntries(list: ParameterValueStruct[], r: Reader, path: string): ParameterValueStruct[] {
  if (!list.some((p) => p.name.endsWith("."))) return list;
  return list.filter((p) => {
    if (!p.name.endsWith(".")) return true;
    r.warn(`${path}/ParameterList names the object ${p.name}, which has no value; ignored`);
    return false;
  });
}

export const getParameterValuesResponse = codec(
  "GetParameterValuesResponse",
  "1-0",
  (el, r, path) => ({ parameterList: withoutObjectEntries(readParameterList(el, r, path), r, path) }),
  (m, w) => writeParameterValueList(m.parameterList, w),
);

export const setParameterValues = codec(
  "SetParameterValues",
  "1-0",
  (el, r, path) => ({
    parameterList: readParameterList(el, r, path),
    parameterKey: r.string(el, "ParameterKey", path),
  }),
  (m, w) => {
    writeParameterValueList(m.parameterList, w);
    w.str("ParameterKey", m.parameterKey);
  },
);

export const setParameterValuesResponse = codec(
  "SetParameterValuesResponse",
  "1-0",
  (el, r, path) => ({ status: r.int(el, "Status", path, 0, 1) }),
  (m, w) => w.num("Status", m.status),
);

export const getParameterNames = codec(
  "GetParameterNames",
  "1-0",
  (el, r, path) => ({ parameterPath: r.string(el, "ParameterPath", path), nextLevel: r.bool(el, "NextLevel", path) }),
  (m, w) => {
    w.str("ParameterPath", m.parameterPath);
    w.bool("NextLevel", m.nextLevel);
  },
);

export const getParameterNamesResponse = codec(
  "GetParameterNamesResponse",
  "1-0",
  (el, r, path) => ({
    parameterList: r.items(el, "ParameterList", path).map((s, i) => ({
      name: r.string(s, "Name", `${path}/ParameterList[${i}]`),
      writable: r.bool(s, "Writable", `${path}/ParameterList[${i}]`),
    })),
  }),
  (m, w) => {
    w.openArray("ParameterList", "cwmp:ParameterInfoStruct", m.parameterList.length);
    for (const p of m.parameterList) {
      w.raw("<ParameterInfoStruct>");
      w.str("Name", p.name);
      w.bool("Writable", p.writable);
      w.raw("</ParameterInfoStruct>");
    }
    w.close("ParameterList");
  },
);

function writeAccessList(list: string[], w: Writer): void {
  writeStrings("AccessList", "xsd:string", list, w);
}

export const setParameterAttributes = codec(
  "SetParameterAttributes",
  "1-0",
  (el, r, path) => ({
    parameterList: r.items(el, "ParameterList", path).map((s, i) => {
      const p = `${path}/ParameterList[${i}]`;
      return {
        name: r.string(s, "Name", p),
        notificationChange: r.bool(s, "NotificationChange", p),
        notification: r.int(s, "Notification", p, 0, 6),
        accessListChange: r.bool(s, "AccessListChange", p),
        accessList: readAccessList(s, r, p),
      };
    }),
  }),
  (m, w) => {
    w.openArray("ParameterList", "cwmp:SetParameterAttributesStruct", m.parameterList.length);
    for (const p of m.parameterList) {
      w.raw("<SetParameterAttributesStruct>");
      w.str("Name", p.name);
      w.bool("NotificationChange", p.notificationChange);
      w.num("Notification", p.notification);
      w.bool("AccessListChange", p.accessListChange);
      writeAccessList(p.accessList, w);
      w.raw("</SetParameterAttributesStruct>");
    }
    w.close("ParameterList");
  },
);

export const setParameterAttributesResponse = emptyCodec("SetParameterAttributesResponse", "1-0");

export const getParameterAttributes = codec(
  "GetParameterAttributes",
  "1-0",
  (el, r, path) => ({ parameterNames: readNames(el, r, path) }),
  (m, w) => writeStrings("ParameterNames", "xsd:string", m.parameterNames, w),
);

export const getParameterAttributesResponse = codec(
  "GetParameterAttributesResponse",
  "1-0",
  (el, r, path) => ({
    parameterList: r.items(el, "ParameterList", path).map((s, i): ParameterAttributeStruct => {
      const p = `${path}/ParameterList[${i}]`;
      return { name: r.string(s, "Name", p), notification: r.int(s, "Notification", p, 0, 6), accessList: readAccessList(s, r, p) };
    }),
  }),
  (m, w) => {
    w.openArray("ParameterList", "cwmp:ParameterAttributeStruct", m.parameterList.length);
    for (const p of m.parameterList) {
      w.raw("<ParameterAttributeStruct>");
      w.str("Name", p.name);
      w.num("Notification", p.notification);
      writeAccessList(p.accessList, w);
      w.raw("</ParameterAttributeStruct>");
    }
    w.close("ParameterList");
  },
);

export const addObject = codec(
  "AddObject",
  "1-0",
  (el, r, path) => ({ objectName: r.string(el, "ObjectName", path), parameterKey: r.string(el, "ParameterKey", path) }),
  (m, w) => {
    w.str("ObjectName", m.objectName);
    w.str("ParameterKey", m.parameterKey);
  },
);

export const addObjectResponse = codec(
  "AddObjectResponse",
  "1-0",
  (el, r, path) => ({ instanceNumber: r.uint(el, "InstanceNumber", path), status: r.int(el, "Status", path, 0, 1) }),
  (m, w) => {
    w.uint("InstanceNumber", m.instanceNumber);
    w.num("Status", m.status);
  },
);

export const deleteObject = codec(
  "DeleteObject",
  "1-0",
  (el, r, path) => ({ objectName: r.string(el, "ObjectName", path), parameterKey: r.string(el, "ParameterKey", path) }),
  (m, w) => {
    w.str("ObjectName", m.objectName);
    w.str("ParameterKey", m.parameterKey);
  },
);

export const deleteObjectResponse = codec(
  "DeleteObjectResponse",
  "1-0",
  (el, r, path) => ({ status: r.int(el, "Status", path, 0, 1) }),
  (m, w) => w.num("Status", m.status),
);
