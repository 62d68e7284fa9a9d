// The console's files and campaigns in chromium: a firmware upload checked by its SHA-256, a campaign
// over simulated devices started from the page, paused (and held), resumed, and watched to the end
// device by device.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Simulation } from "../../src/sim/runtime/index.js";
import { cspViolations, startConsoleRig, type ConsoleRig } from "./support.js";

const N = 3;

describe("console: files and campaigns", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;
  let sim: Simulation;

  before(async () => {
    rig = await startConsoleRig({ set: ["campaigns.interval=0.2"] });
    sim = await rig.devices(N, { serialPrefix: "FWC", productClass: "FWC", rebootDurationMs: 300 });
    const end = Date.now() + 20_000;
    while ((await rig.api<{ total: number }>("GET", '/api/devices?limit=1&count=true&filter=productClass%20%3D%20%22FWC%22')).body.total !== N) {
      if (Date.now() > end) throw new Error("the devices did not register");
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    await rig?.close();
  });

  it("uploads firmware with its checksum, runs a campaign, pauses and resumes it, and shows each device's progress", async () => {
    const page = await (await rig.context(rig.adminKey)).newPage();
    await page.goto(`${rig.base}/files`);
    await page.getByText("No file uploaded yet.").waitFor();

    const content = randomBytes(200 * 1024);
    const sum = createHash("sha256").update(content).digest("hex");
    await page.getByLabel("File to upload").setInputFiles({ name: "fwc-7.1.0.bin", mimeType: "application/octet-stream", buffer: content });
    await page.getByLabel("Version").fill("7.1.0");
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByText(`Uploaded fwc-7.1.0.bin: SHA-256 ${sum} (checked).`).waitFor();
    await page.getByRole("cell", { name: "fwc-7.1.0.bin", exact: true }).waitFor();
    const files = (await rig.api<{ files: { sha256: string; size: number; version: string }[] }>("GET", "/api/files")).body.files;
    assert.deepEqual(files.map((f) => [f.sha256, f.size, f.version]), [[sum, content.length, "7.1.0"]]);

    await page.getByLabel("Campaign name").fill("FWC to 7.1.0");
    await page.getByLabel("Devices (filter)").fill('productClass = "FWC"');
    await page.getByLabel("Batch size").fill("1");
    await page.getByLabel("At once").fill("1");
    await page.getByRole("button", { name: "Start campaign" }).click();
    await page.getByRole("heading", { name: "Campaign FWC to 7.1.0" }).waitFor();

    // Paused at once: what is under way settles, nothing new starts while it stays paused.
    await page.getByRole("button", { name: "Pause" }).click();
    const status = page.getByTestId("campaign-status");
    await page.getByTestId("campaign-status").filter({ hasText: "paused" }).waitFor();
    await page.getByRole("button", { name: "Resume", exact: true }).waitFor();
    const id = new URL(page.url()).pathname.split("/").pop()!;
    const held = async () => (await rig.api<{ counts: Record<string, number> }>("GET", `/api/campaigns/${id}`)).body.counts;
    let c = await held();
    for (let i = 0; i < 50 && c.in_progress! > 0; i++, c = await held()) await new Promise((r) => setTimeout(r, 100));
    const settledWhilePaused = c.succeeded! + c.failed!;
    assert.ok(settledWhilePaused < N, `the pause held devices back: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await held()).succeeded! + (await held()).failed!, settledWhilePaused, "nothing moved while paused");

    await page.getByRole("button", { name: "Resume", exact: true }).click();
    await status.filter({ hasText: "completed" }).waitFor({ timeout: 60_000 });
    // The page followed it to the end by itself: every device shown as succeeded, on the new version.
    await page.locator('[data-count="succeeded"]', { hasText: String(N) }).waitFor();
    assert.equal(await page.locator('tbody [data-state="succeeded"]').count(), N);
    assert.deepEqual(new Set(sim.devices.map((d) => d.cpe.read("Device.DeviceInfo.SoftwareVersion"))), new Set(["7.1.0"]));
    assert.equal(await page.getByRole("button", { name: "Pause" }).count(), 0);
    assert.deepEqual(await cspViolations(page), []);
  });

  it("refuses an upload whose content is not the checksum's, and keeps nothing", async () => {
    const res = await fetch(`${rig.base}/api/files?name=bad.bin&fileType=1%20Firmware%20Upgrade%20Image&sha256=${"0".repeat(64)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${rig.adminKey}`, "content-type": "application/octet-stream" },
      body: randomBytes(100),
    });
    assert.equal(res.status, 400);
    const good = await fetch(`${rig.base}/api/files?name=viewer.bin&fileType=3%20Vendor%20Configuration%20File`, {
      method: "POST",
      headers: { authorization: `Bearer ${rig.adminKey}`, "content-type": "application/octet-stream" },
      body: randomBytes(100),
    });
    assert.equal(good.status, 201);
    // A viewer sees the catalogue but no way to upload, delete or start a campaign.
    const page = await (await rig.context(await rig.keyFor("read-only"))).newPage();
    await page.goto(`${rig.base}/files`);
    await page.getByRole("cell", { name: "viewer.bin", exact: true }).waitFor();
    assert.equal(await page.getByRole("button", { name: /Upload|Delete|Start campaign/ }).count(), 0);
    assert.equal(await page.getByRole("cell", { name: "bad.bin" }).count(), 0);
  });
});
