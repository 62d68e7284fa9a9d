// The running configuration as the REST API shows it (GET /api/config): every secret masked. Secrets are
// named here, and also recognized by name (any key saying password, secret or token), so that a key
// added to the schema later is masked even if nobody adds it to this list; passwords inside URLs (the
// database's) are masked wherever they appear.

import { maskUrlSecrets } from "../server/redact.js";
import type { Config } from "./schema.js";

export const MASK = "***";

/** Dotted keys of schema.ts holding secrets. */
export const SECRET_KEYS: readonly string[] = ["cwmp.bootstrapPassword", "secretsKey", "connectionRequests.password", "xmpp.password"];

const SECRET_NAME = /password|passphrase|secret|token|credential|apikey/i;

/** `password=...` and the like in a URL's query (libpq accepts it there). */
function maskQuerySecrets(text: string): string {
  return text.replace(/([?&](?:password|pass|secret|token|sslpassword)=)[^&\s]*/gi, `$1${MASK}`);
}

function mask(value: unknown, key: string, depth: number): unknown {
  if (typeof value === "string") {
    const leaf = key.slice(key.lastIndexOf(".") + 1);
    if (value !== "" && (SECRET_KEYS.includes(key) || SECRET_NAME.test(leaf))) return MASK;
    return maskQuerySecrets(maskUrlSecrets(value));
  }
  if (value === null || typeof value !== "object" || depth > 10) return value;
  if (Array.isArray(value)) return value.map((v) => mask(v, key, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = mask(v, key === "" ? k : `${key}.${k}`, depth + 1);
  return out;
}

/** A copy of the configuration with every secret replaced by "***" (empty ones, which mean "generated", stay empty). */
export function maskedConfig(config: Config): Record<string, unknown> {
  return mask(config, "", 0) as Record<string, unknown>;
}
