// `npm run screenshots`: pictures of each console page for the README and docs/console.md, taken in
// Debian's chromium against a real `provisio serve` with simulated devices (the browser tests' rig).
// Not part of `npm test`: it checks nothing, it only draws.
import { mkdirSync } from "node:fs";
import { startConsoleRig } from "../dist/test/console/support.js";

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
