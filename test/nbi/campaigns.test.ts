// Campaigns through the REST API, on every backend: created with their settings checked, progress and
// per-device outcome, pause, resume, abort and delete as the campaign's status allows, by the roles
// allowed to, with their events on the event stream's outbox. The runner is stepped by the test.

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import type { FileRecord } from "../../src/store/types.js";
import { outboxEvents } from "../support/outbox.js";
import { forEachBackend } from "../support/pg.js";
import { isError, startApiAcs, type ApiAcs } from "./support.js";

const T0 = new Date();

forEachBackend((backend) => {
  describe("campaigns through the API", () => {
    let t: ApiAcs;
    let file: FileRecord;
    let readOnly: string;
    let operator: string;
    const ids: string[] = [];
    before(async () => {
      // The runner's timer is far off: the test steps it.
      t = await startApiAcs(backend, { settings: { campaigns: { interval: 3600 } } });
      readOnly = await t.keyFor("read-only");
      operator = await t.keyFor("operator");
      file = await t.acs.files.create(Readable.from([Buffer.from("firmware")]), { name: "cpe-3.1.bin", fileType: "1 Firmware Upgrade Image", version: "3.1" });
      for (let i = 0; i < 6; i++) {
        const id = `00D09E-CPE-C${i}`;
        ids.push(id);
        await t.acs.store.devices.recordInform({ id, manufacturer: "M", oui: "00D09E", productClass: "CPE", serialNumber: `C${i}`, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
        await t.acs.store.parameters.setValues(id, [{ path: "Device.DeviceInfo.SoftwareVersion", value: i === 5 ? "3.1" : "3.0", type: "xsd:string" }], T0);
      }
    });
    after(() => t.stop());

    it("creates a campaign (operator), shows its progress and each device's outcome (read-only)", async () => {
      const op = t.api.with(operator);
      const res = await op.post("/api/campaigns", { name: "cpe 3.1", filter: "productClass = \"CPE\"", fileId: file.id, batchSize: 10, concurrency: 2, maxFailureRate: 0.5, minSettled: 2, window: { start: "00:00", end: "00:00" } });
      assert.equal(res.status, 201, res.text);
      const c = res.body;
      assert.deepEqual([c.status, c.batchSize, c.concurrency, c.maxFailures, c.maxFailureRate, c.connectionRequest, c.total], ["running", 10, 2, null, 0.5, true, 0]);
      assert.deepEqual(c.window, { start: "00:00", end: "00:00" });
      await t.acs.campaignRunner.pass();
      const ro = t.api.with(readOnly);
      const cur = (await ro.get(`/api/campaigns/${c.id}`)).body;
      assert.deepEqual([cur.total, cur.counts.in_progress, cur.counts.pending, cur.counts.skipped, cur.batch], [6, 2, 3, 1, 1]);
      const page = await ro.get(`/api/campaigns/${c.id}/devices?limit=4`);
      assert.deepEqual(page.body.devices.map((d: { deviceId: string }) => d.deviceId), ids.slice(0, 4));
      assert.equal(page.body.next, ids[3]);
      const rest = await ro.get(`/api/campaigns/${c.id}/devices?after=${encodeURIComponent(page.body.next as string)}`);
      assert.deepEqual([rest.body.devices.length, rest.body.next], [2, null]);
      const skipped = await ro.get(`/api/campaigns/${c.id}/devices?state=skipped`);
      assert.deepEqual(skipped.body.devices.map((d: { deviceId: string; fault: { code: string } }) => [d.deviceId, d.fault.code]), [[ids[5], "campaign.already_on_version"]]);
      const running = await ro.get(`/api/campaigns/${c.id}/devices?state=in_progress`);
      const taskId = running.body.devices[0].taskId as string;
      assert.equal((await ro.get(`/api/tasks/${taskId}`)).body.args.fileId, file.id);
      assert.ok((await ro.get("/api/campaigns?status=running")).body.campaigns.some((x: { id: string }) => x.id === c.id));
      isError(await ro.post(`/api/campaigns/${c.id}/pause`), 403, "FORBIDDEN");
      // Two devices fail: half of those settled, the threshold: it pauses by itself.
      for (const d of running.body.devices as { taskId: string }[]) await t.acs.store.tasks.update(d.taskId, { status: "failed", lastFault: { code: "cwmp.9010", message: "too big" } });
      await t.acs.campaignRunner.pass();
      const paused = (await ro.get(`/api/campaigns/${c.id}`)).body;
      assert.equal(paused.status, "paused");
      assert.match(paused.pauseReason, /^threshold: 2 of 2 settled devices failed/);
      const failed = await ro.get(`/api/campaigns/${c.id}/devices?state=failed`);
      assert.deepEqual(failed.body.devices.map((d: { fault: { code: string } }) => d.fault.code), ["cwmp.9010", "cwmp.9010"]);
      const events = await outboxEvents(t.acs.store, (e) => e.type.startsWith("campaign.") && (e.payload as { campaignId: string }).campaignId === c.id, (l) => l.length >= 2);
      assert.deepEqual(events.map((e) => e.type), ["campaign.started", "campaign.paused"]);
      // Raise the threshold, resume; the failures stay failed (no retryFailed).
      const patched = await op.patch(`/api/campaigns/${c.id}`, { maxFailureRate: null, maxFailures: 10 });
      assert.deepEqual([patched.status, patched.body.maxFailureRate, patched.body.maxFailures], [200, null, 10]);
      const resumed = await op.post(`/api/campaigns/${c.id}/resume`);
      assert.equal(resumed.body.status, "running");
      isError(await op.post(`/api/campaigns/${c.id}/resume`), 409, "CAMPAIGN_STATE");
      await t.acs.campaignRunner.pass();
      assert.equal((await ro.get(`/api/campaigns/${c.id}`)).body.counts.in_progress, 2);
      // Pause by hand: the queued downloads (not yet sent) are withdrawn by the next step.
      const pausedByHand = await op.post(`/api/campaigns/${c.id}/pause`);
      assert.deepEqual([pausedByHand.body.status, pausedByHand.body.pauseReason], ["paused", "operator"]);
      await t.acs.campaignRunner.pass();
      assert.deepEqual((await ro.get(`/api/campaigns/${c.id}`)).body.counts, { pending: 3, in_progress: 0, succeeded: 0, failed: 2, skipped: 1, cancelled: 0 });
      isError(await op.post(`/api/campaigns/${c.id}/pause`), 409, "CAMPAIGN_STATE");
      // Resume retrying the failures, then abort.
      assert.equal((await op.post(`/api/campaigns/${c.id}/resume?retryFailed=true`)).body.counts.failed, 0);
      isError(await op.del(`/api/campaigns/${c.id}`), 403, "FORBIDDEN");
      isError(await t.api.del(`/api/campaigns/${c.id}`), 409, "CAMPAIGN_STATE");
      const aborted = await op.post(`/api/campaigns/${c.id}/abort`);
      assert.deepEqual([aborted.body.status, aborted.body.counts.cancelled], ["aborted", 5]);
      isError(await op.patch(`/api/campaigns/${c.id}`, { concurrency: 3 }), 409, "CAMPAIGN_STATE");
      assert.equal((await t.api.del(`/api/campaigns/${c.id}`)).status, 204);
      isError(await ro.get(`/api/campaigns/${c.id}`), 404, "CAMPAIGN_NOT_FOUND");
      isError(await ro.get(`/api/campaigns/${c.id}/devices`), 404, "CAMPAIGN_NOT_FOUND");
      isError(await op.post(`/api/campaigns/${c.id}/abort`), 404, "CAMPAIGN_NOT_FOUND");
    });

    it("refuses what is not a campaign: unknown file, bad filter, window or numbers", async () => {
      const op = t.api.with(operator);
      const base = { name: "x", filter: "productClass = \"CPE\"", fileId: file.id };
      isError(await op.post("/api/campaigns", { ...base, fileId: "0".repeat(32) }), 404, "FILE_NOT_FOUND");
      isError(await op.post("/api/campaigns", { ...base, filter: "productClass =" }), 400, "FILTER_INVALID");
      const bad = await op.post("/api/campaigns", { ...base, window: { start: "25:00", end: "01:00" } });
      isError(bad, 400, "VALIDATION");
      const cron = await op.post("/api/campaigns", { ...base, window: { cron: "61 * * * *", duration: 600 } });
      isError(cron, 400, "VALIDATION");
      assert.equal(cron.body.error.details[0].field, "window.cron");
      isError(await op.post("/api/campaigns", { ...base, concurrency: 0 }), 400, "VALIDATION");
      isError(await op.post("/api/campaigns", { ...base, maxFailureRate: 1.5 }), 400, "VALIDATION");
      const draft = await op.post("/api/campaigns", { ...base, start: false, window: { cron: "0 2 * * *", duration: 7200 } });
      assert.deepEqual([draft.status, draft.body.status, draft.body.pauseReason], [201, "paused", "created"]);
      assert.deepEqual((await op.get(`/api/campaigns/${draft.body.id}`)).body, draft.body, "the campaign as GET answers it, not wrapped");
      await t.acs.campaignRunner.pass();
      assert.equal((await op.get(`/api/campaigns/${draft.body.id}`)).body.total, 0, "a campaign created paused takes in no device");
    });
  });
});
