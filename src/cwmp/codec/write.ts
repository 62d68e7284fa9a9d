// Writing envelopes as text. Children of CWMP methods are unqualified (the schemas use
// elementFormDefault="unqualified"), so only the method element carries the cwmp prefix.

import { CwmpLocalError } from "../errors.js";
import { FORBIDDEN_CHAR } from "../xml/scanner.js";

// Characters XML 1.0 cannot carry, even as references.
// An unpaired surrogate is no character at all: UTF-8 encoding would silently turn it into U+FFFD.
const FORBIDDEN = new RegExp(`${FORBIDDEN_CHAR.source}|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]`);
const TEXT_SPECIAL = /[&<>\r]/;
const ATTR_SPECIAL = /[&<>"\r\n\t]/;

function escapeWith(s: string, special: RegExp): string {
  if (!special.test(s)) {
    if (FORBIDDEN.test(s)) throw forbidden(s);
    return s;
  }
  if (FORBIDDEN.test(s)) throw forbidden(s);
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    let rep: string;
    switch (s.charCodeAt(i)) {
      case 38: rep = "&amp;"; break;
      case 60: rep = "&lt;"; break;
      case 62: rep = "&gt;"; break;
      case 34: rep = "&quot;"; break;
      case 13: rep = "&#13;"; break;
      case 10: if (special === ATTR_SPECIAL) { rep = "&#10;"; break; } continue;
      case 9: if (special === ATTR_SPECIAL) { rep = "&#9;"; break; } continue;
      default: continue;
    }
    out += s.slice(last, i) + rep;
    last = i + 1;
  }
  return out + s.slice(last);
}

function forbidden(s: string): CwmpLocalError {
  const at = s.search(FORBIDDEN);
  return new CwmpLocalError("SERIALIZE_INVALID", `text contains U+${s.charCodeAt(at).toString(16).padStart(4, "0")}, which XML cannot carry`);
}

export function escapeText(s: string): string {
  return escapeWith(s, TEXT_SPECIAL);
}

export function escapeAttr(s: string): string {
  return escapeWith(s, ATTR_SPECIAL);
}

/** The time TR-069 uses when a CPE does not know a time. */
export const UNKNOWN_TIME = "0001-01-01T00:00:00Z";

export interface WriteOptions {
  /** How xs:boolean fields are written: "1"/"0" (default; accepted by every device seen) or "true"/"false". */
  booleans?: "numeric" | "literal";
}

export class Writer {
  out = "";
  private readonly literalBooleans: boolean;
  constructor(options: WriteOptions = {}) {
    this.literalBooleans = options.booleans === "literal";
  }

  /** A leaf element with escaped text. */
  str(name: string, text: string): void {
    this.out += text.length === 0 ? `<${name}></${name}>` : `<${name}>${escapeText(text)}</${name}>`;
  }

  optStr(name: string, text: string | undefined): void {
    if (text !== undefined) this.str(name, text);
  }

  num(name: string, n: number): void {
    if (!Number.isInteger(n)) throw new CwmpLocalError("SERIALIZE_INVALID", `${name} must be an integer, got ${n}`);
    this.out += `<${name}>${n}</${name}>`;
  }

  uint(name: string, n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > 4294967295) {
      throw new CwmpLocalError("SERIALIZE_INVALID", `${name} must be an unsignedInt, got ${n}`);
    }
    this.out += `<${name}>${n}</${name}>`;
  }

  /** An xs:dateTime; empty text means "unknown" and is written as TR-069's 0001-01-01T00:00:00Z. */
  dateTime(name: string, text: string): void {
    this.str(name, text.length === 0 ? UNKNOWN_TIME : text);
  }

  bool(name: string, b: boolean): void {
    this.out += `<${name}>${this.literalBooleans ? (b ? "true" : "false") : b ? "1" : "0"}</${name}>`;
  }

  /** Opens a SOAP-encoded array with its (required) soapenc:arrayType. */
  openArray(name: string, itemType: string, count: number): void {
    this.out += `<${name} soapenc:arrayType="${itemType}[${count}]">`;
  }

  open(name: string, attrs = ""): void {
    this.out += attrs.length > 0 ? `<${name} ${attrs}>` : `<${name}>`;
  }

  close(name: string): void {
    this.out += `</${name}>`;
  }

  raw(text: string): void {
    this.out += text;
  }
}
