// The simulator's Bulk Data reports against the real collector, on the device's own clock: a profile
// set up by builtin:bulkdata and a declarative provision (CSV with ";" and "|", PUT, gzip, retries,
// three retained reports) reports every interval, the collector reading them with the profile's
// separators as the store knows them; when it refuses (the store has the row separator wrong), the
// report is retried within its interval, then kept (three at most); once it reads them again, the kept
// reports go with the next one.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Observation } from "../../src/server/bulkdata.js";
import { deviceIdOf } from "../../src/session/index.js";
import { ManualClock, type BulkDataSent, type Simulation } from "../../src/sim/runtime/index.js";
import { forEachBackend } from "../support/pg.js";
import { codes, eventually, startDevices, startE2eAcs, type E2eAcs } from "../e2e/support.js";

const PROFILE = "Device.BulkData.Profile.[Alias=provisio].";

forEachBackend((backend) => {
  describe("simulated Bulk Data reports", () => {
    let a: E2eAcs;
    let sim: Simulation;
    let id: string;
    const clock = new ManualClock(Date.now());
    const sent: BulkDataSent[] = [];
    const stored: { observations: Observation[]; at: Date }[] = [];

    before(async () => {
      a = await startE2eAcs(backend, { start: { onBulkDataReport: async (_tx, _id, observations, at) => void stored.push({ observations, at }) } });
      const provision = await a.admin.put("/api/provisions/bulk-http", {
        name: "bulk-http",
        kind: "declarative",
        declarations: [
          { path: `${PROFILE}HTTP.Compression`, value: "GZIP" },
          { path: `${PROFILE}HTTP.Method`, value: "PUT" },
          { path: `${PROFILE}HTTP.RetryEnable`, value: true },
          { path: `${PROFILE}HTTP.RetryMinimumWaitInterval`, value: 5 },
          { path: `${PROFILE}HTTP.RetryIntervalMultiplier`, value: 2000 },
          { path: `${PROFILE}NumberOfRetainedFailedReports`, value: 3 },
          { path: `${PROFILE}CSVEncoding.FieldSeparator`, value: ";" },
          // A row separator nothing guesses: the collector reads it from the device's profile.
          { path: `${PROFILE}CSVEncoding.RowSeparator`, value: "|" },
        ],
      });
      assert.ok(provision.status === 200 || provision.status === 201, JSON.stringify(provision.body));
      const preset = await a.admin.put("/api/presets/bulk", {
        name: "bulk",
        events: ["0 BOOTSTRAP"],
        provisions: [
          { name: "builtin:bulkdata", args: { parameters: ["DeviceInfo.UpTime", "DeviceInfo.SoftwareVersion"], interval: 60, encoding: "CSV", format: "ParameterPerRow" } },
          { name: "bulk-http" },
        ],
      });
      assert.ok(preset.status === 200 || preset.status === 201, JSON.stringify(preset.body));
      const started = await startDevices(a.t, { serialPrefix: "BDS", clock, connectionRequests: false, udp: false, xmpp: false, bulkData: { onReport: (r) => sent.push(r) } });
      sim = started.sim;
      id = deviceIdOf(sim.devices[0]!.identity);
      await eventually(() => (started.reports.some((r) => r.ok && codes(r).includes("0 BOOTSTRAP")) ? true : undefined), "the bootstrap session", 60_000);
    });

    after(async () => {
      await sim?.stop();
      await a?.t.stop();
    });

    it("reports every interval, retries a refused report within it, then keeps it for the next", async () => {
      const dev = sim.devices[0]!;
      assert.equal(dev.cpe.read("Device.BulkData.Profile.1.HTTP.Method"), "PUT");
      assert.equal(dev.cpe.read("Device.BulkData.Profile.1.HTTP.Compression"), "GZIP");
      assert.equal(dev.cpe.read("Device.BulkData.Profile.1.CSVEncoding.FieldSeparator"), ";");
      assert.equal(dev.cpe.read("Device.BulkData.Profile.1.CSVEncoding.RowSeparator"), "|");

      clock.advance(60_000);
      const first = await eventually(() => sent[0], "the first report");
      assert.deepEqual([first.status, first.reports], [200, 1], first.detail);
      const values = await eventually(() => stored[0], "the report stored");
      assert.deepEqual(values.observations.map((o) => o.path).sort(), ["Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.UpTime"]);
      assert.equal(values.observations.find((o) => o.path === "Device.DeviceInfo.UpTime")!.type, "xsd:unsignedInt");

      // The collector refuses the device's reports while the ACS has the profile's row separator wrong.
      const rowSeparator = "Device.BulkData.Profile.1.CSVEncoding.RowSeparator";
      const setRowSeparator = (value: string) => a.t.acs.store.transaction((tx) => tx.parameters.setValues(id, [{ path: rowSeparator, value, type: "xsd:string" }], new Date()));
      await setRowSeparator("#");
      clock.advance(60_000);
      await eventually(() => (sent.length >= 2 ? true : undefined), "the second report");
      assert.equal(sent[1]!.status, 400, sent[1]!.detail);
      assert.match(sent[1]!.detail, /BULKDATA_CSV: .*no data rows/);
      // Retried after RetryMinimumWaitInterval to twice that.
      clock.advance(10_000);
      await eventually(() => (sent.length >= 3 ? true : undefined), "the retry");
      assert.deepEqual([sent[2]!.status, sent[2]!.reports], [400, 1]);
      const refusedSoFar = sent.length;
      // A third try falls before the next report is due, and fails: the report is kept, with the one
      // that fell due while it was under way.
      clock.advance(50_000);
      await eventually(() => (sent.length > refusedSoFar ? true : undefined), "the third try");
      assert.deepEqual([sent[refusedSoFar]!.status, sent[refusedSoFar]!.reports], [400, 1]);
      clock.advance(60_000);
      const kept = await eventually(() => sent[refusedSoFar + 1], "a report with the kept ones");
      assert.deepEqual([kept.status, kept.reports], [400, 3]);
      // Three more intervals pass, every report refused and kept, at most three of them.
      for (let i = 0; i < 3; i++) {
        const n = sent.length;
        clock.advance(60_000);
        await eventually(() => (sent.length > n ? true : undefined), "a refused report");
      }

      // Once the collector reads the reports again, the next body carries kept ones (how many depends on
      // what was under way when each fell due), never more than three and a report's own.
      await setRowSeparator("|");
      const before = sent.length;
      for (let i = 0; i < 3 && !sent.slice(before).some((s) => s.status === 200); i++) {
        const n = sent.length;
        clock.advance(60_000);
        await eventually(() => (sent.length > n ? true : undefined), "a report after the fix", 30_000);
      }
      const delivered = sent.slice(before).find((s) => s.status === 200);
      assert.ok(delivered !== undefined, JSON.stringify(sent.slice(before)));
      assert.ok(delivered.reports >= 2, JSON.stringify(delivered));
      assert.ok(sent.every((s) => s.reports <= 4), JSON.stringify(sent.map((s) => s.reports)));
      // Every report of every accepted body was stored, and none of the refused ones.
      const accepted = () => sent.filter((s) => s.status === 200).reduce((n, s) => n + s.reports, 0);
      await eventually(() => (stored.length === accepted() ? true : undefined), "the accepted reports stored, and only those");
    });
  });
});
