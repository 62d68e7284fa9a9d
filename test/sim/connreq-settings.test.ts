// The device side of UDP (TR-111) and XMPP connection requests without I/O: what a device's parameters
// say (STUN server, keep-alive period, the XMPP account of ConnReqXMPPConnection), the factory options
// that pre-configure a fleet, the Binding Requests a device sends and how it reads the answers, and the
// replay window of UDP Connection Requests.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import {
  bindingErrorResponse,
  bindingSuccessResponse,
  checkMessageIntegrity,
  decodeStunMessage,
  encodeStunMessage,
  getAttribute,
} from "../../src/connreq/index.js";
import { keepAliveMs, stunSettings, xmppSettings, type StunSettings } from "../../src/sim/connreq-settings.js";
import { compileModel } from "../../src/sim/model.js";
import { tr098Source, tr181Source } from "../../src/sim/models/index.js";
import { dumpModelSource, withConnectionRequestDefaults } from "../../src/sim/loaders.js";
import { bindingRequestBytes, natDetected, readBindingAnswer, ReplayWindow } from "../../src/sim/tr111.js";
import { loadDump } from "../../src/model/index.js";
import { call, close, newCpe, openSession, S, T0 } from "./support/harness.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MS = "Device.ManagementServer.";

/** Sets values as an ACS would, in a session. */
function configure(cpe: ReturnType<typeof newCpe>, values: Array<ReturnType<typeof S>>): void {
  openSession(cpe, T0);
  const r = call(cpe, { method: "SetParameterValues", parameterList: values, parameterKey: "k" }, T0);
  assert.equal(r.method, "SetParameterValuesResponse", JSON.stringify(r));
  close(cpe, T0);
}

describe("STUN settings", () => {
  it("are off until STUNEnable; an empty STUNServerAddress means the ACS URL's host", () => {
    const cpe = newCpe();
    cpe.powerOn(T0);
    assert.equal(stunSettings(cpe), undefined);
    configure(cpe, [S(MS + "STUNEnable", "true", "xsd:boolean"), S(MS + "STUNUsername", "u1"), S(MS + "STUNPassword", "p1")]);
    assert.deepEqual(stunSettings(cpe), {
      host: "acs.example.net", port: 3478, username: "u1", password: "p1", maxKeepAliveS: -1, minKeepAliveS: 30, notificationLimitS: 0,
    });
    configure(cpe, [S(MS + "STUNServerAddress", "[2001:db8::5]"), S(MS + "STUNServerPort", "3479", "xsd:unsignedInt"), S(MS + "STUNMaximumKeepAlivePeriod", "120", "xsd:int")]);
    assert.deepEqual([stunSettings(cpe)?.host, stunSettings(cpe)?.port, stunSettings(cpe)?.maxKeepAliveS], ["2001:db8::5", 3479, 120]);
  });

  it("TR-098 devices have UDPConnectionRequestAddressNotificationLimit", () => {
    const model = compileModel(withConnectionRequestDefaults(tr098Source(), { stun: { host: "192.0.2.9" } }));
    const cpe = newCpe({ model });
    cpe.powerOn(T0);
    openSession(cpe, T0);
    call(cpe, { method: "SetParameterValues", parameterList: [S("InternetGatewayDevice.ManagementServer.UDPConnectionRequestAddressNotificationLimit", "600", "xsd:unsignedInt")], parameterKey: "" }, T0);
    close(cpe, T0);
    assert.deepEqual([stunSettings(cpe)?.host, stunSettings(cpe)?.notificationLimitS], ["192.0.2.9", 600]);
  });

  it("the keep-alive period stays within the maximum and minimum, spread by up to 10%", () => {
    const s = (max: number, min: number): StunSettings => ({ host: "h", port: 1, username: "", password: "", maxKeepAliveS: max, minKeepAliveS: min, notificationLimitS: 0 });
    assert.equal(keepAliveMs(s(100, 30), 0), 100_000);
    assert.equal(keepAliveMs(s(100, 30), 0.999), 90_010);
    assert.equal(keepAliveMs(s(100, 98), 0.999), 98_000, "never below the minimum");
    assert.equal(keepAliveMs(s(20, 30), 0.5), 20_000, "a maximum below the minimum wins (it is a MUST)");
    assert.equal(keepAliveMs(s(-1, 30), 0), 30_000);
    assert.equal(keepAliveMs(s(-1, 30), 0.5), 31_500, "without a maximum, lengthened");
    assert.equal(keepAliveMs(s(-1, 0), 0), 30_000);
  });
});

