import { test } from "node:test";
import assert from "node:assert/strict";
import { Cpe, type CpeState } from "../../src/sim/cpe.js";
import { SimError } from "../../src/sim/errors.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { as, eventCodes, models, newCpe, poweredOn, S, session, T0, values } from "./support/harness.js";

const SEC = 1000;

test("a fresh device stores nothing of the model: its tree state is empty", () => {
  const { cpe } = poweredOn();
  session(cpe, T0);
  assert.deepEqual(cpe.toJSON().tree, {});
});

test("device state survives JSON and a restart: values, rows, counters, attributes, queued work", () => {
  const { cpe } = poweredOn();
  session(cpe, T0, [
    { method: "SetParameterValues", parameterKey: "pk-7", parameterList: [S("Device.WiFi.SSID.1.SSID", "kept"), S("Device.ManagementServer.PeriodicInformInterval", "900", "xsd:unsignedInt")] },
    { method: "AddObject", objectName: "Device.NAT.PortMapping.", parameterKey: "pk-7" },
    { method: "AddObject", objectName: "Device.NAT.PortMapping.", parameterKey: "pk-7" },
    { method: "DeleteObject", objectName: "Device.NAT.PortMapping.3.", parameterKey: "pk-7" },
    { method: "SetParameterAttributes", parameterList: [{ name: "Device.DeviceInfo.HostName", notificationChange: true, notification: 1, accessListChange: true, accessList: ["Subscriber"] }] },
    { method: "ScheduleInform", delaySeconds: 7200, commandKey: "si" },
    { method: "Download", commandKey: "later", fileType: "2 Web Content", url: "http://files.example.net/p", username: "", password: "", fileSize: 0, targetFileName: "", delaySeconds: 3600, successUrl: "", failureUrl: "" },
  ]);
  const saved = cpe.toJSON();
  const text = JSON.stringify(saved);
  const restored = new Cpe(models.tr181, cpe.identity, {}, JSON.parse(text) as CpeState);
  assert.deepEqual(restored.toJSON(), saved);

  // The simulator restarted: the device boots again (1 BOOT, not BOOTSTRAP) with what it had.
  const now = T0 + 600 * SEC;
  restored.powerOn(now);
  const s = session(restored, now, [
    { method: "GetParameterValues", parameterNames: ["Device.WiFi.SSID.1.SSID", "Device.NAT.PortMappingNumberOfEntries", "Device.ManagementServer.ParameterKey"] },
    { method: "AddObject", objectName: "Device.NAT.PortMapping.", parameterKey: "" },
    { method: "GetParameterAttributes", parameterNames: ["Device.DeviceInfo.HostName"] },
    { method: "GetAllQueuedTransfers" },
  ]);
  assert.deepEqual(eventCodes(s.inform), ["1 BOOT"]);
  assert.deepEqual(values(s.answers[0]!), { "Device.WiFi.SSID.1.SSID": "kept", "Device.NAT.PortMappingNumberOfEntries": "2", "Device.ManagementServer.ParameterKey": "pk-7" });
  assert.equal(as(s.answers[1]!, "AddObjectResponse").instanceNumber, 4);
  assert.deepEqual(as(s.answers[2]!, "GetParameterAttributesResponse").parameterList[0], { name: "Device.DeviceInfo.HostName", notification: 1, accessList: ["Subscriber"] });
  assert.equal(as(s.answers[3]!, "GetAllQueuedTransfersResponse").transferList[0]?.commandKey, "later");
  // The scheduled inform and the delayed download are still due at their times.
  assert.deepEqual(restored.toJSON().scheduled, [{ at: T0 + 7200 * SEC, commandKey: "si" }]);
  assert.equal(restored.toJSON().transfers.transfers[0]?.notBefore, T0 + 3600 * SEC);
  assert.equal(restored.nextDeadline(), now + 900 * SEC, "the periodic inform restarts from the boot");
});

test("undelivered events and TransferComplete survive a restart", () => {
  const { cpe } = poweredOn();
  session(cpe, T0, [{ method: "Download", commandKey: "d", fileType: "2 Web Content", url: "http://files.example.net/p", username: "", password: "", fileSize: 0, targetFileName: "", delaySeconds: 0, successUrl: "", failureUrl: "" }]);
  cpe.transferDone(T0 + SEC, 1, { ok: true });
  const restored = new Cpe(models.tr181, cpe.identity, {}, JSON.parse(JSON.stringify(cpe.toJSON())) as CpeState);
  restored.powerOn(T0 + 10 * SEC);
  const i = restored.startSession(T0 + 10 * SEC).body;
  assert.equal(i?.method, "Inform");
  assert.deepEqual(i?.method === "Inform" ? eventCodes(i) : [], ["1 BOOT", "7 TRANSFER COMPLETE", "M Download:d"]);
});

test("a changed connection-request URL after a restart is an active value change", () => {
  const { cpe } = poweredOn();
  session(cpe, T0);
  const state = JSON.parse(JSON.stringify(cpe.toJSON())) as CpeState;
  const moved = makeIdentity(models.tr181.identityDefaults, { acsUrl: "http://acs.example.net:7547/", connectionRequestUrl: "http://10.1.2.3:9000/{serial}" }, 0);
  const restored = new Cpe(models.tr181, moved, {}, state);
  restored.powerOn(T0 + 60 * SEC);
  const i = session(restored, T0 + 60 * SEC).inform;
  assert.deepEqual(eventCodes(i), ["1 BOOT", "4 VALUE CHANGE"]);
  assert.equal(i.parameterList.find((p) => p.name === "Device.ManagementServer.ConnectionRequestURL")?.value.text, "http://10.1.2.3:9000/PRV000001");
});

test("state is refused for another model, another device, or an unknown version", () => {
  const cpe = newCpe();
  const state = cpe.toJSON();
  const refused = (f: () => unknown) => assert.throws(f, (e: unknown) => e instanceof SimError && e.code === "SIM_STATE_INVALID");
  refused(() => new Cpe(models.tr098, makeIdentity(models.tr098.identityDefaults, {}, 0), {}, { ...state, model: "tr181-gateway" }));
  refused(() => new Cpe(models.tr181, makeIdentity(models.tr181.identityDefaults, {}, 5), {}, state));
  refused(() => new Cpe(models.tr181, cpe.identity, {}, { ...state, version: 2 as 1 }));
  refused(() => new Cpe(models.tr181, cpe.identity, {}, { ...state, tree: { values: { "Device.X": 5 as unknown as string } } }));
});
