import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthLocalError, decodeBasicToken, formatBasicAuthorization, parseAuthorization, parseBasicAuthorization } from "../../src/auth/index.js";

test("format and parse round trip, including an empty username and colons in the password", () => {
  for (const [username, password] of [
    ["cpe-001", "s3cret"],
    ["", "only-a-password"],
    ["user", "pa:ss:word"],
    ["user", ""],
    ["ünïcødé", "pässwörd€"],
  ] as const) {
    const header = formatBasicAuthorization(username, password);
    assert.match(header, /^Basic [A-Za-z0-9+/]+=*$/);
    assert.deepEqual(parseBasicAuthorization(header), { username, password });
    assert.deepEqual(parseAuthorization(header), { kind: "basic", username, password });
  }
});

test("RFC 7617 example: Aladdin / open sesame", () => {
  assert.equal(formatBasicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  assert.deepEqual(parseBasicAuthorization("basic   QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), { username: "Aladdin", password: "open sesame" });
});

test("tolerated: missing padding, URL-safe alphabet, Latin-1 credentials", () => {
  assert.deepEqual(decodeBasicToken("QWxhZGRpbjpvcGVuIHNlc2FtZQ"), { username: "Aladdin", password: "open sesame" });
  const urlSafe = Buffer.from("u:>>>?").toString("base64url");
  assert.match(urlSafe, /[-_]/);
  assert.deepEqual(decodeBasicToken(urlSafe), { username: "u", password: ">>>?" });
  const latin1 = Buffer.from("jos\xe9:caf\xe9", "latin1").toString("base64");
  assert.deepEqual(decodeBasicToken(latin1), { username: "jos\u00e9", password: "caf\u00e9" });
});

test("refused: other schemes, no colon, bad base64, absent header", () => {
  assert.equal(parseBasicAuthorization(undefined), null);
  assert.equal(parseBasicAuthorization(""), null);
  assert.equal(parseBasicAuthorization('Digest username="u"'), null);
  assert.equal(parseBasicAuthorization(`Basic ${Buffer.from("no-colon").toString("base64")}`), null);
  assert.equal(parseBasicAuthorization("Basic !!!!"), null);
  assert.equal(parseBasicAuthorization("Basic"), null);
  assert.equal(decodeBasicToken("a"), null);
});

test("a username with ':' or control characters cannot be formatted", () => {
  assert.throws(() => formatBasicAuthorization("a:b", "c"), (e: unknown) => e instanceof AuthLocalError && e.code === "AUTH_INVALID_ARGUMENT");
  assert.throws(() => formatBasicAuthorization("a", "b\r\nX-Injected: 1"), AuthLocalError);
});
