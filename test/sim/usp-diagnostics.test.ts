// A simulated diagnostic as a USP command gives what the simulated CWMP object gives: for every kind
// that moves no bytes, the command's output args, read through the bridge as the CWMP object's values,
// are the values and rows the TR-181 model's diagnostic source sets for the same inputs, device and time.

import assert from "node:assert/strict";
import { test } from "node:test";
import { completion, diagnosticOfCommand } from "../../src/controller/diagnostics.js";
import { modelOf } from "../../src/diagnostics/kinds.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { commandOutputs } from "../../src/sim/models/diagnostics.js";
import { tr181Source } from "../../src/sim/models/index.js";

const NET = { latencyMs: 20, jitterMs: 2, lossPercent: 10, unreachableHosts: ["dead.example.net"] };
const identity = makeIdentity({ manufacturer: "Acme", oui: "00D09E", productClass: "HGW", serialPrefix: "S" }, {}, 3);
const ctx = { now: Date.parse("2026-12-06T10:00:00Z"), bootTime: Date.parse("2026-12-06T09:00:00Z"), seed: identity.seed, instances: [], identity };

const CASES = [
  ["ipPing", "Device.IP.Diagnostics.IPPing()", { Host: "example.net", NumberOfRepetitions: "5" }],
  ["ipPing", "Device.IP.Diagnostics.IPPing()", { Host: "dead.example.net" }],
  ["traceRoute", "Device.IP.Diagnostics.TraceRoute()", { Host: "example.net", NumberOfTries: "2" }],
  ["udpEcho", "Device.IP.Diagnostics.UDPEchoDiagnostics()", { Host: "echo.example.net", Port: "7", NumberOfRepetitions: "3", EnableIndividualPacketResults: "true" }],
  ["nsLookup", "Device.DNS.Diagnostics.NSLookupDiagnostics()", { HostName: "www.example.net", NumberOfRepetitions: "2" }],
  ["serverSelection", "Device.IP.Diagnostics.ServerSelectionDiagnostics()", { HostList: "dead.example.net,a.example.net,b.example.net" }],
  ["wifiScan", "Device.WiFi.NeighboringWiFiDiagnostic()", {}],
] as const;

for (const [kind, command, inputArgs] of CASES) {
  test(`${command} with ${JSON.stringify(inputArgs)}: the CWMP object's results`, () => {
    const model = modelOf(kind, "Device.")!;
    const source = tr181Source().diagnostics?.find((d) => d.statePath === `${model.object}DiagnosticsState`);
    assert.ok(source !== undefined, `the TR-181 model simulates ${model.object}`);
    const args: Record<string, string> = inputArgs;
    const cwmp = source.complete((path) => args[path.slice(model.object.length)] ?? "", ctx, { net: NET });
    const expected = new Map(Object.entries(cwmp.values));
    for (const [table, rows] of Object.entries(cwmp.rows ?? {})) {
      for (const [i, row] of rows.entries()) for (const [field, v] of Object.entries(row)) expected.set(`${table}${i + 1}.${field}`, v);
    }
    const diagnostic = diagnosticOfCommand(command)!;
    assert.equal(diagnostic.kind, kind);
    const usp = completion(diagnostic, "", { outputArgs: commandOutputs(kind, args, ctx, { net: NET }) });
    const got = new Map(usp.values.filter((v) => !v.name.endsWith("NumberOfEntries")).map((v) => [v.name, v.value.text]));
    assert.deepEqual(got, expected);
    assert.ok(expected.size > 1 || kind === "ipPing", "the test reports more than its state");
  });
}
