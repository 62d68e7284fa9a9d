// A purpose-built, non-validating XML scanner for SOAP envelopes.
//
// Written by hand rather than taken from a library because (1) the codec benchmark needs several times
// the throughput of general-purpose parsers (docs/BENCHMARKS.md), and (2) CWMP needs exactly this
// subset: elements, attributes, namespaces, text, CDATA, comments, the predefined entities and character
// references. Anything that could expand or fetch content (DTDs, entity declarations) is refused, and
// size, depth and element-count limits bound the work so that no input can make it hang.
//
// The scanner returns every top-level element, because a CWMP body may hold several envelopes.

import { CwmpRemoteError, positionAt, type RemoteErrorCode } from "../errors.js";

export interface XmlAttribute {
  readonly qname: string;
  readonly local: string;
  readonly prefix: string;
  /** Namespace URI of the attribute ("" when unprefixed or the prefix is unbound). */
  ns: string;
  readonly value: string;
  /** For `type` attributes whose value is a QName (xsi:type), the namespace URI of the value's prefix. */
  valueNs?: string;
}

export interface XmlElement {
  readonly qname: string;
  readonly local: string;
  readonly prefix: string;
  /** Namespace URI ("" when none is in scope, or the prefix is unbound: see `unboundPrefix`). */
  ns: string;
  attributes: XmlAttribute[] | null;
  children: XmlElement[];
  /** Direct character content of a leaf element, decoded. Elements with children keep "". */
  text: string;
  readonly offset: number;
  /** Set when the element's prefix had no namespace declaration (tolerated, see corpus quirk 7). */
  unboundPrefix?: true;
  /** What a fast reader made of the element's content, which then has no `children` (see FastReader). */
  fast?: unknown;
}

/** What a fast reader may ask of the scanner. */
export interface FastContext {
  readonly src: string;
  /** Namespace URI bound to a prefix in scope at the element, or undefined when unbound. */
  lookup(prefix: string): string | undefined;
}

/**
 * Reads the content of one element (from just after its start tag through its end tag) in a form it
 * knows, faster than building elements for it. It must return null, touching nothing, for anything it
 * does not fully understand; the scanner then reads the element as usual. So a fast reader can only
 * make parsing faster, never different (test/cwmp/fast-paths.test.ts holds it to that).
 */
export type FastReader = (ctx: FastContext, qname: string, contentStart: number) => { end: number; elements: number; data: unknown } | null;

export interface ScanOptions {
  /** Fast readers by element local name. */
  fast?: ReadonlyMap<string, FastReader>;
}

export interface XmlLimits {
  /** Maximum nesting depth of elements. */
  maxDepth: number;
  /** Maximum number of elements in the whole input. */
  maxElements: number;
  /** Maximum number of attributes on one element. */
  maxAttributes: number;
}

export const defaultXmlLimits: XmlLimits = { maxDepth: 64, maxElements: 500_000, maxAttributes: 64 };

export interface ScanResult {
  roots: XmlElement[];
  warnings: string[];
}

// Leaves (most elements) share this array instead of allocating their own; it is replaced, never
// pushed to, when an element gets its first child.
const NO_CHILDREN: XmlElement[] = Object.freeze([]) as unknown as XmlElement[];

const XMLNS_URI = "http://www.w3.org/2000/xmlns/";
const XML_URI = "http://www.w3.org/XML/1998/namespace";

const CH_LT = 60;
const CH_GT = 62;
const CH_SLASH = 47;
const CH_BANG = 33;
const CH_QUESTION = 63;
const CH_EQ = 61;
const CH_DQUOTE = 34;
const CH_SQUOTE = 39;
const CH_COLON = 58;

/** An element name as written, split once and reused for every later occurrence at the same depth. */
interface ElementName {
  readonly qname: string;
  readonly prefix: string;
  readonly local: string;
  /** The attributes the element had last time, to recognise them again without scanning. */
  attrs: { qname: string; prefix: string; local: string; plainValue: string | undefined }[] | null;
}

function isNameEnd(c: number): boolean {
  return c <= 32 || c === CH_SLASH || c === CH_GT;
}

