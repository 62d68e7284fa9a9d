// The bridge's translations both ways, through the real codec: each CWMP RPC becomes the USP requests
// docs/usp.md says, each answer (encoded and decoded as it travels) the CWMP response or fault the engine
// expects; the fault table; the synthetic Inform's identity; Notify's CWMP reading.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CwmpMessage, Fault } from "../../src/cwmp/index.js";
import { fromUsp, schemaPathOf, toUsp, valueChangeSubscriptionId, type UspRequest } from "../../src/controller/bridge.js";
import { cwmpFaultCodeOf, uspToCwmpFaults } from "../../src/controller/faults.js";
import { identityOf, informEnvelope, notifyEffect } from "../../src/controller/inform.js";
import { deviceIdOf } from "../../src/session/device-id.js";
import { decodeMsg, encodeMsg, errorBody, uspErrorInfo, uspMsg, type MessageBodies, type MessageKind, type UspMsg } from "../../src/usp/index.js";

/** An answer as the controller receives it: encoded by the agent, decoded here. */
function wire<K extends MessageKind>(kind: K, body: MessageBodies[K]): UspMsg {
  return decodeMsg(encodeMsg(uspMsg(kind, "m1", body)));
}

function requests(rpc: CwmpMessage): UspRequest[] {
  const t = toUsp(rpc);
  assert.equal(t.kind, "usp", JSON.stringify(t));
  // Every request the bridge makes is one the codec accepts.
  for (const r of (t as Extract<typeof t, { kind: "usp" }>).requests) encodeMsg(uspMsg(r.kind, "x", r.body as never));
  return (t as Extract<typeof t, { kind: "usp" }>).requests;
}

function fault(m: CwmpMessage): Fault["detail"] {
  assert.equal(m.method, "Fault", JSON.stringify(m));
  return (m as Fault).detail;
}

