// What a simulated agent supports beyond its parameters: the commands and events of TR-181 for USP
// (names and arguments from tr-181-2-16-0-usp-full.xml), the unique keys of its tables, and the
// GetSupportedDM answer built from the compiled model.

import type { XsdType } from "../../cwmp/index.js";
import { diagnosticKinds, kindDefs, modelOf, type DiagnosticKind } from "../../diagnostics/kinds.js";
import type { GetSupportedDm, GetSupportedDmResp, ParamValueType, SupportedObject } from "../../usp/index.js";
import { compileModel, templateOf, type DeviceModel, type ObjectDef } from "../model.js";
import type { ModelSource } from "../source.js";
import { withUspOverlay, type OverlayOptions } from "./overlay.js";

export interface CommandDef {
  /** Template path of the object the command belongs to ("Device.IP.Diagnostics."). */
  object: string;
  /** With its parentheses: "IPPing()". */
  name: string;
  async: boolean;
  input: readonly string[];
  /** Input arguments that must be given (7027 otherwise). */
  required: readonly string[];
  output: readonly string[];
  /** The diagnostic the command runs, with its input args' types. */
  diagnostic?: { kind: DiagnosticKind; types: Readonly<Record<string, XsdType>> };
}

export interface EventDef {
  object: string;
  /** With its "!": "Boot!". */
  name: string;
  args: readonly string[];
}

const COMMANDS: readonly CommandDef[] = [
  { object: "Device.", name: "Reboot()", async: false, input: [], required: [], output: [] },
  { object: "Device.", name: "FactoryReset()", async: false, input: [], required: [], output: [] },
  {
    object: "Device.DeviceInfo.FirmwareImage.{i}.", name: "Download()", async: true,
    input: ["URL", "AutoActivate", "Username", "Password", "FileSize", "CheckSumAlgorithm", "CheckSum"],
    required: ["URL", "AutoActivate"],
    output: [],
  },
  { object: "Device.DeviceInfo.FirmwareImage.{i}.", name: "Activate()", async: true, input: ["TimeWindow.{i}.Start", "TimeWindow.{i}.End", "TimeWindow.{i}.Mode", "TimeWindow.{i}.UserMessage", "TimeWindow.{i}.MaxRetries"], required: [], output: [] },
];

/**
 * The diagnostics, one async command each: TR-181 for USP names the command and its arguments as the
 * CWMP object and its parameters (Device.IP.Diagnostics.IPPing. is IPPing() of Device.IP.Diagnostics.),
 * with Status for DiagnosticsState and result rows as "Table.{i}.Field".
 */
const DIAGNOSTIC_COMMANDS: readonly CommandDef[] = diagnosticKinds.flatMap((kind) => {
  const object = modelOf(kind, "Device.")?.object;
  if (object === undefined) return [];
  const def = kindDefs[kind];
  const dot = object.lastIndexOf(".", object.length - 2);
  const input = Object.entries(def.inputs).filter(([, i]) => i.local !== true);
  return [{
    object: object.slice(0, dot + 1), name: `${object.slice(dot + 1, -1)}()`, async: true,
    input: input.map(([n]) => n),
    required: def.required,
    output: ["Status", ...Object.keys(def.results), ...Object.entries(def.tables).flatMap(([t, fields]) => Object.keys(fields).map((f) => `${t}.{i}.${f}`))],
    diagnostic: { kind, types: Object.fromEntries(input.map(([n, i]) => [n, i.type])) },
  }];
});

const EVENTS: readonly EventDef[] = [
  { object: "Device.", name: "Boot!", args: ["CommandKey", "Cause", "FirmwareUpdated", "ParameterMap"] },
  { object: "Device.LocalAgent.", name: "Periodic!", args: [] },
];

/** Unique keys besides Alias, which every table with an Alias has. */
const EXTRA_KEYS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  "Device.LocalAgent.Controller.{i}.": [["EndpointID"]],
  "Device.LocalAgent.Subscription.{i}.": [["Recipient", "ID"]],
};

/** A compiled model with what USP adds: commands, events and unique keys by object template path. */
export interface UspModel {
  readonly model: DeviceModel;
  readonly commands: ReadonlyMap<string, readonly CommandDef[]>;
  readonly events: ReadonlyMap<string, readonly EventDef[]>;
  /** The controller the agents leave the factory knowing. */
  readonly controllerId: string;
}

