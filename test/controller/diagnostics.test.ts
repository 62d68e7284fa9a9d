// Diagnostics through the bridge, for every diagnostic both protocols define: each command and its
// arguments exist in TR-181 for USP as the bridge names them; the SetParameterValues the diagnostic task
// sends becomes the Operate of its command; an OperationComplete (its outputs, or its failure) becomes
// values the diagnostic task reads back as a CWMP device's results; the read of kept values.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { CwmpMessage, Fault, XsdType } from "../../src/cwmp/index.js";
import { fromUsp, toUsp } from "../../src/controller/bridge.js";
import { BRIDGED_DIAGNOSTICS, completionOfAnswer, completionOfNotify, diagnosticRead, diagnosticReadAnswer, type BridgedDiagnostic } from "../../src/controller/diagnostics.js";
import { kindDefs, modelOf, type ValueKind } from "../../src/diagnostics/kinds.js";
import { parseResults, requestValues } from "../../src/diagnostics/values.js";
import { decodeMsg, encodeMsg, errorBody, uspMsg, type MessageBodies, type MessageKind, type UspMsg } from "../../src/usp/index.js";
import { bbfDir } from "../support/paths.js";

const USP_XML = readFileSync(join(bbfDir, "data-models", "tr-181-2-16-0-usp-full.xml"), "utf8");

/** A command's input and output argument names in TR-181 for USP ("Table.{i}.Field" for table fields). */
function commandArgs(command: string): { input: Set<string>; output: Set<string> } {
  const dot = command.lastIndexOf(".", command.length - 3);
  const [object, name] = [command.slice(0, dot + 1), command.slice(dot + 1)];
  const objectAt = USP_XML.indexOf(`<object name="${object}"`);
  assert.ok(objectAt >= 0, `${object} is in the USP model`);
  const start = USP_XML.indexOf(`<command name="${name}"`, objectAt);
  // Within the object: before the next one (a command's own argument tables have relative names).
  const next = USP_XML.indexOf(`<object name="Device.`, objectAt + 1);
  assert.ok(start >= 0 && (next < 0 || start < next), `${command} is in the USP model`);
  const text = USP_XML.slice(start, USP_XML.indexOf("</command>", start));
  const out = { input: new Set<string>(), output: new Set<string>() };
  let side: "input" | "output" = "input";
  let table = "";
  for (const m of text.matchAll(/<(output)>|<object name="([^"]+)"|<(\/object)>|<parameter name="([^"]+)"/g)) {
    if (m[1] !== undefined) side = "output";
    else if (m[2] !== undefined) table = m[2];
    else if (m[3] !== undefined) table = "";
    else out[side].add(table + m[4]!);
  }
  return out;
}

function wire<K extends MessageKind>(kind: K, body: MessageBodies[K]): UspMsg {
  return decodeMsg(encodeMsg(uspMsg(kind, "m1", body)));
}

function fault(m: CwmpMessage): Fault["detail"] {
  assert.equal(m.method, "Fault", JSON.stringify(m));
  return (m as Fault).detail;
}

/** A value of each kind as an agent reports it, and as the diagnostic's results read it. */
const SAMPLE: Record<ValueKind, [string, unknown]> = {
  uint: ["17", 17],
  int: ["-61", -61],
  ulong: ["5000000000", 5000000000],
  bool: ["true", true],
  string: ["some text", "some text"],
  dateTime: ["2026-12-06T10:00:00.123456Z", "2026-12-06T10:00:00.123456Z"],
  list: ["a,b", ["a", "b"]],
  uintList: ["3,4", [3, 4]],
};

/** Every input of the kind with a value (what requestValues sends each type as). */
function allInputs(d: BridgedDiagnostic): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [name, input] of Object.entries(kindDefs[d.kind].inputs)) {
    if (input.local === true) continue;
    const byType: Partial<Record<XsdType, unknown>> = { "xsd:unsignedInt": 3, "xsd:unsignedLong": 1000, "xsd:boolean": true };
    args[name] = input.list === true ? ["h1.example", "h2.example"] : (byType[input.type] ?? `${name}-value`);
  }
  return args;
}

