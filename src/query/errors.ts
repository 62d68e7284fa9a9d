// Typed errors of the filter language, with stable codes. A parse error says where it is: `offset`
// (0-based, in UTF-16 code units, as JavaScript indexes strings) and `line`/`column` (1-based, columns
// counted in characters) for people. Errors about a filter given as an AST (no text) carry no position.

export type FilterErrorCode =
  /** Not a filter: an unexpected or missing token (a parenthesis, an operator, a value, AND/OR). */
  | "FILTER_SYNTAX"
  /** A string literal that is unterminated, has a bad escape, or holds a character a value cannot. */
  | "FILTER_STRING"
  /** A number that is malformed or out of range. */
  | "FILTER_NUMBER"
  /** A time that is neither an ISO-8601 date(-time) nor now, now-15m, now+1h, ... */
  | "FILTER_TIME"
  /** A field name that is neither a device field nor a parameter path. */
  | "FILTER_FIELD"
  /** A parameter path that is not a valid TR-069 name. */
  | "FILTER_PATH"
  /** An operator or a value that does not fit the field (`tag < "a"`, `lastInform = 5`, `online = true`). */
  | "FILTER_TYPE"
  /** A filter too long, too deeply nested, or with too many conditions or list items. */
  | "FILTER_LIMIT"
  /** A filter given as an object that is not a well-formed filter AST. */
  | "FILTER_AST"
  /** A sort key that names no sortable field. */
  | "FILTER_SORT"
  /** The filter needs something the caller did not give (`online` needs the online window). */
  | "FILTER_CONTEXT";

export interface FilterPosition {
  /** 0-based offset in the text (UTF-16 code units). */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column, in characters (code points). */
  column: number;
}

export class FilterError extends Error {
  readonly code: FilterErrorCode;
  /** Where in the filter text the problem is, when the filter was text. */
  readonly position: FilterPosition | undefined;
  /** The message without the position suffix. */
  readonly reason: string;

  constructor(code: FilterErrorCode, reason: string, position?: FilterPosition) {
    super(position === undefined ? reason : `${reason} (${position.line > 1 ? `line ${position.line}, ` : ""}column ${position.column})`);
    this.code = code;
    this.reason = reason;
    this.position = position;
    this.name = "FilterError";
  }
}

/** The position of `offset` in `text`. */
export function positionOf(text: string, offset: number): FilterPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  let column = 1;
  for (const _ of text.slice(lineStart, offset)) column++;
  return { offset, line, column };
}
