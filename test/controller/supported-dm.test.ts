// The pure parts of learning an agent's data model: the compact model built from a GetSupportedDMResp
// (here the simulator's answer for TR-181 for USP, and hand-made partial ones), its lookups, the bridge's
// use of it (GetParameterNames' writability, commands refused before sending), and what a created
// instance's Get stores.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fromUsp, toUsp } from "../../src/controller/bridge.js";
import { createdRecords } from "../../src/controller/object-changes.js";
import { learnSupportedDm, supportedDmRequest, SupportedDataModel } from "../../src/controller/supported-dm.js";
import { tr181Source } from "../../src/sim/models/index.js";
import { compileUspModel, getSupportedDm } from "../../src/sim/usp/index.js";
import { uspMsg, type GetSupportedDmResp, type SupportedObject } from "../../src/usp/index.js";

const full = getSupportedDm(compileUspModel(tr181Source(), { controllerId: "proto::provisio" }), supportedDmRequest());

function learnt(resp: GetSupportedDmResp = full): SupportedDataModel {
  const l = learnSupportedDm(resp);
  assert.ok(l !== null);
  return l.model;
}

function obj(path: string, o: Partial<SupportedObject> = {}): SupportedObject {
  return { supportedObjPath: path, access: "OBJ_READ_ONLY", isMultiInstance: false, supportedCommands: [], supportedEvents: [], supportedParams: [], divergentPaths: [], uniqueKeySets: [], ...o };
}