describe("XMPP settings", () => {
  const X = "Device.XMPP.Connection.1.";
  it("follow ConnReqXMPPConnection to an enabled row with an account; the server table when chosen", () => {
    const cpe = newCpe();
    cpe.powerOn(T0);
    assert.equal(xmppSettings(cpe), undefined, "no connection named");
    configure(cpe, [S(MS + "ConnReqXMPPConnection", "Device.XMPP.Connection.1"), S(X + "Username", "cpe1"), S(X + "Password", "pw"), S(X + "Domain", "xmpp.example.net")]);
    assert.equal(xmppSettings(cpe), undefined, "the row is disabled");
    configure(cpe, [S(X + "Enable", "true", "xsd:boolean")]);
    assert.deepEqual(xmppSettings(cpe), {
      connection: X, service: "xmpp://xmpp.example.net:5222", domain: "xmpp.example.net", username: "cpe1", password: "pw", resource: "", useTls: false,
      retry: { initialS: 60, multiplier: 2, maxS: 30720, attempts: 16 },
    });
    configure(cpe, [S(X + "ServerConnectAlgorithm", "ServerTable")]);
    assert.equal(xmppSettings(cpe), undefined, "ServerTable without an enabled server");
    configure(cpe, [S(X + "Server.1.Enable", "true", "xsd:boolean"), S(X + "Server.1.ServerAddress", "10.0.0.7"), S(X + "Server.1.Port", "5223", "xsd:unsignedInt")]);
    assert.equal(xmppSettings(cpe)?.service, "xmpp://10.0.0.7:5223");
    configure(cpe, [S(MS + "ConnReqXMPPConnection", "Device.XMPP.Connection.7.")]);
    assert.equal(xmppSettings(cpe), undefined, "a row that does not exist");
  });
});

describe("factory options for a fleet", () => {
  it("STUN with per-device usernames, and UDPConnectionRequestAddress notified by default", () => {
    const model = compileModel(withConnectionRequestDefaults(tr181Source(), { stun: { host: "192.0.2.1", port: 3479, username: "stun-{serial}", password: "pw-{index}", keepAliveS: 20 } }));
    const a = newCpe({ model, index: 0 });
    const b = newCpe({ model, index: 1 });
    assert.deepEqual([stunSettings(a)?.username, stunSettings(b)?.username], [`stun-${a.identity.serialNumber}`, `stun-${b.identity.serialNumber}`]);
    assert.deepEqual([stunSettings(a)?.password, stunSettings(b)?.password, stunSettings(a)?.maxKeepAliveS, stunSettings(a)?.minKeepAliveS], ["pw-0", "pw-1", 20, 20]);
    assert.equal(model.paramAt(MS + "UDPConnectionRequestAddress")?.activeNotify, "forceDefaultEnabled");
    const quiet = compileModel(withConnectionRequestDefaults(tr181Source(), { stun: { host: "192.0.2.1", notifyAddress: false } }));
    assert.equal(quiet.paramAt(MS + "UDPConnectionRequestAddress")?.activeNotify, "normal");
  });

  it("an XMPP account in XMPP.Connection.1 with its server", () => {
    const model = compileModel(withConnectionRequestDefaults(tr098Source(), { xmpp: { host: "127.0.0.1", port: 5299, domain: "x.test", username: "cpe-{index}", password: "s-{serial}", allowedJids: "acs@x.test" } }));
    const cpe = newCpe({ model, index: 4 });
    assert.deepEqual(xmppSettings(cpe), {
      connection: "InternetGatewayDevice.XMPP.Connection.1.", service: "xmpp://127.0.0.1:5299", domain: "x.test", username: "cpe-4",
      password: `s-${cpe.identity.serialNumber}`, resource: "cwmp", useTls: false, retry: { initialS: 60, multiplier: 2, maxS: 30720, attempts: 16 },
    });
    assert.equal(cpe.read("InternetGatewayDevice.ManagementServer.ConnReqAllowedJabberIDs"), "acs@x.test");
  });

  it("a model without the parameters is refused, naming the one missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-dump-"));
    const file = join(dir, "dump.csv");
    writeFileSync(file, "Parameter,Object,Writable,Value,Value type\nDevice.DeviceInfo.SerialNumber,false,false,X1,xsd:string\nDevice.ManagementServer.URL,false,true,http://a/,xsd:string\n");
    const source = dumpModelSource("dump.csv", loadDump(file));
    assert.throws(() => withConnectionRequestDefaults(source, { xmpp: { host: "h", username: "u", password: "p" } }), { code: "SIM_UNKNOWN_PATH", message: /ConnReqXMPPConnection/ });
  });
});

