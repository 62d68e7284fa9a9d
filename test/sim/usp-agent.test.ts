import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeRecord, encodeMsg, encodeRecord, msgBody, msgKind, recordHeader, SessionContext, uspMsg,
} from "../../src/usp/index.js";
import { performTransfer } from "../../src/sim/runtime/transfer.js";
import { UspAgent, type AgentEffect } from "../../src/sim/usp/index.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { call, CTRL, msgs, newAgent, notifies, recordFor, send, sent, subscribe, T0, uspModel } from "./support/usp.js";

const SEC = 1000;

/** Ticks the agent at every deadline up to `until`, collecting the effects. */
function runUntil(a: UspAgent, until: number): AgentEffect[] {
  const out: AgentEffect[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const at = a.nextDeadline();
    if (at === undefined || at > until) break;
    out.push(...a.tick(at));
  }
  return out;
}

const get = (a: UspAgent, paths: string[], maxDepth = 0) => call(a, "get", { paramPaths: paths, maxDepth }, "getResp").resp.reqPathResults;

test("Get: a parameter, an object to a depth, search paths with * and filters, and per-path errors", () => {
  const a = newAgent();
  const [one] = get(a, ["Device.DeviceInfo.SerialNumber"]);
  assert.equal(one!.errCode, 0);
  assert.deepEqual(one!.resolvedPathResults, [{ resolvedPath: "Device.DeviceInfo.", resultParams: { SerialNumber: a.tree.identity.serialNumber } }]);

  const [shallow] = get(a, ["Device.NAT."], 1);
  assert.deepEqual(shallow!.resolvedPathResults.map((r) => r.resolvedPath), ["Device.NAT."]);
  const [deep] = get(a, ["Device.NAT."], 0);
  assert.ok(deep!.resolvedPathResults.some((r) => r.resolvedPath === "Device.NAT.PortMapping.1." && r.resultParams.InternalPort === "80"));

  const [wild] = get(a, ["Device.Ethernet.Interface.*.Enable"]);
  assert.ok(wild!.resolvedPathResults.length >= 2);
  assert.ok(wild!.resolvedPathResults.every((r) => /^Device\.Ethernet\.Interface\.\d+\.$/.test(r.resolvedPath) && "Enable" in r.resultParams));

  const [filtered] = get(a, ['Device.NAT.PortMapping.[Protocol=="TCP"&&ExternalPort==8080].InternalClient']);
  assert.deepEqual(filtered!.resolvedPathResults, [{ resolvedPath: "Device.NAT.PortMapping.1.", resultParams: { InternalClient: "192.168.1.100" } }]);
  const [none] = get(a, ['Device.NAT.PortMapping.[Protocol=="UDP"].InternalClient']);
  assert.equal(none!.errCode, 0);
  assert.deepEqual(none!.resolvedPathResults, []);

  const [secret] = get(a, ["Device.Users.User.1.Password"]);
  assert.equal(secret!.resolvedPathResults[0]!.resultParams.Password, "");

  const [missing, syntax] = get(a, ["Device.NoSuchThing.X", "Device..Bad"]);
  assert.equal(missing!.errCode, 7026);
  assert.equal(syntax!.errCode, 7008);
  // The USP model has no CWMP ManagementServer; it has the LocalAgent with the agent's endpoint id.
  assert.equal(get(a, ["Device.ManagementServer.URL"])[0]!.errCode, 7026);
  assert.equal(get(a, ["Device.LocalAgent.EndpointID"])[0]!.resolvedPathResults[0]!.resultParams.EndpointID, a.endpointId);
  assert.match(a.endpointId, /^os::00D09E-PG-4100-PRV\d{6}$/);
});

