import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, configKeys, loadConfig } from "../../src/config/index.js";
import { repoRoot } from "../support/paths.js";

describe("configuration", () => {
  it("has defaults that work with no configuration at all", () => {
    const c = loadConfig();
    assert.equal(c.cwmp.port, 7547);
    assert.equal(c.cwmp.auth, "required");
    assert.deepEqual(c.cwmp.authMethods, ["digest", "basic"]);
    assert.equal(c.db, "");
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.cwmp), "the configuration cannot be changed after start-up");
  });

  it("layers file, environment and flags, later ones winning", () => {
    const c = loadConfig({
      file: { cwmp: { port: 1000, realm: "file" }, tasks: { maxAttempts: 7 } },
      env: { PROVISIO_CWMP_PORT: "2000", PROVISIO_CWMP_SESSION_TIMEOUT: "45", PROVISIO_CWMP_AUTH_METHODS: "digest" },
      flags: { "cwmp.port": "3000" },
    });
    assert.deepEqual([c.cwmp.port, c.cwmp.realm, c.cwmp.sessionTimeout, c.tasks.maxAttempts, c.cwmp.authMethods], [3000, "file", 45, 7, ["digest"]]);
  });

  it("says exactly what is wrong, and refuses unknown settings", () => {
    assert.throws(
      () => loadConfig({ file: { cwmp: { bogus: 1 } }, env: { PROVISIO_CWMP_PORT: "abc", PROVISIO_NOPE: "1" }, flags: { "cwmp.nope": "1" } }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.includes("PROVISIO_NOPE: no such setting") &&
        e.problems.includes("--set cwmp.nope: no such setting") &&
        e.problems.some((p) => p.startsWith("cwmp.bogus:")) &&
        e.problems.some((p) => p.startsWith("cwmp.port:") && p.includes('"abc"')),
    );
    assert.throws(() => loadConfig({ file: [] }), ConfigError);
    assert.throws(() => loadConfig({ flags: { "cwmp.auth": "maybe" } }), ConfigError);
  });

  it("is documented key by key in docs/configuration.md, with its variable and default", () => {
    const doc = readFileSync(join(repoRoot, "docs", "configuration.md"), "utf8");
    const defaults = loadConfig();
    for (const key of configKeys()) {
      const value = key.path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaults);
      const row = `| \`${key.path}\` | \`${key.env}\` | \`${JSON.stringify(value)}\` |`;
      assert.ok(doc.includes(row), `docs/configuration.md lacks the row for ${key.path}: ${row}`);
    }
  });
});

describe("configuration of the REST API, events and connection requests", () => {
  it("has defaults: the API on 7557, no STUN or XMPP until configured, methods in the standard's order", () => {
    const c = loadConfig();
    assert.deepEqual([c.nbi.enabled, c.nbi.port, c.nbi.host], [true, 7557, "0.0.0.0"]);
    assert.deepEqual([c.stun.enabled, c.stun.port, c.xmpp.service], [false, 3478, ""]);
    assert.deepEqual(c.connectionRequests.methods, ["xmpp", "http", "udp"]);
    assert.equal(c.secretsKey, "");
  });

  it("reads lists and numbers from the environment and refuses what does not fit", () => {
    const c = loadConfig({ env: { PROVISIO_CONNECTION_REQUESTS_METHODS: "http,udp", PROVISIO_NBI_PORT: "8080", PROVISIO_EVENTS_POLL_INTERVAL: "0.5" } });
    assert.deepEqual([c.connectionRequests.methods, c.nbi.port, c.events.pollInterval], [["http", "udp"], 8080, 0.5]);
    assert.throws(() => loadConfig({ env: { PROVISIO_CONNECTION_REQUESTS_METHODS: "http,pigeon" } }), (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith("connectionRequests.methods")));
    assert.throws(() => loadConfig({ flags: { "nbi.port": "70000" } }), ConfigError);
    assert.throws(() => loadConfig({ flags: { "webhooks.maxAttempts": "0" } }), ConfigError);
  });
});
