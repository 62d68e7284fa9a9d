// Filter text -> AST. A hand-written lexer and a recursive-descent parser, so that every error can say
// what was expected and where. Grammar (keywords in any case):
//
//   filter     = or EOF
//   or         = and { "OR" and }
//   and        = unary { "AND" unary }
//   unary      = "NOT" unary | "(" or ")" | condition
//   condition  = "online"
//              | target ( op value | "IN" "(" value { "," value } ")" | "EXISTS" | "NOT" "EXISTS" )
//   target     = field | path | "param" "(" string ")"
//   op         = "=" | "!=" | "<" | "<=" | ">" | ">=" | "^=" | "*=" | "~="
//   value      = string | number | "true" | "false" | now
//   now        = "now" [ ("+" | "-") duration ]          e.g. now-15m, now-1h30m, now+2d
import {
  FIELD_ALIASES, FIELD_NAMES, FILTER_LIMITS, type CompareOp, type FieldName, type FilterNode, type Literal, type Target,
} from "./ast.js";
import { conditionProblem, literalProblem, pathProblem, stringProblem } from "./check.js";
import { FilterError, positionOf, type FilterErrorCode } from "./errors.js";
import { parseDuration } from "./values.js";

type Token =
  | { t: "word"; text: string; start: number }
  | { t: "string"; value: string; start: number }
  | { t: "number"; value: number; text: string; start: number }
  | { t: "op"; op: CompareOp; start: number }
  | { t: "(" | ")" | "," | "eof"; start: number };

const isWordStart = (c: number) => c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordChar = (c: number) => isWordStart(c) || isDigit(c) || c === 45 /* - */ || c === 46; /* . */
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

const NUMBER_RE = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

class Lexer {
  constructor(private readonly text: string) {}

  fail(code: FilterErrorCode, reason: string, offset: number): never {
    throw new FilterError(code, reason, positionOf(this.text, offset));
  }