test("Set: values written, per-parameter errors, required parameters and allow_partial", () => {
  const a = newAgent();
  const ok = call(a, "set", { allowPartial: false, updateObjs: [{ objPath: "Device.DeviceInfo.", paramSettings: [{ param: "HostName", value: "kitchen", required: true }] }] }, "setResp").resp;
  const r = ok.updatedObjResults[0]!.operStatus;
  assert.equal(r.operStatus, "operSuccess");
  if (r.operStatus === "operSuccess") assert.deepEqual(r.operSuccess.updatedInstResults, [{ affectedPath: "Device.DeviceInfo.", paramErrs: [], updatedParams: { HostName: "kitchen" } }]);
  assert.equal(a.tree.get("Device.DeviceInfo.HostName", T0), "kitchen");

  // Optional failures are reported beside the values that were written.
  const partial = call(a, "set", {
    allowPartial: true,
    updateObjs: [{ objPath: "Device.NAT.PortMapping.1.", paramSettings: [
      { param: "Description", value: "nas", required: false },
      { param: "Status", value: "Enabled", required: false },
      { param: "NoSuch", value: "1", required: false },
      { param: "InternalPort", value: "http", required: false },
      { param: "Protocol", value: "SCTP", required: false },
    ] }],
  }, "setResp").resp.updatedObjResults[0]!.operStatus;
  assert.equal(partial.operStatus, "operSuccess");
  if (partial.operStatus === "operSuccess") {
    const inst = partial.operSuccess.updatedInstResults[0]!;
    assert.deepEqual(inst.updatedParams, { Description: "nas" });
    assert.deepEqual(inst.paramErrs.map((e) => [e.param, e.errCode]), [["Status", 7013], ["NoSuch", 7010], ["InternalPort", 7011], ["Protocol", 7012]]);
  }

  // A required failure fails its object; with allow_partial the other objects still change.
  const mixed = call(a, "set", {
    allowPartial: true,
    updateObjs: [
      { objPath: "Device.DeviceInfo.", paramSettings: [{ param: "UpTime", value: "5", required: true }] },
      { objPath: "Device.DeviceInfo.", paramSettings: [{ param: "HostName", value: "attic", required: true }] },
    ],
  }, "setResp").resp.updatedObjResults;
  assert.equal(mixed[0]!.operStatus.operStatus, "operFailure");
  if (mixed[0]!.operStatus.operStatus === "operFailure") {
    assert.equal(mixed[0]!.operStatus.operFailure.errCode, 7021);
    assert.deepEqual(mixed[0]!.operStatus.operFailure.updatedInstFailures[0]!.paramErrs.map((e) => e.errCode), [7013]);
  }
  assert.equal(mixed[1]!.operStatus.operStatus, "operSuccess");
  assert.equal(a.tree.get("Device.DeviceInfo.HostName", T0), "attic");

  // Without allow_partial: one Error, and nothing changed.
  const err = call(a, "set", {
    allowPartial: false,
    updateObjs: [
      { objPath: "Device.DeviceInfo.", paramSettings: [{ param: "HostName", value: "cellar", required: true }] },
      { objPath: "Device.NoSuch.", paramSettings: [{ param: "X", value: "1", required: true }] },
    ],
  }, "error").resp;
  assert.equal(err.errCode, 7000);
  assert.deepEqual(err.paramErrs.map((e) => [e.paramPath, e.errCode]), [["Device.NoSuch.", 7016]]);
  assert.equal(a.tree.get("Device.DeviceInfo.HostName", T0), "attic");
});

test("Add and Delete: instantiated paths, unique keys, duplicates and tables that refuse", () => {
  const a = newAgent();
  const pm = (alias: string) => ({ objPath: "Device.NAT.PortMapping.", paramSettings: [{ param: "Alias", value: alias, required: true }, { param: "ExternalPort", value: "2222", required: true }] });
  const added = call(a, "add", { allowPartial: false, createObjs: [pm("ssh")] }, "addResp").resp.createdObjResults[0]!.operStatus;
  assert.equal(added.operStatus, "operSuccess");
  const path = added.operStatus === "operSuccess" ? added.operSuccess.instantiatedPath : "";
  assert.equal(path, "Device.NAT.PortMapping.2.");
  if (added.operStatus === "operSuccess") assert.deepEqual(added.operSuccess.uniqueKeys, { Alias: "ssh" });
  assert.equal(a.tree.get(path + "ExternalPort", T0), "2222");

  const dup = call(a, "add", { allowPartial: true, createObjs: [pm("ssh"), { objPath: "Device.DeviceInfo.", paramSettings: [] }, { objPath: "Device.DeviceInfo.VendorConfigFile.", paramSettings: [] }] }, "addResp").resp.createdObjResults;
  assert.deepEqual(dup.map((r) => (r.operStatus.operStatus === "operFailure" ? r.operStatus.operFailure.errCode : 0)), [7025, 7018, 7019]);
  const refused = call(a, "add", { allowPartial: false, createObjs: [pm("ssh")] }, "error").resp;
  assert.equal(refused.errCode, 7000);
  assert.equal(refused.paramErrs[0]!.errCode, 7025);

  const instances = call(a, "getInstances", { objPaths: ["Device.NAT.PortMapping."], firstLevelOnly: true }, "getInstancesResp").resp.reqPathResults[0]!;
  assert.deepEqual(instances.currInsts, [
    { instantiatedObjPath: "Device.NAT.PortMapping.1.", uniqueKeys: { Alias: "cpe-1" } },
    { instantiatedObjPath: "Device.NAT.PortMapping.2.", uniqueKeys: { Alias: "ssh" } },
  ]);

  const deleted = call(a, "delete", { allowPartial: false, objPaths: [path] }, "deleteResp").resp.deletedObjResults[0]!.operStatus;
  assert.deepEqual(deleted.operStatus === "operSuccess" ? deleted.operSuccess.affectedPaths : null, [path]);
  assert.equal(a.tree.resolve(path, T0), undefined);
  // Gone already: what the controller wants holds, so no failure.
  const again = call(a, "delete", { allowPartial: false, objPaths: [path] }, "deleteResp").resp.deletedObjResults[0]!.operStatus;
  assert.deepEqual(again.operStatus === "operSuccess" ? again.operSuccess.affectedPaths : null, []);
  const locked = call(a, "delete", { allowPartial: false, objPaths: ["Device.DeviceInfo.VendorConfigFile.1."] }, "error").resp;
  assert.equal(locked.paramErrs[0]!.errCode, 7024);
});

