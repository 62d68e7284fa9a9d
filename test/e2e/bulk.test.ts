// Bulk tasks over 1,000 simulated devices, created through the REST API with a filter: with connection
// requests (the ACS wakes every device over HTTP, a bounded number at a time), on both backends; and left
// for the devices' periodic Informs, on SQLite. Every task completes, and the counts add up on both sides.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import { ManualClock, type SessionReport, type Simulation } from "../../src/sim/runtime/index.js";
import { forEachBackend } from "../support/pg.js";
import { codes, CR, eventually, startDevices, startE2eAcs, type E2eAcs } from "./support.js";

const N = 1_000;
const INTERVAL_S = 3_600;

interface Task {
  id: string;
  deviceId: string;
  status: string;
  result: unknown;
}

forEachBackend((backend) => {
  describe(`bulk tasks over ${N} simulated devices`, () => {
    let acs: E2eAcs;
    let sim: Simulation;
    let reports: SessionReport[];
    const clock = new ManualClock(Date.now());
    const productClass = `Bulk${backend.name}`;
    const filter = `productClass = "${productClass}"`;

    before(async () => {
      acs = await startE2eAcs(backend, {
        settings: { connectionRequests: { methods: ["http"], username: CR.username, password: CR.password, concurrency: 64 } },
      });
      ({ sim, reports } = await startDevices(acs.t, {
        devices: N,
        serialPrefix: `BK${backend.name.slice(0, 2).toUpperCase()}`,
        productClass,
        clock,
        concurrency: 64,
        model: { builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": String(INTERVAL_S) } },
      }));
      await eventually(() => (reports.filter((r) => r.ok && codes(r).includes("0 BOOTSTRAP")).length === N ? true : undefined), `${N} bootstraps`, 60_000);
    });
    after(async () => {
      await sim?.stop();
      await acs?.t.stop();
    });

    /** Every task of the ACS, through the API, page by page. */
    async function allTasks(status: string): Promise<Task[]> {
      const out: Task[] = [];
      for (let offset = 0; ; offset += 1000) {
        const page: Task[] = (await acs.operator.get(`/api/tasks?status=${status}&limit=1000&offset=${offset}`)).body.tasks;
        out.push(...page);
        if (page.length < 1000) return out;
      }
    }

    async function allDone(taskIds: string[], what: string): Promise<Task[]> {
      await eventually(async () => ((await acs.operator.get("/api/tasks?status=pending,waiting&limit=1")).body.tasks.length === 0 ? true : undefined), what, 60_000, 100);
      const done = (await allTasks("done")).filter((t) => taskIds.includes(t.id));
      assert.equal(done.length, N, `${done.length} of ${N} tasks done`);
      assert.deepEqual((await allTasks("failed,cancelled,expired")).length, 0);
      return done;
    }

    it("with connection requests: every device is woken and every task completes", async () => {
      const before = reports.length;
      const res = await acs.operator.post("/api/tasks", {
        filter,
        name: "getParameterValues",
        args: { parameterNames: ["Device.DeviceInfo.SerialNumber"] },
        connectionRequest: true,
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual([res.body.matched, res.body.created, res.body.failed, res.body.connectionRequests], [N, N, 0, N]);
      const done = await allDone(res.body.taskIds, `${N} tasks woken by connection requests`);
      // Each task read its own device's serial number.
      const serialOf = new Map(sim.devices.map((d) => [deviceIdOf(d.identity), d.serialNumber]));
      for (const t of done) {
        const values = (t.result as { values: Record<string, { value: string }> }).values;
        assert.equal(values["Device.DeviceInfo.SerialNumber"]?.value, serialOf.get(t.deviceId));
      }
      const woken = reports.slice(before).filter((r) => r.ok && codes(r).includes("6 CONNECTION REQUEST"));
      assert.equal(new Set(woken.map((r) => r.device)).size, N);
      const http = sim.stats().connectionRequests.byMethod.http;
      assert.equal(http.accepted, N);
      assert.equal(http.unavailable, 0);
    });

    // The same bulk left to the periodic Informs, on SQLite only: on PostgreSQL it would go through the
    // same store paths as the test above (tasks found and run at an Inform), for 10 s more of the suite.
    if (backend.name !== "sqlite") return;
    it("without connection requests: the tasks wait for the devices' periodic Informs", async () => {
      const res = await acs.operator.post("/api/tasks", {
        filter,
        name: "setParameterValues",
        args: { parameterValues: [{ name: "Device.WiFi.SSID.1.SSID", value: "bulk-e2e" }] },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual([res.body.matched, res.body.created, res.body.connectionRequests], [N, N, 0]);
      assert.equal((await allTasks("pending")).length, N, "nothing runs before the devices inform");
      const before = reports.length;
      clock.advance(INTERVAL_S * 1000);
      await allDone(res.body.taskIds, `${N} tasks at the periodic Informs`);
      const periodic = reports.slice(before).filter((r) => r.ok && codes(r).includes("2 PERIODIC"));
      assert.equal(new Set(periodic.map((r) => r.device)).size, N);
      for (const d of sim.devices) assert.equal(d.cpe.read("Device.WiFi.SSID.1.SSID"), "bulk-e2e");
      assert.deepEqual(sim.stats().failures, {});
    });
  });
});
