import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDateTime, type CwmpMessage, type Inform } from "../../src/cwmp/index.js";
import type { Cpe, CpeEffect } from "../../src/sim/cpe.js";
import { SimError } from "../../src/sim/errors.js";
import {
  as, call, close, eventCodes, fromAcs, inform, models, openSession, poweredOn, receive, S, session, T0, values,
} from "./support/harness.js";

const kinds = (effects: CpeEffect[]) => effects.map((e) => e.kind);
const params = (i: Inform) => Object.fromEntries(i.parameterList.map((p) => [p.name, p.value.text]));
const SEC = 1000;

/** Runs tick() at each deadline until `until`, collecting effects. */
function runUntil(cpe: Cpe, until: number): CpeEffect[] {
  const out: CpeEffect[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const at = cpe.nextDeadline();
    if (at === undefined || at > until) break;
    out.push(...cpe.tick(at));
    if (out.some((e) => e.kind === "startSession")) break;
  }
  return out;
}

test("first contact: 0 BOOTSTRAP and 1 BOOT, the device's identity, the forced parameters, then the empty POST", () => {
  const { cpe, effects } = poweredOn({ cwmpVersion: "1.4" });
  assert.deepEqual(kinds(effects), ["startSession"]);
  const env = cpe.startSession(T0);
  assert.equal(env.ns, "1-2");
  assert.equal(env.header.supportedCwmpVersions, "1.0,1.1,1.2,1.3,1.4");
  const i = env.body as Inform;
  assert.deepEqual(eventCodes(i), ["0 BOOTSTRAP", "1 BOOT"]);
  assert.deepEqual(i.deviceId, { manufacturer: "Provisio", oui: "00D09E", productClass: "PG-4100", serialNumber: "PRV000001" });
  assert.equal(i.maxEnvelopes, 1);
  assert.equal(i.currentTime, formatDateTime(new Date(T0)));
  assert.equal(i.retryCount, 0);
  assert.deepEqual(Object.keys(params(i)), [
    "Device.RootDataModelVersion",
    "Device.DeviceInfo.HardwareVersion",
    "Device.DeviceInfo.SoftwareVersion",
    "Device.DeviceInfo.ProvisioningCode",
    "Device.ManagementServer.ParameterKey",
    "Device.ManagementServer.ConnectionRequestURL",
    "Device.ManagementServer.AliasBasedAddressing",
  ]);
  assert.equal(params(i)["Device.ManagementServer.ConnectionRequestURL"], "http://127.0.0.1:7548/PRV000001");
  const out = receive(cpe, fromAcs({ method: "InformResponse", maxEnvelopes: 1 }), T0);
  assert.deepEqual(out, { done: false, reply: null, effects: [] });
  assert.deepEqual(close(cpe, T0), []);
  assert.equal(cpe.inSession, false);
  // Bootstrapped: a later session does not say BOOTSTRAP again, nor BOOT.
  cpe.connectionRequest(T0 + 10 * SEC);
  assert.deepEqual(eventCodes(session(cpe, T0 + 10 * SEC).inform), ["6 CONNECTION REQUEST"]);
});

test("each CWMP version informs in its namespace; only 1.4 announces its versions", () => {
  for (const [v, ns] of [["1.0", "1-0"], ["1.1", "1-1"], ["1.2", "1-2"], ["1.3", "1-2"]] as const) {
    const { cpe } = poweredOn({ cwmpVersion: v });
    const env = cpe.startSession(T0);
    assert.equal(env.ns, ns, v);
    assert.equal(env.header.supportedCwmpVersions, undefined, v);
  }
});

test("the TR-098 device informs with DeviceSummary, SpecVersion and the WAN ExternalIPAddress", () => {
  const { cpe } = poweredOn({ model: models.tr098, cwmpVersion: "1.0" });
  const i = inform(cpe, T0);
  const p = params(i);
  assert.equal(i.deviceId.productClass, "PG-3100");
  assert.ok(p["InternetGatewayDevice.DeviceSummary"]!.startsWith("InternetGatewayDevice:1.4"));
  assert.equal(p["InternetGatewayDevice.DeviceInfo.SpecVersion"], "1.0");
  assert.equal(p["InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress"], "100.64.0.2");
  assert.equal(p["InternetGatewayDevice.ManagementServer.ConnectionRequestURL"], "http://127.0.0.1:7548/PRI000001");
});

