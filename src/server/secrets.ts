// Secrets Provisio must use in clear later, so cannot hash: devices' connection-request passwords (to
// answer their Digest challenges, sign UDP requests, and go in XMPP requests), webhook signing secrets
// and the secrets in task arguments (task-secrets.ts). They are stored sealed with AES-256-GCM: a copy
// of the database alone (a dump, a backup, a replica) does not give them away. The key is not in the database: it comes from the configuration
// (`secretsKey`), or is generated at first start and kept in <dataDir>/secrets.key, readable only by the
// ACS's user, like the bootstrap credentials.
//
// The trade-off: whoever can read both the key file and the database can unseal the secrets, as the
// ACS itself must be able to; and losing the key loses the secrets (devices then need new credentials).
// Several machines sharing one PostgreSQL database must be given the same key: the store remembers the
// key's id, and a process with another key refuses to start rather than fail to unseal later.

import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { ConfigError } from "../config/index.js";
import type { Store } from "../store/types.js";
import { createOnce } from "./data-files.js";

export class SecretError extends Error {
  constructor(readonly code: "SECRET_UNREADABLE", message: string) {
    super(message);
    this.name = "SecretError";
  }
}

const VERSION = "v1";

export class SecretBox {
  /** Names the key without revealing it (stored with the data it seals). */
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new ConfigError([`secretsKey must be 32 bytes in base64 (got ${key.length} bytes)`]);
    this.keyId = createHash("sha256").update("provisio secrets key id\0").update(key).digest("hex").slice(0, 16);
  }

  /**
   * Seals `plain`. `context` (e.g. "connreq:<device id>") is authenticated with it: a sealed value moved
   * to another row does not open there.
   */
  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return [VERSION, this.keyId, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
  }

  open(sealed: string, context: string): string {
    const [version, keyId, iv, tag, body] = sealed.split(".");
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) throw new SecretError("SECRET_UNREADABLE", "not a sealed secret");
    if (keyId !== this.keyId) throw new SecretError("SECRET_UNREADABLE", `sealed with another key (${keyId}); this process has key ${this.keyId}`);
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new SecretError("SECRET_UNREADABLE", "the sealed secret does not open (altered, or sealed for another record)");
    }
  }
}

export interface LoadedSecrets {
  box: SecretBox;
  /** The key file, when the key was generated (null when configured). */
  file: string | null;
  generatedNow: boolean;
}

/** The secrets key from the configuration or the data folder (generated when absent), checked against the store. */
export async function loadSecrets(opts: { configuredKey: string; dataDir: string; store: Store }): Promise<LoadedSecrets> {
  let key: Buffer;
  let file: string | null = null;
  let generatedNow = false;
  if (opts.configuredKey !== "") {
    key = Buffer.from(opts.configuredKey.trim(), "base64");
  } else {
    file = join(opts.dataDir, "secrets.key");
    // Of several processes starting at once on one data folder, one creates it and all use it.
    const written = createOnce(file, randomBytes(32).toString("base64") + "\n");
    key = Buffer.from(written.content.trim(), "base64");
    generatedNow = written.created;
  }
  const box = new SecretBox(key);
  const stored = String(await opts.store.settings.setIfAbsent("secrets.keyId", box.keyId));
  if (stored !== box.keyId) {
    throw new ConfigError([
      `this database's secrets were sealed with another key (id ${stored}); this process has key ${box.keyId}` +
        (file ? ` (from ${file})` : " (from secretsKey)") + ": give every ACS process the same secretsKey",
    ]);
  }
  return { box, file, generatedNow };
}
