// The database URL's password (and other secrets) appear nowhere the ACS or its CLI prints: the banner,
// the log in either format, the messages of errors.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createLogger, type LogFormat } from "../../src/server/logger.js";
import { startAcsProcess } from "../support/acs-process.js";
import { forEachBackend } from "../support/pg.js";
import { runCli } from "./support.js";

const PASSWORD = "Sw0rdfish-never-shown";

function withPassword(url: string): string {
  const u = new URL(url);
  u.password = PASSWORD;
  return u.toString();
}

describe("secrets in the log", () => {
  for (const format of ["json", "pretty"] as LogFormat[]) {
    it(`are masked in the ${format} format, wherever they are in an entry`, () => {
      const out: string[] = [];
      const log = createLogger("debug", { format, out: { write: (l: string) => out.push(l) } });
      const url = `postgres://provisio:${PASSWORD}@db.example:5432/provisio`;
      log.info({ db: url, config: { db: url, secretsKey: PASSWORD, nested: [{ password: PASSWORD }] } }, `opening ${url}`);
      log.error({ err: new Error(`could not connect to ${url}`) }, "failed");
      log.warn({ err: `connect to ${url} refused`, authorization: `Basic ${PASSWORD}` }, "refused");
      const text = out.join("");
      assert.equal(text.includes(PASSWORD), false, text);
      assert.match(text, /postgres:\/\/provisio:\*\*\*@db\.example:5432\/provisio/);
      assert.equal(out.length, 3);
    });
  }
});

describe("secrets in what the CLI prints", () => {
  it("an error naming the database shows no password, and no stack", async () => {
    const dir = mkdtempSync(join(tmpdir(), "provisio-mask-"));
    try {
      for (const args of [["serve", "--port", "0", "--api-port", "0", "--set", "files.port=0"], ["apikey", "list"]]) {
        const r = await runCli([...args, "--data-dir", dir, "--db", `postgres://provisio:${PASSWORD}@127.0.0.1:1/provisio`], { cwd: dir });
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^provisio: .*ECONNREFUSED/);
        assert.equal(`${r.stdout}${r.stderr}`.includes(PASSWORD), false, r.stderr);
        assert.equal(r.stderr.includes("    at "), false, r.stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

forEachBackend((backend) => {
  if (backend.name !== "postgres") return;
  describe("secrets in the banner and the log of a running ACS", () => {
    it("prints the PostgreSQL URL without its password, and logs it nowhere", async () => {
      const dir = mkdtempSync(join(tmpdir(), "provisio-mask-"));
      const db = withPassword(await backend.freshUrl());
      const acs = await startAcsProcess(["--db", db, "--data-dir", dir, "--api-port", "0"]);
      try {
        const listed = await runCli(["apikey", "list", "--db", db], { cwd: dir });
        assert.equal(listed.code, 0, listed.stderr);
        await acs.stop();
        const printed = acs.output() + listed.stdout + listed.stderr;
        assert.match(printed, /Database: postgres:\/\/provisio:\*\*\*@127\.0\.0\.1:/);
        assert.equal(printed.includes(PASSWORD), false, printed);
      } finally {
        await acs.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
