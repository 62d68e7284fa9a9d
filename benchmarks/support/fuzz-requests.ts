// The requests of the HTTP fuzz run (benchmarks/fuzz-http.ts): a seed message damaged by the codec fuzz
// test's mutators and by structural ones of its own (nesting, entities, counts, namespaces), then put in
// an HTTP request whose method, headers, encoding and framing may be damaged too.

import { deflateSync, gzipSync } from "node:zlib";
import { serializeEnvelope, type CwmpEnvelope } from "../../src/cwmp/index.js";
import { Cpe, makeIdentity, tr181Gateway } from "../../src/sim/index.js";
import { messageFixtures } from "../../test/cwmp/fixtures.js";
import { loadSeeds, mutators, position, type Mutator, type Rng, type Seed } from "../../test/support/cwmp-mutators.js";

const te = (s: string) => Buffer.from(s, "utf8");

/** The corpus, the fixtures, and what the simulator answers to each of the ACS's requests in the fixtures. */
export function allSeeds(): Seed[] {
  return [...loadSeeds(), ...simulatorSeeds()];
}

function simulatorSeeds(): Seed[] {
  const model = tr181Gateway();
  const seeds: Seed[] = [];
  messageFixtures.forEach((f, i) => {
    if (f.from !== "acs" || f.body === null || f.body.method === "InformResponse") return;
    const cpe = new Cpe(model, makeIdentity(model.identityDefaults, { serialPrefix: "FUZZSEED" }, i));
    cpe.powerOn(0);
    const inform = cpe.startSession(0);
    if (i === 0) seeds.push({ name: "sim:Inform", bytes: te(serializeEnvelope(inform)) });
    cpe.receive({ ns: inform.ns, header: {}, body: { method: "InformResponse", maxEnvelopes: 1 } }, 0);
    const out = cpe.receive({ ns: inform.ns, header: { id: `fuzz-${i}` }, body: f.body }, 0);
    if (!out.done && out.reply !== null) seeds.push({ name: `sim:${f.name}`, bytes: te(serializeEnvelope(out.reply)) });
  });
  return seeds;
}

/** The Inform each fuzzing connection opens its sessions with: a simulated device of its own. */
export function sessionInform(worker: number): CwmpEnvelope {
  const model = tr181Gateway();
  const cpe = new Cpe(model, makeIdentity(model.identityDefaults, { serialPrefix: "FUZZ" }, worker));
  cpe.powerOn(0);
  return cpe.startSession(0);
}

/** Stacked mutations can grow a body without end; past this they are cut (the server's limit is 16 MiB). */
const MAX_BODY = 8 << 20;

/** cwmp.bootstrapMaxInformBytes by default: the smallest body limit a request may meet. */
const SMALLEST_LIMIT = 256 * 1024;

const CWMP_NS = /urn:dslforum-org:cwmp-1-\d/g;