// Characters XML 1.0 (2.2) does not allow anywhere in a document, raw or as a reference (matching
// control characters is the point); lone surrogates are found apart, by isWellFormed, which is faster.
// eslint-disable-next-line no-control-regex
export const FORBIDDEN_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

export function scanXml(src: string, limits: XmlLimits = defaultXmlLimits, options: ScanOptions = {}): ScanResult {
  return new Scanner(src, limits, options.fast).run();
}

class Scanner implements FastContext {
  readonly src: string;
  private readonly limits: XmlLimits;
  private readonly fast: ReadonlyMap<string, FastReader> | undefined;
  private readonly warnings: string[] = [];
  // In-scope namespace bindings as parallel arrays; each open element remembers how many there were.
  private readonly nsPrefix: string[] = ["xml", "xmlns"];
  private readonly nsUri: string[] = [XML_URI, XMLNS_URI];
  private readonly stack: XmlElement[] = [];
  private readonly stackBindings: number[] = [];
  private elementCount = 0;
  // The two most recent element names per depth (see cachedName).
  private readonly namesAtDepth0: (ElementName | undefined)[] = [];
  private readonly namesAtDepth1: (ElementName | undefined)[] = [];
  // How many in-scope bindings are for the default namespace: when none, unprefixed names need no lookup.
  private defaultBindings = 0;
  // Next '&' at or after the scan position, so that text segments never rescan the rest of the input.
  private nextAmp = -2;

  constructor(src: string, limits: XmlLimits, fast: ReadonlyMap<string, FastReader> | undefined) {
    this.src = src;
    this.limits = limits;
    this.fast = fast;
  }

  private warn(message: string): void {
    // Bounded, so that hostile input cannot turn warnings into a memory sink.
    if (this.warnings.length < 32) this.warnings.push(message);
  }

  private fail(code: RemoteErrorCode, message: string, offset: number): never {
    throw new CwmpRemoteError(code, message, { position: positionAt(this.src, offset) });
  }

  run(): ScanResult {
    const src = this.src;
    const len = src.length;
    this.checkCharacters();
    const roots: XmlElement[] = [];
    let pos = src.charCodeAt(0) === 0xfeff ? 1 : 0;
    while (pos < len) {
      const lt = src.indexOf("<", pos);
      const textEnd = lt === -1 ? len : lt;
      if (textEnd > pos) this.text(pos, textEnd);
      if (lt === -1) break;
      const c = src.charCodeAt(lt + 1);
      if (c === CH_SLASH) pos = this.endTag(lt);
      else if (c === CH_BANG) pos = this.markup(lt);
      else if (c === CH_QUESTION) pos = this.processingInstruction(lt);
      else pos = this.startTag(lt, roots);
    }
    if (this.stack.length > 0) {
      const open = this.stack[this.stack.length - 1]!;
      this.fail("XML_SYNTAX", `unexpected end of input: <${open.qname}> is not closed`, len);
    }
    return { roots, warnings: this.warnings };
  }

  private checkCharacters(): void {
    const m = FORBIDDEN_CHAR.exec(this.src);
    if (m !== null) {
      const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      this.fail("XML_SYNTAX", `character U+${code} is not allowed in XML`, m.index);
    }
    if (!(this.src as string & { isWellFormed(): boolean }).isWellFormed()) {
      const at = this.src.search(/[\uD800-\uDFFF]/u);
      this.fail("XML_SYNTAX", "a lone surrogate is not a character", at === -1 ? 0 : at);
    }
  }

  private text(start: number, end: number): void {
    const cur = this.stack.length > 0 ? this.stack[this.stack.length - 1]! : undefined;
    if (cur === undefined) {
      for (let i = start; i < end; i++) {
        if (!isSpace(this.src.charCodeAt(i))) this.fail("XML_SYNTAX", "text outside of any element", i);
      }
      return;
    }
    // Whitespace between child elements is not content; CWMP has no mixed content.
    if (cur.children.length > 0) return;
    if (this.nextAmp !== -1 && this.nextAmp < start) this.nextAmp = this.src.indexOf("&", start);
    let piece: string;
    if (this.nextAmp !== -1 && this.nextAmp < end) {
      piece = this.decodeEntities(start, end);
    } else {
      piece = this.src.slice(start, end);
    }
    cur.text = cur.text.length === 0 ? piece : cur.text + piece;
  }

