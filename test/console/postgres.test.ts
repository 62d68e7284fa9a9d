// The console's main path on PostgreSQL (the other browser tests run on SQLite): log in, find a device
// by filter, open its tree, change a value and see the device report it; the audit trail names the user.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Simulation } from "../../src/sim/runtime/index.js";
import { deviceIdOf } from "../../src/session/index.js";
import { createTestDatabase, pgServerUrl, PG_MISSING_MESSAGE, type TestDatabase } from "../support/pg.js";
import { readTree, setAndSeeReported, startConsoleRig, until, type ConsoleRig } from "./support.js";

describe("web console on PostgreSQL: the main path", { timeout: 300_000 }, () => {
  let db: TestDatabase;
  let rig: ConsoleRig;
  let sim: Simulation;

  before(async () => {
    const server = pgServerUrl();
    assert.ok(server, PG_MISSING_MESSAGE);
    db = await createTestDatabase(server);
    rig = await startConsoleRig({ db: db.url });
    sim = await rig.devices(3, { serialPrefix: "PGM" });
    await until("the devices registered", async () => ((await rig.api<{ total: number }>("GET", "/api/devices?limit=1&count=true")).body.total === 3 ? true : undefined));
    await readTree(rig, deviceIdOf(sim.devices[1]!.identity));
    await rig.user("pat", "operator");
  });
  after(async () => {
    await rig?.close();
    await db?.drop();
  });

  it("logs in, finds a device by filter, changes a value in its tree and shows what the device reports", async () => {
    const id = deviceIdOf(sim.devices[1]!.identity);
    const page = await rig.logIn("pat");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Devices" }).click();
    await page.getByLabel("Filter", { exact: true }).fill('serialNumber = "PGM000002"');
    await page.keyboard.press("Enter");
    await page.getByText("1–1 of 1").waitFor();
    await page.getByRole("link", { name: id }).click();
    await page.getByLabel("Search parameters").fill("PeriodicInformInterval");
    await page.getByRole("button", { name: "Edit Device.ManagementServer.PeriodicInformInterval" }).click();
    await page.getByLabel(/New value of Device\.ManagementServer\.PeriodicInformInterval/).fill("4321");
    await setAndSeeReported(rig, page, { deviceId: id, sim: sim.devices[1]!, value: "4321", user: "pat" });
  });
});
