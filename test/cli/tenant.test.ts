// `provisio tenant`, `provisio apikey create --tenant` and `provisio user add --tenant` / `user tenant` on
// the database a running ACS uses: the key and the user made there are scoped at once, and a tenant in
// use cannot be removed.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { backend } from "../support/pg.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { ConsoleClient } from "../nbi/console-client.js";
import { runCli } from "./support.js";

describe("provisio tenant", () => {
  let dir: string;
  let t: ApiAcs;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "provisio-cli-tenant-"));
    const dataDir = join(dir, "data");
    t = await startApiAcs(backend("sqlite"), { dataDir, dbUrl: `sqlite:${join(dataDir, "provisio.db")}` });
    for (const [id, tag] of [["00D09E-HGW-A1", "acme"], ["00D09E-HGW-B1", "globex"]]) {
      await t.acs.store.devices.recordInform({ id: id!, manufacturer: "M", oui: "00D09E", productClass: "HGW", serialNumber: id!, at: new Date(), address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
      await t.acs.store.devices.updateTags(id!, [tag!], []);
    }
  });
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("adds and lists tenants, makes keys scoped to them, and removes only those no key uses", async () => {
    const cli = (...args: string[]) => runCli(args, { cwd: dir });
    const bad = await cli("tenant", "add", "acme", "--filter", "tag =");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^provisio: --filter: /);
    assert.equal((await cli("tenant", "add", "acme", "--filter", 'tag = "acme"', "--description", "Acme Corp")).code, 0);
    assert.match((await cli("tenant", "add", "acme", "--filter", 'tag = "x"')).stderr, /exists already/);
    const listed = await cli("tenant", "list", "--json");
    assert.deepEqual(JSON.parse(listed.stdout).map((x: { name: string; filter: string }) => [x.name, x.filter]), [["acme", 'tag = "acme"']]);

    const unknown = await cli("apikey", "create", "--name", "k", "--role", "admin", "--tenant", "nobody");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no tenant nobody/);
    const made = await cli("apikey", "create", "--name", "k", "--role", "admin", "--tenant", "acme", "--json");
    assert.equal(made.code, 0, made.stderr);
    const key = JSON.parse(made.stdout) as { id: string; key: string; tenant: string };
    assert.equal(key.tenant, "acme");
    const api = t.api.with(key.key);
    assert.deepEqual((await api.get("/api/devices")).body.devices.map((d: { id: string }) => d.id), ["00D09E-HGW-A1"]);
    assert.match((await cli("apikey", "list")).stdout, /\sk\s+admin\s+acme\s/);

    const inUse = await cli("tenant", "remove", "acme");
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /1 API key\(s\) and 0 user\(s\) are scoped to tenant acme/);
    assert.equal((await cli("apikey", "revoke", key.id)).code, 0);

    // A console user scoped by the CLI: checked, shown, moved out, and counted when removing the tenant.
    const user = (args: string[], input?: string) => runCli(args, { cwd: dir, ...(input !== undefined ? { input } : {}) });
    const password = "a long enough password";
    const noTenant = await user(["user", "add", "bob", "--role", "operator", "--tenant", "nobody", "--password-stdin"], `${password}\n`);
    assert.equal(noTenant.code, 2, "a mistake in how the command was run");
    assert.match(noTenant.stderr, /no tenant nobody/);
    const bob = await user(["user", "add", "bob", "--role", "operator", "--tenant", "acme", "--password-stdin", "--json"], `${password}\n`);
    assert.equal(bob.code, 0, bob.stderr);
    assert.equal(JSON.parse(bob.stdout).tenant, "acme");
    assert.match((await cli("user", "list")).stdout, /^bob\s+-\s+operator\s+acme\s/m);
    const browser = new ConsoleClient(t.apiUrl);
    assert.equal((await browser.login("bob", password)).body.principal.tenant, "acme");
    assert.deepEqual((await browser.get("/api/devices")).body.devices.map((d: { id: string }) => d.id), ["00D09E-HGW-A1"]);
    const used = await cli("tenant", "remove", "acme");
    assert.equal(used.code, 1);
    assert.match(used.stderr, /0 API key\(s\) and 1 user\(s\) are scoped to tenant acme/);
    assert.match((await cli("user", "tenant", "bob")).stderr, /name a tenant, or give --none/);
    assert.match((await cli("user", "tenant", "bob", "nobody")).stderr, /no tenant "nobody"/);
    assert.equal((await cli("user", "tenant", "bob", "--none")).code, 0);
    assert.equal((await browser.get("/api/devices")).body.devices.length, 2, "unscoped from its next request");
    assert.equal((await cli("tenant", "remove", "acme")).code, 0);
    assert.equal((await cli("tenant", "list")).stdout, "No tenants.\n");
  });
});
