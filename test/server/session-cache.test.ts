// The cache of the sessions a process carried last (session-cache.ts): what it holds for sessions whose
// CPE went away without ending them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionCache } from "../../src/server/session-cache.js";

const at = (ms: number) => new Date(ms);
const entry = (expiresAt: number) => ({ deviceId: "d", version: 1, expiresAt: at(expiresAt), state: { big: "x".repeat(1000) } });

describe("SessionCache", () => {
  it("lets go of expired sessions as new ones come, not only past its count", () => {
    const cache = new SessionCache(10_000);
    // 500 sessions started and abandoned (their CPEs never came back).
    for (let i = 0; i < 500; i++) cache.put(`gone-${i}`, entry(30_000 + i), at(i));
    assert.equal(cache.size, 500);
    cache.put("live-1", entry(90_000), at(30_250));
    assert.equal(cache.size, 250, "the 250 expired at 30.25 s are gone");
    cache.put("live-2", entry(100_000), at(70_000));
    assert.equal(cache.size, 2);
    assert.equal(cache.take("live-1", at(70_000))?.expiresAt.getTime(), 90_000);
    assert.equal(cache.take("gone-499", at(70_000)), undefined);
  });

  it("still holds at most its count of live sessions", () => {
    const cache = new SessionCache(3);
    for (let i = 0; i < 5; i++) cache.put(`s-${i}`, entry(60_000), at(0));
    assert.equal(cache.size, 3);
    assert.equal(cache.has("s-0", at(0)), false);
    assert.equal(cache.has("s-4", at(0)), true);
  });
});
