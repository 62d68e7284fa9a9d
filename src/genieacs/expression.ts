// GenieACS's newer precondition syntax, an SQL-like expression:
//   DeviceID.ProductClass = "HGW" AND Tags.lab IS NOT NULL AND NOT InternetGatewayDevice.X LIKE "2.%"
// read into a Provisio filter AST. What has no Provisio equivalent (arithmetic between parameters,
// functions other than NOW(), comparing two parameters) is refused with the reason.

import type { CompareOp, FilterNode, Literal } from "../query/index.js";
import { Unmappable } from "./errors.js";
import { and, literalFor, not, or, subjectOf, tagIs, type Subject } from "./names.js";
import { likeFilter } from "./patterns.js";

type Token =
  | { t: "word"; v: string; at: number }
  | { t: "string"; v: string; at: number }
  | { t: "number"; v: number; at: number }
  | { t: "op"; v: string; at: number };

const OPS = ["<>", "!=", ">=", "<=", "=", "<", ">", "(", ")", ",", "+", "-", "*", "/", "||"];

function tokens(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let v = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new Unmappable(`a string not closed (column ${i + 1})`);
        const d = text[j]!;
        if (d === c && text[j + 1] !== c) break;
        // A backslash escapes the next character; a quote is also escaped by doubling it.
        const escaped = (d === "\\" && j + 1 < text.length) || d === c;
        v += escaped ? text[j + 1]! : d;
        j += escaped ? 2 : 1;
      }
      out.push({ t: "string", v, at: i });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))![0];
      out.push({ t: "number", v: Number(m), at: i });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.*-]*/.exec(text.slice(i))![0];
      out.push({ t: "word", v: m, at: i });
      i += m.length;
    } else {
      const op = OPS.find((o) => text.startsWith(o, i));
      if (op === undefined) throw new Unmappable(`unexpected ${JSON.stringify(c)} (column ${i + 1})`);
      out.push({ t: "op", v: op, at: i });
      i += op.length;
    }
  }
  return out;
}

type Operand = { kind: "path"; name: string } | { kind: "value"; value: string | number | boolean | null } | { kind: "now"; offsetMs: number };

