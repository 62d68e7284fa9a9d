// SOAP envelopes: bytes to typed envelopes and back. Pure functions, no I/O.

import { Reader } from "./codec/read.js";
import { escapeText as escapeHeaderText, Writer, type WriteOptions } from "./codec/write.js";
import { CwmpLocalError, CwmpRemoteError } from "./errors.js";
import { methodCodecs } from "./methods/index.js";
import type { CwmpEnvelope, CwmpHeader, CwmpMessage, CwmpNamespaceVersion } from "./types.js";
import { decodeXml } from "./xml/decode.js";
import { defaultXmlLimits, scanXml, type FastReader, type XmlElement, type XmlLimits } from "./xml/scanner.js";
import { fastParameterList } from "./methods/fast-parameter-list.js";
import { salvageFault } from "./salvage.js";

export const SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/";
export const SOAP_ENC_NS = "http://schemas.xmlsoap.org/soap/encoding/";
const SOAP12_ENV_NS = "http://www.w3.org/2003/05/soap-envelope";
const CWMP_NS_RE = /^urn:dslforum-org:cwmp-1-([0-4])$/;

export function cwmpNamespaceUri(ns: CwmpNamespaceVersion): string {
  return `urn:dslforum-org:cwmp-${ns}`;
}

function cwmpVersionOf(uri: string): CwmpNamespaceVersion | undefined {
  const m = CWMP_NS_RE.exec(uri);
  return m ? (`1-${m[1]}` as CwmpNamespaceVersion) : undefined;
}

export interface ParseOptions {
  /** Charset from the HTTP Content-Type, which wins over the XML declaration. */
  charset?: string;
  /** Largest body accepted, in bytes (default 16 MiB). */
  maxBytes?: number;
  limits?: Partial<XmlLimits>;
  /** Use the fast readers (default true); they change speed, never results. Off only to test that. */
  fastPaths?: boolean;
  /** Read a Fault that is not well-formed for its CWMP code rather than refuse it (salvage.ts). */
  salvageFaults?: boolean;
}

const fastReaders: ReadonlyMap<string, FastReader> = new Map([["ParameterList", fastParameterList]]);

export interface ParseResult {
  /** The envelopes in the body, in order; none for an empty body (a CPE's empty POST). */
  envelopes: CwmpEnvelope[];
  /** What was tolerated: missing fields, unknown headers, undeclared prefixes, ... */
  warnings: string[];
  /** Present when bytes not valid in the body's charset were read as U+FFFD (see DecodedXml.lossy). */
  lossy?: true;
  /**
   * Header entries with mustUnderstand="1" that this codec does not know, by qualified name, when there
   * are any: SOAP 1.1 (4.2.3) forbids processing such a message; answer with mustUnderstandFault.
   */
  notUnderstood?: string[];
}

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** Parses an HTTP body into CWMP envelopes. Throws CwmpRemoteError, and only that, on bad input. */
export function parseCwmp(input: Uint8Array | string, options: ParseOptions = {}): ParseResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (input.length > maxBytes) {
    throw new CwmpRemoteError("XML_LIMIT_SIZE", `body of ${input.length} bytes exceeds the limit of ${maxBytes}`);
  }
  const decoded = typeof input === "string" ? { text: input, charset: "", lossy: false } : decodeXml(input, options.charset);
  const text = decoded.text;
  if (/^[\s\uFEFF]*$/.test(text)) return { envelopes: [], warnings: [] };
  const limits = options.limits ? { ...defaultXmlLimits, ...options.limits } : defaultXmlLimits;
  let scanned: ReturnType<typeof scanXml>;
  try {
    scanned = scanXml(text, limits, options.fastPaths === false ? {} : { fast: fastReaders });
  } catch (err) {
    if (!(options.salvageFaults === true && err instanceof CwmpRemoteError && err.code === "XML_SYNTAX")) throw err;
    const fault = salvageFault(text);
    if (fault === undefined) throw err;
    return { envelopes: [fault], warnings: [`a Fault that is not well-formed XML (${err.message}): its CWMP code was read from the text`] };
  }
  const { roots, warnings } = scanned;
  if (roots.length === 0) throw new CwmpRemoteError("SOAP_NOT_ENVELOPE", "the body holds no element");
  if (decoded.lossy) warnings.unshift(`bytes not valid in ${decoded.charset} were read as U+FFFD (the replacement character)`);
  const reader = new Reader(warnings);
  const notUnderstood: string[] = [];
  const envelopes = roots.map((root, i) => readEnvelope(root, reader, roots.length > 1 ? `Envelope[${i}]` : "Envelope", notUnderstood));
  const result: ParseResult = { envelopes, warnings };
  if (decoded.lossy) result.lossy = true;
  if (notUnderstood.length > 0) result.notUnderstood = notUnderstood;
  return result;
}

