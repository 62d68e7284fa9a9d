// The event stream (SSE): a device's session seen live (registered, inform, task completed), filtered
// by type and device, resumed with Last-Event-ID, kept alive by heartbeats, bounded in number; and,
// on PostgreSQL, an event made by another ACS process reaching this one's stream.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { xsdValue } from "../../src/cwmp/index.js";
import { startAcsProcess } from "../support/acs-process.js";
import { backend as makeBackend, forEachBackend, pgServerUrl } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";
import { SseClient } from "./sse.js";
import { eventually, isError, startApiAcs, type ApiAcs } from "./support.js";

forEachBackend((backend) => {
  describe("the event stream", () => {
    let t: ApiAcs;
    let reader: string;
    before(async () => {
      t = await startApiAcs(backend, { settings: { nbi: { heartbeat: 0.1, maxEventStreams: 3 } } });
      reader = await t.keyFor("read-only");
    });
    after(() => t.stop());

    const open = (query = "", headers: Record<string, string> = {}) => SseClient.open(`${t.apiUrl}/api/events${query}`, reader, headers);

    async function bootstrap(serial?: string): Promise<TestCpe> {
      const c = new TestCpe({ url: t.url, username: t.username, password: t.password, ...(serial ? { identity: { serialNumber: serial } } : {}) });
      await c.inform(["0 BOOTSTRAP", "1 BOOT"]);
      await c.send(null);
      return c;
    }

    it("shows a device's session as it happens: registered, inform, boot, task created and completed", async () => {
      const sse = await open();
      try {
        assert.equal(sse.status, 200);
        const c = await bootstrap();
        const task = await t.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, { name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.UpTime"] } });
        await c.inform(["2 PERIODIC"]);
        const rpc = await c.send(null);
        assert.equal(rpcIn(rpc).method, "GetParameterValues");
        await c.answer(rpc, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "42") }] });
        const mine = () => sse.events.filter((e) => e.json.deviceId === c.deviceId);
        await sse.until(() => mine().some((e) => e.event === "task.completed"), "task.completed");
        assert.deepEqual(mine().map((e) => e.event), [
          "device.registered", "device.inform", "device.boot", "session.ended", "task.created", "device.inform", "task.completed", "session.ended",
        ]);
        const ids = mine().map((e) => Number(e.id));
        assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "ids increase");
        const inform = mine()[1]!.json;
        assert.deepEqual(inform.events, ["0 BOOTSTRAP", "1 BOOT"]);
        assert.equal(inform.id, mine()[1]!.id);
        assert.equal(typeof inform.at, "string");
        const done = mine().find((e) => e.event === "task.completed")!.json;
        assert.equal(done.taskId, task.body.id);
        assert.deepEqual(done.result.values, { "Device.DeviceInfo.UpTime": { value: "42", type: "xsd:unsignedInt" } });
        c.close();
      } finally {
        sse.close();
      }
    });

    it("filters by event type and by device, and sends heartbeats while idle", async () => {
      // c1's bootstrap is history, not what this stream shows: the feed has handed out its session's end.
      // (On PostgreSQL an event becomes readable once every transaction older than it has ended, in any
      // database of the server, so a sync alone may come before it.)
      const ended = new Set<string>();
      const off = t.acs.feed.subscribe((e) => {
        if (e.type === "session.ended" && e.deviceId !== null) ended.add(e.deviceId);
      });
      const c1 = await bootstrap();
      await eventually(async () => (await t.acs.feed.sync(), ended.has(c1.deviceId) || undefined), "c1's bootstrap in the feed");
      off();
      const sse = await open(`?types=device.inform,task.created&deviceId=${encodeURIComponent(c1.deviceId)}`);
      try {
        const c2 = await bootstrap();
        await c1.inform(["2 PERIODIC"]);
        await c1.send(null);
        await t.api.post(`/api/devices/${encodeURIComponent(c1.deviceId)}/tasks`, { name: "reboot" });
        await sse.until(() => sse.events.length >= 2, "two events");
        await sse.until(() => sse.comments.includes("heartbeat"), "a heartbeat");
        assert.deepEqual(sse.events.map((e) => [e.event, e.json.deviceId]), [["device.inform", c1.deviceId], ["task.created", c1.deviceId]]);
        c2.close();
      } finally {
        sse.close();
        c1.close();
      }
    });

    it("resumes after Last-Event-ID with the events missed meanwhile, then live ones", async () => {
      const first = await open("?types=device.registered");
      let lastId: string;
      const serials = ["RESUME1", "RESUME2", "RESUME3", "RESUME4"];
      try {
        (await bootstrap(serials[0])).close();
        await first.until(() => first.events.find((e) => e.json.deviceId.endsWith("RESUME1")), "the first device");
        lastId = first.events.at(-1)!.id!;
      } finally {
        first.close();
      }
      // Missed while disconnected.
      (await bootstrap(serials[1])).close();
      (await bootstrap(serials[2])).close();
      const resumed = await open("?types=device.registered", { "last-event-id": lastId });
      try {
        await resumed.until(() => resumed.events.length >= 2, "the missed events");
        (await bootstrap(serials[3])).close();
        await resumed.until(() => resumed.events.length >= 3, "the live event");
        assert.deepEqual(resumed.events.map((e) => e.json.deviceId.split("-").at(-1)), serials.slice(1));
        assert.ok(resumed.events.every((e) => Number(e.id) > Number(lastId)));
      } finally {
        resumed.close();
      }
      // The query form works too (for clients that cannot set headers).
      const byQuery = await open(`?types=device.registered&lastEventId=${lastId}`);
      try {
        await byQuery.until(() => byQuery.events.length >= 3, "the replay");
        assert.equal(byQuery.events.length, 3);
      } finally {
        byQuery.close();
      }
    });

    it("refuses unknown types, a bad Last-Event-ID, and more streams than configured", async () => {
      const api = t.api.with(reader);
      const types = await api.get("/api/events?types=device.inform,device.exploded");
      assert.ok(isError(types, 400, "VALIDATION"));
      assert.match(types.body.error.message, /device\.exploded/);
      assert.ok(isError(await api.get("/api/events", { "last-event-id": "yesterday" }), 400, "VALIDATION"));
      const open3 = [await open(), await open(), await open()];
      try {
        const fourth = await api.get("/api/events");
        assert.ok(isError(fourth, 503, "TOO_MANY_STREAMS"));
        assert.equal(fourth.headers["retry-after"], "5");
      } finally {
        for (const s of open3) s.close();
      }
    });
  });
});

