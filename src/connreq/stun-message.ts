// STUN messages (RFC 5389) and the classic form of RFC 3489 that TR-111 devices speak, with the
// two TR-111 attributes. Pure: bytes in, typed messages out, and back.
//
// The two forms differ only in the header: RFC 5389 puts the magic cookie 0x2112A442 in bytes 4-7
// and a 96-bit transaction ID after it; RFC 3489 has a 128-bit transaction ID there. A decoded
// message keeps whichever it had (`transactionId` of 12 or 16 bytes) and is encoded back the same
// way, so a response built from a request automatically uses the requester's form.
//
// Differences handled for classic messages:
// - attribute lengths: RFC 3489 counts padding in the length (values are whole words), RFC 5389
//   does not. Classic messages are encoded with padded lengths, which both kinds of parser walk
//   correctly; decoding accepts either, and strips NUL padding from text values.
// - MESSAGE-INTEGRITY: RFC 3489 pads the hashed text with zeros to a multiple of 64 bytes,
//   RFC 5389 does not. Classic messages are signed the RFC 3489 way, and verified either way
//   (CPE stacks disagree). In both, the length field covers the message up to and including
//   MESSAGE-INTEGRITY while hashing.
// - XOR-MAPPED-ADDRESS XORs with header bytes 4-19, which is the magic cookie plus transaction ID,
//   or the first bytes of a classic transaction ID; classic clients read MAPPED-ADDRESS anyway.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ConnreqLocalError, StunRemoteError } from "./errors.js";
import { formatIp, parseIp, unmapIPv4 } from "./ip.js";
import type { IpFamily } from "./ip.js";

export const MAGIC_COOKIE = 0x2112a442;
const FINGERPRINT_XOR = 0x5354554e;
const HEADER = 20;

/** STUN methods. TR-111 uses Binding only. */
export const StunMethod = Object.freeze({ Binding: 0x001, SharedSecret: 0x002 } as const);

/** The value of CONNECTION-REQUEST-BINDING (TR-111): 20 bytes, the space makes it a whole word. */
export const TR111_CONNECTION_REQUEST_BINDING = "dslforum.org/TR-111 ";

/** Attribute type codes. */
export const StunAttributeCode = Object.freeze({
  "MAPPED-ADDRESS": 0x0001,
  "RESPONSE-ADDRESS": 0x0002,
  "CHANGE-REQUEST": 0x0003,
  "SOURCE-ADDRESS": 0x0004,
  "CHANGED-ADDRESS": 0x0005,
  USERNAME: 0x0006,
  "MESSAGE-INTEGRITY": 0x0008,
  "ERROR-CODE": 0x0009,
  "UNKNOWN-ATTRIBUTES": 0x000a,
  "REFLECTED-FROM": 0x000b,
  REALM: 0x0014,
  NONCE: 0x0015,
  "XOR-MAPPED-ADDRESS": 0x0020,
  SOFTWARE: 0x8022,
  "ALTERNATE-SERVER": 0x8023,
  FINGERPRINT: 0x8028,
  "CONNECTION-REQUEST-BINDING": 0xc001,
  "BINDING-CHANGE": 0xc002,
} as const);

type KnownName = keyof typeof StunAttributeCode;

const NAME_BY_CODE: ReadonlyMap<number, KnownName> = new Map(
  (Object.entries(StunAttributeCode) as [KnownName, number][]).map(([name, code]) => [code, name]),
);

export type StunClass = "request" | "indication" | "success" | "error";
const CLASS_BITS: Readonly<Record<StunClass, number>> = { request: 0, indication: 1, success: 2, error: 3 };
const CLASSES: readonly StunClass[] = ["request", "indication", "success", "error"];

export interface TransportAddress {
  family: IpFamily;
  address: string;
  port: number;
}

export type AddressAttributeType =
  | "MAPPED-ADDRESS"
  | "RESPONSE-ADDRESS"
  | "SOURCE-ADDRESS"
  | "CHANGED-ADDRESS"
  | "REFLECTED-FROM"
  | "ALTERNATE-SERVER"
  | "XOR-MAPPED-ADDRESS";

