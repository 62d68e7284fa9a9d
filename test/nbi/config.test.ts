// GET /api/config over real HTTP: the running configuration for admins only, with no secret value in
// it (set secrets read "***", unset ones ""); and the masking itself on values only a file could hold.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { maskedConfig } from "../../src/config/masked.js";
import { forEachBackend } from "../support/pg.js";
import { HttpApi } from "./http-client.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

const SECRETS_KEY = randomBytes(32).toString("base64");
const SECRETS = ["boot-pass-7Qx", "cr-pass-9Lm", "xmpp-pass-3Zt", SECRETS_KEY];

forEachBackend((backend) => {
  describe("running configuration", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend, {
        settings: {
          secretsKey: SECRETS_KEY,
          cwmp: { bootstrapUsername: "boot-user", bootstrapPassword: SECRETS[0] },
          connectionRequests: { username: "cr-user", password: SECRETS[1] },
          xmpp: { password: SECRETS[2] },
        },
      });
    });
    after(() => t.stop());

    it("shows the configuration to admins with every secret masked", async () => {
      const res = await new HttpApi(t.apiUrl, t.adminKey).get("/api/config");
      assert.equal(res.status, 200, res.text);
      for (const secret of SECRETS) assert.ok(!res.text.includes(secret), `${secret.slice(0, 6)}... is not shown`);
      const c = res.body.config;
      assert.deepEqual([c.cwmp.bootstrapPassword, c.connectionRequests.password, c.xmpp.password, c.secretsKey], ["***", "***", "***", "***"]);
      assert.deepEqual([c.cwmp.bootstrapUsername, c.connectionRequests.username, c.nbi.onlineWindow, c.sessionHistory.perDevice], ["boot-user", "cr-user", 600, 10]);
      assert.equal(c.db, t.config.db, "a database URL without a password is shown as it is");
    });

    it("is for admins only", async () => {
      const api = new HttpApi(t.apiUrl, await t.keyFor("operator"));
      assert.ok(isError(await api.get("/api/config"), 403, "FORBIDDEN"));
      assert.ok(isError(await api.with(null).get("/api/config"), 401, "AUTH_REQUIRED"));
    });
  });
});

describe("masked configuration", () => {
  it("masks passwords in database URLs, secret-named keys anywhere, and keeps empty ones empty", () => {
    const masked = maskedConfig({
      db: "postgres://acs:db-secret-1@db.example.net:5432/acs?sslmode=require&password=db-secret-2",
      cwmp: { bootstrapPassword: "", realm: "provisio" },
      webhooks: { signingSecret: "hook-secret-3" },
      future: { nested: [{ apiToken: "tok-4" }] },
    } as never);
    const text = JSON.stringify(masked);
    for (const s of ["db-secret-1", "db-secret-2", "hook-secret-3", "tok-4"]) assert.ok(!text.includes(s), s);
    assert.equal((masked.db as string), "postgres://acs:***@db.example.net:5432/acs?sslmode=require&password=***");
    assert.deepEqual(masked.cwmp, { bootstrapPassword: "", realm: "provisio" });
  });
});
