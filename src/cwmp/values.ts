// Typed parameter values. A value keeps the exact text that was sent (`text`) next to its type, so
// nothing a device said is lost; `toJs` and the constructors convert to and from JavaScript values.
// A value whose text does not fit its type is kept as it is and flagged with `invalid`.

export const xsdTypes = [
  "xsd:string",
  "xsd:int",
  "xsd:unsignedInt",
  "xsd:long",
  "xsd:unsignedLong",
  "xsd:boolean",
  "xsd:dateTime",
  "xsd:base64",
  "xsd:hexBinary",
  "xsd:decimal",
] as const;

export type XsdType = (typeof xsdTypes)[number];

export interface XsdValue {
  type: XsdType;
  /** The value as it travels in XML (for values received: exactly as the peer sent it). */
  text: string;
  /** Why `text` does not fit `type`, when it does not. */
  invalid?: string;
  /** The xsi:type exactly as received, when it differs from `type` (e.g. "xsd:string(1024)"). */
  wireType?: string;
  /** Set when the peer sent no xsi:type and `type` was assumed. */
  untyped?: true;
}

export type JsValue = string | number | bigint | boolean | Date | Uint8Array;

const INT_RE = /^[+-]?\d+$/;
const UINT_RE = /^\+?\d+$/;
const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
// xsd:dateTime, with the fractional seconds and the zone optional (devices often omit the zone).
const DATETIME_RE = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const UINT_MAX = 4294967295n;
const LONG_MIN = -9223372036854775808n;
const LONG_MAX = 9223372036854775807n;
const ULONG_MAX = 18446744073709551615n;

function inRange(t: string, min: bigint, max: bigint): boolean {
  // Short decimal strings always fit in a double exactly; only long ones need BigInt.
  if (t.length < 16) {
    const n = Number(t);
    return n >= Number(min) && n <= Number(max);
  }
  const n = BigInt(t);
  return n >= min && n <= max;
}

/** Why `text` is not a valid lexical value of `type`, or undefined when it is. */
export function checkXsd(type: XsdType, text: string): string | undefined {
  if (type === "xsd:string") return undefined;
  // XSD collapses whitespace for every non-string type.
  const t = text.trim();
  switch (type) {
    case "xsd:int":
      return INT_RE.test(t) && inRange(t, INT_MIN, INT_MAX) ? undefined : "not an xsd:int";
    case "xsd:unsignedInt":
      return UINT_RE.test(t) && inRange(t, 0n, UINT_MAX) ? undefined : "not an xsd:unsignedInt";
    case "xsd:long":
      return INT_RE.test(t) && inRange(t, LONG_MIN, LONG_MAX) ? undefined : "not an xsd:long";
    case "xsd:unsignedLong":
      return UINT_RE.test(t) && inRange(t, 0n, ULONG_MAX) ? undefined : "not an xsd:unsignedLong";
    case "xsd:boolean":
      return t === "true" || t === "false" || t === "1" || t === "0" ? undefined : "not an xsd:boolean";
    case "xsd:dateTime":
      return isDateTime(t) ? undefined : "not an xsd:dateTime";
    case "xsd:base64":
      return BASE64_RE.test(t.replace(/\s+/g, "")) ? undefined : "not base64";
    case "xsd:hexBinary":
      return HEX_RE.test(t) ? undefined : "not hexBinary";
    case "xsd:decimal":
      return DECIMAL_RE.test(t) ? undefined : "not an xsd:decimal";
  }
}

/** Checks the lexical form and field ranges without building a Date (the hot path of parsing). */
function isDateTime(t: string): boolean {
  const m = DATETIME_RE.exec(t);
  return m !== null && dateTimeFieldsValid(m);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// The ranges XML Schema puts on a DATETIME_RE match: a day that exists in its month (no 2019-02-30,
// which Date would silently turn into March 2nd), 24:00:00 only as the end of a day, and a zone within
// ±14:00. A leap second (:60) stays tolerated.
function dateTimeFieldsValid(m: RegExpExecArray): boolean {
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  if (hour > 24 || minute > 59 || second > 60) return false;
  if (hour === 24 && (minute !== 0 || second !== 0 || Number(m[7] ?? "0") !== 0)) return false;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z") {
    const zoneMinutes = Number(zone.slice(4, 6));
    if (zoneMinutes > 59 || Number(zone.slice(1, 3)) * 60 + zoneMinutes > 14 * 60) return false;
  }
  return true;
}

