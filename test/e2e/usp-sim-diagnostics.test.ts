// Every diagnostic kind on a simulated USP agent, end to end on both stores: the real ACS and its USP
// controller, the simulator's agent over a real WebSocket, and the diagnostics API as an operator uses
// it. Each kind runs as the agent's async command (the speed tests against Provisio's own TR-143
// endpoints, the bytes really moved) and completes with results stored as the device's parameters.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { modelOf, type DiagnosticKind } from "../../src/diagnostics/kinds.js";
import { tr181Source } from "../../src/sim/models/index.js";
import { compileUspModel } from "../../src/sim/usp/index.js";
import { agentMtpFactory, startUspSimulation, type UspSimulation } from "../../src/sim/usp/runtime/index.js";
import { eventually } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import { startE2eAcs, type E2eAcs } from "./support.js";

const PC = "USPSIMDIAG";
const NET = { latencyMs: 20, jitterMs: 2, lossPercent: 0, unreachableHosts: ["dead.example.net"] };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Each kind: the API's args, and what its settled run must hold. */
const KINDS: readonly [DiagnosticKind, Record<string, unknown>, (run: Json) => void][] = [
  ["ipPing", { Host: "example.net", NumberOfRepetitions: 3 }, (r) => {
    assert.equal(r.results.results.SuccessCount, 3);
    assert.ok(r.results.results.AverageResponseTime >= 18 && r.results.results.AverageResponseTime <= 22, JSON.stringify(r.results));
  }],
  ["traceRoute", { Host: "example.net", NumberOfTries: 2 }, (r) => {
    const hops = r.results.tables.RouteHops as Json[];
    assert.ok(hops.length >= 3);
    assert.equal(hops.at(-1).Host, "example.net");
    assert.equal(hops[0].RTTimes.length, 2);
  }],
  ["download", { SpeedTestBytes: 200_000, EnablePerConnectionResults: true }, (r) => {
    assert.match(r.args.DownloadURL, /\/speedtest\/download\?n=200000&/);
    assert.equal(r.results.results.TestBytesReceived, 200_000);
    assert.ok(Date.parse(r.results.results.BOMTime) <= Date.parse(r.results.results.EOMTime));
    assert.equal(r.results.tables.PerConnectionResult.length, 1);
  }],
  ["upload", { TestFileLength: 100_000 }, (r) => {
    assert.equal(r.results.results.TestBytesSent, 100_000);
    assert.ok(r.results.results.TotalBytesSent >= 100_000);
  }],
  ["udpEcho", { Host: "echo.example.net", Port: 7, NumberOfRepetitions: 2, EnableIndividualPacketResults: true }, (r) => {
    assert.equal(r.results.results.SuccessCount, 2);
    assert.equal(r.results.tables.IndividualPacketResult.length, 2);
    assert.equal(r.results.tables.IndividualPacketResult[0].PacketSuccess, true);
  }],
  ["nsLookup", { HostName: "www.example.net", NumberOfRepetitions: 2 }, (r) => {
    assert.equal(r.results.results.SuccessCount, 2);
    assert.deepEqual(r.results.tables.Result.map((x: Json) => x.Status), ["Success", "Success"]);
    assert.ok(Array.isArray(r.results.tables.Result[0].IPAddresses));
  }],
  ["serverSelection", { HostList: ["dead.example.net", "a.example.net", "b.example.net"] }, (r) => {
    assert.ok(["a.example.net", "b.example.net"].includes(r.results.results.FastestHost), JSON.stringify(r.results));
  }],
  ["wifiScan", {}, (r) => {
    assert.ok(r.results.tables.Result.length >= 2);
    assert.equal(typeof r.results.tables.Result[0].SignalStrength, "number");
  }],
];

forEachBackend((b) => {
  describe("every diagnostic on a simulated USP agent over WebSocket", () => {
    let e: E2eAcs;
    let sim: UspSimulation;
    let id: string;

    before(async () => {
      e = await startE2eAcs(b, { settings: { usp: { requestTimeout: 60 } } });
      sim = startUspSimulation({
        devices: 1,
        model: compileUspModel(tr181Source(), { controllerId: "proto::provisio" }),
        identity: { acsUsername: e.t.username, acsPassword: e.t.password, productClass: PC, serialPrefix: `SD${b.name}` },
        agent: { network: NET },
        mtp: agentMtpFactory(e.t.acs.uspWebsocketUrl!),
      });
      await sim.ready;
      const endpoint = await eventually(async () => (await e.t.acs.store.uspEndpoints.get(sim.agents[0]!.endpointId)) ?? undefined, "the agent onboarded", 90_000);
      id = endpoint.deviceId;
      // Its first session ends with the controller's subscriptions made: OperationComplete reaches it.
      await eventually(() => (sim.agents[0]!.tree.get("Device.LocalAgent.SubscriptionNumberOfEntries", Date.now()) === "0" ? undefined : true), "the subscriptions", 90_000);
    });
    after(async () => {
      await sim?.stop();
      await e?.t.stop();
    });

    for (const [kind, args, check] of KINDS) {
      test(`${kind}: the agent's ${modelOf(kind, "Device.")!.object.slice(0, -1)}() completes, its results stored`, async () => {
        const created = await e.operator.post(`/api/devices/${id}/diagnostics`, { kind, args, connectionRequest: true });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const run = await eventually(async () => {
          const d = (await e.operator.get(`/api/diagnostics/${created.body.id}`)).body;
          return d.status === "pending" || d.status === "requested" ? undefined : d;
        }, `${kind} settled`, 90_000);
        assert.equal(run.status, "complete", JSON.stringify(run));
        assert.equal(run.state, "Complete");
        check(run);
        const object = modelOf(kind, "Device.")!.object;
        const kept = await e.t.acs.store.parameters.subtree(id, object);
        assert.equal(kept.find((p) => p.path === `${object}DiagnosticsState`)?.value, "Complete");
        assert.ok(kept.length > 1, `${object}: results kept beside the state`);
      });
    }
  });
});
