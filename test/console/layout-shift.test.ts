// No layout shift while data loads: the overview, the device list and a device's page keep their places
// as their data arrives. Chromium reports every shift of the layout not caused by input
// (PerformanceObserver "layout-shift", the browser's own measure behind Cumulative Layout Shift); their
// sum from the page's load until its data is drawn must stay under 0.1, the bound of a "good" score.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { deviceIdOf } from "../../src/session/index.js";
import { PASSWORD, readTree, startConsoleRig, until, type ConsoleRig } from "./support.js";

// Runs before the console's own scripts on every load (the DevTools protocol adds it, outside the CSP).
const WATCH_SHIFTS = `
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      const what = (e.sources || []).map((s) => s.node ? s.node.nodeName + (s.node.className ? "." + String(s.node.className).split(" ").join(".") : "") : "?");
      window.__shifts.push({ value: e.value, what });
    }
  }).observe({ type: "layout-shift", buffered: true });
`;

/** The page has drawn its data: its heading is there and nothing is still loading. */
async function settled(page: Page, heading: string | RegExp): Promise<void> {
  await page.getByRole("heading", { name: heading }).first().waitFor();
  await page.locator(".state-loading").first().waitFor({ state: "detached" });
  // A frame more, so that the last shift (if any) is reported.
  await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
}

describe("console: no layout shift while data loads", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;
  let deviceId = "";

  before(async () => {
    rig = await startConsoleRig();
    const sim = await rig.devices(3, { serialPrefix: "CLS" });
    deviceId = deviceIdOf(sim.devices[0]!.identity);
    await until("the devices registered", async () => ((await rig.api<{ total: number }>("GET", "/api/devices?limit=1&count=true")).body.total === 3 ? true : undefined));
    await readTree(rig, deviceId);
    await rig.user("lee", "admin");
  });
  after(async () => {
    await rig?.close();
  });

  it("keeps the overview, the device list and a device's page in place as their data arrives", async () => {
    const ctx = await rig.context(null);
    await ctx.addInitScript(WATCH_SHIFTS);
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${rig.base}/`);
    await page.getByLabel("Username").fill("lee");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("button", { name: "Log out" }).waitFor();

    const found: string[] = [];
    for (const [path, heading] of [["/", "Overview"], ["/devices", "Devices"], [`/devices/${encodeURIComponent(deviceId)}`, deviceId]] as const) {
      await page.goto(rig.base + path);
      await settled(page, heading);
      const shifts = (await page.evaluate("window.__shifts")) as { value: number; what: string[] }[];
      const total = shifts.reduce((n, s) => n + s.value, 0);
      if (total >= 0.1) found.push(`${path}: ${total.toFixed(3)} (${shifts.map((s) => `${s.value.toFixed(3)} ${s.what.join(",")}`).join("; ")})`);
    }
    assert.deepEqual(found, [], "layout shift while loading");

    // The control: the watch does see a shift when there is one (a block pushed in above the content).
    assert.equal(await page.evaluate("PerformanceObserver.supportedEntryTypes.includes('layout-shift')"), true);
    await page.evaluate(`(() => { const d = document.createElement("div"); d.style.height = "200px"; document.querySelector("main").prepend(d); })()`);
    await page.evaluate("new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
    const pushed = (await page.evaluate("window.__shifts.reduce((n, s) => n + s.value, 0)")) as number;
    assert.ok(pushed >= 0.1, `a block pushed in shifts the page (${pushed.toFixed(3)})`);
  });
});
