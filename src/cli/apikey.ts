// `provisio apikey create|list|revoke`: API keys of the REST API, managed on the database directly
// (with the configuration `serve` uses), so that they work with the ACS stopped, and to recover when
// no admin key is left.
import { InvalidArgumentError, type Command } from "commander";
import { API_ROLES, createApiKey } from "../server/api-keys.js";
import { recordCliChange, type CliChange } from "../server/audit.js";
import type { ApiKeyRecord, ApiRole, Store } from "../store/types.js";
import { openCliStore } from "./cli-store.js";
import { collectSet, configFrom } from "./config-sources.js";

export interface CommonFlags {
  config?: string;
  set?: string[];
  db?: string;
  dataDir?: string;
  json?: boolean;
  newDatabase?: boolean;
}

export function common(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "JSON configuration file (also PROVISIO_CONFIG)")
    .option("--db <url>", "database: sqlite:PATH or postgres://user:pass@host/db (default: SQLite in the data folder)")
    .option("--data-dir <dir>", "the ACS's data folder (default ./data, here or in a folder above)")
    .option("--set <key=value>", "any setting by its key (repeatable)", collectSet)
    .option("--json", "print JSON")
    .option("--new-database", "create the database when there is none (by default a missing database is an error)");
}

export async function withStore<T>(flags: CommonFlags, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = configFrom(flags, { db: flags.db, dataDir: flags.dataDir });
  const { store, foundAbove } = await openCliStore(config, { allowNew: flags.newDatabase === true });
  if (foundAbove !== null) process.stderr.write(`provisio: using the ACS's database ${foundAbove}\n`);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function parseRole(value: string): ApiRole {
  if (!(API_ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`the role is one of ${API_ROLES.join(", ")}`);
  return value as ApiRole;
}

export const when = (d: Date | null) => (d === null ? "-" : d.toISOString().replace(/\.\d{3}Z$/, "Z"));

/** Rows as aligned columns, the first row the header. */
export function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}

function table(keys: ApiKeyRecord[]): string {
  return columns([["ID", "NAME", "ROLE", "TENANT", "CREATED", "LAST USED", "REVOKED"], ...keys.map((k) => [k.id, k.name, k.role, k.tenant ?? "-", when(k.createdAt), when(k.lastUsedAt), when(k.revokedAt)])]);
}

/**
 * Records a change in the audit trail. The change is made already: when its entry cannot be written,
 * the command says so and fails, but the change stays.
 */
export async function audit(store: Store, change: CliChange): Promise<void> {
  try {
    await recordCliChange(store, change);
  } catch (err) {
    process.stderr.write(`provisio: AUDIT ENTRY NOT WRITTEN for ${change.command} (${change.action} ${change.targetId ?? ""}): ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

const json = (k: ApiKeyRecord) => ({ id: k.id, name: k.name, role: k.role, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null, tenant: k.tenant });

export function addApiKeyCommand(program: Command): void {
  const apikey = program.command("apikey").description("manage the REST API's keys (on the database directly; creations and revocations go to the audit trail)");

  common(apikey.command("create"))
    .description("create an API key and print it (the only time it is shown)")
    .requiredOption("-n, --name <name>", "what the key is for")
    .requiredOption("-r, --role <role>", `${API_ROLES.join(", ")}`, parseRole)
    .option("-t, --tenant <name>", "scope the key to this tenant's devices (provisio tenant list)")
    .action(async (flags: CommonFlags & { name: string; role: ApiRole; tenant?: string }) => {
      const created = await withStore(flags, async (store) => {
        if (flags.tenant !== undefined && (await store.tenants.get(flags.tenant)) === null) return null;
        const made = await createApiKey(store, { name: flags.name, role: flags.role, now: new Date(), tenant: flags.tenant ?? null });
        await audit(store, { command: "apikey create", action: "apiKey.create", targetType: "apiKey", targetId: made.record.id, outcome: 201, summary: `created API key ${JSON.stringify(flags.name)} (${flags.role}${flags.tenant !== undefined ? `, tenant ${flags.tenant}` : ""})`, after: json(made.record) });
        return made;
      });
      if (created === null) {
        process.stderr.write(`provisio: no tenant ${flags.tenant} (provisio tenant add creates one)\n`);
        process.exitCode = 1;
        return;
      }
      const { record, key } = created;
      if (flags.json) process.stdout.write(JSON.stringify({ ...json(record), key }) + "\n");
      else process.stdout.write(`Created API key ${record.id} (${record.name}, ${record.role}${record.tenant !== null ? `, tenant ${record.tenant}` : ""}). It is shown only now:\n\n    ${key}\n\nSend it as: Authorization: Bearer ${key}\n`);
    });

  common(apikey.command("list"))
    .description("list API keys (revoked ones too)")
    .action(async (flags: CommonFlags) => {
      const keys = await withStore(flags, (store) => store.apiKeys.list());
      process.stdout.write(flags.json ? JSON.stringify(keys.map(json)) + "\n" : keys.length === 0 ? "No API keys.\n" : table(keys));
    });

  common(apikey.command("revoke"))
    .description("revoke an API key (it stops working at once, in every ACS process)")
    .argument("<id>", "the key's id (provisio apikey list)")
    .action(async (id: string, flags: CommonFlags) => {
      const rec = await withStore(flags, async (store) => {
        const before = await store.apiKeys.get(id);
        const revoked = await store.apiKeys.revoke(id, new Date());
        await audit(store, {
          command: "apikey revoke", action: "apiKey.revoke", targetType: "apiKey", targetId: id, outcome: revoked === null ? 404 : 200,
          summary: revoked === null ? `refused (404): no API key ${id}` : `revoked API key ${id} (${revoked.name})`,
          before: before === null ? null : json(before), after: revoked === null ? null : json(revoked),
        });
        return revoked;
      });
      if (rec === null) {
        process.stderr.write(`provisio: no API key ${id}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(flags.json ? JSON.stringify(json(rec)) + "\n" : `Revoked API key ${rec.id} (${rec.name}).\n`);
    });
}
