// Output options for picky CPE stacks (no XML declaration, other prefixes, <a/> for empty elements,
// literal booleans): every envelope the ACS sends, written with each of them, still validates against
// the Broadband Forum schemas, reads back as the same message, and has the form asked for.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CwmpLocalError, parseCwmp, serializeEnvelope, type CwmpEnvelope, type CwmpNamespaceVersion, type SerializeOptions } from "../../src/cwmp/index.js";
import { bbfDir } from "../support/paths.js";
import { envelopeOf, headerFixtures, messageFixtures, namespacesFrom } from "./fixtures.js";

const profiles: Record<string, SerializeOptions> = {
  "SOAP-ENV, no declaration, <a/>": { xmlDeclaration: false, prefixes: { soapEnv: "SOAP-ENV", soapEnc: "SOAP-ENC" }, emptyElements: "selfClosing" },
  "soap-env, literal booleans": { prefixes: { soapEnv: "soap-env", soapEnc: "soap-enc" }, booleans: "literal" },
  "every prefix renamed, <a/>": { prefixes: { soapEnv: "s", soapEnc: "e", cwmp: "c" }, emptyElements: "selfClosing" },
};

// cwmp-1-3 and 1-4 envelopes differ from 1-2 ones only by the namespace URI (validate.test.ts).
const standard = (since: CwmpNamespaceVersion) => namespacesFrom(since).filter((ns) => ns <= "1-2");

interface Written {
  profile: string;
  label: string;
  envelope: CwmpEnvelope;
  xml: string;
}

function everyAcsEnvelope(): { label: string; envelope: CwmpEnvelope }[] {
  const out: { label: string; envelope: CwmpEnvelope }[] = [];
  for (const f of messageFixtures.filter((m) => m.from === "acs")) {
    for (const ns of standard(f.since)) out.push({ label: `${f.name}.cwmp-${ns}`, envelope: envelopeOf(f, ns) });
  }
  for (const h of headerFixtures) {
    for (const ns of standard(h.since)) out.push({ label: `header ${h.name}.cwmp-${ns}`, envelope: envelopeOf({ header: h.header, body: { method: "InformResponse", maxEnvelopes: 1 } }, ns) });
  }
  return out;
}

describe("serializer output options", () => {
  let dir = "";
  const written: Written[] = [];
  let result = { status: null as number | null, output: "" };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "provisio-profiles-"));
    const files: string[] = [];
    for (const [profile, options] of Object.entries(profiles)) {
      for (const { label, envelope } of everyAcsEnvelope()) {
        const xml = serializeEnvelope(envelope, options);
        written.push({ profile, label, envelope, xml });
        const file = join(dir, `${String(files.length).padStart(4, "0")}-${`${profile} ${label}`.replace(/[^A-Za-z0-9.+-]+/g, "_")}.xml`);
        writeFileSync(file, xml);
        files.push(file);
      }
    }
    const r = spawnSync("bash", [join(bbfDir, "validate-cwmp"), ...files], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (r.error) throw r.error;
    result = { status: r.status, output: (r.stdout + r.stderr).trim() };
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("covers every message the ACS sends with every profile", () => {
    const methods = new Set<string>(written.map((w) => w.envelope.body?.method ?? "empty"));
    for (const m of ["InformResponse", "GetParameterValues", "SetParameterValues", "Download", "Fault", "GetRPCMethods", "empty"]) assert.ok(methods.has(m), m);
    assert.equal(written.length, Object.keys(profiles).length * everyAcsEnvelope().length);
  });

  it("every envelope validates against the BBF schemas", () => {
    assert.equal(result.status, 0, result.output.slice(0, 8000));
    assert.equal(result.output, "");
  });

  it("every envelope reads back as the message written", () => {
    for (const w of written) {
      const back = parseCwmp(w.xml).envelopes;
      assert.equal(back.length, 1);
      const plain = parseCwmp(serializeEnvelope(w.envelope)).envelopes[0]!;
      assert.deepEqual(back[0], plain, `${w.profile}: ${w.label}`);
    }
  });

  it("has the form asked for: declaration, prefixes, empty elements", () => {
    for (const w of written) {
      const o = profiles[w.profile]!;
      const env = o.prefixes?.soapEnv ?? "soapenv";
      const at = `${w.profile}: ${w.label}`;
      assert.equal(w.xml.startsWith("<?xml"), o.xmlDeclaration !== false, at);
      assert.ok(w.xml.replace(/^<\?xml[^>]*>\n/, "").startsWith(`<${env}:Envelope xmlns:${env}="http://schemas.xmlsoap.org/soap/envelope/"`), at);
      assert.ok(w.xml.includes(`<${env}:Body`), at);
      // No element or attribute is left with a default prefix that was renamed.
      for (const [key, def] of [["soapEnv", "soapenv"], ["soapEnc", "soapenc"], ["cwmp", "cwmp"]] as const) {
        const mine = o.prefixes?.[key] ?? def;
        if (mine !== def) assert.doesNotMatch(w.xml, new RegExp(`[<\\s"/]${def}:`), `${at}: ${def}: left`);
      }
      if (o.emptyElements === "selfClosing") assert.doesNotMatch(w.xml, /<([\w:.-]+)(\s[^>]*)?><\/\1>/, at);
      else assert.doesNotMatch(w.xml, /\/>/, at);
    }
    const empties = written.filter((w) => w.profile === "SOAP-ENV, no declaration, <a/>").map((w) => w.xml);
    assert.ok(empties.some((x) => x.includes("<SOAP-ENV:Body/>")));
    assert.ok(empties.some((x) => x.includes("<cwmp:GetRPCMethods/>")));
    assert.ok(empties.some((x) => x.includes('<cwmp:ID SOAP-ENV:mustUnderstand="1"/>')));
  });

  it("writes booleans as asked", () => {
    const spv = written.filter((w) => w.envelope.body?.method === "GetParameterNames");
    assert.ok(spv.length > 0);
    for (const w of spv) assert.match(w.xml, profiles[w.profile]!.booleans === "literal" ? /<NextLevel>(true|false)</ : /<NextLevel>[01]</);
  });

  it("refuses prefixes that are not names, are reserved, or collide, with a clear error", () => {
    const inform = envelopeOf(messageFixtures.find((f) => f.name === "InformResponse")!, "1-0");
    const bad: [SerializeOptions["prefixes"], RegExp][] = [
      [{ soapEnv: "" }, /soapEnv prefix "" is not an XML name/],
      [{ cwmp: "a:b" }, /cwmp prefix "a:b" is not an XML name/],
      [{ soapEnc: "1x" }, /soapEnc prefix "1x"/],
      [{ soapEnv: "xmlns" }, /reserved/],
      [{ cwmp: "xsi" }, /reserved/],
      [{ soapEnv: "x", soapEnc: "x" }, /soapEnc and soapEnv prefixes are both "x"/],
      [{ cwmp: "soapenv" }, /cwmp and soapEnv prefixes are both "soapenv"/],
    ];
    for (const [prefixes, message] of bad) {
      assert.throws(() => serializeEnvelope(inform, { prefixes }), (e: unknown) => e instanceof CwmpLocalError && e.code === "SERIALIZE_INVALID" && message.test(e.message), JSON.stringify(prefixes));
    }
  });
});