  tokens(): Token[] {
    const s = this.text;
    const out: Token[] = [];
    let i = 0;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      const start = i;
      if (isWordStart(c)) {
        while (i < s.length && isWordChar(s.charCodeAt(i))) i++;
        // now+15m: "+" is not a word character ("-" is, for paths), so the relative time is taken here.
        if (s.slice(start, i).toLowerCase() === "now" && s[i] === "+") {
          i++;
          while (i < s.length && isWordChar(s.charCodeAt(i))) i++;
        }
        out.push({ t: "word", text: s.slice(start, i), start });
        continue;
      }
      if (isDigit(c) || (c === 45 && isDigit(s.charCodeAt(i + 1)))) {
        NUMBER_RE.lastIndex = i;
        const m = NUMBER_RE.exec(s);
        i = NUMBER_RE.lastIndex;
        const text = m?.[0] ?? "";
        if (i < s.length && isWordChar(s.charCodeAt(i))) {
          let end = i;
          while (end < s.length && isWordChar(s.charCodeAt(end))) end++;
          const whole = s.slice(start, end);
          const hint = /^\d+(ms|[wdhms])/.test(whole) ? `; a relative time is written now-${whole}` : "; text must be quoted";
          this.fail("FILTER_NUMBER", `"${whole}" is not a number${hint}`, start);
        }
        const value = Number(text);
        if (!Number.isFinite(value)) this.fail("FILTER_NUMBER", `${text} is too large`, start);
        out.push({ t: "number", value: value === 0 ? 0 : value, text, start });
        continue;
      }
      switch (s[i]) {
        case '"':
          out.push({ t: "string", value: this.string(start), start });
          i = this.stringEnd;
          continue;
        case "(": case ")": case ",":
          out.push({ t: s[i] as "(" | ")" | ",", start });
          i++;
          continue;
        case "=":
          if (s[i + 1] === "=") this.fail("FILTER_SYNTAX", 'use "=" to compare (not "==")', start);
          out.push({ t: "op", op: "=", start });
          i++;
          continue;
        case "!":
          if (s[i + 1] !== "=") this.fail("FILTER_SYNTAX", 'use NOT to negate a condition ("!" only appears in "!=")', start);
          out.push({ t: "op", op: "!=", start });
          i += 2;
          continue;
        case "<":
          if (s[i + 1] === ">") this.fail("FILTER_SYNTAX", 'use "!=" for "not equal" (not "<>")', start);
          out.push({ t: "op", op: s[i + 1] === "=" ? "<=" : "<", start });
          i += s[i + 1] === "=" ? 2 : 1;
          continue;
        case ">":
          out.push({ t: "op", op: s[i + 1] === "=" ? ">=" : ">", start });
          i += s[i + 1] === "=" ? 2 : 1;
          continue;
        case "^":
          if (s[i + 1] !== "=") this.fail("FILTER_SYNTAX", 'use "^=" for "starts with"', start);
          out.push({ t: "op", op: "^=", start });
          i += 2;
          continue;
        case "*":
        case "~":
          // Alone, a "*" is more likely a wildcard in a path, which the default case reports.
          if (s[i + 1] === "=") {
            out.push({ t: "op", op: s[i] === "*" ? "*=" : "~=", start });
            i += 2;
            continue;
          }
          this.fail("FILTER_SYNTAX", `unexpected character "${s[i]}" (the operators are *= contains and ~= matches a pattern)`, start);
          break;
        case "'":
          this.fail("FILTER_STRING", 'strings are written in double quotes: "text"', start);
          break;
        case "-": case "+":
          this.fail("FILTER_SYNTAX", `unexpected "${s[i]}": a negative number is written -5, a relative time now-15m (without spaces)`, start);
          break;
        default: {
          const ch = String.fromCodePoint(s.codePointAt(i) ?? 0);
          this.fail("FILTER_SYNTAX", `unexpected character ${JSON.stringify(ch)}`, start);
        }
      }
    }
    out.push({ t: "eof", start: s.length });
    return out;
  }

  private stringEnd = 0;

  /** Reads the string literal whose opening quote is at `start`; sets stringEnd past the closing quote. */
  private string(start: number): string {
    const s = this.text;
    let out = "";
    let i = start + 1;
    for (;;) {
      if (i >= s.length) this.fail("FILTER_STRING", "the string is not closed (a \" is missing)", start);
      const ch = s[i]!;
      if (ch === '"') break;
      if (ch !== "\\") {
        out += ch;
        i++;
        continue;
      }
      const e = s[i + 1];
      if (e !== undefined && e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        i += 2;
        continue;
      }
      if (e === "u" && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      this.fail("FILTER_STRING", `bad escape ${JSON.stringify(s.slice(i, i + 2))}: escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX`, i);
    }
    const why = stringProblem(out);
    if (why !== undefined) this.fail("FILTER_STRING", why, start);
    this.stringEnd = i + 1;
    return out;
  }
}

const KEYWORDS = new Set(["and", "or", "not", "in", "exists", "true", "false"]);
const FIELD_BY_LOWER = new Map<string, FieldName>([
  ...FIELD_NAMES.map((f) => [f.toLowerCase(), f] as const),
  ...Object.entries(FIELD_ALIASES).map(([alias, f]) => [alias.toLowerCase(), f] as const),
]);

class Parser {
  private pos = 0;
  private conditions = 0;

  constructor(private readonly text: string, private readonly toks: Token[]) {}

  private fail(code: FilterErrorCode, reason: string, offset: number): never {
    throw new FilterError(code, reason, positionOf(this.text, offset));
  }

  private peek(): Token {
    return this.toks[this.pos]!;
  }

  private next(): Token {
    const t = this.toks[this.pos]!;
    if (t.t !== "eof") this.pos++;
    return t;
  }

  private isWord(t: Token, keyword: string): boolean {
    return t.t === "word" && t.text.toLowerCase() === keyword;
  }

  private describe(t: Token): string {
    switch (t.t) {
      case "word": return `"${t.text}"`;
      case "string": return "a string";
      case "number": return t.text;
      case "op": return `"${t.op}"`;
      case "eof": return "the end of the filter";
      default: return `"${t.t}"`;
    }
  }

  filter(): FilterNode {
    if (this.peek().t === "eof") this.fail("FILTER_SYNTAX", "the filter is empty", 0);
    const node = this.or(0);
    const t = this.peek();
    if (t.t !== "eof") {
      const hint = t.t === ")" ? " (this parenthesis closes nothing)" : "";
      this.fail("FILTER_SYNTAX", `expected AND, OR or the end of the filter, found ${this.describe(t)}${hint}`, t.start);
    }
    return node;
  }

