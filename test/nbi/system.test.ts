// /healthz, /metrics (after real sessions), unknown endpoints, and what an unexpected failure or an
// unreachable database looks like from the outside.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cwmpFault, xsdValue } from "../../src/cwmp/index.js";
import { startAcs } from "../../src/server/acs.js";
import { openStore } from "../../src/store/index.js";
import { testConfig } from "../support/acs.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";
import { Api, eventually, isError, startApiAcs, type ApiAcs } from "./support.js";

function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? "").split(",").filter((x) => x !== "");
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(m[3]);
  }
  return undefined;
}

forEachBackend((backend) => {
  describe("health and metrics", () => {
    let t: ApiAcs;
    before(async () => {
      t = await startApiAcs(backend, { settings: { webhooks: { allowTargets: ["127.0.0.1"] } } });
    });
    after(() => t.stop());

    it("answers /healthz without a key, and nothing more than that it can serve", async () => {
      const res = await t.api.with(null).get("/healthz");
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: "ok", store: backend.name });
    });

    it("exposes the counts of sessions, RPCs, CPE faults, latencies, tasks, queue depth, devices (all and online), connection requests and webhooks", async () => {
      const rx = createServer((_req, res) => res.writeHead(204).end());
      await new Promise<void>((r) => rx.listen(0, "127.0.0.1", () => r()));
      try {
        await t.api.post("/api/webhooks", { name: "m", url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/`, events: ["task.completed"] });
        const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
        await c.inform(["0 BOOTSTRAP"]);
        await c.send(null);
        const dev = encodeURIComponent(c.deviceId);
        await t.api.post(`/api/devices/${dev}/tasks`, { name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.UpTime"] } });
        await t.api.post(`/api/devices/${dev}/tasks`, { name: "reboot", maxAttempts: 1 });
        await c.inform(["2 PERIODIC"]);
        let reply = await c.send(null);
        assert.equal(rpcIn(reply).method, "GetParameterValues");
        reply = await c.answer(reply, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "5") }] });
        assert.equal(rpcIn(reply).method, "Reboot");
        assert.equal((await c.answer(reply, cwmpFault(9001, "Request denied"))).status, 204);
        c.close();
        // Queue depth: one more task, pending.
        await t.api.post(`/api/devices/${dev}/tasks`, { name: "reboot" });
        assert.ok(isError(await t.api.post(`/api/devices/${dev}/connection-request`), 409, "CONNECTION_REQUEST_NO_METHOD"));
        const hooks = (await t.api.get("/api/webhooks")).body.webhooks;
        await eventually(async () => ((await t.api.get(`/api/webhooks/${hooks[0].id}/deliveries?status=delivered`)).body.deliveries.length === 1 ? true : undefined), "the delivery");

        // A device last seen a day ago: counted, but not online.
        await t.acs.store.transaction(async (tx) => {
          await tx.devices.recordInform({ id: "00D09E-HGW-OLD0001", manufacturer: "Acme", oui: "00D09E", productClass: "HGW", serialNumber: "OLD0001", at: new Date(Date.now() - 86_400_000), address: null, cwmpNamespace: "1-2", cwmpVersion: null, events: [] });
        });

        const res = await t.api.with(await t.keyFor("read-only")).get("/metrics");
        assert.equal(res.status, 200);
        assert.match(String(res.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
        const m = res.text;
        assert.equal(metric(m, "provisio_cwmp_sessions_started_total"), 2);
        assert.equal(metric(m, "provisio_cwmp_sessions_ended_total", { reason: "completed" }), 2);
        assert.equal(metric(m, "provisio_cwmp_rpcs_total", { method: "Inform", direction: "cpe" }), 2);
        assert.equal(metric(m, "provisio_cwmp_rpcs_total", { method: "InformResponse", direction: "acs" }), 2);
        assert.equal(metric(m, "provisio_cwmp_rpcs_total", { method: "GetParameterValues", direction: "acs" }), 1);
        assert.equal(metric(m, "provisio_cwmp_rpcs_total", { method: "GetParameterValuesResponse", direction: "cpe" }), 1);
        assert.equal(metric(m, "provisio_cwmp_cpe_faults_total", { code: "9001" }), 1);
        assert.equal(metric(m, "provisio_cwmp_http_request_duration_seconds_count", { status: "200" }), 4);
        assert.equal(metric(m, "provisio_cwmp_http_request_duration_seconds_count", { status: "204" }), 2);
        assert.equal(metric(m, "provisio_tasks_finished_total", { outcome: "done" }), 1);
        assert.equal(metric(m, "provisio_tasks_finished_total", { outcome: "failed" }), 1);
        assert.equal(metric(m, "provisio_tasks_pending"), 1);
        assert.equal(metric(m, "provisio_devices", { state: "all" }), 2);
        assert.equal(metric(m, "provisio_devices", { state: "online" }), 1);
        assert.equal(metric(m, "provisio_devices", { state: "bootstrap" }), 2, "neither has credentials of its own");
        assert.equal(metric(m, "provisio_connection_requests_total", { method: "none", outcome: "no-method" }), 1);
        assert.equal(metric(m, "provisio_webhook_deliveries_total", { outcome: "delivered" }), 1);
        assert.ok((metric(m, "provisio_api_request_duration_seconds_count", { method: "POST", route: "/api/devices/:id/tasks", status: "201" }) ?? 0) >= 3);
        assert.equal(metric(m, "provisio_api_event_streams"), 0);
      } finally {
        await new Promise<void>((r) => rx.close(() => r()));
      }
    });

    it("needs a key for /metrics, and says so for an unknown endpoint", async () => {
      assert.ok(isError(await t.api.with(null).get("/metrics"), 401, "AUTH_REQUIRED"));
      const missing = await t.api.get("/api/gadgets");
      assert.ok(isError(missing, 404, "NOT_FOUND"));
      assert.match(missing.body.error.message, /GET \/api\/gadgets/);
      assert.ok(isError(await t.api.call("PATCH", "/api/devices"), 404, "NOT_FOUND"));
      const malformed = await t.api.get("/api/devices/%");
      assert.ok(isError(malformed, 400, "VALIDATION"));
      assert.match(malformed.body.error.message, /^the URL is malformed/);
    });

    it("answers a 500 with a stable code, and no internals, when a response would not fit its schema", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      c.close();
      const task = (await t.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, { name: "reboot" })).body;
      await queryDirect(t.dbUrl, "UPDATE tasks SET last_fault = $1 WHERE id = $2", [JSON.stringify("not a fault"), task.id]);
      const res = await t.api.get(`/api/tasks/${task.id}`);
      assert.ok(isError(res, 500, "INTERNAL"));
      assert.equal(res.text.includes("not a fault"), false);
    });
  });

  describe("an unreachable database", () => {
    it("makes /healthz answer 503", async () => {
      const dir = mkdtempSync(join(tmpdir(), "provisio-nbi-health-"));
      const url = await backend.freshUrl();
      const store = await openStore(url);
      const acs = await startAcs(testConfig(dir, url), { store, processMetrics: false });
      try {
        const api = new Api(acs, null);
        assert.equal((await api.get("/healthz")).status, 200);
        await store.close();
        assert.ok(isError(await api.get("/healthz"), 503, "STORE_UNAVAILABLE"));
        assert.ok(isError(await api.with(acs.adminKey.key).get("/api/devices"), 503, "STORE_UNAVAILABLE"));
      } finally {
        await acs.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