export type TextAttributeType = "USERNAME" | "REALM" | "NONCE" | "SOFTWARE" | "CONNECTION-REQUEST-BINDING";

export type StunAttribute =
  | { type: AddressAttributeType; address: TransportAddress }
  | { type: "CHANGE-REQUEST"; changeIp: boolean; changePort: boolean }
  | { type: TextAttributeType; value: string }
  | { type: "BINDING-CHANGE" }
  | { type: "ERROR-CODE"; code: number; reason: string }
  | { type: "UNKNOWN-ATTRIBUTES"; types: number[] }
  /** Decoded only; to send one, pass `integrityKey` to the encoder. */
  | { type: "MESSAGE-INTEGRITY"; hmac: Buffer }
  /** Decoded only (and checked by the decoder); to send one, pass `fingerprint: true`. */
  | { type: "FINGERPRINT"; crc: number }
  /** Any other attribute, undecoded. */
  | { type: "OTHER"; code: number; value: Buffer };

export interface StunMessage {
  /** 12 bits; 0x001 is Binding. */
  method: number;
  class: StunClass;
  /** 12 bytes: RFC 5389 (with magic cookie). 16 bytes: classic RFC 3489 (TR-111 devices). */
  transactionId: Buffer;
  attributes: StunAttribute[];
}

