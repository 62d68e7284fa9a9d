// A firmware campaign over 500 simulated devices, on every backend. The devices reach the file server
// through a proxy (files.publicUrl) that, like a broken cache, refuses every tenth device: their
// downloads fail (9016), the campaign pauses at its threshold with the rest held back; with the proxy
// fixed, a resume that retries the failures completes it, every device on the new version. Another
// campaign is aborted and starts nothing more; one outside its maintenance window starts nothing.
// Devices are woken by connection requests; they never inform on their own.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, startSimulation, type Simulation } from "../../src/sim/runtime/index.js";
import type { OutboxEvent } from "../../src/store/index.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { eventually, startApiAcs, type ApiAcs } from "../nbi/support.js";

const N = 500;
const CR = { username: "camp-cr", password: "camp-cr-secret" };
const FW = "1 Firmware Upgrade Image";

/** A forwarding proxy in front of the file server that refuses the devices `refuse` names. */
class FlakyProxy {
  server!: Server;
  target = 0;
  refuse: (deviceId: string) => boolean = () => false;
  refused = new Set<string>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const deviceId = new URL(req.url ?? "/", "http://x").searchParams.get("d") ?? "";
      if (this.refuse(deviceId)) {
        this.refused.add(deviceId);
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end("not in this cache\n");
        return;
      }
      const up = request({ host: "127.0.0.1", port: this.target, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on("error", () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

forEachBackend((backend) => {
  describe(`a firmware campaign over ${N} simulated devices`, () => {
    let t: ApiAcs;
    let sim: Simulation;
    const proxy = new FlakyProxy();
    const productClass = `CAMP${backend.name === "postgres" ? "P" : "S"}`;
    const filter = `productClass = "${productClass}"`;
    const deviceIndex = new Map<string, number>();
    const failing = (deviceId: string) => (deviceIndex.get(deviceId) ?? -1) % 10 === 7;

    before(async () => {
      const proxyUrl = await proxy.start();
      t = await startApiAcs(backend, {
        settings: {
          files: { publicUrl: proxyUrl },
          campaigns: { interval: 0.1 },
          connectionRequests: { username: CR.username, password: CR.password, concurrency: 100 },
        },
      });
      proxy.target = t.acs.filePort!;
      sim = await startSimulation({
        acsUrl: t.url,
        devices: N,
        model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": "86400" } }),
        identity: { acsUsername: t.username, acsPassword: t.password, productClass, serialPrefix: "CMP", connectionRequestUsername: CR.username, connectionRequestPassword: CR.password },
        cpe: { rebootDurationMs: 50 },
        connectionRequests: { burst: 100, refillMs: 10 },
        concurrency: 128,
      });
      sim.devices.forEach((d, i) => deviceIndex.set(deviceIdOf(d.identity), i));
      await eventually(async () => ((await t.acs.store.devices.count({ filter })) === N ? true : undefined), `${N} devices registered`, 60_000, 50);
    });
    after(async () => {
      await sim.stop();
      await t.stop();
      await proxy.close();
    });

    const get = async (id: string) => (await t.api.get(`/api/campaigns/${id}`)).body;
    const versions = () => new Set(sim.devices.map((d) => d.cpe.read("Device.DeviceInfo.SoftwareVersion")));

    it("pauses at its failure threshold with the rest held back; resumed with the failures fixed, it completes", async () => {
      proxy.refuse = failing;
      const file = await t.acs.files.create(Readable.from([randomBytes(64 * 1024)]), { name: "gw-5.0.0.bin", fileType: FW, version: "5.0.0", productClass });
      const res = await t.api.post("/api/campaigns", { name: "gw 5.0.0", filter, fileId: file.id, batchSize: 100, concurrency: 50, maxFailures: 20, taskExpiry: 120 });
      assert.equal(res.status, 201, res.text);
      const id = res.body.id as string;
      const paused = await eventually(async () => {
        const c = await get(id);
        return c.status === "paused" && c.counts.in_progress === 0 ? c : undefined;
      }, "the campaign to pause at its threshold and settle what was under way", 90_000, 50);
      assert.match(paused.pauseReason, /^threshold: \d+ devices failed \(maxFailures 20\)/);
      assert.ok(paused.counts.failed >= 20, JSON.stringify(paused.counts));
      assert.ok(paused.counts.pending + (N - paused.total) > 0, "devices were held back");
      assert.ok(paused.counts.succeeded > 0);
      const failed = (await t.api.get(`/api/campaigns/${id}/devices?state=failed&limit=1000`)).body.devices as { deviceId: string; fault: { code: string } }[];
      assert.equal(failed.length, paused.counts.failed);
      assert.ok(failed.every((d) => failing(d.deviceId) && d.fault.code === "cwmp.9016"), JSON.stringify(failed.slice(0, 3)));
      const ofCampaign = (e: OutboxEvent) => (e.payload as { campaignId?: string }).campaignId === id;
      const types = (await outboxEvents(t.acs.store, ofCampaign, (l) => l.length >= 2)).map((e) => e.type);
      assert.deepEqual(types, ["campaign.started", "campaign.paused"]);
      // Held: nothing starts while it is paused.
      const tasksWhilePaused = (await t.acs.store.tasks.list({ status: ["pending", "waiting"] })).length;
      assert.equal(tasksWhilePaused, 0);

      proxy.refuse = () => false;
      const resumed = await t.api.post(`/api/campaigns/${id}/resume?retryFailed=true`);
      assert.equal(resumed.body.status, "running");
      const done = await eventually(async () => {
        const c = await get(id);
        return c.status === "completed" ? c : undefined;
      }, "the campaign to complete", 120_000, 50);
      assert.deepEqual(done.counts, { pending: 0, in_progress: 0, succeeded: N, failed: 0, skipped: 0, cancelled: 0 });
      assert.deepEqual(versions(), new Set(["5.0.0"]));
      assert.equal(proxy.refused.size, paused.counts.failed, "every refused device, and only those, failed");
      const retried = (await t.api.get(`/api/campaigns/${id}/devices?limit=1000`)).body.devices as { deviceId: string; attempts: number }[];
      for (const d of retried) assert.equal(d.attempts, proxy.refused.has(d.deviceId) ? 2 : 1, d.deviceId);
      const after = (await outboxEvents(t.acs.store, ofCampaign, (l) => l.length >= 4)).map((e) => e.type);
      assert.deepEqual(after, ["campaign.started", "campaign.paused", "campaign.resumed", "campaign.completed"]);
    });

    it("an aborted campaign starts nothing more, and one outside its window starts nothing", async () => {
      const file = await t.acs.files.create(Readable.from([randomBytes(1024)]), { name: "gw-6.0.0.bin", fileType: FW, version: "6.0.0" });
      // Without connection requests the devices (which never inform by themselves) leave their downloads queued.
      const res = await t.api.post("/api/campaigns", { name: "gw 6.0.0", filter, fileId: file.id, batchSize: 100, concurrency: 5, connectionRequest: false });
      const id = res.body.id as string;
      await eventually(async () => ((await get(id)).counts.in_progress === 5 ? true : undefined), "five downloads queued", 20_000, 20);
      const aborted = await t.api.post(`/api/campaigns/${id}/abort`);
      assert.equal(aborted.body.status, "aborted");
      assert.equal(aborted.body.counts.cancelled, 100);
      await t.acs.campaignRunner.pass();
      await t.acs.campaignRunner.pass();
      const tasks = (await t.acs.store.tasks.list({ limit: 100_000 })).filter((x) => (x.args as { fileId?: string }).fileId === file.id);
      assert.equal(tasks.length, 5);
      assert.ok(tasks.every((x) => x.status === "cancelled"));
      assert.equal((await get(id)).status, "aborted");

      const hour = new Date().getUTCHours();
      const closed = { start: `${String((hour + 12) % 24).padStart(2, "0")}:00`, end: `${String((hour + 13) % 24).padStart(2, "0")}:00` };
      const later = await t.api.post("/api/campaigns", { name: "at night", filter, fileId: file.id, window: closed });
      for (let i = 0; i < 3; i++) await t.acs.campaignRunner.pass();
      const waiting = await get(later.body.id as string);
      assert.deepEqual([waiting.status, waiting.total], ["running", 0]);
      assert.equal((await t.acs.store.tasks.list({ limit: 100_000 })).filter((x) => (x.args as { fileId?: string }).fileId === file.id).length, 5);
      assert.deepEqual(versions(), new Set(["5.0.0"]));
    });
  });
});
