import { test } from "node:test";
import assert from "node:assert/strict";
import type { DeploymentUnitOperation, DUStateChangeComplete } from "../../src/cwmp/index.js";
import type { Cpe } from "../../src/sim/cpe.js";
import { as, close, eventCodes, fromAcs, models, openSession, poweredOn, receive, session, T0, values } from "./support/harness.js";

const SEC = 1000;

/** Sends ChangeDUState in a session, then runs the session that reports it; returns the report. */
function changeDUState(cpe: Cpe, now: number, operations: DeploymentUnitOperation[], commandKey: string): { events: string[]; report: DUStateChangeComplete } {
  cpe.connectionRequest(now);
  const s = session(cpe, now, [{ method: "ChangeDUState", operations, commandKey }]);
  as(s.answers[0]!, "ChangeDUStateResponse");
  assert.deepEqual(s.effects.map((e) => e.kind), ["startSession"]);
  const { inform, next } = openSession(cpe, now + SEC);
  const report = as(next!.body!, "DUStateChangeComplete");
  const out = receive(cpe, fromAcs({ method: "DUStateChangeCompleteResponse" }), now + SEC);
  assert.equal(!out.done && out.reply, null);
  close(cpe, now + SEC);
  return { events: eventCodes(inform), report };
}

test("ChangeDUState installs a unit, reports DUStateChangeComplete, and the unit shows in the data model", () => {
  const { cpe } = poweredOn();
  session(cpe, T0);
  const uuid = "6ba7b810-9dad-51d1-80b4-00c04fd430c8";
  const r = changeDUState(cpe, T0 + 10 * SEC, [{ type: "Install", url: "http://apps.example.net/speedtest-1.2.0.tar.gz", uuid }], "du-1");
  assert.deepEqual(r.events, ["11 DU STATE CHANGE COMPLETE", "M ChangeDUState:du-1"]);
  assert.equal(r.report.commandKey, "du-1");
  const [res] = r.report.results;
  assert.deepEqual({ ...res!, startTime: "", completeTime: "" }, {
    uuid, deploymentUnitRef: "Device.SoftwareModules.DeploymentUnit.1", version: "1.2.0", currentState: "Installed", resolved: true,
    executionUnitRefList: "Device.SoftwareModules.ExecutionUnit.1", startTime: "", completeTime: "", fault: { faultCode: 0, faultString: "" },
  });
  cpe.connectionRequest(T0 + 20 * SEC);
  const g = session(cpe, T0 + 20 * SEC, [{ method: "GetParameterValues", parameterNames: ["Device.SoftwareModules."] }]);
  const v = values(g.answers[0]!);
  assert.equal(v["Device.SoftwareModules.DeploymentUnitNumberOfEntries"], "1");
  assert.equal(v["Device.SoftwareModules.DeploymentUnit.1.UUID"], uuid);
  assert.equal(v["Device.SoftwareModules.DeploymentUnit.1.Name"], "speedtest-1.2.0.tar");
  assert.equal(v["Device.SoftwareModules.DeploymentUnit.1.Status"], "Installed");
  assert.equal(v["Device.SoftwareModules.DeploymentUnit.1.ExecutionEnvRef"], "Device.SoftwareModules.ExecEnv.1");
  assert.equal(v["Device.SoftwareModules.ExecutionUnit.1.Status"], "Active");
  // The delivered report is gone from the next Inform.
  assert.deepEqual(eventCodes(g.inform), ["6 CONNECTION REQUEST"]);
});

test("ChangeDUState results carry per-operation faults: 9022, 9026, 9028, 9023; update and uninstall work", () => {
  const { cpe } = poweredOn();
  session(cpe, T0);
  const first = changeDUState(cpe, T0 + SEC, [{ type: "Install", url: "http://apps.example.net/agent-1.0.ipk" }], "a");
  const uuid = first.report.results[0]!.uuid;
  assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const r = changeDUState(cpe, T0 + 10 * SEC, [
    { type: "Install", url: "http://apps.example.net/x.ipk", uuid: "not-a-uuid" },
    { type: "Install", url: "http://apps.example.net/agent-1.0.ipk", uuid },
    { type: "Uninstall", uuid: "00000000-0000-5000-8000-000000000000" },
    { type: "Install", url: "http://apps.example.net/y.ipk", executionEnvRef: "Device.SoftwareModules.ExecEnv.9" },
    { type: "Update", uuid, url: "http://apps.example.net/agent-1.1.ipk" },
  ], "b");
  assert.deepEqual(r.report.results.map((x) => [x.currentState, x.fault.faultCode]), [
    ["Failed", 9022], ["Failed", 9026], ["Failed", 9028], ["Failed", 9023], ["Installed", 0],
  ]);
  // A result always names a UUID: the nil one when the request had none that is valid.
  assert.equal(r.report.results[0]!.uuid, "00000000-0000-0000-0000-000000000000");
  assert.equal(r.report.results[1]!.uuid, uuid);
  assert.equal(r.report.results[4]!.version, "1.1");
  const u = changeDUState(cpe, T0 + 20 * SEC, [{ type: "Uninstall", uuid }], "c");
  assert.equal(u.report.results[0]!.currentState, "Uninstalled");
  assert.equal(cpe.read("Device.SoftwareModules.DeploymentUnitNumberOfEntries"), "0");
  assert.equal(cpe.read("Device.SoftwareModules.ExecutionUnitNumberOfEntries"), "0");
});

test("ChangeDUState with no operation is 9003; the TR-098 model supports it too", () => {
  const { cpe } = poweredOn();
  const s = session(cpe, T0, [{ method: "ChangeDUState", operations: [], commandKey: "none" }]);
  assert.equal(as(s.answers[0]!, "Fault").detail.faultCode, 9003);
  const igd = poweredOn({ model: models.tr098 }).cpe;
  session(igd, T0);
  const r = changeDUState(igd, T0 + SEC, [{ type: "Install", url: "http://apps.example.net/tool-2.0.ipk" }], "igd");
  assert.equal(r.report.results[0]!.deploymentUnitRef, "InternetGatewayDevice.SoftwareModules.DeploymentUnit.1");
});