describe("the bridge, CWMP to USP and back", () => {
  test("GetParameterValues is a Get; values come back typed, a bad path faults the read", () => {
    const rpc: CwmpMessage = { method: "GetParameterValues", parameterNames: ["Device.WiFi.SSID.1.", "Device.DeviceInfo.UpTime"] };
    assert.deepEqual(requests(rpc), [{ kind: "get", body: { paramPaths: ["Device.WiFi.SSID.1.", "Device.DeviceInfo.UpTime"], maxDepth: 0 } }]);
    const answer = wire("getResp", {
      reqPathResults: [
        { requestedPath: "Device.WiFi.SSID.1.", errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.WiFi.SSID.1.", resultParams: { SSID: "home", Enable: "true" } }] },
        { requestedPath: "Device.DeviceInfo.UpTime", errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.DeviceInfo.", resultParams: { UpTime: "42" } }] },
      ],
    });
    const typeOf = (p: string) => (p.endsWith("Enable") ? "xsd:boolean" as const : p.endsWith("UpTime") ? "xsd:unsignedInt" as const : undefined);
    assert.deepEqual(fromUsp(rpc, [answer], { typeOf }), {
      method: "GetParameterValuesResponse",
      parameterList: [
        { name: "Device.WiFi.SSID.1.SSID", value: { type: "xsd:string", text: "home" } },
        { name: "Device.WiFi.SSID.1.Enable", value: { type: "xsd:boolean", text: "true" } },
        { name: "Device.DeviceInfo.UpTime", value: { type: "xsd:unsignedInt", text: "42" } },
      ],
    });
    const bad = wire("getResp", { reqPathResults: [{ requestedPath: "Device.Nope.", errCode: 7026, errMsg: "no such object", resolvedPathResults: [] }] });
    const d = fault(fromUsp(rpc, [bad]));
    assert.equal(d.faultCode, 9005);
    assert.match(d.faultString, /USP 7026 Invalid path: Device\.Nope\.: no such object/);
    // The empty name is the whole tree.
    assert.deepEqual(requests({ method: "GetParameterValues", parameterNames: [""] })[0]!.body, { paramPaths: ["Device."], maxDepth: 0 });
  });

  test("GetParameterNames: objects and parameters below the path, one level or all, writable from GetSupportedDM", () => {
    const rpc: CwmpMessage = { method: "GetParameterNames", parameterPath: "Device.WiFi.", nextLevel: false };
    const reqs = requests(rpc);
    assert.deepEqual(reqs.map((r) => [r.kind, r.optional === true]), [["get", false], ["getInstances", true], ["getSupportedDm", true]]);
    const get = wire("getResp", { reqPathResults: [{ requestedPath: "Device.WiFi.", errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.WiFi.SSID.1.", resultParams: { SSID: "home", BSSID: "00:11" } }] }] });
    const inst = wire("getInstancesResp", { reqPathResults: [{ requestedPath: "Device.WiFi.", errCode: 0, errMsg: "", currInsts: [{ instantiatedObjPath: "Device.WiFi.SSID.1.", uniqueKeys: {} }, { instantiatedObjPath: "Device.WiFi.SSID.2.", uniqueKeys: {} }] }] });
    const dm = wire("getSupportedDmResp", {
      reqObjResults: [{
        reqObjPath: "Device.WiFi.", errCode: 0, errMsg: "", dataModelInstUri: "urn:broadband-forum-org:tr-181-2-16-0",
        supportedObjs: [{
          supportedObjPath: "Device.WiFi.SSID.{i}.", access: "OBJ_ADD_DELETE", isMultiInstance: true, supportedCommands: [], supportedEvents: [], divergentPaths: [], uniqueKeySets: [],
          supportedParams: [{ paramName: "SSID", access: "PARAM_READ_WRITE", valueType: "PARAM_STRING", valueChange: "VALUE_CHANGE_ALLOWED" }, { paramName: "BSSID", access: "PARAM_READ_ONLY", valueType: "PARAM_STRING", valueChange: "VALUE_CHANGE_ALLOWED" }],
        }],
      }],
    });
    const all = fromUsp(rpc, [get, inst, dm]);
    assert.equal(all.method, "GetParameterNamesResponse");
    assert.deepEqual(new Map((all as Extract<CwmpMessage, { method: "GetParameterNamesResponse" }>).parameterList.map((p) => [p.name, p.writable])), new Map([
      ["Device.WiFi.SSID.", true], ["Device.WiFi.SSID.1.", false], ["Device.WiFi.SSID.1.SSID", true], ["Device.WiFi.SSID.1.BSSID", false], ["Device.WiFi.SSID.2.", false],
    ]));
    const next = fromUsp({ method: "GetParameterNames", parameterPath: "Device.WiFi.", nextLevel: true }, [get, inst, dm]) as Extract<CwmpMessage, { method: "GetParameterNamesResponse" }>;
    assert.deepEqual(next.parameterList.map((p) => p.name), ["Device.WiFi.SSID."]);
    // Without GetSupportedDM (the agent refused it), names still come, read-only.
    const refusedDm = wire("error", errorBody(7001, "no"));
    const plain = fromUsp(rpc, [get, inst, refusedDm]) as Extract<CwmpMessage, { method: "GetParameterNamesResponse" }>;
    assert.ok(plain.parameterList.every((p) => !p.writable) && plain.parameterList.length === 5);
    assert.equal(schemaPathOf("Device.WiFi.SSID.12.SSID"), "Device.WiFi.SSID.{i}.SSID");
  });

  test("SetParameterValues is one Set, one UpdateObject per object, all or nothing; refusals are 9003 with each parameter's fault", () => {
    const rpc: CwmpMessage = {
      method: "SetParameterValues", parameterKey: "k1",
      parameterList: [
        { name: "Device.WiFi.SSID.1.SSID", value: { type: "xsd:string", text: "a" } },
        { name: "Device.WiFi.SSID.1.Enable", value: { type: "xsd:boolean", text: "false" } },
        { name: "Device.ManagementServer.PeriodicInformInterval", value: { type: "xsd:unsignedInt", text: "300" } },
      ],
    };
    assert.deepEqual(requests(rpc), [{
      kind: "set",
      body: {
        allowPartial: false,
        updateObjs: [
          { objPath: "Device.WiFi.SSID.1.", paramSettings: [{ param: "SSID", value: "a", required: true }, { param: "Enable", value: "false", required: true }] },
          { objPath: "Device.ManagementServer.", paramSettings: [{ param: "PeriodicInformInterval", value: "300", required: true }] },
        ],
      },
    }]);
    const ok = wire("setResp", { updatedObjResults: [{ requestedPath: "Device.WiFi.SSID.1.", operStatus: { operStatus: "operSuccess", operSuccess: { updatedInstResults: [{ affectedPath: "Device.WiFi.SSID.1.", paramErrs: [], updatedParams: { SSID: "a" } }] } } }] });
    assert.deepEqual(fromUsp(rpc, [ok]), { method: "SetParameterValuesResponse", status: 0 });
    const refused = wire("error", { errCode: 7004, errMsg: "set failed", paramErrs: [{ paramPath: "Device.WiFi.SSID.1.Enable", errCode: 7012, errMsg: "bad" }, { paramPath: "Device.ManagementServer.PeriodicInformInterval", errCode: 7013, errMsg: "ro" }] });
    const d = fault(fromUsp(rpc, [refused]));
    assert.equal(d.faultCode, 9003);
    assert.deepEqual(d.setParameterValuesFault?.map((f) => [f.parameterName, f.faultCode]), [["Device.WiFi.SSID.1.Enable", 9007], ["Device.ManagementServer.PeriodicInformInterval", 9008]]);
    const failed = wire("setResp", {
      updatedObjResults: [{ requestedPath: "Device.WiFi.SSID.1.", operStatus: { operStatus: "operFailure", operFailure: { errCode: 7020, errMsg: "no", updatedInstFailures: [{ affectedPath: "Device.WiFi.SSID.1.", paramErrs: [{ param: "SSID", errCode: 7011, errMsg: "type" }] }] } } }],
    });
    assert.deepEqual(fault(fromUsp(rpc, [failed])).setParameterValuesFault?.map((f) => [f.parameterName, f.faultCode]), [["Device.WiFi.SSID.1.SSID", 9006]]);
  });

  test("AddObject and DeleteObject are Add and Delete; the instance number comes from the path created", () => {
    const add: CwmpMessage = { method: "AddObject", objectName: "Device.WiFi.SSID.", parameterKey: "" };
    assert.deepEqual(requests(add), [{ kind: "add", body: { allowPartial: false, createObjs: [{ objPath: "Device.WiFi.SSID.", paramSettings: [] }] } }]);
    const created = wire("addResp", { createdObjResults: [{ requestedPath: "Device.WiFi.SSID.", operStatus: { operStatus: "operSuccess", operSuccess: { instantiatedPath: "Device.WiFi.SSID.7.", paramErrs: [], uniqueKeys: {} } } }] });
    assert.deepEqual(fromUsp(add, [created]), { method: "AddObjectResponse", instanceNumber: 7, status: 0 });
    const notCreatable = wire("addResp", { createdObjResults: [{ requestedPath: "Device.WiFi.SSID.", operStatus: { operStatus: "operFailure", operFailure: { errCode: 7019, errMsg: "fixed table" } } }] });
    assert.equal(fault(fromUsp(add, [notCreatable])).faultCode, 9005);

    const del: CwmpMessage = { method: "DeleteObject", objectName: "Device.WiFi.SSID.7.", parameterKey: "" };
    assert.deepEqual(requests(del), [{ kind: "delete", body: { allowPartial: false, objPaths: ["Device.WiFi.SSID.7."] } }]);
    const gone = wire("deleteResp", { deletedObjResults: [{ requestedPath: "Device.WiFi.SSID.7.", operStatus: { operStatus: "operSuccess", operSuccess: { affectedPaths: ["Device.WiFi.SSID.7."], unaffectedPathErrs: [] } } }] });
    assert.deepEqual(fromUsp(del, [gone]), { method: "DeleteObjectResponse", status: 0 });
    const stuck = wire("deleteResp", { deletedObjResults: [{ requestedPath: "Device.WiFi.SSID.7.", operStatus: { operStatus: "operSuccess", operSuccess: { affectedPaths: [], unaffectedPathErrs: [{ unaffectedPath: "Device.WiFi.SSID.7.", errCode: 7024, errMsg: "in use" }] } } }] });
    assert.equal(fault(fromUsp(del, [stuck])).faultCode, 9002);
  });

  test("Reboot, FactoryReset and a firmware Download are Operates; a Download answers pending", () => {
    assert.deepEqual(requests({ method: "Reboot", commandKey: "ck" }), [{ kind: "operate", body: { command: "Device.Reboot()", commandKey: "ck", sendResp: true, inputArgs: {} } }]);
    assert.equal((requests({ method: "FactoryReset" })[0]!.body as MessageBodies["operate"]).command, "Device.FactoryReset()");
    const ran = wire("operateResp", { operationResults: [{ executedCommand: "Device.Reboot()", operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: {} } }] });
    assert.deepEqual(fromUsp({ method: "Reboot", commandKey: "ck" }, [ran]), { method: "RebootResponse" });
    assert.deepEqual(fromUsp({ method: "FactoryReset" }, [ran]), { method: "FactoryResetResponse" });

    const dl: CwmpMessage = { method: "Download", commandKey: "fw1", fileType: "1 Firmware Upgrade Image", url: "http://files/fw.bin?sig=x", username: "u", password: "p", fileSize: 1024, targetFileName: "", delaySeconds: 0, successUrl: "", failureUrl: "" };
    assert.deepEqual(requests(dl), [{ kind: "operate", body: { command: "Device.DeviceInfo.FirmwareImage.2.Download()", commandKey: "fw1", sendResp: true, inputArgs: { URL: "http://files/fw.bin?sig=x", AutoActivate: "true", Username: "u", Password: "p", FileSize: "1024" } } }]);
    assert.equal(((toUsp(dl, { firmwareImage: 1 }) as { requests: UspRequest[] }).requests[0]!.body as MessageBodies["operate"]).command, "Device.DeviceInfo.FirmwareImage.1.Download()");
    const started = wire("operateResp", { operationResults: [{ executedCommand: "Device.DeviceInfo.FirmwareImage.2.Download()", operationResp: "reqObjPath", reqObjPath: "Device.LocalAgent.Request.3." }] });
    assert.equal((fromUsp(dl, [started]) as Extract<CwmpMessage, { method: "DownloadResponse" }>).status, 1);
    const failed = wire("operateResp", { operationResults: [{ executedCommand: "x", operationResp: "cmdFailure", cmdFailure: { errCode: 7022, errMsg: "no space" } }] });
    assert.equal(fault(fromUsp(dl, [failed])).faultCode, 9010);
    const config = toUsp({ ...dl, fileType: "3 Vendor Configuration File" });
    assert.equal(config.kind, "local");
    assert.match(fault((config as { response: CwmpMessage }).response).faultString, /not supported by USP devices/);
  });

  test("SetParameterAttributes keeps ValueChange subscriptions; GetParameterAttributes reads them back", () => {
    const spa: CwmpMessage = {
      method: "SetParameterAttributes",
      parameterList: [
        { name: "Device.WiFi.SSID.1.SSID", notificationChange: true, notification: 2, accessListChange: false, accessList: [] },
        { name: "Device.DeviceInfo.UpTime", notificationChange: true, notification: 0, accessListChange: false, accessList: [] },
      ],
    };
    const [del, add] = requests(spa);
    assert.equal(del!.kind, "delete");
    assert.equal(del!.optional, true);
    assert.deepEqual((del!.body as MessageBodies["delete"]).objPaths, [`Device.LocalAgent.Subscription.[ID=="${valueChangeSubscriptionId("Device.WiFi.SSID.1.SSID")}"].`, `Device.LocalAgent.Subscription.[ID=="${valueChangeSubscriptionId("Device.DeviceInfo.UpTime")}"].`]);
    const created = (add!.body as MessageBodies["add"]).createObjs;
    assert.equal(created.length, 1);
    assert.deepEqual(Object.fromEntries(created[0]!.paramSettings.map((p) => [p.param, p.value])), { ID: valueChangeSubscriptionId("Device.WiFi.SSID.1.SSID"), NotifType: "ValueChange", ReferenceList: "Device.WiFi.SSID.1.SSID", Persistent: "true", Enable: "true" });
    assert.ok(valueChangeSubscriptionId("Device.WiFi.SSID.1.SSID").length <= 64);
    const deleted = wire("deleteResp", { deletedObjResults: [] });
    const made = wire("addResp", { createdObjResults: [{ requestedPath: "Device.LocalAgent.Subscription.", operStatus: { operStatus: "operSuccess", operSuccess: { instantiatedPath: "Device.LocalAgent.Subscription.4.", paramErrs: [], uniqueKeys: {} } } }] });
    assert.deepEqual(fromUsp(spa, [deleted, made]), { method: "SetParameterAttributesResponse" });
    assert.deepEqual(toUsp({ method: "SetParameterAttributes", parameterList: [{ name: "Device.X", notificationChange: false, notification: 0, accessListChange: true, accessList: ["Subscriber"] }] }), { kind: "local", response: { method: "SetParameterAttributesResponse" } });

    const gpa: CwmpMessage = { method: "GetParameterAttributes", parameterNames: ["Device.WiFi.SSID.1.SSID", "Device.DeviceInfo.UpTime"] };
    const subs = wire("getResp", {
      reqPathResults: [{
        requestedPath: "Device.LocalAgent.Subscription.", errCode: 0, errMsg: "",
        resolvedPathResults: [{ resolvedPath: "Device.LocalAgent.Subscription.4.", resultParams: { ID: valueChangeSubscriptionId("Device.WiFi.SSID.1.SSID"), NotifType: "ValueChange", ReferenceList: "Device.WiFi.SSID.1.SSID", Enable: "true" } }],
      }],
    });
    assert.deepEqual(fromUsp(gpa, [subs]), { method: "GetParameterAttributesResponse", parameterList: [{ name: "Device.WiFi.SSID.1.SSID", notification: 2, accessList: [] }, { name: "Device.DeviceInfo.UpTime", notification: 0, accessList: [] }] });
  });

  test("what USP has no counterpart for is a 9000 fault saying so; GetRPCMethods is answered locally", () => {
    for (const rpc of [{ method: "ScheduleInform", delaySeconds: 1, commandKey: "" }, { method: "Upload", commandKey: "", fileType: "1 Vendor Configuration File", url: "http://x", username: "", password: "", delaySeconds: 0 }, { method: "GetQueuedTransfers" }] as CwmpMessage[]) {
      const t = toUsp(rpc);
      assert.equal(t.kind, "local");
      const d = fault((t as { response: CwmpMessage }).response);
      assert.equal(d.faultCode, 9000);
      assert.match(d.faultString, new RegExp(`${rpc.method} is not supported by USP devices`));
    }
    const methods = toUsp({ method: "GetRPCMethods" });
    assert.equal(methods.kind === "local" && methods.response.method, "GetRPCMethodsResponse");
    // An answer of the wrong kind, or none, is an internal error, not a crash.
    assert.equal(fault(fromUsp({ method: "Reboot", commandKey: "" }, [wire("getResp", { reqPathResults: [] })])).faultCode, 9002);
    assert.equal(fault(fromUsp({ method: "Reboot", commandKey: "" }, [])).faultCode, 9002);
  });

  test("the fault table maps known USP codes, and only those, to CWMP codes", () => {
    for (const [usp, cwmp] of uspToCwmpFaults) {
      assert.ok(uspErrorInfo(usp) !== undefined, `${usp} is a USP code`);
      assert.ok(cwmp >= 9000 && cwmp <= 9019, `${usp} → ${cwmp}`);
    }
    assert.equal(cwmpFaultCodeOf(7013), 9008);
    assert.equal(cwmpFaultCodeOf(7800), 9002);
    assert.equal(uspToCwmpFaults.length, 28);
  });
});

describe("the synthetic Inform", () => {
  const values = new Map([
    ["Device.DeviceInfo.Manufacturer", "Acme"], ["Device.DeviceInfo.ManufacturerOUI", "00D09E"], ["Device.DeviceInfo.ProductClass", "Home-GW"],
    ["Device.DeviceInfo.SerialNumber", "SN-1"], ["Device.DeviceInfo.SoftwareVersion", "2.1"],
  ]);

  test("an os:: endpoint id gives the CWMP id of its OUI, product class and serial; another scheme its own", () => {
    // Dashes inside the product class and serial are told apart by what DeviceInfo says.
    assert.deepEqual(identityOf("os::00D09E-Home-GW-SN-1", values), { manufacturer: "Acme", oui: "00D09E", productClass: "Home-GW", serialNumber: "SN-1" });
    assert.equal(deviceIdOf(identityOf("os::00D09E-Home-GW-SN-1", values)), "00D09E-Home_2DGW-SN_2D1");
    // DeviceInfo that does not spell the id: the id itself says, the last dash ending the product class.
    assert.deepEqual(identityOf("os::00D09E-HGW-X9", values), { manufacturer: "Acme", oui: "00D09E", productClass: "HGW", serialNumber: "X9" });
    assert.deepEqual(identityOf("os::00D09E-X9", new Map()), { manufacturer: "", oui: "00D09E", productClass: "", serialNumber: "X9" });
    assert.deepEqual(identityOf("proto::agent-7", values), { manufacturer: "Acme", oui: "00D09E", productClass: "", serialNumber: "proto::agent-7" });
    assert.equal(identityOf("uuid::1234", new Map()).oui, "000000");
  });

  test("carries the events and the values read, or only the values notified", () => {
    const at = new Date(Date.UTC(2026, 0, 1));
    const env = informEnvelope({ endpointId: "os::00D09E-Home-GW-SN-1", values, events: [{ eventCode: "4 VALUE CHANGE", commandKey: "" }], changed: [{ path: "Device.WiFi.SSID.1.SSID", value: "x" }], now: at });
    assert.equal(env.body?.method, "Inform");
    const inform = env.body as Extract<CwmpMessage, { method: "Inform" }>;
    assert.deepEqual(inform.event, [{ eventCode: "4 VALUE CHANGE", commandKey: "" }]);
    assert.equal(inform.currentTime, "2026-01-01T00:00:00Z");
    assert.deepEqual(inform.parameterList, [{ name: "Device.WiFi.SSID.1.SSID", value: { type: "xsd:string", text: "x" } }]);
    const boot = informEnvelope({ endpointId: "os::00D09E-Home-GW-SN-1", values, events: [{ eventCode: "1 BOOT", commandKey: "" }], now: at }).body as Extract<CwmpMessage, { method: "Inform" }>;
    assert.equal(boot.parameterList.length, 5);
    assert.equal(boot.parameterList.find((p) => p.name === "Device.DeviceInfo.SoftwareVersion")?.value.text, "2.1");
  });

  test("Notify's CWMP reading: onboarding, boot, periodic, value change, a Download's completion, another command's", () => {
    const now = new Date(Date.UTC(2026, 0, 1));
    const codes = (e: ReturnType<typeof notifyEffect>) => (e.kind === "session" ? e.events.map((x) => x.eventCode) : e.kind);
    assert.deepEqual(codes(notifyEffect({ subscriptionId: "", sendResp: true, notification: "onBoardReq", onBoardReq: { oui: "00D09E", productClass: "", serialNumber: "1", agentSupportedProtocolVersions: "1.4" } }, now)), ["0 BOOTSTRAP", "1 BOOT"]);
    assert.deepEqual(codes(notifyEffect({ subscriptionId: "", sendResp: false, notification: "event", event: { objPath: "Device.", eventName: "Boot!", params: {} } }, now)), ["1 BOOT"]);
    assert.deepEqual(codes(notifyEffect({ subscriptionId: "", sendResp: false, notification: "event", event: { objPath: "Device.LocalAgent.", eventName: "Periodic!", params: {} } }, now)), ["2 PERIODIC"]);
    assert.deepEqual(codes(notifyEffect({ subscriptionId: "", sendResp: false, notification: "event", event: { objPath: "Device.X.", eventName: "Other!", params: {} } }, now)), "none");
    const vc = notifyEffect({ subscriptionId: "", sendResp: false, notification: "valueChange", valueChange: { paramPath: "Device.A", paramValue: "1" } }, now);
    assert.deepEqual(vc, { kind: "session", events: [{ eventCode: "4 VALUE CHANGE", commandKey: "" }], changed: [{ path: "Device.A", value: "1" }] });
    const dl = notifyEffect({ subscriptionId: "", sendResp: true, notification: "operComplete", operComplete: { objPath: "Device.DeviceInfo.FirmwareImage.2.", commandName: "Download()", commandKey: "fw1", operationResp: "cmdFailure", cmdFailure: { errCode: 7022, errMsg: "bad image" } } }, now);
    assert.equal(dl.kind, "session");
    assert.deepEqual(codes(dl), ["7 TRANSFER COMPLETE", "M Download"]);
    assert.deepEqual(dl.kind === "session" ? dl.transferComplete?.faultStruct : null, { faultCode: 9010, faultString: "USP 7022: bad image" });
    const ping = notifyEffect({ subscriptionId: "", sendResp: true, notification: "operComplete", operComplete: { objPath: "Device.IP.Diagnostics.", commandName: "IPPing()", commandKey: "p", operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: { SuccessCount: "3" } } } }, now);
    assert.deepEqual(ping, { kind: "operationComplete", path: "Device.IP.Diagnostics.", command: "IPPing()", commandKey: "p", ok: true, detail: { SuccessCount: "3" } });
  });
});
