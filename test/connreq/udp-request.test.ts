import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  ConnreqLocalError,
  buildUdpConnectionRequest,
  parseUdpConnectionRequest,
  udpConnectionRequestSignature,
  verifyUdpConnectionRequest,
} from "../../src/connreq/index.js";
import type { VerifyUdpConnectionRequestOptions } from "../../src/connreq/index.js";

const NOW = 1_120_673_700_123; // ms; ts = 1120673700
const CPE = { username: "cpe-user", password: "cr-password" };

function build(overrides: Partial<Parameters<typeof buildUdpConnectionRequest>[0]> = {}) {
  return buildUdpConnectionRequest({ authority: "203.0.113.7:7547", ...CPE, now: NOW, id: 1234, cnonce: "XTGU", ...overrides });
}

const verifyOptions = (extra: Partial<VerifyUdpConnectionRequestOptions> = {}): VerifyUdpConnectionRequestOptions => ({ ...CPE, now: NOW + 2000, ...extra });

test("the datagram: request line with ts, id, un, cn, sig; Host header; signature over ts+id+un+cn", () => {
  const { message, request } = build();
  const sig = createHmac("sha1", "cr-password").update("11206737001234cpe-userXTGU").digest("hex");
  assert.equal(
    message.toString("latin1"),
    `GET http://203.0.113.7:7547?ts=1120673700&id=1234&un=cpe-user&cn=XTGU&sig=${sig} HTTP/1.1\r\nHost: 203.0.113.7:7547\r\n\r\n`,
  );
  assert.equal(request.sig, sig);
  assert.equal(udpConnectionRequestSignature("cr-password", "1120673700", "1234", "cpe-user", "XTGU"), sig);
  assert.match(sig, /^[0-9a-f]{40}$/);
});

test("the CPE accepts a fresh, well-signed request and reports what to record", () => {
  const { message } = build();
  const r = verifyUdpConnectionRequest(message, verifyOptions());
  assert.equal(r.ok, true);
  if (r.ok) {
    assert.equal(r.ts, 1120673700);
    assert.equal(r.id, "1234");
    assert.equal(r.request.authority, "203.0.113.7:7547");
    assert.equal(r.request.host, "203.0.113.7:7547");
    assert.equal(r.request.cn, "XTGU");
  }
});

test("a wrong password, a tampered field or a wrong user is refused", () => {
  const { message } = build();
  const text = message.toString("latin1");
  assert.deepEqual(verifyUdpConnectionRequest(message, verifyOptions({ password: "other" })), { ok: false, reason: "bad-signature" });
  assert.deepEqual(verifyUdpConnectionRequest(text.replace("cn=XTGU", "cn=XTGV"), verifyOptions()), { ok: false, reason: "bad-signature" });
  assert.deepEqual(verifyUdpConnectionRequest(text.replace("id=1234", "id=1235"), verifyOptions()), { ok: false, reason: "bad-signature" });
  assert.deepEqual(verifyUdpConnectionRequest(text.replace("ts=1120673700", "ts=1120673701"), verifyOptions()), { ok: false, reason: "bad-signature" });
  assert.deepEqual(verifyUdpConnectionRequest(message, verifyOptions({ username: "someone-else" })), { ok: false, reason: "wrong-username" });
});

test("replays: a seen id is refused (retransmissions too), an older ts is refused, a new id is accepted", () => {
  const first = build({ id: 1 });
  const r1 = verifyUdpConnectionRequest(first.message, verifyOptions());
  assert.ok(r1.ok);
  const state = { lastTs: r1.ts, seenIds: new Set([r1.id]) };
  assert.deepEqual(verifyUdpConnectionRequest(first.message, verifyOptions({ replay: state })), { ok: false, reason: "replayed-id" });
  const older = build({ id: 2, now: NOW - 60_000 });
  assert.deepEqual(verifyUdpConnectionRequest(older.message, verifyOptions({ replay: state })), { ok: false, reason: "ts-not-newer" });
  const sameSecond = build({ id: 3 });
  assert.equal(verifyUdpConnectionRequest(sameSecond.message, verifyOptions({ replay: state })).ok, true, "a new request in the same second");
  const later = build({ id: 4, now: NOW + 5000 });
  assert.equal(verifyUdpConnectionRequest(later.message, verifyOptions({ replay: state })).ok, true);
});