export function isClassic(message: Pick<StunMessage, "transactionId">): boolean {
  return message.transactionId.length === 16;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers.

function crc32(bytes: Uint8Array): number {
  // Bitwise CRC-32 (IEEE, reflected): messages are small, and it needs no table.
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

function keyBytes(key: string | Uint8Array): Buffer {
  return typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
}

function hmacSha1(key: Buffer, text: Buffer): Buffer {
  return createHmac("sha1", key).update(text).digest();
}

function padTo(bytes: Buffer, multiple: number): Buffer {
  const rest = bytes.length % multiple;
  return rest === 0 ? bytes : Buffer.concat([bytes, Buffer.alloc(multiple - rest)]);
}

/** The long-term credential key of RFC 5389 section 15.4: MD5(username ":" realm ":" password).
 * (SASLprep is not applied: pass an already prepared password if it can contain odd Unicode.) */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash("md5").update(`${username}:${realm}:${password}`, "utf8").digest();
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---------------------------------------------------------------------------------------------
// Decoding.

interface RawAttribute {
  code: number;
  /** Offset of the attribute header in the message. */
  offset: number;
  value: Buffer;
}

interface RawMessage {
  buf: Buffer;
  type: number;
  classic: boolean;
  attributes: RawAttribute[];
}

function walk(buf: Buffer, end: number, padded: boolean): RawAttribute[] | null {
  const out: RawAttribute[] = [];
  let i = HEADER;
  while (i < end) {
    if (i + 4 > end) return null;
    const code = buf.readUInt16BE(i);
    const length = buf.readUInt16BE(i + 2);
    const start = i + 4;
    if (start + length > end) return null;
    out.push({ code, offset: i, value: buf.subarray(start, start + length) });
    // The padding of the last attribute may be missing.
    i = Math.min(start + (padded ? (length + 3) & ~3 : length), end);
  }
  return out;
}

/** Only FINGERPRINT may follow MESSAGE-INTEGRITY, and nothing follows FINGERPRINT (RFC 5389
 * section 15.4): anything else there is ignored, as the RFC requires. */
function dropTrailing(attrs: RawAttribute[]): RawAttribute[] {
  const out: RawAttribute[] = [];
  let sawIntegrity = false;
  for (const a of attrs) {
    if (a.code === StunAttributeCode.FINGERPRINT) {
      out.push(a);
      break;
    }
    if (sawIntegrity) continue;
    if (a.code === StunAttributeCode["MESSAGE-INTEGRITY"]) sawIntegrity = true;
    out.push(a);
  }
  return out;
}

function readRaw(bytes: Uint8Array): RawMessage {
  if (!(bytes instanceof Uint8Array)) throw new StunRemoteError("STUN_TOO_SHORT", "not a byte array");
  const buf = asBuffer(bytes);
  if (buf.length < HEADER) throw new StunRemoteError("STUN_TOO_SHORT", `${buf.length} bytes is shorter than a STUN header`);
  const type = buf.readUInt16BE(0);
  if ((type & 0xc000) !== 0) throw new StunRemoteError("STUN_NOT_STUN", "the two top bits of the message type are not zero");
  const length = buf.readUInt16BE(2);
  if (HEADER + length > buf.length) {
    throw new StunRemoteError("STUN_BAD_LENGTH", `length ${length} runs past the ${buf.length}-byte datagram`);
  }
  const classic = buf.readUInt32BE(4) !== MAGIC_COOKIE;
  if (!classic && length % 4 !== 0) throw new StunRemoteError("STUN_BAD_LENGTH", `length ${length} is not a multiple of 4`);
  const end = HEADER + length;
  const attrs = walk(buf, end, true) ?? (classic ? walk(buf, end, false) : null);
  if (!attrs) throw new StunRemoteError("STUN_ATTRIBUTE_OVERRUN", "an attribute runs past the end of the message");
  return { buf, type, classic, attributes: dropTrailing(attrs) };
}

/** The message text that MESSAGE-INTEGRITY or FINGERPRINT at `offset` (of `size` bytes with its
 * header) covers: everything before it, with the length field ending just after it. */
function coveredText(buf: Buffer, offset: number, size: number): Buffer {
  const text = Buffer.from(buf.subarray(0, offset));
  text.writeUInt16BE(offset + size - HEADER, 2);
  return text;
}

function decodeText(value: Buffer, classic: boolean): string {
  let end = value.length;
  if (classic) while (end > 0 && value[end - 1] === 0) end--;
  return value.subarray(0, end).toString("utf8");
}

function bad(code: number, what: string): StunRemoteError {
  return new StunRemoteError("STUN_BAD_ATTRIBUTE", `${NAME_BY_CODE.get(code) ?? `attribute 0x${code.toString(16)}`}: ${what}`, code);
}

function decodeAddress(a: RawAttribute, xorKey: Buffer | undefined): TransportAddress {
  const v = a.value;
  if (v.length < 4) throw bad(a.code, `${v.length} bytes is too short for an address`);
  const family = v[1];
  const size = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (size === 0) throw bad(a.code, `unknown address family ${family}`);
  if (v.length !== 4 + size) throw bad(a.code, `${v.length} bytes does not fit address family ${family}`);
  let port = v.readUInt16BE(2);
  const addr = Buffer.from(v.subarray(4));
  if (xorKey) {
    port ^= xorKey.readUInt16BE(0);
    for (let k = 0; k < size; k++) addr[k] = (addr[k] as number) ^ (xorKey[k] as number);
  }
  return { family: size === 4 ? "IPv4" : "IPv6", address: formatIp(addr), port };
}

function decodeAttribute(a: RawAttribute, raw: RawMessage): StunAttribute {
  const name = NAME_BY_CODE.get(a.code);
  const v = a.value;
  switch (name) {
    case "MAPPED-ADDRESS":
    case "RESPONSE-ADDRESS":
    case "SOURCE-ADDRESS":
    case "CHANGED-ADDRESS":
    case "REFLECTED-FROM":
    case "ALTERNATE-SERVER":
      return { type: name, address: decodeAddress(a, undefined) };
    case "XOR-MAPPED-ADDRESS":
      return { type: name, address: decodeAddress(a, raw.buf.subarray(4, HEADER)) };
    case "CHANGE-REQUEST": {
      if (v.length !== 4) throw bad(a.code, `length ${v.length}, expected 4`);
      const flags = v.readUInt32BE(0);
      return { type: name, changeIp: (flags & 0x4) !== 0, changePort: (flags & 0x2) !== 0 };
    }
    case "USERNAME":
    case "REALM":
    case "NONCE":
    case "SOFTWARE":
    case "CONNECTION-REQUEST-BINDING":
      return { type: name, value: decodeText(v, raw.classic) };
    case "BINDING-CHANGE":
      return { type: name };
    case "ERROR-CODE": {
      if (v.length < 4) throw bad(a.code, `length ${v.length} is shorter than 4`);
      const cls = (v[2] as number) & 0x07;
      const number = v[3] as number;
      if (cls < 1 || cls > 6 || number > 99) throw bad(a.code, `class ${cls} number ${number} is not an error code`);
      return { type: name, code: cls * 100 + number, reason: decodeText(v.subarray(4), raw.classic) };
    }
    case "UNKNOWN-ATTRIBUTES": {
      if (v.length % 2 !== 0) throw bad(a.code, `odd length ${v.length}`);
      const types: number[] = [];
      for (let k = 0; k < v.length; k += 2) types.push(v.readUInt16BE(k));
      return { type: name, types };
    }
    case "MESSAGE-INTEGRITY":
      if (v.length !== 20) throw bad(a.code, `length ${v.length}, expected 20`);
      return { type: name, hmac: Buffer.from(v) };
    case "FINGERPRINT":
      if (v.length !== 4) throw bad(a.code, `length ${v.length}, expected 4`);
      return { type: name, crc: v.readUInt32BE(0) };
    default:
      return { type: "OTHER", code: a.code, value: Buffer.from(v) };
  }
}

/** True when the bytes could be a STUN message: the cheap test to tell STUN from a UDP Connection
 * Request ("GET ...") arriving on the same port. */
export function looksLikeStun(bytes: Uint8Array): boolean {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER) return false;
  const buf = asBuffer(bytes);
  return (buf.readUInt16BE(0) & 0xc000) === 0 && HEADER + buf.readUInt16BE(2) <= buf.length;
}

/** Decodes one STUN message. Throws `StunRemoteError` (never anything else) for bytes that are not
 * a STUN message; bytes after the length the header gives are ignored. A FINGERPRINT, when
 * present, must be right. MESSAGE-INTEGRITY is decoded but not checked: that needs the key, see
 * `checkMessageIntegrity`. */
export function decodeStunMessage(bytes: Uint8Array): StunMessage {
  const raw = readRaw(bytes);
  const attributes = raw.attributes.map((a) => decodeAttribute(a, raw));
  const fp = raw.attributes.find((a) => a.code === StunAttributeCode.FINGERPRINT);
  if (fp && ((crc32(coveredText(raw.buf, fp.offset, 8)) ^ FINGERPRINT_XOR) >>> 0) !== fp.value.readUInt32BE(0)) {
    throw new StunRemoteError("STUN_BAD_FINGERPRINT", "FINGERPRINT does not match the message", fp.code);
  }
  const t = raw.type;
  const method = (t & 0x000f) | ((t & 0x00e0) >> 1) | ((t & 0x3e00) >> 2);
  const cls = CLASSES[((t & 0x0100) >> 7) | ((t & 0x0010) >> 4)] as StunClass;
  const transactionId = Buffer.from(raw.buf.subarray(raw.classic ? 4 : 8, HEADER));
  return { method, class: cls, transactionId, attributes };
}

export type IntegrityCheck = "valid" | "invalid" | "absent";

/** Checks MESSAGE-INTEGRITY of received bytes with `key` (the password for short-term and TR-111
 * credentials, `longTermKey(...)` for long-term ones). Never throws: undecodable bytes are
 * "invalid". */
export function checkMessageIntegrity(bytes: Uint8Array, key: string | Uint8Array): IntegrityCheck {
  let raw: RawMessage;
  try {
    raw = readRaw(bytes);
  } catch {
    return "invalid";
  }
  const mi = raw.attributes.find((a) => a.code === StunAttributeCode["MESSAGE-INTEGRITY"]);
  if (!mi) return "absent";
  if (mi.value.length !== 20) return "invalid";
  const text = coveredText(raw.buf, mi.offset, 24);
  const k = keyBytes(key);
  const candidates = raw.classic ? [padTo(text, 64), text] : [text];
  return candidates.some((c) => timingSafeEqual(hmacSha1(k, c), mi.value)) ? "valid" : "invalid";
}

// ---------------------------------------------------------------------------------------------
// Encoding.

export interface EncodeOptions {
  /** Append MESSAGE-INTEGRITY computed with this key (see `checkMessageIntegrity`). */
  integrityKey?: string | Uint8Array;
  /** Append FINGERPRINT (after MESSAGE-INTEGRITY). */
  fingerprint?: boolean;
}

function invalid(what: string): ConnreqLocalError {
  return new ConnreqLocalError("STUN_INVALID_MESSAGE", what);
}

function encodeAddress(type: string, a: TransportAddress, xorKey: Buffer | undefined): Buffer {
  const ip = parseIp(a.address);
  if (!ip) throw invalid(`${type}: ${JSON.stringify(a.address)} is not an IP address`);
  if (ip.family !== a.family) throw invalid(`${type}: ${a.address} is not an ${a.family} address`);
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 0xffff) throw invalid(`${type}: port ${a.port} is out of range`);
  const v = Buffer.alloc(4 + ip.bytes.length);
  v[1] = ip.family === "IPv4" ? 0x01 : 0x02;
  let port = a.port;
  const addr = ip.bytes;
  if (xorKey) {
    port ^= xorKey.readUInt16BE(0);
    for (let k = 0; k < addr.length; k++) addr[k] = (addr[k] as number) ^ (xorKey[k] as number);
  }
  v.writeUInt16BE(port, 2);
  addr.copy(v, 4);
  return v;
}

