// Live events for a simulated device: its bootstrap and a session woken by a connection request are seen
// on the Server-Sent Events stream as they happen, and the task's completion is delivered to a webhook
// receiver, signed.

import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, afterEach, describe, it } from "node:test";
import { deviceIdOf } from "../../src/session/index.js";
import type { Simulation } from "../../src/sim/runtime/index.js";
import { SseClient } from "../nbi/sse.js";
import { forEachBackend } from "../support/pg.js";
import { apiId, CR, eventually, startDevices, startE2eAcs, type E2eAcs } from "./support.js";

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

async function receiver(): Promise<{ url: string; received: Delivery[]; close(): Promise<void> }> {
  const received: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ headers: req.headers, body, json: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/provisio-hook`,
    received,
    close: () => new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

forEachBackend((backend) => {
  describe("events for a simulated device", () => {
    const b = backend.name.slice(0, 2).toUpperCase();
    let acs: E2eAcs | undefined;
    let sim: Simulation | undefined;
    const cleanup: Array<() => unknown> = [];
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });
    after(async () => {
      await sim?.stop();
      await acs?.t.stop();
    });

    async function fleet(prefix: string): Promise<{ acs: E2eAcs; sim: Simulation }> {
      acs ??= await startE2eAcs(backend, { settings: { connectionRequests: { methods: ["http"], username: CR.username, password: CR.password }, webhooks: { allowTargets: ["127.0.0.1"] } } });
      const started = await startDevices(acs.t, { serialPrefix: prefix });
      cleanup.push(() => started.sim.stop());
      sim = started.sim;
      return { acs, sim };
    }

    it("SSE: the bootstrap, then a task woken by a connection request, as they happen", async () => {
      acs ??= await startE2eAcs(backend, { settings: { connectionRequests: { methods: ["http"], username: CR.username, password: CR.password }, webhooks: { allowTargets: ["127.0.0.1"] } } });
      const sse = await SseClient.open(`${acs.t.apiUrl}/api/events`, acs.t.adminKey);
      cleanup.push(() => sse.close());
      assert.equal(sse.status, 200);
      const { sim } = await fleet(`SE${b}`);
      const deviceId = deviceIdOf(sim.devices[0]!.identity);
      const mine = () => sse.events.filter((e) => e.json.deviceId === deviceId);
      await sse.until(() => mine().some((e) => e.event === "session.ended"), "the bootstrap session's end");
      const boot = mine().map((e) => e.event);
      assert.deepEqual(boot.slice(0, 3), ["device.registered", "device.inform", "device.boot"]);
      assert.deepEqual(mine().find((e) => e.event === "device.inform")!.json.events, ["0 BOOTSTRAP", "1 BOOT"]);
      assert.equal(mine().find((e) => e.event === "session.ended")!.json.reason, "completed");

      const seen = mine().length;
      const res = await acs.operator.post(`/api/devices/${apiId(sim, 0)}/tasks`, { name: "reboot", connectionRequest: true, wait: 30 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const taskId = res.body.id as string;
      await sse.until(() => mine().some((e) => e.event === "task.completed" && e.json.taskId === taskId), "task.completed");
      const later = mine().slice(seen);
      const types = later.map((e) => e.event);
      for (const t of ["task.created", "connectionRequest.succeeded", "device.inform", "task.completed"]) assert.ok(types.includes(t), `${t} in ${types.join(", ")}`);
      const inform = later.find((e) => e.event === "device.inform")!;
      assert.deepEqual(inform.json.events, ["6 CONNECTION REQUEST"]);
      assert.ok(Number(inform.id) < Number(later.find((e) => e.event === "task.completed")!.id), "the task completes in the session the request woke");
      const cr = later.find((e) => e.event === "connectionRequest.succeeded")!;
      assert.deepEqual([cr.json.method, cr.json.outcome, cr.json.target, cr.json.taskId], ["http", "accepted", sim.connectionRequestUrl(0), taskId]);
      // The device goes down for the reboot the task asked for, once its session has ended (the event can
      // arrive before the session's last answer reaches the device).
      await eventually(() => (sim.devices[0]!.cpe.isUp ? undefined : true), "the device's reboot");
    });

    it("webhooks: the task's completion is delivered to the receiver, signed with the webhook's secret", async () => {
      const hook = await receiver();
      cleanup.push(() => hook.close());
      const { acs, sim } = await fleet(`WH${b}`);
      await eventually(async () => ((await acs.operator.get(`/api/devices/${apiId(sim, 0)}`)).status === 200 ? true : undefined), "the device's registration");
      const created = await acs.admin.post("/api/webhooks", { name: `e2e-${b}`, url: hook.url, events: ["task.completed"] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const secret = created.body.secret as string;
      cleanup.push(() => acs.admin.del(`/api/webhooks/${created.body.id}`));

      const res = await acs.operator.post(`/api/devices/${apiId(sim, 0)}/tasks`, {
        name: "getParameterValues",
        args: { parameterNames: ["Device.DeviceInfo.SoftwareVersion"] },
        connectionRequest: true,
        wait: 30,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const taskId = res.body.id as string;
      const d = await eventually(() => hook.received.find((x) => x.json.taskId === taskId), "the delivery");
      assert.equal(d.headers["provisio-event"], "task.completed");
      assert.equal(d.json.deviceId, deviceIdOf(sim.devices[0]!.identity));
      assert.equal(d.json.result.values["Device.DeviceInfo.SoftwareVersion"].value, sim.devices[0]!.cpe.read("Device.DeviceInfo.SoftwareVersion"));
      const ts = String(d.headers["provisio-timestamp"]);
      const expected = Buffer.from("sha256=" + createHmac("sha256", secret).update(`${ts}.${d.body}`).digest("hex"));
      const given = Buffer.from(String(d.headers["provisio-signature"]));
      assert.ok(given.length === expected.length && timingSafeEqual(given, expected), "the signature verifies");
      const deliveries = await eventually(async () => {
        const list = (await acs.admin.get(`/api/webhooks/${created.body.id}/deliveries`)).body.deliveries as Array<{ eventId: string; status: string; attempts: number }>;
        return list.some((x) => x.status === "delivered") ? list : undefined;
      }, "the delivery recorded");
      assert.deepEqual(deliveries.filter((x) => x.eventId === d.headers["provisio-event-id"]).map((x) => [x.status, x.attempts]), [["delivered", 1]]);
    });
  });
});