  private or(depth: number): FilterNode {
    const operands = [this.and(depth)];
    while (this.isWord(this.peek(), "or")) {
      this.next();
      operands.push(this.and(depth));
    }
    return this.join("or", operands);
  }

  private and(depth: number): FilterNode {
    const operands = [this.unary(depth)];
    while (this.isWord(this.peek(), "and")) {
      this.next();
      operands.push(this.unary(depth));
    }
    return this.join("and", operands);
  }

  private join(kind: "and" | "or", operands: FilterNode[]): FilterNode {
    if (operands.length === 1) return operands[0]!;
    const flat: FilterNode[] = [];
    for (const o of operands) {
      if (o.kind === kind) flat.push(...o.operands);
      else flat.push(o);
    }
    return { kind, operands: flat };
  }

  private deeper(depth: number, at: number): number {
    if (depth + 1 > FILTER_LIMITS.depth) this.fail("FILTER_LIMIT", `the filter is nested more than ${FILTER_LIMITS.depth} levels deep`, at);
    return depth + 1;
  }

  private unary(depth: number): FilterNode {
    const t = this.peek();
    if (this.isWord(t, "not")) {
      this.next();
      return { kind: "not", operand: this.unary(this.deeper(depth, t.start)) };
    }
    if (t.t === "(") {
      this.next();
      const inner = this.or(this.deeper(depth, t.start));
      const close = this.next();
      if (close.t !== ")") {
        this.fail("FILTER_SYNTAX", `expected ")" to close the "(" at column ${positionOf(this.text, t.start).column}, found ${this.describe(close)}`, close.start);
      }
      return inner;
    }
    return this.condition();
  }

  private condition(): FilterNode {
    const t = this.next();
    if (++this.conditions > FILTER_LIMITS.conditions) {
      this.fail("FILTER_LIMIT", `the filter has more than ${FILTER_LIMITS.conditions} conditions`, t.start);
    }
    if (t.t !== "word") {
      const found = t.t === "string" || t.t === "number" ? `${this.describe(t)} (a value goes after a field and an operator)` : this.describe(t);
      this.fail("FILTER_SYNTAX", `expected a condition, found ${found}`, t.start);
    }
    const lower = t.text.toLowerCase();
    if (lower === "online") {
      const n = this.peek();
      if (n.t === "op" || this.isWord(n, "in") || this.isWord(n, "exists")) {
        this.fail("FILTER_TYPE", "online is a condition on its own: write online, or NOT online", n.start);
      }
      return { kind: "online" };
    }
    const target = this.target(t, lower);
    const rest = this.next();
    if (rest.t === "op") {
      const valueAt = this.peek().start;
      return this.checked({ kind: "compare", target, op: rest.op, value: this.value() }, t.start, rest.start, [valueAt]);
    }
    if (this.isWord(rest, "exists")) return this.checked({ kind: "exists", target }, t.start, rest.start, []);
    if (this.isWord(rest, "not")) {
      const e = this.next();
      if (this.isWord(e, "exists")) return { kind: "not", operand: this.checked({ kind: "exists", target }, t.start, rest.start, []) };
      if (this.isWord(e, "in")) {
        this.fail("FILTER_SYNTAX", "x NOT IN (...) is not supported: write NOT x IN (...), which also holds for devices without x", rest.start);
      }
      this.fail("FILTER_SYNTAX", `expected EXISTS after NOT, found ${this.describe(e)}`, e.start);
    }
    if (this.isWord(rest, "in")) {
      const open = this.next();
      if (open.t !== "(") this.fail("FILTER_SYNTAX", `expected "(" after IN, found ${this.describe(open)}`, open.start);
      const values: Literal[] = [];
      const starts: number[] = [];
      if (this.peek().t === ")") this.fail("FILTER_SYNTAX", "IN needs at least one value", this.peek().start);
      for (;;) {
        starts.push(this.peek().start);
        values.push(this.value());
        if (values.length > FILTER_LIMITS.inValues) this.fail("FILTER_LIMIT", `an IN list holds more than ${FILTER_LIMITS.inValues} values`, starts.at(-1)!);
        const sep = this.next();
        if (sep.t === ")") break;
        if (sep.t !== ",") this.fail("FILTER_SYNTAX", `expected "," or ")" in the IN list, found ${this.describe(sep)}`, sep.start);
      }
      return this.checked({ kind: "in", target, values }, t.start, rest.start, starts);
    }
    const name = target.kind === "field" ? target.name : target.path;
    this.fail("FILTER_SYNTAX", `expected an operator (= != < <= > >= ^= *= ~=), IN, EXISTS or NOT EXISTS after ${name}, found ${this.describe(rest)}`, rest.start);
  }

