// The diagnostics' definitions against the Broadband Forum data models: every name Provisio sets or
// reads exists where its model says, with the type it is sent or read as; every name a model is said
// to lack really is absent; inputs are bounded within the model's ranges; the success state is one the
// model defines. Then the pure request and result mapping.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { argsSchema, diagnosticKinds, kindDefs, nameIn, typeIn, type DataModelRoot, type ValueKind } from "../../src/diagnostics/kinds.js";
import { argsProblems, parseResults, requestValues } from "../../src/diagnostics/values.js";
import { distribution, metricsOf, micros, summarize } from "../../src/diagnostics/summary.js";
import { loadBbfXml } from "../../src/model/index.js";
import type { DataModel } from "../../src/model/types.js";
import { bbfDir } from "../support/paths.js";

const models: Record<DataModelRoot, DataModel> = {
  "Device.": loadBbfXml(join(bbfDir, "data-models", "tr-181-2-17-0-cwmp-full.xml")),
  "InternetGatewayDevice.": loadBbfXml(join(bbfDir, "data-models", "tr-098-1-8-0-full.xml")),
};

const XSD_OF: Record<ValueKind, readonly string[]> = {
  uint: ["xsd:unsignedInt"],
  int: ["xsd:int"],
  ulong: ["xsd:unsignedLong", "xsd:unsignedInt"],
  bool: ["xsd:boolean"],
  string: ["xsd:string"],
  dateTime: ["xsd:dateTime"],
  list: ["xsd:string"],
  uintList: ["xsd:string"],
};

describe("diagnostic definitions against the data models", () => {
  for (const kind of diagnosticKinds) {
    for (const root of ["Device.", "InternetGatewayDevice."] as const) {
      const model = kindDefs[kind].models[root];
      if (model === undefined) continue;
      it(`${kind} in ${root}: every name exists with its type; every missing one is absent`, () => {
        const dm = models[root];
        const problems: string[] = [];
        const param = (rel: string) => dm.parameters.get(model.object + rel);
        const state = param("DiagnosticsState");
        if (state === undefined || !state.writable) problems.push("DiagnosticsState missing or read-only");
        else if (!state.syntax.enumerations?.some((e) => e.value === model.complete)) problems.push(`${model.complete} is not a DiagnosticsState`);
        const def = kindDefs[kind];
        for (const [name, input] of Object.entries(def.inputs)) {
          if (input.local === true) continue;
          const rel = nameIn(model, name);
          const p = rel === null ? undefined : param(rel);
          if (rel === null) {
            if (param(name) !== undefined) problems.push(`input ${name} is said missing but exists`);
            continue;
          }
          if (p === undefined) problems.push(`input ${rel} does not exist`);
          else {
            if (!p.writable) problems.push(`input ${rel} is not writable`);
            if (p.syntax.type !== typeIn(model, name, input)) problems.push(`input ${rel} is ${p.syntax.type}, sent as ${typeIn(model, name, input)}`);
            const schema = input.schema as { minimum?: number; maximum?: number; maxLength?: number };
            for (const r of p.syntax.ranges ?? []) {
              if (r.min !== undefined && (schema.minimum ?? -Infinity) < r.min) problems.push(`input ${rel} allows below ${r.min}`);
              if (r.max !== undefined && (schema.maximum ?? Infinity) > r.max) problems.push(`input ${rel} allows above ${r.max}`);
            }
            const max = p.syntax.sizes?.[0]?.maxLength;
            if (max !== undefined && schema.maxLength !== undefined && schema.maxLength > max) problems.push(`input ${rel} allows ${schema.maxLength} characters, the model ${max}`);
          }
        }
        for (const [name, vk] of Object.entries(def.results)) {
          const rel = nameIn(model, name);
          if (rel === null) {
            if (param(name) !== undefined) problems.push(`result ${name} is said missing but exists`);
            continue;
          }
          const p = param(rel);
          if (p === undefined) problems.push(`result ${rel} does not exist`);
          else if (!XSD_OF[vk].includes(p.syntax.type)) problems.push(`result ${rel} is ${p.syntax.type}, read as ${vk}`);
        }
        for (const [table, fields] of Object.entries(def.tables)) {
          for (const [f, vk] of Object.entries(fields)) {
            const rel = nameIn(model, `${table}.${f}`);
            if (rel === null) {
              if (param(`${table}.{i}.${f}`) !== undefined) problems.push(`${table}.${f} is said missing but exists`);
              continue;
            }
            const p = param(`${table}.{i}.${rel}`);
            if (p === undefined) problems.push(`${table}.{i}.${rel} does not exist`);
            else if (!XSD_OF[vk].includes(p.syntax.type)) problems.push(`${table}.{i}.${rel} is ${p.syntax.type}, read as ${vk}`);
          }
        }
        assert.deepEqual(problems, []);
      });
    }
  }
});

