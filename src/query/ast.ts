// The filter AST: plain JSON-able objects (a filter can be stored, sent, or built by code and checked
// with `validate`). `parse` builds it from text, `print` writes it back in the canonical text form.

/**
 * Device fields holding text. cwmpVersion may be unknown (null). credentials is "own" or "bootstrap"
 * (CREDENTIALS_VALUES): whether the ACS holds credentials of the device's own. protocol is "cwmp" or
 * "usp" (PROTOCOL_VALUES): how the device is managed.
 */
export const TEXT_FIELDS = ["id", "oui", "productClass", "serialNumber", "manufacturer", "cwmpVersion", "credentials", "protocol"] as const;

/** The values of the credentials field; = and IN take no other, so that a misspelt one is an error. */
export const CREDENTIALS_VALUES = ["own", "bootstrap"] as const;
/** The values of the protocol field, checked as credentials' are. */
export const PROTOCOL_VALUES = ["cwmp", "usp"] as const;
/** Device fields holding a time. All but `registered` may be unknown (null). */
export const TIME_FIELDS = ["registered", "lastInform", "lastBoot", "lastBootstrap"] as const;

/**
 * The device's active alarms (docs/alarms.md): `alarm.active` how many (a number), `alarm.severity` the
 * highest of their severities, compared in the order critical > major > minor > warning (a device
 * without an active alarm has none: every comparison of it is false).
 */
export const ALARM_FIELDS = ["alarm.active", "alarm.severity"] as const;

export type TextField = (typeof TEXT_FIELDS)[number];
export type TimeField = (typeof TIME_FIELDS)[number];
export type AlarmField = (typeof ALARM_FIELDS)[number];
/** `tag` is a set of strings: `tag = "x"` holds when "x" is one of the device's tags. */
export type FieldName = TextField | TimeField | "tag" | AlarmField;

export const FIELD_NAMES: readonly FieldName[] = [...TEXT_FIELDS, ...TIME_FIELDS, "tag", ...ALARM_FIELDS];

/**
 * Other spellings accepted in filter text (the names of the device record's properties); the canonical
 * form uses the short name. Field names are matched regardless of case.
 */
export const FIELD_ALIASES: Readonly<Record<string, FieldName>> = {
  registeredAt: "registered",
  lastInformAt: "lastInform",
  lastBootAt: "lastBoot",
  lastBootstrapAt: "lastBootstrap",
  tags: "tag",
};

export type FieldKind = "text" | "time" | "tag" | "alarm";

export function fieldKind(name: FieldName): FieldKind {
  if (name === "tag") return "tag";
  if (name.startsWith("alarm.")) return "alarm";
  return (TIME_FIELDS as readonly string[]).includes(name) ? "time" : "text";
}

/** What a condition is about: a device field, or a parameter (or object, when the path ends with "."). */
export type Target = { kind: "field"; name: FieldName } | { kind: "parameter"; path: string };

export type Literal =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "boolean"; value: boolean }
  /** The evaluation time plus `offsetMs` (negative: in the past). `now-15m` is offsetMs -900000. */
  | { kind: "now"; offsetMs: number };

/** `^=` starts with, `*=` contains, `~=` matches a glob (query/pattern.ts): the text operators. */
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "^=" | "*=" | "~=";

export const COMPARE_OPS: readonly CompareOp[] = ["=", "!=", "<", "<=", ">", ">=", "^=", "*=", "~="];

export type TextOp = "^=" | "*=" | "~=";

/** Operators that read a value as text whatever it looks like, and take only a string. */
export function isTextOp(op: CompareOp): op is TextOp {
  return op === "^=" || op === "*=" || op === "~=";
}

export type FilterNode =
  /** Two or more operands, none of them an `and` (nested ones are flattened). */
  | { kind: "and"; operands: FilterNode[] }
  /** Two or more operands, none of them an `or`. */
  | { kind: "or"; operands: FilterNode[] }
  | { kind: "not"; operand: FilterNode }
  | { kind: "compare"; target: Target; op: CompareOp; value: Literal }
  /** Same as an `or` of `=` comparisons with each value. One or more values. */
  | { kind: "in"; target: Target; values: Literal[] }
  | { kind: "exists"; target: Target }
  /** The device informed within the online window (given when the filter is evaluated). */
  | { kind: "online" };

/** Bounds that keep a filter (and the SQL made of it) reasonable, whoever sends it. */
export const FILTER_LIMITS = {
  /** Characters of filter text. */
  textLength: 16_384,
  /** Nesting of NOT and parentheses. */
  depth: 32,
  /** Conditions (comparisons, IN, EXISTS, online). */
  conditions: 128,
  /** Values in one IN list. */
  inValues: 1000,
} as const;
