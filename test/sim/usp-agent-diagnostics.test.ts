// Every diagnostic command of the simulated agent, sans I/O but for the speed tests' real HTTP: each
// command the bridge maps runs asynchronously (a Request row, then its OperationComplete) with what the
// simulated CWMP object reports for the same inputs, device and time; GetSupportedDM lists each with its
// arguments; arguments of the wrong type are refused with 7027; DownloadDiagnostics() and
// UploadDiagnostics() move their bytes over a real HTTP server and report what was measured.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { BRIDGED_DIAGNOSTICS } from "../../src/controller/diagnostics.js";
import { kindDefs, type DiagnosticKind } from "../../src/diagnostics/kinds.js";
import { commandOutputs } from "../../src/sim/models/diagnostics.js";
import { performSpeedTest } from "../../src/sim/runtime/speed-test.js";
import type { AgentEffect, UspAgent } from "../../src/sim/usp/index.js";
import { call, msgs, newAgent, notifies, subscribe, T0 } from "./support/usp.js";

const NET = { latencyMs: 20, jitterMs: 2, lossPercent: 0, unreachableHosts: ["dead.example.net"] };

const INPUTS: Record<Exclude<DiagnosticKind, "download" | "upload">, Record<string, string>> = {
  ipPing: { Host: "example.net", NumberOfRepetitions: "3" },
  traceRoute: { Host: "example.net", NumberOfTries: "2", MaxHopCount: "20" },
  udpEcho: { Host: "echo.example.net", Port: "7", NumberOfRepetitions: "2", EnableIndividualPacketResults: "true" },
  nsLookup: { HostName: "www.example.net", NumberOfRepetitions: "2" },
  serverSelection: { HostList: "dead.example.net,a.example.net", NumberOfRepetitions: "2" },
  wifiScan: {},
};

/** Operates a command; returns the Request row it answered with. */
function start(a: UspAgent, command: string, inputArgs: Record<string, string>, commandKey: string, now = T0): string {
  const { resp } = call(a, "operate", { command, commandKey, sendResp: true, inputArgs }, "operateResp", now);
  const r = resp.operationResults[0]!;
  assert.equal(r.operationResp, "reqObjPath", JSON.stringify(r));
  return r.operationResp === "reqObjPath" ? r.reqObjPath : "";
}

/** The OperationComplete among effects: its output args, or its failure. */
function completed(effects: AgentEffect[], commandKey: string) {
  const n = notifies(msgs(effects)).find((x) => x.notification === "operComplete" && x.operComplete.commandKey === commandKey);
  assert.ok(n?.notification === "operComplete", `an OperationComplete for ${commandKey}`);
  return n.operComplete;
}

test("GetSupportedDM lists every diagnostic as an async command with TR-181's arguments", () => {
  const a = newAgent();
  const objs = call(a, "getSupportedDm", { objPaths: ["Device."], firstLevelOnly: false, returnCommands: true, returnEvents: false, returnParams: false, returnUniqueKeySets: false }, "getSupportedDmResp").resp.reqObjResults[0]!.supportedObjs;
  assert.equal(BRIDGED_DIAGNOSTICS.length, 8);
  for (const d of BRIDGED_DIAGNOSTICS) {
    const dot = d.command.lastIndexOf(".", d.command.length - 3);
    const cmd = objs.find((o) => o.supportedObjPath === d.command.slice(0, dot + 1))?.supportedCommands.find((c) => c.commandName === d.command.slice(dot + 1));
    assert.ok(cmd !== undefined, `${d.command} is supported`);
    assert.equal(cmd.commandType, "CMD_ASYNC");
    const def = kindDefs[d.kind];
    assert.deepEqual(cmd.inputArgNames, Object.keys(def.inputs).filter((n) => def.inputs[n]!.local !== true), d.command);
    assert.ok(cmd.outputArgNames.includes("Status") && Object.keys(def.results).every((r) => cmd.outputArgNames.includes(r)), d.command);
  }
});

for (const [kind, inputArgs] of Object.entries(INPUTS) as [Exclude<DiagnosticKind, "download" | "upload">, Record<string, string>][]) {
  const { command } = BRIDGED_DIAGNOSTICS.find((d) => d.kind === kind)!;
  test(`${command}: a Request row, then an OperationComplete with the simulated object's results`, () => {
    const a = newAgent({ network: NET });
    subscribe(a, "OperationComplete", command, { id: "oc" });
    const row = start(a, command, inputArgs, `key-${kind}`);
    assert.equal(a.tree.get(`${row}Command`, T0), command);
    assert.equal(a.tree.get(`${row}Status`, T0), "Active");
    const at = a.nextDeadline()!;
    assert.ok(at > T0, "it takes some time");
    const done = completed(a.tick(at), `key-${kind}`);
    assert.equal(done.operationResp, "reqOutputArgs");
    if (done.operationResp !== "reqOutputArgs") return;
    const expected = commandOutputs(kind, inputArgs, a.tree.context(at, []), { net: NET });
    assert.deepEqual(done.reqOutputArgs.outputArgs, expected);
    assert.equal(expected.Status, "Complete");
    assert.ok(Object.keys(expected).length > 2, "results beside the Status");
    assert.equal(a.tree.resolve(row, at), undefined, "the Request row is gone");
  });
}

