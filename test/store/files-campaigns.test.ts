// The storage of files, device uploads and campaigns (migration 4), on every backend: content in
// chunks, files replaced and deleted with their content left for the caller, orphans found, campaign
// leases that one owner holds at a time, entries that are unique per device and settle from tasks.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreError } from "../../src/store/index.js";
import type { CampaignRecord, NewFile, Store } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";

const T0 = new Date("2026-03-01T10:00:00.000Z");
const at = (s: number) => new Date(T0.getTime() + s * 1000);

async function device(store: Store, serial: string): Promise<string> {
  const id = `A1B2C3-GW-${serial}`;
  await store.devices.recordInform({ id, manufacturer: "M", oui: "A1B2C3", productClass: "GW", serialNumber: serial, at: T0, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.2", events: [] });
  return id;
}

function newFile(id: string, contentKey: string, extra: Partial<NewFile> = {}): NewFile {
  return {
    id, kind: "file", name: "gw-1.0.bin", fileType: "1 Firmware Upgrade Image", oui: "", productClass: "", version: "1.0", description: "",
    contentType: "application/octet-stream", size: 5, sha256: "ab".repeat(32), contentKey, deviceId: null, createdAt: T0, updatedAt: T0, ...extra,
  };
}

function campaign(id: string, fileId: string): CampaignRecord {
  return {
    id, name: "c", filter: "true", fileId, status: "running", pauseReason: null, settings: { batchSize: 10 }, cursor: null, enumerated: false, batch: 0,
    counts: { pending: 0, in_progress: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 }, claimedBy: null, claimUntil: null,
    createdAt: T0, updatedAt: T0, completedAt: null, tenant: null,
  };
}

forEachBackend((backend) => {
  describe("files", () => {
    it("keeps content in chunks, read back by number; a chunk of content never begun is refused", async () => {
      const store = await backend.open();
      await store.files.beginContent("k1", "database", T0, 4);
      await store.files.putChunk("k1", 0, Buffer.from("abcd"));
      await store.files.putChunk("k1", 1, new Uint8Array([0, 255, 7]));
      assert.deepEqual(await store.files.chunk("k1", 0), Buffer.from("abcd"));
      assert.deepEqual([...(await store.files.chunk("k1", 1))!], [0, 255, 7]);
      assert.equal(await store.files.chunk("k1", 2), null);
      await assert.rejects(store.files.putChunk("nope", 0, Buffer.from("x")), (e: unknown) => e instanceof StoreError && e.code === "STORE_UNKNOWN_REFERENCE");
    });

    it("creates, lists, counts and deletes files; a replaced upload gives back its old content", async () => {
      const store = await backend.open();
      const dev = await device(store, "S1");
      for (const k of ["c1", "c2", "c3", "c4"]) await store.files.beginContent(k, k === "c1" ? "disk" : "database", T0, k === "c1" ? null : 1024);
      const a = await store.files.put(newFile("f1", "c1", { createdAt: at(1), updatedAt: at(1) }));
      assert.equal(a.replaced, null);
      assert.deepEqual([a.file.storage, a.file.chunkSize, a.file.version], ["disk", null, "1.0"]);
      await store.files.put(newFile("f2", "c2", { createdAt: at(2), updatedAt: at(2), productClass: "GW", fileType: "3 Vendor Configuration File" }));
      const up = await store.files.put(newFile("u1", "c3", { kind: "upload", deviceId: dev, fileType: "2 Vendor Log File", createdAt: at(3), updatedAt: at(3) }));
      assert.equal(up.file.deviceId, dev);
      assert.deepEqual((await store.files.list({ kind: "file" })).map((f) => f.id), ["f2", "f1"]);
      assert.deepEqual((await store.files.list({ productClass: "GW" })).map((f) => f.id), ["f2"]);
      assert.deepEqual((await store.files.list({ kind: "upload", deviceId: dev })).map((f) => f.id), ["u1"]);
      assert.equal(await store.files.count({ kind: "file" }), 2);
      assert.deepEqual((await store.files.list({ kind: "file", limit: 1, offset: 1 })).map((f) => f.id), ["f1"]);
      const again = await store.files.put(newFile("u1", "c4", { kind: "upload", deviceId: dev, fileType: "2 Vendor Log File", size: 9, createdAt: at(3), updatedAt: at(4) }));
      assert.equal(again.replaced, "c3");
      assert.deepEqual([again.file.size, again.file.contentKey, again.file.createdAt.getTime(), again.file.updatedAt.getTime()], [9, "c4", at(3).getTime(), at(4).getTime()]);
      // c3 is no one's now: an orphan, and deletable; c4 is referred to: kept.
      assert.deepEqual((await store.files.orphanContents(at(100), 10)).map((o) => o.key), ["c3"]);
      assert.equal(await store.files.deleteContent("c4"), false);
      assert.equal(await store.files.deleteContent("c3"), true);
      const gone = await store.files.delete("f2");
      assert.equal(gone?.contentKey, "c2");
      assert.equal(await store.files.get("f2"), null);
      assert.equal(await store.files.delete("f2"), null);
      // Young content is not an orphan yet (an upload may still be writing it).
      assert.deepEqual((await store.files.orphanContents(T0, 10)).map((o) => o.key), []);
      assert.deepEqual((await store.files.orphanContents(at(100), 10)).map((o) => o.key), ["c2"]);
    });

    it("attaches uploads to devices that exist, and forgets them with the device", async () => {
      const store = await backend.open();
      const dev = await device(store, "S2");
      await store.files.beginContent("c1", "database", T0, 1024);
      await assert.rejects(store.files.put(newFile("u0", "c1", { kind: "upload", deviceId: "A1B2C3-GW-NONE" })), (e: unknown) => e instanceof StoreError && e.code === "STORE_UNKNOWN_REFERENCE");
      await store.files.put(newFile("u1", "c1", { kind: "upload", deviceId: dev }));
      assert.equal(await store.devices.delete(dev), true);
      assert.equal(await store.files.get("u1"), null);
      assert.deepEqual((await store.files.orphanContents(at(1), 10)).map((o) => o.key), ["c1"]);
    });
  });

  describe("campaigns", () => {
    it("gives the lease to one owner at a time, to another once it expires", async () => {
      const store = await backend.open();
      await store.campaigns.create(campaign("c1", "f1"));
      const a = await store.campaigns.claim("c1", "A", T0, at(60));
      assert.equal(a?.claimedBy, "A");
      assert.equal(await store.campaigns.claim("c1", "B", at(30), at(90)), null);
      assert.equal((await store.campaigns.claim("c1", "A", at(30), at(90)))?.claimUntil?.getTime(), at(90).getTime());
      assert.equal((await store.campaigns.claim("c1", "B", at(90), at(150)))?.claimedBy, "B");
      assert.equal(await store.campaigns.claim("nope", "A", T0, at(1)), null);
      // B gives its leases up (stopping): A takes c1 at once, long before B's lease would have run out.
      assert.equal(await store.campaigns.release("B"), 1);
      assert.equal(await store.campaigns.release("B"), 0);
      assert.equal((await store.campaigns.claim("c1", "A", at(91), at(151)))?.claimedBy, "A");
      // Concurrent claims: exactly one wins.
      await store.campaigns.create(campaign("c2", "f1"));
      const wins = await Promise.all(["P", "Q", "R", "S"].map((o) => store.campaigns.claim("c2", o, T0, at(60))));
      assert.equal(wins.filter((w) => w !== null).length, 1);
      assert.equal((await store.campaigns.lock("c2"))?.claimedBy, wins.find((w) => w !== null)!.claimedBy);
    });

    it("keeps one entry per device, pages them by state, and moves them", async () => {
      const store = await backend.open();
      await store.campaigns.create(campaign("c1", "f1"));
      const ids = ["d3", "d1", "d2", "d5", "d4"];
      assert.equal(await store.campaigns.addDevices("c1", ids.map((d) => ({ deviceId: d, state: "pending" as const, batch: 1 })), T0), 5);
      assert.equal(await store.campaigns.addDevices("c1", [{ deviceId: "d1", state: "skipped", batch: 2, fault: { code: "x", message: "y" } }, { deviceId: "d6", state: "skipped", batch: 2, fault: { code: "campaign.already_on_version", message: "on it" } }], T0), 1);
      assert.deepEqual((await store.campaigns.devices("c1", { state: ["pending"], limit: 2 })).map((d) => d.deviceId), ["d1", "d2"]);
      assert.deepEqual((await store.campaigns.devices("c1", { state: ["pending"], after: "d2" })).map((d) => d.deviceId), ["d3", "d4", "d5"]);
      const skipped = await store.campaigns.getDevice("c1", "d6");
      assert.deepEqual([skipped?.state, skipped?.batch, skipped?.fault], ["skipped", 2, { code: "campaign.already_on_version", message: "on it" }]);
      assert.equal(await store.campaigns.updateDevice("c1", "d1", ["pending"], { state: "in_progress", taskId: "t1", attempts: 1 }, at(1)), true);
      assert.equal(await store.campaigns.updateDevice("c1", "d1", ["pending"], { state: "failed" }, at(1)), false);
      assert.equal(await store.campaigns.updateDevice("c1", "d2", ["pending"], { state: "failed", fault: { code: "cwmp.9016", message: "no" } }, at(1)), true);
      assert.deepEqual(await store.campaigns.countDevices("c1"), { pending: 3, in_progress: 1, succeeded: 0, failed: 1, skipped: 1, cancelled: 0 });
      assert.equal(await store.campaigns.moveDevices("c1", ["failed"], "pending", at(2)), 1);
      const retried = await store.campaigns.getDevice("c1", "d2");
      assert.deepEqual([retried?.state, retried?.fault, retried?.taskId], ["pending", null, null]);
      assert.equal(await store.campaigns.moveDevices("c1", ["pending", "in_progress"], "cancelled", at(3), { code: "campaign.aborted", message: "aborted" }), 5);
      assert.deepEqual(await store.campaigns.countDevices("c1"), { pending: 0, in_progress: 0, succeeded: 0, failed: 0, skipped: 1, cancelled: 5 });
      assert.equal(await store.campaigns.delete("c1"), true);
      assert.deepEqual(await store.campaigns.devices("c1"), []);
    });

    it("finds in-progress entries whose task finished or vanished, with the task's outcome", async () => {
      const store = await backend.open();
      const d1 = await device(store, "T1");
      const d2 = await device(store, "T2");
      const d3 = await device(store, "T3");
      await store.campaigns.create(campaign("c1", "f1"));
      await store.campaigns.addDevices("c1", [d1, d2, d3, "gone-device"].map((d) => ({ deviceId: d, state: "pending" as const, batch: 1 })), T0);
      const t1 = await store.tasks.create({ deviceId: d1, name: "download", args: {} }, T0);
      const t2 = await store.tasks.create({ deviceId: d2, name: "download", args: {} }, T0);
      const t3 = await store.tasks.create({ deviceId: d3, name: "download", args: {} }, T0);
      for (const [d, t] of [[d1, t1.id], [d2, t2.id], [d3, t3.id], ["gone-device", "no-such-task"]] as const) {
        await store.campaigns.updateDevice("c1", d, ["pending"], { state: "in_progress", taskId: t }, T0);
      }
      await store.tasks.update(t1.id, { status: "done", result: { ok: 1 } });
      await store.tasks.update(t2.id, { status: "failed", lastFault: { code: "cwmp.9016", message: "HTTP 404" } });
      await store.tasks.update(t3.id, { status: "waiting" });
      const settled = await store.campaigns.settled("c1", 10);
      assert.deepEqual(settled.map((s) => [s.deviceId, s.status]).sort(), [[d1, "done"], [d2, "failed"], ["gone-device", null]].sort());
      assert.deepEqual(settled.find((s) => s.deviceId === d2)?.lastFault, { code: "cwmp.9016", message: "HTTP 404" });
      assert.deepEqual(settled.find((s) => s.deviceId === d1)?.result, { ok: 1 });
      assert.equal((await store.campaigns.settled("c1", 1)).length, 1);
    });

    it("lists by status and file, changes fields, and reads settings and counts back as written", async () => {
      const store = await backend.open();
      await store.campaigns.create({ ...campaign("c1", "f1"), createdAt: at(1) });
      await store.campaigns.create({ ...campaign("c2", "f2"), status: "paused", pauseReason: "created", createdAt: at(2) });
      assert.deepEqual((await store.campaigns.list()).map((c) => c.id), ["c2", "c1"]);
      assert.deepEqual((await store.campaigns.list({ status: ["running"] })).map((c) => c.id), ["c1"]);
      assert.deepEqual((await store.campaigns.list({ fileId: "f2" })).map((c) => c.id), ["c2"]);
      const counts = { pending: 1, in_progress: 2, succeeded: 3, failed: 4, skipped: 5, cancelled: 6 };
      const updated = await store.campaigns.update("c1", { status: "completed", counts, cursor: "d9", enumerated: true, batch: 3, completedAt: at(5), settings: { batchSize: 7, window: { start: "01:00", end: "02:00" } } });
      assert.deepEqual([updated?.status, updated?.counts, updated?.cursor, updated?.enumerated, updated?.batch, updated?.completedAt?.getTime()], ["completed", counts, "d9", true, 3, at(5).getTime()]);
      assert.deepEqual((await store.campaigns.get("c1"))?.settings, { batchSize: 7, window: { start: "01:00", end: "02:00" } });
      assert.equal(await store.campaigns.update("nope", { status: "paused" }), null);
    });
  });
});
