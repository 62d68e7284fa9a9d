// The device filter language: one text form for the REST API's device list and presets' device
// filters. Pure (no I/O, no clock: the time is passed in). docs/filters.md is the reference.
//
//   const f = parse('productClass = "HGW-1" AND lastInform > now-1h');
//   print(f);                                         // canonical text
//   evaluate(f, device, { now, onlineWithinMs });     // in memory (presets)
//   analyze(f).parameters;                            // what to fetch first
//   store.devices.list({ filter: f });                // in SQL (store/sql/filter.ts)
import type { FilterNode } from "./ast.js";
import { validate } from "./check.js";
import { parse } from "./parse.js";

export {
  ALARM_FIELDS, COMPARE_OPS, FIELD_ALIASES, FIELD_NAMES, FILTER_LIMITS, TEXT_FIELDS, TIME_FIELDS, fieldKind, isTextOp,
  type AlarmField, type CompareOp, type TextOp, type FieldKind, type FieldName, type FilterNode, type Literal, type Target, type TextField, type TimeField,
} from "./ast.js";
export { FilterError, type FilterErrorCode, type FilterPosition } from "./errors.js";
export { parse } from "./parse.js";
export { print, printLiteral, printString, printTarget } from "./print.js";
export { validate } from "./check.js";
export { evaluate, filterDevice, literalTime, type EvaluateOptions, type FilterDevice, type ParameterValue } from "./evaluate.js";
export { analyze, type FilterInfo } from "./analyze.js";
export { globProblem, literalPrefix, matchPattern, MAX_PATTERN_STARS, patternOf, type PatternPart } from "./pattern.js";
export {
  compareForSort, resolveSort, MAX_SORT_KEYS, SORT_TEXT_CHARS, type ResolvedSortKey, type SortDirection, type SortKey, type SortTarget,
} from "./sort.js";
export { booleanOf, compareText, numberOf, timeLiteralOf, timeOf } from "./values.js";

/** A filter given as text (parsed) or as an AST object (validated); either way the normal-form AST. */
export function toFilter(input: string | FilterNode): FilterNode {
  return typeof input === "string" ? parse(input) : validate(input);
}
