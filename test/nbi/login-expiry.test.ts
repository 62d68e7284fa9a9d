// Console logins end after login.idleTimeout without use and after login.maxLifetime whatever the use;
// housekeeping deletes their rows then. The ACS's clock is injected: nothing sleeps. (This ACS says it
// is behind an HTTPS proxy: its cookies are Secure.)

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hashSessionToken } from "../../src/server/logins.js";
import { createUser } from "../../src/server/users.js";
import { forEachBackend } from "../support/pg.js";
import { ConsoleClient, refused } from "./console-client.js";
import { startApiAcs, type ApiAcs } from "./support.js";

const START = Date.parse("2026-06-01T08:00:00Z");
const PASSWORD = "correct horse battery";

forEachBackend((backend) => {
  describe("console login expiry", () => {
    let t: ApiAcs;
    let offsetMs = 0;
    const advance = (seconds: number) => (offsetMs += seconds * 1000);
    before(async () => {
      t = await startApiAcs(backend, { clock: () => new Date(START + offsetMs), settings: { login: { idleTimeout: 600, maxLifetime: 3600, secureCookie: true } } });
      await createUser(t.acs.store, { username: "ines", role: "read-only", password: PASSWORD, now: new Date() });
    });
    after(() => t.stop());

    const login = async () => {
      const c = new ConsoleClient(t.apiUrl);
      const res = await c.login("ines", PASSWORD);
      assert.equal(res.status, 200);
      // login.secureCookie: a proxy in front serves HTTPS, so the browser must send it over HTTPS only.
      assert.match(res.setCookies[0] ?? "", /; HttpOnly; SameSite=Strict; Path=\/; Secure$/);
      return c;
    };

    it("ends a login left unused for the idle timeout; use moves that end on", async () => {
      const c = await login();
      advance(599);
      assert.equal((await c.get("/api/session")).status, 200);
      advance(599);
      assert.equal((await c.get("/api/session")).status, 200, "1198 s after the login, 599 s after its last use");
      advance(601);
      const res = await c.get("/api/session");
      assert.ok(refused(res, 401, "AUTH_SESSION_INVALID"));
      assert.match(res.setCookies[0] ?? "", /^provisio_session=; /);
    });

    it("ends a login at its maximum lifetime however much it is used, and housekeeping deletes what ended", async () => {
      const c = await login();
      const token = c.cookie!;
      for (let i = 0; i < 7; i++) {
        advance(500);
        assert.equal((await c.get("/api/session")).status, 200, `used at ${(i + 1) * 500} s`);
      }
      const fresh = await login();
      advance(101);
      assert.ok(refused(await c.get("/api/session"), 401, "AUTH_SESSION_INVALID"), "3601 s after the login");
      assert.equal((await fresh.get("/api/session")).status, 200);
      assert.notEqual(await t.acs.store.userSessions.byHash(hashSessionToken(token)), null, "expired, not yet deleted");
      const pass = await t.acs.housekeep();
      assert.ok(pass.pruned >= 1);
      assert.equal(await t.acs.store.userSessions.byHash(hashSessionToken(token)), null);
      assert.notEqual(await t.acs.store.userSessions.byHash(hashSessionToken(fresh.cookie!)), null, "the live login stays");
    });
  });
});
