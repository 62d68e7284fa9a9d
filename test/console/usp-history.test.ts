// A USP device's recent sessions in the web console (chromium against a real `provisio serve` on SQLite,
// a test agent over the real WebSocket MTP): each session's USP Msgs, as the API keeps them, shown as
// JSON text with which message, which way, over which MTP; a CWMP device's view is device.test.ts's.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pageProblems, settled } from "./axe.js";
import { startConsoleRig, until, type ConsoleRig } from "./support.js";

interface Summary {
  sessionId: string;
  events: string[];
  rpcs: string[];
}

interface Kept {
  protocol: string;
  direction: string;
  msgType: string;
  msgId: string;
  msg: string;
}

describe("web console: a USP device's session messages", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;
  let id = "";

  before(async () => {
    rig = await startConsoleRig();
    ({ id } = await rig.uspAgent("USPH", "H1"));
    const set = await rig.api<{ id: string }>("POST", `/api/devices/${encodeURIComponent(id)}/tasks`, { name: "setParameterValues", args: { parameterValues: [{ name: "Device.WiFi.SSID.1.SSID", value: "history-ssid" }] }, connectionRequest: true, wait: 60 });
    assert.ok(set.status < 300, JSON.stringify(set.body));
    await until("the onboarding and the Set recorded", async () => {
      const list = (await rig.api<{ sessions: Summary[] }>("GET", `/api/devices/${encodeURIComponent(id)}/sessions`)).body.sessions;
      return list.some((s) => s.events.includes("0 BOOTSTRAP")) && list.some((s) => s.rpcs.includes("SetParameterValues")) ? true : undefined;
    }, 60_000);
    await rig.user("ursula", "operator");
  });
  after(async () => {
    await rig?.close();
  });

  it("shows a session's USP Msgs as text, in order, each with its type, direction and MTP", async () => {
    const recorded = (await rig.api<{ sessions: Summary[] }>("GET", `/api/devices/${encodeURIComponent(id)}/sessions`)).body.sessions;
    const setSession = recorded.find((s) => s.rpcs.includes("SetParameterValues"))!;
    const kept = (await rig.api<{ envelopes: Kept[] }>("GET", `/api/devices/${encodeURIComponent(id)}/sessions/${encodeURIComponent(setSession.sessionId)}`)).body.envelopes;
    assert.ok(kept.length >= 4 && kept.every((k) => k.protocol === "usp"), JSON.stringify(kept));

    const page = await rig.logIn("ursula");
    await page.goto(`${rig.base}/devices/${encodeURIComponent(id)}`);
    await settled(page, id);
    await page.getByRole("tab", { name: "Sessions" }).click();
    const table = page.getByRole("table", { name: /Recent sessions/ });
    await table.locator("tbody tr").first().waitFor();
    await table.locator("tbody tr").nth(recorded.indexOf(setSession)).getByRole("button", { name: /^Show the envelopes of the session/ }).click();
    await page.getByRole("heading", { name: /^USP messages of the session started/ }).waitFor();
    const shown = page.getByTestId("usp-msg");
    await until("every Msg shown", async () => ((await shown.count()) === kept.length ? true : undefined));
    assert.deepEqual(await page.getByTestId("usp-msg-type").allTextContents(), kept.map((k) => k.msgType));
    assert.deepEqual(await shown.allTextContents(), kept.map((k) => k.msg));
    const set = kept.findIndex((k) => k.msgType === "SET");
    assert.ok(set >= 0 && kept[set]!.direction === "sent", JSON.stringify(kept.map((k) => k.msgType)));
    const setText = await shown.nth(set).textContent();
    assert.deepEqual(JSON.parse(setText!).body.request.set.update_objs[0].param_settings[0], { param: "SSID", value: "history-ssid", required: true });
    const line = await page.locator("#session-envelopes li").nth(set).locator(".muted").textContent();
    assert.match(line ?? "", new RegExp(`^SET to the agent over WebSocket, .+, msg_id ${kept[set]!.msgId}$`));
    assert.match((await page.locator("#session-envelopes li").nth(set + 1).locator(".muted").textContent()) ?? "", /^SET_RESP from the agent over WebSocket/);
    // Shown as text: the JSON is no markup of the page.
    assert.equal(await page.locator("#session-envelopes pre *").count(), 0);
    assert.deepEqual(await pageProblems(page, "a USP device's session messages"), []);
  });
});
