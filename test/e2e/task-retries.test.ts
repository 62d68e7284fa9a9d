// Task retries wake the device: a task that faults once is tried again when its back-off ends through
// a connection request, with no periodic Inform (the simulated devices' clock never moves, so none
// comes), once however many ACS processes share the database. `wait` answers at once when the
// connection request was refused by the rate limit, and the API says how a pending task's next attempt
// comes (nextAttemptAt, nextAttemptBy, waitingForInformSince).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { Readable } from "node:stream";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { ManualClock, type SessionReport } from "../../src/sim/runtime/index.js";
import { freePort } from "../support/daemon.js";
import { forEachBackend } from "../support/pg.js";
import { apiId, codes, CR, eventually, startDevices, startE2eAcs, type E2eAcs } from "./support.js";

const INTERVAL_S = 600;
const MODEL = { builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": String(INTERVAL_S) } } as const;
const GPV = { name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.SoftwareVersion"] } };

/**
 * Makes the device answer the first RPC of its sessions with a CPE fault (9002, worth retrying) while
 * armed. Never quite 0 when disarmed: the simulator injects faults only if the rate it starts with is
 * above 0 (and its seeded draws never give 0).
 */
class FaultSwitch {
  armed = false;
  readonly kinds = ["cpe-fault"] as const;
  get rate(): number {
    return this.armed ? 1 : Number.MIN_VALUE;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TaskJson = any;

/** The task as the API shows it, once `ok` holds for it. */
function taskWhen(a: E2eAcs, id: string, ok: (t: TaskJson) => boolean, what: string): Promise<TaskJson> {
  return eventually(async () => {
    const t = (await a.operator.get(`/api/tasks/${id}`)).body;
    return ok(t) ? t : undefined;
  }, what);
}

const woken = (reports: readonly SessionReport[]) => reports.filter((r) => codes(r).includes("6 CONNECTION REQUEST"));
const periodic = (reports: readonly SessionReport[]) => reports.filter((r) => codes(r).includes("2 PERIODIC"));

forEachBackend((backend) => {
  describe("task retries and connection requests", () => {
    const b = backend.name.slice(0, 2).toUpperCase();
    let started: Array<{ stop(): Promise<unknown> }> = [];
    afterEach(async () => {
      for (const s of started.reverse()) await s.stop();
      started = [];
    });
    async function acs(settings: Record<string, unknown>, more: { dbUrl?: string; dataDir?: string } = {}): Promise<E2eAcs> {
      const a = await startE2eAcs(backend, { settings, ...more });
      started.push(a.t);
      return a;
    }
    async function device(a: E2eAcs, serialPrefix: string, faults = new FaultSwitch()) {
      const clock = new ManualClock(Date.now());
      const { sim, reports } = await startDevices(a.t, { serialPrefix, clock, model: MODEL, faults });
      started.push(sim);
      await eventually(() => (reports.some((r) => r.ok && codes(r).includes("0 BOOTSTRAP")) ? true : undefined), "the bootstrap");
      return { sim, reports, clock, id: apiId(sim, 0) };
    }

    it("a task that faults once is retried through a connection request when its back-off ends, by one of two processes", async () => {
      const settings = { tasks: { retryBase: 1 }, connectionRequests: { minInterval: 2, username: CR.username, password: CR.password } };
      const a = await acs(settings);
      // A second process on the same database: it must not wake the device for the same retry.
      await acs(settings, { dbUrl: a.t.dbUrl, dataDir: a.t.dataDir });
      const faults = new FaultSwitch();
      const { sim, reports, id } = await device(a, `TR${b}`, faults);
      faults.armed = true;

      const created = await a.operator.post(`/api/devices/${id}/tasks`, { ...GPV, connectionRequest: true });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.connectionRequest.outcome, "accepted");
      const failed = await taskWhen(a, created.body.id, (t) => t.attempts === 1, "the first attempt's fault");
      faults.armed = false;
      assert.equal(failed.status, "pending");
      assert.equal(failed.lastFault.code, "cwmp.9002");
      // The device can be reached: the ACS wakes it when the back-off ends.
      assert.equal(failed.nextAttemptAt, failed.notBefore);
      assert.ok(failed.nextAttemptAt !== null);
      assert.equal(failed.nextAttemptBy, "connectionRequest");
      assert.equal(failed.waitingForInformSince, null);

      const done = await taskWhen(a, created.body.id, (t) => t.status === "done", "the retry");
      assert.equal(done.result.values["Device.DeviceInfo.SoftwareVersion"].value, sim.devices[0]!.cpe.read("Device.DeviceInfo.SoftwareVersion"));
      assert.deepEqual([done.nextAttemptAt, done.nextAttemptBy, done.waitingForInformSince], [null, null, null]);
      await eventually(() => (woken(reports).filter((r) => r.ok).length === 2 ? true : undefined), "the retry's session to end");
      assert.equal(periodic(reports).length, 0);
      // One request for the creation, one for the retry, made by one of the two processes (the first
      // one's rate limit, 2 s, holds it back there past the 1 s back-off; the other is free to).
      const attempts = (await a.operator.get(`/api/devices/${id}/connection-request/attempts`)).body.attempts as { outcome: string; taskId: string }[];
      assert.deepEqual(attempts.map((x) => [x.outcome, x.taskId]), [["accepted", created.body.id], ["accepted", created.body.id]]);
      assert.equal(woken(reports).length, 2);
    });

    it("a retry that fell due while the ACS was down is woken by the next one to start on the database", async () => {
      // The same CWMP port, so that the woken device finds the ACS where it was.
      const port = await freePort();
      const settings = { cwmp: { port }, tasks: { retryBase: 3 }, connectionRequests: { minInterval: 0, username: CR.username, password: CR.password } };
      // A data folder of the test's own: the secrets key outlives the first process.
      const dataDir = mkdtempSync(join(tmpdir(), "provisio-retries-"));
      const first = await startE2eAcs(backend, { settings, dataDir });
      let firstRunning = true;
      try {
        const faults = new FaultSwitch();
        const clock = new ManualClock(Date.now());
        const { sim, reports } = await startDevices(first.t, { serialPrefix: `TS${b}`, clock, model: MODEL, faults });
        started.push(sim);
        await eventually(() => (reports.some((r) => r.ok && codes(r).includes("0 BOOTSTRAP")) ? true : undefined), "the bootstrap");
        const id = apiId(sim, 0);
        faults.armed = true;
        const created = await first.operator.post(`/api/devices/${id}/tasks`, { ...GPV, connectionRequest: true });
        const failed = await taskWhen(first, created.body.id, (t) => t.attempts === 1, "the first attempt's fault");
        faults.armed = false;
        await eventually(() => (woken(reports).some((r) => r.ok) ? true : undefined), "the faulted session's end");
        await first.t.stop();
        firstRunning = false;
        await eventually(() => (Date.now() > Date.parse(failed.notBefore) + 100 ? true : undefined), "the back-off's end");

        const restarted = Date.now();
        const second = await acs(settings, { dbUrl: first.t.dbUrl, dataDir });
        const done = await taskWhen(second, created.body.id, (t) => t.status === "done", "the retry after the restart");
        assert.equal(done.attempts, 1);
        const attempts = (await second.operator.get(`/api/devices/${id}/connection-request/attempts`)).body.attempts as { outcome: string; at: string }[];
        assert.equal(attempts.length, 2);
        // Newest first: the retry's request, made by the second process.
        assert.equal(attempts[0]!.outcome, "accepted");
        assert.ok(Date.parse(attempts[0]!.at) >= restarted);
        assert.equal(periodic(reports).length, 0);
      } finally {
        if (firstRunning) await first.t.stop();
        for (const s of started.splice(0).reverse()) await s.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it("a device with no way to be reached is not woken for a retry: the task waits for its Inform, and the API says since when", async () => {
      // Only UDP, and no STUN server: nothing can reach the device.
      const a = await acs({ tasks: { retryBase: 1 }, connectionRequests: { methods: ["udp"], minInterval: 0, username: CR.username, password: CR.password } });
      const faults = new FaultSwitch();
      const { reports, clock, id } = await device(a, `TN${b}`, faults);
      assert.deepEqual((await a.operator.get(`/api/devices/${id}/connection-request`)).body.plan, []);
      const created = await a.operator.post(`/api/devices/${id}/tasks`, GPV);
      assert.deepEqual([created.body.nextAttemptBy, created.body.nextAttemptAt, created.body.waitingForInformSince], ["inform", null, created.body.createdAt]);
      faults.armed = true;
      clock.advance(INTERVAL_S * 1000);
      const failed = await taskWhen(a, created.body.id, (t) => t.attempts === 1, "the first attempt's fault, at the periodic Inform");
      faults.armed = false;
      assert.deepEqual([failed.status, failed.nextAttemptBy, failed.waitingForInformSince], ["pending", "inform", null]);
      // Once the back-off has ended, it waits for the Inform since then; no request is made.
      const waiting = await taskWhen(a, created.body.id, (t) => t.waitingForInformSince !== null, "the back-off's end");
      assert.equal(waiting.waitingForInformSince, failed.notBefore);
      assert.equal(waiting.nextAttemptAt, failed.notBefore);
      assert.deepEqual((await a.operator.get(`/api/devices/${id}/connection-request/attempts`)).body.attempts, []);
      assert.equal(woken(reports).length, 0);
      clock.advance(INTERVAL_S * 1000);
      await taskWhen(a, created.body.id, (t) => t.status === "done", "the retry at the next Inform");
    });

    it("a campaign's device view shows the devices waiting for their Inform, and since when", async () => {
      const a = await acs({ campaigns: { interval: 3600 }, connectionRequests: { methods: ["udp"], minInterval: 0 } });
      const { clock, id, sim } = await device(a, `TC${b}`);
      const file = await a.t.acs.files.create(Readable.from([Buffer.from("firmware")]), { name: "fw-9.bin", fileType: "1 Firmware Upgrade Image", version: "9.9" });
      const serial = sim.devices[0]!.serialNumber;
      const c = await a.operator.post("/api/campaigns", { name: "fw 9.9", filter: `serialNumber = "${serial}"`, fileId: file.id });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      await a.t.acs.campaignRunner.pass();
      const view = (await a.operator.get(`/api/campaigns/${c.body.id}/devices`)).body.devices as { deviceId: string; state: string; taskId: string; waitingForInformSince: string | null; nextAttemptAt: string | null }[];
      assert.deepEqual(view.map((d) => [d.deviceId, d.state, d.nextAttemptAt]), [[decodeURIComponent(id), "in_progress", null]]);
      const task = (await a.operator.get(`/api/tasks/${view[0]!.taskId}`)).body;
      assert.equal(view[0]!.waitingForInformSince, task.createdAt);
      // Its Inform comes: the download is sent, and the device no longer waits.
      clock.advance(INTERVAL_S * 1000);
      await eventually(async () => {
        const d = (await a.operator.get(`/api/campaigns/${c.body.id}/devices`)).body.devices[0];
        return d.waitingForInformSince === null ? true : undefined;
      }, "the download sent at the Inform");
    });

    it("`wait` answers at once when the rate limit refused the connection request, and the task waits for the Inform", async () => {
      const a = await acs({ connectionRequests: { minInterval: 3600, username: CR.username, password: CR.password } });
      const { reports, clock, id } = await device(a, `TW${b}`);
      const first = await a.operator.post(`/api/devices/${id}/tasks`, { ...GPV, connectionRequest: true, wait: 30 });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      await eventually(() => (woken(reports).some((r) => r.ok) ? true : undefined), "the woken session's end");

      let answered = false;
      const second = a.operator.post(`/api/devices/${id}/tasks`, { ...GPV, connectionRequest: true, wait: 60 }).finally(() => {
        answered = true;
      });
      // Only once the call has answered does the device come (its periodic Inform): had the call waited
      // for the task, it would answer with the task done.
      await eventually(() => (answered ? true : undefined), "the answer", 20_000).catch(() => undefined);
      clock.advance(INTERVAL_S * 1000);
      const res = await second;
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.status, "pending");
      assert.equal(res.body.connectionRequest.outcome, "rate-limited");
      assert.ok(res.body.connectionRequest.retryAfterMs > 0);
      // Nobody wakes it: it runs at the device's next Inform.
      assert.equal(res.body.nextAttemptBy, "inform");
      assert.equal(res.body.waitingForInformSince, res.body.createdAt);
      await taskWhen(a, res.body.id, (t) => t.status === "done", "the task at the periodic Inform");
    });

    it("`wait` answers at once with the connection request's failure, and the task shows it waits for the Inform since then", async () => {
      const a = await acs({ connectionRequests: { minInterval: 0, username: CR.username, password: `not-${CR.password}` } });
      const { id } = await device(a, `TF${b}`);
      const res = await a.operator.post(`/api/devices/${id}/tasks`, { ...GPV, connectionRequest: true, wait: 60 });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.body.connectionRequest.outcome, "auth-failed");
      assert.equal(res.body.status, "pending");
      assert.equal(res.body.nextAttemptBy, "inform");
      assert.equal(res.body.nextAttemptAt, null);
      // Since the failed request.
      assert.ok(Date.parse(res.body.waitingForInformSince) >= Date.parse(res.body.connectionRequest.attempts.at(-1).at));
      const listed = (await a.operator.get(`/api/tasks?deviceId=${id}&status=pending`)).body.tasks as { id: string; nextAttemptBy: string }[];
      assert.deepEqual(listed.map((t) => [t.id, t.nextAttemptBy]), [[res.body.id, "inform"]]);
    });
  });
});