function attributeValue(a: StunAttribute, xorKey: Buffer, classic: boolean): { code: number; value: Buffer } {
  switch (a.type) {
    case "MAPPED-ADDRESS":
    case "RESPONSE-ADDRESS":
    case "SOURCE-ADDRESS":
    case "CHANGED-ADDRESS":
    case "REFLECTED-FROM":
    case "ALTERNATE-SERVER":
      return { code: StunAttributeCode[a.type], value: encodeAddress(a.type, a.address, undefined) };
    case "XOR-MAPPED-ADDRESS":
      return { code: StunAttributeCode[a.type], value: encodeAddress(a.type, a.address, xorKey) };
    case "CHANGE-REQUEST": {
      const v = Buffer.alloc(4);
      v.writeUInt32BE((a.changeIp ? 0x4 : 0) | (a.changePort ? 0x2 : 0));
      return { code: StunAttributeCode[a.type], value: v };
    }
    case "USERNAME":
    case "REALM":
    case "NONCE":
    case "SOFTWARE":
    case "CONNECTION-REQUEST-BINDING":
      return { code: StunAttributeCode[a.type], value: Buffer.from(a.value, "utf8") };
    case "BINDING-CHANGE":
      return { code: StunAttributeCode[a.type], value: Buffer.alloc(0) };
    case "ERROR-CODE": {
      if (!Number.isInteger(a.code) || a.code < 100 || a.code > 699) throw invalid(`ERROR-CODE ${a.code} is out of range 100..699`);
      const reason = Buffer.from(a.reason, "utf8");
      const v = Buffer.alloc(4 + reason.length);
      v[2] = Math.floor(a.code / 100);
      v[3] = a.code % 100;
      reason.copy(v, 4);
      return { code: StunAttributeCode[a.type], value: v };
    }
    case "UNKNOWN-ATTRIBUTES": {
      const types = [...a.types];
      if (types.some((t) => !Number.isInteger(t) || t < 0 || t > 0xffff)) throw invalid("UNKNOWN-ATTRIBUTES: a type is out of range");
      // RFC 3489 wants a whole number of words, repeating an attribute if the count is odd.
      if (classic && types.length % 2 === 1) types.push(types[types.length - 1] as number);
      const v = Buffer.alloc(types.length * 2);
      types.forEach((t, k) => v.writeUInt16BE(t, k * 2));
      return { code: StunAttributeCode[a.type], value: v };
    }
    case "MESSAGE-INTEGRITY":
    case "FINGERPRINT":
      throw invalid(`${a.type} is computed by the encoder: use the integrityKey and fingerprint options`);
    case "OTHER":
      if (!Number.isInteger(a.code) || a.code < 0 || a.code > 0xffff) throw invalid(`attribute type ${a.code} is out of range`);
      return { code: a.code, value: Buffer.from(a.value) };
  }
}