test("GetInstances of nested tables, GetSupportedDM of commands and events, GetSupportedProtocol", () => {
  const a = newAgent();
  const all = call(a, "getInstances", { objPaths: ["Device.LocalAgent."], firstLevelOnly: false }, "getInstancesResp").resp.reqPathResults[0]!;
  assert.deepEqual(all.currInsts, [{ instantiatedObjPath: "Device.LocalAgent.Controller.1.", uniqueKeys: { Alias: "cpe-1", EndpointID: CTRL } }]);
  assert.equal(call(a, "getInstances", { objPaths: ["Device.Nope."], firstLevelOnly: false }, "getInstancesResp").resp.reqPathResults[0]!.errCode, 7026);

  const dm = call(a, "getSupportedDm", { objPaths: ["Device.IP.Diagnostics.", "Device.", "Device.Nope."], firstLevelOnly: true, returnCommands: true, returnEvents: true, returnParams: true, returnUniqueKeySets: true }, "getSupportedDmResp").resp.reqObjResults;
  const diag = dm[0]!.supportedObjs[0]!;
  assert.equal(diag.supportedObjPath, "Device.IP.Diagnostics.");
  const ping = diag.supportedCommands.find((c) => c.commandName === "IPPing()")!;
  assert.equal(ping.commandType, "CMD_ASYNC");
  assert.ok(ping.inputArgNames.includes("Host") && ping.outputArgNames.includes("AverageResponseTime"));
  const root = dm[1]!.supportedObjs;
  assert.equal(root[0]!.supportedObjPath, "Device.");
  assert.deepEqual(root[0]!.supportedCommands.map((c) => [c.commandName, c.commandType]), [["Reboot()", "CMD_SYNC"], ["FactoryReset()", "CMD_SYNC"]]);
  assert.deepEqual(root[0]!.supportedEvents, [{ eventName: "Boot!", argNames: ["CommandKey", "Cause", "FirmwareUpdated", "ParameterMap"] }]);
  // first_level_only: the object and its children, not their children.
  assert.ok(root.some((o) => o.supportedObjPath === "Device.IP."));
  assert.ok(!root.some((o) => o.supportedObjPath === "Device.IP.Interface.{i}."));
  assert.equal(dm[2]!.errCode, 7026);
  const sub = call(a, "getSupportedDm", { objPaths: ["Device.LocalAgent.Subscription.{i}."], firstLevelOnly: true, returnCommands: false, returnEvents: false, returnParams: true, returnUniqueKeySets: true }, "getSupportedDmResp").resp.reqObjResults[0]!.supportedObjs[0]!;
  assert.equal(sub.access, "OBJ_ADD_DELETE");
  assert.equal(sub.isMultiInstance, true);
  assert.deepEqual(sub.uniqueKeySets, [{ keyNames: ["Alias"] }, { keyNames: ["Recipient", "ID"] }]);
  assert.deepEqual(sub.supportedParams.find((p) => p.paramName === "Recipient"), { paramName: "Recipient", access: "PARAM_READ_ONLY", valueType: "PARAM_STRING", valueChange: "VALUE_CHANGE_ALLOWED" });

  assert.equal(call(a, "getSupportedProtocol", { controllerSupportedProtocolVersions: "1.4" }, "getSupportedProtocolResp").resp.agentSupportedProtocolVersions, "1.3,1.4");
});

