// Diagnostics end to end: the REST API starts each kind on simulated TR-181 and TR-098 devices (woken
// by a connection request), the device runs it after its session and reports 8 DIAGNOSTICS COMPLETE,
// and Provisio reads and stores typed results, the device's Error_* states and speed tests against its
// own TR-143 endpoints included; a restart of the ACS between request and completion; a run that never
// completes times out; a fleet speed test over 100 devices reports percentiles.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { ManualClock, type Simulation } from "../../src/sim/runtime/index.js";
import { forEachBackend } from "../support/pg.js";
import { apiId, codes, CR, eventually, startDevices, startE2eAcs, type E2eAcs } from "./support.js";

// Fleet batches advance at each campaign pass.
const SETTINGS = { connectionRequests: { minInterval: 0, username: CR.username, password: CR.password }, webhooks: { allowTargets: ["127.0.0.1"] }, campaigns: { interval: 0.2 } };

/** A webhook receiver: the JSON bodies it was sent. */
async function receiver(): Promise<{ url: string; received: Json[]; stop(): Promise<void> }> {
  const received: Json[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    stop: () => new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}
const NET = { latencyMs: 20, jitterMs: 2, lossPercent: 0, unreachableHosts: ["dead.example.net"] };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function bootstrapped(reports: { ok: boolean; events: { eventCode: string }[] }[], devices = 1): Promise<void> {
  await eventually(() => (reports.filter((r) => r.ok && codes(r as never).includes("0 BOOTSTRAP")).length >= devices ? true : undefined), "the bootstrap", 60_000);
}

/** Starts a diagnostic, lets the device take it, runs the device's clock past the test and returns the settled run. */
async function run(a: E2eAcs, clock: ManualClock, id: string, kind: string, args: Record<string, unknown>): Promise<Json> {
  const created = await a.operator.post(`/api/devices/${id}/diagnostics`, { kind, args, connectionRequest: true });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.status, "pending");
  const runId = created.body.id as string;
  const requested = await eventually(async () => {
    const d = (await a.operator.get(`/api/diagnostics/${runId}`)).body;
    return d.status !== "pending" ? d : undefined;
  }, `${kind} taken by the device`);
  if (requested.status !== "requested") return requested;
  return eventually(async () => {
    clock.advance(6_000);
    const d = (await a.operator.get(`/api/diagnostics/${runId}`)).body;
    return d.status !== "requested" ? d : undefined;
  }, `${kind} settled`);
}

