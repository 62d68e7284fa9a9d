// `provisio tenant add|list|remove`: the tenants API keys and console users may be scoped to (docs/api.md, Tenants), on
// the database directly, as `provisio apikey` does, so that the first scoped keys can be made with the
// ACS stopped.
import type { Command } from "commander";
import { FilterError, parse } from "../query/index.js";
import type { TenantRecord } from "../store/types.js";
import { columns, common, when, withStore, type CommonFlags } from "./apikey.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const json = (t: TenantRecord) => ({ name: t.name, filter: t.filter, description: t.description, createdAt: t.createdAt, updatedAt: t.updatedAt });

function fail(message: string): void {
  process.stderr.write(`provisio: ${message}\n`);
  process.exitCode = 1;
}

export function addTenantCommand(program: Command): void {
  const tenant = program.command("tenant").description("manage tenants: device filters API keys and console users may be scoped to (on the database directly)");

  common(tenant.command("add"))
    .description("create a tenant")
    .argument("<name>", "letters, digits, '.', '_' and '-'")
    .requiredOption("-f, --filter <filter>", "the tenant's devices (docs/filters.md), e.g. 'tag = \"acme\"'")
    .option("-d, --description <text>", "what the tenant is", "")
    .action(async (name: string, flags: CommonFlags & { filter: string; description: string }) => {
      if (!NAME.test(name)) return fail(`a tenant's name is letters, digits, '.', '_' and '-' (at most 64), not ${JSON.stringify(name)}`);
      try {
        parse(flags.filter);
      } catch (err) {
        if (err instanceof FilterError) return fail(`--filter: ${err.message}`);
        throw err;
      }
      const now = new Date();
      const t: TenantRecord = { name, filter: flags.filter, description: flags.description, createdAt: now, updatedAt: now };
      if (!(await withStore(flags, (store) => store.tenants.create(t)))) return fail(`a tenant ${name} exists already`);
      process.stdout.write(flags.json ? JSON.stringify(json(t)) + "\n" : `Created tenant ${name}: ${flags.filter}\n`);
    });

  common(tenant.command("list"))
    .description("list tenants")
    .action(async (flags: CommonFlags) => {
      const list = await withStore(flags, (store) => store.tenants.list());
      if (flags.json) process.stdout.write(JSON.stringify(list.map(json)) + "\n");
      else process.stdout.write(list.length === 0 ? "No tenants.\n" : columns([["NAME", "FILTER", "DESCRIPTION", "UPDATED"], ...list.map((t) => [t.name, t.filter, t.description, when(t.updatedAt)])]));
    });

  common(tenant.command("remove"))
    .description("delete a tenant no API key (not revoked) and no user is scoped to")
    .argument("<name>", "the tenant")
    .action(async (name: string, flags: CommonFlags) => {
      const outcome = await withStore(flags, (store) => store.transaction(async (tx) => {
        const keys = await tx.apiKeys.countOfTenant(name);
        const users = await tx.users.countOfTenant(name);
        if (keys > 0 || users > 0) return `${keys} API key(s) and ${users} user(s) are scoped to tenant ${name}; revoke the keys and move or delete the users first (provisio apikey list, provisio user list)`;
        return (await tx.tenants.delete(name)) ? null : `no tenant ${name}`;
      }));
      if (outcome !== null) return fail(outcome);
      process.stdout.write(flags.json ? JSON.stringify({ name }) + "\n" : `Removed tenant ${name}.\n`);
    });
}