  /** Decodes the predefined entities and character references in src[start, end). */
  private decodeEntities(start: number, end: number): string {
    const src = this.src;
    let out = "";
    let last = start;
    let amp = src.indexOf("&", start);
    while (amp !== -1 && amp < end) {
      const semi = src.indexOf(";", amp + 1);
      const name = semi !== -1 && semi < end && semi - amp <= 12 ? src.slice(amp + 1, semi) : "";
      let decoded: string | undefined;
      if (name.length > 0) {
        switch (name) {
          case "lt": decoded = "<"; break;
          case "gt": decoded = ">"; break;
          case "amp": decoded = "&"; break;
          case "quot": decoded = '"'; break;
          case "apos": decoded = "'"; break;
          default:
            if (name.charCodeAt(0) === 35 /* # */) decoded = this.charRef(name, amp);
            else if (/^[A-Za-z_][\w.-]*$/.test(name)) {
              // Only a DTD could define it, and DTDs are never read: refuse rather than guess.
              this.fail("XML_ENTITY", `undefined entity &${name}; (no DTD is read, so only the five predefined entities exist)`, amp);
            }
        }
      }
      if (decoded === undefined) {
        // A bare '&' that starts no reference: real devices put these in values unescaped. Keep it.
        this.warn(`unescaped '&' kept as text at offset ${amp}`);
        amp = src.indexOf("&", amp + 1);
        continue;
      }
      out += src.slice(last, amp) + decoded;
      last = semi + 1;
      amp = src.indexOf("&", last);
    }
    this.nextAmp = amp;
    return out + src.slice(last, end);
  }