describe("requests and results", () => {
  const ping181 = kindDefs.ipPing.models["Device."]!;
  const ping098 = kindDefs.ipPing.models["InternetGatewayDevice."]!;

  it("checks arguments per kind", () => {
    assert.equal(argsProblems("ipPing", { Host: "example.net", NumberOfRepetitions: 3 }), null);
    assert.match(argsProblems("ipPing", { NumberOfRepetitions: 3 }) ?? "", /Host/);
    assert.match(argsProblems("traceRoute", { Host: "h", NumberOfTries: 4 }) ?? "", /NumberOfTries/);
    assert.match(argsProblems("ipPing", { Host: "h", Bogus: 1 }) ?? "", /Bogus|additional/i);
    assert.equal(Value.Check(argsSchema("wifiScan"), {}), true);
  });

  it("sets the inputs, then DiagnosticsState=Requested, typed per model; refuses an input the model lacks", () => {
    const list = requestValues("ipPing", ping181, { Host: "example.net", NumberOfRepetitions: 3 });
    assert.deepEqual(
      (list as { name: string; value: { type: string; text: string } }[]).map((p) => [p.name, p.value.type, p.value.text]),
      [
        ["Device.IP.Diagnostics.IPPing.Host", "xsd:string", "example.net"],
        ["Device.IP.Diagnostics.IPPing.NumberOfRepetitions", "xsd:unsignedInt", "3"],
        ["Device.IP.Diagnostics.IPPing.DiagnosticsState", "xsd:string", "Requested"],
      ],
    );
    assert.match(String(requestValues("ipPing", ping098, { Host: "h", ProtocolVersion: "IPv6" })), /ProtocolVersion is not defined/);
    const sel = requestValues("serverSelection", kindDefs.serverSelection.models["Device."]!, { HostList: ["a", "b"] });
    assert.equal((sel as { value: { text: string } }[])[0]!.value.text, "a,b");
    const up098 = requestValues("upload", kindDefs.upload.models["InternetGatewayDevice."]!, { UploadURL: "http://x/", TestFileLength: 10 });
    assert.equal((up098 as { value: { type: string } }[])[1]!.value.type, "xsd:unsignedInt");
    // Provisio's own argument is never sent.
    const down = requestValues("download", kindDefs.download.models["Device."]!, { DownloadURL: "http://x/", SpeedTestBytes: 5 });
    assert.deepEqual((down as { name: string }[]).map((p) => p.name.split(".").at(-1)), ["DownloadURL", "DiagnosticsState"]);
  });

  it("types results and tables with TR-181 names, whatever the model calls them", () => {
    const o = "InternetGatewayDevice.TraceRouteDiagnostics.";
    const parsed = parseResults("traceRoute", kindDefs.traceRoute.models["InternetGatewayDevice."]!, [
      { name: o + "DiagnosticsState", text: "Complete" },
      { name: o + "ResponseTime", text: "42" },
      { name: o + "RouteHops.2.HopHost", text: "b" },
      { name: o + "RouteHops.2.HopRTTimes", text: "3,4" },
      { name: o + "RouteHops.1.HopHost", text: "a" },
      { name: o + "RouteHops.1.HopErrorCode", text: "0" },
    ]);
    assert.deepEqual(parsed, { state: "Complete", outcome: "complete", results: { ResponseTime: 42 }, tables: { RouteHops: [{ Host: "a", ErrorCode: 0 }, { Host: "b", RTTimes: [3, 4] }] } });
    const err = parseResults("ipPing", ping181, [{ name: "Device.IP.Diagnostics.IPPing.DiagnosticsState", text: "Error_CannotResolveHostName" }, { name: "Device.IP.Diagnostics.IPPing.SuccessCount", text: "" }]);
    assert.deepEqual([err.outcome, err.results.SuccessCount], ["error", null]);
    assert.equal(parseResults("ipPing", ping181, [{ name: "Device.IP.Diagnostics.IPPing.DiagnosticsState", text: "Requested" }]).outcome, "running");
    assert.equal(parseResults("ipPing", ping181, [{ name: "Device.IP.Diagnostics.IPPing.DiagnosticsState", text: "None" }]).outcome, "cancelled");
    const d098 = kindDefs.download.models["InternetGatewayDevice."]!;
    const dl = parseResults("download", d098, [
      { name: d098.object + "DiagnosticsState", text: "Completed" },
      { name: d098.object + "BOMTime", text: "2026-01-01T00:00:00.000250Z" },
      { name: d098.object + "EOMTime", text: "0001-01-01T00:00:00Z" },
    ]);
    assert.deepEqual([dl.outcome, dl.results.BOMTime, dl.results.EOMTime], ["complete", "2026-01-01T00:00:00.000250Z", null]);
  });

  it("fleet figures: throughput to the microsecond, loss, percentiles per group", () => {
    assert.equal(micros("2026-01-01T00:00:00.000250Z")! - micros("2026-01-01T00:00:00Z")!, 250);
    const speed = metricsOf("download", { results: { TestBytesReceived: 1000, BOMTime: "2026-01-01T00:00:00Z", EOMTime: "2026-01-01T00:00:00.008Z" } });
    assert.deepEqual(speed, { throughputBps: 1_000_000 });
    assert.deepEqual(metricsOf("ipPing", { results: { AverageResponseTime: 10, SuccessCount: 3, FailureCount: 1 } }), { averageResponseTimeMs: 10, lossPercent: 25 });
    assert.deepEqual(distribution([5, 1, 4, 2, 3, 6, 7, 8, 9, 10]), { count: 10, min: 1, p10: 1, p50: 5, p90: 9, p99: 10, max: 10 });
    const ping = (avg: number) => ({ results: { AverageResponseTime: avg, SuccessCount: 1, FailureCount: 0 } });
    const s = summarize("ipPing", [
      { group: "B", status: "complete", results: ping(10) },
      { group: "A", status: "complete", results: ping(30) },
      { group: "A", status: "error", results: null },
      { group: "A", status: "complete", results: ping(20) },
    ]);
    assert.deepEqual(s.map((g) => [g.group, g.statuses, g.metrics.averageResponseTimeMs?.p50]), [
      ["A", { complete: 2, error: 1 }, 20],
      ["B", { complete: 1 }, 10],
    ]);
  });
});