  /** Applies the type rules, reporting a broken one at the target, the operator or the value. */
  private checked<N extends Extract<FilterNode, { kind: "compare" | "in" | "exists" }>>(node: N, targetAt: number, opAt: number, valueAt: number[]): N {
    const p = conditionProblem(node);
    if (p) this.fail(p.code, p.reason, p.at === "target" ? targetAt : p.at === "op" ? opAt : valueAt[p.at] ?? opAt);
    return node;
  }

  private target(t: Extract<Token, { t: "word" }>, lower: string): Target {
    if (lower === "param" && this.peek().t === "(") {
      this.next();
      const s = this.next();
      if (s.t !== "string") this.fail("FILTER_SYNTAX", `param( takes the parameter path as a string: param("Device.X"), found ${this.describe(s)}`, s.start);
      const close = this.next();
      if (close.t !== ")") this.fail("FILTER_SYNTAX", `expected ")" after param("...", found ${this.describe(close)}`, close.start);
      const why = pathProblem(s.value);
      if (why !== undefined) this.fail("FILTER_PATH", why, s.start);
      return { kind: "parameter", path: s.value };
    }
    if (t.text.includes(".") && !FIELD_BY_LOWER.has(lower)) {
      const why = pathProblem(t.text);
      if (why !== undefined) this.fail("FILTER_PATH", why, t.start);
      return { kind: "parameter", path: t.text };
    }
    if (KEYWORDS.has(lower)) this.fail("FILTER_SYNTAX", `expected a condition, found ${t.text.toUpperCase()}`, t.start);
    const field = FIELD_BY_LOWER.get(lower);
    if (field === undefined) {
      this.fail("FILTER_FIELD",
        `unknown field "${t.text}": the fields are ${FIELD_NAMES.join(", ")} and online; a parameter path starts with its root object (Device.…, InternetGatewayDevice.…)`,
        t.start);
    }
    return { kind: "field", name: field };
  }

  private value(): Literal {
    const t = this.next();
    let lit: Literal;
    switch (t.t) {
      case "string":
        lit = { kind: "string", value: t.value };
        break;
      case "number":
        lit = { kind: "number", value: t.value };
        break;
      case "word": {
        const lower = t.text.toLowerCase();
        if (lower === "true" || lower === "false") {
          lit = { kind: "boolean", value: lower === "true" };
          break;
        }
        if (lower.startsWith("now") && (lower.length === 3 || lower[3] === "-" || lower[3] === "+")) {
          const d = lower.length === 3 ? 0 : parseDuration(t.text.slice(4));
          if (typeof d === "string") this.fail("FILTER_TIME", d, t.start);
          lit = { kind: "now", offsetMs: lower[3] === "-" && d !== 0 ? -d : d };
          break;
        }
        this.fail("FILTER_SYNTAX", `expected a value, found ${this.describe(t)}: text is written in double quotes ("${t.text}")`, t.start);
        break;
      }
      default:
        this.fail("FILTER_SYNTAX", `expected a value (a "string", a number, true, false or now-15m), found ${this.describe(t)}`, t.start);
    }
    const p = literalProblem(lit);
    if (p) this.fail(p.code, p.reason, t.start);
    return lit;
  }
}

/** Parses filter text into its AST (normal form). Throws FilterError with a code and a position. */
export function parse(text: string): FilterNode {
  if (typeof text !== "string") throw new FilterError("FILTER_SYNTAX", "the filter must be text");
  if (text.length > FILTER_LIMITS.textLength) {
    throw new FilterError("FILTER_LIMIT", `the filter is longer than ${FILTER_LIMITS.textLength} characters`, positionOf(text, FILTER_LIMITS.textLength));
  }
  return new Parser(text, new Lexer(text).tokens()).filter();
}