function tlv(code: number, value: Buffer, classic: boolean): Buffer {
  if (value.length > 0xffff - 3) throw invalid(`attribute 0x${code.toString(16)} is too long`);
  const padded = padTo(value, 4);
  const out = Buffer.alloc(4 + padded.length);
  out.writeUInt16BE(code, 0);
  out.writeUInt16BE(classic ? padded.length : value.length, 2);
  padded.copy(out, 4);
  return out;
}

/** Encodes a message. The form (RFC 5389 or classic) follows the transaction ID length. */
export function encodeStunMessage(message: StunMessage, options: EncodeOptions = {}): Buffer {
  const txid = Buffer.from(message.transactionId);
  if (txid.length !== 12 && txid.length !== 16) throw invalid(`a transaction ID has 12 or 16 bytes, not ${txid.length}`);
  const classic = txid.length === 16;
  if (!Number.isInteger(message.method) || message.method < 0 || message.method > 0xfff) throw invalid(`method ${message.method} is out of range`);
  const c = CLASS_BITS[message.class];
  if (c === undefined) throw invalid(`unknown class ${String(message.class)}`);
  const m = message.method;
  const type = ((m & 0xf80) << 2) | ((m & 0x070) << 1) | (m & 0x00f) | ((c & 0x2) << 7) | ((c & 0x1) << 4);

  const header = Buffer.alloc(HEADER);
  header.writeUInt16BE(type, 0);
  if (classic) txid.copy(header, 4);
  else {
    header.writeUInt32BE(MAGIC_COOKIE, 4);
    txid.copy(header, 8);
  }
  const xorKey = header.subarray(4, HEADER);
  const parts: Buffer[] = [header];
  for (const a of message.attributes) {
    const { code, value } = attributeValue(a, xorKey, classic);
    parts.push(tlv(code, value, classic));
  }
  let body = Buffer.concat(parts);
  if (options.integrityKey !== undefined) {
    body.writeUInt16BE(body.length + 24 - HEADER, 2);
    const text = classic ? padTo(body, 64) : body;
    body = Buffer.concat([body, tlv(StunAttributeCode["MESSAGE-INTEGRITY"], hmacSha1(keyBytes(options.integrityKey), text), classic)]);
  }
  if (options.fingerprint) {
    body.writeUInt16BE(body.length + 8 - HEADER, 2);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((crc32(body) ^ FINGERPRINT_XOR) >>> 0);
    body = Buffer.concat([body, tlv(StunAttributeCode.FINGERPRINT, crc, classic)]);
  }
  if (body.length - HEADER > 0xffff) throw invalid("the message is longer than 65535 bytes");
  body.writeUInt16BE(body.length - HEADER, 2);
  return body;
}

