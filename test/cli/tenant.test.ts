// `provisio tenant` and `provisio apikey create --tenant` on the database a running ACS uses: the key
// made there is scoped at once, and a tenant in use cannot be removed.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { backend } from "../support/pg.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
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
    assert.match(inUse.stderr, /1 API key\(s\) are scoped to tenant acme/);
    assert.equal((await cli("apikey", "revoke", key.id)).code, 0);
    assert.equal((await cli("tenant", "remove", "acme")).code, 0);
    assert.equal((await cli("tenant", "list")).stdout, "No tenants.\n");
  });
});
