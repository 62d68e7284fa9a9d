// Hostile and unusual input: what the parser refuses (with which code, where) and what it tolerates;
// what the serializer refuses to write.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { charsetFromContentType, CwmpLocalError, CwmpRemoteError, DEFAULT_MAX_BYTES, faultCodeName, faultMessage, parseCwmp, serializeEnvelope, serializeMustUnderstandFault } from "../../src/cwmp/index.js";
import type { CwmpEnvelope, CwmpMessage, ParseOptions, RemoteErrorCode, XsdType } from "../../src/cwmp/index.js";

const SOAP = "http://schemas.xmlsoap.org/soap/envelope/";
const CWMP10 = "urn:dslforum-org:cwmp-1-0";

/** An envelope around `body`, prefixes soapenv and cwmp (cwmp-1-0). */
function envelope(body: string, header = ""): string {
  return `<soapenv:Envelope xmlns:soapenv="${SOAP}" xmlns:cwmp="${CWMP10}">${header}<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

function reboot(commandKey: string): string {
  return envelope(`<cwmp:Reboot><CommandKey>${commandKey}</CommandKey></cwmp:Reboot>`);
}

function commandKeyOf(input: string | Uint8Array, options?: ParseOptions): string {
  const r = parseCwmp(input, options);
  assert.equal(r.envelopes.length, 1);
  const body = r.envelopes[0]!.body;
  assert.equal(body?.method, "Reboot");
  return (body as Extract<CwmpMessage, { method: "Reboot" }>).commandKey;
}

/** Asserts parseCwmp throws a CwmpRemoteError with this code; returns it for more checks. */
function remoteError(input: string | Uint8Array, code: RemoteErrorCode, options?: ParseOptions): CwmpRemoteError {
  let caught: unknown;
  try {
    parseCwmp(input, options);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof CwmpRemoteError, `expected CwmpRemoteError ${code}, got ${caught === undefined ? "no error" : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.origin, "remote");
  return caught;
}

function localError(f: () => unknown, code: "SERIALIZE_INVALID" | "SERIALIZE_UNSUPPORTED"): CwmpLocalError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof CwmpLocalError, `expected CwmpLocalError ${code}, got ${caught === undefined ? "no error" : String(caught)}`);
  assert.equal(caught.code, code);
  return caught;
}

/** Line and column (1-based) of the first occurrence of `needle`. */
function where(text: string, needle: string): { offset: number; line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.notEqual(offset, -1, `${needle} not in input`);
  const lines = text.slice(0, offset).split("\n");
  return { offset, line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

describe("DTDs and entities", () => {
  it("a DOCTYPE (XXE) is refused before anything is fetched or expanded", () => {
    const xxe = `<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n` + reboot("&xxe;");
    const e = remoteError(xxe, "XML_DTD_FORBIDDEN");
    assert.deepEqual(e.position, where(xxe, "<!DOCTYPE"));
    assert.equal(e.httpStatus, 400);
    remoteError("<!doctype html>" + reboot("x"), "XML_DTD_FORBIDDEN");
  });

  it("billion laughs is refused", () => {
    const defs = ['<!ENTITY lol "lol">'];
    for (let i = 1; i <= 9; i++) defs.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? "" : i - 1};`.repeat(10)}">`);
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [${defs.join("")}]>` + reboot("&lol9;");
    remoteError(bomb, "XML_DTD_FORBIDDEN");
    // The entity declarations alone, without a DOCTYPE around them, are refused too.
    remoteError(defs.join("") + reboot("&lol9;"), "XML_DTD_FORBIDDEN");
  });

  it("an undefined entity is refused (XML_ENTITY), in text and in attributes", () => {
    const text = reboot("&lol9;");
    const e = remoteError(text, "XML_ENTITY");
    assert.deepEqual(e.position, where(text, "&lol9;"));
    assert.match(e.message, /&lol9;/);
    remoteError(envelope(`<cwmp:Reboot x="&nbsp;"><CommandKey/></cwmp:Reboot>`), "XML_ENTITY");
  });

  it("the five predefined entities and character references decode", () => {
    assert.equal(commandKeyOf(reboot("&lt;&gt;&amp;&quot;&apos;")), `<>&"'`);
    assert.equal(commandKeyOf(reboot("&#233;&#xE9;&#XE9;&#x1F600;&#65;&#x9;&#10;&#13;")), "éé\u00e9😀A\t\n\r");
  });

  it("bad character references are refused (XML_ENTITY)", () => {
    for (const ref of ["&#0;", "&#x0;", "&#1;", "&#xB;", "&#xD800;", "&#xDFFF;", "&#xFFFE;", "&#xFFFF;", "&#x110000;", "&#;", "&#x;", "&#12a;", "&#xZZ;", "&#-1;"]) {
      const text = reboot(`a${ref}b`);
      const e = remoteError(text, "XML_ENTITY");
      assert.deepEqual(e.position, where(text, ref), ref);
    }
  });

  it("a bare '&' that starts no reference is kept as text, with a warning", () => {
    const r = parseCwmp(reboot("a & b &amp c"));
    assert.equal((r.envelopes[0]!.body as { commandKey: string }).commandKey, "a & b &amp c");
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0]!, /unescaped '&'/);
  });
});