// ---------------------------------------------------------------------------------------------
// Reading and building Binding messages.

type Narrow<A, T> = A extends { type: infer U } ? (T extends U ? A & { type: T } : never) : never;
/** The attribute variant whose `type` is T. */
export type AttributeOf<T extends StunAttribute["type"]> = Narrow<StunAttribute, T>;

/** The first attribute of a type. */
export function getAttribute<T extends StunAttribute["type"]>(message: StunMessage, type: T): AttributeOf<T> | undefined {
  return message.attributes.find((a): a is AttributeOf<T> => a.type === type);
}

export function isBindingRequest(message: StunMessage): boolean {
  return message.method === StunMethod.Binding && message.class === "request";
}

/** Comprehension-required attributes (type below 0x8000) that this decoder does not know: a
 * server answers 420 with them in UNKNOWN-ATTRIBUTES. */
export function unknownRequiredAttributes(message: StunMessage): number[] {
  return message.attributes.flatMap((a) => (a.type === "OTHER" && a.code < 0x8000 ? [a.code] : []));
}

/** True for a CONNECTION-REQUEST-BINDING value. Some CPEs omit the trailing space (19 bytes). */
export function isTr111ConnectionRequestBinding(value: string): boolean {
  return value.replace(/[ \0]+$/, "") === TR111_CONNECTION_REQUEST_BINDING.trimEnd();
}

export interface Tr111BindingRequestOptions {
  /** 16 bytes for the classic form TR-111 specifies, 12 for RFC 5389. */
  transactionId: Uint8Array;
  /** STUNUsername; TR-111 sends it when the server asked for message integrity. */
  username?: string;
  /** Default true: the request comes from the UDP Connection Request port. */
  connectionRequestBinding?: boolean;
  /** The binding changed since the last Binding Request (TR-111 BINDING-CHANGE). */
  bindingChange?: boolean;
  /** Ask the server to answer elsewhere (TR-111 binding-timeout discovery). */
  responseAddress?: TransportAddress;
  changeRequest?: { changeIp: boolean; changePort: boolean };
}

