// The diagnostic tasks in the pure session: one SetParameterValues of the inputs and
// DiagnosticsState=Requested, then waiting; after 8 DIAGNOSTICS COMPLETE, one GetParameterValues of the
// diagnostic's object and its typed outcome; a model that lacks the kind, or a read the device faults,
// settle the run with a clear fault.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cwmpFault, parseCwmp, serializeEnvelope, xsdValue, type CwmpEnvelope, type CwmpMessage, type Inform } from "../../src/cwmp/index.js";
import { AcsSession, defaultSessionConfig, type Effect, type Outcome, type TaskInput } from "../../src/session/index.js";

const now = new Date("2026-11-21T10:00:00Z");
const RUN = "11111111-2222-3333-4444-555555555555";

function inform(root: string): CwmpEnvelope {
  const body: Inform = {
    method: "Inform",
    deviceId: { manufacturer: "Acme", oui: "A1B2C3", productClass: "HGW-1", serialNumber: "SN1" },
    event: [{ eventCode: "2 PERIODIC", commandKey: "" }],
    maxEnvelopes: 1,
    currentTime: "2026-11-21T10:00:00Z",
    retryCount: 0,
    parameterList: [{ name: `${root}DeviceInfo.SoftwareVersion`, value: xsdValue("xsd:string", "1.0") }],
  };
  return { ns: "1-0", header: { id: "inf-1" }, body };
}

function cpe(body: CwmpMessage, id: string): CwmpEnvelope[] {
  return parseCwmp(serializeEnvelope({ ns: "1-0", header: { id }, body })).envelopes;
}

function rpcOf(o: Outcome): { id: string; body: CwmpMessage } {
  assert.ok(o.reply.envelope?.body, "expected an RPC");
  return { id: o.reply.envelope.header.id!, body: o.reply.envelope.body };
}

function ofType<T extends Effect["type"]>(effects: Effect[], type: T): Extract<Effect, { type: T }>[] {
  return effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
}

const start = (root: string) => AcsSession.start("sess-0001-abcdef", inform(root), now, [], defaultSessionConfig).session;

describe("diagnostic tasks", () => {
  it("requests a TR-181 IPPing in one SetParameterValues, then waits with the run marked requested", () => {
    const s = start("Device.");
    const t: TaskInput = { id: RUN, name: "diagnostic", args: { kind: "ipPing", args: { Host: "example.net", NumberOfRepetitions: 2 } } };
    const rpc = rpcOf(s.receive([], now, [t]));
    assert.equal(rpc.body.method, "SetParameterValues");
    const spv = rpc.body as Extract<CwmpMessage, { method: "SetParameterValues" }>;
    assert.deepEqual(spv.parameterList.map((p) => [p.name, p.value.text]), [
      ["Device.IP.Diagnostics.IPPing.Host", "example.net"],
      ["Device.IP.Diagnostics.IPPing.NumberOfRepetitions", "2"],
      ["Device.IP.Diagnostics.IPPing.DiagnosticsState", "Requested"],
    ]);
    const o = s.receive(cpe({ method: "SetParameterValuesResponse", status: 0 }, rpc.id), now, [t]);
    assert.deepEqual(ofType(o.effects, "diagnosticRequested"), [{ type: "diagnosticRequested", diagnosticId: RUN }]);
    assert.equal(ofType(o.effects, "taskWaiting")[0]?.taskId, RUN);
  });

  it("reads the results of a TR-098 TraceRoute after 8 DIAGNOSTICS COMPLETE, typed with TR-181 names", () => {
    const s = start("InternetGatewayDevice.");
    const t: TaskInput = { id: "22222222-2222-3333-4444-555555555555", name: "diagnosticResults", args: { diagnosticId: RUN, kind: "traceRoute" } };
    const rpc = rpcOf(s.receive([], now, [t]));
    assert.deepEqual(rpc.body, { method: "GetParameterValues", parameterNames: ["InternetGatewayDevice.TraceRouteDiagnostics."] });
    const o = "InternetGatewayDevice.TraceRouteDiagnostics.";
    const out = s.receive(cpe({
      method: "GetParameterValuesResponse",
      parameterList: [
        { name: o + "DiagnosticsState", value: xsdValue("xsd:string", "Error_MaxHopCountExceeded") },
        { name: o + "RouteHops.1.HopHost", value: xsdValue("xsd:string", "hop1") },
      ],
    }, rpc.id), now, [t]);
    const [result] = ofType(out.effects, "diagnosticResult");
    assert.deepEqual(result, { type: "diagnosticResult", diagnosticId: RUN, state: "Error_MaxHopCountExceeded", outcome: "error", results: { results: {}, tables: { RouteHops: [{ Host: "hop1" }] } } });
    assert.equal(ofType(out.effects, "taskDone")[0]?.taskId, t.id);
  });

  it("fails a kind the device's data model lacks without sending anything, and a read the device faults", () => {
    const s = start("InternetGatewayDevice.");
    const t: TaskInput = { id: RUN, name: "diagnostic", args: { kind: "wifiScan", args: {} } };
    const o = s.receive([], now, [t]);
    assert.equal(o.reply.envelope, null);
    assert.equal(ofType(o.effects, "taskFault")[0]?.fault.code, "diagnostic.unsupported");

    const s2 = start("Device.");
    const r: TaskInput = { id: "33333333-2222-3333-4444-555555555555", name: "diagnosticResults", args: { diagnosticId: RUN, kind: "nsLookup" } };
    const rpc = rpcOf(s2.receive([], now, [r]));
    const faulted = s2.receive(cpe(cwmpFault(9005, "Invalid parameter name"), rpc.id), now, [r]);
    assert.deepEqual(ofType(faulted.effects, "diagnosticResult").map((e) => [e.outcome, e.fault?.code]), [["failed", "cwmp.9005"]]);
    assert.equal(ofType(faulted.effects, "taskFault")[0]?.retry, false);

    const s3 = start("Device.");
    const bad: TaskInput = { id: RUN, name: "diagnostic", args: { kind: "ipPing", args: { Host: 5 } } };
    assert.equal(ofType(s3.receive([], now, [bad]).effects, "taskFault")[0]?.fault.code, "task.invalid-arguments");
  });
});
