import { test } from "node:test";
import assert from "node:assert/strict";
import { RandomPool } from "../../src/auth/index.js";

test("a random pool hands out each byte of its blocks once, across refills, as copies of the caller's own", () => {
  const pool = new RandomPool(64);
  const taken = Array.from({ length: 40 }, () => pool.take(6));
  assert.ok(taken.every((b) => b.length === 6));
  // 40 draws of 6 bytes cross several 64-byte blocks (a draw never straddles two): no two are equal.
  assert.equal(new Set(taken.map((b) => b.toString("hex"))).size, taken.length);
  const kept = Buffer.from(taken[0]!);
  for (let i = 0; i < 20; i++) pool.take(6);
  assert.deepEqual(taken[0], kept, "a later refill does not change what was handed out");
  taken[1]!.fill(0);
  assert.notDeepEqual(pool.take(6), Buffer.alloc(6), "a caller's copy is not the block");
  // More than a block at once comes straight from the system.
  assert.equal(pool.take(100).length, 100);
});