test("arguments of the wrong type or missing are refused with 7027; an unreachable host is the command's Error state", () => {
  const a = newAgent({ network: NET });
  for (const [command, inputArgs] of [
    ["Device.IP.Diagnostics.UDPEchoDiagnostics()", { Host: "echo.example.net", Port: "seven" }],
    ["Device.IP.Diagnostics.UDPEchoDiagnostics()", { Host: "echo.example.net" }],
    ["Device.IP.Diagnostics.TraceRoute()", { Host: "example.net", MaxHopCount: "-1" }],
    ["Device.IP.Diagnostics.DownloadDiagnostics()", { DownloadURL: "http://x/", EnablePerConnectionResults: "maybe" }],
    ["Device.DNS.Diagnostics.NSLookupDiagnostics()", { HostName: "x", SpeedTestBytes: "10" }],
  ] as const) {
    const r = call(a, "operate", { command, commandKey: "", sendResp: true, inputArgs }, "operateResp").resp.operationResults[0]!;
    assert.ok(r.operationResp === "cmdFailure" && r.cmdFailure.errCode === 7027, `${command} ${JSON.stringify(inputArgs)}: ${JSON.stringify(r)}`);
  }
  subscribe(a, "OperationComplete", "Device.DNS.Diagnostics.", { id: "oc" });
  start(a, "Device.DNS.Diagnostics.NSLookupDiagnostics()", { HostName: "x", DNSServer: "dead.example.net" }, "dns");
  const done = completed(a.tick(a.nextDeadline()!), "dns");
  assert.ok(done.operationResp === "reqOutputArgs" && done.reqOutputArgs.outputArgs.Status === "Error_DNSServerNotResolved", JSON.stringify(done));
});

test("DownloadDiagnostics() and UploadDiagnostics() move their bytes over HTTP and report what was measured", async () => {
  const got: number[] = [];
  const server = createServer((req, res) => {
    if (req.method === "GET") return res.end(Buffer.alloc(50_000, 1));
    let n = 0;
    req.on("data", (c: Buffer) => (n += c.length));
    req.on("end", () => {
      got.push(n);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const a = newAgent({ network: NET });
    subscribe(a, "OperationComplete", "Device.IP.Diagnostics.", { id: "oc" });
    const cases = [
      ["Device.IP.Diagnostics.DownloadDiagnostics()", { DownloadURL: `${base}file`, EnablePerConnectionResults: "true" }, "TestBytesReceived", 50_000],
      ["Device.IP.Diagnostics.UploadDiagnostics()", { UploadURL: `${base}up`, TestFileLength: "30000" }, "TestBytesSent", 30_000],
    ] as const;
    for (const [command, inputArgs, counted, bytes] of cases) {
      const effects = call(a, "operate", { command, commandKey: command, sendResp: true, inputArgs }, "operateResp").effects;
      const job = effects.find((e) => e.type === "speedTest");
      assert.ok(job?.type === "speedTest", "the agent asks for the transfer");
      assert.equal(job.job.url, Object.values(inputArgs)[0]);
      const result = await performSpeedTest(job.job, { now: () => T0, timeoutMs: 30_000 });
      const done = completed(a.speedTestDone(job.id, result, T0 + 1_000), command);
      assert.equal(done.operationResp, "reqOutputArgs");
      if (done.operationResp !== "reqOutputArgs") continue;
      const out = done.reqOutputArgs.outputArgs;
      assert.equal(out.Status, "Complete", JSON.stringify(out));
      assert.equal(out[counted], String(bytes));
      assert.ok(Date.parse(out.BOMTime!) <= Date.parse(out.EOMTime!));
    }
    assert.deepEqual(got, [30_000]);
    // A server that is not there is the command's Error state.
    const effects = call(a, "operate", { command: "Device.IP.Diagnostics.DownloadDiagnostics()", commandKey: "nowhere", sendResp: true, inputArgs: { DownloadURL: "http://nowhere.invalid/f" } }, "operateResp").effects;
    const job = effects.find((e) => e.type === "speedTest")!;
    assert.ok(job.type === "speedTest");
    const done = completed(a.speedTestDone(job.id, await performSpeedTest(job.job, { now: () => T0, timeoutMs: 30_000 }), T0), "nowhere");
    assert.ok(done.operationResp === "reqOutputArgs" && done.reqOutputArgs.outputArgs.Status === "Error_CannotResolveHostName", JSON.stringify(done));
  } finally {
    await new Promise((r) => server.close(r));
  }
});
