// An agent's supported data model as GetSupportedDM told it, sans I/O: the request the controller sends,
// the compact form kept in the store (one per model and software version, so a full TR-181 answer of
// megabytes becomes some hundred kilobytes: relative names, one letter per type), and the lookups the
// bridge makes in it (types, writability, commands).

import type { XsdType } from "../cwmp/index.js";
import type { GetSupportedDm, GetSupportedDmResp, ObjAccessType, ParamValueType } from "../usp/index.js";
import { schemaPathOf as templateOf } from "./bridge.js";

/** The whole model, with commands and events: what the controller asks each new model and version. */
export function supportedDmRequest(): GetSupportedDm {
  return { objPaths: ["Device."], firstLevelOnly: false, returnCommands: true, returnEvents: true, returnParams: true, returnUniqueKeySets: false };
}

/** One object of the stored model; fields are left out when empty. */
interface StoredObject {
  /** Multi-instance. */
  m?: 1;
  /** Instances can be added ("a"), deleted ("d") or both ("ad"); absent: neither. */
  a?: "a" | "d" | "ad";
  /** Parameter name to its type letter (TYPE_LETTERS), followed by "w" when writable. */
  p?: Record<string, string>;
  /** Command name ("Download()") to "s" or "a" (sync, async), its input arguments after. */
  c?: Record<string, [string, ...string[]]>;
  /** Event name ("Boot!") to its arguments. */
  e?: Record<string, string[]>;
}

interface StoredModel {
  v: 1;
  objects: Record<string, StoredObject>;
}

export interface DataModelCounts {
  objects: number;
  parameters: number;
  commands: number;
  events: number;
}

/** A GetSupportedDMResp read: the model to keep, whether it is whole, and what was missing. */
export interface LearntModel {
  model: SupportedDataModel;
  complete: boolean;
  problems: string[];
}

const TYPE_LETTERS: Record<XsdType, string> = {
  "xsd:string": "s",
  "xsd:int": "i",
  "xsd:unsignedInt": "u",
  "xsd:long": "l",
  "xsd:unsignedLong": "U",
  "xsd:boolean": "b",
  "xsd:dateTime": "t",
  "xsd:base64": "6",
  "xsd:hexBinary": "x",
  "xsd:decimal": "d",
};
const TYPE_OF_LETTER = new Map<string, XsdType>(Object.entries(TYPE_LETTERS).map(([t, l]) => [l, t as XsdType]));

const XSD_OF: Record<ParamValueType, XsdType | null> = {
  PARAM_UNKNOWN: null,
  PARAM_BASE_64: "xsd:base64",
  PARAM_BOOLEAN: "xsd:boolean",
  PARAM_DATE_TIME: "xsd:dateTime",
  PARAM_DECIMAL: "xsd:decimal",
  PARAM_HEX_BINARY: "xsd:hexBinary",
  PARAM_INT: "xsd:int",
  PARAM_LONG: "xsd:long",
  PARAM_STRING: "xsd:string",
  PARAM_UNSIGNED_INT: "xsd:unsignedInt",
  PARAM_UNSIGNED_LONG: "xsd:unsignedLong",
};

const ACCESS: Record<ObjAccessType, StoredObject["a"]> = { OBJ_READ_ONLY: undefined, OBJ_ADD_ONLY: "a", OBJ_DELETE_ONLY: "d", OBJ_ADD_DELETE: "ad" };

