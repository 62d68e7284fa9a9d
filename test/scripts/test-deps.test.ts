// npm test's check of the programs the suite needs (scripts/test-deps.mjs), on faked machines: this one
// has them all, and uninstalling them to test the other path is not an option.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import type * as Deps from "../../scripts/test-deps.mjs";
import type { Probe } from "../../scripts/test-deps.mjs";
import { repoRoot } from "../support/paths.js";

// Loaded from the checkout: dist/ has no copy of scripts/.
const deps = (await import(pathToFileURL(resolve(repoRoot, "scripts/test-deps.mjs")).href)) as typeof Deps;

function probe(missing: string[], over: Partial<Probe> = {}): Probe {
  return { has: (what) => !missing.includes(what), needsPostgres: true, isRoot: false, sudoWithoutPassword: () => false, hasAptGet: true, ...over };
}

test("a machine with everything needs nothing", () => {
  assert.deepEqual(deps.checkTestDeps(probe([])), { missing: [], action: "none", sudo: false, message: "" });
});

test("missing programs are installed with apt-get as root, each package once", () => {
  const plan = deps.checkTestDeps(probe(["xmllint", "prosody", "prosodyctl", "postgres"], { isRoot: true }));
  assert.equal(plan.action, "install");
  assert.equal(plan.sudo, false);
  assert.deepEqual(plan.missing, ["libxml2-utils", "prosody", "postgresql"]);
  assert.match(plan.message, /installing .*libxml2-utils, prosody, postgresql/);
});

test("with sudo that asks no password, through sudo", () => {
  const plan = deps.checkTestDeps(probe(["openssl"], { sudoWithoutPassword: () => true }));
  assert.equal(plan.action, "install");
  assert.equal(plan.sudo, true);
  assert.deepEqual(plan.missing, ["openssl"]);
});

test("without the right to install, one message names the packages and the command", () => {
  const plan = deps.checkTestDeps(probe(["xmllint", "postgres"]));
  assert.equal(plan.action, "fail");
  assert.match(plan.message, /xmllint \(libxml2-utils/);
  assert.match(plan.message, /sudo apt-get update && sudo apt-get install -y libxml2-utils postgresql/);
  assert.match(plan.message, /PROVISIO_TEST_PG_URL/);
});

test("without apt-get, it fails naming the Debian packages", () => {
  const plan = deps.checkTestDeps(probe(["prosody"], { isRoot: true, hasAptGet: false }));
  assert.equal(plan.action, "fail");
  assert.match(plan.message, /Debian: prosody/);
  assert.doesNotMatch(plan.message, /apt-get install/);
});

test("an external PostgreSQL (PROVISIO_TEST_PG_URL) makes the server binaries unnecessary", () => {
  assert.equal(deps.checkTestDeps(probe(["postgres"], { needsPostgres: false })).action, "none");
});

test("ensureTestDeps stops at once, with one message, when it may not install", () => {
  const lines: string[] = [];
  assert.equal(deps.ensureTestDeps({ probe: probe(["xmllint"]), log: (l) => lines.push(l) }), false);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /libxml2-utils/);
});

test("ensureTestDeps installs what is missing with apt-get, stops Debian's prosody, and checks again", () => {
  const missing = new Set(["prosody", "prosodyctl", "xmllint"]);
  const ran: string[][] = [];
  const lines: string[] = [];
  const exec = (argv: string[]) => {
    ran.push(argv);
    if (argv.includes("install")) for (const what of ["prosody", "prosodyctl", "xmllint"]) missing.delete(what);
    return true;
  };
  const ok = deps.ensureTestDeps({ probe: probe([], { has: (w) => !missing.has(w), sudoWithoutPassword: () => true }), log: (l) => lines.push(l), exec });
  assert.equal(ok, true);
  const env = ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"];
  assert.deepEqual(ran, [
    [...env, "apt-get", "update", "-qq"],
    [...env, "apt-get", "install", "-y", "-qq", "libxml2-utils", "prosody"],
    [...env, "systemctl", "disable", "--now", "prosody"],
  ]);
  assert.match(lines.join("\n"), /installing what the tests need: libxml2-utils, prosody/);
});

test("ensureTestDeps stops Debian's mosquitto too, after installing it", () => {
  const missing = new Set(["mosquitto", "mosquitto_passwd"]);
  const ran: string[][] = [];
  const lines: string[] = [];
  const exec = (argv: string[]) => {
    ran.push(argv);
    if (argv.includes("install")) missing.clear();
    return true;
  };
  assert.equal(deps.ensureTestDeps({ probe: probe([], { has: (w) => !missing.has(w), isRoot: true }), log: (l) => lines.push(l), exec }), true);
  const env = ["env", "DEBIAN_FRONTEND=noninteractive"];
  assert.deepEqual(ran, [
    [...env, "apt-get", "update", "-qq"],
    [...env, "apt-get", "install", "-y", "-qq", "mosquitto"],
    [...env, "systemctl", "disable", "--now", "mosquitto"],
  ]);
  assert.match(lines.join("\n"), /stopped and disabled the system mosquitto/);
});

test("the system probe also looks in the sbin folders, where Debian puts mosquitto", () => {
  const sbin = mkdtempSync(join(tmpdir(), "provisio-sbin-"));
  try {
    writeFileSync(join(sbin, "mosquitto"), "#!/bin/sh\n");
    chmodSync(join(sbin, "mosquitto"), 0o755);
    assert.equal(deps.systemProbe({ PATH: "" }, [sbin]).has("mosquitto"), true);
    assert.equal(deps.systemProbe({ PATH: "" }, []).has("mosquitto"), false);
  } finally {
    rmSync(sbin, { recursive: true, force: true });
  }
});

test("ensureTestDeps fails, saying so, when apt-get fails or leaves something missing", () => {
  const lines: string[] = [];
  assert.equal(deps.ensureTestDeps({ probe: probe(["openssl"], { isRoot: true }), log: (l) => lines.push(l), exec: () => false }), false);
  assert.match(lines.at(-1)!, /could not install openssl/);
  lines.length = 0;
  assert.equal(deps.ensureTestDeps({ probe: probe(["openssl"], { isRoot: true }), log: (l) => lines.push(l), exec: () => true }), false);
  assert.match(lines.at(-1)!, /still missing after the install: openssl/);
});

test("the system probe looks programs up on PATH (a PATH without them finds none)", () => {
  const dir = mkdtempSync(join(tmpdir(), "provisio-deps-"));
  try {
    writeFileSync(join(dir, "xmllint"), "#!/bin/sh\n");
    chmodSync(join(dir, "xmllint"), 0o755);
    writeFileSync(join(dir, "prosody"), "not executable\n");
    const p = deps.systemProbe({ PATH: dir, PROVISIO_TEST_PG_URL: "postgres://x@127.0.0.1/db" }, []);
    assert.equal(p.has("xmllint"), true);
    assert.equal(p.has("prosody"), false);
    assert.equal(p.hasAptGet, false);
    assert.equal(p.sudoWithoutPassword(), false);
    const plan = deps.checkTestDeps(p);
    assert.equal(plan.action, "fail");
    assert.deepEqual(plan.missing, ["openssl", "prosody", "mosquitto", "chromium"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