/** Parses an xsd:dateTime (zone optional, read as UTC). Null when it is not one (e.g. 0000-00-00T00:00:00). */
export function parseDateTime(text: string): Date | null {
  const m = DATETIME_RE.exec(text.trim());
  if (m === null) return null;
  if (!dateTimeFieldsValid(m)) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const date = new Date(0);
  date.setUTCFullYear(Number(y), month - 1, day);
  date.setUTCHours(hour, minute, second, frac ? Math.floor(Number(frac) * 1000) : 0);
  if (zone && zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    date.setTime(date.getTime() - offsetMin * 60_000);
  }
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Formats a Date as xsd:dateTime in UTC, without milliseconds unless asked (some CPEs reject them). */
export function formatDateTime(date: Date, milliseconds = false): string {
  // toISOString would throw a RangeError; an invalid Date is a value that cannot be of the type.
  if (Number.isNaN(date.getTime())) throw new TypeError("an invalid Date is not an xsd:dateTime");
  const iso = date.toISOString();
  return milliseconds ? iso : iso.slice(0, 19) + "Z";
}

/** A value from its wire text, checked against its type. */
export function xsdValue(type: XsdType, text: string): XsdValue {
  const invalid = checkXsd(type, text);
  return invalid === undefined ? { type, text } : { type, text, invalid };
}

export interface FormatOptions {
  /** How booleans are written: "1"/"0" (accepted by every device seen) or "true"/"false". */
  booleans?: "numeric" | "literal";
}

/** A value from a JavaScript value; throws TypeError when the JavaScript value cannot be of that type. */
export function fromJs(type: XsdType, value: JsValue, options: FormatOptions = {}): XsdValue {
  let text: string;
  switch (type) {
    case "xsd:boolean":
      if (typeof value === "boolean") text = options.booleans === "literal" ? String(value) : value ? "1" : "0";
      else text = String(value);
      break;
    case "xsd:dateTime":
      text = value instanceof Date ? formatDateTime(value) : String(value);
      break;
    case "xsd:base64":
      text = value instanceof Uint8Array ? Buffer.from(value).toString("base64") : String(value);
      break;
    case "xsd:hexBinary":
      text = value instanceof Uint8Array ? Buffer.from(value).toString("hex") : String(value);
      break;
    default:
      text = value instanceof Date ? formatDateTime(value) : value instanceof Uint8Array ? Buffer.from(value).toString("base64") : String(value);
  }
  const v = xsdValue(type, text);
  if (v.invalid !== undefined) throw new TypeError(`${JSON.stringify(text)} is ${v.invalid}`);
  return v;
}

/**
 * The JavaScript value of a typed value: number for int/unsignedInt, bigint for long/unsignedLong,
 * boolean, Date, Uint8Array for base64/hexBinary, string for string and decimal (decimal keeps its
 * precision). An invalid value gives back its text.
 */
export function toJs(v: XsdValue): JsValue {
  if (v.invalid !== undefined) return v.text;
  const t = v.type === "xsd:string" ? v.text : v.text.trim();
  switch (v.type) {
    case "xsd:string":
    case "xsd:decimal":
      return t;
    case "xsd:int":
    case "xsd:unsignedInt":
      return Number(t);
    case "xsd:long":
    case "xsd:unsignedLong":
      return BigInt(t);
    case "xsd:boolean":
      return t === "true" || t === "1";
    case "xsd:dateTime":
      return parseDateTime(t) as Date;
    case "xsd:base64":
      return new Uint8Array(Buffer.from(t.replace(/\s+/g, ""), "base64"));
    case "xsd:hexBinary":
      return new Uint8Array(Buffer.from(t, "hex"));
  }
}

const XSD_2001 = "http://www.w3.org/2001/XMLSchema";
const XSD_1999 = "http://www.w3.org/1999/XMLSchema";
const SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/";

const typeByLocalName: Record<string, XsdType> = {
  string: "xsd:string",
  int: "xsd:int",
  unsignedInt: "xsd:unsignedInt",
  long: "xsd:long",
  unsignedLong: "xsd:unsignedLong",
  boolean: "xsd:boolean",
  dateTime: "xsd:dateTime",
  base64: "xsd:base64",
  base64Binary: "xsd:base64",
  hexBinary: "xsd:hexBinary",
  decimal: "xsd:decimal",
};

/**
 * Maps an xsi:type QName to our type. Tolerates what devices send: the 1999 schema namespace, the SOAP
 * encoding namespace, unbound prefixes, and a length inside the type ("xsd:string(1024)").
 * Unknown types fall back to xsd:string (the value keeps its text).
 */
export function resolveXsiType(qname: string, valueNs: string | undefined): XsdType | undefined {
  const common = commonXsiTypes.get(qname);
  if (common !== undefined && (valueNs === undefined || valueNs === XSD_2001)) return common;
  const colon = qname.indexOf(":");
  let local = (colon === -1 ? qname : qname.slice(colon + 1)).trim();
  const paren = local.indexOf("(");
  if (paren !== -1) local = local.slice(0, paren);
  if (valueNs !== undefined && valueNs !== "" && valueNs !== XSD_2001 && valueNs !== XSD_1999 && valueNs !== SOAP_ENC) {
    return undefined;
  }
  return Object.prototype.hasOwnProperty.call(typeByLocalName, local) ? typeByLocalName[local] : undefined;
}

// The spellings nearly every peer uses, resolved without string surgery.
const commonXsiTypes: ReadonlyMap<string, XsdType> = new Map(
  Object.entries(typeByLocalName).flatMap(([local, type]) => [[`xsd:${local}`, type] as const, [`xs:${local}`, type] as const]),
);