test("Reboot() answers, reboots, and sends Boot! to persistent Event subscriptions only", () => {
  const a = newAgent({ rebootMs: 10 * SEC });
  const persistent = subscribe(a, "Event", "Device.Boot!", { id: "boot", persistent: true });
  const volatile = subscribe(a, "Event", "Device.Boot!", { id: "boot-volatile" });
  const { resp, effects } = call(a, "operate", { command: "Device.Reboot()", commandKey: "rb-7", sendResp: true, inputArgs: {} }, "operateResp");
  assert.deepEqual(resp.operationResults, [{ executedCommand: "Device.Reboot()", operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: {} } }]);
  assert.deepEqual(effects.filter((e) => e.type === "reboot"), [{ type: "reboot", until: T0 + 10 * SEC }]);
  assert.equal(a.up, false);
  // Down: a request is lost.
  assert.deepEqual(send(a, "get", { paramPaths: ["Device.DeviceInfo."], maxDepth: 0 }, T0 + SEC), []);
  const booted = notifies(msgs(runUntil(a, T0 + 10 * SEC)));
  assert.equal(a.up, true);
  assert.equal(booted.length, 1);
  const n = booted[0]!;
  assert.equal(n.subscriptionId, "boot");
  assert.equal(n.notification, "event");
  if (n.notification === "event") {
    assert.equal(n.event.objPath, "Device.");
    assert.equal(n.event.eventName, "Boot!");
    assert.deepEqual(n.event.params, { CommandKey: "rb-7", Cause: "RemoteReboot", FirmwareUpdated: "false", ParameterMap: "{}" });
  }
  assert.ok(a.tree.resolve(persistent, T0 + 10 * SEC));
  assert.equal(a.tree.resolve(volatile, T0 + 10 * SEC), undefined);
});

test("IPPing() runs asynchronously: a Request row, then OperationComplete with its output", () => {
  const a = newAgent({ network: { latencyMs: 20, jitterMs: 0, lossPercent: 0, unreachableHosts: ["blocked.example"] } });
  subscribe(a, "OperationComplete", "Device.IP.Diagnostics.IPPing()", { id: "oc" });
  subscribe(a, "ObjectCreation", "Device.LocalAgent.Request.", { id: "req-created" });
  const { resp, others } = call(a, "operate", { command: "Device.IP.Diagnostics.IPPing()", commandKey: "ping-1", sendResp: true, inputArgs: { Host: "example.net", NumberOfRepetitions: "4" } }, "operateResp");
  assert.deepEqual(resp.operationResults, [{ executedCommand: "Device.IP.Diagnostics.IPPing()", operationResp: "reqObjPath", reqObjPath: "Device.LocalAgent.Request.1." }]);
  assert.deepEqual(notifies(others).map((n) => n.subscriptionId), ["req-created"]);
  assert.equal(a.tree.get("Device.LocalAgent.Request.1.Status", T0), "Active");
  assert.equal(a.tree.get("Device.LocalAgent.Request.1.Command", T0), "Device.IP.Diagnostics.IPPing()");

  const done = notifies(msgs(runUntil(a, T0 + 60 * SEC)));
  assert.equal(done.length, 1);
  const n = done[0]!;
  assert.equal(n.notification, "operComplete");
  if (n.notification === "operComplete") {
    assert.equal(n.operComplete.commandName, "IPPing()");
    assert.equal(n.operComplete.commandKey, "ping-1");
    assert.equal(n.operComplete.operationResp, "reqOutputArgs");
    if (n.operComplete.operationResp === "reqOutputArgs") {
      const out = n.operComplete.reqOutputArgs.outputArgs;
      assert.equal(out.Status, "Complete");
      assert.equal(out.SuccessCount, "4");
      assert.equal(out.AverageResponseTime, "20");
    }
  }
  assert.equal(a.tree.resolve("Device.LocalAgent.Request.1.", T0 + 60 * SEC), undefined);

  call(a, "operate", { command: "Device.IP.Diagnostics.IPPing()", commandKey: "ping-2", sendResp: true, inputArgs: { Host: "blocked.example" } }, "operateResp", T0 + 60 * SEC);
  const failed = notifies(msgs(runUntil(a, T0 + 120 * SEC)))[0]!;
  assert.ok(failed.notification === "operComplete" && failed.operComplete.operationResp === "reqOutputArgs" && failed.operComplete.reqOutputArgs.outputArgs.Status === "Error_CannotResolveHostName");

  const bad = call(a, "operate", { command: "Device.IP.Diagnostics.IPPing()", commandKey: "", sendResp: true, inputArgs: { Hots: "x" } }, "operateResp", T0 + 120 * SEC).resp.operationResults[0]!;
  assert.equal(bad.operationResp, "cmdFailure");
  if (bad.operationResp === "cmdFailure") assert.equal(bad.cmdFailure.errCode, 7027);
  assert.equal(call(a, "operate", { command: "Device.IP.Nothing()", commandKey: "", sendResp: true, inputArgs: {} }, "error", T0 + 120 * SEC).resp.errCode, 7026);
  // send_resp false: no OperateResp.
  assert.deepEqual(msgs(send(a, "operate", { command: "Device.IP.Diagnostics.IPPing()", commandKey: "", sendResp: false, inputArgs: { Host: "example.net" } }, T0 + 120 * SEC)).filter((m) => msgKind(m) === "operateResp"), []);
});

