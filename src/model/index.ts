// The data-model layer's public face: parameter paths, Broadband Forum data models, value checks
// against the standard, device dumps, and a registry that says which definition a path has. Pure: the
// only I/O is reading a file whose path the caller gives (loadBbfXml, loadDump).

export { ModelError } from "./errors.js";
export { SOFTWARE_VERSION_PATHS } from "./well-known.js";
export type { ModelErrorCode } from "./errors.js";
export { Path, PathCache, parsePath, checkPath, pathMatches, toTemplate, WILDCARD, PLACEHOLDER } from "./path.js";
export type { SegmentKind, ParsePathOptions } from "./path.js";
export type {
  Access,
  DataModel,
  DataTypeDef,
  EnumerationFacet,
  ListFacet,
  ObjectDef,
  ParameterDef,
  PathRefFacet,
  PatternFacet,
  RangeFacet,
  SizeFacet,
  Status,
  Syntax,
  UniqueKey,
} from "./types.js";
export { loadBbfXml, parseBbfXml } from "./bbf-xml.js";
export type { BbfLoadOptions } from "./bbf-xml.js";
export { checkValue, checkTypedValue, splitList } from "./check.js";
export type { CheckOptions } from "./check.js";
export { loadDump, parseDumpCsv, parseDumpJson } from "./dump.js";
export type { DeviceDump, DeviceIdentity, DumpEntry, DumpIssue, DumpIssueCode, DumpOptions } from "./dump.js";
export { DataModelRegistry, findParameter, findObject } from "./standard.js";
export type { DataModelSource, ParameterMatch, ObjectMatch } from "./standard.js";
export { initialValue, instantiate } from "./instantiate.js";
export type { InstantiateOptions } from "./instantiate.js";
