// HTTP Basic credentials (RFC 7617). The user-id may be empty and the password may contain ":"
// (only the first colon separates them). Credentials are UTF-8, with a Latin-1 fallback for old
// clients that send ISO-8859-1 bytes (invalid as UTF-8).

import { AuthLocalError } from "./errors.js";
import { hasControl, parseAuthItems } from "./header-params.js";

export interface BasicCredentials {
  username: string;
  password: string;
}

const BASE64 = /^[A-Za-z0-9+/\-_]*={0,2}$/;

function decodeText(bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString("latin1");
  }
}

/** Decodes the token68 of a Basic Authorization ("dXNlcjpwYXNz"); `null` if it is not base64 of
 * "user:password". Standard and URL-safe alphabets and missing padding are accepted. */
export function decodeBasicToken(token: string): BasicCredentials | null {
  const t = token.trim();
  if (t.length === 0 || !BASE64.test(t) || t.length % 4 === 1) return null;
  const text = decodeText(Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Reads an `Authorization: Basic ...` header value; `null` when it is absent, another scheme or
 * malformed. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const item = parseAuthItems(header)[0];
  if (!item || item.scheme.toLowerCase() !== "basic" || item.token68 === undefined) return null;
  return decodeBasicToken(item.token68);
}

/** The Authorization header value for Basic credentials. A username containing ":" cannot be
 * represented (the receiver would split there) and is refused. */
export function formatBasicAuthorization(username: string, password: string): string {
  if (username.includes(":")) {
    throw new AuthLocalError("AUTH_INVALID_ARGUMENT", "a Basic username cannot contain ':'");
  }
  if (hasControl(username) || hasControl(password)) {
    throw new AuthLocalError("AUTH_INVALID_ARGUMENT", "Basic credentials cannot contain control characters");
  }
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}
