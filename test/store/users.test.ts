// Conformance of the console's users and login sessions (migration 10) on both backends: usernames
// unique, changes applied and returned, sessions found with their user, touched only when stale,
// ended per user (but one), with the user, and pruned once past either end.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { UserSessionRecord } from "../../src/store/index.js";
import { forEachBackend, freshStore } from "../support/pg.js";

const T0 = Date.UTC(2025, 4, 6, 7, 8, 9, 123);
const at = (s = 0) => new Date(T0 + s * 1000);

const user = (username: string, extra: Partial<{ displayName: string | null; role: "admin" | "operator" | "read-only" }> = {}) => ({
  username, displayName: null, role: "operator" as const, passwordHash: `scrypt$16384$8$1$salt$${username}`, createdAt: at(), passwordChangedAt: at(), ...extra,
});

const session = (tokenHash: string, username: string, extra: Partial<UserSessionRecord> = {}): UserSessionRecord => ({
  tokenHash, username, createdAt: at(), lastSeenAt: at(), idleUntil: at(600), endsAt: at(3600), ...extra,
});

forEachBackend((b) => {
  describe("users", () => {
    test("are created once per username, listed in order, counted, changed and deleted", async (ctx) => {
      const s = await freshStore(b, ctx);
      assert.equal(await s.users.count(), 0);
      assert.equal(await s.users.create(user("zoe", { displayName: "Zoé", role: "admin" })), true);
      assert.equal(await s.users.create(user("zoe")), false, "taken");
      assert.equal(await s.users.create(user("adam")), true);
      assert.deepEqual(await s.users.get("zoe"), { ...user("zoe", { displayName: "Zoé", role: "admin" }), lastLoginAt: null, disabledAt: null, tenant: null });
      assert.deepEqual((await s.users.list()).map((u) => u.username), ["adam", "zoe"]);
      assert.equal(await s.users.count(), 2);

      const changed = await s.users.update("adam", { role: "read-only", displayName: "Adam", passwordHash: "scrypt$new", passwordChangedAt: at(5), disabledAt: at(6) });
      assert.deepEqual(changed, { ...user("adam", { role: "read-only", displayName: "Adam" }), passwordHash: "scrypt$new", passwordChangedAt: at(5), lastLoginAt: null, disabledAt: at(6), tenant: null });
      assert.deepEqual((await s.users.update("adam", { disabledAt: at(9) }))?.disabledAt, at(6), "disabling again keeps the first time");
      assert.equal((await s.users.update("adam", { disabledAt: null, displayName: null }))?.disabledAt, null);
      assert.equal((await s.users.get("adam"))?.displayName, null);
      assert.deepEqual(await s.users.update("adam", {}), await s.users.get("adam"));
      assert.equal(await s.users.update("nobody", { role: "admin" }), null);
      await s.users.recordLogin("zoe", at(7));
      assert.deepEqual((await s.users.get("zoe"))?.lastLoginAt, at(7));
      assert.equal(await s.users.delete("zoe"), true);
      assert.equal(await s.users.delete("zoe"), false);
      assert.equal(await s.users.get("zoe"), null);
    });

    test("keep the tenant they are scoped to, changed or cleared, and are counted per tenant (migration 16)", async (ctx) => {
      const s = await freshStore(b, ctx);
      assert.equal(await s.users.create({ ...user("ann"), tenant: "acme" }), true);
      await s.users.create(user("ben"));
      await s.users.create({ ...user("cid"), tenant: "acme" });
      assert.equal((await s.users.get("ann"))?.tenant, "acme");
      assert.equal((await s.users.get("ben"))?.tenant, null);
      assert.deepEqual([await s.users.countOfTenant("acme"), await s.users.countOfTenant("globex")], [2, 0]);
      // Disabled users still hold their tenant: enabled again, they must find it.
      await s.users.update("cid", { disabledAt: at(1) });
      assert.equal(await s.users.countOfTenant("acme"), 2);
      assert.equal((await s.users.update("ben", { tenant: "globex" }))?.tenant, "globex");
      assert.equal((await s.users.update("ann", { tenant: null }))?.tenant, null);
      assert.equal((await s.users.update("ann", { role: "admin" }))?.tenant, null, "other changes leave it");
      assert.deepEqual([await s.users.countOfTenant("acme"), await s.users.countOfTenant("globex")], [1, 1]);
      await s.userSessions.create(session("h1", "ben"));
      assert.equal((await s.userSessions.byHash("h1"))?.user.tenant, "globex", "a login's user comes with the tenant");
    });
  });

  describe("user sessions", () => {
    test("are found by hash with their user, touched only when stale, ended per user, and go with their user", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.users.create(user("ann", { role: "admin" }));
      await s.users.create(user("ben"));
      await s.userSessions.create(session("h1", "ann"));
      await s.userSessions.create(session("h2", "ann"));
      await s.userSessions.create(session("h3", "ben"));
      const found = await s.userSessions.byHash("h1");
      assert.deepEqual(found?.session, session("h1", "ann"));
      assert.deepEqual([found?.user.username, found?.user.role], ["ann", "admin"]);
      assert.equal(await s.userSessions.byHash("nope"), null);

      await s.userSessions.touch("h1", at(100), at(700), at(40));
      assert.deepEqual([(await s.userSessions.byHash("h1"))?.session.lastSeenAt, (await s.userSessions.byHash("h1"))?.session.idleUntil], [at(100), at(700)]);
      await s.userSessions.touch("h1", at(120), at(720), at(60)); // last seen (100) is not older than 60: no write
      assert.deepEqual((await s.userSessions.byHash("h1"))?.session.lastSeenAt, at(100));

      assert.equal(await s.userSessions.deleteForUser("ann", "h2"), 1, "all of ann's but h2");
      assert.equal(await s.userSessions.byHash("h1"), null);
      assert.notEqual(await s.userSessions.byHash("h2"), null);
      assert.equal(await s.userSessions.delete("h2"), true);
      assert.equal(await s.userSessions.delete("h2"), false);

      assert.equal(await s.users.delete("ben"), true);
      assert.equal(await s.userSessions.byHash("h3"), null, "deleted with ben");
    });

    test("are pruned once past their idle end or their absolute end, whichever comes first", async (ctx) => {
      const s = await freshStore(b, ctx);
      await s.users.create(user("cat"));
      await s.userSessions.create(session("idle", "cat", { idleUntil: at(100), endsAt: at(3600) }));
      await s.userSessions.create(session("old", "cat", { idleUntil: at(900), endsAt: at(200) }));
      await s.userSessions.create(session("live", "cat", { idleUntil: at(900), endsAt: at(3600) }));
      assert.equal(await s.userSessions.prune(at(100)), 0, "the end itself is not past");
      assert.equal(await s.userSessions.prune(at(300)), 2);
      assert.equal(await s.userSessions.byHash("idle"), null);
      assert.equal(await s.userSessions.byHash("old"), null);
      assert.notEqual(await s.userSessions.byHash("live"), null);
    });

    test("a session's user must exist", async (ctx) => {
      const s = await freshStore(b, ctx);
      await assert.rejects(s.userSessions.create(session("x", "ghost")));
    });
  });
});
