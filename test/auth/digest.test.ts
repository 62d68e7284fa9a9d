import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AuthRemoteError,
  AuthLocalError,
  createChallenge,
  createNonce,
  digestAuthorization,
  digestHa1,
  parseAuthorization,
  parseChallenge,
  pickChallenge,
  readNonce,
  verifyDigest,
} from "../../src/auth/index.js";
import type { DigestChallenge, DigestCredentials } from "../../src/auth/index.js";
import { corpusDir } from "../support/paths.js";

const SECRET = "test-secret-shared-by-acs-processes";
const REALM = "provisio";
const NOW = 1_700_000_000_000;
const TTL = 5 * 60_000;

function digestChallenge(header: string): DigestChallenge {
  const c = parseChallenge(header)[0];
  assert.ok(c && c.scheme === "Digest", `no Digest challenge in ${header}`);
  return c;
}

function answer(challengeHeader: string, opts: { password?: string; method?: string; uri?: string; nc?: number; username?: string } = {}): string {
  return digestAuthorization({
    challenge: digestChallenge(challengeHeader),
    username: opts.username ?? "cpe-001",
    password: opts.password ?? "s3cret",
    method: opts.method ?? "POST",
    uri: opts.uri ?? "/acs",
    cnonce: "0a4f113b",
    nc: opts.nc ?? 1,
  });
}

const HA1 = digestHa1("cpe-001", REALM, "s3cret");