describe("the data model learnt from GetSupportedDM", () => {
  test("counts what the answer lists, and keeps it compact", () => {
    const objs = full.reqObjResults[0]!.supportedObjs;
    const l = learnSupportedDm(full)!;
    assert.equal(l.complete, true);
    assert.deepEqual(l.problems, []);
    assert.deepEqual(l.model.counts(), {
      objects: objs.length,
      parameters: objs.reduce((n, o) => n + o.supportedParams.length, 0),
      commands: objs.reduce((n, o) => n + o.supportedCommands.length, 0),
      events: objs.reduce((n, o) => n + o.supportedEvents.length, 0),
    });
    assert.ok(l.model.counts().parameters > 500, `a whole TR-181 model: ${l.model.counts().parameters} parameters`);
    // Relative names and a letter per type: far below the answer itself as JSON.
    assert.ok(l.model.toJson().length * 3 < JSON.stringify(full).length, `${l.model.toJson().length} vs ${JSON.stringify(full).length}`);
  });

  test("types, writability and commands by concrete path", () => {
    const m = learnt();
    assert.equal(m.typeOf("Device.WiFi.SSID.3.Enable"), "xsd:boolean");
    assert.equal(m.typeOf("Device.LocalAgent.Controller.1.PeriodicNotifInterval"), "xsd:unsignedInt");
    assert.equal(m.typeOf("Device.DeviceInfo.UpTime"), "xsd:unsignedInt");
    assert.equal(m.typeOf("Device.DeviceInfo.Manufacturer"), "xsd:string");
    assert.equal(m.typeOf("Device.DeviceInfo.Nope"), undefined);
    assert.equal(m.writable("Device.WiFi.SSID.2.SSID"), true);
    assert.equal(m.writable("Device.DeviceInfo.UpTime"), false);
    assert.equal(m.writable("Device.NAT.PortMapping."), true, "a table instances can be added to");
    assert.equal(m.writable("Device.NAT.PortMapping.4."), false, "never an instance itself");
    assert.equal(m.writable("Device.DeviceInfo."), false);
    assert.equal(m.hasCommand("Device.Reboot()"), true);
    assert.equal(m.hasCommand("Device.DeviceInfo.FirmwareImage.2.Download()"), true);
    assert.equal(m.hasCommand("Device.IP.Diagnostics.IPPing()"), true);
    assert.equal(m.hasCommand("Device.IP.Diagnostics.TraceRoute()"), true, "the simulator runs every diagnostic");
    assert.equal(m.hasCommand("Device.IP.Diagnostics.Nope()"), false);
    const ping = m.commands().find((c) => c.path === "Device.IP.Diagnostics.IPPing()");
    assert.ok(ping?.async);
    assert.ok(ping.inputArgs.includes("Host"));
    assert.equal(m.commands().find((c) => c.path === "Device.Reboot()")?.async, false);
    assert.deepEqual(m.events().map((e) => e.path), ["Device.Boot!", "Device.LocalAgent.Periodic!"]);
    assert.ok(m.tables().includes("Device.NAT.PortMapping.{i}."));
  });

  test("the stored form reads back the same; text that is none is refused", () => {
    const m = learnt();
    const again = SupportedDataModel.parse(m.toJson());
    assert.equal(again.toJson(), m.toJson());
    assert.equal(again.typeOf("Device.WiFi.Radio.1.Channel"), m.typeOf("Device.WiFi.Radio.1.Channel"));
    assert.throws(() => SupportedDataModel.parse("{\"v\":2,\"objects\":{}}"), SyntaxError);
    assert.throws(() => SupportedDataModel.parse("not json"), SyntaxError);
  });

  test("a partial answer is kept as such; one with no object is none; unknown types are no type", () => {
    const partial = learnSupportedDm({
      reqObjResults: [
        { reqObjPath: "Device.", errCode: 0, errMsg: "", dataModelInstUri: "", supportedObjs: [obj("Device.X.", { supportedParams: [{ paramName: "A", access: "PARAM_READ_WRITE", valueType: "PARAM_UNKNOWN", valueChange: "VALUE_CHANGE_ALLOWED" }, { paramName: "B", access: "PARAM_WRITE_ONLY", valueType: "PARAM_LONG", valueChange: "VALUE_CHANGE_ALLOWED" }] })] },
        { reqObjPath: "Device.Services.", errCode: 7026, errMsg: "too large", dataModelInstUri: "", supportedObjs: [] },
      ],
    });
    assert.ok(partial !== null);
    assert.equal(partial.complete, false);
    assert.deepEqual(partial.problems, ["Device.Services.: USP 7026 too large"]);
    assert.equal(partial.model.typeOf("Device.X.A"), undefined);
    assert.equal(partial.model.writable("Device.X.A"), true);
    assert.equal(partial.model.typeOf("Device.X.B"), "xsd:long");
    assert.equal(learnSupportedDm({ reqObjResults: [{ reqObjPath: "Device.", errCode: 7005, errMsg: "no", dataModelInstUri: "", supportedObjs: [] }] }), null);
  });
});

