// Parsed USP path names (TR-369, "Path Names" and "Searching"): what the parser returns and the
// evaluator walks.

/** One step of a path. */
export type Segment =
  | { type: "name"; name: string }
  | { type: "instance"; instance: number }
  | { type: "wildcard" }
  | { type: "filter"; conditions: Condition[] }
  /** `Name+` or `Name#2+` / `Name#*+`: follow the reference (one item of a list, or all) held by a parameter. */
  | { type: "reference"; name: string; item?: number | "*" };

export type Operator = "==" | "!=" | "<" | ">" | "<=" | ">=";

/** `relative.Path op value` inside `[...]`; several joined by `&&` must all hold. */
export interface Condition {
  path: Segment[];
  op: Operator;
  /** The literal, percent-decoded when it was quoted. */
  value: string;
  quoted: boolean;
}

export type PathKind = "object" | "parameter" | "command" | "event";

export interface UspPath {
  /** As written. */
  text: string;
  kind: PathKind;
  /** For a parameter path, the last segment is its name; for a command or event, the name without `()` or `!`. */
  segments: Segment[];
  /** Holds a wildcard, an expression or a reference, so it may name more (or fewer) than one thing. */
  search: boolean;
}
