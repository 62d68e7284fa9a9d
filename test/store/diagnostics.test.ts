// The storage of diagnostic runs (migration 15), on every backend: records with typed JSON results,
// history newest first by device, kind and fleet, the in-flight runs past their time, retention, and
// removal with their device.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreError } from "../../src/store/index.js";
import type { Store } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";

const T0 = new Date("2026-03-01T10:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

async function device(store: Store, serial: string): Promise<string> {
  const id = `A1B2C3-GW-${serial}`;
  await store.devices.recordInform({ id, manufacturer: "M", oui: "A1B2C3", productClass: "GW", serialNumber: serial, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
  return id;
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

forEachBackend((backend) => {
  describe("diagnostics", () => {
    it("creates pending runs, updates them with typed results and reads them back as written", async () => {
      const store = await backend.open();
      const d1 = await device(store, "S1");
      const args = { Host: "example.net", NumberOfRepetitions: 3 };
      const created = await store.diagnostics.create({ id: uuid(1), deviceId: d1, kind: "ipPing", args, expiresAt: at(600) }, at(0));
      assert.deepEqual(created, {
        id: uuid(1), deviceId: d1, kind: "ipPing", args, status: "pending", state: null, results: null, fault: null, fleetId: null,
        createdAt: at(0), requestedAt: null, completedAt: null, expiresAt: at(600),
      });
      const results = { results: { SuccessCount: 3, AverageResponseTime: 12.5, IPAddressUsed: "100.64.0.2" }, tables: { RouteHops: [{ RTTimes: [1, 2] }] } };
      await store.diagnostics.update(uuid(1), { status: "requested", requestedAt: at(1) });
      const done = await store.diagnostics.update(uuid(1), { status: "complete", state: "Complete", results, completedAt: at(5) });
      assert.deepEqual([done?.status, done?.state, done?.results, done?.requestedAt, done?.completedAt], ["complete", "Complete", results, at(1), at(5)]);
      const failed = await store.diagnostics.create({ id: uuid(2), deviceId: d1, kind: "download", args: {}, expiresAt: at(600), fleetId: "f1" }, at(2));
      await store.diagnostics.update(failed.id, { status: "failed", fault: { code: "cwmp.9005", message: "no such parameter" }, completedAt: at(3) });
      assert.deepEqual((await store.diagnostics.get(failed.id))?.fault, { code: "cwmp.9005", message: "no such parameter" });
      assert.equal(await store.diagnostics.get(uuid(99)), null);
      assert.equal(await store.diagnostics.update(uuid(99), { status: "complete" }), null);
      await assert.rejects(store.diagnostics.create({ id: uuid(3), deviceId: "ghost", kind: "ipPing", args: {}, expiresAt: at(1) }, at(0)), (e: unknown) => e instanceof StoreError);
    });

    it("lists a device's history newest first, by kind, status and fleet; finds runs past their time; prunes and deletes with the device", async () => {
      const store = await backend.open();
      const d1 = await device(store, "S1");
      const d2 = await device(store, "S2");
      await store.diagnostics.create({ id: uuid(1), deviceId: d1, kind: "ipPing", args: {}, expiresAt: at(10) }, at(0));
      await store.diagnostics.create({ id: uuid(2), deviceId: d1, kind: "traceRoute", args: {}, expiresAt: at(100) }, at(1));
      await store.diagnostics.create({ id: uuid(3), deviceId: d1, kind: "ipPing", args: {}, expiresAt: at(100), fleetId: "fleet-a" }, at(2));
      await store.diagnostics.create({ id: uuid(4), deviceId: d2, kind: "download", args: {}, expiresAt: at(5), fleetId: "fleet-a" }, at(3));
      assert.deepEqual((await store.diagnostics.list({ deviceId: d1 })).map((d) => d.id), [uuid(3), uuid(2), uuid(1)]);
      assert.deepEqual((await store.diagnostics.list({ deviceId: d1, kind: "ipPing" })).map((d) => d.id), [uuid(3), uuid(1)]);
      assert.deepEqual((await store.diagnostics.list({ fleetId: "fleet-a" })).map((d) => d.id), [uuid(4), uuid(3)]);
      assert.deepEqual((await store.diagnostics.list({ deviceId: d1, limit: 1, offset: 1 })).map((d) => d.id), [uuid(2)]);
      await store.diagnostics.update(uuid(2), { status: "requested" });
      assert.deepEqual((await store.diagnostics.list({ status: ["requested"] })).map((d) => d.id), [uuid(2)]);
      // In flight past expiresAt, oldest deadline first; settled runs are not.
      assert.deepEqual((await store.diagnostics.overdue(at(10), 10)).map((d) => d.id), [uuid(4), uuid(1)]);
      await store.diagnostics.update(uuid(4), { status: "complete", completedAt: at(4) });
      assert.deepEqual((await store.diagnostics.overdue(at(200), 10)).map((d) => d.id), [uuid(1), uuid(2), uuid(3)]);
      assert.deepEqual((await store.diagnostics.overdue(at(200), 1)).map((d) => d.id), [uuid(1)]);
      // Retention: finished runs completed before the cut; runs in flight stay.
      await store.diagnostics.update(uuid(1), { status: "timeout", completedAt: at(20) });
      assert.equal(await store.diagnostics.prune(at(10)), 1);
      assert.equal(await store.diagnostics.get(uuid(4)), null);
      assert.notEqual(await store.diagnostics.get(uuid(1)), null);
      await store.devices.delete(d1);
      assert.deepEqual(await store.diagnostics.list({}), []);
    });

    it("keeps fleets; one caller moves a fleet's cursor from where it was", async () => {
      const store = await backend.open();
      const fleet = {
        id: "fleet-1", kind: "download", args: { SpeedTestBytes: 10 }, filter: 'productClass = "GW"', batchSize: 2, timeout: 60, connectionRequest: true,
        cursor: null, started: 0, batches: 0, status: "running" as const, createdAt: at(0), updatedAt: at(0), tenant: "acme",
      };
      await store.diagnostics.createFleet(fleet);
      assert.deepEqual(await store.diagnostics.getFleet("fleet-1"), fleet);
      assert.equal(await store.diagnostics.getFleet("nope"), null);
      const next = { cursor: "A1B2C3-GW-S2", started: 2, batches: 1, status: "running" as const };
      assert.equal(await store.diagnostics.advanceFleet("fleet-1", null, next, at(1)), true);
      // A second caller that read the fleet before the move loses.
      assert.equal(await store.diagnostics.advanceFleet("fleet-1", null, next, at(1)), false);
      assert.equal(await store.diagnostics.advanceFleet("fleet-1", "A1B2C3-GW-S2", { cursor: "A1B2C3-GW-S3", started: 3, batches: 2, status: "complete" }, at(2)), true);
      const done = await store.diagnostics.getFleet("fleet-1");
      assert.deepEqual([done?.cursor, done?.started, done?.batches, done?.status, done?.updatedAt], ["A1B2C3-GW-S3", 3, 2, "complete", at(2)]);
      assert.equal(await store.diagnostics.advanceFleet("fleet-1", "A1B2C3-GW-S3", next, at(3)), false, "a complete fleet does not move");
      assert.deepEqual(await store.diagnostics.runningFleets(10), []);
    });
  });
});