test("a session that fails before the InformResponse keeps its events, except CONNECTION REQUEST, and retries with back-off", () => {
  const { cpe } = poweredOn();
  cpe.connectionRequest(T0);
  inform(cpe, T0);
  const failed = cpe.sessionFailed(T0 + SEC);
  assert.equal(failed.failed, true);
  assert.deepEqual(kinds(failed.effects), []);
  // First retry: between 5 and 10 seconds (CWMPRetryMinimumWaitInterval 5, multiplier 2000).
  const at1 = cpe.nextDeadline()!;
  assert.ok(at1 >= T0 + 6 * SEC && at1 <= T0 + 11 * SEC, `first retry after ${(at1 - T0) / SEC - 1}s`);
  assert.deepEqual(kinds(cpe.tick(at1 - 1)), []);
  assert.deepEqual(kinds(cpe.tick(at1)), ["startSession"]);
  const retry = inform(cpe, at1);
  assert.deepEqual(eventCodes(retry), ["0 BOOTSTRAP", "1 BOOT"]);
  assert.equal(retry.retryCount, 1);
  // Second failure: 10 to 20 seconds.
  cpe.sessionFailed(at1);
  const at2 = cpe.nextDeadline()!;
  assert.ok(at2 >= at1 + 10 * SEC && at2 <= at1 + 20 * SEC, `second retry after ${(at2 - at1) / SEC}s`);
  cpe.tick(at2);
  const third = inform(cpe, at2);
  assert.equal(third.retryCount, 2);
  // Success resets the count.
  receive(cpe, fromAcs({ method: "InformResponse", maxEnvelopes: 1 }), at2);
  close(cpe, at2);
  cpe.connectionRequest(at2 + SEC);
  assert.equal(inform(cpe, at2 + SEC).retryCount, 0);
});

test("the retry back-off follows CWMPRetryMinimumWaitInterval and CWMPRetryIntervalMultiplier", () => {
  const { cpe } = poweredOn({ rebootDurationMs: 1000 });
  session(cpe, T0, [{
    method: "SetParameterValues", parameterKey: "",
    parameterList: [S("Device.ManagementServer.CWMPRetryMinimumWaitInterval", "30", "xsd:unsignedInt"), S("Device.ManagementServer.CWMPRetryIntervalMultiplier", "1500", "xsd:unsignedInt")],
  }, { method: "Reboot", commandKey: "" }]);
  let now = T0 + SEC;
  assert.deepEqual(kinds(cpe.tick(now)), ["startSession"]);
  const waits: number[] = [];
  for (let n = 1; n <= 3; n++) {
    const i = inform(cpe, now);
    assert.deepEqual(eventCodes(i), ["1 BOOT", "M Reboot"]);
    assert.equal(i.retryCount, n - 1);
    // An ACS fault (8005 Retry request) to the Inform fails the session too.
    const out = receive(cpe, fromAcs({ method: "Fault", faultcode: "Server", faultstring: "CWMP fault", detail: { faultCode: 8005, faultString: "Retry request" } }), now);
    assert.equal(out.done && out.failed, true);
    const at = cpe.nextDeadline()!;
    waits.push((at - now) / SEC);
    now = at;
    assert.deepEqual(kinds(cpe.tick(now)), ["startSession"]);
  }
  assert.ok(waits[0]! >= 30 && waits[0]! <= 45, `retry 1 after ${waits[0]}s`);
  assert.ok(waits[1]! >= 45 && waits[1]! <= 67.5, `retry 2 after ${waits[1]}s`);
  assert.ok(waits[2]! >= 67.5 && waits[2]! <= 101.25, `retry 3 after ${waits[2]}s`);
});

