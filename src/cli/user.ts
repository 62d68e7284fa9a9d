// `provisio user add|passwd|disable|enable|tenant|list`: the web console's users, managed on the database
// directly (like `provisio apikey`), so that the first admin can be made before anyone can log in, and
// an admin locked out can be let in again.

import type { Command } from "commander";
import { API_ROLES } from "../server/api-keys.js";
import { createUser, normalizeUsername, updateUser, UserError, type UserUpdate } from "../server/users.js";
import type { ApiRole, JsonValue, Store, UserRecord } from "../store/types.js";
import { audit, common, parseRole, withStore, type CommonFlags } from "./apikey.js";
import { CliError } from "./cli-store.js";
import { passwordFromStdin, passwordFromTerminal } from "./password-input.js";

interface PasswordFlags extends CommonFlags {
  passwordStdin?: boolean;
}

const when = (d: Date | null) => (d === null ? "-" : d.toISOString().replace(/\.\d{3}Z$/, "Z"));

const json = (u: UserRecord) => ({
  username: u.username, displayName: u.displayName, role: u.role, createdAt: u.createdAt, passwordChangedAt: u.passwordChangedAt, lastLoginAt: u.lastLoginAt, disabledAt: u.disabledAt, tenant: u.tenant,
});
/** The user as the audit trail keeps it: the API's shape (never the password's hash). */
const auditJson = (u: UserRecord) => JSON.parse(JSON.stringify(json(u))) as JsonValue;

function table(users: UserRecord[]): string {
  const rows = [["USERNAME", "NAME", "ROLE", "TENANT", "CREATED", "LAST LOGIN", "DISABLED"], ...users.map((u) => [u.username, u.displayName ?? "-", u.role, u.tenant ?? "-", when(u.createdAt), when(u.lastLoginAt), when(u.disabledAt)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}

function readPassword(flags: PasswordFlags, username: string): Promise<string> {
  return flags.passwordStdin === true ? passwordFromStdin() : passwordFromTerminal(`New password for ${username}`);
}

/** A UserError is a mistake in how the command was run: told in one line. */
async function told<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UserError) throw new CliError(err.message);
    throw err;
  }
}

async function change(username: string, flags: CommonFlags, update: UserUpdate | ((store: Store) => Promise<UserUpdate>), done: string, command: string): Promise<void> {
  const rec = await told(() => withStore(flags, async (store) => {
    const before = await store.users.get(normalizeUsername(username));
    const fields = typeof update === "function" ? await update(store) : update;
    const after = await updateUser(store, username, fields, new Date());
    await audit(store, {
      command, action: "user.update", targetType: "user", targetId: after.username, outcome: 200,
      summary: `changed ${Object.keys(fields).sort().join(", ")}`, before: before === null ? null : auditJson(before), after: auditJson(after),
    });
    return after;
  }));
  process.stdout.write(flags.json ? JSON.stringify(json(rec)) + "\n" : `${done} ${rec.username}.\n`);
}

export function addUserCommand(program: Command): void {
  const user = program.command("user").description("manage the web console's users (on the database directly)");
  const withPassword = (cmd: Command) => common(cmd).option("--password-stdin", "read the password from standard input (else it is asked for on the terminal, not echoed)");

  withPassword(user.command("add"))
    .description("create a user; the password is asked for (at least 12 characters, not the username)")
    .argument("<username>", "letters, digits and . _ @ -, starting with a letter or a digit; any case (stored lowercase)")
    .option("-r, --role <role>", `${API_ROLES.join(", ")} (default: admin for the first user, else required)`, parseRole)
    .option("--display-name <name>", "the name the console shows")
    .option("-t, --tenant <name>", "scope the user to this tenant's devices (provisio tenant list)")
    .addHelpText("after", "\nThe first admin: provisio user add admin --role admin")
    .action(async (username: string, flags: PasswordFlags & { role?: ApiRole; displayName?: string; tenant?: string }) => {
      const name = await told(() => Promise.resolve(normalizeUsername(username)));
      const rec = await told(() => withStore(flags, async (store) => {
        const role = flags.role ?? ((await store.users.count()) === 0 ? "admin" : undefined);
        if (role === undefined) throw new CliError(`--role is required (${API_ROLES.join(", ")}): only the first user is an admin by default`);
        if ((await store.users.get(name)) !== null) throw new UserError("USER_EXISTS", `there is already a user ${name}`, "username");
        // Checked before the password is asked for; createUser checks it again.
        if (flags.tenant !== undefined && (await store.tenants.get(flags.tenant)) === null) throw new CliError(`no tenant ${flags.tenant} (provisio tenant add creates one)`);
        const password = await readPassword(flags, name);
        const created = await createUser(store, { username: name, role, displayName: flags.displayName ?? null, password, now: new Date(), tenant: flags.tenant ?? null });
        const scope = created.tenant === null ? "" : `, tenant ${created.tenant}`;
        await audit(store, { command: "user add", action: "user.create", targetType: "user", targetId: created.username, outcome: 201, summary: `created user ${created.username} (${created.role}${scope})`, after: auditJson(created) });
        return created;
      }));
      process.stdout.write(flags.json ? JSON.stringify(json(rec)) + "\n" : `Created user ${rec.username} (${rec.role}${rec.tenant === null ? "" : `, tenant ${rec.tenant}`}). They log in to the console (the REST API's port, /) with this username and password.\n`);
    });

  withPassword(user.command("passwd"))
    .description("set a user's password (asked for); ends all of the user's console logins")
    .argument("<username>")
    .action((username: string, flags: PasswordFlags) => change(username, flags, async (store) => {
      const name = normalizeUsername(username);
      // Asked only of a user that exists.
      if ((await store.users.get(name)) === null) throw new UserError("USER_NOT_FOUND", `there is no user ${name}`, "username");
      return { password: await readPassword(flags, name) };
    }, "New password set for", "user passwd"));

  common(user.command("disable"))
    .description("disable a user: their console logins end at once and they can no longer log in")
    .argument("<username>")
    .action((username: string, flags: CommonFlags) => change(username, flags, { disabled: true }, "Disabled", "user disable"));

  common(user.command("enable"))
    .description("enable a disabled user again")
    .argument("<username>")
    .action((username: string, flags: CommonFlags) => change(username, flags, { disabled: false }, "Enabled", "user enable"));

  common(user.command("tenant"))
    .description("scope a user to a tenant's devices, or (with --none) to every device; applies to their next request")
    .argument("<username>")
    .argument("[tenant]", "the tenant (provisio tenant list)")
    .option("--none", "make the user unscoped: every device")
    .action((username: string, tenant: string | undefined, flags: CommonFlags & { none?: boolean }) => {
      if ((tenant === undefined) === (flags.none !== true)) throw new CliError("name a tenant, or give --none to make the user unscoped (not both)");
      return change(username, flags, { tenant: tenant ?? null }, tenant === undefined ? "Unscoped" : `Scoped to tenant ${tenant}:`, "user tenant");
    });

  common(user.command("list"))
    .description("list users (disabled ones too)")
    .action(async (flags: CommonFlags) => {
      const users = await withStore(flags, (store) => store.users.list());
      process.stdout.write(flags.json ? JSON.stringify(users.map(json)) + "\n" : users.length === 0 ? "No users. Create the first admin: provisio user add admin --role admin\n" : table(users));
    });
}