describe("limits", () => {
  const text = reboot("x"); // Envelope > Body > Reboot > CommandKey: depth 4, 4 elements, 2 attributes at most

  it("depth (XML_LIMIT_DEPTH)", () => {
    assert.equal(commandKeyOf(text, { limits: { maxDepth: 4 } }), "x");
    const e = remoteError(text, "XML_LIMIT_DEPTH", { limits: { maxDepth: 3 } });
    assert.deepEqual(e.position, where(text, "<CommandKey>"));
    assert.equal(e.httpStatus, 400);
    assert.equal(e.faultCode("acs"), 8004);
    assert.equal(e.faultCode("cpe"), 9004);
    // The default limit stops deep nesting too.
    remoteError(envelope("<a>".repeat(1000) + "</a>".repeat(1000)), "XML_LIMIT_DEPTH");
  });

  it("element count (XML_LIMIT_ELEMENTS)", () => {
    assert.equal(commandKeyOf(text, { limits: { maxElements: 4 } }), "x");
    const e = remoteError(text, "XML_LIMIT_ELEMENTS", { limits: { maxElements: 3 } });
    assert.deepEqual(e.position, where(text, "<CommandKey>"));
    const many = envelope(`<cwmp:GetParameterValues><ParameterNames>${"<string>a</string>".repeat(200)}</ParameterNames></cwmp:GetParameterValues>`);
    remoteError(many, "XML_LIMIT_ELEMENTS", { limits: { maxElements: 100 } });
  });

  it("attributes per element (XML_LIMIT_ATTRIBUTES)", () => {
    assert.equal(commandKeyOf(text, { limits: { maxAttributes: 2 } }), "x");
    const e = remoteError(text, "XML_LIMIT_ATTRIBUTES", { limits: { maxAttributes: 1 } });
    assert.deepEqual(e.position, where(text, "xmlns:cwmp"));
    const attrs = Array.from({ length: 100 }, (_, i) => `a${i}="${i}"`).join(" ");
    remoteError(envelope(`<cwmp:Reboot ${attrs}><CommandKey/></cwmp:Reboot>`), "XML_LIMIT_ATTRIBUTES");
  });

  it("body size (XML_LIMIT_SIZE, HTTP 413), for bytes and strings", () => {
    const bytes = Buffer.from(text);
    assert.equal(commandKeyOf(bytes, { maxBytes: bytes.length }), "x");
    const e = remoteError(bytes, "XML_LIMIT_SIZE", { maxBytes: bytes.length - 1 });
    assert.equal(e.httpStatus, 413);
    assert.equal(e.faultCode("acs"), 8004);
    assert.match(e.message, new RegExp(`${bytes.length} bytes exceeds the limit of ${bytes.length - 1}`));
    remoteError(text, "XML_LIMIT_SIZE", { maxBytes: 10 });
    assert.equal(DEFAULT_MAX_BYTES, 16 * 1024 * 1024);
    remoteError(Buffer.alloc(DEFAULT_MAX_BYTES + 1, 0x20), "XML_LIMIT_SIZE");
  });
});

describe("character encodings", () => {
  const latin1Body = (decl: string) => Buffer.from(decl + reboot("Caf\u00e9 cr\u00e8me \u00ff"), "latin1");

  it("ISO-8859-1 named in the XML declaration", () => {
    const bytes = latin1Body('<?xml version="1.0" encoding="ISO-8859-1"?>');
    assert.equal(bytes.includes(0xe9), true);
    assert.equal(commandKeyOf(bytes), "Café crème ÿ");
    assert.equal(commandKeyOf(latin1Body("<?xml version='1.0' encoding='latin1' standalone='no'?>")), "Café crème ÿ");
  });

  it("ISO-8859-1 from the HTTP charset, which wins over the declaration", () => {
    assert.equal(commandKeyOf(latin1Body(""), { charset: "ISO-8859-1" }), "Café crème ÿ");
    assert.equal(commandKeyOf(latin1Body('<?xml version="1.0" encoding="UTF-8"?>'), { charset: charsetFromContentType("text/xml; charset=ISO-8859-1") }), "Café crème ÿ");
    // Without either, the bytes are read as UTF-8 and é (0xE9 alone) is not valid there.
    assert.notEqual(commandKeyOf(latin1Body("")), "Café crème ÿ");
  });

  it("charsetFromContentType reads plain and quoted parameters", () => {
    assert.equal(charsetFromContentType("text/xml; charset=ISO-8859-1"), "iso-8859-1");
    assert.equal(charsetFromContentType('text/xml; charset="utf-8"'), "utf-8");
    assert.equal(charsetFromContentType("text/xml"), undefined);
    assert.equal(charsetFromContentType(undefined), undefined);
  });

  it("other single-byte charsets through the platform decoder (ISO-8859-2, KOI8-R)", () => {
    const [head, tail] = reboot("@").split("@") as [string, string];
    const withBytes = (decl: string, bytes: number[]) => Buffer.concat([Buffer.from(decl + head), Buffer.from(bytes), Buffer.from(tail)]);
    assert.equal(commandKeyOf(withBytes('<?xml version="1.0" encoding="ISO-8859-2"?>', [0xa1, 0xb3])), "Ął");
    assert.equal(commandKeyOf(withBytes("", [0xc1]), { charset: "koi8-r" }), "а");
  });

  it("UTF-8 with a byte order mark", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<?xml version="1.0" encoding="UTF-8"?>' + reboot("中文 é"))]);
    assert.equal(commandKeyOf(bytes), "中文 é");
    assert.equal(commandKeyOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(reboot("x"))])), "x");
    assert.equal(commandKeyOf("\uFEFF" + reboot("x")), "x");
  });

  it("UTF-16 with a byte order mark, both byte orders", () => {
    const text = '<?xml version="1.0" encoding="UTF-16"?>' + reboot("中文 é 😀");
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.from(le).swap16();
    assert.deepEqual([be[0], be[1]], [0xfe, 0xff]);
    assert.equal(commandKeyOf(le), "中文 é 😀");
    assert.equal(commandKeyOf(be), "中文 é 😀");
  });

  it("an unsupported encoding is refused (XML_ENCODING)", () => {
    const e = remoteError(Buffer.from('<?xml version="1.0" encoding="x-klingon"?>' + reboot("x")), "XML_ENCODING");
    assert.match(e.message, /x-klingon/);
    remoteError(Buffer.from(reboot("x")), "XML_ENCODING", { charset: "bogus-charset" });
  });

  it("a string input is taken as already decoded (the charset option does not apply)", () => {
    assert.equal(commandKeyOf('<?xml version="1.0" encoding="ISO-8859-1"?>' + reboot("é")), "é");
  });
});

