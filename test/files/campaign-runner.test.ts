// The campaign runner against the store, on every backend, with a clock the test moves and task
// outcomes written as the ACS would settle them: batches and concurrency, devices skipped, the
// maintenance window holding downloads back, the failure threshold pausing, resume and abort, and
// runners of several processes stepping the same campaign without ever doubling a device's download.

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { FileContent, FileLinks, FileService } from "../../src/files/index.js";
import { CampaignRunner } from "../../src/server/campaign-runner.js";
import { CampaignService, type NewCampaign } from "../../src/server/campaigns.js";
import type { AcsEvent } from "../../src/server/events.js";
import { FileTasks } from "../../src/server/file-tasks.js";
import { silentLogger } from "../../src/server/logger.js";
import { openStore } from "../../src/store/index.js";
import type { FileRecord, Store, TaskRecord } from "../../src/store/types.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";

const FW = "1 Firmware Upgrade Image";

class Clock {
  constructor(public t: number) {}
  now = () => new Date(this.t);
  set(iso: string) {
    this.t = Date.parse(iso);
  }
}

interface Rig {
  store: Store;
  clock: Clock;
  file: FileRecord;
  campaigns: CampaignService;
  runner(owner?: string, store?: Store): CampaignRunner;
  woken: string[];
  published: AcsEvent[];
}