/** Compiles a TR-181 source for USP agents (once, shared by every agent). */
export function compileUspModel(source: ModelSource, o: OverlayOptions): UspModel {
  const model = compileModel(withUspOverlay(source, o));
  const byObject = <T extends { object: string }>(defs: readonly T[]) => {
    const m = new Map<string, T[]>();
    for (const d of defs) if (model.objectAt(d.object) !== undefined) m.set(d.object, [...(m.get(d.object) ?? []), d]);
    return m;
  };
  return { model, commands: byObject([...COMMANDS, ...DIAGNOSTIC_COMMANDS]), events: byObject(EVENTS), controllerId: o.controllerId };
}

export function uniqueKeysOf(def: ObjectDef): readonly (readonly string[])[] {
  if (!def.multi) return [];
  const keys: (readonly string[])[] = def.paramByName.has("Alias") ? [["Alias"]] : [];
  return [...keys, ...(EXTRA_KEYS[def.path] ?? [])];
}

/** The command a concrete command path names ("Device.DeviceInfo.FirmwareImage.2.Download()"), if any. */
export function commandAt(m: UspModel, path: string): CommandDef | undefined {
  const dot = path.lastIndexOf(".", path.length - 3);
  return m.commands.get(templateOf(path.slice(0, dot + 1)))?.find((c) => c.name === path.slice(dot + 1));
}

export function eventAt(m: UspModel, path: string): EventDef | undefined {
  const dot = path.lastIndexOf(".");
  return m.events.get(templateOf(path.slice(0, dot + 1)))?.find((e) => e.name === path.slice(dot + 1));
}

const VALUE_TYPES: Record<XsdType, ParamValueType> = {
  "xsd:string": "PARAM_STRING",
  "xsd:int": "PARAM_INT",
  "xsd:unsignedInt": "PARAM_UNSIGNED_INT",
  "xsd:long": "PARAM_LONG",
  "xsd:unsignedLong": "PARAM_UNSIGNED_LONG",
  "xsd:boolean": "PARAM_BOOLEAN",
  "xsd:dateTime": "PARAM_DATE_TIME",
  "xsd:base64": "PARAM_BASE_64",
  "xsd:hexBinary": "PARAM_HEX_BINARY",
  "xsd:decimal": "PARAM_DECIMAL",
};

function supportedObject(m: UspModel, def: ObjectDef, req: GetSupportedDm): SupportedObject {
  return {
    supportedObjPath: def.path,
    access: def.multi && def.writable ? "OBJ_ADD_DELETE" : "OBJ_READ_ONLY",
    isMultiInstance: def.multi,
    supportedCommands: !req.returnCommands ? [] : (m.commands.get(def.path) ?? []).map((c) => ({
      commandName: c.name, inputArgNames: [...c.input], outputArgNames: [...c.output], commandType: c.async ? "CMD_ASYNC" : "CMD_SYNC",
    })),
    supportedEvents: !req.returnEvents ? [] : (m.events.get(def.path) ?? []).map((e) => ({ eventName: e.name, argNames: [...e.args] })),
    supportedParams: !req.returnParams ? [] : def.params.map((p) => ({
      paramName: p.name,
      access: p.writable ? "PARAM_READ_WRITE" : "PARAM_READ_ONLY",
      valueType: VALUE_TYPES[p.type],
      // Values that move by themselves (counters, uptime) are not worth a ValueChange subscription.
      valueChange: p.dynamic !== undefined || p.counts !== undefined ? "VALUE_CHANGE_WILL_IGNORE" : "VALUE_CHANGE_ALLOWED",
    })),
    divergentPaths: [],
    uniqueKeySets: req.returnUniqueKeySets ? uniqueKeysOf(def).map((k) => ({ keyNames: [...k] })) : [],
  };
}

/** A requested path as a template: instance numbers and `*` become `{i}`. */
function asTemplate(path: string): string {
  return templateOf(path.replaceAll(".*.", ".{i}."));
}

export function getSupportedDm(m: UspModel, req: GetSupportedDm): GetSupportedDmResp {
  return {
    reqObjResults: req.objPaths.map((reqObjPath) => {
      const template = asTemplate(reqObjPath);
      // A table may be asked for with or without its "{i}.".
      const def = m.model.objectAt(template) ?? m.model.objectAt(template + "{i}.");
      const base = { reqObjPath, dataModelInstUri: "urn:broadband-forum-org:tr-181-2-16-0-usp" };
      if (!reqObjPath.endsWith(".") || def === undefined) return { ...base, errCode: 7026, errMsg: `the data model has no object ${reqObjPath}`, supportedObjs: [] };
      const objs: SupportedObject[] = [];
      const visit = (d: ObjectDef, depth: number) => {
        objs.push(supportedObject(m, d, req));
        if (req.firstLevelOnly && depth >= 1) return;
        for (const c of d.children) visit(c, depth + 1);
      };
      visit(def, 0);
      return { ...base, errCode: 0, errMsg: "", supportedObjs: objs };
    }),
  };
}
