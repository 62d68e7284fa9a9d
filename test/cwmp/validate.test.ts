// Every envelope the serializer emits, for every method in every namespace that defines it, validates
// against the Broadband Forum schemas (../shared/bbf/validate-cwmp, which runs xmllint).
//
// The validator maps cwmp-1-3 and cwmp-1-4 to the CWMP 1.4 schema, whose targetNamespace is cwmp-1-2
// (CWMP 1.3 and 1.4 kept the cwmp-1-2 namespace). Envelopes in those non-standard namespaces, which we
// write only to echo a device that used them, therefore cannot validate as they are: for them the test
// checks that they are the cwmp-1-2 envelope with only the namespace URI changed, and validates that.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cwmpNamespaceUri, serializeEnvelope, serializeEnvelopes, serializeMustUnderstandFault } from "../../src/cwmp/index.js";
import type { CwmpMessage } from "../../src/cwmp/index.js";
import { bbfDir } from "../support/paths.js";
import { envelopeOf, headerFixtures, messageFixtures, namespacesFrom } from "./fixtures.js";

const validator = join(bbfDir, "validate-cwmp");

function runValidator(files: string[]): { status: number | null; output: string } {
  const r = spawnSync("bash", [validator, ...files], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, output: (r.stdout + r.stderr).trim() };
}

/** Splits a body of several envelopes into standalone documents. */
function splitEnvelopes(body: string): string[] {
  return body
    .split(/(?<=<\/soapenv:Envelope>)/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

describe("schema validation of serialized envelopes", () => {
  let dir = "";
  const files: string[] = [];
  const nonStandard: { label: string; xml: string; xml12: string; ns: "1-3" | "1-4" }[] = [];
  const multi: { envelopes: number; parts: string[] }[] = [];
  let result: { status: number | null; output: string } = { status: null, output: "" };

  function add(label: string, xml: string): void {
    const file = join(dir, `${String(files.length).padStart(3, "0")}-${label.replace(/[^A-Za-z0-9.+-]+/g, "_")}.xml`);
    writeFileSync(file, xml);
    files.push(file);
  }

  function addAllNamespaces(label: string, since: "1-0" | "1-1" | "1-2" | "1-3" | "1-4", make: (ns: "1-0" | "1-1" | "1-2" | "1-3" | "1-4") => string): void {
    for (const ns of namespacesFrom(since)) {
      const xml = make(ns);
      if (ns === "1-3" || ns === "1-4") {
        nonStandard.push({ label, xml, xml12: make("1-2"), ns });
      } else {
        add(`${label}.cwmp-${ns}`, xml);
      }
    }
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "provisio-validate-"));
    for (const f of messageFixtures) {
      addAllNamespaces(f.name, f.since, (ns) => serializeEnvelope(envelopeOf(f, ns)));
    }
    for (const f of messageFixtures) {
      if (f.body?.method !== "SetParameterValues" && f.body?.method !== "GetParameterNames") continue;
      addAllNamespaces(`${f.name}+literal-booleans`, f.since, (ns) => serializeEnvelope(envelopeOf(f, ns), { booleans: "literal" }));
    }
    const bodies: (CwmpMessage | null)[] = [{ method: "InformResponse", maxEnvelopes: 1 }, null];
    for (const h of headerFixtures) {
      for (const body of bodies) {
        addAllNamespaces(`header ${h.name} ${body?.method ?? "empty"}`, h.since, (ns) => serializeEnvelope(envelopeOf({ header: h.header, body }, ns)));
      }
    }
    // The SOAP MustUnderstand fault, with and without the cwmp:ID it echoes.
    for (const id of ["7", undefined]) {
      addAllNamespaces(`MustUnderstand fault id=${id}`, "1-0", (ns) => serializeMustUnderstandFault(ns, id, ["x:Trace", "y:Other"]));
    }
    // Several envelopes in one body, split back into documents.
    for (const ns of ["1-0", "1-1", "1-2"] as const) {
      const envs = messageFixtures.filter((f) => f.since <= ns).map((f) => envelopeOf(f, ns));
      const parts = splitEnvelopes(serializeEnvelopes(envs));
      multi.push({ envelopes: envs.length, parts });
      parts.forEach((p, i) => add(`multi.cwmp-${ns}.${i}`, p));
    }
    result = runValidator(files);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("has written one file per envelope", () => {
    // Sanity: the run covers every fixture (standard namespaces) plus headers and multi-envelope parts.
    assert.ok(files.length > messageFixtures.length * 3, `only ${files.length} files`);
  });

  it("every envelope validates (exit 0, no output)", () => {
    if (result.status !== 0 || result.output !== "") {
      const failed = [...new Set([...result.output.matchAll(/([^\s:]+\.xml)/g)].map((m) => m[1]!.replace(/^.*\//, "")))];
      assert.fail(`validate-cwmp exited ${result.status}; ${failed.length} file(s) failed: ${failed.join(", ")}\n${result.output.slice(0, 8000)}`);
    }
  });

  it("cwmp-1-3 and cwmp-1-4 envelopes are the cwmp-1-2 envelope with only the namespace URI changed", () => {
    assert.ok(nonStandard.length > 0);
    for (const n of nonStandard) {
      assert.ok(n.xml.includes(cwmpNamespaceUri(n.ns)), `${n.label} cwmp-${n.ns}`);
      assert.ok(!n.xml.includes(cwmpNamespaceUri("1-2")), `${n.label} cwmp-${n.ns} also mentions cwmp-1-2`);
      assert.equal(n.xml.split(cwmpNamespaceUri(n.ns)).join(cwmpNamespaceUri("1-2")), n.xml12, `${n.label} cwmp-${n.ns}`);
    }
  });

  it("several envelopes in one body split back into as many documents", () => {
    assert.equal(multi.length, 3);
    for (const m of multi) {
      assert.equal(m.parts.length, m.envelopes);
      assert.ok(m.parts[0]!.startsWith("<?xml"));
      assert.ok(m.parts.slice(1).every((p) => p.startsWith("<soapenv:Envelope")));
    }
  });

  it("the validator does reject what the schemas forbid (so passing means something)", () => {
    const good = serializeEnvelope(envelopeOf(messageFixtures.find((f) => f.name === "Inform")!, "1-0"));
    const bad = [
      good.replace("<OUI>00040E</OUI>", "<OUI>zz</OUI>"),
      good.replace('xsi:type="xsd:unsignedInt">123456<', 'xsi:type="xsd:unsignedInt">-1<'),
      good.replace("<MaxEnvelopes>1</MaxEnvelopes>", ""),
    ];
    const badDir = mkdtempSync(join(tmpdir(), "provisio-validate-bad-"));
    try {
      const badFiles = bad.map((xml, i) => {
        assert.notEqual(xml, good, `mutation ${i} changed nothing`);
        const file = join(badDir, `bad-${i}.xml`);
        writeFileSync(file, xml);
        return file;
      });
      for (const file of badFiles) {
        const r = runValidator([file]);
        assert.notEqual(r.status, 0, `${file} passed validation`);
        assert.match(r.output, /fails to validate|validity error/);
      }
    } finally {
      rmSync(badDir, { recursive: true, force: true });
    }
  });
});
