// The console's login contract over real HTTP: POST /api/session sets the cookie and answers the CSRF
// token, GET tells who is logged in (or which key is used), DELETE logs out; a cookie-authenticated
// change needs the CSRF token, a Bearer one does not; roles apply to users as to keys; the event
// stream takes the cookie.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createUser, updateUser } from "../../src/server/users.js";
import { forEachBackend } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";
import { ConsoleClient, refused } from "./console-client.js";
import { SseClient } from "./sse.js";
import { startApiAcs, type ApiAcs } from "./support.js";

const PASSWORD = "correct horse battery";

forEachBackend((backend) => {
  describe("console login sessions", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend);
      for (const [username, role] of [["alice", "admin"], ["olga", "operator"], ["vera", "read-only"]] as const) {
        await createUser(t.acs.store, { username, role, password: PASSWORD, now: new Date(), ...(username === "alice" ? { displayName: "Alice Admin" } : {}) });
      }
    });
    after(() => t.stop());

    const client = () => new ConsoleClient(t.apiUrl);

    it("logs in with the cookie's attributes, answers who and the CSRF token, and logs out", async () => {
      const c = client();
      const res = await c.login("Alice", PASSWORD);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.principal, { kind: "user", id: "alice", name: "Alice Admin", role: "admin", tenant: null });
      assert.match(res.body.csrfToken, /^[A-Za-z0-9_-]{40,}$/);
      assert.equal(res.setCookies.length, 1);
      const cookie = res.setCookies[0]!;
      assert.match(cookie, /^provisio_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/, "256 random bits, HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP");
      assert.doesNotMatch(cookie, /Max-Age|Expires/, "a browser-session cookie");

      const me = await c.get("/api/session");
      assert.equal(me.status, 200);
      assert.deepEqual(me.body, res.body);
      const whoami = await c.get("/api/whoami");
      assert.ok(refused(whoami, 404, "APIKEY_NOT_FOUND"));
      assert.match(whoami.body.error.message, /console login, not an API key: GET \/api\/session/);
      assert.equal((await c.get("/api/devices")).status, 200);

      const out = await c.call("DELETE", "/api/session");
      assert.equal(out.status, 204);
      assert.match(out.setCookies[0] ?? "", /^provisio_session=; .*Max-Age=0/);
      assert.equal(c.cookie, null);
      assert.equal((await c.get("/api/session")).status, 401);
    });

    it("answers a wrong password, an unknown user and a disabled user alike", async () => {
      await createUser(t.acs.store, { username: "dora", role: "operator", password: PASSWORD, now: new Date() });
      const dora = client();
      assert.equal((await dora.login("dora", PASSWORD)).status, 200);
      await updateUser(t.acs.store, "dora", { disabled: true }, new Date());
      const answers = [await client().login("alice", "not the password at all"), await client().login("nobody-here", PASSWORD), await client().login("dora", PASSWORD)];
      for (const res of answers) {
        assert.ok(refused(res, 401, "LOGIN_FAILED"));
        assert.deepEqual(res.setCookies, []);
      }
      assert.deepEqual(new Set(answers.map((a) => JSON.stringify(a.body))).size, 1, "the same body for all three");
      assert.ok(refused(await dora.get("/api/session"), 401, "AUTH_SESSION_INVALID"), "disabling ended her session");
      assert.equal(await t.acs.store.userSessions.deleteForUser("dora"), 0, "and deleted its row");
    });

    it("stores only a hash of the session token", async () => {
      const c = client();
      await c.login("vera", PASSWORD);
      const found = await t.acs.store.userSessions.byHash(c.cookie!);
      assert.equal(found, null, "the token itself is not a key of the table");
      const { hashSessionToken } = await import("../../src/server/logins.js");
      assert.equal((await t.acs.store.userSessions.byHash(hashSessionToken(c.cookie!)))?.user.username, "vera");
    });

    it("answers 401 saying which credentials are accepted, and a dead cookie gets 401 and is cleared", async () => {
      const none = await client().get("/api/session");
      assert.ok(refused(none, 401, "AUTH_REQUIRED"));
      assert.match(none.body.error.message, /Authorization: Bearer .*provisio_session cookie .*POST \/api\/session/);
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer /);

      const stale = client();
      stale.cookie = "not-a-session-anyone-was-given";
      const res = await stale.get("/api/devices");
      assert.ok(refused(res, 401, "AUTH_SESSION_INVALID"));
      assert.match(res.setCookies[0] ?? "", /^provisio_session=; /);
    });

    it("answers an API key caller with its principal and no CSRF token", async () => {
      const key = await t.keyFor("operator");
      const res = await fetch(`${t.apiUrl}/api/session`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { principal: { kind: string; role: string; id: string; name: string }; csrfToken?: string };
      assert.equal(body.principal.kind, "apiKey");
      assert.equal(body.principal.role, "operator");
      assert.equal(body.principal.name, "test operator");
      assert.equal("csrfToken" in body, false);
    });

    it("refuses a cookie-authenticated change without the CSRF token or with a wrong one, and accepts the right one", async () => {
      const c = client();
      await c.login("olga", PASSWORD);
      const tag = (id: string) => `/api/devices/${encodeURIComponent(id)}/tags/x`;
      for (const [csrf, why] of [[false, "missing"], ["A".repeat(43), "wrong"], ["", "empty"]] as const) {
        for (const [method, path] of [["POST", "/api/webhooks"], ["PUT", tag("none")], ["DELETE", "/api/faults/none"], ["DELETE", "/api/session"]] as const) {
          const res = await c.call(method, path, method === "POST" ? {} : undefined, { csrf });
          assert.ok(refused(res, 403, "CSRF_TOKEN_INVALID"), `${method} ${path} with a ${why} token`);
        }
      }
      assert.equal((await c.get("/api/session")).status, 200, "the session still works: reads need no token");
      const ok = await c.call("PUT", tag("no-such-device"));
      assert.equal(ok.status, 404, "past authentication and CSRF: the device is not found");
      assert.equal(ok.body.error.code, "PROVISIO_ERR_DEVICE_NOT_FOUND");
    });

    it("needs no CSRF token from a Bearer request, even with a cookie beside it", async () => {
      const key = await t.keyFor("operator");
      const res = await fetch(`${t.apiUrl}/api/devices/nope/tags/x`, { method: "PUT", headers: { authorization: `Bearer ${key}`, cookie: "provisio_session=whatever" } });
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "PROVISIO_ERR_DEVICE_NOT_FOUND");
    });

    it("applies the user's role as a key's", async () => {
      const viewer = client();
      await viewer.login("vera", PASSWORD);
      const forbidden = await viewer.call("PUT", "/api/devices/nope/tags/x");
      assert.ok(refused(forbidden, 403, "FORBIDDEN"));
      assert.deepEqual(forbidden.body.error.details, { required: "operator", role: "read-only" });
      assert.match(forbidden.body.error.message, /this user \(vera\) is read-only/);
      const operator = client();
      await operator.login("olga", PASSWORD);
      assert.equal((await operator.call("POST", "/api/apikeys", { name: "x", role: "admin" })).status, 403);
      const admin = client();
      await admin.login("alice", PASSWORD);
      const created = await admin.call("POST", "/api/apikeys", { name: "made by alice", role: "read-only" });
      assert.equal(created.status, 201);
    });

    it("streams events to a client that has only the cookie (EventSource sends no headers)", async () => {
      const c = client();
      await c.login("vera", PASSWORD);
      const sse = await SseClient.open(`${t.apiUrl}/api/events`, null, { cookie: `provisio_session=${c.cookie}` });
      try {
        assert.equal(sse.status, 200);
        const cpe = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { serialNumber: "COOKIE-SSE" } });
        await cpe.inform(["0 BOOTSTRAP", "1 BOOT"]);
        await cpe.send(null);
        cpe.close();
        await sse.until(() => sse.events.some((e) => e.event === "device.registered" && e.json.deviceId === cpe.deviceId), "device.registered");
      } finally {
        sse.close();
      }
      const forged = await SseClient.open(`${t.apiUrl}/api/events`, null, { cookie: "provisio_session=forged" });
      try {
        assert.equal(forged.status, 401);
      } finally {
        forged.close();
      }
    });
  });
});