describe("diagnostics through the bridge", () => {
  test("every diagnostic of TR-181's Device. model is bridged, to a command named as its object", () => {
    assert.deepEqual(BRIDGED_DIAGNOSTICS.map((d) => d.command), [
      "Device.IP.Diagnostics.IPPing()",
      "Device.IP.Diagnostics.TraceRoute()",
      "Device.IP.Diagnostics.DownloadDiagnostics()",
      "Device.IP.Diagnostics.UploadDiagnostics()",
      "Device.IP.Diagnostics.UDPEchoDiagnostics()",
      "Device.DNS.Diagnostics.NSLookupDiagnostics()",
      "Device.IP.Diagnostics.ServerSelectionDiagnostics()",
      "Device.WiFi.NeighboringWiFiDiagnostic()",
    ]);
  });

  for (const d of BRIDGED_DIAGNOSTICS) {
    const model = modelOf(d.kind, "Device.")!;
    const def = kindDefs[d.kind];

    test(`${d.kind}: its inputs are ${d.command}'s input args, its results and tables its output args`, () => {
      const args = commandArgs(d.command);
      for (const [name, input] of Object.entries(def.inputs)) if (input.local !== true) assert.ok(args.input.has(name), `${d.command} takes ${name}`);
      assert.ok(args.output.has("Status"), `${d.command} reports Status`);
      for (const name of Object.keys(def.results)) assert.ok(args.output.has(name), `${d.command} reports ${name}`);
      for (const [table, fields] of Object.entries(def.tables)) for (const f of Object.keys(fields)) assert.ok(args.output.has(`${table}.{i}.${f}`), `${d.command} reports ${table}.{i}.${f}`);
    });

    test(`${d.kind}: the diagnostic task's SetParameterValues is an async Operate of ${d.command}, answered as the SPV succeeded`, () => {
      const list = requestValues(d.kind, model, allInputs(d));
      assert.ok(typeof list !== "string", String(list));
      const rpc: CwmpMessage = { method: "SetParameterValues", parameterList: list, parameterKey: "task-7" };
      const t = toUsp(rpc);
      assert.equal(t.kind, "usp");
      const requests = (t as Extract<typeof t, { kind: "usp" }>).requests;
      assert.equal(requests.length, 1);
      const op = requests[0]!;
      assert.equal(op.kind, "operate");
      const body = op.body as MessageBodies["operate"];
      assert.equal(body.command, d.command);
      assert.equal(body.commandKey, "task-7");
      assert.equal(body.sendResp, true);
      // Every input, by its own name, with the text the CWMP request carries; DiagnosticsState is the Operate itself.
      if (Object.values(def.inputs).some((i) => i.type === "xsd:boolean")) assert.ok(Object.values(body.inputArgs).includes("true"), "a boolean input is written true");
      // (Booleans as USP writes them.)
      const text = (p: (typeof list)[number]) => (p.value.type === "xsd:boolean" ? ({ "1": "true", "0": "false" }[p.value.text] ?? p.value.text) : p.value.text);
      const expected = Object.fromEntries(list.filter((p) => !p.name.endsWith(".DiagnosticsState")).map((p) => [p.name.slice(model.object.length), text(p)]));
      assert.deepEqual(body.inputArgs, expected);
      assert.equal(Object.keys(expected).length, Object.values(def.inputs).filter((i) => i.local !== true).length);
      encodeMsg(uspMsg("operate", "x", body));
      const started = wire("operateResp", { operationResults: [{ executedCommand: d.command, operationResp: "reqObjPath", reqObjPath: "Device.LocalAgent.Request.3." }] });
      assert.deepEqual(fromUsp(rpc, [started]), { method: "SetParameterValuesResponse", status: 0 });
      const refused = wire("operateResp", { operationResults: [{ executedCommand: d.command, operationResp: "cmdFailure", cmdFailure: { errCode: 7027, errMsg: "Host is missing" } }] });
      assert.match(fault(fromUsp(rpc, [refused])).faultString, /Host is missing/);
      const error = fault(fromUsp(rpc, [wire("error", errorBody(7026, "no such command"))]));
      assert.equal(error.faultCode, 9005);
    });

    test(`${d.kind}: the OperationComplete's output args are the results the diagnostic task reads`, () => {
      const outputArgs: Record<string, string> = { Status: model.complete };
      const results: Record<string, unknown> = {};
      for (const [name, vk] of Object.entries(def.results)) {
        outputArgs[name] = SAMPLE[vk][0];
        results[name] = SAMPLE[vk][1];
      }
      const tables: Record<string, Record<string, unknown>[]> = {};
      for (const [table, fields] of Object.entries(def.tables)) {
        tables[table] = [1, 2].map((n) => {
          const row: Record<string, unknown> = {};
          for (const [f, vk] of Object.entries(fields)) {
            outputArgs[`${table}.${n}.${f}`] = SAMPLE[vk][0];
            row[f] = SAMPLE[vk][1];
          }
          return row;
        });
      }
      const dot = d.command.lastIndexOf(".", d.command.length - 3);
      const notified = wire("notify", {
        subscriptionId: "provisio-operation-complete", sendResp: true, notification: "operComplete",
        operComplete: { objPath: d.command.slice(0, dot + 1), commandName: d.command.slice(dot + 1), commandKey: "task-7", operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs } },
      });
      const n = (notified.body as { request: { notify: MessageBodies["notify"] } }).request.notify;
      assert.equal(n.notification, "operComplete");
      const done = completionOfNotify((n as Extract<typeof n, { notification: "operComplete" }>).operComplete);
      assert.ok(done !== null);
      assert.equal(done.commandKey, "task-7");
      assert.equal(done.failure, undefined);
      assert.ok(done.values.every((v) => v.name.startsWith(model.object)));
      assert.deepEqual(done.values[0], { name: `${model.object}DiagnosticsState`, value: { type: "xsd:string", text: model.complete } });
      for (const table of Object.keys(def.tables)) assert.equal(done.values.find((v) => v.name === `${model.object}${table}NumberOfEntries`)?.value.text, "2");
      const parsed = parseResults(d.kind, model, done.values.map((v) => ({ name: v.name, text: v.value.text })));
      assert.deepEqual(parsed, { state: model.complete, outcome: "complete", results, tables });
    });
  }

  test("a diagnostic's error: Status as DiagnosticsState, or the command's failure as a generic error state", () => {
    const ping = BRIDGED_DIAGNOSTICS.find((d) => d.kind === "ipPing")!;
    const model = modelOf("ipPing", "Device.")!;
    const base = { objPath: "Device.IP.Diagnostics.", commandName: "IPPing()", commandKey: "k" };
    const unresolved = completionOfNotify({ ...base, operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: { Status: "Error_CannotResolveHostName", SuccessCount: "0", FailureCount: "4" } } })!;
    const parsed = parseResults("ipPing", model, unresolved.values.map((v) => ({ name: v.name, text: v.value.text })));
    assert.deepEqual([parsed.state, parsed.outcome, parsed.results], ["Error_CannotResolveHostName", "error", { SuccessCount: 0, FailureCount: 4 }]);
    const failed = completionOfNotify({ ...base, operationResp: "cmdFailure", cmdFailure: { errCode: 7022, errMsg: "no route" } })!;
    assert.deepEqual(failed.values, [{ name: `${ping.object}DiagnosticsState`, value: { type: "xsd:string", text: "Error_Other" } }]);
    assert.equal(failed.failure, "USP 7022: no route");
    assert.equal(completionOfNotify({ ...base, operationResp: "cmdFailure", cmdFailure: { errCode: 7003, errMsg: "crashed" } })!.values[0]!.value.text, "Error_Internal");
    // Another command's completion is none of the bridge's diagnostics.
    assert.equal(completionOfNotify({ ...base, objPath: "Device.", commandName: "Reboot()", operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: {} } }), null);
  });

  test("an agent that runs a diagnostic synchronously: its OperateResp's output args are the completion", () => {
    const body: MessageBodies["operate"] = { command: "Device.IP.Diagnostics.IPPing()", commandKey: "k2", sendResp: true, inputArgs: { Host: "a.example" } };
    const sync = wire("operateResp", { operationResults: [{ executedCommand: body.command, operationResp: "reqOutputArgs", reqOutputArgs: { outputArgs: { Status: "Complete", SuccessCount: "1" } } }] });
    const done = completionOfAnswer("operate", body, sync);
    assert.equal(done?.commandKey, "k2");
    assert.equal(done?.values.find((v) => v.name === "Device.IP.Diagnostics.IPPing.SuccessCount")?.value.text, "1");
    const async = wire("operateResp", { operationResults: [{ executedCommand: body.command, operationResp: "reqObjPath", reqObjPath: "Device.LocalAgent.Request.1." }] });
    assert.equal(completionOfAnswer("operate", body, async), null);
    assert.equal(completionOfAnswer("operate", { ...body, command: "Device.Reboot()" }, sync), null);
  });

  test("a SetParameterValues that requests a diagnostic and sets anything else is refused; one without Requested is a Set", () => {
    const mixed: CwmpMessage = {
      method: "SetParameterValues", parameterKey: "",
      parameterList: [
        { name: "Device.IP.Diagnostics.IPPing.Host", value: { type: "xsd:string", text: "a.example" } },
        { name: "Device.IP.Diagnostics.IPPing.DiagnosticsState", value: { type: "xsd:string", text: "Requested" } },
        { name: "Device.WiFi.SSID.1.SSID", value: { type: "xsd:string", text: "x" } },
      ],
    };
    const t = toUsp(mixed);
    assert.equal(t.kind, "local");
    const d = fault((t as Extract<typeof t, { kind: "local" }>).response);
    assert.equal(d.faultCode, 9003);
    assert.match(d.faultString, /IPPing\(\).*Device\.WiFi\.SSID\.1\.SSID/);
    const plain = toUsp({ ...mixed, parameterList: mixed.parameterList.slice(0, 1) });
    assert.equal(plain.kind === "usp" && plain.requests[0]!.kind, "set");
  });

  test("a read of the diagnostic objects alone is answered from the kept values, 9005 for what none reported", () => {
    const rpc: CwmpMessage = { method: "GetParameterValues", parameterNames: ["Device.IP.Diagnostics.TraceRoute."] };
    assert.deepEqual(diagnosticRead(rpc), ["Device.IP.Diagnostics.TraceRoute."]);
    assert.equal(diagnosticRead({ method: "GetParameterValues", parameterNames: ["Device.IP.Diagnostics.TraceRoute.", "Device.DeviceInfo.UpTime"] }), null);
    assert.equal(diagnosticRead({ method: "GetParameterValues", parameterNames: ["Device.IP.Diagnostics."] }), null);
    const kept = new Map([
      ["Device.IP.Diagnostics.TraceRoute.DiagnosticsState", { value: "Complete", type: "xsd:string" }],
      ["Device.IP.Diagnostics.TraceRoute.RouteHops.1.Host", { value: "gw.example", type: "xsd:string" }],
      ["Device.IP.Diagnostics.IPPing.DiagnosticsState", { value: "Complete", type: "xsd:string" }],
    ]);
    assert.deepEqual(diagnosticReadAnswer(["Device.IP.Diagnostics.TraceRoute."], kept), {
      method: "GetParameterValuesResponse",
      parameterList: [
        { name: "Device.IP.Diagnostics.TraceRoute.DiagnosticsState", value: { type: "xsd:string", text: "Complete" } },
        { name: "Device.IP.Diagnostics.TraceRoute.RouteHops.1.Host", value: { type: "xsd:string", text: "gw.example" } },
      ],
    });
    assert.equal(fault(diagnosticReadAnswer(["Device.IP.Diagnostics.UploadDiagnostics."], kept)).faultCode, 9005);
    assert.equal(fault(diagnosticReadAnswer(["Device.IP.Diagnostics.IPPing.SuccessCount"], kept)).faultCode, 9005);
  });
});