async function rig(store: Store, devices: { serial: string; version: string; productClass?: string }[], dir: string): Promise<Rig> {
  const clock = new Clock(Date.parse("2026-03-02T00:30:00Z"));
  const files = new FileService(store, new FileContent(() => store.files, dir, "database", clock.now), { maxBytes: 1e6, maxUploadBytes: 1e6 }, clock.now);
  const file = await files.create(Readable.from([Buffer.from("image")]), { name: "gw-2.0.bin", fileType: FW, version: "2.0", productClass: "GW" });
  for (const d of devices) {
    const id = `A1B2C3-${d.productClass ?? "GW"}-${d.serial}`;
    await store.devices.recordInform({ id, manufacturer: "M", oui: "A1B2C3", productClass: d.productClass ?? "GW", serialNumber: d.serial, at: clock.now(), address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
    await store.parameters.setValues(id, [{ path: "Device.DeviceInfo.SoftwareVersion", value: d.version, type: "xsd:string" }], clock.now());
  }
  const published: AcsEvent[] = [];
  const woken: string[] = [];
  const campaigns = new CampaignService(store, { taskExpiry: 3600, maxAttempts: 1 }, (e) => published.push(...e), clock.now);
  const fileTasks = new FileTasks(new FileLinks({ baseUrl: "http://files.test:7567/", secret: "s", digest: false }), (id) => store.files.get(id), { tokenTtlSeconds: 3600 });
  return {
    store, clock, file, campaigns, woken, published,
    runner: (owner = "A", s = store) => new CampaignRunner({
      store: s, campaigns: new CampaignService(s, { taskExpiry: 3600, maxAttempts: 1 }, (e) => published.push(...e), clock.now), fileTasks,
      wake: (targets) => woken.push(...targets.map((x) => x.deviceId)), publish: (e) => published.push(...e), log: silentLogger, clock: clock.now,
      intervalMs: 1000, leaseMs: 60_000, onlineWithinMs: 600_000, owner,
    }),
  };
}

const serials = (n: number, version = "1.0") => Array.from({ length: n }, (_, i) => ({ serial: `S${String(i).padStart(3, "0")}`, version }));

async function tasksOf(store: Store, campaignId: string): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  for (const e of await store.campaigns.devices(campaignId)) if (e.taskId !== null) out.push((await store.tasks.get(e.taskId))!);
  return out;
}

/** Settles every download task still queued: done, or failed for the devices `fails` picks. */
async function settleTasks(store: Store, fails: (deviceId: string) => boolean = () => false): Promise<number> {
  let n = 0;
  for (const t of await store.tasks.list({ status: ["pending", "waiting"] })) {
    if (t.name !== "download") continue;
    await store.tasks.update(t.id, fails(t.deviceId) ? { status: "failed", lastFault: { code: "cwmp.9016", message: "HTTP 404" } } : { status: "done", result: { verifiedVersion: "2.0" } });
    n++;
  }
  return n;
}

function create(r: Rig, extra: Partial<NewCampaign> = {}) {
  return r.campaigns.create({ name: "roll", filter: "productClass = \"GW\"", fileId: r.file.id, ...extra });
}

forEachBackend((backend) => {
  describe("the campaign runner", () => {
    it("takes devices in batches, at most `concurrency` at a time, skipping those already on the version or of another product", async () => {
      const store = await backend.open();
      const r = await rig(store, [...serials(10), { serial: "S100", version: "2.0" }, { serial: "X1", version: "1.0", productClass: "OTHER" }], "/nonexistent");
      const c = await create(r, { batchSize: 4, concurrency: 3, filter: "oui = \"A1B2C3\"" });
      const a = r.runner();
      await a.pass();
      let cur = (await store.campaigns.get(c.id))!;
      // Batch 1 = the first 4 devices in id order: 3 start, the fourth waits for room.
      assert.deepEqual([cur.batch, cur.counts.in_progress, cur.counts.pending, cur.counts.skipped], [1, 3, 1, 0]);
      const tasks = await tasksOf(store, c.id);
      assert.equal(tasks.length, 3);
      const args = tasks[0]!.args as { url: string; fileId: string; expectedVersion: string; fileSize: number };
      assert.deepEqual([args.fileId, args.expectedVersion, args.fileSize], [r.file.id, "2.0", 5]);
      assert.match(args.url, /^http:\/\/files\.test:7567\/files\/[0-9a-f]{32}\/gw-2\.0\.bin\?d=/);
      assert.equal(tasks[0]!.maxAttempts, 1);
      assert.equal(tasks[0]!.expiresAt!.getTime(), r.clock.t + 3600_000);
      assert.deepEqual(r.woken.sort(), tasks.map((t) => t.deviceId).sort());
      // Nothing new while those run.
      await a.pass();
      assert.equal((await tasksOf(store, c.id)).length, 3);
      // Settled, batch by batch: the device on 2.0 and the one of another product class are skipped.
      for (let round = 0; round < 10 && (await store.campaigns.get(c.id))!.status === "running"; round++) {
        await settleTasks(store);
        await a.pass();
        const now = (await store.campaigns.get(c.id))!;
        assert.ok(now.counts.in_progress <= 3);
        assert.ok(now.counts.pending + now.counts.in_progress <= 4, "one batch at a time");
      }
      cur = (await store.campaigns.get(c.id))!;
      assert.equal(cur.status, "completed");
      assert.deepEqual(cur.counts, { pending: 0, in_progress: 0, succeeded: 10, failed: 0, skipped: 2, cancelled: 0 });
      assert.deepEqual(cur.counts, await store.campaigns.countDevices(c.id));
      const skipped = await store.campaigns.devices(c.id, { state: ["skipped"] });
      assert.deepEqual(skipped.map((s) => s.fault?.code).sort(), ["campaign.already_on_version", "campaign.other_product"]);
      assert.deepEqual(r.published.filter((e) => e.type.startsWith("campaign.")).map((e) => e.type), ["campaign.started", "campaign.completed"]);
      const outbox = await outboxEvents(store, (e) => e.type.startsWith("campaign."), (l) => l.length >= 2);
      assert.deepEqual(outbox.map((e) => [e.type, e.deviceId]), [["campaign.started", null], ["campaign.completed", null]]);
      assert.deepEqual((outbox[1]!.payload as { counts: object }).counts, cur.counts);
    });

    it("holds downloads back outside the maintenance window: none started, and those not yet sent withdrawn when it closes", async () => {
      const store = await backend.open();
      const r = await rig(store, serials(6), "/nonexistent");
      const c = await create(r, { batchSize: 10, concurrency: 4, window: { start: "01:00", end: "02:00" } });
      const a = r.runner();
      r.clock.set("2026-03-02T00:30:00Z");
      await a.pass();
      assert.deepEqual([(await store.campaigns.get(c.id))!.counts.in_progress, (await store.tasks.list()).length], [0, 0]);
      r.clock.set("2026-03-02T01:10:00Z");
      await a.pass();
      assert.equal((await store.tasks.list({ status: ["pending"] })).length, 4);
      // One of them reached its device (waiting); the window closes.
      const sent = (await store.tasks.list({ status: ["pending"] }))[0]!;
      await store.tasks.update(sent.id, { status: "waiting", result: { status: 1 } });
      r.clock.set("2026-03-02T02:00:00Z");
      await a.pass();
      const cur = (await store.campaigns.get(c.id))!;
      assert.deepEqual([cur.counts.in_progress, cur.counts.pending, cur.status], [1, 5, "running"]);
      assert.equal((await store.tasks.list({ status: ["cancelled"] })).length, 3);
      assert.equal((await store.tasks.get(sent.id))!.status, "waiting");
      // The one under way finishes outside the window and counts; nothing else starts until 01:00 next day.
      await store.tasks.update(sent.id, { status: "done" });
      r.clock.set("2026-03-02T12:00:00Z");
      await a.pass();
      assert.deepEqual([(await store.campaigns.get(c.id))!.counts.succeeded, (await store.tasks.list({ status: ["pending"] })).length], [1, 0]);
      r.clock.set("2026-03-03T01:00:00Z");
      await a.pass();
      assert.equal((await store.tasks.list({ status: ["pending"] })).length, 4);
      const retried = await store.campaigns.devices(c.id, { state: ["in_progress"] });
      assert.ok(retried.every((e) => e.attempts === 1), "a withdrawn download does not count as an attempt");
    });

    it("pauses at its failure threshold, holds what was not sent, and goes on after resume with the failures retried", async () => {
      const store = await backend.open();
      const r = await rig(store, serials(20), "/nonexistent");
      const c = await create(r, { batchSize: 20, concurrency: 5, maxFailures: 2 });
      const a = r.runner();
      await a.pass();
      const bad = new Set((await tasksOf(store, c.id)).slice(0, 2).map((t) => t.deviceId));
      await settleTasks(store, (d) => bad.has(d));
      await a.pass();
      let cur = (await store.campaigns.get(c.id))!;
      assert.equal(cur.status, "paused");
      assert.match(cur.pauseReason!, /^threshold: 2 devices failed/);
      assert.deepEqual([cur.counts.failed, cur.counts.succeeded, cur.counts.in_progress], [2, 3, 0]);
      assert.ok(r.published.some((e) => e.type === "campaign.paused" && e.reason === cur.pauseReason));
      const failed = await store.campaigns.devices(c.id, { state: ["failed"] });
      assert.deepEqual(failed.map((f) => f.fault), [{ code: "cwmp.9016", message: "HTTP 404" }, { code: "cwmp.9016", message: "HTTP 404" }]);
      const before = (await store.tasks.list()).length;
      await a.pass();
      assert.equal((await store.tasks.list()).length, before, "nothing starts while paused");
      await r.campaigns.resume(c.id, { retryFailed: true });
      cur = (await store.campaigns.get(c.id))!;
      assert.deepEqual([cur.status, cur.counts.failed, cur.counts.pending], ["running", 0, 17]);
      for (let round = 0; round < 10 && (await store.campaigns.get(c.id))!.status === "running"; round++) {
        await a.pass();
        await settleTasks(store);
      }
      await a.pass();
      cur = (await store.campaigns.get(c.id))!;
      assert.deepEqual([cur.status, cur.counts.succeeded], ["completed", 20]);
      const twice = await store.campaigns.devices(c.id);
      assert.deepEqual(twice.filter((e) => bad.has(e.deviceId)).map((e) => e.attempts), [2, 2]);
    });

    it("a pause leaves the download of a device in a session (it may have been sent) and withdraws it once the session ended", async () => {
      const store = await backend.open();
      const r = await rig(store, serials(3), "/nonexistent");
      const c = await create(r, { batchSize: 3, concurrency: 3 });
      const a = r.runner();
      await a.pass();
      const [busy, ...idle] = await tasksOf(store, c.id);
      await store.sessions.acquire(busy!.deviceId, "in-session", {}, new Date(r.clock.t + 60_000));
      await r.campaigns.pause(c.id);
      await a.pass();
      assert.equal((await store.tasks.get(busy!.id))!.status, "pending", "the device in a session keeps its download");
      assert.deepEqual(idle.map((t) => t.id).sort(), (await store.tasks.list({ status: ["cancelled"] })).map((t) => t.id).sort());
      let cur = (await store.campaigns.get(c.id))!;
      assert.deepEqual([cur.counts.in_progress, cur.counts.pending], [1, 2]);
      await store.sessions.end("in-session");
      await a.pass();
      assert.equal((await store.tasks.get(busy!.id))!.status, "cancelled");
      cur = (await store.campaigns.get(c.id))!;
      assert.deepEqual([cur.counts.in_progress, cur.counts.pending], [0, 3]);
    });

    it("abort cancels what has not finished: devices not started and queued downloads", async () => {
      const store = await backend.open();
      const r = await rig(store, serials(8), "/nonexistent");
      const c = await create(r, { batchSize: 8, concurrency: 3 });
      const a = r.runner();
      await a.pass();
      const aborted = await r.campaigns.abort(c.id);
      assert.equal(aborted.status, "aborted");
      assert.deepEqual(aborted.counts, { pending: 0, in_progress: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 8 });
      assert.equal((await store.tasks.list({ status: ["cancelled"] })).length, 3);
      await a.pass();
      assert.equal((await store.tasks.list()).length, 3, "no task after the abort");
      await assert.rejects(r.campaigns.resume(c.id), (e: unknown) => (e as { code?: string }).code === "CAMPAIGN_STATE");
    });

    it("runners of several processes step one campaign without doubling a download; a lapsed lease is taken over", async () => {
      const url = await backend.freshUrl();
      const s1 = await openStore(url);
      const s2 = await openStore(url);
      try {
        const r = await rig(s1, serials(60), "/nonexistent");
        const c = await create(r, { batchSize: 25, concurrency: 10 });
        const a = r.runner("A", s1);
        const b = r.runner("B", s2);
        // Both step it directly (as if each held the lease in turn): the lock keeps them apart.
        for (let round = 0; round < 40 && (await s1.campaigns.get(c.id))!.status === "running"; round++) {
          await Promise.all([a.step(c.id), b.step(c.id), a.step(c.id)]);
          await settleTasks(s1);
          r.clock.t += 61_000; // every lease lapses between rounds: any runner may take it
        }
        const cur = (await s1.campaigns.get(c.id))!;
        assert.equal(cur.status, "completed");
        assert.deepEqual(cur.counts, await s1.campaigns.countDevices(c.id));
        assert.equal(cur.counts.succeeded, 60);
        const downloads = (await s1.tasks.list()).filter((t) => t.name === "download");
        assert.equal(downloads.length, 60, "one download per device");
        assert.equal(new Set(downloads.map((t) => t.deviceId)).size, 60);
        // Leases: while A holds a campaign, B's pass leaves it alone; once A stops renewing, B takes it.
        const c2 = await create(r, { batchSize: 5, concurrency: 1 });
        assert.equal((await a.step(c2.id)).claimed, true);
        assert.deepEqual((await b.pass()).map((x) => x.campaignId), []);
        assert.equal((await b.step(c2.id)).claimed, false);
        r.clock.t += 60_001;
        assert.equal((await b.step(c2.id)).claimed, true);
        assert.equal((await s1.campaigns.get(c2.id))!.claimedBy, "B");
        // A runner that stops gives its leases up: the other takes the campaign at once.
        await b.stop();
        assert.equal((await s1.campaigns.get(c2.id))!.claimedBy, null);
        assert.equal((await a.step(c2.id)).claimed, true);
      } finally {
        await s1.close();
        await s2.close();
      }
    });

    it("a runner that takes a campaign over wakes the queued downloads its holder never woke, once, and no others", async () => {
      const url = await backend.freshUrl();
      const s1 = await openStore(url);
      const s2 = await openStore(url);
      try {
        const r = await rig(s1, serials(6), "/nonexistent");
        const c = await create(r, { batchSize: 6, concurrency: 4 });
        // A queues four downloads and dies after its commit: of its connection requests, one was made (and recorded).
        assert.equal((await r.runner("A", s1).step(c.id)).started, 4);
        const queued = await tasksOf(s1, c.id);
        await s1.tasks.recordWake(queued[0]!.id, r.clock.now(), "accepted");
        r.woken.length = 0;
        const b = r.runner("B", s2);
        assert.equal((await b.step(c.id)).claimed, false, "A's lease still holds");
        assert.deepEqual(r.woken, []);
        r.clock.t += 60_001;
        assert.equal((await b.step(c.id)).claimed, true);
        assert.deepEqual(r.woken.sort(), queued.slice(1).map((t) => t.deviceId).sort());
        // Once: B's next steps wake only what they start.
        await b.step(c.id);
        assert.equal(r.woken.length, 3);
        await settleTasks(s1);
        await b.step(c.id);
        assert.deepEqual(r.woken.slice(3).sort(), (await tasksOf(s1, c.id)).filter((t) => t.status === "pending").map((t) => t.deviceId).sort());
        assert.equal(r.woken.length, 5);
      } finally {
        await s1.close();
        await s2.close();
      }
    });

    it("settles downloads that expired before reaching their device as not started, and fails them after a few", async () => {
      const store = await backend.open();
      const r = await rig(store, serials(1), "/nonexistent");
      const c = await create(r, { batchSize: 1, concurrency: 1 });
      const a = r.runner();
      for (let i = 0; i < 3; i++) {
        await a.pass();
        const [t] = await store.tasks.list({ status: ["pending"] });
        await store.tasks.update(t!.id, { status: "expired" });
      }
      await a.pass();
      const [entry] = await store.campaigns.devices(c.id);
      assert.deepEqual([entry?.state, entry?.attempts, entry?.fault?.code], ["failed", 3, "campaign.not_reached"]);
      assert.equal((await store.campaigns.get(c.id))!.status, "completed");
    });
  });
});