async function fileServer(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/fw/pg4100-5.0.2.bin") {
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      res.end(Buffer.alloc(4096, 7));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Performs the agent's downloads over real HTTP and hands back what the agent does then. */
async function downloads(a: UspAgent, effects: AgentEffect[], now: number): Promise<AgentEffect[]> {
  const out: AgentEffect[] = [];
  for (const e of effects) {
    if (e.type !== "download") continue;
    const outcome = await performTransfer({ id: e.id, direction: "download", url: e.url, username: e.username, password: e.password, fileType: "1 Firmware Upgrade Image", fileSize: e.fileSize, targetFileName: "" }, { timeoutMs: 30_000, now: () => now });
    out.push(...a.transferDone(e.id, outcome, now));
  }
  return out;
}

test("FirmwareImage Download() over real HTTP, a bad URL's failure, and Activate() with Boot! after it", async () => {
  const { server, base } = await fileServer();
  try {
    const a = newAgent({ rebootMs: 5 * SEC });
    subscribe(a, "OperationComplete", "Device.DeviceInfo.FirmwareImage.*.Download(),Device.DeviceInfo.FirmwareImage.*.Activate()", { id: "fw", persistent: true });
    subscribe(a, "Event", "Device.Boot!", { id: "boot", persistent: true });
    const op = (image: number, url: string, now: number) =>
      call(a, "operate", { command: `Device.DeviceInfo.FirmwareImage.${image}.Download()`, commandKey: "dl", sendResp: true, inputArgs: { URL: url, AutoActivate: "false", FileSize: "4096" } }, "operateResp", now);

    const good = op(2, `${base}/fw/pg4100-5.0.2.bin`, T0);
    assert.equal(good.resp.operationResults[0]!.operationResp, "reqObjPath");
    assert.equal(a.tree.get("Device.DeviceInfo.FirmwareImage.2.Status", T0), "Downloading");
    const ok = notifies(msgs(await downloads(a, good.effects, T0 + SEC)));
    assert.equal(ok.length, 1);
    assert.ok(ok[0]!.notification === "operComplete" && ok[0]!.operComplete.operationResp === "reqOutputArgs" && ok[0]!.operComplete.commandName === "Download()");
    assert.equal(a.tree.get("Device.DeviceInfo.FirmwareImage.2.Version", T0), "5.0.2");
    assert.equal(a.tree.get("Device.DeviceInfo.FirmwareImage.2.Status", T0), "Available");

    const bad = op(2, `${base}/fw/missing.bin`, 2 * SEC + T0);
    const failed = notifies(msgs(await downloads(a, bad.effects, T0 + 3 * SEC)))[0]!;
    assert.equal(failed.notification, "operComplete");
    if (failed.notification === "operComplete" && failed.operComplete.operationResp === "cmdFailure") {
      assert.equal(failed.operComplete.cmdFailure.errCode, 7022);
      assert.match(failed.operComplete.cmdFailure.errMsg, /9016/);
    } else assert.fail("expected a cmdFailure");
    assert.equal(call(a, "operate", { command: "Device.DeviceInfo.FirmwareImage.1.Download()", commandKey: "", sendResp: true, inputArgs: { URL: "ftp://x/y", AutoActivate: "false" } }, "operateResp").resp.operationResults[0]!.operationResp, "cmdFailure");

    // Image 2 failed its last download; image 1 holds the factory image, so download again and activate.
    await downloads(a, op(2, `${base}/fw/pg4100-5.0.2.bin`, T0 + 4 * SEC).effects, T0 + 4 * SEC);
    const act = call(a, "operate", { command: "Device.DeviceInfo.FirmwareImage.2.Activate()", commandKey: "act", sendResp: true, inputArgs: {} }, "operateResp", T0 + 5 * SEC);
    assert.equal(act.resp.operationResults[0]!.operationResp, "reqObjPath");
    assert.ok(act.effects.some((e) => e.type === "reboot"));
    const after = notifies(msgs(runUntil(a, T0 + 20 * SEC)));
    const boot = after.find((n) => n.notification === "event");
    assert.ok(boot?.notification === "event" && boot.event.params.FirmwareUpdated === "true" && boot.event.params.CommandKey === "act");
    const done = after.find((n) => n.notification === "operComplete");
    assert.ok(done?.notification === "operComplete" && done.operComplete.commandName === "Activate()" && done.operComplete.commandKey === "act");
    assert.equal(a.tree.get("Device.DeviceInfo.SoftwareVersion", T0 + 20 * SEC), "5.0.2");
    assert.equal(a.tree.get("Device.DeviceInfo.ActiveFirmwareImage", T0 + 20 * SEC), "Device.DeviceInfo.FirmwareImage.2");
  } finally {
    server.close();
  }
});

test("ValueChange: for a control-API change and another controller's Set, not for the subscriber's own Set; retried until answered", () => {
  const a = newAgent();
  call(a, "add", { allowPartial: false, createObjs: [{ objPath: "Device.LocalAgent.Controller.", paramSettings: [{ param: "EndpointID", value: "proto::other", required: true }] }] }, "addResp");
  subscribe(a, "ValueChange", "Device.WiFi.SSID.*.SSID,Device.DeviceInfo.HostName", { id: "vc", retry: true });

  const own = call(a, "set", { allowPartial: false, updateObjs: [{ objPath: "Device.DeviceInfo.", paramSettings: [{ param: "HostName", value: "mine", required: true }] }] }, "setResp");
  assert.deepEqual(notifies(own.others), []);
  const other = call(a, "set", { allowPartial: false, updateObjs: [{ objPath: "Device.DeviceInfo.", paramSettings: [{ param: "HostName", value: "theirs", required: true }] }] }, "setResp", T0, "proto::other");
  const fromOther = sent(other.effects).filter((s) => s.msg && msgKind(s.msg) === "notify");
  assert.equal(fromOther.length, 1);
  assert.equal(fromOther[0]!.record.toId, CTRL);
  const n = msgBody(fromOther[0]!.msg!, "notify")!;
  assert.ok(n.notification === "valueChange" && n.valueChange.paramPath === "Device.DeviceInfo.HostName" && n.valueChange.paramValue === "theirs");
  assert.equal(n.sendResp, true);

  const ssid = a.tree.get("Device.WiFi.SSID.1.SSID", T0)!;
  const changed = notifies(msgs(a.changeValue("Device.WiFi.SSID.1.SSID", ssid + "-new", T0)));
  assert.ok(changed[0]?.notification === "valueChange" && changed[0].valueChange.paramValue === ssid + "-new");
  assert.throws(() => a.changeValue("Device.WiFi.SSID.1.Nope", "x", T0), /no parameter/);
  assert.throws(() => a.changeValue("Device.NAT.PortMapping.1.ExternalPort", "99999", T0), /out of range/);

  // Two Notifies wait for their NotifyResp: both are sent again until answered.
  assert.equal(a.unanswered, 2);
  const retried = sent(runUntil(a, T0 + 6 * SEC)).map((s) => s.msg!.header.msgId);
  assert.equal(retried.length, 2);
  for (const id of retried) a.receive(recordFor(a, uspMsg("notifyResp", id, { subscriptionId: "vc" })), T0 + 7 * SEC);
  assert.equal(a.unanswered, 0);
  assert.deepEqual(runUntil(a, T0 + 3600 * SEC), []);
});

test("OnBoardRequest on first contact, sent again until its NotifyResp; once onboarded, never again", () => {
  const a = newAgent();
  const first = notifies(msgs(a.connected(T0)));
  assert.equal(first.length, 1);
  const n = first[0]!;
  assert.ok(n.notification === "onBoardReq");
  if (n.notification === "onBoardReq") {
    assert.deepEqual(n.onBoardReq, { oui: "00D09E", productClass: "PG-4100", serialNumber: a.tree.identity.serialNumber, agentSupportedProtocolVersions: "1.3,1.4" });
    assert.equal(n.sendResp, true);
  }
  const again = notifies(msgs(runUntil(a, T0 + 5 * SEC)));
  assert.equal(again[0]?.notification, "onBoardReq");
  const resent = sent(a.connected(T0 + 6 * SEC));
  const id = resent[0]!.msg!.header.msgId;
  a.receive(recordFor(a, uspMsg("notifyResp", id, { subscriptionId: "" })), T0 + 6 * SEC);
  assert.equal(a.onboarded, true);
  assert.deepEqual(a.connected(T0 + 7 * SEC), []);
  // A factory reset makes it fresh: it onboards again after the reboot.
  call(a, "operate", { command: "Device.FactoryReset()", commandKey: "fr", sendResp: true, inputArgs: {} }, "operateResp", T0 + 8 * SEC);
  assert.equal(a.onboarded, false);
  const reboot = notifies(msgs(runUntil(a, T0 + 60 * SEC)));
  assert.ok(reboot.some((x) => x.notification === "onBoardReq"));
  const state = JSON.parse(JSON.stringify(a.toJSON())) as ReturnType<UspAgent["toJSON"]>;
  assert.equal(state.onboarded, false);
});

test("ObjectCreation and ObjectDeletion notifications; Periodic! events", () => {
  const a = newAgent();
  subscribe(a, "ObjectCreation", "Device.NAT.PortMapping.", { id: "created" });
  subscribe(a, "ObjectDeletion", "Device.NAT.PortMapping.", { id: "deleted" });
  const add = call(a, "add", { allowPartial: false, createObjs: [{ objPath: "Device.NAT.PortMapping.", paramSettings: [{ param: "Alias", value: "web", required: true }] }] }, "addResp");
  const c = notifies(add.others)[0]!;
  assert.ok(c.notification === "objCreation" && c.objCreation.objPath === "Device.NAT.PortMapping.2." && c.objCreation.uniqueKeys.Alias === "web");
  const del = call(a, "delete", { allowPartial: false, objPaths: ["Device.NAT.PortMapping.*."] }, "deleteResp");
  assert.deepEqual(notifies(del.others).map((n) => (n.notification === "objDeletion" ? n.objDeletion.objPath : "")), ["Device.NAT.PortMapping.1.", "Device.NAT.PortMapping.2."]);

  call(a, "set", { allowPartial: false, updateObjs: [{ objPath: "Device.LocalAgent.Controller.1.", paramSettings: [{ param: "PeriodicNotifInterval", value: "60", required: true }] }] }, "setResp");
  subscribe(a, "Event", "Device.LocalAgent.Periodic!", { id: "tick" });
  const periodic = notifies(msgs(runUntil(a, T0 + 150 * SEC)));
  assert.deepEqual(periodic.map((n) => (n.notification === "event" ? n.event.eventName : "")), ["Periodic!", "Periodic!"]);
});

test("Malformed Records and Msgs are answered with the right errors; unsupported messages with 7001", () => {
  const a = newAgent();
  // Bytes that are no Record: a Disconnect Record to the controller, 7100.
  const garbage = sent(a.receive(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]), T0));
  assert.equal(garbage.length, 1);
  assert.equal(garbage[0]!.record.recordType, "disconnect");
  if (garbage[0]!.record.recordType === "disconnect") assert.equal(garbage[0]!.record.disconnect.reasonCode, 7100);
  assert.equal(garbage[0]!.record.toId, CTRL);

  // A Msg whose msg_type is not its body's: an Error 7004 that names the Msg.
  const msg = encodeMsg(uspMsg("get", "mismatch-1", { paramPaths: ["Device."], maxDepth: 0 }));
  const patched = Uint8Array.from(msg);
  const at = patched.indexOf(1 /* GET */, 12);
  assert.ok(at > 0);
  patched[at] = 4; // SET
  const e = sent(a.receive(recordFor(a, patched), T0))[0]!.msg!;
  assert.equal(msgKind(e), "error");
  assert.equal(e.header.msgId, "mismatch-1");
  assert.equal(msgBody(e, "error")!.errCode, 7004);
  // Bytes that are no Msg: 7000.
  assert.equal(msgBody(sent(a.receive(recordFor(a, new Uint8Array([0x0a, 0xff])), T0))[0]!.msg!, "error")!.errCode, 7000);
  // Agents take no Register.
  assert.equal(call(a, "register", { allowPartial: false, regPaths: [{ path: "Device.X." }] }, "error").resp.errCode, 7001);
  // A Record for another endpoint is not ours to answer.
  const notOurs = encodeRecord({ ...recordHeader(CTRL, "os::000000-someone-else"), recordType: "noSessionContext", noSessionContext: { payload: encodeMsg(uspMsg("get", "x", { paramPaths: ["Device."], maxDepth: 1 })) } });
  assert.deepEqual(a.receive(notOurs, T0), []);
});