test("RFC 2617 section 3.5 worked example verifies (Mufasa / Circle Of Life)", () => {
  const header =
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
    'uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", ' +
    'response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
  // The client side computes the RFC's response from the RFC's challenge.
  const challenge = digestChallenge(
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  const ours = digestAuthorization({ challenge, username: "Mufasa", password: "Circle Of Life", method: "GET", uri: "/dir/index.html", cnonce: "0a4f113b", nc: 1 });
  assert.match(ours, /response="6629fae49393a05397450978507c4ef1"/);
  const parsed = parseAuthorization(header);
  assert.equal(parsed?.kind, "digest");
  assert.equal((parsed as DigestCredentials).response, "6629fae49393a05397450978507c4ef1");
  // The RFC's nonce is not one of ours, so the server side refuses it as a nonce, not as a password.
  const r = verifyDigest({
    authorization: header,
    method: "GET",
    ha1: digestHa1("Mufasa", "testrealm@host.com", "Circle Of Life"),
    secret: SECRET,
    realm: "testrealm@host.com",
    now: NOW,
  });
  assert.deepEqual(r, { ok: false, reason: "bad-nonce" });
});

test("RFC 7616 section 3.9.1 examples: MD5 and SHA-256 responses", () => {
  for (const [alg, expected] of [
    ["MD5", "8ca523f5e9506fed4657c9700eebdbec"],
    ["SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"],
  ] as const) {
    const challenge = digestChallenge(
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${alg}, ` +
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
    const header = digestAuthorization({
      challenge,
      username: "Mufasa",
      password: "Circle of Life",
      method: "GET",
      uri: "/dir/index.html",
      cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
      nc: 1,
    });
    const parsed = parseAuthorization(header) as DigestCredentials;
    assert.equal(parsed.response, expected, alg);
    assert.equal(parsed.algorithm, alg);
    assert.equal(parsed.qop, "auth");
    assert.equal(parsed.nc, "00000001");
    assert.equal(parsed.opaque, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  }
});

test("round trip: server challenge, client answer, server accepts (MD5 and MD5-sess, password or HA1)", () => {
  for (const algorithm of ["MD5", "MD5-sess"] as const) {
    const www = createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL, algorithm });
    assert.match(www, /^Digest realm="provisio", qop="auth", nonce="[0-9a-f]{48}", algorithm=/);
    for (const authorization of [
      answer(www),
      digestAuthorization({ challenge: digestChallenge(www), username: "cpe-001", ha1: HA1, method: "POST", uri: "/acs", cnonce: "abc", nc: 7 }),
    ]) {
      const r = verifyDigest({ authorization, method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW + 1000, nonceTtlMs: TTL, uri: "/acs" });
      assert.equal(r.ok, true, `${algorithm}: ${JSON.stringify(r)}`);
      if (r.ok) {
        assert.equal(r.username, "cpe-001");
        assert.equal(r.nonceExpiresAt, NOW + TTL);
        assert.equal(r.qop, "auth");
        assert.ok(r.nc === 1 || r.nc === 7);
      }
    }
  }
});

test("a verifier in another process (same secret) accepts the nonce; another secret does not", () => {
  const authorization = answer(createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL }));
  const base = { authorization, method: "POST", ha1: HA1, realm: REALM, now: NOW };
  assert.equal(verifyDigest({ ...base, secret: Buffer.from(SECRET) }).ok, true);
  assert.deepEqual(verifyDigest({ ...base, secret: "another-secret" }), { ok: false, reason: "bad-nonce" });
});

test("an expired nonce with the right password is stale; with a wrong password it is a bad response", () => {
  const www = createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL });
  const late = NOW + TTL + 1;
  const base = { method: "POST", ha1: HA1, secret: SECRET, realm: REALM, nonceTtlMs: TTL };
  assert.equal(verifyDigest({ ...base, authorization: answer(www), now: NOW + TTL }).ok, true, "still valid at the expiry instant");
  assert.deepEqual(verifyDigest({ ...base, authorization: answer(www), now: late }), { ok: false, reason: "stale-nonce" });
  assert.deepEqual(verifyDigest({ ...base, authorization: answer(www, { password: "wrong" }), now: late }), { ok: false, reason: "bad-response" });
  // The next challenge says stale=true, and the client sees it.
  const again = createChallenge({ realm: REALM, now: late, secret: SECRET, nonceTtlMs: TTL, stale: true });
  assert.equal(digestChallenge(again).stale, true);
  assert.equal(digestChallenge(www).stale, false);
  assert.equal(verifyDigest({ ...base, authorization: answer(again), now: late }).ok, true);
});

test("tampered nonces are refused", () => {
  const www = createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL });
  const good = answer(www);
  const nonce = /nonce="([0-9a-f]+)"/.exec(good)?.[1] as string;
  const base = { method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW };
  // Push the expiry a year further: the MAC no longer matches.
  const later = createNonce("attacker-guess", REALM, NOW + 365 * 86_400_000).slice(0, 12) + nonce.slice(12);
  const flipped = nonce.slice(0, 40) + (nonce[40] === "0" ? "1" : "0") + nonce.slice(41);
  for (const bad of [later, flipped, nonce.slice(0, 47), `${nonce}00`, "XXXXXXXXXXXXXXXX"]) {
    // Recompute the response for the tampered nonce, as an attacker with the password would have to.
    const authorization = answer(www.replace(nonce, bad));
    const r = verifyDigest({ ...base, authorization });
    assert.equal(r.ok ? "ok" : r.reason, "bad-nonce", bad);
  }
  // One of ours cut short is refused too, saying so; a foreign short nonce is not taken for one.
  const cut = verifyDigest({ ...base, authorization: answer(www.replace(nonce, nonce.slice(0, 40))) });
  assert.deepEqual(cut, { ok: false, reason: "bad-nonce", detail: "the nonce has 40 hex digits where ours have 48: cut short by the client" });
  assert.deepEqual(verifyDigest({ ...base, authorization: answer(www.replace(nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093")) }), { ok: false, reason: "bad-nonce" });
  // A nonce minted for another realm does not pass for ours.
  const foreign = createChallenge({ realm: "other", now: NOW, secret: SECRET, nonceTtlMs: TTL });
  const foreignNonce = /nonce="([0-9a-f]+)"/.exec(foreign)?.[1] as string;
  assert.equal(readNonce(foreignNonce, SECRET, "other")?.expiresAt, NOW + TTL);
  assert.equal(readNonce(foreignNonce, SECRET, REALM), null);
  assert.deepEqual(verifyDigest({ ...base, authorization: answer(www.replace(nonce, foreignNonce)) }), { ok: false, reason: "bad-nonce" });
});

test("challenges made in the same millisecond have nonces of their own, each verifying", () => {
  const nonces = Array.from({ length: 50 }, () => /nonce="([0-9a-f]+)"/.exec(createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL }))?.[1] as string);
  assert.equal(new Set(nonces).size, 50);
  for (const n of nonces) assert.equal(readNonce(n, SECRET, REALM)?.expiresAt, NOW + TTL);
  // The random part is covered by the MAC.
  const fixed = createNonce(SECRET, REALM, NOW + TTL, Buffer.from("abcdef"));
  assert.equal(fixed.slice(12, 24), Buffer.from("abcdef").toString("hex"));
  assert.equal(readNonce(fixed.slice(0, 12) + "000000000000" + fixed.slice(24), SECRET, REALM), null);
});

test("a nonce claiming an expiry beyond now + TTL is refused when the TTL is given", () => {
  const future = createChallenge({ realm: REALM, now: NOW + 3_600_000, secret: SECRET, nonceTtlMs: TTL });
  const base = { authorization: answer(future), method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW };
  assert.deepEqual(verifyDigest({ ...base, nonceTtlMs: TTL }), { ok: false, reason: "bad-nonce" });
  assert.equal(verifyDigest(base).ok, true, "without a TTL bound only the MAC and expiry count");
});

test("wrong password, wrong user, wrong method, wrong realm", () => {
  const www = createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL });
  const base = { method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW };
  assert.deepEqual(verifyDigest({ ...base, authorization: answer(www, { password: "s3cret!" }) }), { ok: false, reason: "bad-response" });
  assert.deepEqual(verifyDigest({ ...base, authorization: answer(www, { username: "cpe-002" }) }), { ok: false, reason: "bad-response" });
  assert.deepEqual(verifyDigest({ ...base, authorization: answer(www, { method: "GET" }) }), { ok: false, reason: "bad-response" });
  assert.deepEqual(verifyDigest({ ...base, realm: "elsewhere", authorization: answer(www) }), { ok: false, reason: "wrong-realm" });
});

test("the digest uri must name the request target; an absolute URI naming it is accepted", () => {
  const www = createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL });
  const base = { method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW };
  assert.deepEqual(verifyDigest({ ...base, uri: "/other", authorization: answer(www, { uri: "/acs" }) }), { ok: false, reason: "uri-mismatch", detail: 'the digest uri "/acs" does not name the request target "/other"' });
  assert.equal(verifyDigest({ ...base, uri: "/acs?x=1", authorization: answer(www, { uri: "http://acs.example.net:7547/acs?x=1" }) }).ok, true);
  const r = verifyDigest({ ...base, uri: "/acs", authorization: answer(www, { uri: "http://acs.example.net/acs?x=1" }) });
  assert.equal(r.ok ? "ok" : r.reason, "uri-mismatch");
  // An empty uri binds the response to no target: refused, saying so.
  assert.deepEqual(verifyDigest({ ...base, uri: "/acs", authorization: answer(www, { uri: "" }) }), { ok: false, reason: "uri-mismatch", detail: 'the digest uri is empty; the request target is "/acs"' });
});

test("legacy RFC 2069 answers (no qop) are accepted unless disabled", () => {
  const nonce = createNonce(SECRET, REALM, NOW + TTL);
  const legacyChallenge = digestChallenge(`Digest realm="${REALM}", nonce="${nonce}"`);
  assert.deepEqual(legacyChallenge.qop, []);
  const authorization = digestAuthorization({ challenge: legacyChallenge, username: "cpe-001", password: "s3cret", method: "POST", uri: "/", cnonce: "unused", nc: 1 });
  assert.doesNotMatch(authorization, /qop|nc=|cnonce/);
  const base = { authorization, method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW };
  const r = verifyDigest(base);
  assert.equal(r.ok, true);
  if (r.ok) assert.equal(r.nc, undefined);
  assert.deepEqual(verifyDigest({ ...base, allowLegacy: false }), { ok: false, reason: "unsupported-qop" });
  assert.deepEqual(verifyDigest({ ...base, ha1: digestHa1("cpe-001", REALM, "nope") }), { ok: false, reason: "bad-response" });
});

test("qop=auth-int is verified only when the body is given", () => {
  const nonce = createNonce(SECRET, REALM, NOW + TTL);
  const challenge = digestChallenge(`Digest realm="${REALM}", qop="auth-int", nonce="${nonce}"`);
  const body = Buffer.from("<soap:Envelope/>");
  const authorization = digestAuthorization({ challenge, username: "cpe-001", password: "s3cret", method: "POST", uri: "/acs", cnonce: "c", nc: 1, body });
  assert.match(authorization, /qop=auth-int/);
  const base = { authorization, method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW };
  assert.deepEqual(verifyDigest(base), { ok: false, reason: "unsupported-qop" });
  assert.equal(verifyDigest({ ...base, body }).ok, true);
  assert.deepEqual(verifyDigest({ ...base, body: Buffer.from("<other/>") }), { ok: false, reason: "bad-response" });
});

test("malformed and foreign credentials", () => {
  const www = createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL });
  const base = { method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW };
  const good = answer(www);
  for (const authorization of [undefined, "", "Basic Y3BlOnB3", "Bearer abc", good.replace(/, response="[0-9a-f]+"/, ""), good.replace("nc=00000001", "nc=zz")]) {
    assert.deepEqual(verifyDigest({ ...base, authorization }), { ok: false, reason: "malformed" }, String(authorization));
  }
  assert.deepEqual(verifyDigest({ ...base, authorization: good.replace("algorithm=MD5", "algorithm=SHA-256") }), { ok: false, reason: "unsupported-algorithm" });
  assert.deepEqual(verifyDigest({ ...base, authorization: good.replace("qop=auth", "qop=auth-conf") }), { ok: false, reason: "unsupported-qop" });
  assert.deepEqual(parseAuthorization("Digest realm=x"), { kind: "malformed", scheme: "Digest", problem: "missing username, nonce, uri, response" });
  assert.deepEqual(parseAuthorization("NTLM TlRMTVNTUAABAAAA"), { kind: "other", scheme: "NTLM" });
  assert.deepEqual(parseAuthorization("Basic !!!"), { kind: "malformed", scheme: "Basic", problem: "credentials are not base64 of user:password" });
  assert.equal(parseAuthorization(undefined), null);
  assert.equal(parseAuthorization("   "), null);
});

test("opaque, when the server sends one, must come back", () => {
  const www = createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL, opaque: "o-1" });
  assert.match(www, /opaque="o-1"/);
  const authorization = answer(www);
  assert.match(authorization, /opaque="o-1"/);
  const base = { method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW, opaque: "o-1" };
  assert.equal(verifyDigest({ ...base, authorization }).ok, true);
  assert.deepEqual(verifyDigest({ ...base, authorization: authorization.replace('opaque="o-1"', 'opaque="o-2"') }), { ok: false, reason: "opaque-mismatch" });
});

test("the MikroTik Authorization header from the corpus parses; its placeholder nonce is refused", () => {
  const text = readFileSync(join(corpusDir, "http-headers", "ericwu-mikrotik-haplite-Inform-1.headers.txt"), "utf8");
  const line = text.split(/\r?\n/).find((l) => /^authorization:/i.test(l));
  assert.ok(line);
  const value = line.slice(line.indexOf(":") + 1).trim();
  const parsed = parseAuthorization(value);
  assert.equal(parsed?.kind, "digest");
  const d = parsed as DigestCredentials;
  assert.equal(d.username, "qacafe");
  assert.equal(d.realm, "qacafe");
  assert.equal(d.uri, "/");
  assert.equal(d.algorithm, "MD5");
  assert.equal(d.nonce, "XXXXXXXXXXXXXXXX");
  assert.equal(d.nc, "00000001");
  assert.equal(d.qop, "auth");
  assert.equal(d.cnonce?.length, 32);
  assert.equal(d.opaque, "");
  const r = verifyDigest({ authorization: d, method: "POST", ha1: digestHa1("qacafe", "qacafe", "x"), secret: SECRET, realm: "qacafe", now: NOW, uri: "/" });
  assert.deepEqual(r, { ok: false, reason: "bad-nonce" });
});

test("tolerant Authorization parsing: quoting, spacing, case, commas in quotes, unescaped backslashes", () => {
  const header =
    'digest  USERNAME = "DOMAIN\\cpe" ,Realm=provisio,nonce="n,1", uri="/acs?a=1,b=2" ,  ' +
    'response="ABCDEF", qop="auth", nc="00000002", cnonce=xyz, algorithm="md5-sess", ,,username="second"';
  const d = parseAuthorization(header) as DigestCredentials;
  assert.equal(d.kind, "digest");
  assert.equal(d.username, "DOMAIN\\cpe", "a backslash that escapes nothing is kept; the first username wins");
  assert.equal(d.realm, "provisio");
  assert.equal(d.nonce, "n,1");
  assert.equal(d.uri, "/acs?a=1,b=2");
  assert.equal(d.qop, "auth");
  assert.equal(d.nc, "00000002");
  assert.equal(d.cnonce, "xyz");
  assert.equal(d.algorithm, "md5-sess");
  const escaped = parseAuthorization('Digest username="a\\"b\\\\c", realm="r", nonce="n", uri="/", response="x"') as DigestCredentials;
  assert.equal(escaped.username, 'a"b\\c');
  // A quote never closed runs to the end of the header; escapes before it still apply.
  const open = parseAuthorization('Digest username="u", realm="r", nonce="n", uri="/", response="x\\"y, z') as DigestCredentials;
  assert.equal(open.response, 'x"y, z');
});

test("a client answer with uppercase hex and quoted qop/nc still verifies", () => {
  const www = createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: TTL });
  const good = answer(www);
  const odd = good
    .replace(/response="([0-9a-f]+)"/, (_m, hex: string) => `response="${hex.toUpperCase()}"`)
    .replace("qop=auth", 'qop="auth"')
    .replace("nc=00000001", 'nc="00000001"')
    .replace("username=", "Username = ");
  assert.equal(verifyDigest({ authorization: odd, method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW }).ok, true);
});

test("parseChallenge and parseAuthorization: parameters separated by spaces alone, quoted or not", () => {
  const [c] = parseChallenge('Digest qop="auth" nonce="abc123" opaque="" realm="cwmpd"');
  assert.ok(c && c.scheme === "Digest");
  assert.deepEqual([c.realm, c.nonce, c.opaque, c.qop], ["cwmpd", "abc123", "", ["auth"]]);
  const [d] = parseChallenge("Digest realm=cwmpd nonce=n1 qop=auth, Basic realm=b");
  assert.ok(d && d.scheme === "Digest");
  assert.deepEqual([d.realm, d.nonce, d.qop], ["cwmpd", "n1", ["auth"]]);
  const a = parseAuthorization('Digest username="u" realm="r" nonce="n" uri="/acs" nc=00000001 cnonce="c" qop=auth response="ff"');
  assert.ok(a && a.kind === "digest");
  assert.deepEqual([a.username, a.uri, a.nc, a.cnonce, a.qop, a.response], ["u", "/acs", "00000001", "c", "auth", "ff"]);
  // A space inside a quoted value is part of the value.
  const [e] = parseChallenge('Digest realm="my realm" nonce="n"');
  assert.ok(e && e.scheme === "Digest");
  assert.equal(e.realm, "my realm");
});

test("parseChallenge: several challenges in one header, several header lines, token68, Basic fallback", () => {
  const header = 'Digest realm="cpe", qop="auth,auth-int", nonce="abc", opaque="o", algorithm=MD5, Basic realm="cpe basic", Negotiate';
  const cs = parseChallenge(header);
  assert.deepEqual(cs.map((c) => c.scheme), ["Digest", "Basic", "Other"]);
  const [d, b, n] = cs;
  assert.ok(d?.scheme === "Digest" && b?.scheme === "Basic" && n?.scheme === "Other");
  assert.deepEqual(d.qop, ["auth", "auth-int"]);
  assert.equal(d.realm, "cpe");
  assert.equal(d.opaque, "o");
  assert.equal(b.realm, "cpe basic");
  assert.equal(n.name, "Negotiate");

  const lines = parseChallenge(['Basic realm="a"', 'Digest realm="b", nonce="n1", algorithm=SHA-256', "Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu=="]);
  assert.deepEqual(lines.map((c) => c.scheme), ["Basic", "Digest", "Other"]);
  assert.equal(lines[2]?.scheme === "Other" ? lines[2].token68 : "", "YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu==");

  // A Digest challenge without a nonce cannot be answered.
  const noNonce = parseChallenge('Digest realm="x", Basic realm="y"');
  assert.deepEqual(noNonce.map((c) => c.scheme), ["Other", "Basic"]);

  assert.equal(pickChallenge(cs)?.scheme, "Digest");
  assert.equal(pickChallenge(noNonce), undefined, "Basic only when allowed");
  assert.equal(pickChallenge(noNonce, { allowBasic: true })?.scheme, "Basic");
  assert.equal(pickChallenge(parseChallenge('Digest realm="x", nonce="n", algorithm=SHA-512-256')), undefined);
  assert.deepEqual(parseChallenge(undefined), []);
  assert.deepEqual(parseChallenge(""), []);
});

test("an empty parameter before more parameters is not mistaken for a token68", () => {
  const [c] = parseChallenge('Digest realm=, nonce="n", qop=auth');
  assert.ok(c?.scheme === "Digest");
  assert.equal(c.realm, "");
  assert.equal(c.nonce, "n");
  assert.deepEqual(c.qop, ["auth"]);
});

test("client refuses what it cannot answer, with typed errors", () => {
  const sha512 = digestChallenge('Digest realm="x", nonce="n", algorithm=SHA-512-256, qop="auth"');
  const base = { username: "u", password: "p", method: "GET", uri: "/", cnonce: "c", nc: 1 };
  assert.throws(() => digestAuthorization({ ...base, challenge: sha512 }), (e: unknown) => e instanceof AuthRemoteError && e.code === "AUTH_UNSUPPORTED_ALGORITHM");
  const confOnly = digestChallenge('Digest realm="x", nonce="n", qop="auth-conf"');
  assert.throws(() => digestAuthorization({ ...base, challenge: confOnly }), (e: unknown) => e instanceof AuthRemoteError && e.code === "AUTH_UNSUPPORTED_QOP");
  const ok = digestChallenge('Digest realm="x", nonce="n", qop="auth"');
  assert.throws(() => digestAuthorization({ ...base, challenge: ok, nc: 0 }), AuthLocalError);
  assert.throws(() => digestAuthorization({ ...base, challenge: ok, cnonce: 'a"b' }), AuthLocalError);
  assert.throws(() => digestAuthorization({ ...base, challenge: ok, password: undefined }), AuthLocalError);
  assert.throws(() => createChallenge({ realm: REALM, now: NOW, secret: "", nonceTtlMs: TTL }), AuthLocalError);
  assert.throws(() => createChallenge({ realm: REALM, now: NOW, secret: SECRET, nonceTtlMs: 0 }), AuthLocalError);
});

test("nc is written as 8 hex digits and a realm with quotes is escaped", () => {
  const challenge = digestChallenge('Digest realm="the \\"best\\" realm", nonce="n", qop="auth"');
  assert.equal(challenge.realm, 'the "best" realm');
  const header = digestAuthorization({ challenge, username: "u", password: "p", method: "GET", uri: "/", cnonce: "c", nc: 0x1ff });
  assert.match(header, /nc=000001ff/);
  assert.match(header, /realm="the \\"best\\" realm"/);
  assert.equal((parseAuthorization(header) as DigestCredentials).realm, 'the "best" realm');
});

// xorshift32: deterministic, so a failure reproduces.
function generator(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
  return (alphabet: readonly string[], maxLength: number) =>
    Array.from({ length: Math.floor(next() * maxLength) }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
}

test("fuzz: Authorization and WWW-Authenticate parsing never throws on hostile text", () => {
  const text = generator(0xd1fe57);
  const alphabet = ["Digest", "Basic", " ", ",", "=", '"', "\\", "realm", "nonce", "qop", "auth", "a", "Zm9v", "==", "\t", "\r\n", ";", "é", "\u0000"];
  for (let i = 0; i < 4000; i++) {
    const header = text(alphabet, 24);
    const parsed = parseAuthorization(header);
    assert.ok(parsed === null || ["digest", "basic", "other", "malformed"].includes(parsed.kind), header);
    for (const c of parseChallenge(header)) {
      if (c.scheme === "Digest") assert.equal(typeof c.nonce, "string");
    }
    const r = verifyDigest({ authorization: header, method: "POST", ha1: HA1, secret: SECRET, realm: REALM, now: NOW });
    assert.equal(r.ok, false);
  }
});