/** The Binding Request of a TR-111 CPE (encode it with `integrityKey` = STUNPassword when the
 * server answered 401). */
export function tr111BindingRequest(options: Tr111BindingRequestOptions): StunMessage {
  const attributes: StunAttribute[] = [];
  if (options.username !== undefined) attributes.push({ type: "USERNAME", value: options.username });
  if (options.connectionRequestBinding ?? true) attributes.push({ type: "CONNECTION-REQUEST-BINDING", value: TR111_CONNECTION_REQUEST_BINDING });
  if (options.bindingChange) attributes.push({ type: "BINDING-CHANGE" });
  if (options.responseAddress) attributes.push({ type: "RESPONSE-ADDRESS", address: options.responseAddress });
  if (options.changeRequest) attributes.push({ type: "CHANGE-REQUEST", ...options.changeRequest });
  return { method: StunMethod.Binding, class: "request", transactionId: Buffer.from(options.transactionId), attributes };
}

export interface BindingResponseOptions {
  /** Where the request came from (the NAT binding). */
  mapped: TransportAddress;
  /** The server address the response is sent from (classic SOURCE-ADDRESS). */
  source?: TransportAddress;
  /** The server's alternate address for CHANGE-REQUEST (classic CHANGED-ADDRESS). */
  changed?: TransportAddress;
  software?: string;
}

function v4IfMapped(a: TransportAddress): TransportAddress {
  const address = unmapIPv4(a.address);
  return address === a.address ? a : { family: "IPv4", address, port: a.port };
}

/** The success response to a Binding Request, in the request's form: MAPPED-ADDRESS (plus
 * SOURCE-/CHANGED-ADDRESS) for classic clients, XOR-MAPPED-ADDRESS for RFC 5389 clients.
 * IPv4-mapped IPv6 addresses (from dual-stack sockets) are written as IPv4. */
export function bindingSuccessResponse(request: StunMessage, options: BindingResponseOptions): StunMessage {
  const attributes: StunAttribute[] = [];
  const mapped = v4IfMapped(options.mapped);
  if (isClassic(request)) {
    attributes.push({ type: "MAPPED-ADDRESS", address: mapped });
    if (options.source) attributes.push({ type: "SOURCE-ADDRESS", address: v4IfMapped(options.source) });
    if (options.changed) attributes.push({ type: "CHANGED-ADDRESS", address: v4IfMapped(options.changed) });
  } else {
    attributes.push({ type: "XOR-MAPPED-ADDRESS", address: mapped });
  }
  if (options.software !== undefined) attributes.push({ type: "SOFTWARE", value: options.software });
  return { method: request.method, class: "success", transactionId: Buffer.from(request.transactionId), attributes };
}

const REASONS: ReadonlyMap<number, string> = new Map([
  [300, "Try Alternate"],
  [400, "Bad Request"],
  [401, "Unauthorized"],
  [420, "Unknown Attribute"],
  [430, "Stale Credentials"],
  [431, "Integrity Check Failure"],
  [432, "Missing Username"],
  [433, "Use TLS"],
  [438, "Stale Nonce"],
  [500, "Server Error"],
  [600, "Global Failure"],
]);

export interface BindingErrorOptions {
  code: number;
  reason?: string;
  /** For 420. */
  unknownAttributes?: number[];
  software?: string;
}

/** An error response to a request, in the request's form. */
export function bindingErrorResponse(request: StunMessage, options: BindingErrorOptions): StunMessage {
  const attributes: StunAttribute[] = [{ type: "ERROR-CODE", code: options.code, reason: options.reason ?? REASONS.get(options.code) ?? "" }];
  if (options.unknownAttributes && options.unknownAttributes.length > 0) attributes.push({ type: "UNKNOWN-ATTRIBUTES", types: options.unknownAttributes });
  if (options.software !== undefined) attributes.push({ type: "SOFTWARE", value: options.software });
  return { method: request.method, class: "error", transactionId: Buffer.from(request.transactionId), attributes };
}
