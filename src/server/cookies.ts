// Cookie headers as CPEs really send them. Besides RFC 6265's `a=1; b=2`, the reader accepts:
// - RFC 2109 style with attributes: `$Version="0"; ID=218_THOM_TR69_ID;$Path=/` (Thomson), where
//   names starting with "$" are attributes of the cookie, not cookies, and are ignored;
// - "," as a separator (GenieACS: "some devices don't conform to standard");
// - quoted values (unquoted, with backslash escapes removed), spaces around names, "=" and
//   separators, empty pieces;
// - duplicates: the first one wins (RFC 6265 sends the most specific path first);
// - several Cookie header lines (an array, as HTTP/2 or a proxy may deliver them).
// Values are returned as sent, not percent-decoded: session IDs we issue never need it.

export class CookieError extends Error {
  readonly code = "COOKIE_INVALID" as const;
  constructor(message: string) {
    super(message);
    this.name = "CookieError";
  }
}

/** Cookies from a Cookie request header, by name. */
export function parseCookies(header: string | readonly string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (header === undefined) return out;
  for (const line of typeof header === "string" ? [header] : header) readCookieLine(line, out);
  return out;
}

function readCookieLine(s: string, out: Map<string, string>): void {
  let i = 0;
  while (i < s.length) {
    while (i < s.length && (s[i] === ";" || s[i] === "," || s[i] === " " || s[i] === "\t")) i++;
    if (i >= s.length) break;
    const nameStart = i;
    while (i < s.length && s[i] !== "=" && s[i] !== ";" && s[i] !== ",") i++;
    const name = s.slice(nameStart, i).trim();
    if (s[i] !== "=") continue; // a piece without "=" is not a cookie
    i++;
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
    let value: string;
    if (s[i] === '"') {
      value = "";
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && i + 1 < s.length) i++;
        value += s[i];
        i++;
      }
      i++;
      while (i < s.length && s[i] !== ";" && s[i] !== ",") i++;
    } else {
      const valueStart = i;
      while (i < s.length && s[i] !== ";" && s[i] !== ",") i++;
      value = s.slice(valueStart, i).trim();
    }
    if (name.length === 0 || name.startsWith("$")) continue;
    if (!out.has(name)) out.set(name, value);
  }
}

export interface SetCookieOptions {
  name: string;
  value: string;
  /** Default "/". Some CPEs only send the cookie back when Path is given. */
  path?: string;
  /** Default true: session cookies are not for scripts. */
  httpOnly?: boolean;
  /** Seconds; omitted makes a session cookie. 0 deletes the cookie. */
  maxAge?: number;
  secure?: boolean;
  sameSite?: "Strict" | "Lax" | "None";
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 6265 cookie-octet: no controls, whitespace, DQUOTE, comma, semicolon or backslash. Comma
// matters doubly here, since CPEs (and our own reader) treat it as a separator.
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;
const PATH_VALUE = /^[\x20-\x3a\x3c-\x7e]*$/;

/** A Set-Cookie header value. Refuses names and values that real CPEs could not send back. */
export function formatSetCookie(options: SetCookieOptions): string {
  const { name, value } = options;
  if (!TOKEN.test(name) || name.startsWith("$")) throw new CookieError(`invalid cookie name ${JSON.stringify(name)}`);
  if (!COOKIE_VALUE.test(value)) throw new CookieError(`invalid cookie value for ${name}`);
  const path = options.path ?? "/";
  if (!PATH_VALUE.test(path)) throw new CookieError(`invalid cookie path ${JSON.stringify(path)}`);
  let out = `${name}=${value}; Path=${path}`;
  if (options.maxAge !== undefined) {
    if (!Number.isInteger(options.maxAge) || options.maxAge < 0) throw new CookieError(`invalid Max-Age ${options.maxAge}`);
    out += `; Max-Age=${options.maxAge}`;
  }
  if (options.httpOnly ?? true) out += "; HttpOnly";
  if (options.secure || options.sameSite === "None") out += "; Secure";
  if (options.sameSite !== undefined) out += `; SameSite=${options.sameSite}`;
  return out;
}