function readEnvelope(root: XmlElement, r: Reader, path: string, notUnderstood: string[]): CwmpEnvelope {
  if (root.local !== "Envelope") {
    throw new CwmpRemoteError("SOAP_NOT_ENVELOPE", `expected a SOAP Envelope, found <${root.qname}>`, { path: root.qname });
  }
  if (root.ns === SOAP12_ENV_NS) {
    throw new CwmpRemoteError("SOAP_VERSION", "SOAP 1.2 envelopes are not CWMP (CWMP uses SOAP 1.1)", { path });
  }
  if (root.ns !== SOAP_ENV_NS) {
    if (root.ns !== "") throw new CwmpRemoteError("SOAP_NOT_ENVELOPE", `Envelope is in namespace "${root.ns}", not SOAP 1.1`, { path });
    r.warn("Envelope has no SOAP namespace");
  }
  const headerEl = r.child(root, "Header");
  const bodyEl = r.child(root, "Body");
  if (bodyEl === undefined) throw new CwmpRemoteError("SOAP_NO_BODY", "Envelope has no Body", { path });
  if (bodyEl.children.length > 1) r.warn(`${path}/Body holds ${bodyEl.children.length} elements; only the first is read`);
  const methodEl = bodyEl.children[0];
  const ns = detectNamespace(root, headerEl, methodEl, r, path);
  const header = headerEl === undefined ? {} : readHeader(headerEl, r, `${path}/Header`, notUnderstood);
  const body = methodEl === undefined ? null : readMethod(methodEl, r, `${path}/Body/${methodEl.local}`);
  return { ns, header, body };
}

function readMethod(el: XmlElement, r: Reader, path: string): CwmpMessage {
  if (el.ns !== "" && el.ns !== SOAP_ENV_NS && cwmpVersionOf(el.ns) === undefined) {
    throw new CwmpRemoteError("CWMP_NAMESPACE", `<${el.qname}> is in namespace "${el.ns}", which is not a CWMP namespace`, { path });
  }
  const codec = methodCodecs.get(el.local);
  if (codec === undefined) return { method: "Unknown", name: el.local };
  return codec.read(el, r, path);
}

function detectNamespace(root: XmlElement, header: XmlElement | undefined, method: XmlElement | undefined, r: Reader, path: string): CwmpNamespaceVersion {
  const candidates: string[] = [];
  if (method !== undefined) candidates.push(method.ns);
  if (header !== undefined) for (const h of header.children) candidates.push(h.ns);
  for (const a of root.attributes ?? []) if (a.prefix === "xmlns" || a.qname === "xmlns") candidates.push(a.value);
  if (method !== undefined) {
    // e.g. a SOAP Fault, whose cwmp:Fault sits in its detail
    const stack = [...method.children];
    for (let seen = 0; stack.length > 0 && seen < 64; seen++) {
      const e = stack.shift()!;
      candidates.push(e.ns);
      stack.push(...e.children);
    }
  }
  for (const uri of candidates) {
    const v = cwmpVersionOf(uri);
    if (v !== undefined) return v;
  }
  for (const uri of candidates) {
    if (uri.startsWith("urn:dslforum-org:cwmp-")) {
      throw new CwmpRemoteError("CWMP_NAMESPACE", `unknown CWMP namespace ${JSON.stringify(uri)}`, { path });
    }
  }
  r.warn("no CWMP namespace found; assuming cwmp-1-0");
  return "1-0";
}

