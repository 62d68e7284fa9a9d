// `provisio user` run as a user does, in its own process, on the database of a running ACS: what it
// creates and changes is what the ACS's login then accepts, refuses or ends. Passwords come from
// standard input or from a terminal (a real pseudo-terminal, through script(1)), never from arguments.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { forEachBackend } from "../support/pg.js";
import { repoRoot } from "../support/paths.js";
import { ConsoleClient, refused } from "../nbi/console-client.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { binPath, runCli } from "./support.js";

const PASSWORD = "first admin password";

/** Runs the CLI on a pseudo-terminal, typing `answers` at each prompt; resolves to what the terminal showed. */
function runOnTerminal(args: string[], answers: string[]): Promise<{ code: number | null; screen: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, "--no-node-snapshot", binPath, ...args].map(quote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    let prompts = 0;
    child.stdout.on("data", (d: Buffer) => {
      screen += d.toString();
      // Typed only once the prompt shows: the CLI has turned echo off by then.
      const seen = (screen.match(/New password for [^:]+: |Again: /g) ?? []).length;
      while (prompts < seen && prompts < answers.length) child.stdin.write(`${answers[prompts++]}\r`);
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      child.stdin.end();
      resolve({ code, screen });
    });
  });
}

forEachBackend((backend) => {
  describe("provisio user", () => {
    let t: ApiAcs;
    const cli = (args: string[], input?: string) => runCli([...args, "--db", t.dbUrl], { cwd: repoRoot, ...(input !== undefined ? { input } : {}) });
    const login = (username: string, password: string) => new ConsoleClient(t.apiUrl).login(username, password);
    before(async () => {
      t = await startApiAcs(backend);
    });
    after(() => t.stop());

    it("says how to make the first admin, makes the first user an admin by default, and the ACS lets them in", async () => {
      const empty = await cli(["user", "list"]);
      assert.equal(empty.code, 0, empty.stderr);
      assert.match(empty.stdout, /No users\. Create the first admin: provisio user add admin --role admin/);
      const added = await cli(["user", "add", "Admin", "--password-stdin", "--json"], `${PASSWORD}\n`);
      assert.equal(added.code, 0, added.stderr);
      assert.deepEqual([JSON.parse(added.stdout).username, JSON.parse(added.stdout).role], ["admin", "admin"]);
      const res = await login("admin", PASSWORD);
      assert.equal(res.status, 200);
      assert.equal(res.body.principal.role, "admin");
    });

    it("needs --role past the first user, refuses a weak password, a taken name, and a password as an argument", async () => {
      const noRole = await cli(["user", "add", "bob", "--password-stdin"], "a long enough password\n");
      assert.equal(noRole.code, 2);
      assert.match(noRole.stderr, /^provisio: --role is required/);
      const weak = await cli(["user", "add", "bob", "--role", "operator", "--password-stdin"], "bob\n");
      assert.equal(weak.code, 2);
      assert.match(weak.stderr, /^provisio: a password has at least 12 characters/);
      const same = await cli(["user", "add", "bob.the.builder", "--role", "operator", "--password-stdin"], "Bob.The.Builder\n");
      assert.match(same.stderr, /may not be the username/);
      const taken = await cli(["user", "add", "ADMIN", "--role", "operator", "--password-stdin"], "a long enough password\n");
      assert.equal(taken.code, 2);
      assert.match(taken.stderr, /already a user admin/);
      const asArgument = await cli(["user", "add", "bob", "--role", "operator", "--password", "a long enough password"]);
      assert.notEqual(asArgument.code, 0);
      assert.match(asArgument.stderr, /unknown option '--password'/);
      const noTerminal = await cli(["user", "add", "bob", "--role", "operator"]);
      assert.equal(noTerminal.code, 2);
      assert.match(noTerminal.stderr, /no terminal to ask the password on: give it on standard input with --password-stdin/);
      assert.equal(await t.acs.store.users.get("bob"), null);
      assert.equal(await t.acs.store.users.get("bob.the.builder"), null);
      for (const r of [noRole, weak, taken]) assert.equal(r.stderr.includes("    at "), false, "no stack trace");
    });

    it("asks for the password on a terminal without echoing it, twice", async () => {
      const typed = "typed at the terminal";
      const run = await runOnTerminal(["user", "add", "terry", "--role", "read-only", "--db", t.dbUrl], [typed, typed]);
      assert.equal(run.code, 0, run.screen);
      assert.match(run.screen, /New password for terry: .*Again: .*Created user terry \(read-only\)/s);
      assert.equal(run.screen.includes(typed), false, "the password was not echoed");
      assert.equal((await login("terry", typed)).status, 200);
      const differ = await runOnTerminal(["user", "passwd", "terry", "--db", t.dbUrl], ["one long password", "another long password"]);
      assert.equal(differ.code, 2);
      assert.match(differ.screen, /the two passwords differ; nothing was changed/);
      assert.equal((await login("terry", typed)).status, 200);
    });

    it("passwd ends the user's logins; disable ends them and refuses new ones; enable lets them in again; list shows it all", async () => {
      const c = new ConsoleClient(t.apiUrl);
      assert.equal((await c.login("admin", PASSWORD)).status, 200);
      const changed = await cli(["user", "passwd", "admin", "--password-stdin"], "second admin password\n");
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stdout, /New password set for admin\./);
      assert.ok(refused(await c.get("/api/session"), 401, "AUTH_SESSION_INVALID"));
      assert.ok(refused(await login("admin", PASSWORD), 401, "LOGIN_FAILED"));
      assert.equal((await c.login("admin", "second admin password")).status, 200);

      const disabled = await cli(["user", "disable", "admin"]);
      assert.equal(disabled.code, 0, disabled.stderr);
      assert.ok(refused(await c.get("/api/session"), 401, "AUTH_SESSION_INVALID"));
      assert.ok(refused(await login("admin", "second admin password"), 401, "LOGIN_FAILED"));
      const listed = await cli(["user", "list"]);
      assert.match(listed.stdout, /^USERNAME\s+NAME\s+ROLE\s+TENANT\s+CREATED\s+LAST LOGIN\s+DISABLED\nadmin\s+-\s+admin\s+-\s+\S+Z\s+\S+Z\s+\S+Z\n/);
      assert.equal((await cli(["user", "enable", "admin"])).code, 0);
      assert.equal((await login("admin", "second admin password")).status, 200);
      const json = await cli(["user", "list", "--json"]);
      const users = JSON.parse(json.stdout) as Record<string, unknown>[];
      assert.deepEqual(users.map((u) => [u.username, u.disabledAt]), [["admin", null], ["terry", null]]);
      assert.equal(json.stdout.includes("scrypt"), false, "no password hash");
      const missing = await cli(["user", "disable", "nobody"]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /^provisio: there is no user nobody/);
    });

    it("documents each command in --help", async () => {
      const help = await cli(["user", "--help"]);
      for (const c of ["add", "passwd", "disable", "enable", "tenant", "list"]) assert.match(help.stdout, new RegExp(`\\n  ${c} `));
      const add = await runCli(["user", "add", "--help"], { cwd: repoRoot });
      assert.match(add.stdout, /--password-stdin/);
      assert.match(add.stdout, /provisio user add admin --role admin/);
    });
  });
});
