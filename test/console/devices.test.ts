// The console's device list end to end (chromium against a real `provisio serve` on SQLite, simulated
// devices): saved filters shared between users, completion of fields and paths, the CSV export against
// the JSON list, the overview's figures, and a tenant's key that sees its tenant's devices only.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Simulation } from "../../src/sim/runtime/index.js";
import { deviceIdOf } from "../../src/session/index.js";
import { startConsoleRig, until, type ConsoleRig } from "./support.js";

const COLUMNS = ["Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.HardwareVersion", "Device.ManagementServer.ConnectionRequestURL"];

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  return rows;
}

describe("web console: the device list", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;
  let lab: Simulation;
  let others: Simulation;

  before(async () => {
    rig = await startConsoleRig();
    lab = await rig.devices(3, { serialPrefix: "LAB" });
    others = await rig.devices(2, { serialPrefix: "OTH", productClass: "ONT" });
    await until("the devices registered", async () => ((await rig.api<{ total: number }>("GET", "/api/devices?limit=1&count=true")).body.total === 5 ? true : undefined));
    await rig.user("olga", "operator");
    await rig.user("vic", "read-only");
  });
  after(async () => {
    await rig?.close();
  });

  it("saves the filter shown for everyone, lets another user pick it, and deletes it", async () => {
    const olga = await rig.logIn("olga");
    await olga.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Devices" }).click();
    await olga.getByLabel("Filter", { exact: true }).fill('productClass = "ONT"');
    await olga.keyboard.press("Enter");
    await olga.getByText("1–2 of 2").waitFor();
    await olga.getByRole("button", { name: "Save filter…" }).click();
    await olga.getByLabel("Name for this filter").fill("onts");
    await olga.getByRole("button", { name: "Save", exact: true }).click();
    await olga.getByRole("status").getByText("Saved the filter as onts.").waitFor();
    const saved = await rig.api<{ filters: { name: string; filter: string; createdBy: string }[] }>("GET", "/api/filters");
    assert.deepEqual(saved.body.filters.map((f) => [f.name, f.filter, f.createdBy]), [["onts", 'productClass = "ONT"', "olga"]]);

    // Another user, a viewer: picks it, may not change it.
    const vic = await rig.logIn("vic");
    await vic.goto(`${rig.base}/devices`);
    await vic.getByText("1–5 of 5").waitFor();
    await vic.getByLabel("Saved filters").selectOption("onts");
    await vic.getByText("1–2 of 2").waitFor();
    assert.equal(new URL(vic.url()).searchParams.get("filter"), 'productClass = "ONT"');
    assert.deepEqual((await vic.locator("tbody tr td.mono a").allTextContents()).sort(), others.devices.map((d) => deviceIdOf(d.identity)).sort());
    assert.equal(await vic.getByRole("button", { name: /Save filter|Delete saved filter/ }).count(), 0);

    await olga.getByRole("button", { name: "Delete saved filter" }).click();
    await olga.getByRole("dialog").getByRole("button", { name: "Delete onts" }).click();
    await olga.getByRole("status").getByText("Deleted the saved filter onts.").waitFor();
    assert.deepEqual((await rig.api<{ filters: unknown[] }>("GET", "/api/filters")).body.filters, []);
  });

  it("completes device fields and parameter paths from the keyboard, in the filter and the column chooser", async () => {
    const page = await rig.logIn("vic");
    await page.goto(`${rig.base}/devices`);
    const input = page.getByRole("combobox", { name: "Filter", exact: true });
    await input.fill("");
    await input.pressSequentially("serial");
    const list = page.locator("#device-filter-completions");
    // The list follows the typing after a pause: wait for it to have narrowed down.
    const onlyOne = () => until("one completion left", async () => ((await list.getByRole("option").count()) === 1 ? true : undefined));
    await list.getByRole("option", { name: /^serialNumber field/ }).waitFor();
    await page.keyboard.press("ArrowDown");
    const active = await input.getAttribute("aria-activedescendant");
    assert.ok(active);
    assert.equal(await page.locator(`[id="${active}"]`).getAttribute("aria-selected"), "true");
    assert.match((await page.locator(`[id="${active}"]`).textContent()) ?? "", /^serialNumber/);
    await page.keyboard.press("Enter");
    assert.equal(await input.inputValue(), "serialNumber");
    assert.equal(await input.getAttribute("aria-expanded"), "false");

    // A path, a level at a time: an object's children come next.
    await input.pressSequentially(' ^= "LAB" AND Device.DeviceI');
    await list.getByRole("option", { name: /^Device\.DeviceInfo\. object/ }).waitFor();
    await onlyOne();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    assert.equal(await input.inputValue(), 'serialNumber ^= "LAB" AND Device.DeviceInfo.');
    await list.getByRole("option", { name: /^Device\.DeviceInfo\.SoftwareVersion parameter/ }).waitFor();
    await input.pressSequentially("Soft");
    await onlyOne();
    assert.match((await list.getByRole("option").textContent()) ?? "", /^Device\.DeviceInfo\.SoftwareVersion/);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await input.pressSequentially(" EXISTS");
    await page.keyboard.press("Enter");
    await page.getByText("1–3 of 3").waitFor();

    await page.getByRole("button", { name: /^Columns/ }).click();
    const path = page.getByRole("combobox", { name: "Parameter path to show as a column" });
    await path.pressSequentially("Device.DeviceInfo.Hardw");
    await page.locator("#column-path-completions").getByRole("option", { name: /^Device\.DeviceInfo\.HardwareVersion/ }).waitFor();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    assert.equal(await path.inputValue(), "Device.DeviceInfo.HardwareVersion");
    await page.keyboard.press("Enter");
    await page.getByRole("columnheader", { name: "DeviceInfo.HardwareVersion" }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get("columns"), "Device.DeviceInfo.HardwareVersion");
  });

  it("exports as CSV the devices and columns the JSON list gives for the same filter", async () => {
    const filter = 'serialNumber ^= "LAB" OR productClass = "ONT"';
    const page = await rig.logIn("vic");
    await page.goto(`${rig.base}/devices?filter=${encodeURIComponent(filter)}&columns=${COLUMNS.join(",")}`);
    await page.getByText("1–5 of 5").waitFor();
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    // The page's own login fetches it, as the browser's download would.
    const res = await page.request.get(rig.base + href!);
    assert.equal(res.status(), 200);
    const [header, ...rows] = parseCsv(await res.text());
    const list = await rig.api<{ devices: { id: string; oui: string; productClass: string; serialNumber: string; tags: string[]; parameters: Record<string, { value: string | null }> }[] }>(
      "GET",
      `/api/devices?filter=${encodeURIComponent(filter)}&projection=${COLUMNS.join(",")}&limit=1000`,
    );
    assert.deepEqual(header, ["id", "oui", "productClass", "serialNumber", "manufacturer", "lastInformAt", "tags", ...COLUMNS]);
    assert.equal(rows.length, 5);
    assert.deepEqual(rows.map((r) => r[0]), list.body.devices.map((d) => d.id));
    for (const [i, d] of list.body.devices.entries()) {
      const row = rows[i]!;
      assert.deepEqual(row.slice(1, 4), [d.oui, d.productClass, d.serialNumber]);
      assert.deepEqual(row.slice(7), COLUMNS.map((c) => d.parameters[c]?.value ?? ""));
      assert.ok(row.slice(7).every((v) => v !== ""), "every column has a value to compare");
    }
    // And the table shows those devices.
    assert.deepEqual(await page.locator("tbody tr td.mono a").allTextContents(), list.body.devices.map((d) => d.id));
  });

  it("shows the overview's exact figures and follows new devices live", async () => {
    const page = await rig.logIn("vic");
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    const stat = (label: string) => page.locator(".stat-card", { hasText: label }).locator(".stat");
    const o = (await rig.api<{ devices: { total: number; online: number } }>("GET", "/api/overview")).body;
    await until("the figures", async () => ((await stat("Devices").textContent()) === String(o.devices.total) ? true : undefined));
    assert.equal(await stat("Online").textContent(), String(o.devices.online));
    await page.getByRole("region", { name: "By product class" }).getByRole("link", { name: "ONT" }).waitFor();
    assert.match((await page.getByRole("region", { name: "By product class" }).locator("tr", { hasText: "ONT" }).textContent()) ?? "", /ONT2$/);
    // A sixth device informs: the page counts it without a reload.
    await rig.devices(1, { serialPrefix: "NEW" });
    await until("the new device counted", async () => ((await stat("Devices").textContent()) === String(o.devices.total + 1) ? true : undefined), 30_000);
    // Sessions per minute are the server's counts (every ACS process adds its own every few seconds):
    // a session per device at least, once counted, and the page shows the server's figure.
    await until("the sessions counted as the server counts them", async () => {
      const n = (await rig.api<{ sessionsPerMinute: { sessions: number }[] }>("GET", "/api/overview")).body.sessionsPerMinute.reduce((t, m) => t + m.sessions, 0);
      return n >= 6 && (await stat("Sessions in the last").textContent()) === String(n) ? n : undefined;
    }, 30_000);
  });

  it("shows a key scoped to a tenant its tenant's devices only", async () => {
    assert.equal((await rig.api("POST", "/api/tenants", { name: "acme", filter: 'tag = "acme"' })).status, 201);
    const mine = deviceIdOf(lab.devices[0]!.identity);
    const theirs = deviceIdOf(lab.devices[1]!.identity);
    assert.equal((await rig.api("PUT", `/api/devices/${encodeURIComponent(mine)}/tags/acme`)).status, 200);
    const created = await rig.cli(["apikey", "create", "--name", "acme-viewer", "--role", "read-only", "--tenant", "acme", "--json"]);
    assert.equal(created.code, 0, created.stderr);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const page = await (await rig.context(key)).newPage();
    await page.goto(`${rig.base}/devices`);
    await page.getByText("tenant acme").waitFor();
    await page.getByText("1–1 of 1").waitFor();
    assert.deepEqual(await page.locator("tbody tr td.mono a").allTextContents(), [mine]);
    assert.equal(await page.getByLabel("Saved filters").count(), 1, "shared saved filters are offered");
    assert.equal(await page.getByRole("button", { name: /^Save/ }).count(), 0, "but not to be changed");
    // Another tenant's device by its address is no device at all, and the export holds the tenant's only.
    await page.goto(`${rig.base}/devices/${encodeURIComponent(theirs)}`);
    await page.getByRole("alert").getByText(/^Not found/).waitFor();
    const csv = parseCsv(await (await page.request.get(`${rig.base}/api/devices/export`)).text());
    assert.deepEqual(csv.slice(1).map((r) => r[0]), [mine]);
    // The overview counts the tenant's devices alone, without the fleet's sessions.
    await page.goto(`${rig.base}/`);
    await page.getByText(/counted for the whole fleet/).waitFor();
    const overview = (await (await page.request.get(`${rig.base}/api/overview`)).json()) as { devices: { total: number }; sessionsPerMinute: unknown };
    assert.equal(overview.devices.total, 1);
    assert.equal(overview.sessionsPerMinute, null);
  });
});
