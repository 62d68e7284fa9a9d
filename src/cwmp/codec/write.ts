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

/** The namespace prefixes an envelope is written with; the names are free, but some CPEs match them literally. */
export interface Prefixes {
  /** SOAP envelope (default "soapenv"). */
  soapEnv: string;
  /** SOAP encoding (default "soapenc"). */
  soapEnc: string;
  /** CWMP (default "cwmp"). */
  cwmp: string;
}

export const DEFAULT_PREFIXES: Readonly<Prefixes> = { soapEnv: "soapenv", soapEnc: "soapenc", cwmp: "cwmp" };

export interface WriteOptions {
  /** How xs:boolean fields are written: "1"/"0" (default; accepted by every device seen) or "true"/"false". */
  booleans?: "numeric" | "literal";
  /** Prefixes other than the defaults, for CPEs that match qnames instead of namespaces. */
  prefixes?: Partial<Prefixes>;
  /** Elements without content as <a></a> ("pair", the default) or <a/> ("selfClosing"). */
  emptyElements?: "pair" | "selfClosing";
}

// An NCName without a colon; "xml..." prefixes are reserved, and xsd/xsi are taken by the envelope.
const PREFIX = /^[A-Za-z_][A-Za-z0-9._-]*$/;
const RESERVED_PREFIX = /^(xml|xsd$|xsi$)/i;

/** Why these prefixes cannot be written (empty when they can): not a name, reserved, or two alike. */
export function prefixProblems(p: Partial<Prefixes>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const key of ["soapEnv", "soapEnc", "cwmp"] as const) {
    const v = p[key] ?? DEFAULT_PREFIXES[key];
    if (!PREFIX.test(v)) problems.push(`${key} prefix ${JSON.stringify(v)} is not an XML name without a colon`);
    else if (RESERVED_PREFIX.test(v)) problems.push(`${key} prefix ${JSON.stringify(v)} is reserved (xml..., xsd, xsi)`);
    const other = seen.get(v);
    if (other !== undefined) problems.push(`${key} and ${other} prefixes are both ${JSON.stringify(v)}`);
    seen.set(v, key);
  }
  return problems;
}

export class Writer {
  out = "";
  readonly env: string;
  readonly enc: string;
  readonly cwmp: string;
  private readonly literalBooleans: boolean;
  private readonly selfClosing: boolean;
  /** Where the last start tag written by open() ends, to close it as <a/> when nothing followed. */
  private openEnd = -1;
  constructor(options: WriteOptions = {}) {
    this.literalBooleans = options.booleans === "literal";
    this.selfClosing = options.emptyElements === "selfClosing";
    const p = options.prefixes;
    if (p !== undefined) {
      const problems = prefixProblems(p);
      if (problems.length > 0) throw new CwmpLocalError("SERIALIZE_INVALID", problems.join("; "));
    }
    this.env = p?.soapEnv ?? DEFAULT_PREFIXES.soapEnv;
    this.enc = p?.soapEnc ?? DEFAULT_PREFIXES.soapEnc;
    this.cwmp = p?.cwmp ?? DEFAULT_PREFIXES.cwmp;
  }

  /** A leaf element with escaped text. */
  str(name: string, text: string): void {
    if (text.length > 0) this.out += `<${name}>${escapeText(text)}</${name}>`;
    else this.out += this.selfClosing ? `<${name}/>` : `<${name}></${name}>`;
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

  /**
   * Opens a SOAP-encoded array with its (required) soapenc:arrayType. `itemType` is written with the
   * default prefixes ("cwmp:EventStruct", "soapenc:base64", "xsd:string") and takes this writer's.
   */
  openArray(name: string, itemType: string, count: number): void {
    this.open(name, `${this.enc}:arrayType="${this.prefixed(itemType)}[${count}]"`);
  }

  /** A qname written with a default prefix, with this writer's prefix instead. */
  private prefixed(qname: string): string {
    if (qname.startsWith("cwmp:")) return this.cwmp === "cwmp" ? qname : `${this.cwmp}:${qname.slice(5)}`;
    if (qname.startsWith("soapenc:")) return this.enc === "soapenc" ? qname : `${this.enc}:${qname.slice(8)}`;
    return qname;
  }

  /** A start tag that close() turns into <a/> when nothing was written in between (selfClosing). */
  open(name: string, attrs = ""): void {
    this.out += attrs.length > 0 ? `<${name} ${attrs}>` : `<${name}>`;
    this.openEnd = this.out.length;
  }

  close(name: string): void {
    if (this.selfClosing && this.openEnd === this.out.length) this.out = `${this.out.slice(0, -1)}/>`;
    else this.out += `</${name}>`;
  }

  raw(text: string): void {
    this.out += text;
  }
}