describe("the bridge with a learnt model", () => {
  const dataModel = learnt({
    reqObjResults: [{
      reqObjPath: "Device.", errCode: 0, errMsg: "", dataModelInstUri: "",
      supportedObjs: [
        obj("Device.", { supportedCommands: [{ commandName: "Reboot()", inputArgNames: [], outputArgNames: [], commandType: "CMD_SYNC" }] }),
        obj("Device.WiFi.SSID.{i}.", { isMultiInstance: true, access: "OBJ_ADD_DELETE", supportedParams: [{ paramName: "SSID", access: "PARAM_READ_WRITE", valueType: "PARAM_STRING", valueChange: "VALUE_CHANGE_ALLOWED" }, { paramName: "BSSID", access: "PARAM_READ_ONLY", valueType: "PARAM_STRING", valueChange: "VALUE_CHANGE_ALLOWED" }] }),
      ],
    }],
  });

  test("GetParameterNames takes writability from it and asks no GetSupportedDM", () => {
    const rpc = { method: "GetParameterNames" as const, parameterPath: "Device.WiFi.", nextLevel: false };
    const t = toUsp(rpc, { dataModel });
    assert.equal(t.kind, "usp");
    assert.deepEqual(t.kind === "usp" ? t.requests.map((r) => r.kind) : [], ["get", "getInstances"]);
    assert.deepEqual(toUsp(rpc).kind === "usp" && (toUsp(rpc) as { requests: { kind: string }[] }).requests.map((r) => r.kind), ["get", "getInstances", "getSupportedDm"]);
    const answer = uspMsg("getResp", "1", { reqPathResults: [{ requestedPath: "Device.WiFi.", errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.WiFi.SSID.1.", resultParams: { SSID: "a", BSSID: "b" } }] }] });
    const inst = uspMsg("getInstancesResp", "2", { reqPathResults: [{ requestedPath: "Device.WiFi.", errCode: 0, errMsg: "", currInsts: [{ instantiatedObjPath: "Device.WiFi.SSID.1.", uniqueKeys: {} }] }] });
    const r = fromUsp(rpc, [answer, inst], { dataModel });
    assert.equal(r.method, "GetParameterNamesResponse");
    const names = Object.fromEntries(r.method === "GetParameterNamesResponse" ? r.parameterList.map((p) => [p.name, p.writable]) : []);
    assert.deepEqual(names, { "Device.WiFi.SSID.": true, "Device.WiFi.SSID.1.": false, "Device.WiFi.SSID.1.SSID": true, "Device.WiFi.SSID.1.BSSID": false });
  });

  test("a command the model lacks is a fault before anything is sent; one it has is an Operate", () => {
    const reboot = toUsp({ method: "Reboot", commandKey: "k" }, { dataModel });
    assert.equal(reboot.kind, "usp");
    const reset = toUsp({ method: "FactoryReset" }, { dataModel });
    assert.equal(reset.kind, "local");
    assert.ok(reset.kind === "local" && reset.response.method === "Fault");
    assert.equal(reset.kind === "local" && reset.response.method === "Fault" ? reset.response.detail.faultCode : 0, 9000);
    assert.match(reset.kind === "local" && reset.response.method === "Fault" ? reset.response.detail.faultString : "", /Device\.FactoryReset\(\) is not supported by this agent/);
    // Without a model, it is sent: the agent says.
    assert.equal(toUsp({ method: "FactoryReset" }).kind, "usp");
  });

  test("a created instance's Get becomes its names and typed values", () => {
    const answer = uspMsg("getResp", "1", { reqPathResults: [{ requestedPath: "Device.WiFi.SSID.2.", errCode: 0, errMsg: "", resolvedPathResults: [{ resolvedPath: "Device.WiFi.SSID.2.", resultParams: { SSID: "guest", BSSID: "x" } }, { resolvedPath: "Device.WiFi.SSID.2.Stats.", resultParams: { Bytes: "5" } }] }] });
    const r = createdRecords("Device.WiFi.SSID.2.", answer, { dataModel, typeOf: (p) => (p.endsWith("Bytes") ? "xsd:unsignedLong" : dataModel.typeOf(p)) });
    assert.deepEqual(r?.names, [
      { path: "Device.WiFi.SSID.2.", writable: false },
      { path: "Device.WiFi.SSID.2.SSID", writable: true },
      { path: "Device.WiFi.SSID.2.BSSID", writable: false },
      { path: "Device.WiFi.SSID.2.Stats.", writable: false },
      { path: "Device.WiFi.SSID.2.Stats.Bytes", writable: false },
    ]);
    assert.deepEqual(r?.values, [
      { path: "Device.WiFi.SSID.2.SSID", value: "guest", type: "xsd:string" },
      { path: "Device.WiFi.SSID.2.BSSID", value: "x", type: "xsd:string" },
      { path: "Device.WiFi.SSID.2.Stats.Bytes", value: "5", type: "xsd:unsignedLong" },
    ]);
    const gone = uspMsg("getResp", "2", { reqPathResults: [{ requestedPath: "Device.WiFi.SSID.2.", errCode: 7026, errMsg: "gone", resolvedPathResults: [] }] });
    assert.equal(createdRecords("Device.WiFi.SSID.2.", gone, {}), null);
  });
});