describe("XML constructs", () => {
  it("CDATA sections keep their content verbatim, mixed with text", () => {
    assert.equal(commandKeyOf(reboot("<![CDATA[<a href='x'>&amp;</a>]]>")), "<a href='x'>&amp;</a>");
    assert.equal(commandKeyOf(reboot("x<![CDATA[]]>y<![CDATA[ ]] > ]]>z")), "xy ]] > z");
  });

  it("comments are skipped anywhere, also inside a value", () => {
    const text = `<!-- before -->${envelope(`<!-- in body --><cwmp:Reboot><!-- c --><CommandKey>a<!-- & < > -->b</CommandKey></cwmp:Reboot>`)}<!-- after -->`;
    assert.equal(commandKeyOf(text), "ab");
  });

  it("processing instructions are skipped", () => {
    assert.equal(commandKeyOf(`<?xml version="1.0"?><?xml-stylesheet href="x"?>${envelope("<?pi x?><cwmp:Reboot><CommandKey>a<?p?>b</CommandKey></cwmp:Reboot>")}`), "ab");
  });

  it("unclosed constructs are syntax errors at the place they start", () => {
    for (const [text, needle] of [
      [reboot("<!-- never closed"), "<!--"],
      [reboot("<![CDATA[ never closed"), "<![CDATA["],
      [reboot("<?pi never closed"), "<?pi"],
    ] as const) {
      const e = remoteError(text, "XML_SYNTAX");
      assert.deepEqual(e.position, where(text, needle));
    }
  });

  it("text outside the root element is a syntax error; whitespace is not", () => {
    remoteError(reboot("x") + "junk", "XML_SYNTAX");
    remoteError("junk" + reboot("x"), "XML_SYNTAX");
    assert.equal(commandKeyOf(" \r\n\t" + reboot("x") + "\n\n"), "x");
  });

  it("whitespace-only and empty bodies are an empty POST: no envelopes", () => {
    for (const empty of ["", " \r\n\t", "\uFEFF", new Uint8Array(0), Buffer.from([0xef, 0xbb, 0xbf])]) {
      assert.deepEqual(parseCwmp(empty), { envelopes: [], warnings: [] });
    }
  });

  it("a body with only a comment holds no element (SOAP_NOT_ENVELOPE)", () => {
    remoteError("<!-- nothing -->", "SOAP_NOT_ENVELOPE");
  });
});

