// Secrets out of whatever is printed or logged: passwords in URLs (a PostgreSQL URL's, an ACS URL's)
// and the values of fields whose name says they hold one.

/** `scheme://user:password@` -> `scheme://user:***@`, wherever it is in the text. */
export function maskUrlSecrets(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, "$1:***@");
}

/** Field names whose values are secrets, whatever they hold. */
const SECRET_FIELD = /pass(word)?$|secret|authorization|token|^api_?key$|^key$/i;

/** A copy of `value` with secrets masked, at any depth (bounded); Errors and non-plain objects are left as they are. */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return maskUrlSecrets(value);
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) && v !== null && v !== "" ? "***" : maskSecrets(v, depth + 1);
  return out;
}
