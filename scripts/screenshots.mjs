// `npm run screenshots`: pictures of each console page for the README and docs/console.md, taken in
// Debian's chromium against a real `provisio serve` with simulated devices (the browser tests' rig).
// Not part of `npm test`: it checks nothing, it only draws.
import { mkdirSync } from "node:fs";
import { startConsoleRig } from "../dist/test/console/support.js";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write("usage: npm run screenshots\n  Draws each console page into docs/screenshots/ (overwriting them), in Debian's chromium.\n");
  process.exit(0);
}
const out = new URL("../docs/screenshots/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const rig = await startConsoleRig();
try {
  await rig.devices(12, { serialPrefix: "GW", productClass: "HGW-1000" });
  await rig.devices(5, { serialPrefix: "ONT", productClass: "ONT-G2" });
  const until = Date.now() + 30_000;
  while ((await rig.api("GET", "/api/devices?limit=1&count=true")).body.total < 17 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  const first = (await rig.api("GET", "/api/devices?limit=1")).body.devices[0].id;
  await rig.api("POST", "/api/devices/" + encodeURIComponent(first) + "/tags/lab");

  await rig.user("admin", "admin");
  const page = await rig.logIn("admin");
  const shot = async (name, path, ready) => {
    await page.goto(rig.base + path);
    await ready();
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${out}${name}.png` });
    process.stdout.write(`docs/screenshots/${name}.png\n`);
  };
  await shot("overview", "/", () => page.getByRole("heading", { name: "By product class" }).waitFor());
  await shot("devices", "/devices?columns=Device.DeviceInfo.SoftwareVersion", () => page.getByRole("link", { name: first }).waitFor());
  await shot("devices-filter-error", "/devices?filter=" + encodeURIComponent('productClass = "HGW-1000" AND'), () => page.getByText(/Column \d+/).waitFor());
  await shot("device", "/devices/" + encodeURIComponent(first), async () => {
    await page.getByRole("button", { name: "Open Device." }).click();
    await page.getByRole("button", { name: "Open Device.DeviceInfo." }).click();
  });
  // Provisioning: a provision with two versions (the diff between them), a preset over the gateways.
  const declare = (value) => ({ name: "interval", kind: "declarative", declarations: [{ path: "Device.ManagementServer.PeriodicInformInterval", value }] });
  await rig.api("PUT", "/api/provisions/interval", declare(900));
  await rig.api("PUT", "/api/provisions/interval", declare(1800));
  await rig.api("PUT", "/api/provisions/wifi-name", { name: "wifi-name", kind: "script", script: 'const serial = get("Device.DeviceInfo.SerialNumber");\nif (serial) declare("Device.WiFi.SSID.1.SSID", { value: "home-" + serial.value.slice(-4) });\n' });
  await rig.api("PUT", "/api/presets/gateways", { name: "gateways", filter: 'productClass = "HGW-1000"', provisions: [{ name: "interval" }, { name: "wifi-name" }] });
  await shot("provisioning", "/provisioning", () => page.getByRole("link", { name: "wifi-name" }).waitFor());
  await shot("provision", "/provisioning/provisions/interval", async () => {
    await page.locator('[data-editor="doc-json"][data-ready]').waitFor();
    await page.getByRole("button", { name: "Show changes of version 2" }).click();
    await page.locator("pre.diff .diff-add").first().waitFor();
  });
  // Files and a campaign under way over the gateways.
  const upload = await globalThis.fetch(rig.base + "/api/files?name=hgw-1000-2.4.1.bin&fileType=1%20Firmware%20Upgrade%20Image&version=2.4.1&productClass=HGW-1000", {
    method: "POST", headers: { authorization: `Bearer ${rig.adminKey}`, "content-type": "application/octet-stream" }, body: new Uint8Array(256 * 1024),
  });
  const file = await upload.json();
  const campaign = (await rig.api("POST", "/api/campaigns", { name: "HGW-1000 to 2.4.1", filter: 'productClass = "HGW-1000"', fileId: file.id, batchSize: 4, concurrency: 2 })).body;
  const seen = Date.now() + 20_000;
  while ((await rig.api("GET", `/api/campaigns/${campaign.id}`)).body.total === 0 && Date.now() < seen) await new Promise((r) => setTimeout(r, 200));
  await shot("files", "/files", () => page.getByRole("link", { name: campaign.name }).waitFor());
  await shot("campaign", `/campaigns/${campaign.id}`, () => page.locator("tbody [data-state]").first().waitFor());
  await shot("admin", "/admin?tab=keys", () => page.getByRole("cell", { name: "bootstrap admin", exact: true }).waitFor().catch(() => page.locator("[data-loaded]").waitFor()));
  await shot("audit", "/admin?tab=audit", () => page.getByRole("cell", { name: /campaign.create/ }).first().waitFor());
  // A tablet, upright.
  await page.setViewportSize({ width: 820, height: 1180 });
  await shot("devices-tablet", "/devices", () => page.getByRole("link", { name: first }).waitFor());
  const anonymous = await (await rig.context(null)).newPage();
  await anonymous.goto(rig.base + "/");
  await anonymous.getByLabel("Username").waitFor();
  await anonymous.screenshot({ path: `${out}login.png` });
  process.stdout.write("docs/screenshots/login.png\n");
} finally {
  await rig.close();
}