describe("SOAP envelopes", () => {
  const rebootBody = "<cwmp:Reboot><CommandKey>k</CommandKey></cwmp:Reboot>";

  it("any prefix for the SOAP namespace, and none (default namespace)", () => {
    for (const p of ["SOAP-ENV", "soap_env", "soapenv", "soap-env", "env", "s"]) {
      const text = `<${p}:Envelope xmlns:${p}="${SOAP}" xmlns:cwmp="${CWMP10}"><${p}:Header><cwmp:ID ${p}:mustUnderstand="1">7</cwmp:ID></${p}:Header><${p}:Body>${rebootBody}</${p}:Body></${p}:Envelope>`;
      assert.deepEqual(parseCwmp(text), { envelopes: [{ ns: "1-0", header: { id: "7" }, body: { method: "Reboot", commandKey: "k" } }], warnings: [] }, p);
    }
    const defaultNs = `<Envelope xmlns="${SOAP}"><Header><cwmp:ID xmlns:cwmp="urn:dslforum-org:cwmp-1-1">7</cwmp:ID></Header><Body><cwmp:Reboot xmlns:cwmp="urn:dslforum-org:cwmp-1-1"><CommandKey>k</CommandKey></cwmp:Reboot></Body></Envelope>`;
    assert.deepEqual(parseCwmp(defaultNs), { envelopes: [{ ns: "1-1", header: { id: "7" }, body: { method: "Reboot", commandKey: "k" } }], warnings: [] });
  });

  it("the cwmp namespace may be the default one, declared on the Envelope or on the method", () => {
    const onEnvelope = `<s:Envelope xmlns:s="${SOAP}" xmlns="urn:dslforum-org:cwmp-1-2"><s:Body><Reboot><CommandKey>k</CommandKey></Reboot></s:Body></s:Envelope>`;
    assert.equal(parseCwmp(onEnvelope).envelopes[0]!.ns, "1-2");
    const onMethod = `<s:Envelope xmlns:s="${SOAP}"><s:Body><Reboot xmlns="urn:dslforum-org:cwmp-1-3"><CommandKey>k</CommandKey></Reboot></s:Body></s:Envelope>`;
    assert.deepEqual(parseCwmp(onMethod), { envelopes: [{ ns: "1-3", header: {}, body: { method: "Reboot", commandKey: "k" } }], warnings: [] });
  });

  it("no namespaces at all: parsed, assuming cwmp-1-0, with warnings", () => {
    const r = parseCwmp(`<Envelope><Body>${rebootBody.replace(/cwmp:/g, "")}</Body></Envelope>`);
    assert.deepEqual(r.envelopes, [{ ns: "1-0", header: {}, body: { method: "Reboot", commandKey: "k" } }]);
    assert.equal(r.warnings.length, 2);
  });

  it("a SOAP 1.2 envelope is refused (SOAP_VERSION)", () => {
    const e = remoteError(`<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>${rebootBody}</e:Body></e:Envelope>`, "SOAP_VERSION");
    assert.equal(e.path, "Envelope");
    assert.match(e.message, /SOAP 1\.2/);
  });

  it("a root other than Envelope is refused (SOAP_NOT_ENVELOPE)", () => {
    const e = remoteError(`<cwmp:Inform xmlns:cwmp="${CWMP10}"/>`, "SOAP_NOT_ENVELOPE");
    assert.match(e.message, /<cwmp:Inform>/);
    remoteError(`<html><body>Bad gateway</body></html>`, "SOAP_NOT_ENVELOPE");
    remoteError(`<x:Envelope xmlns:x="urn:example"><x:Body/></x:Envelope>`, "SOAP_NOT_ENVELOPE");
    // A second root that is not an envelope, after a good one.
    const e2 = remoteError(reboot("x") + "<foo/>", "SOAP_NOT_ENVELOPE");
    assert.equal(e2.path, "foo");
  });

  it("an Envelope without Body is refused (SOAP_NO_BODY)", () => {
    const e = remoteError(`<s:Envelope xmlns:s="${SOAP}"><s:Header/></s:Envelope>`, "SOAP_NO_BODY");
    assert.equal(e.path, "Envelope");
    remoteError(`<s:Envelope xmlns:s="${SOAP}"/>`, "SOAP_NO_BODY");
  });

  it("an empty Body gives body null", () => {
    for (const body of [`<s:Body/>`, `<s:Body></s:Body>`, `<s:Body>\n  </s:Body>`, `<s:Body><!-- nothing --></s:Body>`]) {
      assert.deepEqual(parseCwmp(`<s:Envelope xmlns:s="${SOAP}" xmlns:cwmp="${CWMP10}">${body}</s:Envelope>`), {
        envelopes: [{ ns: "1-0", header: {}, body: null }],
        warnings: [],
      });
    }
  });

  it("an unknown method gives { method: 'Unknown', name }", () => {
    const r = parseCwmp(envelope(`<cwmp:X_0090F8_Ping><Host>10.0.0.1</Host></cwmp:X_0090F8_Ping>`));
    assert.deepEqual(r.envelopes[0]!.body, { method: "Unknown", name: "X_0090F8_Ping" });
  });

  it("a method in a foreign namespace is refused (CWMP_NAMESPACE)", () => {
    const e = remoteError(envelope(`<x:Inform xmlns:x="urn:example:other"/>`), "CWMP_NAMESPACE");
    assert.equal(e.path, "Envelope/Body/Inform");
    assert.match(e.message, /urn:example:other/);
  });

  it("an unknown cwmp namespace version is refused (CWMP_NAMESPACE)", () => {
    const e = remoteError(`<s:Envelope xmlns:s="${SOAP}" xmlns:cwmp="urn:dslforum-org:cwmp-1-9"><s:Body><cwmp:Reboot/></s:Body></s:Envelope>`, "CWMP_NAMESPACE");
    assert.match(e.message, /cwmp-1-9/);
  });

  it("unknown header entries are ignored with a warning; other envelopes' fields are read", () => {
    const r = parseCwmp(envelope(rebootBody, `<soapenv:Header><cwmp:ID soapenv:mustUnderstand="1">5</cwmp:ID><x:Trace xmlns:x="urn:x">1</x:Trace></soapenv:Header>`));
    assert.deepEqual(r.envelopes[0]!.header, { id: "5" });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /x:Trace/);
  });

  it("extra elements in the Body are ignored with a warning; the first is read", () => {
    const r = parseCwmp(envelope(rebootBody + "<cwmp:FactoryReset/>"));
    assert.deepEqual(r.envelopes[0]!.body, { method: "Reboot", commandKey: "k" });
    assert.match(r.warnings[0]!, /holds 2 elements/);
  });
});