const ACTOR_NEXT = "http://schemas.xmlsoap.org/soap/actor/next";

/** Whether a header entry is addressed to us (no actor, or "next") with mustUnderstand="1". */
function mustUnderstand(el: XmlElement): boolean {
  let must = false;
  for (const a of el.attributes ?? []) {
    // Only the SOAP envelope's attributes count; an unbound prefix is tolerated as elsewhere (quirk 7).
    if (a.ns !== SOAP_ENV_NS && !(a.ns === "" && a.prefix !== "")) continue;
    const v = a.value.trim();
    if (a.local === "mustUnderstand") must = v === "1" || v === "true";
    else if (a.local === "actor" && v !== ACTOR_NEXT) return false;
  }
  return must;
}

function readHeader(el: XmlElement, r: Reader, path: string, notUnderstood: string[]): CwmpHeader {
  const h: CwmpHeader = {};
  for (const c of el.children) {
    switch (c.local) {
      case "ID":
        h.id = c.text;
        break;
      case "HoldRequests":
        h.holdRequests = r.boolText(c.text, `${path}/HoldRequests`);
        break;
      case "NoMoreRequests":
        h.noMoreRequests = r.boolText(c.text, `${path}/NoMoreRequests`);
        break;
      case "SessionTimeout":
        h.sessionTimeout = r.uint(el, "SessionTimeout", path);
        break;
      case "SupportedCWMPVersions":
        h.supportedCwmpVersions = c.text.trim();
        break;
      case "UseCWMPVersion":
        h.useCwmpVersion = c.text.trim();
        break;
      default:
        if (mustUnderstand(c)) notUnderstood.push(c.qname);
        else r.warn(`unknown header element <${c.qname}> ignored`);
    }
  }
  return h;
}

// ---- serializing ----

export interface SerializeOptions extends WriteOptions {
  /** Start with an XML declaration (default true). */
  xmlDeclaration?: boolean;
}

