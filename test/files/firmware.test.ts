// Firmware downloads by file id, checked against the version the device reports after its reboot, and
// uploads from devices, on every backend: first with a scripted CPE that sends exactly the messages
// under test (TransferComplete before and after the reboot), then with simulated devices that really
// download from the file server, reboot into the new image and upload their configuration.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { xsdValue, type CwmpMessage } from "../../src/cwmp/index.js";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, startSimulation, type Simulation } from "../../src/sim/runtime/index.js";
import type { FileRecord, TaskRecord } from "../../src/store/types.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";
import { startApiAcs, type ApiAcs } from "../nbi/support.js";
import { http, sha256 } from "./http.js";

const FW = "1 Firmware Upgrade Image";
const T0 = "2026-11-21T10:00:00Z";
const CR = { username: "cr-user", password: "cr-secret" };

function storeFile(t: ApiAcs, name: string, version: string, bytes = randomBytes(4096)): Promise<FileRecord> {
  return t.acs.files.create(Readable.from([bytes]), { name, fileType: FW, version });
}

const sv = (v: string) => [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", v) }];

forEachBackend((backend) => {
  describe("the version check after a firmware download (scripted CPE)", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend);
    });
    after(() => t.stop());

    /** A device that has taken a download of `file` (answered status 1); returns it with the task and the Download it got. */
    async function downloading(file: FileRecord): Promise<{ c: TestCpe; task: TaskRecord; dl: Extract<CwmpMessage, { method: "Download" }> }> {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"], sv("1.0.0"));
      await c.send(null);
      const task = await t.acs.tasks.create(c.deviceId, "download", { fileId: file.id });
      await c.inform(["6 CONNECTION REQUEST"], sv("1.0.0"));
      const rpc = await c.send(null);
      const dl = rpcIn(rpc) as Extract<CwmpMessage, { method: "Download" }>;
      assert.equal(dl.method, "Download");
      const end = await c.answer(rpc, { method: "DownloadResponse", status: 1, startTime: "0001-01-01T00:00:00Z", completeTime: "0001-01-01T00:00:00Z" });
      assert.equal(end.status, 204);
      assert.equal((await t.acs.tasks.get(task.id))?.status, "waiting");
      return { c, task, dl };
    }

    async function transferComplete(c: TestCpe, dl: { commandKey: string }, events: string[], version: string): Promise<void> {
      await c.inform([...events, "7 TRANSFER COMPLETE", `M Download|${dl.commandKey}`], sv(version));
      const tc = await c.send({ method: "TransferComplete", commandKey: dl.commandKey, faultStruct: { faultCode: 0, faultString: "" }, startTime: T0, completeTime: T0 });
      assert.deepEqual(rpcIn(tc), { method: "TransferCompleteResponse" });
      assert.equal((await c.send(null)).status, 204);
    }

    it("is done when the device rebooted into the file's version before its TransferComplete", async () => {
      const file = await storeFile(t, "gw-2.0.0.bin", "2.0.0");
      const { c, task, dl } = await downloading(file);
      assert.equal(dl.fileSize, 4096);
      await transferComplete(c, dl, ["1 BOOT"], "2.0.0");
      const done = await t.acs.tasks.get(task.id);
      assert.equal(done?.status, "done");
      assert.equal((done?.result as { verifiedVersion: string }).verifiedVersion, "2.0.0");
      c.close();
    });

    it("fails with firmware.version_mismatch when the rebooted device reports another version", async () => {
      const file = await storeFile(t, "gw-2.1.0.bin", "2.1.0");
      const { c, task, dl } = await downloading(file);
      await transferComplete(c, dl, ["1 BOOT"], "1.0.0");
      const failed = await t.acs.tasks.get(task.id);
      assert.equal(failed?.status, "failed");
      assert.equal(failed?.lastFault?.code, "firmware.version_mismatch");
      assert.match(failed!.lastFault!.message, /"1\.0\.0", not "2\.1\.0"/);
      assert.deepEqual((await t.acs.store.faults.list({ deviceId: c.deviceId })).map((f) => f.code), ["firmware.version_mismatch"]);
      c.close();
    });

    it("waits for the reboot when TransferComplete comes first, then checks the version the boot Inform reports", async () => {
      const file = await storeFile(t, "gw-2.2.0.bin", "2.2.0");
      const good = await downloading(file);
      const bad = await downloading(file);
      for (const d of [good, bad]) {
        await transferComplete(d.c, d.dl, [], "1.0.0");
        const waiting = await t.acs.tasks.get(d.task.id);
        assert.equal(waiting?.status, "waiting");
        assert.equal((waiting?.result as { verifying: { expectedVersion: string } }).verifying.expectedVersion, "2.2.0");
        // A periodic Inform (no reboot) changes nothing.
        await d.c.inform(["2 PERIODIC"], sv("1.0.0"));
        await d.c.send(null);
        assert.equal((await t.acs.tasks.get(d.task.id))?.status, "waiting");
      }
      await good.c.inform(["1 BOOT"], sv("2.2.0"));
      await good.c.send(null);
      const done = await t.acs.tasks.get(good.task.id);
      assert.equal(done?.status, "done");
      assert.deepEqual([(done?.result as { verifiedVersion: string }).verifiedVersion, (done?.result as { verifying?: unknown }).verifying], ["2.2.0", undefined]);
      await bad.c.inform(["1 BOOT"], sv("1.0.0"));
      await bad.c.send(null);
      const failed = await t.acs.tasks.get(bad.task.id);
      assert.deepEqual([failed?.status, failed?.lastFault?.code], ["failed", "firmware.version_mismatch"]);
      good.c.close();
      bad.c.close();
    });

    it("checks a version given by hand for a download by URL, and none for a file without a version", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"], sv("1.0.0"));
      await c.send(null);
      const byUrl = await t.acs.tasks.create(c.deviceId, "download", { url: "http://cdn.example.net/gw.bin", fileType: FW, expectedVersion: "7.0" });
      const plain = await t.acs.tasks.create(c.deviceId, "download", { fileId: (await t.acs.files.create(Readable.from([Buffer.from("x")]), { name: "x.bin", fileType: FW })).id });
      assert.equal((plain.args as { expectedVersion?: string }).expectedVersion, undefined);
      await c.inform(["6 CONNECTION REQUEST"], sv("1.0.0"));
      let rpc = await c.send(null);
      const keys: string[] = [];
      while (rpc.status === 200) {
        keys.push((rpcIn(rpc) as { commandKey: string }).commandKey);
        rpc = await c.answer(rpc, { method: "DownloadResponse", status: 1, startTime: "0001-01-01T00:00:00Z", completeTime: "0001-01-01T00:00:00Z" });
      }
      assert.equal(keys.length, 2);
      await c.inform(["1 BOOT", "7 TRANSFER COMPLETE"], sv("7.0"));
      for (const k of keys) await c.send({ method: "TransferComplete", commandKey: k, faultStruct: { faultCode: 0, faultString: "" }, startTime: T0, completeTime: T0 });
      await c.send(null);
      assert.equal((await t.acs.tasks.get(byUrl.id))?.status, "done");
      assert.equal((await t.acs.tasks.get(plain.id))?.status, "done");
      c.close();
    });
  });

  describe("simulated devices download firmware by file id and upload their configuration", () => {
    let t: ApiAcs;
    let sim: Simulation;
    const id = (i: number) => deviceIdOf(sim.devices[i]!.identity);
    const version = (i: number) => sim.devices[i]!.cpe.read("Device.DeviceInfo.SoftwareVersion");

    before(async () => {
      t = await startApiAcs(backend, { settings: { connectionRequests: { username: CR.username, password: CR.password } } });
      sim = await startSimulation({
        acsUrl: t.url,
        devices: 4,
        model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": "86400" } }),
        identity: { acsUsername: t.username, acsPassword: t.password, serialPrefix: `FWS${backend.name.slice(0, 2).toUpperCase()}`, connectionRequestUsername: CR.username, connectionRequestPassword: CR.password },
        cpe: { rebootDurationMs: 100 },
        connectionRequests: { burst: 100, refillMs: 10 },
      });
      for (let i = 0; i < 4; i++) {
        const deviceId = id(i);
        for (let n = 0; (await t.acs.store.devices.get(deviceId)) === null; n++) {
          if (n > 400) throw new Error(`device ${i} never registered`);
          await new Promise((r) => setTimeout(r, 25));
        }
      }
    });
    after(async () => {
      await sim.stop();
      await t.stop();
    });

    async function run(deviceIndex: number, name: string, args: Record<string, unknown>): Promise<TaskRecord> {
      const res = await t.api.post(`/api/devices/${encodeURIComponent(id(deviceIndex))}/tasks`, { name, args, connectionRequest: true });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.connectionRequest.outcome, "accepted");
      const done = await t.acs.tasks.waitFor(res.body.id as string, 30_000, 50);
      assert.ok(done !== null && (done.status === "done" || done.status === "failed"), `task ${name} finished: ${JSON.stringify(done)}`);
      return done;
    }

    it("a firmware image by file id: downloaded, installed on reboot, done once the device reports its version", async () => {
      assert.equal(version(0), "4.2.1");
      const file = await storeFile(t, "gw-4.3.0.bin", "4.3.0", randomBytes(200_000));
      const task = await run(0, "download", { fileId: file.id });
      assert.equal(task.status, "done", JSON.stringify(task.lastFault));
      assert.equal((task.result as { verifiedVersion: string }).verifiedVersion, "4.3.0");
      assert.equal(version(0), "4.3.0");
      const [stored] = await t.acs.store.parameters.get(id(0), ["Device.DeviceInfo.SoftwareVersion"]);
      assert.equal(stored?.value, "4.3.0");
      assert.ok((await t.acs.store.events.list(id(0))).some((e) => e.code === "1 BOOT"));
      assert.ok(sim.stats().transfers.completed >= 1);
    });

    it("an image that installs another version than its file says fails with firmware.version_mismatch", async () => {
      // The simulator installs the version in the file name; the file claims another.
      const file = await storeFile(t, "gw-4.4.0.bin", "5.0.0");
      const task = await run(1, "download", { fileId: file.id });
      assert.equal(task.status, "failed");
      assert.equal(task.lastFault?.code, "firmware.version_mismatch");
      assert.equal(version(1), "4.4.0");
    });

    it("a scheduled download by file id is checked the same way", async () => {
      const file = await storeFile(t, "gw-4.5.0.bin", "4.5.0");
      const task = await run(2, "scheduleDownload", { fileId: file.id, timeWindows: [{ windowStart: 0, windowEnd: 600, windowMode: "1 At Any Time" }] });
      assert.equal(task.status, "done", JSON.stringify(task.lastFault));
      assert.equal(version(2), "4.5.0");
    });

    it("an upload: the device sends its configuration to the file server, kept and downloadable through the API", async () => {
      const task = await run(3, "upload", { fileType: "1 Vendor Configuration File" });
      assert.equal(task.status, "done", JSON.stringify(task.lastFault));
      const uploadId = (task.args as { uploadId: string }).uploadId;
      const list = await t.api.get(`/api/devices/${encodeURIComponent(id(3))}/uploads`);
      assert.deepEqual(list.body.uploads.map((u: { id: string }) => u.id), [uploadId]);
      assert.equal(list.body.uploads[0].contentType, "application/json");
      const content = await t.acs.nbi!.app.inject({ method: "GET", url: `/api/devices/${encodeURIComponent(id(3))}/uploads/${uploadId}/content`, headers: { authorization: `Bearer ${t.adminKey}` } });
      assert.equal(content.statusCode, 200);
      const config = JSON.parse(content.body) as Record<string, string>;
      assert.equal(config["Device.ManagementServer.PeriodicInformInterval"], "86400");
      assert.equal(sha256(content.rawPayload), list.body.uploads[0].sha256);
      // A log upload goes to its own slot.
      const log = await run(3, "upload", { fileType: "2 Vendor Log File" });
      assert.equal(log.status, "done");
      const logs = await t.api.get(`/api/devices/${encodeURIComponent(id(3))}/uploads?fileType=${encodeURIComponent("2 Vendor Log File")}`);
      assert.equal(logs.body.uploads.length, 1);
      const text = await t.acs.nbi!.app.inject({ method: "GET", url: `/api/devices/${encodeURIComponent(id(3))}/uploads/${logs.body.uploads[0].id}/content`, headers: { authorization: `Bearer ${t.adminKey}` } });
      assert.match(text.body, /log upload requested/);
      // The slot's URL is of no use to another device.
      const u = new URL((task.args as { url: string }).url);
      u.searchParams.set("d", id(0));
      assert.equal((await http("PUT", u.toString(), {}, Buffer.from("x"))).status, 403);
    });
  });
});