describe("error positions and paths", () => {
  it("syntax errors carry the line and column of the offending markup", () => {
    const text = `<?xml version="1.0"?>\n<s:Envelope xmlns:s="${SOAP}">\n  <s:Body>\n    <a>\n      <b></a>\n  </s:Body>\n</s:Envelope>`;
    const e = remoteError(text, "XML_SYNTAX");
    assert.deepEqual(e.position, { offset: text.indexOf("</a>"), line: 5, column: 10 });
    assert.match(e.message, /expected <\/b> but found <\/a> \(line 5, column 10\)$/);
  });

  it("the end of input is reported where it is", () => {
    const text = "<a>\n  <b>\n";
    const e = remoteError(text, "XML_SYNTAX");
    assert.deepEqual(e.position, { offset: text.length, line: 3, column: 1 });
    assert.match(e.message, /<b> is not closed/);
  });

  it("columns count UTF-16 code units after a non-ASCII line start", () => {
    const text = `<s:Envelope xmlns:s="${SOAP}"><s:Body><x>é😀\n中文 <y attr=novalue/></x></s:Body></s:Envelope>`;
    const e = remoteError(text, "XML_SYNTAX");
    assert.equal(e.position?.line, 2);
    assert.equal(e.position?.column, "中文 <y attr=".length + 1);
  });

  it("malformed markup: unquoted and unterminated attributes, bad names", () => {
    for (const bad of [`<a b=1/>`, `<a b="1/>`, `<a b/>`, `<a b="1"c="2"/>`, `< a/>`, `<:a/>`, `<a`, `<a b="<"/>`, `</a>`]) {
      remoteError(bad, "XML_SYNTAX");
    }
  });

  it("a non-numeric InstanceNumber is CWMP_INVALID_FIELD with the element's path", () => {
    const e = remoteError(envelope(`<cwmp:AddObjectResponse><InstanceNumber>three</InstanceNumber><Status>0</Status></cwmp:AddObjectResponse>`), "CWMP_INVALID_FIELD");
    assert.equal(e.path, "Envelope/Body/AddObjectResponse/InstanceNumber");
    assert.match(e.message, /"three" is not an integer \(at Envelope\/Body\/AddObjectResponse\/InstanceNumber\)/);
    assert.equal(e.httpStatus, 400);
    assert.equal(e.faultCode("acs"), 8003);
    assert.equal(e.faultCode("cpe"), 9003);
  });

  it("out-of-range numbers and non-boolean words are CWMP_INVALID_FIELD with paths", () => {
    const cases: [string, string][] = [
      [`<cwmp:AddObjectResponse><InstanceNumber>4294967296</InstanceNumber><Status>0</Status></cwmp:AddObjectResponse>`, "Envelope/Body/AddObjectResponse/InstanceNumber"],
      [`<cwmp:AddObjectResponse><InstanceNumber>-1</InstanceNumber><Status>0</Status></cwmp:AddObjectResponse>`, "Envelope/Body/AddObjectResponse/InstanceNumber"],
      [`<cwmp:SetParameterValuesResponse><Status>2</Status></cwmp:SetParameterValuesResponse>`, "Envelope/Body/SetParameterValuesResponse/Status"],
      [`<cwmp:GetParameterNames><ParameterPath/><NextLevel>yes</NextLevel></cwmp:GetParameterNames>`, "Envelope/Body/GetParameterNames/NextLevel"],
      [`<cwmp:Inform><Event/><MaxEnvelopes>1</MaxEnvelopes></cwmp:Inform>`, "Envelope/Body/Inform/DeviceId"],
    ];
    for (const [body, path] of cases) {
      assert.equal(remoteError(envelope(body), "CWMP_INVALID_FIELD").path, path);
    }
    const envs = reboot("x") + "\n" + envelope(cases[0]![0]);
    assert.equal(remoteError(envs, "CWMP_INVALID_FIELD").path, "Envelope[1]/Body/AddObjectResponse/InstanceNumber");
    const header = envelope("", `<soapenv:Header><cwmp:HoldRequests soapenv:mustUnderstand="1">perhaps</cwmp:HoldRequests></soapenv:Header>`);
    assert.equal(remoteError(header, "CWMP_INVALID_FIELD").path, "Envelope/Header/HoldRequests");
  });
});