describe("events across ACS processes (PostgreSQL)", () => {
  const pg = pgServerUrl() === undefined ? null : makeBackend("postgres");
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-nbi-procs-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("an event made by another process on the same database reaches this process's stream", async () => {
    assert.ok(pg, "PROVISIO_TEST_PG_URL must be set: npm test starts a throwaway PostgreSQL for this test");
    const t = await startApiAcs(pg, { dataDir });
    const other = await startAcsProcess(["--db", t.dbUrl, "--data-dir", dataDir, "--set", "nbi.host=127.0.0.1", "--set", "nbi.port=0"]);
    const sse = await SseClient.open(`${t.apiUrl}/api/events?types=device.registered,task.completed`, t.adminKey);
    try {
      // The device talks to the other process only.
      const c = new TestCpe({ url: other.url, username: t.username, password: t.password });
      await c.inform(["0 BOOTSTRAP"]);
      await c.send(null);
      const registered = await sse.until(() => sse.events.find((e) => e.json.deviceId === c.deviceId), "the other process's event");
      assert.equal(registered.event, "device.registered");
      // A task created here, run there, completes here within `wait`.
      const call = t.api.post(`/api/devices/${encodeURIComponent(c.deviceId)}/tasks`, { name: "reboot", wait: 30 });
      await new Promise((r) => setTimeout(r, 50));
      await c.inform(["2 PERIODIC"]);
      const rpc = await c.send(null);
      assert.equal(rpcIn(rpc).method, "Reboot");
      assert.equal((await c.answer(rpc, { method: "RebootResponse" })).status, 204);
      const res = await call;
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, "done");
      await sse.until(() => sse.events.find((e) => e.event === "task.completed" && e.json.deviceId === c.deviceId), "task.completed from the other process");
      c.close();
    } catch (err) {
      process.stderr.write(`--- the other ACS process ---\n${other.output()}\n`);
      throw err;
    } finally {
      sse.close();
      await other.stop();
      await t.stop();
    }
  });
});
