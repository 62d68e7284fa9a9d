// Bytes to text. CPEs send UTF-8 mostly, ISO-8859-1 sometimes (Thomson), with the charset in the
// Content-Type, in the XML declaration, or nowhere. The Content-Type wins (RFC 7303), then a BOM,
// then the declaration, then UTF-8.

import { isUtf8 } from "node:buffer";
import { TextDecoder } from "node:util";
import { CwmpRemoteError } from "../errors.js";

const latin1Names = new Set(["iso-8859-1", "iso8859-1", "latin1", "l1", "us-ascii", "ascii", "iso_8859-1", "cp819", "ibm819"]);
const utf8Names = new Set(["utf-8", "utf8", "unicode-1-1-utf-8"]);

/** Pulls the charset parameter out of a Content-Type header value. */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType);
  return m ? m[2]!.toLowerCase() : undefined;
}

function declaredEncoding(bytes: Uint8Array): string | undefined {
  // The declaration is ASCII by definition, so reading the first bytes as latin1 is safe.
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 256)).toString("latin1");
  const m = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return m ? m[1]!.toLowerCase() : undefined;
}

export interface DecodedXml {
  text: string;
  /** The charset the bytes were read in. */
  charset: string;
  /**
   * Some bytes were not valid in that charset and became U+FFFD: the text lost information, so two
   * different byte strings may now read the same (what an identity must never do).
   */
  lossy: boolean;
}

export function decodeXmlBytes(input: Uint8Array, contentTypeCharset?: string): string {
  return decodeXml(input, contentTypeCharset).text;
}

export function decodeXml(input: Uint8Array, contentTypeCharset?: string): DecodedXml {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length);
  let charset = contentTypeCharset?.toLowerCase();
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    charset ??= "utf-8";
    if (utf8Names.has(charset)) start = 3;
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    charset = "utf-16be";
    start = 2;
  } else if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    charset = "utf-16le";
    start = 2;
  }
  charset ??= declaredEncoding(bytes) ?? "utf-8";
  const body = start > 0 ? bytes.subarray(start) : bytes;
  if (utf8Names.has(charset)) {
    const text = body.toString("utf8");
    // A U+FFFD in the text is either sent as such (valid) or a replacement: only then is the check paid.
    return { text, charset, lossy: text.includes("\uFFFD") && !isUtf8(body) };
  }
  if (latin1Names.has(charset)) return { text: body.toString("latin1"), charset, lossy: false };
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    throw new CwmpRemoteError("XML_ENCODING", `unsupported character encoding "${charset}"`);
  }
  try {
    return { text: decoder.decode(body), charset, lossy: false };
  } catch {
    return { text: new TextDecoder(charset).decode(body), charset, lossy: true };
  }
}
