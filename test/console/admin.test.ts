// The console's administration in chromium: an admin creates a user, who then logs in with the
// password as a viewer and finds no way to change anything (and the API refuses anyway); keys are
// shown once, the configuration arrives with its secrets masked, and the audit trail has the changes.
// A webhook's failed delivery is sent again from its delivery history.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { Receiver } from "../nbi/webhook-receiver.js";
import { cspViolations, startConsoleRig, until, type ConsoleRig } from "./support.js";

const PASSWORD = "carol-has-a-long-password";

describe("console: administration", { timeout: 300_000 }, () => {
  let rig: ConsoleRig;

  before(async () => {
    // The test's webhook receiver is on 127.0.0.1; one attempt, so that a failure is final at once.
    rig = await startConsoleRig({ set: ["webhooks.allowTargets=127.0.0.1", "webhooks.maxAttempts=1"] });
  });
  after(async () => {
    await rig?.close();
  });

  it("lets an admin create a user, who as a viewer sees no way to change anything, and whom the API refuses anyway", async () => {
    const admin = await (await rig.context(rig.adminKey)).newPage();
    await admin.goto(`${rig.base}/admin`);
    await admin.getByRole("tab", { name: "Users", selected: true }).waitFor();
    await admin.getByLabel("Username").fill("Carol");
    await admin.getByLabel("Display name (optional)").fill("Carol Viewer");
    await admin.getByLabel("Role", { exact: true }).selectOption("read-only");
    await admin.getByLabel("Password").fill("short");
    await admin.getByRole("button", { name: "Create user" }).click();
    // The server's policy, in its words; nothing is created.
    await admin.getByRole("alert").filter({ hasText: /12/ }).waitFor();
    assert.equal((await rig.api("GET", "/api/users/carol")).status, 404);
    await admin.getByLabel("Password").fill(PASSWORD);
    await admin.getByRole("button", { name: "Create user" }).click();
    await admin.getByText("Created carol (Viewer).").waitFor();
    await admin.getByRole("cell", { name: "carol", exact: true }).waitFor();
    // Scoped to a tenant from her row, and back to every device.
    assert.equal((await rig.api("POST", "/api/tenants", { name: "lab", filter: 'tag = "lab"' })).status, 201);
    await admin.reload();
    await admin.getByLabel("Tenant of carol").selectOption("lab");
    await admin.getByText("carol: now in tenant lab.").waitFor();
    assert.equal((await rig.api<{ tenant: string | null }>("GET", "/api/users/carol")).body.tenant, "lab");
    await admin.getByLabel("Tenant of carol").selectOption("");
    await admin.getByText("carol: now sees every device.").waitFor();
    assert.equal((await rig.api<{ tenant: string | null }>("GET", "/api/users/carol")).body.tenant, null);
    assert.deepEqual(await cspViolations(admin), []);

    // Carol logs in with her password, in a browser without any key.
    const page = await (await rig.context(null)).newPage();
    await page.goto(`${rig.base}/admin`);
    await page.getByLabel("Username").fill("carol");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Administration" }).waitFor();
    await page.getByText("Administration is for admins").waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    assert.equal(await nav.getByRole("link", { name: "Admin" }).count(), 0, "no Admin in a viewer's navigation");
    await viewerSeesNoChange(page, `${rig.base}/provisioning`, "Provisioning");
    await viewerSeesNoChange(page, `${rig.base}/files`, "Files and campaigns");

    // And the API refuses her, with her own login's CSRF token.
    const refused = (await page.evaluate(`(async () => {
      const s = await (await fetch("/api/session")).json();
      const post = await fetch("/api/users", { method: "POST", headers: { "content-type": "application/json", "x-csrf-token": s.csrfToken },
        body: JSON.stringify({ username: "mallory", role: "admin", password: "mallory-long-password" }) });
      const list = await fetch("/api/users");
      return [s.principal.role, post.status, (await post.json()).error.code, list.status];
    })()`)) as unknown[];
    assert.deepEqual(refused, ["read-only", 403, "PROVISIO_ERR_FORBIDDEN", 403]);
    assert.equal((await rig.api("GET", "/api/users/mallory")).status, 404);
  });

  it("shows a new key once, the configuration with its secrets masked, and the audit trail of the changes", async () => {
    const page = await (await rig.context(rig.adminKey)).newPage();
    await page.goto(`${rig.base}/admin?tab=keys`);
    await page.getByLabel("Key name").fill("grafana");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-key").textContent())?.trim() ?? "";
    assert.match(key, /^pvk_/);
    assert.equal((await (await fetch(`${rig.base}/api/whoami`, { headers: { authorization: `Bearer ${key}` } })).json() as { name: string }).name, "grafana");
    await page.getByRole("cell", { name: "grafana", exact: true }).waitFor();

    await page.getByRole("tab", { name: "Configuration" }).click();
    const config = page.locator("dl.config");
    await config.waitFor();
    const text = (await config.textContent()) ?? "";
    assert.match(text, /cwmp\.bootstrapPassword"\*\*\*"/);
    assert.doesNotMatch(text, /console-boot-secret/);

    await page.getByRole("tab", { name: "Audit trail" }).click();
    await page.getByLabel("Action").fill("apiKey.create");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("cell", { name: /grafana/ }).first().waitFor();
    // The unfiltered page may still be showing (it has grafana's entry too): wait for the filtered one.
    await until("the filter applies", async () => ((await page.locator("tbody tr").filter({ hasText: "user.create" }).count()) === 0 ? true : undefined));
    assert.deepEqual(await cspViolations(page), []);
  });

  it("redelivers a failed webhook delivery from its history", async () => {
    const rx = await new Receiver([500]).start();
    try {
      const hook = await rig.api<{ id: string }>("POST", "/api/webhooks", { name: "ticketing", url: rx.url, events: ["device.registered"] });
      assert.equal(hook.status, 201);
      await rig.devices(1, { serialPrefix: "HOOK" });
      type D = { id: string; status: string; eventId: string; eventType: string };
      const failed = await until("the delivery given up", async () => {
        const l = (await rig.api<{ deliveries: D[] }>("GET", `/api/webhooks/${hook.body.id}/deliveries`)).body.deliveries;
        return l[0]?.status === "failed" ? l[0] : undefined;
      });

      const page = await (await rig.context(rig.adminKey)).newPage();
      await page.goto(`${rig.base}/admin?tab=webhooks`);
      await page.getByRole("button", { name: "Deliveries of ticketing" }).click();
      const row = page.locator("tbody tr").filter({ hasText: `#${failed.eventId}` });
      await row.filter({ hasText: "failed" }).waitFor();
      await page.getByRole("button", { name: `Redeliver ${failed.eventType} #${failed.eventId}` }).click();
      await page.getByText(`${failed.eventType} #${failed.eventId}: queued again.`).waitFor();
      // The receiver accepts it this time; the history shows it delivered, after two attempts.
      await until("the row delivered", async () => {
        await page.getByRole("button", { name: "Reload" }).click();
        return (await row.filter({ hasText: /delivered \(redelivered/ }).count()) > 0 ? true : undefined;
      });
      assert.equal(await row.locator("ol.attempts li").count(), 2);
      assert.equal(rx.received.length, 2);
      assert.equal(await page.getByRole("button", { name: `Redeliver ${failed.eventType} #${failed.eventId}` }).count(), 1, "a delivered one can be sent again");
      assert.deepEqual(await cspViolations(page), []);
    } finally {
      await rx.close();
    }
  });
});

/** A viewer's page offers no control that changes anything. */
async function viewerSeesNoChange(page: Page, url: string, heading: string): Promise<void> {
  await page.goto(url);
  await page.getByRole("heading", { name: heading, exact: true }).waitFor();
  await page.locator("[data-loaded]").first().waitFor();
  const changing = page.getByRole("button", { name: /^(Save|Create|Upload|Delete|Start campaign|Run|Revert)/ });
  assert.equal(await changing.count(), 0, `${heading}: ${await changing.allTextContents()}`);
}
