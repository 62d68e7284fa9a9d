// Diagnostics on USP devices end to end, on both stores: the real ACS and its USP controller over a real
// WebSocket; an agent whose diagnostic commands run as async commands with the simulator's results
// (src/sim/models/diagnostics.ts), answered by an OperationComplete; the diagnostics API as an operator
// uses it on a CWMP device. The run completes with what the agent reported: a reachable host, an
// unreachable one, a TraceRoute's hops as a table, a failed command, a synchronous agent, a fleet run;
// the results are the device's parameters too.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WebSocketAgentMtp } from "../../src/mtp/websocket-client.js";
import { diagnosticOfCommand } from "../../src/controller/diagnostics.js";
import { makeIdentity } from "../../src/sim/identity.js";
import { commandOutputs } from "../../src/sim/models/diagnostics.js";
import { eventually } from "../nbi/support.js";
import { forEachBackend } from "../support/pg.js";
import type { TestAgent } from "../support/usp-agent.js";
import { onboardAgent } from "../support/usp-fleet.js";
import { startE2eAcs, type E2eAcs } from "./support.js";

const PC = "USPDIAG";
const SYNC_HOST = "sync.example.net";
const BROKEN_HOST = "broken.example.net";
const NET = { latencyMs: 20, jitterMs: 2, lossPercent: 0, unreachableHosts: ["dead.example.net"] };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Ran {
  command: string;
  inputArgs: Record<string, string>;
  commandKey: string;
  outputArgs: Record<string, string>;
}

