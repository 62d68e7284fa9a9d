// serializeEnvelope -> parseCwmp gives back exactly what went in, for every method in every namespace
// that defines it; namespaces that do not define a method or header field refuse to write it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CwmpLocalError, cwmpNamespaceUri, parseCwmp, serializeEnvelope, serializeEnvelopes } from "../../src/cwmp/index.js";
import type { CwmpEnvelope, CwmpMessage } from "../../src/cwmp/index.js";
import { methodCodecs } from "../../src/cwmp/methods/index.js";
import { envelopeOf, headerFixtures, messageFixtures, namespaces, namespacesBefore, namespacesFrom } from "./fixtures.js";

function isLocal(code: string) {
  return (e: unknown) => {
    assert.ok(e instanceof CwmpLocalError, `expected a CwmpLocalError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.origin, "local");
    return true;
  };
}

function roundTrip(env: CwmpEnvelope): string {
  const xml = serializeEnvelope(env);
  const parsed = parseCwmp(Buffer.from(xml, "utf8"));
  assert.deepEqual(parsed, { envelopes: [env], warnings: [] }, `round trip changed the envelope; XML was:\n${xml}`);
  return xml;
}

describe("fixtures", () => {
  it("cover every method the codec knows, with the namespace each first exists in", () => {
    const covered = new Map<string, string>();
    for (const f of messageFixtures) {
      if (f.body === null) continue;
      covered.set(f.body.method, f.since);
    }
    for (const [name, codec] of methodCodecs) {
      assert.ok(covered.has(name), `no fixture for ${name}`);
      assert.equal(covered.get(name), codec.since, `${name}: fixture says cwmp-${covered.get(name)}, codec says cwmp-${codec.since}`);
    }
    assert.equal(covered.size, methodCodecs.size);
  });

  it("have unique names, and variants agree with their method on `since`", () => {
    const names = new Set(messageFixtures.map((f) => f.name));
    assert.equal(names.size, messageFixtures.length);
    for (const f of messageFixtures) {
      if (f.body !== null) assert.equal(f.name.split("+")[0], f.body.method);
    }
  });

  it("include a Fault with and one without a SetParameterValuesFault list", () => {
    const faults = messageFixtures.map((f) => f.body).filter((b): b is Extract<CwmpMessage, { method: "Fault" }> => b?.method === "Fault");
    assert.ok(faults.some((b) => b.detail.setParameterValuesFault === undefined));
    assert.ok(faults.some((b) => (b.detail.setParameterValuesFault?.length ?? 0) > 1));
  });
});

describe("round trip of every method", () => {
  for (const f of messageFixtures) {
    describe(f.name, () => {
      for (const ns of namespacesFrom(f.since)) {
        it(`cwmp-${ns}`, () => {
          const env = envelopeOf(f, ns);
          const xml = roundTrip(env);
          assert.ok(xml.includes(`xmlns:cwmp="${cwmpNamespaceUri(ns)}"`));
          for (const other of namespaces) {
            if (other !== ns) assert.ok(!xml.includes(cwmpNamespaceUri(other)), `cwmp-${ns} envelope mentions cwmp-${other}`);
          }
          // Serializing what was parsed gives the same bytes: nothing drifts on a second pass.
          assert.equal(serializeEnvelope(parseCwmp(xml).envelopes[0]!), xml);
        });
      }
      for (const ns of namespacesBefore(f.since)) {
        it(`cwmp-${ns} refuses it (SERIALIZE_UNSUPPORTED)`, () => {
          assert.throws(() => serializeEnvelope(envelopeOf(f, ns)), isLocal("SERIALIZE_UNSUPPORTED"));
        });
      }
    });
  }
});

describe("round trip of header fields", () => {
  const body: CwmpMessage = { method: "InformResponse", maxEnvelopes: 1 };
  for (const h of headerFixtures) {
    describe(h.name, () => {
      for (const ns of namespacesFrom(h.since)) {
        it(`cwmp-${ns}`, () => {
          roundTrip(envelopeOf({ header: h.header, body }, ns));
          roundTrip(envelopeOf({ header: h.header, body: null }, ns));
        });
      }
      for (const ns of namespacesBefore(h.since)) {
        it(`cwmp-${ns} refuses it (SERIALIZE_UNSUPPORTED)`, () => {
          assert.throws(() => serializeEnvelope(envelopeOf({ header: h.header, body }, ns)), isLocal("SERIALIZE_UNSUPPORTED"));
        });
      }
    });
  }

  it("an envelope without header fields has no SOAP Header", () => {
    const xml = serializeEnvelope({ ns: "1-0", header: {}, body });
    assert.ok(!xml.includes("Header"));
  });

  it("NoMoreRequests is read but never written", () => {
    const xml =
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0">' +
      "<s:Header><cwmp:NoMoreRequests>1</cwmp:NoMoreRequests></s:Header><s:Body/></s:Envelope>";
    const env = parseCwmp(xml).envelopes[0]!;
    assert.deepEqual(env.header, { noMoreRequests: true });
    for (const ns of namespaces) {
      assert.throws(() => serializeEnvelope({ ...env, ns }), isLocal("SERIALIZE_UNSUPPORTED"));
    }
  });

  it("a SessionTimeout that is not an unsignedInt is refused (SERIALIZE_INVALID)", () => {
    for (const sessionTimeout of [-1, 1.5, Number.NaN]) {
      assert.throws(() => serializeEnvelope({ ns: "1-2", header: { sessionTimeout }, body: null }), isLocal("SERIALIZE_INVALID"));
    }
  });
});

describe("several envelopes in one body", () => {
  const cwmp10 = messageFixtures.filter((f) => f.since === "1-0").map((f) => envelopeOf(f, "1-0"));

  it("all 1-0 fixtures in one body come back in order", () => {
    const xml = serializeEnvelopes(cwmp10);
    assert.equal(xml.split("<?xml").length - 1, 1, "only the first envelope carries the XML declaration");
    assert.ok(xml.startsWith("<?xml"));
    const parsed = parseCwmp(Buffer.from(xml));
    assert.deepEqual(parsed, { envelopes: cwmp10, warnings: [] });
  });

  it("envelopes in different namespaces each keep their own", () => {
    const pick = (name: string) => messageFixtures.find((f) => f.name === name)!;
    const envs = [
      envelopeOf(pick("Inform"), "1-0"),
      envelopeOf(pick("GetAllQueuedTransfers"), "1-1"),
      envelopeOf(pick("ScheduleDownload"), "1-2"),
      envelopeOf(pick("Inform"), "1-3"),
      envelopeOf(pick("ChangeDUState"), "1-4"),
    ];
    const parsed = parseCwmp(serializeEnvelopes(envs));
    assert.deepEqual(parsed.envelopes, envs);
    assert.deepEqual(parsed.warnings, []);
  });

  it("without XML declarations when asked", () => {
    const xml = serializeEnvelopes(cwmp10.slice(0, 3), { xmlDeclaration: false });
    assert.ok(!xml.includes("<?xml"));
    assert.deepEqual(parseCwmp(xml).envelopes, cwmp10.slice(0, 3));
  });

  it("one envelope through serializeEnvelopes is the same as serializeEnvelope", () => {
    assert.equal(serializeEnvelopes([cwmp10[0]!]), serializeEnvelope(cwmp10[0]!));
  });

  it("an empty list gives an empty body, which parses to no envelopes", () => {
    assert.equal(serializeEnvelopes([]), "");
    assert.deepEqual(parseCwmp(""), { envelopes: [], warnings: [] });
  });

  it("a refused envelope anywhere in the list refuses the whole body", () => {
    const bad = envelopeOf(messageFixtures.find((f) => f.name === "ScheduleDownload")!, "1-0");
    assert.throws(() => serializeEnvelopes([cwmp10[0]!, bad]), isLocal("SERIALIZE_UNSUPPORTED"));
  });
});

describe("serializer options", () => {
  it("booleans: numeric by default, literal on request; both read back the same", () => {
    const env: CwmpEnvelope = {
      ns: "1-1",
      header: { holdRequests: true },
      body: { method: "GetParameterNames", parameterPath: "Device.", nextLevel: true },
    };
    const numeric = serializeEnvelope(env);
    const literal = serializeEnvelope(env, { booleans: "literal" });
    assert.ok(numeric.includes("<NextLevel>1</NextLevel>"));
    assert.ok(literal.includes("<NextLevel>true</NextLevel>"));
    assert.deepEqual(parseCwmp(numeric).envelopes, [env]);
    assert.deepEqual(parseCwmp(literal).envelopes, [env]);
  });

  it("xmlDeclaration: false leaves out the declaration and nothing else", () => {
    const env = envelopeOf(messageFixtures[0]!, "1-0");
    const withDecl = serializeEnvelope(env);
    const without = serializeEnvelope(env, { xmlDeclaration: false });
    assert.equal(withDecl, '<?xml version="1.0" encoding="UTF-8"?>\n' + without);
  });

  it("an unknown method cannot be written", () => {
    assert.throws(() => serializeEnvelope({ ns: "1-2", header: {}, body: { method: "Unknown", name: "X_Vendor" } }), isLocal("SERIALIZE_UNSUPPORTED"));
  });

  it("an empty dateTime is written as the unknown time 0001-01-01T00:00:00Z", () => {
    const env: CwmpEnvelope = { ns: "1-0", header: {}, body: { method: "DownloadResponse", status: 1, startTime: "", completeTime: "" } };
    const parsed = parseCwmp(serializeEnvelope(env)).envelopes[0]!;
    assert.deepEqual(parsed.body, { method: "DownloadResponse", status: 1, startTime: "0001-01-01T00:00:00Z", completeTime: "0001-01-01T00:00:00Z" });
  });
});
