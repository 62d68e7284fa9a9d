// Console users over real HTTP: admins create, list, change and delete them; a change that must end a
// user's logins (disabled, new password, deleted) ends them at once; a role change applies to the
// next request; a user changes their own password with the current one, which ends their other logins.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { verifyPassword } from "../../src/auth/password.js";
import { createUser } from "../../src/server/users.js";
import { forEachBackend } from "../support/pg.js";
import { ConsoleClient, refused } from "./console-client.js";
import { startApiAcs, type ApiAcs } from "./support.js";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "staple in the drawer";

forEachBackend((backend) => {
  describe("console users", () => {
    let t: ApiAcs;
    let admin: ConsoleClient;
    before(async () => {
      t = await startApiAcs(backend);
      await createUser(t.acs.store, { username: "root", role: "admin", password: PASSWORD, now: new Date() });
      admin = new ConsoleClient(t.apiUrl);
      assert.equal((await admin.login("root", PASSWORD)).status, 200);
    });
    after(() => t.stop());

    const loggedIn = async (username: string, password = PASSWORD) => {
      const c = new ConsoleClient(t.apiUrl);
      const res = await c.login(username, password);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return c;
    };

    it("creates a user (username lowercased, no password in any answer), and refuses a taken name in any case", async () => {
      const res = await admin.call("POST", "/api/users", { username: "Carol.Smith", displayName: "Carol", role: "operator", password: PASSWORD });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body).sort(), ["createdAt", "disabledAt", "displayName", "lastLoginAt", "passwordChangedAt", "role", "tenant", "username"]);
      assert.equal(res.body.tenant, null, "unscoped unless given a tenant");
      assert.equal(res.body.username, "carol.smith");
      assert.equal(res.body.lastLoginAt, null);
      const stored = await t.acs.store.users.get("carol.smith");
      assert.ok(stored !== null && stored.passwordHash.startsWith("scrypt$") && !stored.passwordHash.includes(PASSWORD));
      assert.ok(await verifyPassword(PASSWORD, stored.passwordHash));
      assert.ok(refused(await admin.call("POST", "/api/users", { username: "CAROL.SMITH", role: "admin", password: PASSWORD }), 409, "USER_EXISTS"));
      const carol = await loggedIn("CaRoL.SmItH");
      assert.deepEqual((await carol.get("/api/session")).body.principal, { kind: "user", id: "carol.smith", name: "Carol", role: "operator", tenant: null });
      const listed = await admin.get("/api/users");
      assert.deepEqual(listed.body.users.map((u: { username: string }) => u.username), ["carol.smith", "root"]);
      assert.equal(typeof (await admin.get("/api/users/Carol.Smith")).body.lastLoginAt, "string");
      assert.ok(!JSON.stringify(listed.body).includes("scrypt"));
    });

    it("refuses bad usernames and passwords that break the policy, saying why, and stores nothing", async () => {
      const bad = await admin.call("POST", "/api/users", { username: "-dash first", role: "operator", password: PASSWORD });
      assert.ok(refused(bad, 400, "VALIDATION"));
      assert.match(bad.body.error.message, /username/);
      const short = await admin.call("POST", "/api/users", { username: "shorty", role: "operator", password: "eleven char" });
      assert.ok(refused(short, 400, "PASSWORD_POLICY"));
      assert.match(short.body.error.message, /at least 12 characters \(this one has 11\)/);
      const same = await admin.call("POST", "/api/users", { username: "longusername1", role: "operator", password: "LongUsername1" });
      assert.ok(refused(same, 400, "PASSWORD_POLICY"));
      assert.match(same.body.error.message, /may not be the username/);
      assert.equal(await t.acs.store.users.get("shorty"), null);
      assert.equal(await t.acs.store.users.get("longusername1"), null);
      assert.ok(refused(await admin.call("PATCH", "/api/users/root", { password: "short" }), 400, "PASSWORD_POLICY"));
    });

    it("only admins manage users", async () => {
      await createUser(t.acs.store, { username: "opal", role: "operator", password: PASSWORD, now: new Date() });
      const opal = await loggedIn("opal");
      assert.ok(refused(await opal.get("/api/users"), 403, "FORBIDDEN"));
      assert.ok(refused(await opal.call("PATCH", "/api/users/opal", { role: "admin" }), 403, "FORBIDDEN"));
      const key = await t.keyFor("operator");
      assert.equal((await t.api.with(key).get("/api/users")).status, 403);
      assert.equal((await t.api.get("/api/users")).status, 200, "an admin key may");
    });

    it("applies a new role at the user's next request", async () => {
      await createUser(t.acs.store, { username: "rita", role: "read-only", password: PASSWORD, now: new Date() });
      const rita = await loggedIn("rita");
      assert.equal((await rita.call("PUT", "/api/devices/none/tags/x")).status, 403);
      const res = await admin.call("PATCH", "/api/users/rita", { role: "operator", displayName: "Rita R." });
      assert.equal(res.status, 200);
      assert.deepEqual([res.body.role, res.body.displayName], ["operator", "Rita R."]);
      assert.ok(refused(await rita.call("PUT", "/api/devices/none/tags/x"), 404, "DEVICE_NOT_FOUND"));
      assert.equal((await rita.get("/api/session")).body.principal.name, "Rita R.");
    });

    it("disabling ends the user's logins and refuses new ones until enabled again", async () => {
      await createUser(t.acs.store, { username: "dan", role: "operator", password: PASSWORD, now: new Date() });
      const a = await loggedIn("dan");
      const b = await loggedIn("dan");
      const res = await admin.call("PATCH", "/api/users/dan", { disabled: true });
      assert.equal(typeof res.body.disabledAt, "string");
      for (const c of [a, b]) assert.ok(refused(await c.get("/api/session"), 401, "AUTH_SESSION_INVALID"));
      assert.ok(refused(await new ConsoleClient(t.apiUrl).login("dan", PASSWORD), 401, "LOGIN_FAILED"));
      assert.equal((await admin.call("PATCH", "/api/users/dan", { disabled: false })).body.disabledAt, null);
      await loggedIn("dan");
    });

    it("a password reset by an admin ends the user's logins; the new password works, the old one no longer", async () => {
      await createUser(t.acs.store, { username: "paula", role: "operator", password: PASSWORD, now: new Date() });
      const before = await loggedIn("paula");
      assert.equal((await admin.call("PATCH", "/api/users/paula", { password: NEW_PASSWORD })).status, 200);
      assert.ok(refused(await before.get("/api/session"), 401, "AUTH_SESSION_INVALID"));
      assert.ok(refused(await new ConsoleClient(t.apiUrl).login("paula", PASSWORD), 401, "LOGIN_FAILED"));
      await loggedIn("paula", NEW_PASSWORD);
    });

    it("deleting a user ends their logins", async () => {
      await createUser(t.acs.store, { username: "gone", role: "operator", password: PASSWORD, now: new Date() });
      const c = await loggedIn("gone");
      assert.equal((await admin.call("DELETE", "/api/users/GONE")).status, 204);
      assert.ok(refused(await c.get("/api/session"), 401, "AUTH_SESSION_INVALID"));
      assert.ok(refused(await admin.call("DELETE", "/api/users/gone"), 404, "USER_NOT_FOUND"));
      assert.ok(refused(await admin.get("/api/users/gone"), 404, "USER_NOT_FOUND"));
      assert.ok(refused(await admin.call("PATCH", "/api/users/gone", { role: "admin" }), 404, "USER_NOT_FOUND"));
    });

    it("a user changes their own password with the current one: their other logins end, this one goes on", async () => {
      await createUser(t.acs.store, { username: "sam", role: "read-only", password: PASSWORD, now: new Date() });
      const here = await loggedIn("sam");
      const elsewhere = await loggedIn("sam");
      assert.ok(refused(await here.call("POST", "/api/session/password", { currentPassword: "not the current one", newPassword: NEW_PASSWORD }), 403, "CURRENT_PASSWORD_WRONG"));
      assert.ok(refused(await here.call("POST", "/api/session/password", { currentPassword: PASSWORD, newPassword: "sam" }), 400, "PASSWORD_POLICY"));
      assert.ok(refused(await here.call("POST", "/api/session/password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, { csrf: false }), 403, "CSRF_TOKEN_INVALID"));
      assert.equal((await here.get("/api/session")).status, 200, "nothing changed so far");
      assert.equal((await elsewhere.get("/api/session")).status, 200);
      const ok = await here.call("POST", "/api/session/password", { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      assert.equal(ok.status, 204);
      assert.equal((await here.get("/api/session")).status, 200);
      assert.ok(refused(await elsewhere.get("/api/session"), 401, "AUTH_SESSION_INVALID"));
      await loggedIn("sam", NEW_PASSWORD);
      const key = await t.keyFor("admin");
      const byKey = await fetch(`${t.apiUrl}/api/session/password`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
      });
      assert.ok(refused({ status: byKey.status, headers: byKey.headers, body: await byKey.json(), setCookies: [] }, 403, "USER_REQUIRED"));
    });
  });
});
