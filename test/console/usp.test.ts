// USP devices in the web console (chromium against a real `provisio serve`, on both stores): simulated CWMP
// devices and a USP agent over the ACS's real WebSocket MTP. The list shows each device's protocol and
// filters by it; a USP device's page shows its agent (endpoint id, MTP, connected or last seen), offers
// only the tasks USP has an operation for, and runs a reboot and a read on the agent; its Diagnostics tab
// runs a ping as the agent's command, and the bulk "Push a file" says which files USP devices cannot take.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { deviceIdOf } from "../../src/session/index.js";
import { forEachBackend } from "../support/pg.js";
import type { TestAgent } from "../support/usp-agent.js";
import { pageProblems, settled } from "./axe.js";
import { startConsoleRig, until, type ConsoleRig } from "./support.js";

interface Detail {
  device: { protocol: string };
  usp: { endpointId: string; mtp: string; lastSeen: string; connected: boolean | null } | null;
}

const NOT_USP = ["upload", "scheduleInform", "getAllQueuedTransfers"];

forEachBackend((b) => describe("web console: USP devices", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;
  let agent: TestAgent;
  let uspId = "";
  let cwmpIds: string[] = [];

  before(async () => {
    rig = await startConsoleRig({ db: await b.freshUrl() });
    const sim = await rig.devices(2, { serialPrefix: "CWC" });
    cwmpIds = sim.devices.map((d) => deviceIdOf(d.identity));
    ({ agent, id: uspId } = await rig.uspAgent("USPCON", "U1"));
    await until("the devices registered", async () => ((await rig.api<{ total: number }>("GET", "/api/devices?limit=1&count=true")).body.total === 3 ? true : undefined));
    await rig.user("uma", "operator");
  });
  after(async () => {
    await rig?.close();
  });

  const detail = async (id: string) => (await rig.api<Detail>("GET", `/api/devices/${encodeURIComponent(id)}?parameters=none`)).body;

  /** The device list's rows as { id, protocol } (the Protocol column's text), once it shows `count` rows. */
  async function shown(page: Page, count: number): Promise<{ id: string; protocol: string }[]> {
    const table = page.getByRole("table");
    await until(`${count} rows`, async () => ((await table.locator("tbody tr td a").count()) === count ? true : undefined), 60_000);
    const headers = await table.locator("thead th").allTextContents();
    const col = headers.findIndex((h) => h.startsWith("Protocol"));
    assert.ok(col >= 0, headers.join("|"));
    const rows = [];
    for (const row of await table.locator("tbody tr").all()) {
      const cells = await row.locator("td").allTextContents();
      rows.push({ id: (await row.locator("td a").textContent()) ?? "", protocol: cells[col] ?? "" });
    }
    return rows.sort((a, b) => a.id.localeCompare(b.id));
  }

  it("lists each device's protocol and filters by it with the quick filters", async () => {
    const page = await rig.logIn("uma");
    await page.goto(`${rig.base}/devices`);
    await settled(page, "Devices");
    const expected = await Promise.all([...cwmpIds, uspId].map(async (id) => ({ id, protocol: (await detail(id)).device.protocol.toUpperCase() })));
    assert.deepEqual(expected.map((e) => e.protocol).sort(), ["CWMP", "CWMP", "USP"]);
    assert.deepEqual(await shown(page, 3), expected.sort((a, b) => a.id.localeCompare(b.id)));
    assert.deepEqual(await pageProblems(page, "devices with a USP device"), []);

    const chips = page.getByRole("group", { name: "Protocol" });
    await chips.getByRole("button", { name: "USP only" }).click();
    assert.deepEqual(await shown(page, 1), [{ id: uspId, protocol: "USP" }]);
    assert.equal(await page.getByLabel("Filter", { exact: true }).inputValue(), 'protocol = "usp"');
    assert.equal(await chips.getByRole("button", { name: "USP only" }).getAttribute("aria-pressed"), "true");
    assert.equal(await chips.getByRole("button", { name: "Any protocol" }).getAttribute("aria-pressed"), "false");

    // A quick filter joins the filter typed, and taking it away gives that filter back.
    const typed = 'serialNumber ^= "CWC" OR productClass = "USPCON"';
    await page.getByLabel("Filter", { exact: true }).fill(typed);
    await page.getByRole("button", { name: "Apply" }).click();
    await shown(page, 3);
    assert.equal(await chips.getByRole("button", { name: "Any protocol" }).getAttribute("aria-pressed"), "true");
    await chips.getByRole("button", { name: "CWMP only" }).click();
    assert.deepEqual((await shown(page, 2)).map((r) => r.id), [...cwmpIds].sort());
    assert.equal(await page.getByLabel("Filter", { exact: true }).inputValue(), `protocol = "cwmp" AND (${typed})`);
    await chips.getByRole("button", { name: "USP only" }).click();
    assert.deepEqual((await shown(page, 1)).map((r) => r.id), [uspId]);
    assert.equal(await page.getByLabel("Filter", { exact: true }).inputValue(), `protocol = "usp" AND (${typed})`);
    await chips.getByRole("button", { name: "Any protocol" }).click();
    await shown(page, 3);
    assert.equal(await page.getByLabel("Filter", { exact: true }).inputValue(), `(${typed})`);
  });

  it("shows a USP device's agent, offers only the tasks USP has, and reboots and reads the agent", async () => {
    const api = await detail(uspId);
    assert.equal(api.device.protocol, "usp");
    assert.ok(api.usp !== null);
    assert.deepEqual({ ...api.usp, lastSeen: undefined, dataModel: undefined }, { endpointId: "os::00D09E-USPCON-U1", mtp: "websocket", connected: true, lastSeen: undefined, dataModel: undefined });
    assert.ok(!Number.isNaN(Date.parse(api.usp.lastSeen)));

    const page = await rig.logIn("uma");
    await page.goto(`${rig.base}/devices/${encodeURIComponent(uspId)}`);
    await settled(page, uspId);
    const identity = page.getByRole("region", { name: "Identity" });
    assert.equal((await identity.locator('dt:text-is("Protocol") + dd').textContent())?.trim(), "USP");
    assert.equal(await page.getByTestId("usp-endpoint-id").textContent(), api.usp.endpointId);
    assert.equal(await page.getByTestId("usp-mtp").textContent(), "WebSocket");
    assert.equal(await page.getByTestId("usp-connection").textContent(), "connected now");

    await page.getByRole("tab", { name: /^Tasks/ }).click();
    const kind = page.getByLabel("Task", { exact: true });
    const options = await kind.locator("option").evaluateAll((os) => os.map((o) => ({ value: (o as unknown as { value: string }).value, disabled: (o as unknown as { disabled: boolean }).disabled })));
    assert.deepEqual(options.filter((o) => o.disabled).map((o) => o.value), NOT_USP);
    for (const k of ["getParameterValues", "setParameterValues", "addObject", "deleteObject", "reboot", "factoryReset", "download"]) {
      assert.ok(options.some((o) => o.value === k && !o.disabled), k);
    }
    await page.getByText(`Not offered: ${NOT_USP.join(", ")}.`).waitFor();
    assert.deepEqual(await pageProblems(page, "a USP device's tasks"), []);

    const operates = agent.requests("operate").length;
    await kind.selectOption("reboot");
    await page.getByRole("button", { name: "Run with a connection request" }).click();
    await page.getByTestId("task-status").getByText("Done.").waitFor();
    assert.equal(agent.requests("operate").length, operates + 1);
    assert.equal(agent.requests("operate").at(-1)?.command, "Device.Reboot()");

    await kind.selectOption("getParameterValues");
    await page.getByLabel("Arguments (JSON)").fill(JSON.stringify({ parameterNames: ["Device.WiFi.SSID.1.SSID"] }));
    await page.getByRole("button", { name: "Run with a connection request" }).click();
    await page.getByTestId("task-status").getByText("Done.").waitFor();
    assert.deepEqual(agent.requests("get").at(-1)?.paramPaths, ["Device.WiFi.SSID.1.SSID"]);
    // The value the agent gave is the device's in the store.
    const value = (await rig.api<{ parameters: Record<string, { value: string | null }> }>("GET", `/api/devices/${encodeURIComponent(uspId)}?parameters=flat&prefix=Device.WiFi.SSID.1.SSID`)).body.parameters;
    assert.equal(value["Device.WiFi.SSID.1.SSID"]?.value, agent.params.get("Device.WiFi.SSID.1.SSID"));
  });

  it("shows a CWMP device as such, with every task offered and no USP agent", async () => {
    const id = cwmpIds[0]!;
    assert.equal((await detail(id)).usp, null);
    const page = await rig.logIn("uma");
    await page.goto(`${rig.base}/devices/${encodeURIComponent(id)}`);
    await settled(page, id);
    const identity = page.getByRole("region", { name: "Identity" });
    assert.match((await identity.locator('dt:text-is("Protocol") + dd').textContent()) ?? "", /^CWMP/);
    assert.equal(await page.getByTestId("usp-endpoint-id").count(), 0);
    await page.getByRole("tab", { name: /^Tasks/ }).click();
    const disabled = await page.getByLabel("Task", { exact: true }).locator("option:disabled").count();
    assert.equal(disabled, 0);
  });

  it("runs a ping from a USP device's Diagnostics tab, saying it is a command; Push a file gives the reason a file is not for USP devices", async () => {
    const page = await rig.logIn("uma");
    await page.goto(`${rig.base}/devices/${encodeURIComponent(uspId)}`);
    await settled(page, uspId);
    await page.getByRole("tab", { name: /^Diagnostics/ }).click();
    assert.match((await page.getByTestId("usp-diagnostics-note").textContent()) ?? "", /Device\.IP\.Diagnostics\.IPPing\(\)/);
    assert.deepEqual(await pageProblems(page, "a USP device's diagnostics"), []);
    const operates = agent.requests("operate").length;
    await page.getByLabel("Host").fill("example.net");
    await page.getByRole("button", { name: "Run ping" }).click();
    // The test agent runs the command at once (its default answer); the run completes with its output.
    await until("the ping operate", async () => (agent.requests("operate").length > operates ? true : undefined), 60_000);
    assert.equal(agent.requests("operate").at(-1)?.command, "Device.IP.Diagnostics.IPPing()");
    assert.equal(agent.requests("operate").at(-1)?.inputArgs.Host, "example.net");
    await page.getByTestId("diagnostic-result").getByText(/Latest: ipPing, (complete|error)/).waitFor({ timeout: 60_000 });

    for (const [name, fileType] of [["usp-fw-1.0.bin", "1 Firmware Upgrade Image"], ["usp-cfg.xml", "3 Vendor Configuration File"]] as const) {
      const res = await fetch(`${rig.base}/api/files?name=${name}&fileType=${encodeURIComponent(fileType)}`, {
        method: "POST",
        headers: { authorization: `Bearer ${rig.adminKey}`, "content-type": "application/octet-stream" },
        body: Buffer.from(name),
      });
      assert.equal(res.status, 201, await res.text());
    }
    await page.goto(`${rig.base}/devices`);
    await settled(page, "Devices");
    await page.getByRole("button", { name: "Push a file…" }).click();
    const dialog = page.getByRole("dialog");
    const file = dialog.getByLabel("File", { exact: true });
    await file.locator("option", { hasText: "usp-cfg.xml" }).waitFor({ state: "attached" });
    const labels = await file.locator("option").allTextContents();
    assert.ok(labels.some((l) => l.includes("usp-cfg.xml") && l.includes("(not for USP devices)")), labels.join("|"));
    assert.ok(labels.some((l) => l.includes("usp-fw-1.0.bin") && !l.includes("not for USP")), labels.join("|"));
    await file.selectOption({ label: labels.find((l) => l.includes("usp-cfg.xml"))! });
    await dialog.getByText("USP devices take firmware images only").waitFor();
    assert.deepEqual(await pageProblems(page, "Push a file of a kind USP devices cannot take"), []);
    await file.selectOption({ label: labels.find((l) => l.includes("usp-fw-1.0.bin"))! });
    assert.equal(await dialog.getByText("USP devices take firmware images only").count(), 0);
    await page.keyboard.press("Escape");
  });

  it("shows when an agent that went away was seen last", async () => {
    await agent.mtp.close();
    const api = await until("the agent's disconnection", async () => {
      const d = await detail(uspId);
      return d.usp?.connected === false ? d : undefined;
    }, 60_000);
    assert.equal(api.usp?.mtp, "websocket");
    const page = await rig.logIn("uma");
    await page.goto(`${rig.base}/devices/${encodeURIComponent(uspId)}`);
    await settled(page, uspId);
    assert.match((await page.getByTestId("usp-connection").textContent()) ?? "", /^not connected, last seen (just now|\d+ s ago|\d+ min ago)$/);
    assert.deepEqual(await pageProblems(page, "a USP device away"), []);
    await page.setViewportSize({ width: 820, height: 1180 });
    assert.deepEqual(await pageProblems(page, "a USP device away, on a tablet"), []);
  });
}));
