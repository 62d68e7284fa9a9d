// Failed console logins over real HTTP, from several client addresses (127.0.0.0/8): an address that
// keeps failing one username is locked out of it for longer each time, up to a cap, and released after;
// the username itself is only slowed down for other addresses, never locked, and not at all for an
// address it logged in from; an address failing many usernames is stopped for a window. Unknown
// usernames are treated as known ones. The ACS's clock is injected.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createUser } from "../../src/server/users.js";
import { backend } from "../support/pg.js";
import { ConsoleClient, refused, type HttpAnswer } from "./console-client.js";
import { startApiAcs, type ApiAcs } from "./support.js";

const START = Date.parse("2026-06-01T08:00:00Z");
const PASSWORD = "correct horse battery";
const WRONG = "wrong horse battery";

describe("console login limits", () => {
  let t: ApiAcs;
  let offsetMs = 0;
  const advance = (seconds: number) => (offsetMs += seconds * 1000);
  before(async () => {
    t = await startApiAcs(backend("sqlite"), {
      clock: () => new Date(START + offsetMs),
      settings: { login: { pairFailures: 3, lockout: 60, maxLockout: 240, usernameFailures: 4, usernameDelay: 5, sourceFailures: 10, failureWindow: 900 } },
    });
    for (const u of ["alice", "bob", "carl"]) await createUser(t.acs.store, { username: u, role: "read-only", password: PASSWORD, now: new Date() });
  });
  after(() => t.stop());

  const from = (address: string) => new ConsoleClient(t.apiUrl, address);
  const limited = (res: HttpAnswer, seconds: number) => {
    assert.ok(refused(res, 429, "LOGIN_RATE_LIMITED"));
    assert.equal(res.headers.get("retry-after"), String(seconds));
    return true;
  };

  it("locks an address out of a username after repeated failures, longer each time up to the cap, then lets the right password in", async () => {
    const c = from("127.0.0.2");
    for (let i = 0; i < 3; i++) assert.ok(refused(await c.login("alice", WRONG), 401, "LOGIN_FAILED"));
    assert.ok(limited(await c.login("alice", PASSWORD), 60), "even the right password waits: guessing gains nothing");
    assert.equal((await c.login("bob", PASSWORD)).status, 200, "another username from the same address is not held back");
    assert.equal((await from("127.0.0.3").login("alice", PASSWORD)).status, 200, "nor alice from her own address");
    advance(61);
    assert.ok(refused(await c.login("alice", WRONG), 401, "LOGIN_FAILED"));
    assert.ok(limited(await c.login("alice", WRONG), 120), "doubled");
    advance(121);
    assert.ok(refused(await c.login("alice", WRONG), 401, "LOGIN_FAILED"));
    assert.ok(limited(await c.login("alice", WRONG), 240));
    advance(241);
    assert.ok(refused(await c.login("alice", WRONG), 401, "LOGIN_FAILED"));
    assert.ok(limited(await c.login("alice", WRONG), 240), "capped at login.maxLockout");
    advance(241);
    assert.equal((await c.login("alice", PASSWORD)).status, 200, "released; a success forgets the failures");
    assert.ok(refused(await c.login("alice", WRONG), 401, "LOGIN_FAILED"));
    assert.ok(refused(await c.login("alice", WRONG), 401, "LOGIN_FAILED"), "counting starts again");
    advance(900 + 241);
  });

  it("treats an unknown username as a known one", async () => {
    const c = from("127.0.0.4");
    const known: HttpAnswer[] = [];
    const unknown: HttpAnswer[] = [];
    for (let i = 0; i < 4; i++) known.push(await c.login("carl", WRONG));
    for (let i = 0; i < 4; i++) unknown.push(await c.login("nobody", WRONG));
    assert.deepEqual(known.map((r) => r.status), [401, 401, 401, 429]);
    assert.deepEqual(unknown.map((r) => r.status), known.map((r) => r.status));
    assert.deepEqual(unknown.map((r) => r.body), known.map((r) => r.body));
    advance(900 + 241);
  });

  it("slows a username failed from many addresses by a short delay only, and not for an address it logged in from", async () => {
    assert.equal((await from("127.0.0.5").login("bob", PASSWORD)).status, 200, "bob's usual address");
    advance(1);
    for (let i = 0; i < 4; i++) assert.ok(refused(await from(`127.0.1.${i + 1}`).login("bob", WRONG), 401, "LOGIN_FAILED"));
    assert.ok(limited(await from("127.0.1.9").login("bob", WRONG), 5), "a fifth address waits login.usernameDelay");
    assert.ok(limited(await from("127.0.1.10").login("bob", PASSWORD), 5), "the real user from a new address too, briefly");
    assert.equal((await from("127.0.0.5").login("bob", PASSWORD)).status, 200, "from the address bob logged in from: at once");
    advance(5);
    assert.equal((await from("127.0.1.10").login("bob", PASSWORD)).status, 200, "after the delay, from anywhere");
    assert.ok(refused(await from("127.0.1.11").login("bob", WRONG), 401, "LOGIN_FAILED"));
    assert.ok(limited(await from("127.0.1.12").login("bob", WRONG), 5), "each failure spaces the next attempt, never more than the delay");
    advance(900 + 241);
  });

  it("stops an address that fails many usernames until the window ends", async () => {
    const c = from("127.0.2.1");
    for (let i = 0; i < 10; i++) assert.ok(refused(await c.login(`guess${i}`, WRONG), 401, "LOGIN_FAILED"));
    assert.ok(limited(await c.login("carl", PASSWORD), 900));
    assert.equal((await from("127.0.2.2").login("carl", PASSWORD)).status, 200, "other addresses are not");
    advance(900);
    assert.equal((await c.login("carl", PASSWORD)).status, 200);
  });
});