test("a ts outside the clock window is refused only when a window is set", () => {
  const { message } = build();
  const skew = 30_000;
  assert.equal(verifyUdpConnectionRequest(message, verifyOptions({ now: NOW + skew - 1000, maxClockSkewMs: skew })).ok, true);
  assert.deepEqual(verifyUdpConnectionRequest(message, verifyOptions({ now: NOW + 10 * 60_000, maxClockSkewMs: skew })), { ok: false, reason: "ts-out-of-window" });
  assert.deepEqual(verifyUdpConnectionRequest(message, verifyOptions({ now: NOW - 10 * 60_000, maxClockSkewMs: skew })), { ok: false, reason: "ts-out-of-window" });
  assert.equal(verifyUdpConnectionRequest(message, verifyOptions({ now: NOW + 365 * 86_400_000 })).ok, true, "no window: a CPE without a clock");
});

test("usernames and cnonces with special characters are percent-encoded and signed unencoded", () => {
  const username = "user name&x=1/é";
  const cnonce = "a+b c%";
  const { message } = build({ username, cnonce });
  const text = message.toString("latin1");
  assert.match(text, /un=user%20name%26x%3D1%2F%C3%A9&cn=a%2Bb%20c%25&/);
  const parsed = parseUdpConnectionRequest(message);
  assert.ok(parsed.ok);
  if (parsed.ok) {
    assert.equal(parsed.request.un, username);
    assert.equal(parsed.request.cn, cnonce);
  }
  assert.equal(verifyUdpConnectionRequest(message, { username, password: CPE.password, now: NOW }).ok, true);
});

test("a username sent raw (not percent-encoded) in UTF-8, as some ACSs do, still verifies", () => {
  const username = "usér";
  const { request } = build({ username });
  const raw = `GET http://h:1?ts=${request.ts}&id=${request.id}&un=${username}&cn=${request.cn}&sig=${request.sig} HTTP/1.1\r\n\r\n`;
  const r = verifyUdpConnectionRequest(Buffer.from(raw, "utf8"), { username, password: CPE.password, now: NOW });
  assert.equal(r.ok, true);
});

test("tolerated variants: '/' path, uppercase sig, LF line ends, no Host, origin-form target, extra fields", () => {
  const { request } = build();
  const q = `ts=${request.ts}&id=${request.id}&un=${request.un}&cn=${request.cn}`;
  const variants = [
    `GET http://203.0.113.7:7547/?${q}&sig=${request.sig} HTTP/1.1\r\nHost: 203.0.113.7:7547\r\n\r\n`,
    `GET http://203.0.113.7:7547?${q}&sig=${request.sig.toUpperCase()} HTTP/1.1\r\n\r\n`,
    `GET HTTP://203.0.113.7:7547?${q}&sig=${request.sig} HTTP/1.1\nHost: 203.0.113.7:7547\n\n`,
    `GET /?${q}&sig=${request.sig} HTTP/1.1\r\nHost: 203.0.113.7:7547\r\nConnection: close\r\n\r\n`,
    `GET http://203.0.113.7:7547?sig=${request.sig}&extra=1&${q} HTTP/1.1\r\n`,
    `get http://203.0.113.7:7547?${q}&sig=${request.sig} HTTP/1.0\r\n\r\n`,
  ];
  for (const v of variants) {
    const r = verifyUdpConnectionRequest(Buffer.from(v, "latin1"), verifyOptions());
    assert.equal(r.ok, true, v);
    if (r.ok) assert.equal(r.request.authority, "203.0.113.7:7547");
  }
});

test("an IPv6 authority, and the port-80 form without a port", () => {
  for (const authority of ["[2001:db8::1]:7547", "cpe.example.net"]) {
    const { message } = build({ authority });
    assert.match(message.toString("latin1"), new RegExp(`^GET http://${authority.replace(/[[\]]/g, "\\$&")}\\?ts=`));
    const r = verifyUdpConnectionRequest(message, verifyOptions());
    assert.ok(r.ok);
    if (r.ok) assert.equal(r.request.authority, authority);
  }
});

