// Secret parameters (passwords, passphrases, pre-shared keys) are never stored in clear. The ACS keeps a
// SHA-256 of a secret it set ("sha256:<hex>"), which is enough to tell whether a declared secret is
// already in place without keeping the secret itself.

import { createHash } from "node:crypto";

/** The endings of a secret parameter's name. */
export const SECRET_NAME = /(Password|Passphrase|PreSharedKey|PSK|Secret|WEPKey\d?)$/;

export function isSecretPath(path: string): boolean {
  const name = path.slice(path.lastIndexOf(".") + 1);
  return SECRET_NAME.test(name);
}

export const SECRET_DIGEST_PREFIX = "sha256:";

export function secretDigest(value: string): string {
  return SECRET_DIGEST_PREFIX + createHash("sha256").update(value, "utf8").digest("hex");
}

/** What the store keeps for a secret's value: nothing for an empty one, else its digest. */
export function storedSecret(value: string): string {
  return value === "" || value.startsWith(SECRET_DIGEST_PREFIX) ? value : secretDigest(value);
}