describe("serializer refusals", () => {
  function spv(type: XsdType, text: string, name = "Device.X"): CwmpEnvelope {
    return { ns: "1-0", header: {}, body: { method: "SetParameterValues", parameterList: [{ name, value: { type, text } }], parameterKey: "" } };
  }

  it("characters XML cannot carry (U+0001 and friends) in any text", () => {
    for (const bad of ["\u0001", "\u0000", "\u0008", "\u000B", "\u000C", "\u001F", "\uFFFE", "\uFFFF", "\uD800", "x\uDC00", "\uDBFF!"]) {
      const e = localError(() => serializeEnvelope(spv("xsd:string", `a${bad}b`)), "SERIALIZE_INVALID");
      assert.match(e.message, /U\+[0-9a-f]{4}/i);
      localError(() => serializeEnvelope(spv("xsd:string", "ok", `Device.${bad}`)), "SERIALIZE_INVALID");
      localError(() => serializeEnvelope({ ns: "1-0", header: { id: bad }, body: null }), "SERIALIZE_INVALID");
    }
    localError(
      () => serializeEnvelope({ ns: "1-0", header: {}, body: { method: "Fault", faultcode: "Client", faultstring: "x\u0002", detail: { faultCode: 9002, faultString: "" } } }),
      "SERIALIZE_INVALID",
    );
  });

  it("allowed characters near the forbidden ones are written and read back", () => {
    const text = "\t\n\r \u007F\u0085\u00A0\uD7FF\uE000\uFFFD\uD83D\uDE00\uDBFF\uDFFF";
    const env = spv("xsd:string", text);
    assert.deepEqual(parseCwmp(serializeEnvelope(env)).envelopes, [env]);
  });

  it("values that do not fit their type", () => {
    const bad: [XsdType, string][] = [
      ["xsd:int", "abc"],
      ["xsd:int", "2147483648"],
      ["xsd:int", "1.5"],
      ["xsd:unsignedInt", "-1"],
      ["xsd:unsignedInt", "4294967296"],
      ["xsd:long", "9223372036854775808"],
      ["xsd:unsignedLong", "18446744073709551616"],
      ["xsd:boolean", "yes"],
      ["xsd:boolean", ""],
      ["xsd:dateTime", "2019-03-05T11:54::14"],
      ["xsd:dateTime", "0000-00-00T00:00:00"],
      ["xsd:base64", "not base64!"],
      ["xsd:hexBinary", "ABC"],
      ["xsd:decimal", "1e5"],
    ];
    for (const [type, text] of bad) {
      const e = localError(() => serializeEnvelope(spv(type, text)), "SERIALIZE_INVALID");
      assert.ok(e.message.includes(JSON.stringify(text)), e.message);
    }
  });

  it("numbers that do not fit their field", () => {
    const cases: CwmpMessage[] = [
      { method: "AddObjectResponse", instanceNumber: -1, status: 0 },
      { method: "AddObjectResponse", instanceNumber: 4294967296, status: 0 },
      { method: "AddObjectResponse", instanceNumber: 1, status: 0.5 },
      { method: "InformResponse", maxEnvelopes: Number.NaN },
      { method: "ScheduleInform", delaySeconds: Number.POSITIVE_INFINITY, commandKey: "" },
      { method: "Fault", faultcode: "Client", faultstring: "", detail: { faultCode: 9000.5, faultString: "" } },
    ];
    for (const body of cases) localError(() => serializeEnvelope({ ns: "1-0", header: {}, body }), "SERIALIZE_INVALID");
    localError(() => serializeEnvelope({ ns: "1-2", header: { sessionTimeout: 4294967296 }, body: null }), "SERIALIZE_INVALID");
  });

  it("a received value flagged invalid cannot be sent back as is", () => {
    const r = parseCwmp(envelope(`<cwmp:GetParameterValuesResponse><ParameterList><ParameterValueStruct><Name>A</Name><Value xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xsi:type="xsd:unsignedInt">SW_UPGRADE</Value></ParameterValueStruct></ParameterList></cwmp:GetParameterValuesResponse>`));
    const env = r.envelopes[0]!;
    assert.deepEqual((env.body as Extract<CwmpMessage, { method: "GetParameterValuesResponse" }>).parameterList[0]!.value, { type: "xsd:unsignedInt", text: "SW_UPGRADE", invalid: "not an xsd:unsignedInt" });
    localError(() => serializeEnvelope(env), "SERIALIZE_INVALID");
  });
});

