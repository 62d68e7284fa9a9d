// A device's recent sessions over real HTTP, on both backends, driven by a scripted CPE: one summary per
// session, newest first, only the last sessionHistory.perDevice kept; one session's envelopes as
// exchanged, with passwords masked; the overview's sessions per minute.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { xsdValue } from "../../src/cwmp/index.js";
import { forEachBackend } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";
import { HttpApi } from "./http-client.js";
import { eventually, isError, startApiAcs, type ApiAcs } from "./support.js";

const PASSPHRASE = "correct-horse-battery-staple";
const CR_PASSWORD = "cr-pass-8f3e1";

forEachBackend((backend) => {
  describe("device session history", () => {
    let t: ApiAcs;
    let api: HttpApi;
    before(async () => {
      t = await startApiAcs(backend, { settings: { sessionHistory: { perDevice: 3 } }, start: { sessionCountFlushMs: 50 } });
      api = new HttpApi(t.apiUrl, t.adminKey);
    });
    after(() => t.stop());

    const sessions = (c: TestCpe) => `/api/devices/${encodeURIComponent(c.deviceId)}/sessions`;
    const count = async (c: TestCpe, n: number) => eventually(async () => {
      const res = await api.get(sessions(c));
      return res.body?.sessions?.length === n ? res.body.sessions : undefined;
    }, `${n} sessions recorded`);

    it("records each session's summary and the envelopes exchanged, secrets masked", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, ns: "1-2" });
      await c.inform(["0 BOOTSTRAP"]);
      assert.equal((await c.send(null)).status, 204);
      const [first] = await count(c, 1);
      assert.deepEqual([first.events, first.rpcs, first.outcome], [["0 BOOTSTRAP"], [], "completed"]);

      const task = await api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, {
        name: "setParameterValues",
        args: { parameterValues: [
          { name: "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", value: PASSPHRASE, type: "xsd:string" },
          { name: "Device.ManagementServer.ConnectionRequestPassword", value: CR_PASSWORD, type: "xsd:string" },
          { name: "Device.WiFi.SSID.1.SSID", value: "visible-ssid", type: "xsd:string" },
        ] },
      });
      assert.equal(task.status, 201, task.text);
      await c.inform(["2 PERIODIC"], [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "1.0.0") }, { name: "Device.X_Vendor.AdminPassword", value: xsdValue("xsd:string", "cpe-reported-secret") }]);
      const spv = await c.send(null);
      assert.equal(rpcIn(spv).method, "SetParameterValues");
      assert.ok(spv.text.includes(PASSPHRASE), "the device itself gets the secret");
      assert.equal((await c.answer(spv, { method: "SetParameterValuesResponse", status: 0 })).status, 204);

      const [latest, earlier] = await count(c, 2);
      assert.equal(earlier.sessionId, first.sessionId, "newest first");
      assert.deepEqual([latest.events, latest.rpcs, latest.tasks, latest.faults, latest.outcome], [["2 PERIODIC"], ["SetParameterValues"], { done: 1, failed: 0 }, [], "completed"]);
      assert.ok(latest.durationMs >= 0 && Date.parse(latest.endedAt) >= Date.parse(latest.startedAt));

      const one = await api.with(await t.keyFor("read-only")).get(`${sessions(c)}/${encodeURIComponent(latest.sessionId)}`);
      assert.equal(one.status, 200, one.text);
      const envelopes: { direction: string; xml: string; truncated: boolean }[] = one.body.envelopes;
      assert.deepEqual(envelopes.map((e) => e.direction), ["received", "sent", "sent", "received"]);
      assert.match(envelopes[0]!.xml, /<cwmp:Inform>/);
      assert.match(envelopes[2]!.xml, /<cwmp:SetParameterValues>/);
      assert.ok(envelopes[2]!.xml.includes("visible-ssid"), "values that are no secret are kept");
      assert.ok(envelopes[2]!.xml.includes("Device.WiFi.AccessPoint.1.Security.KeyPassphrase"));
      for (const secret of [PASSPHRASE, CR_PASSWORD, "cpe-reported-secret"]) assert.ok(!one.text.includes(secret), `${secret} is not kept`);
      assert.ok(envelopes.every((e) => !e.truncated));
    });

    it("keeps only the last sessionHistory.perDevice sessions of a device", async () => {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, ns: "1-2" });
      for (let i = 0; i < 5; i++) {
        await c.inform([i === 0 ? "0 BOOTSTRAP" : "2 PERIODIC"]);
        assert.equal((await c.send(null)).status, 204);
        await count(c, Math.min(3, i + 1));
      }
      const kept = await eventually(async () => {
        const list = (await api.get(sessions(c))).body.sessions as { events: string[] }[];
        return list.length === 3 && list.every((s) => s.events[0] === "2 PERIODIC") ? list : undefined;
      }, "the oldest sessions pruned");
      assert.equal(kept.length, 3);
      const overview = await eventually(async () => {
        const o = (await api.get("/api/overview")).body;
        return o.sessionsPerMinute.reduce((n: number, m: { sessions: number }) => n + m.sessions, 0) >= 7 ? o : undefined;
      }, "sessions counted per minute");
      assert.ok(overview.sessionsPerMinute.every((m: { minute: string }) => new Date(m.minute).getUTCSeconds() === 0));
    });

    it("answers 404 for an unknown device or session", async () => {
      assert.ok(isError(await api.get("/api/devices/no-such-device/sessions"), 404, "DEVICE_NOT_FOUND"));
      assert.ok(isError(await api.get("/api/devices/no-such-device/sessions/abc"), 404, "DEVICE_NOT_FOUND"));
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, ns: "1-2" });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      assert.ok(isError(await api.get(`${sessions(c)}/no-such-session`), 404, "SESSION_NOT_FOUND"));
    });
  });
});
