// The console's provisioning pages in chromium: editing a provision in CodeMirror under the console's
// CSP, a script's compile error shown at the script's own line, version history with a diff and a
// revert, and a dry run against a simulated device.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { deviceIdOf } from "../../src/session/index.js";
import { cspViolations, startConsoleRig, type ConsoleRig } from "./support.js";

const PATH = "Device.ManagementServer.PeriodicInformInterval";

/** Replaces an editor's whole text (CodeMirror takes text typed into its content element). */
async function setEditor(page: Page, id: string, text: string): Promise<void> {
  const content = page.locator(`#${id}-content`);
  await content.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await content.fill(text);
}

describe("console: provisioning", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;
  let deviceId: string;

  before(async () => {
    rig = await startConsoleRig();
    const sim = await rig.devices(1, { serialPrefix: "PRV" });
    deviceId = deviceIdOf(sim.devices[0]!.identity);
    const end = Date.now() + 20_000;
    while ((await rig.api("GET", `/api/devices/${encodeURIComponent(deviceId)}`)).status !== 200) {
      if (Date.now() > end) throw new Error("the device did not register");
      await new Promise((r) => setTimeout(r, 100));
    }
    // The ACS reads the interval first, so that a dry run knows it and has only the write left to show.
    const read = await rig.api<{ status: string }>("POST", `/api/devices/${encodeURIComponent(deviceId)}/tasks`, { name: "getParameterNames", args: { parameterPath: "Device.ManagementServer.", values: true }, connectionRequest: true, wait: 30 });
    assert.equal(read.body.status, "done", JSON.stringify(read.body));
    assert.equal((await rig.api("PUT", "/api/provisions/interval", { name: "interval", kind: "declarative", declarations: [{ path: PATH, value: 900 }] })).status, 200);
    assert.equal((await rig.api("PUT", "/api/presets/defaults", { name: "defaults", filter: 'serialNumber = "PRV000000"', provisions: [{ name: "interval" }] })).status, 200);
  });
  after(async () => {
    await rig?.close();
  });

  it("edits a provision in a styled editor, shows what changed between versions, and reverts", async () => {
    const page = await (await rig.context(rig.adminKey)).newPage();
    await page.goto(`${rig.base}/provisioning`);
    await page.getByRole("link", { name: "interval" }).click();
    await page.locator('[data-editor="doc-json"][data-ready]').waitFor();
    // CodeMirror's own styles apply (constructable stylesheets in the editor's shadow root, which the
    // CSP allows): its gutter is laid out beside the text, and nothing was blocked.
    const styled = (await page.evaluate(`(() => {
      const root = document.querySelector('[data-editor="doc-json"]').shadowRoot;
      return { sheets: root.adoptedStyleSheets.length, gutters: getComputedStyle(root.querySelector('.cm-gutters')).display, editor: getComputedStyle(root.querySelector('.cm-editor')).position };
    })()`)) as { sheets: number; gutters: string; editor: string };
    assert.ok(styled.sheets > 0, "CodeMirror adopted its stylesheets");
    assert.deepEqual({ gutters: styled.gutters, editor: styled.editor }, { gutters: "flex", editor: "relative" });
    assert.deepEqual(await cspViolations(page), []);

    await setEditor(page, "doc-json", JSON.stringify({ name: "interval", kind: "declarative", declarations: [{ path: PATH, value: 1200 }] }, null, 2));
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved as version 2.").waitFor();
    assert.equal(((await rig.api<{ document: { declarations: { value: number }[] } }>("GET", "/api/provisions/interval")).body.document.declarations[0]!.value), 1200);

    await page.getByRole("button", { name: "Show changes of version 2" }).click();
    const diff = page.locator("pre.diff");
    await diff.locator(".diff-add", { hasText: '"value": 1200' }).waitFor();
    await diff.locator(".diff-del", { hasText: '"value": 900' }).waitFor();

    await page.getByRole("button", { name: "Revert to version 1" }).click();
    await page.getByText("Reverted to version 1: stored as version 3.").waitFor();
    await page.locator("#doc-json-content", { hasText: '"value": 900' }).waitFor();
    assert.equal(((await rig.api<{ version: number; document: { declarations: { value: number }[] } }>("GET", "/api/provisions/interval")).body.document.declarations[0]!.value), 900);
    assert.deepEqual(await cspViolations(page), []);
  });

  it("shows a script's compile error at the script's own line, and saves nothing", async () => {
    const page = await (await rig.context(rig.adminKey)).newPage();
    await page.goto(`${rig.base}/provisioning/provisions/by-script`);
    await page.getByText("Nothing is stored under this name").waitFor();
    await page.getByRole("button", { name: "Make it a script" }).click();
    await page.locator('[data-editor="doc-script"][data-ready]').waitFor();
    await setEditor(page, "doc-script", 'const interval = get("Device.ManagementServer.PeriodicInformInterval");\nconst = 5;\n');
    await page.getByRole("button", { name: "Save" }).click();
    const errors = page.locator("#doc-script-errors");
    await errors.waitFor();
    assert.match((await errors.textContent()) ?? "", /^Line 2: /);
    // The editor marks that line: a lint marker in the gutter and the line's text underlined.
    await page.locator('[data-editor="doc-script"] .cm-lint-marker-error').waitFor();
    assert.equal(await page.locator('[data-editor="doc-script"] .cm-lintRange-error').first().textContent(), "const = 5;");
    assert.equal((await rig.api("GET", "/api/provisions/by-script")).status, 404);
    assert.deepEqual(await cspViolations(page), []);
  });

  it("keeps up with keystrokes that reach the editor together, as on a busy machine", async () => {
    // Delete and the new text land before the page paints: the editor must hold the newest text and
    // the page go on answering (pushing an older text back into the editor once made them undo and
    // redo each other without end, which froze the page).
    assert.equal((await rig.api("PUT", "/api/provisions/burst", { name: "burst", kind: "declarative", declarations: [{ path: PATH, value: 900 }] })).status, 200);
    const page = await (await rig.context(rig.adminKey)).newPage();
    await page.goto(`${rig.base}/provisioning/provisions/burst`);
    await page.locator('[data-editor="doc-json"][data-ready]').waitFor();
    const content = page.locator("#doc-json-content");
    await content.click();
    for (const value of [1201, 1202, 1203]) {
      await page.keyboard.press("Control+A");
      const text = JSON.stringify({ name: "burst", kind: "declarative", declarations: [{ path: PATH, value }] }, null, 2);
      await Promise.all([page.keyboard.press("Delete"), page.keyboard.insertText(text)]);
      await page.locator("#doc-json-content", { hasText: `"value": ${value}` }).waitFor();
    }
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved as version 2.").waitFor();
    assert.equal((await rig.api<{ document: { declarations: { value: number }[] } }>("GET", "/api/provisions/burst")).body.document.declarations[0]!.value, 1203);
  });

  it("dry-runs a preset against a device and lists the RPCs it would get", async () => {
    const page = await (await rig.context(await rig.keyFor("operator"))).newPage();
    await page.goto(`${rig.base}/provisioning/presets/defaults`);
    await page.locator('[data-editor="doc-json"][data-ready]').waitFor();
    // An operator reads, and dry-runs, but may not change a preset.
    assert.equal(await page.getByRole("button", { name: "Save" }).count(), 0);
    assert.equal(await page.locator("#doc-json-content").getAttribute("contenteditable"), "false");
    await page.getByLabel("Device id").fill(deviceId);
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.locator('[data-dry-run="done"]');
    await result.waitFor();
    assert.match((await result.getByRole("status").textContent()) ?? "", /would get 1 RPC from interval \(defaults\)/);
    assert.match((await result.locator("li").first().textContent()) ?? "", /SetParameterValues[\s\S]*PeriodicInformInterval[\s\S]*900/);
    assert.deepEqual(await cspViolations(page), []);
  });
});
