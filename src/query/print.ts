// AST -> canonical filter text: keywords in capitals, one space around operators, parentheses only
// where precedence needs them (NOT binds tighter than AND, AND tighter than OR), strings escaped the
// one way, relative times in d/h/m/s/ms. Parsing the canonical text gives back the same AST (in normal
// form), so two filters that print the same mean the same.
import type { FilterNode, Literal, Target } from "./ast.js";
import { formatDuration } from "./values.js";

const BARE_PATH = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

export function printString(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what must be escaped
  return `"${s.replace(/["\\\u0000-\u001f\u007f]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

export function printTarget(t: Target): string {
  if (t.kind === "field") return t.name;
  return BARE_PATH.test(t.path) ? t.path : `param(${printString(t.path)})`;
}

export function printLiteral(v: Literal): string {
  switch (v.kind) {
    case "string": return printString(v.value);
    case "number": return String(v.value);
    case "boolean": return String(v.value);
    case "now": return v.offsetMs === 0 ? "now" : `now${v.offsetMs < 0 ? "-" : "+"}${formatDuration(Math.abs(v.offsetMs))}`;
  }
}

const OR = 1;
const AND = 2;
const NOT = 3;

function printNode(node: FilterNode, parent: number): string {
  switch (node.kind) {
    case "or": {
      const text = node.operands.map((o) => printNode(o, OR)).join(" OR ");
      return parent > OR ? `(${text})` : text;
    }
    case "and": {
      const text = node.operands.map((o) => printNode(o, AND)).join(" AND ");
      return parent > AND ? `(${text})` : text;
    }
    case "not":
      if (node.operand.kind === "exists") return `${printTarget(node.operand.target)} NOT EXISTS`;
      return `NOT ${printNode(node.operand, NOT)}`;
    case "compare":
      return `${printTarget(node.target)} ${node.op} ${printLiteral(node.value)}`;
    case "in":
      return `${printTarget(node.target)} IN (${node.values.map(printLiteral).join(", ")})`;
    case "exists":
      return `${printTarget(node.target)} EXISTS`;
    case "online":
      return "online";
  }
}

/** The canonical text of a filter. */
export function print(node: FilterNode): string {
  return printNode(node, 0);
}