  private charRef(name: string, at: number): string {
    const hex = name.charCodeAt(1) === 120 /* x */ || name.charCodeAt(1) === 88;
    const digits = name.slice(hex ? 2 : 1);
    if (!(hex ? /^[0-9a-fA-F]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) {
      this.fail("XML_ENTITY", `malformed character reference &${name};`, at);
    }
    const cp = parseInt(digits, hex ? 16 : 10);
    const allowed = cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (!allowed) this.fail("XML_ENTITY", `character reference &${name}; names a character XML does not allow`, at);
    return String.fromCodePoint(cp);
  }

  /** `<!--...-->`, `<![CDATA[...]]>`; DOCTYPE and other declarations are refused. */
  private markup(lt: number): number {
    const src = this.src;
    if (src.startsWith("<!--", lt)) {
      const end = src.indexOf("-->", lt + 4);
      if (end === -1) this.fail("XML_SYNTAX", "comment is not closed", lt);
      return end + 3;
    }
    if (src.startsWith("<![CDATA[", lt)) {
      const end = src.indexOf("]]>", lt + 9);
      if (end === -1) this.fail("XML_SYNTAX", "CDATA section is not closed", lt);
      const cur = this.stack.length > 0 ? this.stack[this.stack.length - 1]! : undefined;
      if (cur === undefined) this.fail("XML_SYNTAX", "CDATA section outside of any element", lt);
      if (cur.children.length === 0) cur.text += src.slice(lt + 9, end);
      return end + 3;
    }
    if (/^<!DOCTYPE/i.test(src.slice(lt, lt + 9))) {
      this.fail("XML_DTD_FORBIDDEN", "document type declarations are refused (no DTD is read, no entity is expanded)", lt);
    }
    if (src.startsWith("<!ENTITY", lt)) this.fail("XML_DTD_FORBIDDEN", "entity declarations are refused", lt);
    return this.fail("XML_SYNTAX", "unexpected markup declaration", lt);
  }

  /** The XML declaration and processing instructions carry nothing CWMP needs; they are skipped. */
  private processingInstruction(lt: number): number {
    const end = this.src.indexOf("?>", lt + 2);
    if (end === -1) this.fail("XML_SYNTAX", "processing instruction is not closed", lt);
    return end + 2;
  }

  private endTag(lt: number): number {
    const src = this.src;
    const cur = this.stack.pop();
    const nameStart = lt + 2;
    if (cur !== undefined && src.startsWith(cur.qname, nameStart)) {
      // Fast path: the expected name, then '>' (or whitespace before it).
      let i = nameStart + cur.qname.length;
      while (isSpace(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) === CH_GT) {
        this.closeElement(cur);
        return i + 1;
      }
    }
    const gt = src.indexOf(">", nameStart);
    if (gt === -1) this.fail("XML_SYNTAX", "end tag is not closed", lt);
    let nameEnd = gt;
    while (nameEnd > nameStart && isSpace(src.charCodeAt(nameEnd - 1))) nameEnd--;
    const qname = src.slice(nameStart, nameEnd);
    if (cur === undefined) this.fail("XML_SYNTAX", `end tag </${qname}> without a start tag`, lt);
    return this.fail("XML_SYNTAX", `expected </${cur.qname}> but found </${qname}>`, lt);
  }

  private closeElement(el: XmlElement): void {
    const before = this.stackBindings.pop()!;
    if (this.nsUri.length !== before) this.truncateBindings(before);
    if (el.children.length > 0) el.text = "";
  }

  private truncateBindings(length: number): void {
    for (let k = length; k < this.nsPrefix.length; k++) if (this.nsPrefix[k] === "") this.defaultBindings--;
    this.nsPrefix.length = length;
    this.nsUri.length = length;
  }

  private startTag(lt: number, roots: XmlElement[]): number {
    const src = this.src;
    const len = src.length;
    const depth = this.stack.length + 1;
    const name = this.cachedName(lt + 1, depth) ?? this.scanName(lt, depth);
    const { qname, prefix, local } = name;
    let i = lt + 1 + qname.length;
    if (i >= len) this.fail("XML_SYNTAX", "unexpected end of input inside a start tag", lt);

    if (++this.elementCount > this.limits.maxElements) {
      this.fail("XML_LIMIT_ELEMENTS", `more than ${this.limits.maxElements} elements`, lt);
    }
    if (depth > this.limits.maxDepth) this.fail("XML_LIMIT_DEPTH", `elements nested deeper than ${this.limits.maxDepth}`, lt);

    const bindingsBefore = this.nsUri.length;
    let attributes: XmlAttribute[] | null = null;
    let selfClosing = false;
    for (;;) {
      let sawSpace = false;
      while (i < len && isSpace(src.charCodeAt(i))) { i++; sawSpace = true; }
      if (i >= len) this.fail("XML_SYNTAX", `unexpected end of input inside <${qname}>`, lt);
      const c = src.charCodeAt(i);
      if (c === CH_GT) { i++; break; }
      if (c === CH_SLASH) {
        if (src.charCodeAt(i + 1) !== CH_GT) this.fail("XML_SYNTAX", `expected '/>' in <${qname}>`, i);
        i += 2;
        selfClosing = true;
        break;
      }
      if (!sawSpace) this.fail("XML_SYNTAX", `attributes of <${qname}> must be separated by whitespace`, i);
      const nameStart = i;
      const slot = attributes === null ? 0 : attributes.length;
      const seen = name.attrs !== null && slot < name.attrs.length ? name.attrs[slot]! : undefined;
      let aName: string;
      let aPrefix: string;
      let aLocal: string;
      if (seen !== undefined && src.startsWith(seen.qname, i) && src.charCodeAt(i + seen.qname.length) === CH_EQ) {
        // Same attribute as the last time this element was seen (arrays of structs repeat): no scan, no slice.
        ({ qname: aName, prefix: aPrefix, local: aLocal } = seen);
        i += aName.length;
      } else {
        let aColon = -1;
        while (i < len) {
          const a = src.charCodeAt(i);
          if (a === CH_EQ || isSpace(a) || a === CH_GT || a === CH_SLASH) break;
          if (a === CH_LT || a === CH_DQUOTE || a === CH_SQUOTE) this.fail("XML_SYNTAX", `malformed attribute name in <${qname}>`, i);
          if (a === CH_COLON && aColon === -1) aColon = i;
          i++;
        }
        aName = src.slice(nameStart, i);
        aPrefix = aColon === -1 ? "" : src.slice(nameStart, aColon);
        aLocal = aColon === -1 ? aName : src.slice(aColon + 1, i);
      }
      while (i < len && isSpace(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) !== CH_EQ) this.fail("XML_SYNTAX", `attribute ${aName} of <${qname}> has no value`, i);
      i++;
      while (i < len && isSpace(src.charCodeAt(i))) i++;
      const quote = src.charCodeAt(i);
      if (quote !== CH_DQUOTE && quote !== CH_SQUOTE) this.fail("XML_SYNTAX", `attribute ${aName} of <${qname}> is not quoted`, i);
      let value: string;
      let valueEnd: number;
      let plain = true;
      if (seen !== undefined && seen.qname === aName && seen.plainValue !== undefined && src.startsWith(seen.plainValue, i + 1) && src.charCodeAt(i + 1 + seen.plainValue.length) === quote) {
        value = seen.plainValue;
        valueEnd = i + 1 + value.length;
      } else {
        valueEnd = src.indexOf(quote === CH_DQUOTE ? '"' : "'", i + 1);
        if (valueEnd === -1) this.fail("XML_SYNTAX", `attribute ${aName} of <${qname}> is not closed`, i);
        value = src.slice(i + 1, valueEnd);
        if (value.includes("<")) this.fail("XML_SYNTAX", `'<' inside the value of attribute ${aName}`, i);
        if (value.includes("&")) {
          value = this.decodeEntities(i + 1, valueEnd);
          plain = false;
        }
      }
      i = valueEnd + 1;
      if (name.attrs === null) name.attrs = [];
      if (seen === undefined || seen.qname !== aName || seen.plainValue !== value) {
        name.attrs[slot] = { qname: aName, prefix: aPrefix, local: aLocal, plainValue: plain ? value : undefined };
      }

      if (attributes === null) attributes = [];
      if (attributes.length >= this.limits.maxAttributes) {
        this.fail("XML_LIMIT_ATTRIBUTES", `more than ${this.limits.maxAttributes} attributes on <${qname}>`, nameStart);
      }
      if (aName === "xmlns") {
        this.nsPrefix.push("");
        this.nsUri.push(value);
        this.defaultBindings++;
      } else if (aPrefix === "xmlns") {
        this.nsPrefix.push(aLocal);
        this.nsUri.push(value);
      }
      attributes.push({ qname: aName, local: aLocal, prefix: aPrefix, ns: "", value });
    }

    if (attributes !== null && attributes.length > 1) this.checkUnique(attributes, qname, lt);
    const el: XmlElement = { qname, local, prefix, ns: "", attributes, children: NO_CHILDREN, text: "", offset: lt };
    const ns = this.lookup(prefix);
    if (ns === undefined) {
      el.unboundPrefix = true;
      this.warn(`prefix "${prefix}" of <${qname}> is not declared`);
    } else {
      el.ns = ns;
    }
    if (attributes !== null) {
      for (const a of attributes) {
        if (a.prefix.length > 0 && a.prefix !== "xmlns") a.ns = this.lookup(a.prefix) ?? "";
        if (a.local === "type") {
          const vc = a.value.indexOf(":");
          if (vc > 0) a.valueNs = this.lookup(a.value.slice(0, vc).trim()) ?? "";
        }
      }
      if (attributes.length > 1) this.checkUniqueExpanded(attributes, qname, lt);
    }

    const parent = this.stack.length > 0 ? this.stack[this.stack.length - 1]! : undefined;
    if (parent === undefined) roots.push(el);
    else if (parent.children === NO_CHILDREN) {
      parent.text = "";
      parent.children = [el];
    } else {
      parent.children.push(el);
    }
    if (!selfClosing && this.fast !== undefined) {
      const reader = this.fast.get(local);
      // Within the limits only: past them, the usual path raises the usual error at the usual place.
      const r = reader === undefined || depth + 2 > this.limits.maxDepth ? null : reader(this, qname, i);
      if (r !== null && this.elementCount + r.elements <= this.limits.maxElements) {
        this.elementCount += r.elements;
        el.fast = r.data;
        selfClosing = true;
        i = r.end;
      }
    }
    if (selfClosing) {
      if (this.nsUri.length !== bindingsBefore) this.truncateBindings(bindingsBefore);
    } else {
      this.stack.push(el);
      this.stackBindings.push(bindingsBefore);
    }
    return i;
  }

  /** XML 1.0 3.1: an attribute name (namespace declarations included) appears once in a start tag. */
  private checkUnique(attributes: XmlAttribute[], qname: string, lt: number): void {
    for (let a = 1; a < attributes.length; a++) {
      for (let b = 0; b < a; b++) {
        if (attributes[a]!.qname === attributes[b]!.qname) this.fail("XML_SYNTAX", `attribute ${attributes[a]!.qname} appears twice in <${qname}>`, lt);
      }
    }
  }

  /** Namespaces in XML 6.3: nor may two prefixed attributes have the same local name and namespace. */
  private checkUniqueExpanded(attributes: XmlAttribute[], qname: string, lt: number): void {
    for (let a = 1; a < attributes.length; a++) {
      const x = attributes[a]!;
      if (x.ns === "" || x.prefix === "xmlns") continue;
      for (let b = 0; b < a; b++) {
        const y = attributes[b]!;
        if (y.local === x.local && y.ns === x.ns && y.prefix !== "xmlns") {
          this.fail("XML_SYNTAX", `attributes ${y.qname} and ${x.qname} of <${qname}> are the same name in namespace "${x.ns}"`, lt);
        }
      }
    }
  }

  /** A name seen recently at this depth, when the input repeats it here: matched natively, not scanned. */
  private cachedName(at: number, depth: number): ElementName | undefined {
    const src = this.src;
    const a = this.namesAtDepth0[depth];
    if (a !== undefined && src.startsWith(a.qname, at) && isNameEnd(src.charCodeAt(at + a.qname.length))) return a;
    const b = this.namesAtDepth1[depth];
    if (b !== undefined && src.startsWith(b.qname, at) && isNameEnd(src.charCodeAt(at + b.qname.length))) {
      // Keep the most recent first: siblings alternate (Name, Value, Name, ...).
      this.namesAtDepth1[depth] = a;
      this.namesAtDepth0[depth] = b;
      return b;
    }
    return undefined;
  }

  private scanName(lt: number, depth: number): ElementName {
    const src = this.src;
    const len = src.length;
    let i = lt + 1;
    let colon = -1;
    while (i < len) {
      const c = src.charCodeAt(i);
      if (c <= 32 || c === CH_SLASH || c === CH_GT) break;
      if (c === CH_COLON && colon === -1) colon = i;
      else if (c === CH_LT || c === CH_EQ || c === CH_DQUOTE || c === CH_SQUOTE) this.fail("XML_SYNTAX", "malformed element name", i);
      i++;
    }
    if (i === lt + 1) this.fail("XML_SYNTAX", "'<' not followed by an element name", lt);
    if (i >= len) this.fail("XML_SYNTAX", "unexpected end of input inside a start tag", lt);
    const qname = src.slice(lt + 1, i);
    const prefix = colon === -1 ? "" : src.slice(lt + 1, colon);
    const local = colon === -1 ? qname : src.slice(colon + 1, i);
    if (local.length === 0 || (colon !== -1 && prefix.length === 0)) this.fail("XML_SYNTAX", `malformed element name <${qname}>`, lt);
    const name: ElementName = { qname, prefix, local, attrs: null };
    this.namesAtDepth1[depth] = this.namesAtDepth0[depth];
    this.namesAtDepth0[depth] = name;
    return name;
  }

  /** Namespace URI bound to a prefix ("" for no default namespace), or undefined when unbound. */
  lookup(prefix: string): string | undefined {
    if (prefix.length === 0 && this.defaultBindings === 0) return "";
    const p = this.nsPrefix;
    for (let k = p.length - 1; k >= 0; k--) {
      if (p[k] === prefix) return this.nsUri[k];
    }
    return prefix.length === 0 ? "" : undefined;
  }
}
