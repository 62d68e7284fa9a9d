// The path name parser. A hand-written scanner: the grammar is small, and a position in every error
// says where a peer's path went wrong (USP error 7008, Invalid path syntax).

import { UspRemoteError } from "../errors.js";
import type { Condition, Operator, PathKind, Segment, UspPath } from "./types.js";

/** Names as TR-106 allows them: a letter or underscore, then letters, digits, `_` and `-`. */
const NAME = /[A-Za-z_][A-Za-z0-9_-]*/y;
const INSTANCE = /[1-9][0-9]*/y;
const OPERATOR = /==|!=|<=|>=|<|>/y;
/** Unquoted literals: numbers, booleans, dates; anything else is quoted. */
const BARE_VALUE = /[A-Za-z0-9_.:+-]+/y;
const MAX_PATH_LENGTH = 4096;
const MAX_INSTANCE = 2 ** 32 - 1;

export interface ParsePathOptions {
  /** The kinds of path the caller accepts (default: any). */
  kinds?: readonly PathKind[];
  /** Refuse wildcards, expressions and references (default: allowed). */
  noSearch?: boolean;
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string, at = this.pos): never {
    throw new UspRemoteError("PATH_SYNTAX", `${message} at column ${at + 1} of ${JSON.stringify(this.text.slice(0, 200))}`, 7008, this.text);
  }

  peek(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  get done(): boolean {
    return this.pos >= this.text.length;
  }
}

function instanceNumber(s: Scanner, text: string, at: number): number {
  const n = Number(text);
  if (n > MAX_INSTANCE) s.fail("instance number out of range", at);
  return n;
}

/** A name, an instance number, or a reference (`Name+`, `Name#N+`, `Name#*+`). */
function plainSegment(s: Scanner): Segment | undefined {
  const at = s.pos;
  const digits = s.match(INSTANCE);
  if (digits !== undefined) return { type: "instance", instance: instanceNumber(s, digits, at) };
  const name = s.match(NAME);
  if (name === undefined) return undefined;
  if (s.eat("#")) {
    const itemAt = s.pos;
    const item = s.eat("*") ? "*" : s.match(INSTANCE);
    if (item === undefined) s.fail("expected a list index or * after #");
    if (!s.eat("+")) s.fail("expected + after a list index");
    return { type: "reference", name, item: item === "*" ? "*" : instanceNumber(s, item, itemAt) };
  }
  if (s.eat("+")) return { type: "reference", name };
  return { type: "name", name };
}

function percentDecode(s: Scanner, raw: string, at: number): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return s.fail("bad percent-encoding in a quoted value", at);
  }
}

function condition(s: Scanner): Condition {
  const path: Segment[] = [];
  do {
    const seg = plainSegment(s);
    if (seg === undefined) s.fail("expected a parameter name in an expression");
    path.push(seg);
  } while (s.eat("."));
  const last = path[path.length - 1]!;
  if (last.type !== "name") s.fail("an expression compares a parameter, named last");
  const op = s.match(OPERATOR) as Operator | undefined;
  if (op === undefined) s.fail("expected one of == != < > <= >=");
  if (s.peek('"')) {
    const at = ++s.pos;
    const end = s.text.indexOf('"', at);
    if (end < 0) s.fail("unterminated quoted value", at - 1);
    s.pos = end + 1;
    return { path, op, value: percentDecode(s, s.text.slice(at, end), at), quoted: true };
  }
  const value = s.match(BARE_VALUE);
  if (value === undefined) s.fail("expected a value");
  return { path, op, value, quoted: false };
}

function segment(s: Scanner): Segment | undefined {
  if (s.eat("*")) return { type: "wildcard" };
  if (s.eat("[")) {
    const conditions = [condition(s)];
    while (s.eat("&&")) conditions.push(condition(s));
    if (!s.eat("]")) s.fail("expected && or ] after a condition");
    return { type: "filter", conditions };
  }
  return plainSegment(s);
}

/** Parses a path name or search path; throws UspRemoteError (code PATH_SYNTAX, uspErrCode 7008). */
export function parsePath(text: string, options: ParsePathOptions = {}): UspPath {
  const s: Scanner = new Scanner(text);
  if (typeof text !== "string" || text.length === 0) s.fail("a path must not be empty", 0);
  if (text.length > MAX_PATH_LENGTH) s.fail(`a path is at most ${MAX_PATH_LENGTH} characters`, MAX_PATH_LENGTH);
  const segments: Segment[] = [];
  let kind: PathKind = "parameter";
  for (;;) {
    const at = s.pos;
    const seg = segment(s);
    if (seg === undefined) s.fail("expected a name, an instance number, * or [");
    if (segments.length === 0 && seg.type !== "name") s.fail("a path starts with a name", at);
    segments.push(seg);
    if (s.eat(".")) {
      if (s.done) {
        kind = "object";
        break;
      }
      continue;
    }
    if (s.eat("()")) kind = "command";
    else if (s.eat("!")) kind = "event";
    if (!s.done) s.fail("expected . or the end of the path");
    if (seg.type !== "name") s.fail(kind === "parameter" ? "a parameter path ends with a name; an object path ends with ." : `a ${kind} is named by a name`, at);
    break;
  }
  const path: UspPath = { text, kind, segments, search: segments.some((g) => g.type === "wildcard" || g.type === "filter" || g.type === "reference") };
  if (options.kinds && !options.kinds.includes(kind)) s.fail(`expected a path to ${options.kinds.join(" or ")}, not to ${kind === "object" ? "an object" : `a ${kind}`}`, 0);
  if (options.noSearch && path.search) s.fail("a search path is not allowed here", 0);
  return path;
}

/** Whether `text` parses as a path of one of the given kinds (any kind by default). */
export function isPath(text: string, options: ParsePathOptions = {}): boolean {
  try {
    parsePath(text, options);
    return true;
  } catch (e) {
    if (e instanceof UspRemoteError) return false;
    throw e;
  }
}
