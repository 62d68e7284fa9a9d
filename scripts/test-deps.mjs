// What the test suite needs from the system besides Node, and getting it on a fresh Debian machine.
//
// `npm test` calls ensureTestDeps() before anything else: on a machine with only Node 20 the suite
// would otherwise fail dozens of tests one by one. Missing packages are installed with apt-get when that
// can be done without a password (root, or sudo -n); otherwise the run stops at once with one message
// naming them and the command that installs them.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { findPgBin } from "./pg-cluster.mjs";

/** Each need: what is looked for, the Debian package that brings it, and why the tests need it. */
export const NEEDS = [
  { what: "xmllint", pkg: "libxml2-utils", why: "validates every envelope against the Broadband Forum schemas" },
  { what: "openssl", pkg: "openssl", why: "makes throwaway certificates for the HTTPS tests" },
  { what: "prosody", pkg: "prosody", why: "the XMPP server of the connection-request tests" },
  { what: "prosodyctl", pkg: "prosody", why: "registers the XMPP test accounts" },
  { what: "mosquitto", pkg: "mosquitto", why: "the MQTT broker of the USP MQTT tests" },
  { what: "mosquitto_passwd", pkg: "mosquitto", why: "writes the MQTT test accounts' password file" },
  { what: "postgres", pkg: "postgresql", why: "a throwaway cluster for the PostgreSQL storage tests" },
  { what: "chromium", pkg: "chromium", why: "the real browser of the web console's end-to-end tests (driven by playwright-core)" },
];

/** Whether an executable `name` is on `path` (a PATH value). */
export function onPath(name, path) {
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // Not in this folder.
    }
  }
  return false;
}

/** Where Debian puts daemons (mosquitto), which a user's PATH often lacks. */
export const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin"];

/** The real machine, as checkTestDeps sees it; tests pass their own. */
export function systemProbe(env = process.env, sbinDirs = SBIN_DIRS) {
  const path = [env.PATH ?? "", ...sbinDirs].join(delimiter);
  return {
    has: (what) => (what === "postgres" ? findPgBin() !== null : onPath(what, path)),
    // An external PostgreSQL server makes the local binaries unnecessary.
    needsPostgres: !env.PROVISIO_TEST_PG_URL,
    isRoot: typeof process.getuid === "function" && process.getuid() === 0,
    sudoWithoutPassword: () => onPath("sudo", env.PATH) && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0,
    hasAptGet: onPath("apt-get", env.PATH),
  };
}

/**
 * What to do: { missing: [package names], action: "none" | "install" | "fail", sudo, message }.
 * Pure over the probe, so that the decision is tested without uninstalling anything.
 */
export function checkTestDeps(probe) {
  const missing = [];
  const reasons = [];
  for (const need of NEEDS) {
    if (need.what === "postgres" && !probe.needsPostgres) continue;
    if (probe.has(need.what)) continue;
    if (!missing.includes(need.pkg)) missing.push(need.pkg);
    reasons.push(`${need.what} (${need.pkg}: ${need.why})`);
  }
  if (missing.length === 0) return { missing, action: "none", sudo: false, message: "" };
  const command = `apt-get install -y ${missing.join(" ")}`;
  if (probe.hasAptGet && (probe.isRoot || probe.sudoWithoutPassword())) {
    return {
      missing,
      action: "install",
      sudo: !probe.isRoot,
      message: `npm test: installing what the tests need: ${missing.join(", ")} (missing: ${reasons.join("; ")})`,
    };
  }
  const how = probe.hasAptGet
    ? `Install them with:\n    sudo apt-get update && sudo ${command}`
    : `Install the equivalent packages of your system (Debian: ${missing.join(" ")}).`;
  return {
    missing,
    action: "fail",
    sudo: false,
    message:
      `npm test: the tests need programs this machine lacks: ${reasons.join("; ")}.\n${how}\n` +
      "(PostgreSQL: or set PROVISIO_TEST_PG_URL to a server where the user may CREATE DATABASE.)",
  };
}

/** Packages whose Debian install starts a system service the tests do not want. */
const SERVICES = ["prosody", "mosquitto"];

/** Runs a command; true when it succeeded. */
function spawnCommand(argv, quiet) {
  const r = spawnSync(argv[0], argv.slice(1), { stdio: quiet ? "ignore" : "inherit" });
  return r.status === 0;
}

/**
 * Checks, installs when allowed; returns true when the suite may run, after saying why not otherwise.
 * `exec(argv, quiet)` runs a command (tests pass their own).
 */
export function ensureTestDeps({ probe = systemProbe(), log = (line) => process.stderr.write(`${line}\n`), exec = spawnCommand } = {}) {
  const plan = checkTestDeps(probe);
  if (plan.action === "none") return true;
  log(plan.message);
  if (plan.action === "fail") return false;
  // sudo clears the environment, so the variable goes through env(1).
  const run = (args, quiet = false) => exec([...(plan.sudo ? ["sudo", "-n"] : []), "env", "DEBIAN_FRONTEND=noninteractive", ...args], quiet);
  if (!run(["apt-get", "update", "-qq"]) || !run(["apt-get", "install", "-y", "-qq", ...plan.missing])) {
    log(`npm test: apt-get could not install ${plan.missing.join(" ")}; install them by hand and run npm test again.`);
    return false;
  }
  // Debian starts a system-wide prosody and mosquitto on install; the tests run their own on free ports.
  for (const service of SERVICES) {
    if (plan.missing.includes(service) && probe.has("systemctl") && run(["systemctl", "disable", "--now", service], true)) {
      log(`npm test: stopped and disabled the system ${service} that Debian started (the tests run their own)`);
    }
  }
  const after = checkTestDeps(probe);
  if (after.action === "none") return true;
  log(`npm test: still missing after the install: ${after.missing.join(" ")}`);
  return false;
}