/** Reads a GetSupportedDMResp; null when it holds no object at all (the caller falls back to the standard model). */
export function learnSupportedDm(resp: GetSupportedDmResp): LearntModel | null {
  const objects: Record<string, StoredObject> = {};
  const problems: string[] = [];
  for (const r of resp.reqObjResults) {
    if (r.errCode !== 0) problems.push(`${r.reqObjPath}: USP ${r.errCode} ${r.errMsg}`);
    for (const o of r.supportedObjs) {
      const s: StoredObject = objects[o.supportedObjPath] ?? {};
      if (o.isMultiInstance) s.m = 1;
      const access = ACCESS[o.access];
      if (access !== undefined) s.a = access;
      for (const p of o.supportedParams) {
        // An unknown type is kept as none: the standard model (or xsd:string) stands in for it.
        const type = XSD_OF[p.valueType];
        (s.p ??= {})[p.paramName] = (type === null ? "?" : TYPE_LETTERS[type]) + (p.access === "PARAM_READ_ONLY" ? "" : "w");
      }
      for (const c of o.supportedCommands) (s.c ??= {})[c.commandName] = [c.commandType === "CMD_ASYNC" ? "a" : "s", ...c.inputArgNames];
      for (const e of o.supportedEvents) (s.e ??= {})[e.eventName] = [...e.argNames];
      objects[o.supportedObjPath] = s;
    }
  }
  if (Object.keys(objects).length === 0) return null;
  return { model: new SupportedDataModel({ v: 1, objects }), complete: problems.length === 0, problems };
}

/** A model kept in the store, or learnt now. */
export class SupportedDataModel {
  constructor(private readonly m: StoredModel) {}

  /** The stored form; throws SyntaxError for text that is not one. */
  static parse(text: string): SupportedDataModel {
    const m = JSON.parse(text) as StoredModel;
    if (m === null || typeof m !== "object" || m.v !== 1 || typeof m.objects !== "object") throw new SyntaxError("not a stored USP data model (version 1)");
    return new SupportedDataModel(m);
  }

  toJson(): string {
    return JSON.stringify(this.m);
  }

  counts(): DataModelCounts {
    const c: DataModelCounts = { objects: 0, parameters: 0, commands: 0, events: 0 };
    for (const o of Object.values(this.m.objects)) {
      c.objects++;
      c.parameters += Object.keys(o.p ?? {}).length;
      c.commands += Object.keys(o.c ?? {}).length;
      c.events += Object.keys(o.e ?? {}).length;
    }
    return c;
  }

  private param(path: string): string | undefined {
    const dot = path.lastIndexOf(".");
    return this.m.objects[templateOf(path.slice(0, dot + 1))]?.p?.[path.slice(dot + 1)];
  }

  /** The type of a parameter the agent supports; undefined when it lists none (or an unknown one). */
  typeOf(path: string): XsdType | undefined {
    const p = this.param(path);
    return p === undefined ? undefined : TYPE_OF_LETTER.get(p[0]!);
  }

  /**
   * Writability as CWMP's GetParameterNames reports it: a parameter the agent lets a controller write; a
   * table (Device.WiFi.SSID.) when instances can be added; never an instance itself. Unknown: read-only.
   */
  writable(path: string): boolean {
    if (!path.endsWith(".")) return this.param(path)?.endsWith("w") ?? false;
    const t = templateOf(path);
    if (t.endsWith(".{i}.")) return false;
    return this.m.objects[t + "{i}."]?.a?.includes("a") ?? false;
  }

  /** Whether the agent supports a command ("Device.DeviceInfo.FirmwareImage.2.Download()"). */
  hasCommand(path: string): boolean {
    const dot = path.lastIndexOf(".", path.length - 3);
    return this.m.objects[templateOf(path.slice(0, dot + 1))]?.c?.[path.slice(dot + 1)] !== undefined;
  }

  /** The commands, as template paths, with whether each is async and its input arguments. */
  commands(): { path: string; async: boolean; inputArgs: string[] }[] {
    const out: { path: string; async: boolean; inputArgs: string[] }[] = [];
    for (const [obj, o] of Object.entries(this.m.objects)) for (const [name, [kind, ...args]] of Object.entries(o.c ?? {})) out.push({ path: obj + name, async: kind === "a", inputArgs: args });
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** The events, as template paths, with their arguments. */
  events(): { path: string; args: string[] }[] {
    const out: { path: string; args: string[] }[] = [];
    for (const [obj, o] of Object.entries(this.m.objects)) for (const [name, args] of Object.entries(o.e ?? {})) out.push({ path: obj + name, args });
    return out.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** The multi-instance objects whose instances can be added or deleted (the tables worth watching for creation and deletion). */
  tables(): string[] {
    return Object.entries(this.m.objects).filter(([, o]) => o.m === 1 && o.a !== undefined).map(([p]) => p).sort();
  }
}
