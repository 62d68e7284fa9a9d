// The typed shape of a loaded data model. Plain data (bar the compiled patterns), keyed by the Broadband
// Forum's template paths ("Device.WiFi.SSID.{i}.SSID"), so that a concrete path finds its definition by
// turning its instance numbers into "{i}".

import type { XsdType } from "../cwmp/index.js";

export type Status = "current" | "deprecated" | "obsoleted" | "deleted";
export type Access = "readOnly" | "readWrite" | "writeOnceReadOnly";

/** Lengths: characters for strings, bytes (decoded) for hexBinary and base64. Alternatives: a value fits one. */
export interface SizeFacet {
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** Inclusive range, optionally with a step counted from `min` (or 0). Alternatives: a value fits one. */
export interface RangeFacet {
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
}

export interface EnumerationFacet {
  readonly value: string;
  /** Only the CPE may report this value; an ACS cannot set it (e.g. DiagnosticsState "Complete"). */
  readonly readOnly?: true;
  /** The CPE need not support it. */
  readonly optional?: true;
  /** When not current (deleted values are dropped at load time). */
  readonly status?: Exclude<Status, "current" | "deleted">;
}

/** An XSD pattern (implicitly anchored); `regex` is null when it could not be compiled to a JS RegExp. */
export interface PatternFacet {
  readonly value: string;
  readonly regex: RegExp | null;
}

/** A comma-separated list: its own limits on the whole text and on the item count. */
export interface ListFacet {
  readonly minItems?: number;
  readonly maxItems?: number;
  /** Limits on the whole list text. */
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Items are written in brackets ("[1,2],[3,4]"). */
  readonly nestedBrackets?: true;
}

export interface PathRefFacet {
  readonly refType?: string;
  readonly targetType?: string;
  readonly targetParent?: string;
}

export interface Syntax {
  /** The type on the wire (xsi:type): xsd:string for list-valued parameters. */
  readonly type: XsdType;
  /** The type of the value, or of each item of a list. */
  readonly itemType: XsdType;
  /** The named data type the syntax refers to (e.g. "IPAddress", "StatsCounter64"). */
  readonly dataType?: string;
  readonly list?: ListFacet;
  /**
   * Each item of the list is itself a list, written in brackets ("[1,2],[3,4]"): the inner list's
   * limits (from a list-valued data type such as UERComplex).
   */
  readonly itemList?: ListFacet;
  /** Facets of the value (of each item for lists). Alternatives within a kind; all kinds apply. */
  readonly sizes?: readonly SizeFacet[];
  readonly ranges?: readonly RangeFacet[];
  readonly enumerations?: readonly EnumerationFacet[];
  readonly patterns?: readonly PatternFacet[];
  readonly units?: string;
  /** The value is a path (or a list of paths) to an object or parameter. */
  readonly pathRef?: PathRefFacet;
  /** The allowed values are those listed in another parameter (not checked statically). */
  readonly enumerationRef?: { readonly targetParam: string; readonly nullValue?: string };
}

export interface ParameterDef {
  /** Template path: "Device.WiFi.SSID.{i}.SSID" (relative to the mount point in service models). */
  readonly path: string;
  readonly name: string;
  /** Template path of the object that holds it ("" for top-level parameters of a service model). */
  readonly object: string;
  readonly access: Access;
  /** An ACS may set it (readWrite, or writeOnceReadOnly before its first set). */
  readonly writable: boolean;
  readonly status: Status;
  readonly version?: string;
  readonly syntax: Syntax;
  readonly default?: string;
  /** What the default is: "object" (on creation), "factory", "implementation", "parameter". */
  readonly defaultType?: string;
  /** Reading it returns "" (passwords, keys). */
  readonly hidden?: true;
  readonly secured?: true;
  /** Setting it triggers an action (e.g. a reset); reading it is meaningless. */
  readonly command?: true;
  /** Always present in Inform. */
  readonly forcedInform?: true;
  /** "normal" unless stated: "forceEnabled", "forceDefaultEnabled", "canDeny". */
  readonly activeNotify?: string;
  /** First sentence of the description, when loaded with descriptions: "short". */
  readonly description?: string;
}

export interface UniqueKey {
  /** Parameter names, relative to the object. */
  readonly parameters: readonly string[];
  /** Functional keys are set by the CPE; non-functional ones (Alias) by the ACS. */
  readonly functional: boolean;
}

export interface ObjectDef {
  /** Template path with its trailing dot: "Device.WiFi.SSID.{i}.". */
  readonly path: string;
  /** A table row ("...{i}."). */
  readonly multiInstance: boolean;
  /** For a table: the ACS may AddObject/DeleteObject (access readWrite). */
  readonly writable: boolean;
  readonly access: Access;
  readonly minEntries: number;
  readonly maxEntries: number | "unbounded";
  /** Template path of the parameter that counts the rows ("Device.WiFi.SSIDNumberOfEntries"). */
  readonly numEntriesParameter?: string;
  /** Name of the row's Enable parameter. */
  readonly enableParameter?: string;
  readonly uniqueKeys: readonly UniqueKey[];
  readonly status: Status;
  readonly version?: string;
  /** Names of the parameters the object holds directly. */
  readonly parameters: readonly string[];
  readonly description?: string;
}

export interface DataTypeDef {
  readonly name: string;
  readonly base?: string;
  readonly syntax: Syntax;
}

export interface DataModel {
  /** The model's name, e.g. "Device:2.17", "InternetGatewayDevice:1.14", "VoiceService:2.0". */
  readonly name: string;
  /** The document's spec URN, e.g. "urn:broadband-forum-org:tr-181-2-17-0-cwmp". */
  readonly spec: string;
  /**
   * For a root model: its root object ("Device." / "InternetGatewayDevice."). For a service model:
   * the name of its top object with a dot ("VoiceService."); its paths are relative to the mount point
   * ("Device.Services." or "InternetGatewayDevice.Services.").
   */
  readonly root: string;
  readonly isService: boolean;
  /** Keyed by template path, in document order. */
  readonly objects: ReadonlyMap<string, ObjectDef>;
  readonly parameters: ReadonlyMap<string, ParameterDef>;
  readonly dataTypes: ReadonlyMap<string, DataTypeDef>;
  /** Constructs the loader did not understand or could not follow. */
  readonly warnings: readonly string[];
}