forEachBackend((b) => {
  describe("diagnostics on USP devices over WebSocket", () => {
    let e: E2eAcs;
    let agent: TestAgent;
    let id: string;
    /** Each diagnostic command the agent ran, with what it reported. */
    const ran: Ran[] = [];

    before(async () => {
      e = await startE2eAcs(b, { settings: { usp: { requestTimeout: 60 } } });
      const url = e.t.acs.uspWebsocketUrl;
      assert.ok(url !== null);
      const identity = makeIdentity({ manufacturer: "Acme", oui: "00D09E", productClass: PC, serialPrefix: "D" }, {}, 0);
      let self: TestAgent | null = null;
      const out = await onboardAgent((endpointId) => new WebSocketAgentMtp({ url, endpointId, username: e.t.username, password: e.t.password }), PC, `D${b.name}`, {
        // A diagnostic starts (a Request object) and completes a moment later, as an agent's async command;
        // the host SYNC_HOST is answered at once (a synchronous agent), BROKEN_HOST fails the command.
        operate: (command, inputArgs) => {
          const diagnostic = diagnosticOfCommand(command);
          if (diagnostic === undefined || diagnostic.kind === "download" || diagnostic.kind === "upload") return { outputArgs: {} };
          const outputArgs = commandOutputs(diagnostic.kind, inputArgs, { now: Date.now(), bootTime: Date.now() - 3_600_000, seed: identity.seed, instances: [], identity }, { net: NET });
          const commandKey = self!.requests("operate").at(-1)!.commandKey;
          ran.push({ command, inputArgs, commandKey, outputArgs });
          if (inputArgs.Host === SYNC_HOST) return { outputArgs };
          const dot = command.lastIndexOf(".", command.length - 3);
          const end = inputArgs.Host === BROKEN_HOST
            ? { operationResp: "cmdFailure" as const, cmdFailure: { errCode: 7022, errMsg: "the echo socket could not be opened" } }
            : { operationResp: "reqOutputArgs" as const, reqOutputArgs: { outputArgs } };
          setTimeout(() => {
            void self!.notify({ notification: "operComplete", operComplete: { objPath: command.slice(0, dot + 1), commandName: command.slice(dot + 1), commandKey, ...end } });
          }, 10);
          return "async";
        },
      });
      self = out.agent;
      agent = out.agent;
      id = out.id;
    });
    after(async () => {
      await agent?.mtp.close();
      await e?.t.stop();
    });

    /** Starts a diagnostic through the API, waking the device, and returns the run once settled. */
    async function run(kind: string, args: Record<string, unknown>): Promise<{ run: Json; ran: Ran }> {
      const before = ran.length;
      const created = await e.operator.post(`/api/devices/${id}/diagnostics`, { kind, args, connectionRequest: true });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const settled = await eventually(async () => {
        const d = (await e.operator.get(`/api/diagnostics/${created.body.id}`)).body;
        return d.status === "pending" || d.status === "requested" ? undefined : d;
      }, `${kind} settled`, 90_000);
      assert.equal(ran.length, before + 1, "the agent ran one command");
      return { run: settled, ran: ran.at(-1)! };
    }

    test("IPPing() of a reachable host completes with the agent's results, kept as the device's parameters", async () => {
      const { run: ping, ran: op } = await run("ipPing", { Host: "example.net", NumberOfRepetitions: 4 });
      assert.equal(op.command, "Device.IP.Diagnostics.IPPing()");
      assert.deepEqual(op.inputArgs, { Host: "example.net", NumberOfRepetitions: "4" });
      assert.equal(ping.status, "complete", JSON.stringify(ping));
      assert.equal(ping.state, "Complete");
      const r = ping.results.results;
      assert.equal(r.SuccessCount, 4);
      assert.equal(r.FailureCount, 0);
      for (const name of ["AverageResponseTime", "MinimumResponseTime", "MaximumResponseTime", "AverageResponseTimeDetailed"]) assert.equal(r[name], Number(op.outputArgs[name]), name);
      assert.ok(r.AverageResponseTime >= 18 && r.AverageResponseTime <= 22, JSON.stringify(r));
      assert.equal(r.IPAddressUsed, op.outputArgs.IPAddressUsed);
      const kept = await e.t.acs.store.parameters.get(id, ["Device.IP.Diagnostics.IPPing.DiagnosticsState", "Device.IP.Diagnostics.IPPing.SuccessCount"]);
      assert.deepEqual(kept.map((p) => [p.path, p.value, p.type]), [
        ["Device.IP.Diagnostics.IPPing.DiagnosticsState", "Complete", "xsd:string"],
        ["Device.IP.Diagnostics.IPPing.SuccessCount", "4", "xsd:unsignedInt"],
      ]);
      // The agent was never asked for the CWMP object it does not have.
      assert.ok(agent.requests("get").every((g) => g.paramPaths.every((p) => !p.startsWith("Device.IP.Diagnostics.IPPing."))));
    });

    test("IPPing() of an unreachable host is the agent's Error_* state", async () => {
      const { run: dead, ran: op } = await run("ipPing", { Host: "dead.example.net" });
      assert.equal(op.outputArgs.Status, "Error_CannotResolveHostName");
      assert.equal(dead.status, "error", JSON.stringify(dead));
      assert.equal(dead.state, "Error_CannotResolveHostName");
      // A new run's values replace the last one's.
      const kept = await e.t.acs.store.parameters.subtree(id, "Device.IP.Diagnostics.IPPing.");
      assert.equal(kept.find((p) => p.path.endsWith(".AverageResponseTime")), undefined);
    });

    test("TraceRoute(): its hops are the RouteHops table", async () => {
      const { run: trace, ran: op } = await run("traceRoute", { Host: "example.net", NumberOfTries: 2 });
      assert.equal(op.command, "Device.IP.Diagnostics.TraceRoute()");
      assert.equal(trace.status, "complete", JSON.stringify(trace));
      const hops = trace.results.tables.RouteHops as Json[];
      const reported = Object.keys(op.outputArgs).filter((k) => /^RouteHops\.\d+\.Host$/.test(k)).length;
      assert.ok(reported >= 3);
      assert.equal(hops.length, reported);
      assert.equal(hops.at(-1).Host, "example.net");
      assert.deepEqual(hops[0].RTTimes, op.outputArgs["RouteHops.1.RTTimes"]!.split(",").map(Number));
      assert.equal(hops[0].RTTimes.length, 2);
    });

    test("a command that fails is the run's Error state; one the agent runs at once completes the same", async () => {
      const { run: broken } = await run("ipPing", { Host: BROKEN_HOST });
      assert.equal(broken.status, "error", JSON.stringify(broken));
      assert.equal(broken.state, "Error_Other");
      const { run: sync, ran: op } = await run("ipPing", { Host: SYNC_HOST, NumberOfRepetitions: 2 });
      assert.equal(sync.status, "complete", JSON.stringify(sync));
      assert.equal(sync.results.results.SuccessCount, 2);
      assert.equal(sync.results.results.AverageResponseTime, Number(op.outputArgs.AverageResponseTime));
    });

    test("a fleet run reaches the USP device and settles with its result", async () => {
      const before = ran.length;
      const started = await e.operator.post("/api/diagnostics", { kind: "nsLookup", args: { HostName: "www.example.net", NumberOfRepetitions: 2 }, filter: `productClass = "${PC}"`, connectionRequest: true, batchSize: 5 });
      assert.equal(started.status, 201, JSON.stringify(started.body));
      assert.deepEqual([started.body.matched, started.body.started], [1, 1]);
      const summary = await eventually(async () => {
        const s = (await e.operator.get(`/api/diagnostics/fleets/${started.body.fleetId}`)).body;
        return s.statuses.complete === 1 ? s : undefined;
      }, "the fleet's run complete", 90_000);
      assert.equal(summary.kind, "nsLookup");
      assert.equal(ran.length, before + 1);
      assert.equal(ran.at(-1)!.command, "Device.DNS.Diagnostics.NSLookupDiagnostics()");
      const ns = (await e.operator.get(`/api/devices/${id}/diagnostics`)).body.diagnostics.find((d: Json) => d.fleetId === started.body.fleetId);
      assert.deepEqual(ns.results.tables.Result.map((r: Json) => r.Status), ["Success", "Success"]);
      assert.equal(ns.results.results.SuccessCount, 2);
    });
  });
});