test("periodic informs follow PeriodicInformInterval, PeriodicInformTime and PeriodicInformEnable", () => {
  const { cpe } = poweredOn();
  session(cpe, T0);
  assert.equal(cpe.nextDeadline(), T0 + 3600 * SEC);
  assert.deepEqual(kinds(cpe.tick(T0 + 3600 * SEC)), ["startSession"]);
  const r = session(cpe, T0 + 3600 * SEC, [{
    method: "SetParameterValues", parameterKey: "p",
    parameterList: [S("Device.ManagementServer.PeriodicInformInterval", "300", "xsd:unsignedInt"), S("Device.ManagementServer.PeriodicInformTime", "2024-05-01T00:00:30Z", "xsd:dateTime")],
  }]);
  assert.deepEqual(eventCodes(r.inform), ["2 PERIODIC"]);
  // Aligned on PeriodicInformTime: 00:00:30 + k * 300 s, the first after 11:00:00.
  assert.equal(cpe.nextDeadline(), Date.parse("2024-05-01T11:00:30Z"));
  const t = Date.parse("2024-05-01T11:00:30Z");
  cpe.tick(t);
  const s2 = session(cpe, t, [{ method: "SetParameterValues", parameterKey: "", parameterList: [S("Device.ManagementServer.PeriodicInformEnable", "false", "xsd:boolean")] }]);
  assert.deepEqual(eventCodes(s2.inform), ["2 PERIODIC"]);
  assert.equal(cpe.nextDeadline(), undefined);
});

test("periodic jitter spreads informs without drifting from the period", () => {
  const { cpe } = poweredOn({ periodicJitterMs: 60_000 });
  session(cpe, T0);
  const first = cpe.nextDeadline()!;
  assert.ok(first >= T0 + 3600 * SEC && first < T0 + 3660 * SEC);
  cpe.tick(first);
  session(cpe, first);
  const second = cpe.nextDeadline()!;
  assert.ok(second >= T0 + 7200 * SEC && second < T0 + 7260 * SEC);
});

test("ScheduleInform: 3 SCHEDULED and M ScheduleInform with the CommandKey after the delay; DelaySeconds 0 is 9003", () => {
  const { cpe } = poweredOn();
  const s = session(cpe, T0, [
    { method: "ScheduleInform", delaySeconds: 120, commandKey: "later" },
    { method: "ScheduleInform", delaySeconds: 0, commandKey: "now" },
  ]);
  as(s.answers[0]!, "ScheduleInformResponse");
  assert.equal(as(s.answers[1]!, "Fault").detail.faultCode, 9003);
  assert.equal(cpe.nextDeadline(), T0 + 120 * SEC);
  assert.deepEqual(kinds(cpe.tick(T0 + 120 * SEC)), ["startSession"]);
  assert.deepEqual(eventCodes(session(cpe, T0 + 120 * SEC).inform), ["3 SCHEDULED", "M ScheduleInform:later"]);
});

test("a connection request during a session gets its own session when the first ends", () => {
  const { cpe } = poweredOn();
  openSession(cpe, T0);
  assert.deepEqual(cpe.connectionRequest(T0 + SEC), []);
  assert.deepEqual(kinds(close(cpe, T0 + 2 * SEC)), ["startSession"]);
  assert.deepEqual(eventCodes(session(cpe, T0 + 3 * SEC).inform), ["6 CONNECTION REQUEST"]);
});

