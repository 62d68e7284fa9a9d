// Webhook redelivery: a delivery given up (or delivered) is put back in the queue through the API, sent
// again to the same receiver with the same delivery id, and gets a round of attempts of its own; what
// cannot be redelivered is refused with a clear error, and the call is in the audit trail.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { forEachBackend } from "../support/pg.js";
import { TestCpe } from "../support/test-cpe.js";
import { eventually, isError, startApiAcs, type ApiAcs } from "./support.js";
import { Receiver } from "./webhook-receiver.js";

interface AttemptJson { attempt: number; ok: boolean; statusCode: number | null }
interface DeliveryJson { id: string; eventId: string; status: string; attempts: number; redeliveredAt: string | null; completedAt: string | null; attemptLog: AttemptJson[] }

forEachBackend((backend) => {
  describe("webhook redelivery", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend, { settings: { webhooks: { maxAttempts: 2, allowTargets: ["127.0.0.1"] } } });
    });
    after(() => t.stop());

    async function bootstrap(): Promise<void> {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, identity: { productClass: "HGW" } });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      c.close();
    }
    const settled = (hook: string, status: string) => eventually(async () => {
      const l = (await t.api.get(`/api/webhooks/${hook}/deliveries`)).body.deliveries as DeliveryJson[];
      return l.length === 1 && l[0]!.status === status ? l[0] : undefined;
    }, `the delivery ${status}`);
    const redeliver = (hook: string, delivery: string) => t.api.post(`/api/webhooks/${hook}/deliveries/${delivery}/redeliver`, {});

    it("sends a failed delivery again, with attempts of its own, until the receiver accepts it", async () => {
      // Down for the first round (2 attempts) and the first attempt of the redelivery, then up.
      const rx = await new Receiver([500, 500, 503]).start();
      try {
        const hook = (await t.api.post("/api/webhooks", { name: "down-then-up", url: rx.url, events: ["device.registered"] })).body;
        await bootstrap();
        const failed = await settled(hook.id, "failed");
        assert.deepEqual([failed.attempts, failed.redeliveredAt], [2, null]);

        const res = await redeliver(hook.id, failed.id);
        assert.equal(res.status, 202, res.text);
        assert.equal(res.body.id, failed.id);
        assert.ok(res.body.redeliveredAt !== null);
        // Answered as queued (or already being tried again), its earlier attempts kept.
        assert.ok(res.body.attemptLog.length >= 2);
        assert.deepEqual(res.body.attemptLog.slice(0, 2).map((a: AttemptJson) => [a.attempt, a.ok]), [[1, false], [2, false]]);

        // The redelivery's first attempt fails too and is retried: it is not given up after maxAttempts in all.
        const delivered = await settled(hook.id, "delivered");
        assert.deepEqual(delivered.attemptLog.map((a) => [a.attempt, a.ok, a.statusCode]), [[1, false, 500], [2, false, 500], [3, false, 503], [4, true, 200]]);
        assert.equal(delivered.redeliveredAt, res.body.redeliveredAt);
        assert.ok(delivered.completedAt !== null && Date.parse(delivered.completedAt) >= Date.parse(delivered.redeliveredAt!));
        assert.equal(rx.received.length, 4);
        assert.ok(rx.received.every((d) => d.headers["provisio-delivery"] === failed.id && d.json.id === rx.received[0]!.json.id), "the same event, the same delivery");
        assert.deepEqual(rx.received.map((d) => d.headers["provisio-attempt"]), ["1", "2", "3", "4"]);

        // A delivered one can be sent again as well.
        assert.equal((await redeliver(hook.id, failed.id)).status, 202);
        await eventually(() => rx.received.length === 5 || undefined, "the second redelivery");
        const again = await settled(hook.id, "delivered");
        assert.equal(again.attempts, 5);

        const audit = (await t.api.get(`/api/audit?limit=1&targetType=webhook&targetId=${hook.id}`)).body.entries[0];
        assert.deepEqual([audit?.action, audit?.after], ["webhook.redeliver", { deliveryId: failed.id, eventId: failed.eventId }]);
        await t.api.del(`/api/webhooks/${hook.id}`);
      } finally {
        await rx.close();
      }
    });

    it("refuses what it cannot redeliver, and changes nothing", async () => {
      const rx = await new Receiver([500, 500]).start();
      const other = (await t.api.post("/api/webhooks", { name: "other", url: "https://hooks.example.net/x", events: ["device.registered"] })).body;
      try {
        const hook = (await t.api.post("/api/webhooks", { name: "refusals", url: rx.url, events: ["device.registered"] })).body;
        await bootstrap();
        const failed = await settled(hook.id, "failed");
        assert.ok(isError(await redeliver(hook.id, "no-such-delivery"), 404, "WEBHOOK_DELIVERY_NOT_FOUND"));
        assert.ok(isError(await redeliver(other.id, failed.id), 404, "WEBHOOK_DELIVERY_NOT_FOUND"), "another webhook's delivery");
        assert.ok(isError(await redeliver("no-such-hook", failed.id), 404, "WEBHOOK_NOT_FOUND"));
        assert.equal((await t.api.patch(`/api/webhooks/${hook.id}`, { enabled: false })).status, 200);
        assert.ok(isError(await redeliver(hook.id, failed.id), 409, "WEBHOOK_DISABLED"));
        assert.equal((await t.api.patch(`/api/webhooks/${hook.id}`, { enabled: true })).status, 200);
        // Redelivered once, its attempt held by the receiver: asked again while it is pending, it is refused.
        rx.hold = true;
        assert.equal((await redeliver(hook.id, failed.id)).status, 202);
        assert.ok(isError(await redeliver(hook.id, failed.id), 409, "WEBHOOK_DELIVERY_PENDING"));
        rx.hold = false;
        rx.release();
        const done = await settled(hook.id, "delivered");
        assert.equal(done.attempts, 3);
        await t.api.del(`/api/webhooks/${hook.id}`);
      } finally {
        await t.api.del(`/api/webhooks/${other.id}`);
        await rx.close();
      }
    });
  });
});
