// A small reader of Broadband Forum data-model XML, as a test oracle for the built-in models: the
// name, type, writability and restrictions of every object and parameter. (The product's loader lives
// in src/model/; this one reads only what the tests compare.)

import { readFileSync } from "node:fs";
import { scanXml, type XmlElement } from "../../../src/cwmp/xml/scanner.js";
import type { XsdType } from "../../../src/cwmp/index.js";

export interface BbfParameter {
  type: XsdType;
  writable: boolean;
  list: boolean;
  enumeration: string[];
  ranges: Array<{ min?: number; max?: number }>;
  maxLength?: number;
  forcedInform: boolean;
  activeNotify: string;
  status: string;
}

export interface BbfObject {
  writable: boolean;
  multi: boolean;
  numEntriesParameter?: string;
  status: string;
}

export interface BbfModel {
  objects: Map<string, BbfObject>;
  parameters: Map<string, BbfParameter>;
}

const BASE: Record<string, XsdType> = {
  string: "xsd:string", int: "xsd:int", unsignedInt: "xsd:unsignedInt", long: "xsd:long", unsignedLong: "xsd:unsignedLong",
  boolean: "xsd:boolean", dateTime: "xsd:dateTime", base64: "xsd:base64", hexBinary: "xsd:hexBinary", decimal: "xsd:decimal",
};

function attr(el: XmlElement, name: string): string | undefined {
  return el.attributes?.find((a) => a.local === name)?.value;
}

interface TypeInfo {
  type: XsdType | undefined;
  enumeration: string[];
  ranges: Array<{ min?: number; max?: number }>;
  maxLength?: number;
  base?: string;
}

function facets(el: XmlElement, into: TypeInfo): void {
  for (const f of el.children) {
    if (f.local === "enumeration") into.enumeration.push(attr(f, "value") ?? "");
    else if (f.local === "range") {
      const min = attr(f, "minInclusive");
      const max = attr(f, "maxInclusive");
      into.ranges.push({ min: min === undefined ? undefined : Number(min), max: max === undefined ? undefined : Number(max) });
    } else if (f.local === "size") {
      const max = attr(f, "maxLength");
      if (max !== undefined) into.maxLength = Number(max);
    }
  }
}

export function readBbf(file: string): BbfModel {
  const { roots } = scanXml(readFileSync(file, "utf8"), { maxDepth: 64, maxElements: 2_000_000, maxAttributes: 64 });
  const doc = roots[0]!;
  const dataTypes = new Map<string, TypeInfo>();
  for (const dt of doc.children.filter((c) => c.local === "dataType")) {
    const info: TypeInfo = { type: undefined, enumeration: [], ranges: [], base: attr(dt, "base") };
    for (const c of dt.children) {
      if (BASE[c.local] !== undefined) {
        info.type = BASE[c.local];
        facets(c, info);
      }
    }
    dataTypes.set(attr(dt, "name")!, info);
  }
  const resolve = (name: string | undefined): TypeInfo | undefined => {
    if (name === undefined) return undefined;
    const info = dataTypes.get(name);
    if (info === undefined) return undefined;
    if (info.type !== undefined) return info;
    const base = resolve(info.base);
    return base === undefined ? undefined : { ...base, enumeration: [...base.enumeration, ...info.enumeration] };
  };

  const objects = new Map<string, BbfObject>();
  const parameters = new Map<string, BbfParameter>();
  for (const model of doc.children.filter((c) => c.local === "model")) {
    for (const obj of model.children.filter((c) => c.local === "object")) {
      const name = attr(obj, "name")!;
      objects.set(name, {
        writable: attr(obj, "access") === "readWrite",
        multi: name.endsWith("{i}."),
        numEntriesParameter: attr(obj, "numEntriesParameter"),
        status: attr(obj, "status") ?? "current",
      });
      for (const p of obj.children.filter((c) => c.local === "parameter")) {
        const syntax = p.children.find((c) => c.local === "syntax");
        const info: TypeInfo = { type: undefined, enumeration: [], ranges: [] };
        let list = false;
        for (const c of syntax?.children ?? []) {
          if (c.local === "list") list = true;
          else if (BASE[c.local] !== undefined) {
            info.type = BASE[c.local];
            facets(c, info);
            const inner = c.children.find((x) => x.local === "dataType");
            const base = resolve(inner === undefined ? undefined : attr(inner, "ref") ?? attr(inner, "base"));
            if (base !== undefined) info.enumeration.push(...base.enumeration);
          } else if (c.local === "dataType") {
            const base = resolve(attr(c, "ref") ?? attr(c, "base"));
            if (base !== undefined) {
              info.type = base.type;
              info.enumeration.push(...base.enumeration);
              info.ranges.push(...base.ranges);
              info.maxLength = base.maxLength;
            }
            facets(c, info);
          }
        }
        parameters.set(name + attr(p, "name")!, {
          // A list travels as a comma-separated string, whatever its items are.
          type: list ? "xsd:string" : info.type ?? "xsd:string",
          writable: (attr(p, "access") ?? "readOnly") !== "readOnly",
          list,
          enumeration: info.enumeration,
          ranges: info.ranges,
          maxLength: info.maxLength,
          forcedInform: attr(p, "forcedInform") === "true",
          activeNotify: attr(p, "activeNotify") ?? "normal",
          status: attr(p, "status") ?? "current",
        });
      }
    }
  }
  return { objects, parameters };
}
