import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthLimiter, sourceKey } from "../../src/server/auth-limits.js";

const WINDOW = 60_000;

test("a source past its failures is refused until its window ends, with the seconds left", () => {
  const l = new AuthLimiter({ sourceFailures: 3, usernameFailures: 0, windowMs: WINDOW });
  for (let i = 0; i < 3; i++) {
    assert.equal(l.check("10.0.0.1", `u${i}`, 1000).ok, true);
    l.failed("10.0.0.1", `u${i}`, 1000);
  }
  assert.deepEqual(l.check("10.0.0.1", "other", 11_000), { ok: false, retryAfterSeconds: 50, reason: "3 failed logins from this address" });
  assert.equal(l.check("10.0.0.2", "u0", 11_000).ok, true, "another source is not concerned");
  assert.equal(l.check("10.0.0.1", "other", 1000 + WINDOW).ok, true, "a new window starts afresh");
});

test("a username past its failures holds back only the sources that failed it and did not log in since", () => {
  const l = new AuthLimiter({ sourceFailures: 0, usernameFailures: 2, windowMs: WINDOW });
  l.failed("a", "dev", 0);
  l.failed("b", "dev", 0);
  assert.equal(l.check("a", "dev", 1).ok, false);
  assert.equal(l.check("a", "someone-else", 1).ok, true);
  assert.equal(l.check("c", "dev", 1).ok, true, "a source that did not fail gets in");
  l.failed("c", "dev", 2);
  assert.equal(l.check("c", "dev", 3).ok, false);
  l.succeeded("c", "dev", 4);
  assert.equal(l.check("c", "dev", 5).ok, true, "a source that logged in since is known good");
});

test("a source that failed more usernames than are remembered counts as having failed them all", () => {
  const l = new AuthLimiter({ sourceFailures: 0, usernameFailures: 1, windowMs: WINDOW });
  l.failed("x", "target", 0);
  for (let i = 0; i < 64; i++) l.failed("spray", `name-${i}`, 0);
  assert.equal(l.check("spray", "target", 1).ok, false);
  assert.equal(l.check("quiet", "target", 1).ok, true);
});

test("memory is bounded: past maxEntries the oldest entries are forgotten", () => {
  const l = new AuthLimiter({ sourceFailures: 1, usernameFailures: 0, windowMs: WINDOW, maxEntries: 2 });
  l.failed("s1", undefined, 0);
  l.failed("s2", undefined, 1);
  l.failed("s3", undefined, 2);
  assert.equal(l.check("s1", undefined, 3).ok, true);
  assert.equal(l.check("s2", undefined, 3).ok, false);
  assert.equal(l.check("s3", undefined, 3).ok, false);
});

test("IPv6 addresses are counted by their /64, IPv4-mapped ones as IPv4", () => {
  assert.equal(sourceKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(sourceKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
  assert.equal(sourceKey("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(sourceKey("not an address"), "not an address");
  const l = new AuthLimiter({ sourceFailures: 2, usernameFailures: 0, windowMs: WINDOW });
  l.failed("2001:db8:1:2::1", "u", 0);
  l.failed("2001:db8:1:2::2", "u", 0);
  assert.equal(l.check("2001:db8:1:2:ffff::9", "u", 1).ok, false, "another address of the same /64");
  assert.equal(l.check("2001:db8:1:3::1", "u", 1).ok, true, "another /64");
  l.failed("::ffff:192.0.2.7", "u", 0);
  l.failed("192.0.2.7", "u", 0);
  assert.equal(l.check("192.0.2.7", "u", 1).ok, false);
});
