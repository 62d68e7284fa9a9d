// The console's accessibility, checked by axe-core in chromium: every main page (login, overview,
// devices, a device and its tabs, provisioning, a provision, files, a campaign, each admin tab), with
// real data, at a laptop's 1280x800 and a tablet's 820x1180, has no violation of the WCAG 2.0/2.1 A
// and AA rules axe knows (colour contrast, labels, landmarks, headings, ARIA), and is no wider than
// the viewport.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { deviceIdOf } from "../../src/session/index.js";
import { pageProblems, settled } from "./axe.js";
import { PASSWORD, readTree, startConsoleRig, until, type ConsoleRig } from "./support.js";

const VIEWPORTS = [
  { name: "1280x800", width: 1280, height: 800 },
  { name: "tablet 820x1180", width: 820, height: 1180 },
];

/** WCAG's contrast ratio of two "rgb(r, g, b)" colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, bl] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe("console accessibility (axe-core)", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;
  let deviceId = "";
  let campaignId = "";

  before(async () => {
    rig = await startConsoleRig();
    const sim = await rig.devices(2, { serialPrefix: "AXE" });
    deviceId = deviceIdOf(sim.devices[0]!.identity);
    await until("the devices registered", async () => ((await rig.api<{ total: number }>("GET", "/api/devices?limit=1&count=true")).body.total === 2 ? true : undefined));
    await readTree(rig, deviceId);
    await rig.user("ada", "admin");
    assert.equal((await rig.api("PUT", "/api/provisions/interval", { name: "interval", kind: "declarative", declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 900 }] })).status, 200);
    // A second version, so that the provision's page has changes to show.
    assert.equal((await rig.api("PUT", "/api/provisions/interval", { name: "interval", kind: "declarative", declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value: 1200 }] })).status, 200);
    assert.equal((await rig.api("PUT", "/api/presets/defaults", { name: "defaults", filter: 'serialNumber = "AXE000000"', provisions: [{ name: "interval" }] })).status, 200);
    const upload = await fetch(`${rig.base}/api/files?name=axe-1.0.bin&fileType=${encodeURIComponent("1 Firmware Upgrade Image")}&version=1.0`, {
      method: "POST",
      headers: { authorization: `Bearer ${rig.adminKey}`, "content-type": "application/octet-stream" },
      body: Buffer.alloc(1024, 7),
    });
    assert.equal(upload.status, 201);
    const fileId = ((await upload.json()) as { id: string }).id;
    // Paused from the start: the page shows a campaign whose devices wait, without it changing under axe.
    const campaign = await rig.api<{ id: string }>("POST", "/api/campaigns", { name: "AXE to 1.0", filter: 'serialNumber ^= "AXE"', fileId, batchSize: 1, concurrency: 1, start: false });
    assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
    campaignId = campaign.body.id;
  });
  after(async () => {
    await rig?.close();
  });

  for (const viewport of VIEWPORTS) {
    it(`has no WCAG A/AA violation on any page at ${viewport.name}`, async () => {
      const found: string[] = [];
      const check = async (page: Page, what: string) => {
        found.push(...(await pageProblems(page, what)));
      };
      const ctx = await rig.context(null);
      const page = await ctx.newPage();
      await page.setViewportSize({ width: viewport.width, height: viewport.height });

      await page.goto(`${rig.base}/`);
      await page.getByLabel("Username").waitFor();
      await check(page, "login");
      // axe does not judge the focus ring: it must stand out 3:1 from what is around it (WCAG 1.4.11).
      await page.keyboard.press("Tab");
      const ring = (await page.evaluate("[getComputedStyle(document.activeElement).outlineColor, getComputedStyle(document.documentElement).backgroundColor, getComputedStyle(document.querySelector('.card')).backgroundColor]")) as string[];
      for (const around of ring.slice(1)) assert.ok(contrast(ring[0]!, around) >= 3, `focus ring ${ring[0]} on ${around}: ${contrast(ring[0]!, around).toFixed(2)}:1`);
      // A wrong login shows its error; the page must stay accessible with it.
      await page.getByLabel("Username").fill("ada");
      await page.getByLabel("Password").fill("not the password");
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("alert").waitFor();
      await check(page, "login, wrong password");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("button", { name: "Log out" }).waitFor();

      const visit = async (path: string, heading: string | RegExp, what: string) => {
        await page.goto(rig.base + path);
        await settled(page, heading);
        await check(page, what);
      };
      await visit("/", "Overview", "overview");
      await visit("/devices", "Devices", "devices");
      await page.getByRole("button", { name: "Reboot…" }).click();
      await page.getByRole("dialog").waitFor();
      await check(page, "devices, bulk reboot dialog");
      await page.keyboard.press("Escape");
      await page.getByLabel("Filter", { exact: true }).fill('serialNumber = "AXE000000" AND');
      await page.keyboard.press("Enter");
      await page.locator("#device-filter-error").waitFor();
      await check(page, "devices, a filter mistake");
      await page.getByLabel("Filter", { exact: true }).fill("Device.DeviceInfo.");
      await page.locator("#device-filter-completions").getByRole("option").first().waitFor();
      await check(page, "devices, completions of the filter");
      await page.keyboard.press("Escape");
      await page.getByRole("button", { name: /^Columns/ }).click();
      await page.locator(".popover").waitFor();
      await check(page, "devices, the column chooser");
      await visit(`/devices/${encodeURIComponent(deviceId)}`, deviceId, "device");
      await page.getByLabel("Search parameters").fill("PeriodicInformInterval");
      await page.getByRole("button", { name: "Edit Device.ManagementServer.PeriodicInformInterval" }).click();
      await page.getByLabel(/New value of Device\.ManagementServer\.PeriodicInformInterval/).waitFor();
      await check(page, "device, a value in its editor");
      // The tabs move with the arrow keys, focus along with the selection.
      await page.getByRole("tab", { name: "Parameters", selected: true }).focus();
      await page.keyboard.press("ArrowRight");
      await page.getByRole("tab", { name: /^Tasks/, selected: true }).waitFor();
      assert.equal(await page.evaluate("document.activeElement.id"), "tab-tasks");
      await page.keyboard.press("ArrowLeft");
      await page.getByRole("tab", { name: "Parameters", selected: true }).waitFor();
      for (const tab of ["Tasks", "Faults", "Files", "Diagnostics", "Sessions"]) {
        await page.getByRole("tab", { name: new RegExp(`^${tab}`) }).click();
        await page.getByRole("tab", { name: new RegExp(`^${tab}`), selected: true }).waitFor();
        await page.locator(".state-loading").first().waitFor({ state: "detached" });
        await check(page, `device, ${tab} tab`);
      }
      await page.getByRole("button", { name: /^Show the envelopes of the session/ }).first().click();
      await page.locator("#session-envelopes li").first().waitFor();
      await check(page, "device, a session's envelopes");
      await visit("/provisioning", "Provisioning", "provisioning");
      await visit("/provisioning/provisions/interval", /interval/, "a provision");
      await page.locator('[data-editor="doc-json"][data-ready]').waitFor();
      await page.getByRole("button", { name: "Show changes of version 2" }).click();
      await page.locator("pre.diff .diff-add").first().waitFor();
      await check(page, "a provision, with a version's changes");
      await visit("/provisioning/presets/defaults", /defaults/, "a preset");
      await page.locator('[data-editor="doc-json"][data-ready]').waitFor();
      await page.getByLabel("Device id").fill(deviceId);
      await page.getByRole("button", { name: "Run" }).click();
      await page.locator('[data-dry-run="done"]').waitFor();
      await check(page, "a preset, with a dry run's result");
      await visit("/files", "Files", "files and campaigns");
      await visit(`/campaigns/${campaignId}`, /AXE to 1\.0/, "a campaign");
      for (const tab of ["users", "tenants", "keys", "webhooks", "config", "audit"]) {
        await page.goto(`${rig.base}/admin?tab=${tab}`);
        await page.getByRole("tabpanel").waitFor();
        await page.locator(".state-loading").first().waitFor({ state: "detached" });
        await check(page, `admin, ${tab} tab`);
      }
      await ctx.close();
      assert.deepEqual(found, [], `\n${found.join("\n")}`);
    });
  }
});