test("Reboot: after the session the device goes down, then informs 1 BOOT and M Reboot with the CommandKey", () => {
  const { cpe } = poweredOn({ rebootDurationMs: 20_000 });
  session(cpe, T0);
  cpe.connectionRequest(T0 + 60 * SEC);
  const s = session(cpe, T0 + 60 * SEC, [{ method: "Reboot", commandKey: "rb-1" }]);
  as(s.answers[0]!, "RebootResponse");
  assert.deepEqual(s.effects, [{ kind: "reboot", factoryReset: false, until: T0 + 80 * SEC }]);
  assert.equal(cpe.isUp, false);
  assert.throws(() => cpe.startSession(T0 + 61 * SEC), (e: unknown) => e instanceof SimError && e.code === "SIM_NOT_READY");
  assert.deepEqual(cpe.connectionRequest(T0 + 61 * SEC), []);
  assert.equal(cpe.nextDeadline(), T0 + 80 * SEC);
  assert.deepEqual(kinds(cpe.tick(T0 + 80 * SEC)), ["startSession"]);
  const r = session(cpe, T0 + 85 * SEC, [{ method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.UpTime"] }]);
  assert.deepEqual(eventCodes(r.inform), ["1 BOOT", "M Reboot:rb-1"]);
  assert.equal(values(r.answers[0]!)["Device.DeviceInfo.UpTime"], "5");
});

test("FactoryReset: values and rows back to the factory's, then 0 BOOTSTRAP", () => {
  const { cpe } = poweredOn();
  session(cpe, T0, [
    { method: "SetParameterValues", parameterKey: "k", parameterList: [S("Device.WiFi.SSID.1.SSID", "changed")] },
    { method: "AddObject", objectName: "Device.NAT.PortMapping.", parameterKey: "k" },
    { method: "SetParameterAttributes", parameterList: [{ name: "Device.DeviceInfo.HostName", notificationChange: true, notification: 1, accessListChange: false, accessList: [] }] },
  ]);
  cpe.connectionRequest(T0 + 10 * SEC);
  const s = session(cpe, T0 + 10 * SEC, [{ method: "FactoryReset" }]);
  assert.deepEqual(s.effects, [{ kind: "reboot", factoryReset: true, until: T0 + 15 * SEC }]);
  cpe.tick(T0 + 15 * SEC);
  const r = session(cpe, T0 + 15 * SEC, [
    { method: "GetParameterValues", parameterNames: ["Device.WiFi.SSID.1.SSID", "Device.NAT.PortMappingNumberOfEntries", "Device.ManagementServer.ParameterKey"] },
    { method: "GetParameterAttributes", parameterNames: ["Device.DeviceInfo.HostName"] },
  ]);
  assert.deepEqual(eventCodes(r.inform), ["0 BOOTSTRAP", "1 BOOT"]);
  assert.deepEqual(values(r.answers[0]!), { "Device.WiFi.SSID.1.SSID": "Provisio-0001", "Device.NAT.PortMappingNumberOfEntries": "1", "Device.ManagementServer.ParameterKey": "" });
  assert.equal(as(r.answers[1]!, "GetParameterAttributesResponse").parameterList[0]!.notification, 0);
});

test("Active Notification: a change on the device starts a session with 4 VALUE CHANGE and the value", () => {
  const { cpe } = poweredOn();
  session(cpe, T0, [{ method: "SetParameterAttributes", parameterList: [{ name: "Device.WiFi.SSID.1.SSID", notificationChange: true, notification: 2, accessListChange: false, accessList: [] }] }]);
  assert.deepEqual(kinds(cpe.setLocalValue("Device.WiFi.SSID.1.SSID", "renamed-by-user", T0 + 60 * SEC)), ["startSession"]);
  const i = session(cpe, T0 + 60 * SEC).inform;
  assert.deepEqual(eventCodes(i), ["4 VALUE CHANGE"]);
  assert.equal(params(i)["Device.WiFi.SSID.1.SSID"], "renamed-by-user");
  // Reported once: the next Inform does not carry it again.
  cpe.connectionRequest(T0 + 120 * SEC);
  const next = session(cpe, T0 + 120 * SEC).inform;
  assert.deepEqual(eventCodes(next), ["6 CONNECTION REQUEST"]);
  assert.equal(params(next)["Device.WiFi.SSID.1.SSID"], undefined);
});

test("Passive Notification waits for the next session; changes the ACS makes are never reported back", () => {
  const { cpe } = poweredOn();
  session(cpe, T0, [{ method: "SetParameterAttributes", parameterList: [
    { name: "Device.DeviceInfo.HostName", notificationChange: true, notification: 1, accessListChange: false, accessList: [] },
    { name: "Device.WiFi.SSID.2.SSID", notificationChange: true, notification: 2, accessListChange: false, accessList: [] },
  ] }]);
  assert.deepEqual(cpe.setLocalValue("Device.DeviceInfo.HostName", "router", T0 + SEC), []);
  cpe.connectionRequest(T0 + 2 * SEC);
  const s = session(cpe, T0 + 2 * SEC, [{ method: "SetParameterValues", parameterKey: "x", parameterList: [S("Device.WiFi.SSID.2.SSID", "set-by-acs")] }]);
  assert.deepEqual(eventCodes(s.inform), ["4 VALUE CHANGE", "6 CONNECTION REQUEST"]);
  assert.equal(params(s.inform)["Device.DeviceInfo.HostName"], "router");
  cpe.connectionRequest(T0 + 3 * SEC);
  const after = session(cpe, T0 + 3 * SEC).inform;
  assert.deepEqual(eventCodes(after), ["6 CONNECTION REQUEST"]);
  assert.equal(params(after)["Device.WiFi.SSID.2.SSID"], undefined);
});

test("values change by themselves: uptime and counters grow, and an active notification on the host count fires", () => {
  const { cpe } = poweredOn();
  const g = session(cpe, T0 + 10 * SEC, [
    { method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.UpTime", "Device.Ethernet.Interface.5.Stats.BytesReceived"] },
    { method: "SetParameterAttributes", parameterList: [{ name: "Device.Hosts.HostNumberOfEntries", notificationChange: true, notification: 2, accessListChange: false, accessList: [] }] },
  ]);
  const before = values(g.answers[0]!);
  assert.equal(before["Device.DeviceInfo.UpTime"], "10");
  // Host presence changes every ten minutes; polling finds the change and asks for a session.
  const effects = runUntil(cpe, T0 + 24 * 3600 * SEC);
  assert.deepEqual(kinds(effects), ["startSession"]);
  const when = cpe.nextDeadline() ?? T0;
  const s = session(cpe, when, [{ method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.UpTime", "Device.Ethernet.Interface.5.Stats.BytesReceived", "Device.Hosts."] }]);
  assert.deepEqual(eventCodes(s.inform).filter((e) => e !== "2 PERIODIC"), ["4 VALUE CHANGE"]);
  const now = values(s.answers[0]!);
  assert.ok(Number(now["Device.DeviceInfo.UpTime"]) > 10);
  assert.ok(BigInt(now["Device.Ethernet.Interface.5.Stats.BytesReceived"]!) > BigInt(before["Device.Ethernet.Interface.5.Stats.BytesReceived"]!));
  const count = Number(params(s.inform)["Device.Hosts.HostNumberOfEntries"]);
  assert.equal(Object.keys(now).filter((n) => /^Device\.Hosts\.Host\.\d+\.HostName$/.test(n)).length, count);
  assert.notEqual(count, 0);
});

test("HoldRequests: the CPE holds its requests; it sends them when the ACS empties its queue without holding", () => {
  const { cpe } = poweredOn();
  session(cpe, T0, [{ method: "Download", commandKey: "dl", fileType: "2 Web Content", url: "http://files.example.net/page.html", username: "", password: "", fileSize: 0, targetFileName: "", delaySeconds: 0, successUrl: "", failureUrl: "" }]);
  cpe.transferDone(T0 + SEC, 1, { ok: true });
  assert.equal(cpe.pendingRequests.length, 1);
  // Held for the whole session: the requests wait for the next one.
  inform(cpe, T0 + 2 * SEC);
  assert.equal(receive(cpe, fromAcs({ method: "InformResponse", maxEnvelopes: 1 }, "1-2", true), T0).done === false, true);
  call(cpe, { method: "GetParameterValues", parameterNames: ["Device.DeviceInfo.UpTime"] }, T0, "1-2");
  // The ACS's last envelope held requests, so its empty response ends the session.
  const first = receive(cpe, fromAcs({ method: "GetRPCMethods" }, "1-2", true), T0);
  assert.equal(first.done, false);
  const end = receive(cpe, null, T0 + 3 * SEC);
  assert.equal(end.done, true);
  assert.equal(cpe.pendingRequests.length, 1);

  // Next session: held at first, released by the last request, sent on the ACS's empty response.
  const at = cpe.nextDeadline()!;
  cpe.tick(at);
  const i = inform(cpe, at);
  assert.deepEqual(eventCodes(i), ["7 TRANSFER COMPLETE", "M Download:dl"]);
  const afterHold = receive(cpe, fromAcs({ method: "InformResponse", maxEnvelopes: 1 }, "1-2", true), at);
  assert.equal(!afterHold.done && afterHold.reply, null);
  call(cpe, { method: "GetRPCMethods" }, at);
  const tc = receive(cpe, null, at);
  assert.equal(tc.done, false);
  assert.equal(!tc.done && tc.reply?.body?.method, "TransferComplete");
  const ack = receive(cpe, fromAcs({ method: "TransferCompleteResponse" }), at);
  assert.equal(!ack.done && ack.reply, null);
  assert.equal(close(cpe, at).length, 0);
  assert.equal(cpe.pendingRequests.length, 0);
});

test("protocol errors: no InformResponse, an unreadable answer, misuse of the engine", () => {
  const { cpe } = poweredOn();
  inform(cpe, T0);
  assert.throws(() => cpe.startSession(T0), (e: unknown) => e instanceof SimError && e.code === "SIM_SESSION_IN_PROGRESS");
  // A request before the InformResponse: the session failed.
  const out = receive(cpe, fromAcs({ method: "GetRPCMethods" }), T0);
  assert.equal(out.done && out.failed, true);
  assert.throws(() => cpe.receive(null, T0), (e: unknown) => e instanceof SimError && e.code === "SIM_NO_SESSION");
  // An empty body instead of the InformResponse fails too.
  cpe.tick(cpe.nextDeadline()!);
  inform(cpe, cpe.nextDeadline() ?? T0);
  assert.equal(receive(cpe, null, T0).done, true);
  // Mid-session, an answer that cannot be parsed gets a 9003 Fault.
  const { cpe: b } = poweredOn();
  openSession(b, T0);
  const bad = b.receiveUnreadable(T0);
  assert.equal(!bad.done && (bad.reply?.body as CwmpMessage).method, "Fault");
  assert.throws(() => b.powerOn(T0), (e: unknown) => e instanceof SimError);
});

test("ManagementServer.URL set by the ACS: the next session bootstraps to the new ACS", () => {
  const { cpe } = poweredOn();
  session(cpe, T0);
  cpe.connectionRequest(T0 + SEC);
  const s = session(cpe, T0 + SEC, [{ method: "SetParameterValues", parameterKey: "", parameterList: [S("Device.ManagementServer.URL", "https://acs2.example.net/cwmp")] }]);
  assert.deepEqual(s.effects, [{ kind: "acsUrlChanged", url: "https://acs2.example.net/cwmp" }, { kind: "startSession" }]);
  assert.equal(cpe.acsUrl, "https://acs2.example.net/cwmp");
  assert.deepEqual(eventCodes(session(cpe, T0 + 2 * SEC).inform), ["0 BOOTSTRAP"]);
});

test("IPPing diagnostics: run after the session, then 8 DIAGNOSTICS COMPLETE with results", () => {
  const { cpe } = poweredOn();
  const s = session(cpe, T0, [{
    method: "SetParameterValues", parameterKey: "",
    parameterList: [S("Device.IP.Diagnostics.IPPing.Host", "192.0.2.1"), S("Device.IP.Diagnostics.IPPing.NumberOfRepetitions", "5", "xsd:unsignedInt"), S("Device.IP.Diagnostics.IPPing.DiagnosticsState", "Requested")],
  }]);
  assert.deepEqual(kinds(s.effects), []);
  assert.equal(cpe.nextDeadline(), T0 + 3 * SEC);
  assert.deepEqual(kinds(cpe.tick(T0 + 3 * SEC)), ["startSession"]);
  const r = session(cpe, T0 + 4 * SEC, [{ method: "GetParameterValues", parameterNames: ["Device.IP.Diagnostics.IPPing."] }]);
  assert.deepEqual(eventCodes(r.inform), ["8 DIAGNOSTICS COMPLETE"]);
  const v = values(r.answers[0]!);
  assert.equal(v["Device.IP.Diagnostics.IPPing.DiagnosticsState"], "Complete");
  assert.equal(Number(v["Device.IP.Diagnostics.IPPing.SuccessCount"]) + Number(v["Device.IP.Diagnostics.IPPing.FailureCount"]), 5);
  assert.ok(Number(v["Device.IP.Diagnostics.IPPing.MaximumResponseTime"]) >= Number(v["Device.IP.Diagnostics.IPPing.MinimumResponseTime"]));
});

test("a connection request does not wait for a retry back-off", () => {
  const { cpe } = poweredOn();
  inform(cpe, T0);
  cpe.sessionFailed(T0);
  assert.equal(cpe.wantsSession, true);
  assert.ok(cpe.nextDeadline()! > T0 + 5 * SEC);
  assert.deepEqual(kinds(cpe.connectionRequest(T0 + SEC)), ["startSession"]);
  const i = inform(cpe, T0 + SEC);
  assert.deepEqual(eventCodes(i), ["0 BOOTSTRAP", "1 BOOT", "6 CONNECTION REQUEST"]);
  assert.equal(i.retryCount, 1);
});

test("IPPing diagnostics: Canceled, or a change to the test's parameters, stops the test and resets the state to None", () => {
  const { cpe } = poweredOn();
  const spvs = (...list: ReturnType<typeof S>[]) => ({ method: "SetParameterValues" as const, parameterKey: "", parameterList: list });
  session(cpe, T0, [spvs(S("Device.IP.Diagnostics.IPPing.Host", "192.0.2.1"), S("Device.IP.Diagnostics.IPPing.DiagnosticsState", "Requested"))]);
  assert.equal(cpe.nextDeadline(), T0 + 3 * SEC);
  // Before it completes, the ACS changes the number of repetitions: the test stops.
  cpe.connectionRequest(T0 + SEC);
  const s = session(cpe, T0 + SEC, [
    spvs(S("Device.IP.Diagnostics.IPPing.NumberOfRepetitions", "9", "xsd:unsignedInt")),
    { method: "GetParameterValues", parameterNames: ["Device.IP.Diagnostics.IPPing.DiagnosticsState"] },
  ]);
  assert.equal(values(s.answers[1]!)["Device.IP.Diagnostics.IPPing.DiagnosticsState"], "None");
  assert.equal(cpe.nextDeadline(), T0 + 3600 * SEC, "no diagnostic is pending");
  // Requested then Canceled in the next session: nothing runs either.
  cpe.connectionRequest(T0 + 2 * SEC);
  session(cpe, T0 + 2 * SEC, [
    spvs(S("Device.IP.Diagnostics.IPPing.DiagnosticsState", "Requested")),
    spvs(S("Device.IP.Diagnostics.IPPing.DiagnosticsState", "Canceled")),
  ]);
  assert.equal(cpe.read("Device.IP.Diagnostics.IPPing.DiagnosticsState"), "None");
  assert.equal(cpe.nextDeadline(), T0 + 3600 * SEC);
});

test("ManagementServer.InformParameter adds parameters to the Informs of the events it names", () => {
  const { cpe } = poweredOn();
  const row = "Device.ManagementServer.InformParameter.1.";
  session(cpe, T0, [
    { method: "AddObject", objectName: "Device.ManagementServer.InformParameter.", parameterKey: "" },
    { method: "SetParameterValues", parameterKey: "", parameterList: [S(row + "Enable", "true", "xsd:boolean"), S(row + "ParameterName", "Device.DeviceInfo.MemoryStatus."), S(row + "EventList", "2 PERIODIC")] },
  ]);
  cpe.connectionRequest(T0 + SEC);
  const byRequest = session(cpe, T0 + SEC).inform;
  assert.equal(byRequest.parameterList.some((p) => p.name.startsWith("Device.DeviceInfo.MemoryStatus.")), false);
  cpe.tick(T0 + 3600 * SEC);
  const periodic = session(cpe, T0 + 3600 * SEC).inform;
  assert.deepEqual(periodic.parameterList.filter((p) => p.name.startsWith("Device.DeviceInfo.MemoryStatus.")).map((p) => p.name), [
    "Device.DeviceInfo.MemoryStatus.Total", "Device.DeviceInfo.MemoryStatus.Free",
  ]);
});

test("EnableCWMP false: no more sessions and no Connection Requests; setting the ACS URL to itself is no new ACS", () => {
  const { cpe } = poweredOn();
  session(cpe, T0);
  cpe.connectionRequest(T0 + SEC);
  const same = session(cpe, T0 + SEC, [{ method: "SetParameterValues", parameterKey: "", parameterList: [S("Device.ManagementServer.URL", "http://acs.example.net:7547/")] }]);
  assert.deepEqual(same.effects, []);
  cpe.connectionRequest(T0 + 2 * SEC);
  session(cpe, T0 + 2 * SEC, [{ method: "SetParameterValues", parameterKey: "", parameterList: [S("Device.ManagementServer.EnableCWMP", "false", "xsd:boolean")] }]);
  assert.equal(cpe.cwmpEnabled, false);
  assert.deepEqual(cpe.connectionRequest(T0 + 3 * SEC), []);
  assert.deepEqual(kinds(cpe.tick(T0 + 3600 * SEC)), []);
});
