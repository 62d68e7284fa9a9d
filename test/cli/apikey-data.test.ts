// `provisio apikey` run as the docs say: it works on the database the running ACS uses, from anywhere
// in the folder the ACS runs in, and never makes a new empty database unless asked.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { provisioVersion } from "../../src/server/version.js";
import { backend, forEachBackend, queryDirect } from "../support/pg.js";
import { repoRoot } from "../support/paths.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { runCli } from "./support.js";

describe("provisio apikey finds the ACS's database", () => {
  let dir: string;
  let t: ApiAcs;
  before(async () => {
    // The layout `npm start` leaves in the folder it runs in: ./data/provisio.db.
    dir = mkdtempSync(join(tmpdir(), "provisio-cli-"));
    const dataDir = join(dir, "data");
    t = await startApiAcs(backend("sqlite"), { dataDir, dbUrl: `sqlite:${join(dataDir, "provisio.db")}` });
  });
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("from the ACS's folder and from a folder below it, with a key the running ACS accepts", async () => {
    const here = await runCli(["apikey", "create", "--name", "here", "--role", "operator", "--json"], { cwd: dir });
    assert.equal(here.code, 0, here.stderr);
    assert.equal((await t.api.with(JSON.parse(here.stdout).key).get("/api/whoami")).body.role, "operator");

    const below = join(dir, "docs", "notes");
    mkdirSync(below, { recursive: true });
    const created = await runCli(["apikey", "create", "--name", "below", "--role", "read-only", "--json"], { cwd: below });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, new RegExp(`using the ACS's database ${join(dir, "data", "provisio.db")}`));
    assert.equal((await t.api.with(JSON.parse(created.stdout).key).get("/api/whoami")).body.role, "read-only");
    assert.equal(existsSync(join(below, "data")), false, "no database was made where the command ran");
  });

  it("refuses, saying what to do, where there is no database, and creates one only with --new-database", async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "provisio-cli-none-"));
    try {
      const refused = await runCli(["apikey", "create", "--name", "x", "--role", "admin"], { cwd: elsewhere });
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /^provisio: no Provisio database at .*provisio\.db.*--new-database/s);
      assert.equal(refused.stderr.includes("    at "), false, "no stack trace");
      assert.equal(existsSync(join(elsewhere, "data")), false);

      const named = await runCli(["apikey", "list", "--data-dir", "acs-data"], { cwd: elsewhere });
      assert.equal(named.code, 2);
      assert.match(named.stderr, /no Provisio database at .*acs-data\/provisio\.db\. /);
      assert.equal(existsSync(join(elsewhere, "acs-data")), false);

      const made = await runCli(["apikey", "create", "--name", "x", "--role", "admin", "--new-database"], { cwd: elsewhere });
      assert.equal(made.code, 0, made.stderr);
      assert.equal(existsSync(join(elsewhere, "data", "provisio.db")), true);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("npx provisio, as the banner and the docs print it, runs this checkout's CLI", async () => {
    const r = await runCli(["--no", "--", "provisio", "--version"], { cwd: repoRoot, command: ["npx"] });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), provisioVersion());
  });
});

forEachBackend((b) => {
  if (b.name !== "postgres") return;
  describe("provisio apikey on PostgreSQL", () => {
    it("refuses a database without Provisio's tables, and creates them only with --new-database", async () => {
      const db = await b.freshUrl();
      const refused = await runCli(["apikey", "list", "--db", db], { cwd: repoRoot });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /has no Provisio tables: is it the one the ACS uses\? --new-database creates them/);
      assert.deepEqual(await queryDirect(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"), []);
      const made = await runCli(["apikey", "create", "--name", "x", "--role", "admin", "--db", db, "--new-database"], { cwd: repoRoot });
      assert.equal(made.code, 0, made.stderr);
      const listed = await runCli(["apikey", "list", "--db", db], { cwd: repoRoot });
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /\sx\s+admin\s/);
    });
  });
});