function envelopeOpen(ns: CwmpNamespaceVersion, w: Writer): string {
  return (
    `<${w.env}:Envelope xmlns:${w.env}="${SOAP_ENV_NS}" xmlns:${w.enc}="${SOAP_ENC_NS}"` +
    ` xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
    ` xmlns:${w.cwmp}="${cwmpNamespaceUri(ns)}">`
  );
}

function writeHeader(h: CwmpHeader, ns: CwmpNamespaceVersion, w: Writer): void {
  const modern = ns >= "1-2";
  const need = (field: string) => {
    if (!modern) throw new CwmpLocalError("SERIALIZE_UNSUPPORTED", `header ${field} needs cwmp-1-2 or later, not cwmp-${ns}`);
  };
  if (h.noMoreRequests !== undefined) {
    throw new CwmpLocalError("SERIALIZE_UNSUPPORTED", "NoMoreRequests is read but never written: no CWMP schema defines it");
  }
  if (h.id === undefined && h.holdRequests === undefined && h.sessionTimeout === undefined && h.supportedCwmpVersions === undefined && h.useCwmpVersion === undefined) {
    return;
  }
  const { env, cwmp } = w;
  w.raw(`<${env}:Header>`);
  if (h.id !== undefined) {
    w.open(`${cwmp}:ID`, `${env}:mustUnderstand="1"`);
    w.raw(escapeHeaderText(h.id));
    w.close(`${cwmp}:ID`);
  }
  if (h.holdRequests !== undefined) w.raw(`<${cwmp}:HoldRequests ${env}:mustUnderstand="1">${h.holdRequests ? "1" : "0"}</${cwmp}:HoldRequests>`);
  if (h.sessionTimeout !== undefined) {
    need("SessionTimeout");
    if (!Number.isInteger(h.sessionTimeout) || h.sessionTimeout < 0 || h.sessionTimeout > 4294967295) throw new CwmpLocalError("SERIALIZE_INVALID", "SessionTimeout must be an unsignedInt");
    w.raw(`<${cwmp}:SessionTimeout ${env}:mustUnderstand="0">${h.sessionTimeout}</${cwmp}:SessionTimeout>`);
  }
  if (h.supportedCwmpVersions !== undefined) {
    need("SupportedCWMPVersions");
    w.raw(`<${cwmp}:SupportedCWMPVersions ${env}:mustUnderstand="0">${escapeHeaderText(h.supportedCwmpVersions)}</${cwmp}:SupportedCWMPVersions>`);
  }
  if (h.useCwmpVersion !== undefined) {
    need("UseCWMPVersion");
    w.raw(`<${cwmp}:UseCWMPVersion ${env}:mustUnderstand="1">${escapeHeaderText(h.useCwmpVersion)}</${cwmp}:UseCWMPVersion>`);
  }
  w.raw(`</${env}:Header>`);
}


function writeBody(m: CwmpMessage | null, ns: CwmpNamespaceVersion, w: Writer): void {
  const body = `${w.env}:Body`;
  w.open(body);
  if (m !== null) {
    if (m.method === "Unknown") throw new CwmpLocalError("SERIALIZE_UNSUPPORTED", `cannot write unknown method ${m.name}`);
    const codec = methodCodecs.get(m.method)!;
    if (ns < codec.since) {
      throw new CwmpLocalError("SERIALIZE_UNSUPPORTED", `${m.method} is not defined in cwmp-${ns} (it needs cwmp-${codec.since} or later)`);
    }
    const tag = m.method === "Fault" ? `${w.env}:Fault` : `${w.cwmp}:${m.method}`;
    w.open(tag);
    codec.write(m as never, w);
    w.close(tag);
  }
  w.close(body);
}

/** Serializes one envelope. Throws CwmpLocalError when the message cannot be written as asked. */
export function serializeEnvelope(env: CwmpEnvelope, options: SerializeOptions = {}): string {
  const w = new Writer(options);
  if (options.xmlDeclaration !== false) w.raw('<?xml version="1.0" encoding="UTF-8"?>\n');
  w.raw(envelopeOpen(env.ns, w));
  writeHeader(env.header, env.ns, w);
  writeBody(env.body, env.ns, w);
  w.raw(`</${w.env}:Envelope>`);
  return w.out;
}

/** Several envelopes in one HTTP body (MaxEnvelopes > 1); only the first carries the XML declaration. */
export function serializeEnvelopes(envs: CwmpEnvelope[], options: SerializeOptions = {}): string {
  return envs.map((e, i) => serializeEnvelope(e, { ...options, xmlDeclaration: i === 0 && options.xmlDeclaration !== false })).join("\n");
}

/**
 * The SOAP 1.1 MustUnderstand fault (SOAP 1.1, 4.4.1) for header entries that ParseResult.notUnderstood
 * names. It has no detail: SOAP keeps detail for errors in the Body, and no CWMP fault code fits.
 */
export function serializeMustUnderstandFault(ns: CwmpNamespaceVersion, id: string | undefined, notUnderstood: readonly string[], options: SerializeOptions = {}): string {
  const w = new Writer(options);
  if (options.xmlDeclaration !== false) w.raw('<?xml version="1.0" encoding="UTF-8"?>\n');
  w.raw(envelopeOpen(ns, w));
  writeHeader(id === undefined ? {} : { id }, ns, w);
  w.raw(`<${w.env}:Body><${w.env}:Fault><faultcode>${w.env}:MustUnderstand</faultcode>`);
  w.raw(`<faultstring>${escapeHeaderText(`header entries not understood: ${notUnderstood.join(", ")}`)}</faultstring>`);
  w.raw(`</${w.env}:Fault></${w.env}:Body></${w.env}:Envelope>`);
  return w.out;
}