describe("regressions: what is not well-formed is refused (issue 12.10)", () => {
  it("duplicate attribute on one element", () => {
    const text = envelope(`<cwmp:Reboot a="1" a="2"><CommandKey>k</CommandKey></cwmp:Reboot>`);
    const e = remoteError(text, "XML_SYNTAX");
    assert.match(e.message, /attribute a appears twice in <cwmp:Reboot>/);
    assert.deepEqual(e.position, where(text, "<cwmp:Reboot"));
  });

  it("duplicated namespace declaration, prefixed and default", () => {
    remoteError(`<s:Envelope xmlns:s="${SOAP}" xmlns:s="${SOAP}"><s:Body/></s:Envelope>`, "XML_SYNTAX");
    remoteError(`<s:Envelope xmlns:s="${SOAP}" xmlns="${CWMP10}" xmlns="urn:other"><s:Body/></s:Envelope>`, "XML_SYNTAX");
  });

  it("two prefixes for one namespace make the same attribute twice", () => {
    const e = remoteError(envelope(`<cwmp:Reboot xmlns:a="urn:x" xmlns:b="urn:x" a:k="1" b:k="2"><CommandKey/></cwmp:Reboot>`), "XML_SYNTAX");
    assert.match(e.message, /a:k and b:k/);
    // Same local name in different namespaces, or unprefixed beside prefixed, is allowed.
    assert.equal(commandKeyOf(envelope(`<cwmp:Reboot xmlns:a="urn:x" xmlns:b="urn:y" a:k="1" b:k="2" k="3"><CommandKey>k</CommandKey></cwmp:Reboot>`)), "k");
  });

  it("raw U+0000 and U+0001 in text, and other characters XML forbids, wherever they are", () => {
    for (const bad of ["\u0000", "\u0001", "\u0008", "\u000B", "\u001F", "\uFFFE", "\uFFFF"]) {
      const text = reboot(`a${bad}b`);
      const e = remoteError(text, "XML_SYNTAX");
      assert.match(e.message, /character U\+[0-9A-F]{4} is not allowed/);
      assert.equal(e.position?.offset, text.indexOf(bad));
      remoteError(Buffer.from(text, "utf8"), "XML_SYNTAX");
      remoteError(reboot(`<!-- ${bad} -->x`), "XML_SYNTAX");
      remoteError(reboot(`<![CDATA[${bad}]]>`), "XML_SYNTAX");
    }
    remoteError(reboot("a\uD800b"), "XML_SYNTAX");
    // Tab, newline and carriage return are characters like any other.
    assert.equal(commandKeyOf(reboot("a\tb")), "a\tb");
  });

  it("bytes invalid in UTF-8 are read as U+FFFD with a warning and the lossy flag", () => {
    const [head, tail] = reboot("@").split("@") as [string, string];
    const r = parseCwmp(Buffer.concat([Buffer.from(head), Buffer.from([0x53, 0xff, 0x4e]), Buffer.from(tail)]));
    assert.equal((r.envelopes[0]!.body as { commandKey: string }).commandKey, "S\uFFFDN");
    assert.equal(r.lossy, true);
    assert.match(r.warnings[0]!, /bytes not valid in utf-8 were read as U\+FFFD/);
    // U+FFFD sent as such (valid UTF-8) is a character, not a loss.
    const sent = parseCwmp(Buffer.from(reboot("S\uFFFDN")));
    assert.equal(sent.lossy, undefined);
    assert.deepEqual(sent.warnings, []);
    // The same for the platform's decoders (a lone UTF-16 surrogate).
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(head, "utf16le"), Buffer.from([0x00, 0xd8]), Buffer.from(tail, "utf16le")]);
    assert.equal(parseCwmp(utf16).lossy, true);
  });
});

describe("regressions: mustUnderstand header entries (issue 12.10)", () => {
  const body = "<cwmp:Reboot><CommandKey>k</CommandKey></cwmp:Reboot>";

  it("an unknown header with mustUnderstand=\"1\" is reported, not ignored", () => {
    const r = parseCwmp(envelope(body, `<soapenv:Header><cwmp:ID soapenv:mustUnderstand="1">5</cwmp:ID><x:Trace xmlns:x="urn:x" soapenv:mustUnderstand="1">1</x:Trace></soapenv:Header>`));
    assert.deepEqual(r.notUnderstood, ["x:Trace"]);
    assert.deepEqual(r.envelopes[0]!.header, { id: "5" });
    assert.deepEqual(parseCwmp(envelope(body, `<soapenv:Header><x:T xmlns:x="urn:x" soapenv:mustUnderstand="true"/></soapenv:Header>`)).notUnderstood, ["x:T"]);
  });

  it("mustUnderstand=\"0\", another actor, or the attribute outside the SOAP namespace: ignored with a warning", () => {
    for (const attrs of ['soapenv:mustUnderstand="0"', 'soapenv:mustUnderstand="1" soapenv:actor="urn:someone-else"', 'x:mustUnderstand="1"']) {
      const r = parseCwmp(envelope(body, `<soapenv:Header><x:Trace xmlns:x="urn:x" ${attrs}>1</x:Trace></soapenv:Header>`));
      assert.equal(r.notUnderstood, undefined, attrs);
      assert.match(r.warnings[0]!, /x:Trace/);
    }
    const next = parseCwmp(envelope(body, `<soapenv:Header><x:Trace xmlns:x="urn:x" soapenv:actor="http://schemas.xmlsoap.org/soap/actor/next" soapenv:mustUnderstand="1"/></soapenv:Header>`));
    assert.deepEqual(next.notUnderstood, ["x:Trace"]);
  });

  it("the MustUnderstand fault is a SOAP 1.1 fault with the qualified code, and reads back", () => {
    const xml = serializeMustUnderstandFault("1-2", "7", ["x:Trace"]);
    assert.match(xml, /<faultcode>soapenv:MustUnderstand<\/faultcode>/);
    assert.match(xml, /<faultstring>header entries not understood: x:Trace<\/faultstring>/);
    assert.doesNotMatch(xml, /<detail>/);
    const back = parseCwmp(xml);
    assert.equal(back.envelopes[0]!.header.id, "7");
    const f = back.envelopes[0]!.body;
    assert.equal(f?.method === "Fault" && f.faultcode, "MustUnderstand");
  });
});

