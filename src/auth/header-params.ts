// A forgiving reader for the auth-scheme syntax shared by WWW-Authenticate and Authorization
// (RFC 7235 section 2.1): `scheme [token68 | name=value *("," name=value)]`, several challenges
// separated by commas in one header. Real clients and CPEs bend it in many ways, so the reader
// accepts: quoted or unquoted values (also for names that should be tokens, like qop="auth" or
// nc="00000001"), spaces around "=" and ",", commas inside quotes, parameters separated by spaces
// alone (seen from real CPE stacks), any case of names, empty
// values, repeated commas, and backslashes that are not escapes (Windows-style `DOMAIN\user`
// sent unescaped inside quotes). It never throws; garbage yields fewer or emptier items.

export interface AuthItem {
  /** The scheme as sent (compare case-insensitively). */
  scheme: string;
  /** Parameters by lowercased name; the first occurrence of a name wins. */
  params: Map<string, string>;
  /** The token68 form (as in `Basic dXNlcjpwYXNz`), when the item used it. */
  token68?: string;
}

// RFC 7230 tchar, by character code: every request of a session has its Authorization read twice
// (its size limits, then its check), and a regular expression per character showed in the profile.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

function isTokenChar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

function skip(s: string, i: number, chars: string): number {
  while (i < s.length && chars.includes(s[i] as string)) i++;
  return i;
}

function readToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** True when whitespace at `i` is followed by `name=`: the next parameter without its comma, as some
 * CPE stacks write challenges (`Digest qop="auth" nonce="..." realm="cwmpd"`). */
function paramAfterSpace(s: string, i: number): boolean {
  const next = skip(s, i, " \t");
  return next > i && looksLikeParam(s, next);
}

/** Reads a parameter value at `i` (just after "=" and spaces). Returns the value and the index just
 * after it; for quoted values, anything between the closing quote and the next comma is dropped,
 * unless it is the next parameter after a space. */
function readValue(s: string, i: number): [string, number] {
  if (s[i] === '"') {
    // The runs between escapes are sliced whole (a nonce or a response is tens of characters).
    let out = "";
    let run = ++i;
    let closed = false;
    while (i < s.length) {
      const c = s[i] as string;
      if (c === "\\" && (s[i + 1] === '"' || s[i + 1] === "\\")) {
        out += s.slice(run, i) + s[i + 1];
        i += 2;
        run = i;
        continue;
      }
      if (c === '"') {
        closed = true;
        break;
      }
      i++;
    }
    out += s.slice(run, i);
    if (closed) i++;
    if (paramAfterSpace(s, i)) return [out, i];
    while (i < s.length && s[i] !== ",") i++;
    return [out, i];
  }
  let j = i;
  while (j < s.length && s[j] !== "," && !((s[j] === " " || s[j] === "\t") && paramAfterSpace(s, j))) j++;
  return [s.slice(i, j).trim(), j];
}

/** True when `s` at `i` holds `token *WS "="`, i.e. a parameter rather than a new scheme. */
function looksLikeParam(s: string, i: number): boolean {
  const end = readToken(s, i);
  if (end === i) return false;
  return s[skip(s, end, " \t")] === "=";
}

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/** Decides whether `candidate`, standing alone before a comma or the end, is a token68. */
function isToken68(candidate: string, s: string, end: number): boolean {
  if (!candidate.endsWith("=")) return true;
  // "name=" before a comma is ambiguous: base64 padding ("Zm9vYg==") or an empty parameter
  // ("realm=, nonce=..."). It is a parameter when more parameters of this item follow.
  if (candidate.length < 4 || !/^[A-Za-z0-9+/]+=+$/.test(candidate)) return false;
  const following = skip(s, end, " \t,");
  return !(following < s.length && looksLikeParam(s, following));
}

export function parseAuthItems(header: string): AuthItem[] {
  const s = header;
  const items: AuthItem[] = [];
  let current: AuthItem | undefined;
  let i = 0;
  while (i < s.length) {
    i = skip(s, i, " \t\r\n,");
    if (i >= s.length) break;
    const start = i;
    i = readToken(s, i);
    if (i === start) {
      // A character that cannot start anything: drop it and resynchronise.
      i++;
      continue;
    }
    const word = s.slice(start, i);
    const afterWord = skip(s, i, " \t");
    if (s[afterWord] === "=") {
      const [value, next] = readValue(s, skip(s, afterWord + 1, " \t"));
      const name = word.toLowerCase();
      if (current && !current.params.has(name)) current.params.set(name, value);
      i = next;
      continue;
    }
    current = { scheme: word, params: new Map() };
    items.push(current);
    i = afterWord;
    const m = TOKEN68.exec(s.slice(i));
    if (m) {
      const end = skip(s, i + m[0].length, " \t");
      if ((end >= s.length || s[end] === ",") && isToken68(m[0], s, end)) {
        current.token68 = m[0];
        i = end;
      }
    }
  }
  return items;
}

/** Quotes a value for an auth parameter (RFC 7230 quoted-string). */
export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** True when `s` has a control character (which no header value may carry). */
export function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