test("A Session Context opened by the controller is answered in it", () => {
  const a = newAgent();
  const ctrl = new SessionContext({ sessionId: 42n });
  const [rec] = ctrl.send(encodeMsg(uspMsg("get", "in-session", { paramPaths: ["Device.DeviceInfo.ProductClass"], maxDepth: 0 })));
  const out = a.receive(encodeRecord({ ...recordHeader(CTRL, a.endpointId), recordType: "sessionContext", sessionContext: rec! }), T0);
  const records = out.flatMap((e) => (e.type === "send" ? [decodeRecord(e.bytes)] : []));
  assert.equal(records.length, 1);
  const r = records[0]!;
  assert.equal(r.recordType, "sessionContext");
  if (r.recordType !== "sessionContext") return;
  assert.equal(r.sessionContext.sessionId, 42n);
  const delivered = ctrl.receive(r.sessionContext).find((x) => x.type === "deliver");
  assert.ok(delivered?.type === "deliver");
});

test("Fault injection: Errors, dropped answers and late answers, on the chosen messages", () => {
  const get1 = (a: UspAgent, now = T0) => send(a, "get", { paramPaths: ["Device.DeviceInfo.HostName"], maxDepth: 0 }, now);
  const err = newAgent({ faults: { rate: 1, kinds: ["error"], errorCode: 7003 } });
  assert.equal(msgBody(msgs(get1(err))[0]!, "error")!.errCode, 7003);
  const drop = newAgent({ faults: { rate: 1, kinds: ["drop"] } });
  assert.deepEqual(get1(drop), []);
  const late = newAgent({ faults: { rate: 1, kinds: ["delay"], delayMs: 3 * SEC } });
  assert.deepEqual(get1(late), []);
  assert.equal(late.nextDeadline(), T0 + 3 * SEC);
  assert.equal(msgKind(msgs(late.tick(T0 + 3 * SEC))[0]!), "getResp");
  // Only Set misbehaves: a Get is answered as usual.
  const onlySet = newAgent({ faults: { rate: 1, kinds: ["error"], messages: ["set"] } });
  assert.equal(msgKind(msgs(get1(onlySet))[0]!), "getResp");
  // A rate of one half hits some requests and not others, the same way for the same agent.
  const half = () => {
    const a = newAgent({ faults: { rate: 0.5, kinds: ["error"] } });
    return Array.from({ length: 40 }, () => msgKind(msgs(get1(a))[0]!));
  };
  const run = half();
  assert.ok(run.includes("error") && run.includes("getResp"));
  assert.deepEqual(half(), run);
});


test("State: an agent restored from its JSON keeps its onboarding, values and persistent subscriptions", () => {
  const a = newAgent();
  const id = sent(a.connected(T0))[0]!.msg!.header.msgId;
  a.receive(recordFor(a, uspMsg("notifyResp", id, { subscriptionId: "" })), T0);
  subscribe(a, "Event", "Device.Boot!", { id: "boot", persistent: true });
  call(a, "set", { allowPartial: false, updateObjs: [{ objPath: "Device.DeviceInfo.", paramSettings: [{ param: "HostName", value: "saved", required: true }] }] }, "setResp");
  const state = JSON.parse(JSON.stringify(a.toJSON())) as ReturnType<UspAgent["toJSON"]>;
  const m = uspModel();
  const b = new UspAgent(m, makeIdentity(m.model.identityDefaults, {}, 0), {}, state);
  const boot = notifies(msgs(b.powerOn(T0 + 1000)));
  assert.deepEqual(boot.map((n) => n.subscriptionId), ["boot"]);
  assert.equal(b.onboarded, true);
  assert.deepEqual(b.connected(T0 + 1000), []);
  assert.equal(b.tree.get("Device.DeviceInfo.HostName", T0), "saved");
});