describe("regressions: odd answers from CPEs (issue 13.6)", () => {
  const faultOf = (inner: string) => {
    const r = parseCwmp(envelope(`<soapenv:Fault>${inner}</soapenv:Fault>`));
    return { fault: r.envelopes[0]!.body as Extract<CwmpMessage, { method: "Fault" }>, warnings: r.warnings };
  };

  it("a GetParameterValues response entry that names an object is ignored with a warning", () => {
    for (const fastPaths of [true, false]) {
      const r = parseCwmp(
        envelope(
          `<cwmp:GetParameterValuesResponse><ParameterList><ParameterValueStruct><Name>Device.WiFi.</Name><Value></Value></ParameterValueStruct>` +
            `<ParameterValueStruct><Name>Device.WiFi.RadioNumberOfEntries</Name><Value>2</Value></ParameterValueStruct></ParameterList></cwmp:GetParameterValuesResponse>`,
        ),
        { fastPaths },
      );
      const body = r.envelopes[0]!.body as Extract<CwmpMessage, { method: "GetParameterValuesResponse" }>;
      assert.deepEqual(body.parameterList.map((p) => p.name), ["Device.WiFi.RadioNumberOfEntries"]);
      assert.match(r.warnings[0]!, /names the object Device\.WiFi\., which has no value; ignored/);
    }
  });

  it("a Fault without CWMP detail is unreadable, not code 0, and keeps its SOAP fields as they came", () => {
    const { fault, warnings } = faultOf("<faultcode>soapenv:Server</faultcode><faultstring>flash busy</faultstring>");
    assert.deepEqual(fault.unreadable, { faultcode: "soapenv:Server", faultstring: "flash busy" });
    assert.equal(faultCodeName(fault), "cwmp.unreadable");
    assert.match(faultMessage(fault), /faultstring "flash busy"/);
    assert.match(warnings[0]!, /no readable CWMP fault detail/);
    // Written back as it came, without a made-up detail, and read back the same.
    const xml = serializeEnvelope({ ns: "1-0", header: {}, body: fault });
    assert.doesNotMatch(xml, /<detail>/);
    assert.equal(serializeEnvelope(parseCwmp(xml).envelopes[0]!), xml);
  });

  it("a FaultCode that is no number makes the fault unreadable instead of refusing the message", () => {
    const { fault } = faultOf("<faultcode>Client</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>nine</FaultCode></cwmp:Fault></detail>");
    assert.equal(faultCodeName(fault), "cwmp.unreadable");
  });

  it("a CWMP detail inside the faultstring gives its code, with a warning", () => {
    const { fault, warnings } = faultOf(
      "<faultcode>Client</faultcode><faultstring>CWMP fault<detail><cwmp:Fault><FaultCode>9005</FaultCode><FaultString>Invalid parameter name</FaultString></cwmp:Fault></detail></faultstring>",
    );
    assert.equal(fault.unreadable, undefined);
    assert.deepEqual(fault.detail, { faultCode: 9005, faultString: "Invalid parameter name" });
    assert.equal(faultCodeName(fault), "cwmp.9005");
    assert.match(warnings[0]!, /out of place \(inside <faultstring>\)/);
  });

  it("a Fault whose detail sits inside an unclosed faultstring: refused as XML, its code salvaged when asked", () => {
    const text = envelope(
      "<soapenv:Fault><faultcode>Client</faultcode><faultstring>CWMP fault<detail><cwmp:Fault><FaultCode>9005</FaultCode><FaultString>Invalid &amp; unknown</FaultString></cwmp:Fault></detail></soapenv:Fault>",
      `<soapenv:Header><cwmp:ID soapenv:mustUnderstand="1">42</cwmp:ID></soapenv:Header>`,
    );
    remoteError(text, "XML_SYNTAX");
    const r = parseCwmp(text, { salvageFaults: true });
    assert.deepEqual(r.envelopes, [{ ns: "1-0", header: { id: "42" }, body: { method: "Fault", faultcode: "Client", faultstring: "", detail: { faultCode: 9005, faultString: "Invalid & unknown" } } }]);
    assert.match(r.warnings[0]!, /not well-formed XML .*expected <\/faultstring>.*read from the text/);
    // Only a Fault with a FaultCode is salvaged; other broken messages stay refused.
    remoteError(reboot("x").replace("</CommandKey>", ""), "XML_SYNTAX", { salvageFaults: true });
    remoteError(text.replace(/<FaultCode>9005<\/FaultCode>/, "<FaultCode>x</FaultCode>"), "XML_SYNTAX", { salvageFaults: true });
    // Characters that cannot be echoed nor stored, which may be why it was not well-formed, do not come along.
    const bad = parseCwmp(text.replace("Invalid &amp; unknown", "a\u0000b").replace(">42<", ">4\u00012<"), { salvageFaults: true }).envelopes[0]!;
    assert.equal(bad.header.id, "4\uFFFD2");
    assert.equal(bad.body?.method === "Fault" && bad.body.detail.faultString, "a\uFFFDb");
    assert.doesNotThrow(() => serializeEnvelope({ ...bad, body: null }));
  });
});
