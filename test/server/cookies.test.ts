import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CookieError, formatSetCookie, parseCookies } from "../../src/server/cookies.js";
import { corpusDir } from "../support/paths.js";

const entries = (m: Map<string, string>) => [...m.entries()];

test("Thomson RFC 2109 style: $Version and $Path are attributes, not cookies", () => {
  assert.deepEqual(entries(parseCookies('$Version="0"; ID=218_THOM_TR69_ID;$Path=/')), [["ID", "218_THOM_TR69_ID"]]);
  assert.deepEqual(
    entries(parseCookies('$Version="1"; session="abc"; $Path="/acs"; $Domain=".example.net"; other=2; $Path="/"')),
    [["session", "abc"], ["other", "2"]],
  );
});

test("comma separators, as some devices send them", () => {
  assert.deepEqual(entries(parseCookies("session=abc, ID=42")), [["session", "abc"], ["ID", "42"]]);
  assert.deepEqual(entries(parseCookies("a=1,b=2;c=3 ,d=4")), [["a", "1"], ["b", "2"], ["c", "3"], ["d", "4"]]);
});

test("several cookies, as catawampus CPEs must return them", () => {
  assert.deepEqual(entries(parseCookies("AnotherCookie=987654321; CWMPSID=0123456789abcdef")), [
    ["AnotherCookie", "987654321"],
    ["CWMPSID", "0123456789abcdef"],
  ]);
});

test("quoted values, escapes, spaces, empty values and pieces without '='", () => {
  assert.deepEqual(entries(parseCookies(' a = "x;y,z" ;b="q\\"uote"; c= ; d ;; =orphan; e=plain value ')), [
    ["a", "x;y,z"],
    ["b", 'q"uote'],
    ["c", ""],
    ["e", "plain value"],
  ]);
  assert.deepEqual(entries(parseCookies('a="unterminated')), [["a", "unterminated"]]);
  assert.deepEqual(entries(parseCookies("token=abc==; x=1")), [["token", "abc=="], ["x", "1"]]);
});

test("duplicates: the first one wins, across header lines too", () => {
  assert.deepEqual(entries(parseCookies("ID=first; ID=second")), [["ID", "first"]]);
  assert.deepEqual(entries(parseCookies(["session=1", "session=2; other=3"])), [["session", "1"], ["other", "3"]]);
});

test("empty and absent headers", () => {
  assert.equal(parseCookies(undefined).size, 0);
  assert.equal(parseCookies("").size, 0);
  assert.equal(parseCookies(" ; , ").size, 0);
  assert.equal(parseCookies([]).size, 0);
});

test("the gSOAP CPE cookie from the corpus (genieacs issue 74)", () => {
  const text = readFileSync(join(corpusDir, "http-headers", "genieacs-issue74-acs-GetParameterNames-1.headers.txt"), "utf8");
  const m = /"cookie":"([^"]*)"/.exec(text);
  assert.ok(m, "the corpus file names the CPE's cookie");
  assert.deepEqual(entries(parseCookies(m[1])), [["session", "f99df6e334865d75"]]);
});

test("formatSetCookie writes what CPEs send back, and round trips through parseCookies", () => {
  assert.equal(formatSetCookie({ name: "session", value: "e77c6e211bca4181" }), "session=e77c6e211bca4181; Path=/; HttpOnly");
  assert.equal(
    formatSetCookie({ name: "session", value: "abc", path: "/acs", maxAge: 300, httpOnly: false }),
    "session=abc; Path=/acs; Max-Age=300",
  );
  assert.equal(formatSetCookie({ name: "s", value: "v", secure: true, sameSite: "Strict" }), "s=v; Path=/; HttpOnly; Secure; SameSite=Strict");
  assert.equal(formatSetCookie({ name: "s", value: "", maxAge: 0 }), "s=; Path=/; Max-Age=0; HttpOnly");
  const setCookie = formatSetCookie({ name: "CWMPSID", value: "0123abc" });
  const pair = setCookie.split(";")[0] as string;
  assert.deepEqual(entries(parseCookies(`$Version="0"; ${pair}; $Path=/`)), [["CWMPSID", "0123abc"]]);
});

test("formatSetCookie refuses names and values a CPE could not send back", () => {
  for (const options of [
    { name: "", value: "x" },
    { name: "bad name", value: "x" },
    { name: "$Version", value: "1" },
    { name: "a", value: "has,comma" },
    { name: "a", value: "has;semicolon" },
    { name: "a", value: 'has"quote' },
    { name: "a", value: "has space" },
    { name: "a", value: "x", path: "/a;b" },
    { name: "a", value: "x", maxAge: -1 },
    { name: "a", value: "x", maxAge: 1.5 },
  ]) {
    assert.throws(() => formatSetCookie(options), (e: unknown) => e instanceof CookieError && e.code === "COOKIE_INVALID", JSON.stringify(options));
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

test("fuzz: hostile Cookie headers never throw and never yield '$' attributes or empty names", () => {
  const text = generator(0xc00c1e);
  const alphabet = ["a", "ID", "$Version", "$Path", "=", ";", ",", '"', "\\", " ", "\t", "0", "/", "é"];
  for (let i = 0; i < 4000; i++) {
    const header = text(alphabet, 20);
    for (const [name] of parseCookies(header)) {
      assert.ok(name.length > 0 && !name.startsWith("$") && !/[;,=]/.test(name), `${JSON.stringify(header)} -> ${JSON.stringify(name)}`);
    }
  }
});