const MIRROR: Readonly<Record<string, CompareOp>> = { "=": "=", "<>": "!=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };
const COMPARE: Readonly<Record<string, CompareOp>> = { "=": "=", "<>": "!=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private keyword(...words: string[]): boolean {
    const saved = this.i;
    for (const w of words) {
      const t = this.toks[this.i];
      if (t?.t !== "word" || t.v.toUpperCase() !== w) {
        this.i = saved;
        return false;
      }
      this.i++;
    }
    return true;
  }

  private op(v: string): boolean {
    const t = this.peek();
    if (t?.t === "op" && t.v === v) return (this.i++, true);
    return false;
  }

  private unexpected(): never {
    const t = this.peek();
    throw new Unmappable(t === undefined ? "the expression ends too early" : `unexpected ${JSON.stringify(String(t.v))} (column ${t.at + 1})`);
  }

  /** null: TRUE (every device). */
  whole(): FilterNode | null | false {
    const e = this.or();
    if (this.peek() !== undefined) this.unexpected();
    return e;
  }

  // Booleans stand for themselves until combined: TRUE AND x is x, FALSE OR x is x.
  private or(): FilterNode | null | false {
    const parts = [this.and()];
    while (this.keyword("OR")) parts.push(this.and());
    if (parts.includes(null)) return null;
    const nodes = parts.filter((p): p is FilterNode => p !== false);
    return nodes.length === 0 ? false : or(nodes);
  }

  private and(): FilterNode | null | false {
    const parts = [this.not()];
    while (this.keyword("AND")) parts.push(this.not());
    if (parts.includes(false)) return false;
    return and(parts.filter((p): p is FilterNode => p !== null));
  }

  private not(): FilterNode | null | false {
    if (this.keyword("NOT")) {
      const e = this.not();
      return e === null ? false : e === false ? null : not(e);
    }
    return this.condition();
  }

  private condition(): FilterNode | null | false {
    if (this.op("(")) {
      const e = this.or();
      if (!this.op(")")) this.unexpected();
      return e;
    }
    const left = this.operand();
    if (this.keyword("IS", "NOT", "NULL")) return not(isNull(left));
    if (this.keyword("IS", "NULL")) return isNull(left);
    const negated = this.keyword("NOT", "LIKE");
    if (negated || this.keyword("LIKE")) {
      const right = this.operand();
      if (left.kind !== "path" || right.kind !== "value" || typeof right.value !== "string") throw new Unmappable("LIKE takes a parameter on its left and a string on its right");
      const subject = subjectOf(left.name);
      if (subject.kind !== "target") throw new Unmappable(`${left.name} LIKE: a tag is present or not`);
      const f = likeFilter(subject.target, right.value);
      return negated ? not(f) : f;
    }
    const t = this.peek();
    if (t?.t === "op" && COMPARE[t.v] !== undefined) {
      this.i++;
      return comparison(left, t.v, this.operand());
    }
    if (left.kind === "value" && typeof left.value === "boolean") return left.value ? null : false;
    return this.unexpected();
  }

  private operand(): Operand {
    const base = this.atom();
    const t = this.peek();
    if (t?.t === "op" && (t.v === "+" || t.v === "-") && base.kind === "now") {
      this.i++;
      const n = this.atom();
      if (n.kind !== "value" || typeof n.value !== "number") throw new Unmappable("NOW() plus or minus anything but a number of milliseconds");
      return { kind: "now", offsetMs: base.offsetMs + (t.v === "+" ? n.value : -n.value) };
    }
    if (t?.t === "op" && ["+", "-", "*", "/", "||"].includes(t.v)) throw new Unmappable(`arithmetic (${t.v}, column ${t.at + 1}): Provisio filters compare values as they are`);
    return base;
  }

  private atom(): Operand {
    const t = this.peek();
    if (t === undefined) return this.unexpected();
    if (t.t === "op" && t.v === "-") {
      this.i++;
      const n = this.atom();
      if (n.kind !== "value" || typeof n.value !== "number") return this.unexpected();
      return { kind: "value", value: -n.value };
    }
    this.i++;
    if (t.t === "string" || t.t === "number") return { kind: "value", value: t.v };
    if (t.t !== "word") return (this.i--, this.unexpected());
    const upper = t.v.toUpperCase();
    if (upper === "TRUE" || upper === "FALSE") return { kind: "value", value: upper === "TRUE" };
    if (upper === "NULL") return { kind: "value", value: null };
    if (this.op("(")) {
      if (upper === "NOW" && this.op(")")) return { kind: "now", offsetMs: 0 };
      throw new Unmappable(`the function ${t.v}() has no equivalent in Provisio filters`);
    }
    return { kind: "path", name: t.v };
  }
}

function isNull(o: Operand): FilterNode {
  if (o.kind !== "path") throw new Unmappable("IS NULL on something else than a parameter");
  const s = subjectOf(o.name);
  return s.kind === "tag" ? not(tagIs(s.tag)) : not({ kind: "exists", target: target(o.name, s) });
}

function target(name: string, s: Subject) {
  if (s.kind !== "target") throw new Unmappable(`${name}: a tag is present or not; it has no value to compare`);
  return s.target;
}

function comparison(left: Operand, op: string, right: Operand): FilterNode {
  if (left.kind !== "path" && right.kind === "path") return comparison(right, mirrorText(op), left);
  if (left.kind !== "path") throw new Unmappable("a comparison of two values, with no parameter");
  if (right.kind === "path") throw new Unmappable(`${left.name} compared with ${right.name}: Provisio filters compare a parameter with a value`);
  const s = subjectOf(left.name);
  if (s.kind === "tag") {
    if (right.kind !== "value" || typeof right.value !== "boolean" || (op !== "=" && op !== "<>" && op !== "!=")) throw new Unmappable(`${left.name}: a tag is compared with = true or = false`);
    return right.value === (op === "=") ? tagIs(s.tag) : not(tagIs(s.tag));
  }
  const t = target(left.name, s);
  if (right.kind === "value" && right.value === null) throw new Unmappable(`${left.name} ${op} NULL is never true: write IS NULL`);
  const value: Literal = right.kind === "now" ? { kind: "now", offsetMs: right.offsetMs } : literalFor(t, right.value, left.name);
  return { kind: "compare", target: t, op: COMPARE[op]!, value };
}

function mirrorText(op: string): string {
  const m = MIRROR[op]!;
  return m === "!=" ? "<>" : m;
}

/** The expression as a filter; null when it holds for every device. Throws Unmappable. */
export function expressionFilter(text: string): FilterNode | null {
  const e = new Parser(tokens(text)).whole();
  if (e === false) throw new Unmappable("the precondition holds for no device");
  return e;
}