describe("Binding Requests and their answers", () => {
  const settings: StunSettings = { host: "192.0.2.1", port: 3478, username: "stun-user", password: "stun-pw", maxKeepAliveS: -1, minKeepAliveS: 30, notificationLimitS: 0 };
  const txid = randomBytes(16);

  it("carry CONNECTION-REQUEST-BINDING, USERNAME, BINDING-CHANGE when asked, and MESSAGE-INTEGRITY keyed with STUNPassword", () => {
    const bytes = bindingRequestBytes(settings, { transactionId: txid, bindingChange: true, sign: true });
    const m = decodeStunMessage(bytes);
    assert.equal(m.transactionId.length, 16, "the classic RFC 3489 header of TR-111");
    assert.deepEqual([m.method, m.class], [1, "request"]);
    assert.equal(getAttribute(m, "USERNAME")?.value, "stun-user");
    assert.equal(getAttribute(m, "CONNECTION-REQUEST-BINDING")?.value.trimEnd(), "dslforum.org/TR-111");
    assert.ok(getAttribute(m, "BINDING-CHANGE"));
    assert.equal(checkMessageIntegrity(bytes, "stun-pw"), "valid");
    assert.equal(checkMessageIntegrity(bytes, "other"), "invalid");
    const plain = decodeStunMessage(bindingRequestBytes({ ...settings, username: "", password: "" }, { transactionId: txid, bindingChange: false, sign: true }));
    assert.deepEqual(plain.attributes.map((a) => a.type), ["CONNECTION-REQUEST-BINDING"]);
  });

  it("an answer gives the mapped address; 401 and other errors are told apart; strangers and forged answers are ignored", () => {
    const request = decodeStunMessage(bindingRequestBytes(settings, { transactionId: txid, bindingChange: false, sign: true }));
    const ok = bindingSuccessResponse(request, { mapped: { family: "IPv4", address: "198.51.100.7", port: 40001 } });
    assert.deepEqual(readBindingAnswer(encodeStunMessage(ok, { integrityKey: "stun-pw" }), txid, "stun-pw"), { kind: "mapped", address: "198.51.100.7", port: 40001 });
    assert.deepEqual(readBindingAnswer(encodeStunMessage(ok), txid, "stun-pw"), { kind: "mapped", address: "198.51.100.7", port: 40001 }, "an unsigned answer (the server cannot check) is taken");
    assert.equal(readBindingAnswer(encodeStunMessage(ok, { integrityKey: "forged" }), txid, "stun-pw").kind, "ignored");
    assert.equal(readBindingAnswer(encodeStunMessage(ok), randomBytes(16), undefined).kind, "ignored");
    const rfc5389 = bindingSuccessResponse({ ...request, transactionId: randomBytes(12) }, { mapped: { family: "IPv6", address: "2001:db8::7", port: 5 } });
    assert.deepEqual(readBindingAnswer(encodeStunMessage(rfc5389), rfc5389.transactionId, undefined), { kind: "mapped", address: "2001:db8::7", port: 5 });
    assert.deepEqual(readBindingAnswer(encodeStunMessage(bindingErrorResponse(request, { code: 401 })), txid, undefined), { kind: "unauthorized" });
    assert.deepEqual(readBindingAnswer(encodeStunMessage(bindingErrorResponse(request, { code: 431 })), txid, undefined), { kind: "error", code: 431, reason: "Integrity Check Failure" });
    assert.equal(readBindingAnswer(Buffer.from("GET http://x?ts=1 HTTP/1.1\r\n\r\n"), txid, undefined).kind, "ignored");
  });

  it("NATDetected compares the mapped address with where the request left from", () => {
    assert.equal(natDetected({ address: "127.0.0.1", port: 4000 }, { address: "127.0.0.1", port: 4000 }, []), false);
    assert.equal(natDetected({ address: "127.0.0.1", port: 4001 }, { address: "127.0.0.1", port: 4000 }, []), true);
    assert.equal(natDetected({ address: "203.0.113.5", port: 4000 }, { address: "0.0.0.0", port: 4000 }, ["10.0.0.2", "127.0.0.1"]), true);
    assert.equal(natDetected({ address: "10.0.0.2", port: 4000 }, { address: "0.0.0.0", port: 4000 }, ["10.0.0.2", "127.0.0.1"]), false);
  });
});

describe("the replay window of UDP Connection Requests", () => {
  it("remembers the newest ts and the last 16 message IDs", () => {
    const w = new ReplayWindow();
    w.record(1000, "a");
    w.record(999, "b");
    assert.equal(w.state.lastTs, 1000);
    assert.ok(w.state.seenIds.has("a") && w.state.seenIds.has("b"));
    for (let i = 0; i < 16; i++) w.record(1001, `n${i}`);
    assert.equal(w.state.seenIds.size, 16);
    assert.ok(!w.state.seenIds.has("a") && w.state.seenIds.has("n15"));
  });
});
