// A device's page end to end (chromium against a real `provisio serve` on SQLite, a simulated device):
// the log of its recent sessions with their envelopes, and a diagnostic run from the page.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Simulation } from "../../src/sim/runtime/index.js";
import { deviceIdOf } from "../../src/session/index.js";
import { readTree, startConsoleRig, until, type ConsoleRig } from "./support.js";

interface Summary {
  sessionId: string;
  events: string[];
  rpcs: string[];
  cpeRequests: string[];
  outcome: string;
}

describe("web console: a device's sessions and diagnostics", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;
  let sim: Simulation;
  let id = "";

  before(async () => {
    rig = await startConsoleRig();
    sim = await rig.devices(1, { serialPrefix: "DEV" });
    id = deviceIdOf(sim.devices[0]!.identity);
    await until("the device registered", async () => ((await rig.api<{ total: number }>("GET", "/api/devices?limit=1&count=true")).body.total === 1 ? true : undefined));
    await readTree(rig, id);
    // A session's history row is written once the session has ended, after its tasks are settled: the
    // read's row may still be on its way when readTree returns.
    await until("the bootstrap and the read recorded in the history", async () =>
      (await rig.api<{ sessions: Summary[] }>("GET", `/api/devices/${encodeURIComponent(id)}/sessions`)).body.sessions.filter((s) => s.events.includes("6 CONNECTION REQUEST") || s.events.includes("0 BOOTSTRAP")).length >= 2 ? true : undefined);
    await rig.user("olga", "operator");
  });
  after(async () => {
    await rig?.close();
  });

  it("lists the recent sessions as the API records them, and shows an envelope as text", async () => {
    const page = await rig.logIn("olga");
    await page.goto(`${rig.base}/devices/${encodeURIComponent(id)}`);
    await page.getByRole("tab", { name: "Sessions" }).click();
    const table = page.getByRole("table", { name: /Recent sessions/ });
    const recorded = (await rig.api<{ sessions: Summary[] }>("GET", `/api/devices/${encodeURIComponent(id)}/sessions`)).body.sessions;
    assert.ok(recorded.length >= 2, "the bootstrap session and the read of the tree");
    // Its last row, not its first: the table shows a row of its own while it loads.
    await table.locator("tbody tr").nth(recorded.length - 1).waitFor();
    const rows = await table.locator("tbody tr").all();
    assert.equal(rows.length, recorded.length);
    for (const [i, s] of recorded.entries()) {
      const cells = await rows[i]!.locator("td").allTextContents();
      assert.equal(cells[1], s.events.join(", "));
      assert.equal(cells[2], [...s.cpeRequests, ...s.rpcs].join(" → ") || "none");
      assert.match(cells[3]!, new RegExp(`^${s.outcome}`));
      assert.match(cells[4]!, /^\d+(\.\d+)? s$/);
    }
    // The read of the tree: the connection request's session, its RPCs in order.
    const read = recorded.find((s) => s.events.includes("6 CONNECTION REQUEST"));
    assert.ok(read, JSON.stringify(recorded));
    assert.equal(read.rpcs[0], "GetParameterNames");
    await rows[recorded.indexOf(read)]!.getByRole("button", { name: /^Show the envelopes of the session/ }).click();
    const first = page.getByTestId("envelope").first();
    await first.waitFor();
    assert.match((await first.textContent()) ?? "", /^<\?xml|^<soap|<cwmp:Inform>/);
    // Shown as text: the XML's elements are not elements of the page.
    assert.match(await first.innerHTML(), /&lt;/);
    assert.equal(await page.locator("#session-envelopes pre *").count(), 0);
  });

  it("runs a ping from the device page and shows its result when the device reports it", async () => {
    const page = await rig.logIn("olga");
    await page.goto(`${rig.base}/devices/${encodeURIComponent(id)}`);
    await page.getByRole("tab", { name: "Diagnostics" }).click();
    await page.getByText("No diagnostic has run on this device.").waitFor();
    await page.getByLabel("Host").fill("example.net");
    await page.getByLabel("Repetitions").fill("3");
    await page.getByRole("button", { name: "Run ping" }).click();
    const result = page.getByTestId("diagnostic-result");
    // It arrives from the event stream: nothing on the page is clicked again.
    await result.getByRole("heading", { name: "Latest: ipPing, complete (Complete)" }).waitFor({ timeout: 30_000 });
    const run = (await rig.api<{ diagnostics: { status: string; results: { results: Record<string, unknown> } }[] }>("GET", `/api/devices/${encodeURIComponent(id)}/diagnostics`)).body.diagnostics[0]!;
    assert.equal(run.status, "complete");
    assert.equal(run.results.results.SuccessCount, 3);
    const shown = await result.locator("dt").allTextContents();
    assert.deepEqual(shown, Object.keys(run.results.results));
    assert.equal(await result.locator("dt", { hasText: /^SuccessCount$/ }).locator("xpath=following-sibling::dd[1]").textContent(), "3");
  });
});
