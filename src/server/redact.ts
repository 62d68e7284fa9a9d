// Secrets out of whatever is printed or logged: passwords in URLs (a PostgreSQL URL's, an ACS URL's)
// and the values of fields whose name says they hold one.

import { isSecretPath } from "../provisioning/secret-values.js";

/** `scheme://user:password@` -> `scheme://user:***@`, wherever it is in the text. */
export function maskUrlSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, "$1:***@");
}

/** Field names whose values are secrets, whatever they hold. */
const SECRET_FIELD = /pass(word)?$|secret|authorization|token|^api_?key$|^key$/i;

/** A copy of `value` with secrets masked, at any depth (bounded); Errors and non-plain objects are left as they are. */
export function maskSecrets(value: unknown, depth = 0): unknown {
  return mask(value, depth, false);
}

/** Fields holding a secret sealed, or hashed (a hash of a password or key is still not for the audit trail). */
const STORED_SECRET_FIELD = /(sealed|hash)$/i;

/**
 * maskSecrets for what is kept (the audit trail), which must hold no secret in any form: also the
 * values of secret parameters (`{ path|name: "...Password", value }`, as declarations and
 * setParameterValues write them), sealed values (`sealed:...`, `*Sealed` fields) and hashes of secrets (`*Hash` fields).
 */
export function maskStoredSecrets(value: unknown): unknown {
  return mask(value, 0, true);
}

function mask(value: unknown, depth: number, stored: boolean): unknown {
  if (typeof value === "string") return stored && value.startsWith("sealed:") ? "***" : maskUrlSecrets(value);
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => mask(v, depth + 1, stored));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const o = value as Record<string, unknown>;
  const named = o.path ?? o.name;
  const secretParameter = stored && typeof named === "string" && isSecretPath(named);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const secret = SECRET_FIELD.test(k) || (stored && (STORED_SECRET_FIELD.test(k) || (secretParameter && k === "value")));
    out[k] = secret && v !== null && v !== "" ? "***" : mask(v, depth + 1, stored);
  }
  return out;
}
