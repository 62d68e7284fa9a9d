// The fast path for the biggest thing CPEs send: lists of ParameterValueStruct (GetParameterValues
// responses, Inform). It reads the canonical form directly from the text, with native searches, and
// gives up (returns null) on anything else: prefixed or unexpected elements, comments, CDATA, entities,
// odd attributes. The scanner then reads the list the general way, so results never differ; only the
// common case gets faster (docs/BENCHMARKS.md).

import type { FastReader } from "../xml/scanner.js";

export interface FastParameterList {
  names: string[];
  texts: string[];
  /** The xsi:type as written, or undefined for an untyped value. */
  types: (string | undefined)[];
  /** Namespace of the xsi:type value's prefix (as the scanner resolves it), when it has one. */
  typeNs: (string | undefined)[];
}

const XSI_2001 = "http://www.w3.org/2001/XMLSchema-instance";
const XSI_1999 = "http://www.w3.org/1999/XMLSchema-instance";

const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/**
 * Decodes the predefined entities and well-formed character references; null for anything the
 * general path would warn about or refuse (a bare "&", an undefined entity, a forbidden character).
 */
function decode(text: string): string | null {
  let out = "";
  let last = 0;
  for (let amp = text.indexOf("&"); amp !== -1; amp = text.indexOf("&", last)) {
    const semi = text.indexOf(";", amp + 1);
    if (semi === -1 || semi - amp > 12) return null;
    const name = text.slice(amp + 1, semi);
    let rep = PREDEFINED[name];
    if (rep === undefined) {
      const m = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
      if (m === null) return null;
      const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
      const allowed = cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
      if (!allowed) return null;
      rep = String.fromCodePoint(cp);
    }
    out += text.slice(last, amp) + rep;
    last = semi + 1;
  }
  return out + text.slice(last);
}

// One canonical ParameterValueStruct, and the XML whitespace after it. One native regex call per
// struct is several times cheaper than walking its tags one by one. Captures: 1 name, 2 the type
// attribute's prefix, 3/4 the type (double/single quotes), 5 the value (absent for <Value/>).
const STRUCT_PATTERN =
  /<ParameterValueStruct>[ \t\r\n]*<Name>([^<]*)<\/Name>[ \t\r\n]*<Value(?:[ \t\r\n]+([A-Za-z_][\w.-]*):type[ \t\r\n]*=[ \t\r\n]*(?:"([^"<&]*)"|'([^'<&]*)'))?[ \t\r\n]*(?:\/>|>([^<]*)<\/Value[ \t\r\n]*>)[ \t\r\n]*<\/ParameterValueStruct[ \t\r\n]*>[ \t\r\n]*/.source;
const SPACE_PATTERN = "[ \\t\\r\\n]*";

export const fastParameterList: FastReader = (ctx, qname, start) => {
  const src = ctx.src;
  const names: string[] = [];
  const texts: string[] = [];
  const types: (string | undefined)[] = [];
  const typeNs: (string | undefined)[] = [];
  // Sticky regexes carry their position, so each call makes its own (V8 caches the compiled code).
  const STRUCT = new RegExp(STRUCT_PATTERN, "y");
  const SPACE = new RegExp(SPACE_PATTERN, "y");
  SPACE.lastIndex = start;
  SPACE.exec(src);
  let i = SPACE.lastIndex;
  let xsiPrefix: string | undefined;
  for (;;) {
    if (src.charCodeAt(i) === 60 && src.charCodeAt(i + 1) === 47) {
      if (!src.startsWith(qname, i + 2)) return null;
      SPACE.lastIndex = i + 2 + qname.length;
      SPACE.exec(src);
      const j = SPACE.lastIndex;
      if (src.charCodeAt(j) !== 62) return null;
      const data: FastParameterList = { names, texts, types, typeNs };
      return { end: j + 1, elements: names.length * 3, data };
    }
    STRUCT.lastIndex = i;
    const m = STRUCT.exec(src);
    if (m === null) return null;
    i = STRUCT.lastIndex;
    let name = m[1]!;
    if (name.includes("&")) {
      const d = decode(name);
      if (d === null) return null;
      name = d;
    }
    let text = m[5] ?? "";
    if (text.includes("&")) {
      const d = decode(text);
      if (d === null) return null;
      text = d;
    }
    const prefix = m[2];
    let type: string | undefined;
    let ns: string | undefined;
    if (prefix !== undefined) {
      if (prefix !== xsiPrefix) {
        const bound = ctx.lookup(prefix);
        if (!(bound === XSI_2001 || bound === XSI_1999 || prefix === "xsi")) return null;
        xsiPrefix = prefix;
      }
      type = m[3] ?? m[4]!;
      const vc = type.indexOf(":");
      if (vc > 0) ns = ctx.lookup(type.slice(0, vc).trim()) ?? "";
    }
    names.push(name);
    texts.push(text);
    types.push(type);
    typeNs.push(ns);
  }
};