test("malformed datagrams are refused, never thrown", () => {
  const { request } = build();
  const q = `ts=${request.ts}&id=${request.id}&un=${request.un}&cn=${request.cn}&sig=${request.sig}`;
  const bad: (string | Uint8Array)[] = [
    "",
    "garbage",
    `POST http://h:1?${q} HTTP/1.1\r\n\r\n`,
    `GET http://h:1?${q}\r\n\r\n`,
    `GET http://h:1/path?${q} HTTP/1.1\r\n\r\n`,
    `GET /?${q} HTTP/1.1\r\n\r\n`, // origin form without Host
    `GET http://?${q} HTTP/1.1\r\n\r\n`,
    `GET http://h:1?${q.replace(/&sig=[0-9a-f]+/, "")} HTTP/1.1\r\n\r\n`,
    `GET http://h:1?${q.replace(/&un=[^&]+/, "")} HTTP/1.1\r\n\r\n`,
    `GET http://h:1?${q.replace(/sig=[0-9a-f]+/, "sig=abc")} HTTP/1.1\r\n\r\n`,
    `GET http://h:1?${q.replace(/ts=\d+/, "ts=-5")} HTTP/1.1\r\n\r\n`,
    `GET http://h:1?${q.replace(/id=\d+/, "id=12a")} HTTP/1.1\r\n\r\n`,
    `GET http://h:1?${q}&x=%E0%A4%A HTTP/1.1\r\n\r\n`,
    `GET http://h:1?${q}${"&pad=x".repeat(2000)} HTTP/1.1\r\n\r\n`,
    Buffer.from("000100002112a442000000000000000000000000", "hex"),
  ];
  for (const datagram of bad) {
    const parsed = parseUdpConnectionRequest(datagram);
    assert.equal(parsed.ok, false, String(datagram).slice(0, 80));
    const r = verifyUdpConnectionRequest(datagram, verifyOptions());
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason, "malformed");
  }
  assert.equal(parseUdpConnectionRequest(42 as unknown as string).ok, false);
});

test("building refuses impossible fields", () => {
  for (const overrides of [
    { authority: "" },
    { authority: "host:1/path" },
    { authority: "host name:1" },
    { authority: "user@host:1" },
    { id: -1 },
    { id: 1.5 },
    { cnonce: "" },
    { now: Number.NaN },
  ]) {
    assert.throws(() => build(overrides), (e: unknown) => e instanceof ConnreqLocalError && e.code === "UDP_CR_INVALID_ARGUMENT", JSON.stringify(overrides));
  }
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

test("fuzz: mutated and random datagrams are refused or parsed, never thrown", () => {
  const text = generator(0x0dd9a7);
  const valid = build().message.toString("latin1");
  const alphabet = ["GET ", "http://", "/", "?", "&", "=", "%", "%2", "ts=", "sig=", " ", "\r\n", "\n", "Host: h:1", "x", "9", "\u00ff"];
  let parsedSome = 0;
  for (let i = 0; i < 4000; i++) {
    // Replace a random slice of a valid datagram with random tokens, or use random tokens alone.
    const from = Math.floor((i * 7919) % valid.length);
    const to = Math.min(valid.length, from + (i % 9));
    const datagram = i % 5 === 0 ? text(alphabet, 14) : valid.slice(0, from) + text(alphabet, 3) + valid.slice(to);
    const parsed = parseUdpConnectionRequest(datagram);
    if (parsed.ok) {
      parsedSome++;
      assert.match(parsed.request.sig, /^[0-9a-fA-F]{40}$/);
      assert.match(parsed.request.ts, /^[0-9]+$/);
      assert.match(parsed.request.id, /^[0-9]+$/);
    }
    assert.equal(typeof verifyUdpConnectionRequest(datagram, verifyOptions()).ok, "boolean");
  }
  assert.ok(parsedSome > 100, `some mutations keep the request readable (${parsedSome})`);
});
