// Webhooks: registered through the API, delivered to an in-test receiver, signed (HMAC-SHA256 over the
// timestamp and the body), retried with back-off after failures, given up after the last attempt, each
// attempt visible; filtered by type and device; and delivered once even with two ACS processes.

import assert from "node:assert/strict";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { webhookSealContext } from "../../src/server/webhooks.js";
import { forEachBackend } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";
import { eventually, isError, startApiAcs, type ApiAcs } from "./support.js";
import { Receiver, type Delivery } from "./webhook-receiver.js";

/** What a receiver does to trust a delivery (docs/api.md shows the same). */
function verify(d: Delivery, secret: string): boolean {
  const ts = String(d.headers["provisio-timestamp"]);
  const expected = "sha256=" + createHmac("sha256", secret).update(`${ts}.${d.body}`).digest("hex");
  const given = String(d.headers["provisio-signature"]);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

forEachBackend((backend) => {
  describe("webhooks", () => {
    let t: ApiAcs;
    before(async () => {
      // The receivers listen on 127.0.0.1, which webhooks may reach only when allowed.
      t = await startApiAcs(backend, { settings: { webhooks: { maxAttempts: 3, allowTargets: ["127.0.0.1"] } } });
    });
    after(() => t.stop());

    async function bootstrap(productClass = "HGW"): Promise<TestCpe> {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { productClass } });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      c.close();
      return c;
    }
    const deliveries = async (hook: string) => (await t.api.get(`/api/webhooks/${hook}/deliveries`)).body.deliveries;

    it("registers, lists, changes and removes webhooks, and refuses what it cannot deliver to", async () => {
      const created = await t.api.post("/api/webhooks", { name: "ops", url: "https://hooks.example.net/provisio", events: ["task.failed"] });
      assert.equal(created.status, 201, created.text);
      assert.match(created.body.secret, /^whsec_/);
      // The webhook as GET answers it, with the secret (shown this once) beside its fields.
      const { secret: shown, ...hook } = created.body;
      assert.equal(shown, created.body.secret);
      assert.deepEqual([hook.name, hook.url, hook.events, hook.filter, hook.enabled], ["ops", "https://hooks.example.net/provisio", ["task.failed"], null, true]);
      assert.equal(created.text.includes("secretSealed"), false);
      assert.deepEqual((await t.api.get(`/api/webhooks/${hook.id}`)).body, hook);
      assert.ok((await t.api.get("/api/webhooks")).body.webhooks.some((h: { id: string }) => h.id === hook.id));
      const patched = await t.api.patch(`/api/webhooks/${hook.id}`, { enabled: false, filter: 'tag = "vip"' });
      assert.deepEqual([patched.body.enabled, patched.body.filter], [false, 'tag = "vip"']);
      assert.equal((await t.api.patch(`/api/webhooks/${hook.id}`, { filter: null })).body.filter, null);
      assert.ok(isError(await t.api.post("/api/webhooks", { name: "x", url: "ftp://example.net/" }), 400, "WEBHOOK_URL_INVALID"));
      assert.ok(isError(await t.api.post("/api/webhooks", { name: "x", url: "https://user:pw@example.net/" }), 400, "WEBHOOK_URL_INVALID"));
      assert.ok(isError(await t.api.post("/api/webhooks", { name: "x", url: "not a url" }), 400, "WEBHOOK_URL_INVALID"));
      assert.ok(isError(await t.api.post("/api/webhooks", { name: "x", url: "https://example.net/", filter: "tag =" }), 400, "FILTER_INVALID"));
      // The allow-list admits 127.0.0.1 and nothing else of loopback.
      assert.ok(isError(await t.api.post("/api/webhooks", { name: "x", url: "http://127.0.0.2:7557/" }), 400, "WEBHOOK_TARGET_REFUSED"));
      assert.ok(isError(await t.api.post("/api/webhooks", { name: "x", url: "http://[::1]:7557/" }), 400, "WEBHOOK_TARGET_REFUSED"));
      assert.ok(isError(await t.api.patch(`/api/webhooks/${hook.id}`, { url: "http://169.254.169.254/latest/meta-data/" }), 400, "WEBHOOK_TARGET_REFUSED"));
      const badType = await t.api.post("/api/webhooks", { name: "x", url: "https://example.net/", events: ["device.exploded"] });
      assert.ok(isError(badType, 400, "VALIDATION"));
      assert.ok(isError(await t.api.post("/api/webhooks", { name: "x", url: "https://example.net/", secret: "short" }), 400, "VALIDATION"));
      assert.equal((await t.api.del(`/api/webhooks/${hook.id}`)).status, 204);
      assert.ok(isError(await t.api.get(`/api/webhooks/${hook.id}`), 404, "WEBHOOK_NOT_FOUND"));
      assert.ok(isError(await t.api.del(`/api/webhooks/${hook.id}`), 404, "WEBHOOK_NOT_FOUND"));
      assert.ok(isError(await t.api.patch(`/api/webhooks/${hook.id}`, { enabled: true }), 404, "WEBHOOK_NOT_FOUND"));
      assert.ok(isError(await t.api.get(`/api/webhooks/${hook.id}/deliveries`), 404, "WEBHOOK_NOT_FOUND"));
    });

    it("delivers the chosen events, signed, with every attempt visible", async () => {
      const rx = await new Receiver().start();
      try {
        const secret = "a-receiver-chosen-secret-of-32-chars";
        const hook = (await t.api.post("/api/webhooks", { name: "registrations", url: rx.url, events: ["device.registered"], secret })).body;
        const c = await bootstrap();
        const got = await eventually(() => rx.received.find((d) => d.json.deviceId === c.deviceId), "the delivery");
        assert.ok(verify(got, secret), "the signature checks out with the secret");
        assert.equal(verify({ ...got, body: got.body.replace("registered", "Registered") }, secret), false, "and fails for another body");
        assert.equal(got.headers["provisio-event"], "device.registered");
        assert.equal(got.headers["content-type"], "application/json");
        assert.equal(got.json.type, "device.registered");
        assert.equal(got.headers["provisio-event-id"], got.json.id);
        assert.ok(Math.abs(Number(got.headers["provisio-timestamp"]) * 1000 - Date.now()) < 60_000);
        // Other event types of the same session are not sent.
        assert.ok(rx.received.every((d) => d.json.type === "device.registered"));
        const list = await eventually(async () => {
          const l = await deliveries(hook.id);
          return l.length > 0 && l[0].status === "delivered" ? l : undefined;
        }, "the delivery recorded");
        assert.equal(list.length, 1);
        assert.equal(list[0].id, got.headers["provisio-delivery"]);
        assert.deepEqual([list[0].eventType, list[0].deviceId, list[0].attempts, list[0].eventId], ["device.registered", c.deviceId, 1, got.json.id]);
        assert.deepEqual(list[0].attemptLog.map((a: { attempt: number; ok: boolean; statusCode: number; error: string | null }) => [a.attempt, a.ok, a.statusCode, a.error]), [[1, true, 200, null]]);
        await t.api.del(`/api/webhooks/${hook.id}`);
      } finally {
        await rx.close();
      }
    });

    it("retries a failed delivery with back-off until it is accepted", async () => {
      const rx = await new Receiver([500, 503]).start();
      try {
        const hook = (await t.api.post("/api/webhooks", { name: "flaky", url: rx.url, events: ["device.registered"] })).body;
        const c = await bootstrap();
        const list = await eventually(async () => {
          const l = await deliveries(hook.id);
          return l[0]?.status === "delivered" ? l : undefined;
        }, "the delivery to succeed");
        const log = list[0].attemptLog as { attempt: number; at: string; ok: boolean; statusCode: number; error: string | null }[];
        assert.deepEqual(log.map((a) => [a.attempt, a.ok, a.statusCode]), [[1, false, 500], [2, false, 503], [3, true, 200]]);
        assert.equal(log[0]!.error, "the receiver answered HTTP 500");
        assert.ok(Date.parse(log[1]!.at) - Date.parse(log[0]!.at) >= 100, "waited the base delay");
        assert.ok(Date.parse(log[2]!.at) - Date.parse(log[1]!.at) >= 200, "then twice as long");
        assert.equal(rx.received.length, 3);
        assert.ok(rx.received.every((d) => d.json.deviceId === c.deviceId && d.headers["provisio-delivery"] === list[0].id));
        assert.deepEqual(rx.received.map((d) => d.headers["provisio-attempt"]), ["1", "2", "3"]);
        await t.api.del(`/api/webhooks/${hook.id}`);
      } finally {
        await rx.close();
      }
    });

    it("gives a delivery up after the last attempt, and keeps it visible", async () => {
      const rx = await new Receiver([500, 500, 500, 500]).start();
      try {
        const hook = (await t.api.post("/api/webhooks", { name: "down", url: rx.url, events: ["device.registered"] })).body;
        await bootstrap();
        const list = await eventually(async () => {
          const l = await deliveries(hook.id);
          return l[0]?.status === "failed" ? l : undefined;
        }, "the delivery to be given up");
        assert.equal(list[0].attempts, 3);
        assert.equal(list[0].attemptLog.length, 3);
        assert.equal(list[0].nextAttemptAt, null);
        assert.equal((await t.api.get(`/api/webhooks/${hook.id}/deliveries?status=failed`)).body.deliveries.length, 1);
        assert.equal((await t.api.get(`/api/webhooks/${hook.id}/deliveries?status=delivered`)).body.deliveries.length, 0);
        // Nothing more is sent.
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(rx.received.length, 3);
        await t.api.del(`/api/webhooks/${hook.id}`);
      } finally {
        await rx.close();
      }
    });

    it("sends only the events of devices its filter matches", async () => {
      const rx = await new Receiver().start();
      try {
        const hook = (await t.api.post("/api/webhooks", { name: "filtered", url: rx.url, events: ["device.inform"], filter: 'productClass = "Watched"' })).body;
        const ignored = await bootstrap("Ignored");
        const watched = await bootstrap("Watched");
        await eventually(() => rx.received.find((d) => d.json.deviceId === watched.deviceId), "the watched device's event");
        await t.acs.feed.sync();
        await new Promise((r) => setTimeout(r, 200));
        assert.ok(rx.received.every((d) => d.json.deviceId === watched.deviceId), `not ${ignored.deviceId}`);
        await t.api.del(`/api/webhooks/${hook.id}`);
      } finally {
        await rx.close();
      }
    });
  });

  describe("webhooks with two ACS processes on one database", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "provisio-nbi-hooks-"));
    let a: ApiAcs;
    let b: ApiAcs;
    before(async () => {
      const settings = { webhooks: { allowTargets: ["127.0.0.1/32"] } };
      a = await startApiAcs(backend, { dataDir, settings });
      b = await startApiAcs(backend, { dataDir, dbUrl: a.dbUrl, settings });
    });
    after(async () => {
      await b.stop();
      await a.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("delivers each event once, whichever process sends it", async () => {
      const rx = await new Receiver().start();
      try {
        const hook = (await a.api.post("/api/webhooks", { name: "once", url: rx.url, events: ["device.registered", "device.inform"] })).body;
        const devices: TestCpe[] = [];
        for (let i = 0; i < 6; i++) {
          const target = i % 2 === 0 ? a : b;
          const c = new TestCpe({ url: target.url, username: a.username, password: a.password });
          await c.inform(["0 BOOTSTRAP"]);
          await c.send(null);
          c.close();
          devices.push(c);
        }
        await eventually(() => (rx.received.length >= 12 ? true : undefined), "12 deliveries");
        await new Promise((r) => setTimeout(r, 300)); // room for duplicates to show up, were there any
        const ids = rx.received.map((d) => d.json.id);
        assert.equal(ids.length, 12);
        assert.equal(new Set(ids).size, 12, "no event delivered twice");
        assert.deepEqual(new Set(rx.received.map((d) => d.json.deviceId)), new Set(devices.map((c) => c.deviceId)));
        const list = (await b.api.get(`/api/webhooks/${hook.id}/deliveries`)).body.deliveries;
        assert.equal(list.length, 12);
        assert.ok(list.every((d: { status: string; attempts: number }) => d.status === "delivered" && d.attempts === 1));
      } finally {
        await rx.close();
      }
    });
  });

  describe("webhooks without an allow-list", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend, { settings: { webhooks: { maxAttempts: 1 } } });
    });
    after(() => t.stop());

    it("refuses internal addresses in every spelling when a webhook is saved", async () => {
      const refused = [
        "http://127.0.0.1:7557/", "http://127.1:7547/", "http://0x7f000001/", "http://2130706433/", "http://017700000001/",
        "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[::127.0.0.1]/", "http://[64:ff9b::127.0.0.1]/", "http://0.0.0.0:7567/",
        "http://localhost:7557/", "http://LOCALHOST./", "http://api.localhost/", "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/", "http://[fe80::1]/", "http://100.100.100.200/", "http://10.0.0.1/", "http://172.31.255.255/",
        "http://192.168.1.1/", "https://[fc00::1]/", "http://224.0.0.1/", "http://255.255.255.255/",
      ];
      for (const url of refused) {
        const res = await t.api.post("/api/webhooks", { name: "inward", url });
        assert.ok(isError(res, 400, "WEBHOOK_TARGET_REFUSED"), url);
        assert.match(res.body.error.message, /webhooks\.allowTargets/);
      }
      // Public addresses and names pass (disabled: nothing is sent to them).
      for (const url of ["https://203.0.114.7/hook", "https://[2001:4860::8888]/hook", "https://hooks.example.net/hook"]) {
        const created = await t.api.post("/api/webhooks", { name: "outward", url, enabled: false });
        assert.equal(created.status, 201, created.text);
        await t.api.del(`/api/webhooks/${created.body.id}`);
      }
    });

    it("refuses at delivery the address a name resolves to, and literal addresses saved before the check", async () => {
      const rx = await new Receiver().start();
      try {
        const port = new URL(rx.url).port;
        const hooks = [];
        // As saved before this check existed, or by a name that resolved elsewhere then (DNS rebinding).
        for (const url of [`http://localhost:${port}/hook`, `http://127.1:${port}/hook`]) {
          const id = randomUUID();
          const now = new Date();
          hooks.push(await t.acs.store.webhooks.create({
            id, name: url, url, events: ["device.registered"], filter: null,
            secretSealed: t.acs.secrets.box.seal("a-secret-of-at-least-16", webhookSealContext(id)), enabled: true, createdAt: now, updatedAt: now,
          }));
        }
        const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
        await c.inform(["0 BOOTSTRAP"]);
        await c.send(null);
        c.close();
        for (const hook of hooks) {
          const list = await eventually(async () => {
            const l = (await t.api.get(`/api/webhooks/${hook.id}/deliveries`)).body.deliveries;
            return l[0]?.status === "failed" ? l : undefined;
          }, `the delivery to ${hook.url} given up`);
          assert.deepEqual(list[0].attemptLog.map((a: { statusCode: number | null; error: string }) => [a.statusCode, a.error]), [
            [null, "not sent: the address 127.0.0.1 is refused (loopback); webhooks.allowTargets can admit it"],
          ]);
        }
        assert.equal(rx.received.length, 0, "nothing reached the receiver");
      } finally {
        await rx.close();
      }
    });
  });
});
