import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthLocalError, digestHa1, generateSecret, hashPassword, needsRehash, parsePasswordHash, verifyPassword } from "../../src/auth/index.js";

// Cheap parameters keep the suite fast; one test uses the defaults.
const FAST = { N: 1024, r: 8, p: 1 };
const fixedBytes = (fill: number) => (n: number) => new Uint8Array(n).fill(fill);

test("hash format and verification with default parameters", async () => {
  const encoded = await hashPassword("correct horse battery staple");
  assert.match(encoded, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
  const parsed = parsePasswordHash(encoded);
  assert.equal(parsed?.salt.length, 16);
  assert.equal(parsed?.hash.length, 32);
  assert.equal(await verifyPassword("correct horse battery staple", encoded), true);
  assert.equal(await verifyPassword("correct horse battery stapl", encoded), false);
  assert.equal(await verifyPassword("", encoded), false);
});

test("injected randomness makes hashing deterministic; different salts give different hashes", async () => {
  const a = await hashPassword("pw", { params: FAST, randomBytes: fixedBytes(1) });
  const b = await hashPassword("pw", { params: FAST, randomBytes: fixedBytes(1) });
  const c = await hashPassword("pw", { params: FAST, randomBytes: fixedBytes(2) });
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.equal(parsePasswordHash(a)?.salt.toString("hex"), "01".repeat(16));
  assert.equal(await verifyPassword("pw", c), true);
});

test("passwords are NFC-normalised: composed and decomposed forms verify alike", async () => {
  const encoded = await hashPassword("caf\u00e9", { params: FAST });
  assert.equal(await verifyPassword("cafe\u0301", encoded), true);
  assert.equal(await verifyPassword("cafe", encoded), false);
});

test("malformed or out-of-bounds stored hashes never verify", async () => {
  const good = await hashPassword("pw", { params: FAST });
  const [, n, r, p, salt, hash] = good.split("$");
  const bad = [
    "",
    "plain-text-password",
    `bcrypt$${n}$${r}$${p}$${salt}$${hash}`,
    `scrypt$1000$${r}$${p}$${salt}$${hash}`, // N not a power of two
    `scrypt$${1 << 24}$${r}$${p}$${salt}$${hash}`, // N too large to allow
    `scrypt$${n}$0$${p}$${salt}$${hash}`,
    `scrypt$${n}$${r}$${p}$${salt}$!!`,
    `scrypt$${n}$${r}$${p}$${salt}`,
    `scrypt$${n}$${r}$${p}$${salt}$${Buffer.alloc(4).toString("base64")}`, // hash too short
  ];
  for (const encoded of bad) {
    assert.equal(parsePasswordHash(encoded), null, encoded);
    assert.equal(await verifyPassword("pw", encoded), false, encoded);
  }
  const flipped = Buffer.from(hash as string, "base64");
  flipped[0] = (flipped[0] as number) ^ 1;
  assert.equal(await verifyPassword("pw", `scrypt$${n}$${r}$${p}$${salt}$${flipped.toString("base64")}`), false);
});

test("needsRehash tells weaker hashes from current ones", async () => {
  const weak = await hashPassword("pw", { params: FAST });
  assert.equal(needsRehash(weak), true);
  assert.equal(needsRehash(weak, FAST), false);
  assert.equal(needsRehash("garbage"), true);
});

test("invalid parameters are a local error", async () => {
  await assert.rejects(hashPassword("pw", { params: { N: 1000 } }), AuthLocalError);
  await assert.rejects(hashPassword("pw", { params: FAST, randomBytes: () => new Uint8Array(3) }), AuthLocalError);
});

test("generateSecret: URL-safe, requested length, injectable randomness", () => {
  const s = generateSecret(32, fixedBytes(0xff));
  assert.equal(s, Buffer.alloc(32, 0xff).toString("base64url"));
  assert.match(s, /^[A-Za-z0-9_-]+$/);
  assert.equal(Buffer.from(generateSecret(48), "base64url").length, 48);
  assert.notEqual(generateSecret(), generateSecret());
  assert.throws(() => generateSecret(0), AuthLocalError);
  assert.throws(() => generateSecret(16, () => new Uint8Array(8)), AuthLocalError);
});

test("digestHa1 is MD5(username:realm:password) in hex (RFC 2617 example)", () => {
  // MD5("Mufasa:testrealm@host.com:Circle Of Life"), as used by the RFC's worked example.
  assert.equal(digestHa1("Mufasa", "testrealm@host.com", "Circle Of Life"), "939e7578ed9e3c518a452acee763bce9");
  assert.notEqual(digestHa1("Mufasa", "testrealm@host.com", "circle of life"), digestHa1("Mufasa", "testrealm@host.com", "Circle Of Life"));
});