/** Damage of the message's structure that the codec fuzz test's byte-level strategies rarely reach. */
const structural: Record<string, Mutator> = {
  "deep nesting": (rng, b) => {
    const depth = rng.pick([50, 500, 5000, 100_000]);
    const at = position(rng, b, 0.9);
    const name = rng.pick(["a", "cwmp:Inform", "Value", "soapenv:Body"]);
    return Buffer.concat([b.subarray(0, at), te(`<${name}>`.repeat(depth)), te(rng.chance(0.5) ? `</${name}>`.repeat(depth) : ""), b.subarray(at)]);
  },
  "entity tricks": (rng, b) => {
    const dtd = rng.pick([
      '<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
      '<!DOCTYPE e [<!ENTITY d SYSTEM "file:///etc/passwd">]>',
      '<!DOCTYPE e SYSTEM "http://127.0.0.1:9/x.dtd">',
      '<!DOCTYPE e [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]>',
      '<!DOCTYPE e [<!ENTITY d "&d;">]>',
    ]);
    const text = b.toString("latin1");
    const decl = /^\s*<\?xml[^>]*\?>/.exec(text);
    const head = decl ? decl[0].length : 0;
    const withDtd = Buffer.concat([b.subarray(0, head), te(dtd), b.subarray(head)]);
    const value = withDtd.indexOf("</");
    return value < 0 ? withDtd : Buffer.concat([withDtd.subarray(0, value), te("&d;"), withDtd.subarray(value)]);
  },
  "huge count": (rng, b) => {
    const text = b.toString("latin1");
    const struct = /<(ParameterValueStruct|ParameterInfoStruct|EventStruct|string)\b[\s\S]*?<\/\1>/.exec(text);
    if (struct === null || rng.chance(0.3)) return Buffer.from(text.replace(/\[\d+\]/g, `[${rng.pick(["4294967295", "99999999999999999999", "-1", "0"])}]`), "latin1");
    const end = struct.index + struct[0].length;
    const times = Math.min(rng.pick([100, 3000, 20_000]), Math.floor(MAX_BODY / struct[0].length));
    return Buffer.concat([b.subarray(0, end), te(struct[0].repeat(times)), b.subarray(end)]);
  },
  "wrong namespace": (rng, b) => {
    const other = rng.pick(["urn:dslforum-org:cwmp-1-9", "urn:broadband-forum-org:cwmp-1-0", "", "http://www.w3.org/2003/05/soap-envelope", "urn:dslforum-org:cwmp-1-"]);
    const text = b.toString("latin1");
    return Buffer.from(rng.chance(0.5) ? text.replace(CWMP_NS, other) : text.replace("http://schemas.xmlsoap.org/soap/envelope/", other), "latin1");
  },
  "element removal": (rng, b) => {
    const text = b.toString("latin1");
    const elements = [...text.matchAll(/<([A-Za-z_][\w.:-]*)[^>]*>[^<]*<\/\1>/g)];
    if (elements.length === 0) return b;
    const m = rng.pick(elements);
    return Buffer.concat([b.subarray(0, m.index), b.subarray(m.index + m[0].length)]);
  },
  "attribute damage": (rng, b) => {
    const text = b.toString("latin1");
    const attrs = [...text.matchAll(/\s[\w:-]+="[^"]*"/g)];
    if (attrs.length === 0) return b;
    const m = rng.pick(attrs);
    const replacement = rng.pick(["", m[0] + m[0], `${m[0]} ${m[0].trim()}`, m[0].replace(/"/g, "'"), m[0].replace(/="[^"]*"/, "")]);
    return Buffer.concat([b.subarray(0, m.index), te(replacement), b.subarray(m.index + m[0].length)]);
  },
  "invalid UTF-8": (rng, b) => {
    const out = Buffer.from(b);
    for (let k = 1 + rng.int(8); k > 0 && out.length > 0; k--) out[rng.int(out.length)] = 0x80 + rng.int(0x80);
    return out;
  },
};

export const messageStrategies: Record<string, Mutator> = { ...mutators, ...structural };

export type AuthMode = "basic" | "none" | "wrong password" | "garbled";

export interface Credentials {
  username: string;
  password: string;
}

export interface FuzzRequest {
  /** The strategies applied, for the findings. */
  strategy: string;
  from: string;
  auth: AuthMode;
  bytes: Buffer;
  head: boolean;
  /** The framing is damaged: what follows on the connection cannot be told apart, so it is closed after. */
  framingBroken: boolean;
  /**
   * The server may refuse the body before reading all of it (too large, or too large once decompressed)
   * and close: the bytes it left unread make its kernel reset the connection, which can overtake the
   * refusal on the client's side (as test/server/cwmp-refusals.test.ts allows for too).
   */
  mayBeReset: boolean;
}

/** One fuzz request, all of it drawn from `rng`. `cookie` is the session's, when the connection is in one. */
export function fuzzRequest(rng: Rng, seeds: readonly Seed[], creds: Credentials, cookie: string | null): FuzzRequest {
  const from = rng.pick(seeds);
  const names = Object.keys(messageStrategies);
  const applied: string[] = [];
  let body = from.bytes;
  for (let k = rng.chance(0.08) ? 0 : 1 + rng.int(3); k > 0; k--) {
    const name = rng.pick(names);
    applied.push(name);
    body = messageStrategies[name]!(rng, body, seeds);
    if (body.length > MAX_BODY) body = body.subarray(0, MAX_BODY);
  }
  const method = rng.chance(0.95) ? "POST" : rng.pick(["GET", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH", "FUZZ"]);
  const path = rng.chance(0.95) ? "/" : rng.pick(["/x", "/%ff%fe", "/?a=b", "//", `/${"a".repeat(4000)}`, "*", "http://127.0.0.1/"]);
  const headers: string[] = ["Host: 127.0.0.1"];
  if (!rng.chance(0.05)) headers.push(`Content-Type: ${contentType(rng)}`);
  if (rng.chance(0.3)) headers.push('SOAPAction: ""');
  const auth = authHeader(rng, creds);
  if (auth.header !== null) headers.push(auth.header);
  if (cookie !== null) headers.push(`Cookie: ${rng.chance(0.05) ? cookie.replace(/=.*/, "=" + rng.pick(["", "x", "%00", "a".repeat(300)])) : cookie}`);
  const encoded = rng.chance(0.15);
  if (encoded) {
    const enc = encode(rng, body);
    headers.push(`Content-Encoding: ${enc.label}`);
    body = enc.body;
    applied.push(`Content-Encoding ${enc.label}${enc.note}`);
  }
  const framed = frame(rng, headers, body);
  applied.push(...framed.notes);
  const bytes = Buffer.concat([te(`${method} ${path} HTTP/1.1\r\n${framed.headers.join("\r\n")}\r\n\r\n`), framed.body]);
  return { strategy: applied.join(" + ") || "none", from: from.name, auth: auth.mode, bytes, head: method === "HEAD", framingBroken: framed.broken, mayBeReset: encoded || body.length > SMALLEST_LIMIT };
}

function contentType(rng: Rng): string {
  return rng.chance(0.7)
    ? rng.pick(['text/xml; charset="utf-8"', "text/xml", "text/xml; charset=utf-8"])
    : rng.pick(["application/soap+xml", "text/xml; charset=iso-8859-1", "text/xml; charset=utf-16", "text/xml; charset=bogus", "", "multipart/form-data; boundary=x", "application/json", "text/xml; charset=", "\u00ff\u00fe", `text/xml; ${"a=b; ".repeat(200)}`]);
}

function authHeader(rng: Rng, creds: Credentials): { mode: AuthMode; header: string | null } {
  const basic = (user: string, pass: string) => `Authorization: Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
  const r = rng.int(100);
  if (r < 65) return { mode: "basic", header: basic(creds.username, creds.password) };
  if (r < 80) return { mode: "none", header: null };
  if (r < 90) return { mode: "wrong password", header: basic(creds.username, `${creds.password}x`) };
  const garbled = rng.pick([
    "Basic !!!",
    "Basic",
    `Basic ${Buffer.from(creds.username).toString("base64")}`,
    'Digest username="fuzz", realm="provisio", nonce="00", uri="/", response="00"',
    "Digest ,,,,=",
    `Basic ${"A".repeat(6000)}`,
    "Bearer x",
    `Basic ${Buffer.from(`${creds.username}\u0000:${creds.password}`).toString("base64")}`,
  ]);
  return { mode: "garbled", header: `Authorization: ${garbled}` };
}

function encode(rng: Rng, body: Buffer): { label: string; body: Buffer; note: string } {
  switch (rng.int(7)) {
    case 0:
      return { label: "gzip", body: gzipSync(body), note: "" };
    case 1:
      return { label: "deflate", body: deflateSync(body), note: "" };
    case 2:
      return { label: "gzip", body: Buffer.from(Array.from({ length: 1 + rng.int(512) }, () => rng.int(256))), note: " of garbage" };
    case 3: {
      const z = gzipSync(body);
      return { label: "gzip", body: z.subarray(0, rng.int(z.length)), note: " cut short" };
    }
    case 4:
      return { label: "gzip", body, note: " (not compressed)" };
    case 5:
      return { label: rng.pick(["br", "compress", "gzip, gzip", "x-gzip", "identity", "GZIP", ""]), body, note: "" };
    default:
      return { label: "gzip", body: bomb(rng.pick([1 << 20, 20 << 20])), note: " bomb" };
  }
}

const bombs = new Map<number, Buffer>();

/** A small body that inflates to `size` bytes; made once per size, since compressing it costs. */
function bomb(size: number): Buffer {
  let b = bombs.get(size);
  if (b === undefined) bombs.set(size, (b = gzipSync(Buffer.alloc(size, 0x3c))));
  return b;
}

function frame(rng: Rng, headers: string[], body: Buffer): { headers: string[]; body: Buffer; notes: string[]; broken: boolean } {
  const r = rng.int(100);
  if (r < 85) return { headers: [...headers, `Content-Length: ${body.length}`], body, notes: [], broken: false };
  if (r < 95) {
    const parts: Buffer[] = [];
    for (let at = 0; at < body.length; ) {
      const size = 1 + rng.int(Math.max(1, Math.min(body.length - at, 4096)));
      parts.push(te(`${size.toString(16)}\r\n`), body.subarray(at, at + size), te("\r\n"));
      at += size;
    }
    parts.push(te("0\r\n\r\n"));
    return { headers: [...headers, "Transfer-Encoding: chunked"], body: Buffer.concat(parts), notes: ["chunked"], broken: false };
  }
  // Framing a server must refuse; the connection is given up after the answer.
  const bad = rng.pick([
    ["Transfer-Encoding: gzip"],
    ["Transfer-Encoding: chunked, identity"],
    [`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`],
    [`Content-Length: ${body.length}`, "Transfer-Encoding: chunked"],
    ["Content-Length: -1"],
    ["Content-Length: 0x10"],
    [`Content-Length: ${Math.max(0, body.length - 1 - rng.int(64))}`],
  ]);
  return { headers: [...headers, ...bad], body, notes: [bad.join(", ")], broken: true };
}
