// Diagnostics through the REST API, on every backend, without devices answering: what is refused and
// why (roles, arguments, a second run of one kind, sizes Provisio's endpoint will not move), the
// record and history as started, the OpenAPI document, and the diagnostic.completed event of a run
// that times out. Runs that devices complete are in test/e2e/diagnostics.test.ts.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { eventually, isError, startApiAcs, type ApiAcs } from "./support.js";

const T0 = new Date();
const DEVICE = "00D09E-GW-D1";

forEachBackend((backend) => {
  describe("diagnostics through the API", () => {
    let t: ApiAcs;
    let operator: string;
    let readOnly: string;
    before(async () => {
      t = await startApiAcs(backend);
      operator = await t.keyFor("operator");
      readOnly = await t.keyFor("read-only");
      await t.acs.store.devices.recordInform({ id: DEVICE, manufacturer: "M", oui: "00D09E", productClass: "GW", serialNumber: "D1", at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
    });
    after(() => t.stop());

    it("starts a run (operator), refuses bad ones with what is wrong, lists the history (read-only)", async () => {
      const op = t.api.with(operator);
      const ro = t.api.with(readOnly);
      assert.ok(isError(await ro.post(`/api/devices/${DEVICE}/diagnostics`, { kind: "ipPing", args: { Host: "example.net" } }), 403, "FORBIDDEN"));
      const dscp = await op.post(`/api/devices/${DEVICE}/diagnostics`, { kind: "ipPing", args: { Host: "example.net", DSCP: 64 } });
      assert.ok(isError(dscp, 400, "VALIDATION"));
      assert.match(dscp.text, /DSCP/);
      assert.ok(isError(await op.post(`/api/devices/${DEVICE}/diagnostics`, { kind: "traceRoute", args: {} }), 400, "VALIDATION"));
      assert.ok(isError(await op.post(`/api/devices/${DEVICE}/diagnostics`, { kind: "fortune", args: {} }), 400, "VALIDATION"));
      assert.ok(isError(await op.post("/api/devices/00D09E-GW-NONE/diagnostics", { kind: "ipPing", args: { Host: "example.net" } }), 404, "DEVICE_NOT_FOUND"));
      const res = await op.post(`/api/devices/${DEVICE}/diagnostics`, { kind: "ipPing", args: { Host: "example.net", NumberOfRepetitions: 5 } });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.headers.location, `/api/diagnostics/${res.body.id}`);
      assert.deepEqual([res.body.status, res.body.kind, res.body.args, res.body.results, res.body.connectionRequest], ["pending", "ipPing", { Host: "example.net", NumberOfRepetitions: 5 }, null, null]);
      // Its task is the one that will set it on the device.
      const task = (await ro.get(`/api/tasks/${res.body.id}`)).body;
      assert.deepEqual([task.name, task.status, task.args.kind], ["diagnostic", "pending", "ipPing"]);
      const again = await op.post(`/api/devices/${DEVICE}/diagnostics`, { kind: "ipPing", args: { Host: "other.example.net" } });
      assert.ok(isError(again, 409, "DIAGNOSTIC_IN_PROGRESS"));
      assert.equal(again.body.error.details.diagnosticId, res.body.id);
      // Speed tests on Provisio's endpoint: the URL is made for the device, the size bounded.
      const down = await op.post(`/api/devices/${DEVICE}/diagnostics`, { kind: "download", args: { SpeedTestBytes: 1000 } });
      assert.equal(down.status, 201, down.text);
      assert.match(down.body.args.DownloadURL, /^http:\/\/127\.0\.0\.1:\d+\/speedtest\/download\?n=1000&d=00D09E-GW-D1&e=\d+&t=/);
      assert.ok(isError(await op.post(`/api/devices/${DEVICE}/diagnostics`, { kind: "upload", args: { TestFileLength: 999_999_999 } }), 400, "DIAGNOSTIC_ARGS_INVALID"));
      const history = (await ro.get(`/api/devices/${DEVICE}/diagnostics`)).body.diagnostics as { id: string }[];
      assert.deepEqual(history.map((d) => d.id), [down.body.id, res.body.id]);
      assert.deepEqual((await ro.get(`/api/devices/${DEVICE}/diagnostics?kind=download`)).body.diagnostics.length, 1);
      assert.equal((await ro.get(`/api/diagnostics/${res.body.id}`)).body.id, res.body.id);
      assert.ok(isError(await ro.get("/api/diagnostics/00000000-0000-0000-0000-000000000000"), 404, "DIAGNOSTIC_NOT_FOUND"));
      assert.ok(isError(await ro.get("/api/diagnostics/fleets/nope"), 404, "DIAGNOSTIC_NOT_FOUND"));
      assert.ok(isError(await ro.get("/api/devices/00D09E-GW-NONE/diagnostics"), 404, "DEVICE_NOT_FOUND"));
    });

    it("a fleet run starts on what the filter matches and lists the devices it could not start on", async () => {
      const op = t.api.with(operator);
      const res = await op.post("/api/diagnostics", { kind: "ipPing", args: { Host: "example.net" }, filter: 'productClass = "GW"' });
      assert.equal(res.status, 201, res.text);
      // The device already runs an ipPing (the test above).
      assert.deepEqual([res.body.matched, res.body.started, res.body.failures.map((f: { code: string }) => f.code)], [1, 0, ["DIAGNOSTIC_IN_PROGRESS"]]);
      assert.deepEqual((await op.get(`/api/diagnostics/fleets/${res.body.fleetId}`)).body.runs, 0);
      const ns = await op.post("/api/diagnostics", { kind: "nsLookup", args: { HostName: "example.net" }, filter: 'productClass = "GW"' });
      assert.equal(ns.body.started, 1);
      const fleet = (await op.get(`/api/diagnostics/fleets/${ns.body.fleetId}?groupBy=productClass`)).body;
      assert.deepEqual([fleet.kind, fleet.status, fleet.batches, fleet.runs, fleet.statuses, fleet.groups.map((g: { group: string }) => g.group)], ["nsLookup", "complete", 1, 1, { pending: 1 }, ["GW"]]);
      assert.ok(isError(await op.post("/api/diagnostics", { kind: "download", args: { SpeedTestBytes: 999_000_000 }, filter: 'productClass = "GW"' }), 400, "DIAGNOSTIC_ARGS_INVALID"));
      assert.ok(isError(await op.post("/api/diagnostics", { kind: "ipPing", args: { Host: "x" }, filter: "productClass = " }), 400, "FILTER_INVALID"));
    });

    it("a fleet's first batch is its starter's to start and to report, whatever a pass running meanwhile does", async () => {
      const op = t.api.with(operator);
      for (const serial of ["R1", "R2"]) {
        await t.acs.store.devices.recordInform({ id: `00D09E-RACE-${serial}`, manufacturer: "M", oui: "00D09E", productClass: "RACE", serialNumber: serial, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
      }
      // A pass of the fleets (the timer's, or another process's) runs just as the start looks for its
      // first batch's devices. It used to find the fleet recorded, take the batch, and leave the API to
      // answer that none of the runs had started.
      const devices = t.acs.store.devices;
      const query = devices.query;
      let passes = 0;
      devices.query = async (q) => {
        if (passes++ === 0) await t.acs.fleets.pass();
        return query.call(devices, q);
      };
      try {
        const res = await op.post("/api/diagnostics", { kind: "ipPing", args: { Host: "example.net" }, filter: 'productClass = "RACE"' });
        assert.equal(res.status, 201, res.text);
        assert.ok(passes > 0, "the pass ran during the start");
        assert.deepEqual([res.body.matched, res.body.started, res.body.failures], [2, 2, []]);
        const fleet = (await op.get(`/api/diagnostics/fleets/${res.body.fleetId}`)).body;
        assert.deepEqual([fleet.status, fleet.batches, fleet.runs, fleet.statuses], ["complete", 1, 2, { pending: 2 }]);
      } finally {
        devices.query = query;
      }
    });

    it("a run past its timeout settles as timeout, with a diagnostic.completed event", async () => {
      const op = t.api.with(operator);
      const res = await op.post(`/api/devices/${DEVICE}/diagnostics`, { kind: "wifiScan", timeout: 1 });
      assert.equal(res.status, 201, res.text);
      // Housekeeping settles it once its second has passed (passes until then leave it running).
      const d = await eventually(async () => {
        await t.acs.housekeep();
        const got = (await op.get(`/api/diagnostics/${res.body.id}`)).body;
        return got.status === "timeout" ? got : undefined;
      }, "the run timed out", 30_000, 200);
      assert.deepEqual([d.status, d.fault.code], ["timeout", "diagnostic.timeout"]);
      const mine = (e: { type: string; payload: unknown }) => e.type === "diagnostic.completed" && (e.payload as { diagnosticId: string }).diagnosticId === res.body.id;
      const events = await outboxEvents(t.acs.store, mine, (l) => l.length >= 1);
      const payload = events[0]?.payload as Record<string, unknown>;
      assert.deepEqual([payload.kind, payload.status, payload.deviceId], ["wifiScan", "timeout", DEVICE]);
    });

    it("is in the OpenAPI document, with the arguments of each kind", async () => {
      const doc = (await t.api.get("/api/openapi.json")).body;
      assert.ok(doc.paths["/api/devices/{id}/diagnostics"].post);
      assert.ok(doc.paths["/api/diagnostics/fleets/{fleetId}"].get);
      assert.ok(doc.components.schemas.StartDiagnostic_ipPing);
    });
  });
});
