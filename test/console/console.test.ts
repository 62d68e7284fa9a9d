// The web console end to end: Debian's chromium against a real `provisio serve` child process with
// simulated devices. Each test is a path a user takes, logged in as a console user; device data is
// real, from the simulator.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { Simulation } from "../../src/sim/runtime/index.js";
import { deviceIdOf } from "../../src/session/index.js";
import { callFromPage, cspViolations, PASSWORD, readTree, setAndSeeReported, startConsoleRig, until, visibleOrSay, type ConsoleRig } from "./support.js";

const HOSTILE_CLASS = "<img src=x onerror=window.__pwned=1>";
const HOSTILE_VALUE = '"><script>window.__pwned=2</script><b>x</b>';
/** How many gateways the console drives; the bulk reboot goes over all of them. */
const FLEET = 100;

describe("web console", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;
  let gateways: Simulation;
  let hostile: Simulation;
  const idOf = (sim: Simulation, i: number) => deviceIdOf(sim.devices[i]!.identity);

  before(async () => {
    rig = await startConsoleRig();
    // A short reboot, so that the bulk reboot's hundred devices are back within seconds.
    gateways = await rig.devices(FLEET, { serialPrefix: "CON", rebootDurationMs: 200 });
    hostile = await rig.devices(1, { serialPrefix: "EVIL", productClass: HOSTILE_CLASS, manufacturer: HOSTILE_CLASS });
    await until("the devices registered", async () => ((await rig.api<{ total: number }>("GET", "/api/devices?limit=1&count=true")).body.total === FLEET + 1 ? true : undefined), 60_000);
    // The ACS knows of a device only what it read: read the whole tree of the devices the tests open.
    for (const id of [idOf(gateways, 0), idOf(gateways, 1), idOf(hostile, 0)]) await readTree(rig, id);
    await rig.user("ada", "admin");
    // The viewer is made as an admin makes the first users: with the CLI, on the database.
    const added = await rig.cli(["user", "add", "vic", "--role", "read-only", "--password-stdin"], `${PASSWORD}\n`);
    assert.equal(added.code, 0, added.stderr);
  });
  after(async () => {
    await rig?.close();
  });

  const adminPage = (): Promise<Page> => rig.logIn("ada");

  it("is served with its security headers and a build free of inline script and style", async () => {
    const res = await fetch(`${rig.base}/devices/anything`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'; style-src 'self'/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "every script has a src");
    assert.doesNotMatch(html, /<style|style=/, "no inline style");
    assert.equal(html, readFileSync(new URL("../../console/index.html", import.meta.url), "utf8"));
  });

  it("logs in with the keyboard to the place asked for, says only that a login is wrong, and logs out", async () => {
    const page = await (await rig.context(null)).newPage();
    await page.goto(`${rig.base}/devices?filter=online`);
    await page.getByRole("heading", { name: "Provisio" }).waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement.id"), "login-username");
    await page.keyboard.type("ada");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement.id"), "login-password");
    await page.keyboard.type("not the password");
    await page.keyboard.press("Enter");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.equal((await alert.textContent())?.trim(), "Wrong username or password.");
    // An unknown username gets the very same answer: the page tells no one which usernames exist.
    await page.getByLabel("Username").fill("nobody-by-that-name");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("button", { name: "Log in" }).waitFor();
    await page.getByRole("alert").getByText("Wrong username or password.").waitFor();
    await page.getByLabel("Username").fill("ada");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Devices" }).waitFor();
    assert.equal(new URL(page.url()).search, "?filter=online", "the place asked for is kept");
    assert.match((await page.locator(".who").textContent()) ?? "", /ada \(Admin\)/);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Username").waitFor();
    // The login is over on the server, not only on the page.
    await page.reload();
    await page.getByLabel("Username").waitFor();
    assert.equal(await page.evaluate("fetch('/api/session').then((r) => r.status)"), 401);
  });

  it("finds a device by filter, says where a filter is wrong, and goes there with the keyboard alone", async () => {
    const page = await adminPage();
    await page.goto(`${rig.base}/`);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    // Tab to the navigation's Devices link.
    for (let i = 0; i < 10 && (await page.evaluate("document.activeElement.textContent")) !== "Devices"; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Devices" }).waitFor();
    await page.getByLabel("Filter", { exact: true }).focus();
    await page.keyboard.type('serialNumber = "CON000003" AND');
    await page.keyboard.press("Enter");
    const error = page.locator("#device-filter-error");
    await error.waitFor();
    assert.match((await error.textContent()) ?? "", /^Column 31: expected a condition/);

    await page.getByLabel("Filter", { exact: true }).fill('serialNumber = "CON000003"');
    await page.keyboard.press("Enter");
    await visibleOrSay(page, page.getByRole("link", { name: idOf(gateways, 2) }));
    assert.equal(await page.locator("tbody tr").count(), 1);
    // The export link is the filter's devices as CSV (fetched with the page's credentials).
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    const exported = await page.request.get(rig.base + href!);
    assert.match(exported.headers()["content-type"] ?? "", /^text\/csv/);
    const csv = (await exported.text()).trim().split("\r\n");
    assert.equal(csv.length, 2);
    assert.match(csv[1]!, new RegExp(`^${idOf(gateways, 2)},`));
    // From the filter, Tab reaches the row's link (past Apply, the toolbar and the selection boxes).
    for (let i = 0; i < 30 && (await page.evaluate("document.activeElement.textContent")) !== idOf(gateways, 2); i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: idOf(gateways, 2) }).waitFor();
  });

  it("changes a value in the device's tree and shows what the device reports", async () => {
    const page = await adminPage();
    const id = idOf(gateways, 0);
    await page.goto(`${rig.base}/devices/${encodeURIComponent(id)}`);
    await page.getByLabel("Search parameters").fill("PeriodicInformInterval");
    await page.getByRole("button", { name: "Edit Device.ManagementServer.PeriodicInformInterval" }).click();
    const input = page.getByLabel(/New value of Device\.ManagementServer\.PeriodicInformInterval/);
    await input.fill("-5");
    await page.getByRole("button", { name: "Set", exact: true }).click();
    await page.getByText(/xsd:unsignedInt needs|goes from 0/).waitFor();
    await input.fill("1234");
    await setAndSeeReported(rig, page, { deviceId: id, sim: gateways.devices[0]!, value: "1234", user: "ada" });
  });

  it("reboots the devices of a filter in bulk, confirming their number, and follows them to the end", async () => {
    const page = await adminPage();
    await page.goto(`${rig.base}/devices?filter=${encodeURIComponent('serialNumber ^= "CON"')}`);
    await page.getByText(new RegExp(` of ${FLEET}$`)).waitFor();
    await page.getByRole("button", { name: "Reboot…" }).click();
    const dialog = page.getByRole("dialog");
    assert.match((await dialog.getByTestId("confirm-text").textContent()) ?? "", new RegExp(`\\b${FLEET} devices`));
    await dialog.getByRole("button", { name: `Reboot ${FLEET} devices` }).click();
    await page.getByTestId("bulk-status").getByText(`Finished: ${FLEET} done, 0 failed, 0 cancelled of ${FLEET}`).waitFor({ timeout: 60_000 });
    // Each gateway was rebooted once, and nothing else was.
    const tasks = await rig.api<{ tasks: { name: string; deviceId: string }[] }>("GET", "/api/tasks?status=done&limit=1000");
    const rebooted = tasks.body.tasks.filter((t) => t.name === "reboot").map((t) => t.deviceId).sort();
    assert.deepEqual(rebooted, gateways.devices.map((d) => deviceIdOf(d.identity)).sort());
  });

  it("gives a viewer no way to change anything, and the API refuses the viewer's changes anyway", async () => {
    const page = await rig.logIn("vic");
    await page.getByText("(Viewer)").waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Devices" }).click();
    await page.getByRole("link", { name: idOf(gateways, 1) }).waitFor();
    assert.equal(await page.getByRole("group", { name: "Bulk actions" }).count(), 0);
    await page.getByRole("link", { name: idOf(gateways, 1) }).click();
    await page.getByLabel("Search parameters").fill("PeriodicInformInterval");
    await page.locator('[data-path="Device.ManagementServer.PeriodicInformInterval"]').waitFor();
    assert.equal(await page.getByRole("button", { name: /^(Edit|Refresh|Add an instance|Delete) / }).count(), 0);
    assert.equal(await page.getByLabel("Add a tag").count(), 0);
    await page.getByRole("tab", { name: "Tasks" }).click();
    await page.getByRole("heading", { name: "Tasks" }).waitFor();
    assert.equal(await page.getByRole("heading", { name: "Run a task" }).count(), 0);
    // What the page does not offer, the API refuses: the viewer's own login and CSRF token, from the page.
    const refused = await callFromPage(page, "POST", `/api/devices/${encodeURIComponent(idOf(gateways, 1))}/tasks`, { name: "reboot" });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error?.code, "PROVISIO_ERR_FORBIDDEN");
    const tasks = await rig.api<{ tasks: unknown[] }>("GET", `/api/tasks?deviceId=${encodeURIComponent(idOf(gateways, 1))}&status=pending`);
    assert.equal(tasks.body.tasks.length, 0);
  });

  it("brings the login page back, at the same place, when the login expires", async () => {
    await rig.user("eve", "operator");
    const page = await rig.logIn("eve");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Devices" }).click();
    await page.getByRole("link", { name: idOf(gateways, 0) }).waitFor();
    // The page's calls are over (the count is the last to come): a 401 from one of them would bring the
    // login page back before the click below, at the list.
    await page.getByRole("navigation", { name: "Devices pages" }).getByText(` of ${FLEET + 1}`).waitFor();
    // Disabling a user ends their logins at once.
    assert.equal((await rig.api("PATCH", "/api/users/eve", { disabled: true })).status, 200);
    await page.getByRole("link", { name: idOf(gateways, 0) }).click();
    await page.getByText("Your login expired. Log in again to continue where you were.").waitFor();
    assert.equal(decodeURIComponent(new URL(page.url()).pathname), `/devices/${idOf(gateways, 0)}`);
    assert.equal(await page.getByLabel("Username").count(), 1);
  });

  it("renders markup from a device's identity and values as text: nothing runs, and nothing needs the CSP to stop it", async () => {
    const id = idOf(hostile, 0);
    const set = await rig.api<{ status: string }>("POST", `/api/devices/${encodeURIComponent(id)}/tasks`, {
      name: "setParameterValues",
      args: { parameterValues: [{ name: "Device.DeviceInfo.ProvisioningCode", value: HOSTILE_VALUE }] },
      connectionRequest: true,
      wait: 20,
    });
    assert.equal(set.body.status, "done", JSON.stringify(set.body));
    await rig.api("PUT", `/api/devices/${encodeURIComponent(id)}/tags/${encodeURIComponent("<i>tag</i>")}`);
    const page = await adminPage();
    await page.goto(`${rig.base}/devices?filter=${encodeURIComponent('serialNumber ^= "EVIL"')}&columns=Device.DeviceInfo.ProvisioningCode`);
    await page.getByRole("cell", { name: HOSTILE_CLASS, exact: true }).waitFor();
    await page.getByRole("cell", { name: HOSTILE_VALUE, exact: true }).waitFor();
    await page.getByRole("link", { name: id }).click();
    await page.getByLabel("Search parameters").fill("ProvisioningCode");
    const value = page.locator('[data-path="Device.DeviceInfo.ProvisioningCode"]');
    await value.waitFor();
    assert.equal(await value.textContent(), HOSTILE_VALUE);
    assert.equal(await page.locator("img, script:not([src]), b").count(), 0, "no element made from device data");
    await page.getByText("<i>tag</i>").waitFor();
    assert.equal(await page.evaluate("window.__pwned"), undefined);
    assert.deepEqual(await cspViolations(page), []);
  });
});