forEachBackend((backend) => {
  describe("diagnostics end to end", () => {
    const b = backend.name.slice(0, 2).toUpperCase();
    let started: Array<{ stop(): Promise<unknown> }> = [];
    afterEach(async () => {
      for (const s of started.reverse()) await s.stop();
      started = [];
    });

    async function setUp(model: "tr181-gateway" | "tr098-gateway", serialPrefix: string, devices = 1) {
      const a = await startE2eAcs(backend, { settings: SETTINGS });
      started.push(a.t);
      const clock = new ManualClock(Date.now());
      const { sim, reports } = await startDevices(a.t, { serialPrefix, clock, devices, model: { builtin: model }, cpe: { network: NET } });
      started.push(sim);
      await bootstrapped(reports, devices);
      return { a, clock, sim, reports };
    }

    it("TR-181: every kind produces stored, typed results; unreachable hosts are the device's Error_* states", async () => {
      const { a, clock, sim } = await setUp("tr181-gateway", `DG${b}`);
      const id = apiId(sim, 0);

      const ping = await run(a, clock, id, "ipPing", { Host: "example.net", NumberOfRepetitions: 4 });
      assert.equal(ping.status, "complete");
      assert.equal(ping.state, "Complete");
      assert.equal(ping.results.results.SuccessCount, 4);
      assert.equal(ping.results.results.FailureCount, 0);
      assert.ok(ping.results.results.AverageResponseTime >= 18 && ping.results.results.AverageResponseTime <= 22, JSON.stringify(ping.results));

      const dead = await run(a, clock, id, "ipPing", { Host: "dead.example.net" });
      assert.equal(dead.status, "error");
      assert.equal(dead.state, "Error_CannotResolveHostName");

      const trace = await run(a, clock, id, "traceRoute", { Host: "example.net", NumberOfTries: 2 });
      assert.equal(trace.status, "complete");
      const hops = trace.results.tables.RouteHops as Json[];
      assert.ok(hops.length >= 3);
      assert.equal(hops.at(-1).Host, "example.net");
      assert.equal(hops[0].RTTimes.length, 2);
      assert.equal(typeof hops[0].RTTimes[0], "number");

      const deadTrace = await run(a, clock, id, "traceRoute", { Host: "nowhere.invalid" });
      assert.equal(deadTrace.state, "Error_CannotResolveHostName");

      const udp = await run(a, clock, id, "udpEcho", { Host: "echo.example.net", Port: 7, NumberOfRepetitions: 3, EnableIndividualPacketResults: true });
      assert.equal(udp.status, "complete");
      assert.equal(udp.results.results.SuccessCount, 3);
      assert.equal(udp.results.tables.IndividualPacketResult.length, 3);
      assert.equal(udp.results.tables.IndividualPacketResult[0].PacketSuccess, true);

      const ns = await run(a, clock, id, "nsLookup", { HostName: "www.example.net", NumberOfRepetitions: 2 });
      assert.equal(ns.results.results.SuccessCount, 2);
      assert.deepEqual(ns.results.tables.Result.map((r: Json) => r.Status), ["Success", "Success"]);
      assert.ok(Array.isArray(ns.results.tables.Result[0].IPAddresses));
      const nsDead = await run(a, clock, id, "nsLookup", { HostName: "dead.example.net" });
      assert.equal(nsDead.results.tables.Result[0].Status, "Error_HostNameNotResolved");

      const sel = await run(a, clock, id, "serverSelection", { HostList: ["dead.example.net", "a.example.net", "b.example.net"] });
      assert.equal(sel.status, "complete");
      assert.ok(["a.example.net", "b.example.net"].includes(sel.results.results.FastestHost));

      const scan = await run(a, clock, id, "wifiScan", {});
      assert.equal(scan.status, "complete");
      assert.ok(scan.results.tables.Result.length >= 2);
      assert.equal(typeof scan.results.tables.Result[0].SignalStrength, "number");

      // Speed tests against Provisio's own endpoints: the bytes really moved, timed as TR-143 says.
      const down = await run(a, clock, id, "download", { SpeedTestBytes: 300_000, EnablePerConnectionResults: true });
      assert.equal(down.status, "complete", JSON.stringify(down));
      assert.match(down.args.DownloadURL, /\/speedtest\/download\?n=300000&/);
      const r = down.results.results;
      assert.equal(r.TestBytesReceived, 300_000);
      assert.ok(Date.parse(r.ROMTime) <= Date.parse(r.TCPOpenRequestTime) && Date.parse(r.TCPOpenResponseTime) <= Date.parse(r.BOMTime));
      assert.ok(Date.parse(r.BOMTime) <= Date.parse(r.EOMTime));
      assert.equal(down.results.tables.PerConnectionResult.length, 1);
      const up = await run(a, clock, id, "upload", { TestFileLength: 200_000 });
      assert.equal(up.status, "complete", JSON.stringify(up));
      assert.equal(up.results.results.TestBytesSent, 200_000);
      // A speed test whose server does not exist is the device's error too.
      const nowhere = await run(a, clock, id, "download", { DownloadURL: "http://nowhere.invalid/file" });
      assert.equal(nowhere.status, "error");
      assert.equal(nowhere.state, "Error_CannotResolveHostName");

      // The history, newest first, by kind.
      const history = (await a.operator.get(`/api/devices/${id}/diagnostics?kind=ipPing`)).body.diagnostics as Json[];
      assert.deepEqual(history.map((d) => d.id), [dead.id, ping.id]);
      const all = (await a.operator.get(`/api/devices/${id}/diagnostics`)).body.diagnostics as Json[];
      assert.equal(all.length, 12);
      // Each run's task is done, and events said so.
      assert.equal((await a.operator.get(`/api/tasks/${ping.id}`)).body.status, "done");
    });

    it("TR-098: paths mapped to InternetGatewayDevice, TR-098's own states; kinds it lacks fail clearly; wait and webhooks", async () => {
      const { a, clock, sim } = await setUp("tr098-gateway", `DH${b}`);
      const id = apiId(sim, 0);
      const hook = await receiver();
      started.push(hook);
      const webhook = await a.admin.post("/api/webhooks", { name: `diag-${b}`, url: hook.url, events: ["diagnostic.completed"] });
      assert.equal(webhook.status, 201, JSON.stringify(webhook.body));
      // With `wait`, the answer is the settled run: the device's clock moves meanwhile.
      const waiting = a.operator.post(`/api/devices/${id}/diagnostics`, { kind: "ipPing", args: { Host: "example.net", NumberOfRepetitions: 2 }, connectionRequest: true, wait: 30 });
      let answered = false;
      void waiting.finally(() => (answered = true));
      while (!answered) {
        await new Promise((r) => setTimeout(r, 50));
        clock.advance(1_000);
      }
      const ping = (await waiting).body;
      assert.equal((await waiting).status, 200, JSON.stringify(ping));
      assert.equal(ping.status, "complete");
      assert.equal(ping.results.results.SuccessCount, 2);
      assert.equal(ping.results.results.IPAddressUsed, undefined);
      const delivered = await eventually(() => hook.received.find((e) => e.diagnosticId === ping.id), "the webhook delivery");
      assert.deepEqual([delivered.type, delivered.kind, delivered.status, delivered.state], ["diagnostic.completed", "ipPing", "complete", "Complete"]);
      const trace = await run(a, clock, id, "traceRoute", { Host: "example.net" });
      assert.equal(trace.results.tables.RouteHops.at(-1).Host, "example.net");
      const down = await run(a, clock, id, "download", { SpeedTestBytes: 50_000 });
      assert.equal(down.status, "complete");
      assert.equal(down.state, "Completed");
      assert.equal(down.results.results.TestBytesReceived, 50_000);
      const ns = await run(a, clock, id, "nsLookup", { HostName: "nowhere.invalid" });
      assert.equal(ns.results.tables.Result[0].Status, "Error_HostNameNotResolved");
      const udp = await run(a, clock, id, "udpEcho", { Host: "echo.example.net", Port: 7 });
      assert.equal(udp.status, "failed");
      assert.equal(udp.fault.code, "diagnostic.unsupported");
      // An input TR-098 lacks is refused on the device's data model, not sent.
      const v6 = await run(a, clock, id, "ipPing", { Host: "example.net", ProtocolVersion: "IPv6" });
      assert.equal(v6.status, "failed");
      assert.match(v6.fault.message, /ProtocolVersion/);
    });

    it("bad requests lose nothing: unknown kind, bad args, a second run of the same kind", async () => {
      const { a, sim } = await setUp("tr181-gateway", `DB${b}`);
      const id = apiId(sim, 0);
      const bad = await a.operator.post(`/api/devices/${id}/diagnostics`, { kind: "ipPing", args: { Host: "x", NumberOfRepetitions: 0 } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, "PROVISIO_ERR_VALIDATION");
      const unknown = await a.operator.post(`/api/devices/${id}/diagnostics`, { kind: "fortune", args: {} });
      assert.equal(unknown.status, 400);
      const first = await a.operator.post(`/api/devices/${id}/diagnostics`, { kind: "ipPing", args: { Host: "a.example.net" } });
      assert.equal(first.status, 201);
      const second = await a.operator.post(`/api/devices/${id}/diagnostics`, { kind: "ipPing", args: { Host: "b.example.net" } });
      assert.equal(second.status, 409);
      assert.equal(second.body.error.code, "PROVISIO_ERR_DIAGNOSTIC_IN_PROGRESS");
      assert.equal(second.body.error.details.diagnosticId, first.body.id);
      const big = await a.operator.post(`/api/devices/${id}/diagnostics`, { kind: "download", args: { SpeedTestBytes: 999_000_000 } });
      assert.equal(big.status, 400);
      assert.equal(big.body.error.code, "PROVISIO_ERR_DIAGNOSTIC_ARGS_INVALID");
      assert.match(big.body.error.message, /speedTestMaxBytes/);
      assert.equal((await a.operator.get(`/api/devices/${id}/diagnostics`)).body.diagnostics.length, 1);
      assert.equal((await a.operator.get("/api/diagnostics/nope")).status, 404);
    });

    it("a run the device never completes times out, with its task", async () => {
      const { a, sim } = await setUp("tr181-gateway", `DT${b}`);
      const id = apiId(sim, 0);
      const created = await a.operator.post(`/api/devices/${id}/diagnostics`, { kind: "ipPing", args: { Host: "example.net" }, connectionRequest: true, timeout: 1 });
      await eventually(async () => ((await a.operator.get(`/api/diagnostics/${created.body.id}`)).body.status === "requested" ? true : undefined), "requested");
      // The device's clock does not move: the test never completes.
      await new Promise((r) => setTimeout(r, 1_100));
      await a.t.acs.housekeep();
      const d = (await a.operator.get(`/api/diagnostics/${created.body.id}`)).body;
      assert.equal(d.status, "timeout");
      assert.equal(d.fault.code, "diagnostic.timeout");
      assert.equal((await a.operator.get(`/api/tasks/${created.body.id}`)).body.status, "expired");
    });

    it("survives a restart of the ACS between the request and 8 DIAGNOSTICS COMPLETE", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "provisio-diag-"));
      const first = await startE2eAcs(backend, { settings: SETTINGS, dataDir });
      const clock = new ManualClock(Date.now());
      let sim: Simulation | undefined;
      try {
        const devices = await startDevices(first.t, { serialPrefix: `DR${b}`, clock, model: { builtin: "tr181-gateway" }, cpe: { network: NET } });
        sim = devices.sim;
        await bootstrapped(devices.reports);
        const id = apiId(sim, 0);
        const created = await first.operator.post(`/api/devices/${id}/diagnostics`, { kind: "ipPing", args: { Host: "example.net", NumberOfRepetitions: 2 }, connectionRequest: true });
        await eventually(async () => ((await first.operator.get(`/api/diagnostics/${created.body.id}`)).body.status === "requested" ? true : undefined), "requested");
        const port = Number(new URL(first.t.url).port);
        await first.t.stop();
        // The same database, data folder and CWMP port: the device finds the new process where it was.
        const second = await startE2eAcs(backend, { settings: { ...SETTINGS, cwmp: { port } }, dataDir, dbUrl: first.t.dbUrl });
        started.push(second.t);
        const d = await eventually(async () => {
          clock.advance(6_000);
          const x = (await second.operator.get(`/api/diagnostics/${created.body.id}`)).body;
          return x.status === "complete" ? x : undefined;
        }, "completed after the restart");
        assert.equal(d.results.results.SuccessCount, 2);
      } finally {
        await sim?.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it("a fleet speed test over 100 devices, in batches of 25, reports percentiles per product class", async () => {
      const { a, clock } = await setUp("tr181-gateway", `DF${b}`, 100);
      const started_ = await a.operator.post("/api/diagnostics", { kind: "download", args: { SpeedTestBytes: 100_000 }, filter: `serialNumber ^= "DF${b}"`, connectionRequest: true, timeout: 600, batchSize: 25 });
      assert.equal(started_.status, 201, JSON.stringify(started_.body));
      assert.deepEqual([started_.body.matched, started_.body.started, started_.body.batchSize], [100, 25, 25]);
      const fleetId = started_.body.fleetId as string;
      const summary = await eventually(async () => {
        clock.advance(1_000);
        const s = (await a.operator.get(`/api/diagnostics/fleets/${fleetId}`)).body;
        return s.statuses.complete === 100 ? s : undefined;
      }, "100 speed tests complete", 120_000, 200);
      assert.deepEqual([summary.kind, summary.status, summary.batches, summary.runs], ["download", "complete", 4, 100]);
      assert.equal(summary.groups.length, 1);
      const g = summary.groups[0];
      assert.equal(g.statuses.complete, 100);
      const t = g.metrics.throughputBps;
      assert.equal(t.count, 100);
      assert.ok(t.min > 0 && t.min <= t.p10 && t.p10 <= t.p50 && t.p50 <= t.p90 && t.p90 <= t.max, JSON.stringify(t));
    });
  });
});
