// Authentication and roles on every endpoint: no key, a malformed header, an unknown key and a revoked
// key are refused everywhere but /healthz; each role reaches exactly the endpoints its rank allows.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { roleAllows } from "../../src/server/api-keys.js";
import type { ApiRole } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";
import { isError, startApiAcs, type Api, type ApiAcs } from "./support.js";

/** A concrete URL for a route, and a request that passes authentication and then fails harmlessly. */
function probe(method: string, url: string): { url: string; body?: unknown } {
  const concrete = url.replace(/:([a-z]+)/gi, (_m, name: string) => (name === "tag" ? "some-tag" : "no-such-thing"));
  // The event stream would stay open: an unknown type makes it answer 400 once authorized.
  if (url === "/api/events") return { url: `${concrete}?types=no.such.type` };
  if (method === "POST" || method === "PUT" || method === "PATCH") return { url: concrete, body: {} };
  return { url: concrete };
}

forEachBackend((backend) => {
  describe("authentication and roles", () => {
    let t: ApiAcs;
    const keys = {} as Record<ApiRole, string>;
    before(async () => {
      t = await startApiAcs(backend);
      for (const role of ["read-only", "operator", "admin"] as ApiRole[]) keys[role] = await t.keyFor(role);
    });
    after(() => t.stop());

    it("every endpoint declares a role, and only /healthz and the login are public", () => {
      const routes = t.acs.nbi!.routes.routes;
      assert.ok(routes.length >= 30, `expected the whole API, got ${routes.length} routes`);
      assert.deepEqual(routes.filter((r) => r.role === "public").map((r) => `${r.method} ${r.url}`).sort(), ["GET /healthz", "POST /api/session"]);
      // The roles the issue asks for.
      const role = (m: string, u: string) => routes.find((r) => r.method === m && r.url === u)?.role;
      assert.equal(role("GET", "/api/devices"), "read-only");
      assert.equal(role("POST", "/api/devices/:id/tasks"), "operator");
      assert.equal(role("PUT", "/api/devices/:id/tags/:tag"), "operator");
      assert.equal(role("DELETE", "/api/faults/:id"), "operator");
      assert.equal(role("DELETE", "/api/devices/:id"), "admin");
      assert.equal(role("POST", "/api/webhooks"), "admin");
      assert.equal(role("POST", "/api/apikeys"), "admin");
      assert.equal(role("GET", "/metrics"), "any");
      for (const r of routes) if (r.method !== "GET" && r.role !== "public") assert.notEqual(r.role, "read-only", `${r.method} ${r.url} changes something`);
    });

    it("refuses a request without a key, with a malformed header, an unknown key or a revoked key, on every endpoint but /healthz", async () => {
      const revoked = await t.keyFor("admin");
      const revokedId = (await t.api.with(revoked).get("/api/whoami")).body.id as string;
      assert.equal((await t.api.del(`/api/apikeys/${revokedId}`)).status, 200);
      for (const r of t.acs.nbi!.routes.routes) {
        const p = probe(r.method, r.url);
        const call = (api: Api, headers?: Record<string, string>) => api.call(r.method, p.url, p.body, headers);
        if (r.role === "public") {
          // The login answers its own 400 to an empty body, past no authentication.
          assert.equal((await call(t.api.with(null))).status, r.url === "/api/session" ? 400 : 200, `${r.method} ${r.url} is public`);
          continue;
        }
        const none = await call(t.api.with(null));
        assert.ok(isError(none, 401, "AUTH_REQUIRED"), `${r.method} ${r.url}`);
        assert.match(String(none.headers["www-authenticate"]), /^Bearer /);
        assert.ok(isError(await call(t.api.with(null), { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }), 401, "AUTH_MALFORMED"));
        assert.ok(isError(await call(t.api.with("pvk_not-a-key-anyone-was-given")), 401, "AUTH_INVALID"));
        assert.ok(isError(await call(t.api.with(revoked)), 401, "AUTH_REVOKED"));
      }
    });

    it("lets each role reach exactly the endpoints of its rank", async () => {
      let checked = 0;
      for (const r of t.acs.nbi!.routes.routes) {
        if (r.role === "public") continue;
        const p = probe(r.method, r.url);
        for (const role of ["read-only", "operator", "admin"] as ApiRole[]) {
          const res = await t.api.with(keys[role]).call(r.method, p.url, p.body);
          const allowed = r.role === "any" || roleAllows(role, r.role);
          if (allowed) {
            // (403 USER_REQUIRED: a key may not change a user's own password, whatever its role.)
            assert.ok(res.status !== 401 && (res.status !== 403 || res.body.error.code === "PROVISIO_ERR_USER_REQUIRED"), `${role} may ${r.method} ${r.url}, got ${res.status} ${res.text.slice(0, 200)}`);
          } else {
            assert.ok(isError(res, 403, "FORBIDDEN"), `${role} may not ${r.method} ${r.url}`);
            assert.deepEqual(res.body.error.details, { required: r.role, role });
          }
          checked++;
        }
      }
      assert.ok(checked >= 90);
    });

    it("records when a key was last used", async () => {
      const key = await t.keyFor("read-only");
      const me = await t.api.with(key).get("/api/whoami");
      assert.equal(me.status, 200);
      const stored = await t.acs.store.apiKeys.get(me.body.id);
      assert.ok(stored?.lastUsedAt instanceof Date);
      assert.equal(stored.role, "read-only");
    });
  });
});
