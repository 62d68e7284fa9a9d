// Several ACS processes and crashes: a session carried on by another process (state lives in the
// store between requests), and a process killed with SIGKILL mid-session (at each step of a session,
// for each kind of write: acs-kill-steps.test.ts).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { xsdValue } from "../../src/cwmp/index.js";
import { TaskService } from "../../src/server/tasks.js";
import { openStore } from "../../src/store/index.js";
import { PASS, serveArgs, startAcsProcess, USER, withProcesses, type AcsProcess } from "../support/acs-process.js";
import { backend, forEachBackend, pgServerUrl, queryDirect } from "../support/pg.js";
import { rpcIn, TestCpe } from "../support/test-cpe.js";

describe("a session moving between two ACS processes on PostgreSQL", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-procs-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const pg = pgServerUrl() === undefined ? null : backend("postgres");

  it("is carried on by whichever process gets each request", async () => {
    assert.ok(pg, "PROVISIO_TEST_PG_URL must be set: npm test starts a throwaway PostgreSQL for this test");
    const db = await pg.freshUrl();
    await withProcesses(async (_procs, track) => {
      // Both are tracked (and stopped) even when the other fails to start.
      const started = await Promise.allSettled([startAcsProcess(serveArgs(db, dataDir)).then(track), startAcsProcess(serveArgs(db, dataDir)).then(track)]);
      const failed = started.find((r) => r.status === "rejected");
      if (failed) throw failed.reason;
      const [a, b] = started.map((r) => (r as PromiseFulfilledResult<AcsProcess>).value) as [AcsProcess, AcsProcess];
      const cpe = new TestCpe({ url: a.url, username: USER, password: PASS });
      await cpe.inform(["0 BOOTSTRAP"]);
      await cpe.send(null);
      const store = await openStore(db);
      try {
        const tasks = new TaskService(store, { maxAttempts: 3, expirySeconds: 0 });
        const gpv = await tasks.create(cpe.deviceId, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });
        const reboot = await tasks.create(cpe.deviceId, "reboot", {});
        assert.equal((await cpe.inform()).status, 200); // process A starts the session
        cpe.moveTo(b.url);
        const r1 = await cpe.send(null); // process B plans from the stored state
        assert.equal(rpcIn(r1).method, "GetParameterValues");
        cpe.moveTo(a.url);
        const r2 = await cpe.answer(r1, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "9") }] });
        assert.equal(rpcIn(r2).method, "Reboot");
        cpe.moveTo(b.url);
        assert.equal((await cpe.answer(r2, { method: "RebootResponse" })).status, 204);
        assert.equal((await tasks.get(gpv.id))?.status, "done");
        assert.equal((await tasks.get(reboot.id))?.status, "done");
        assert.deepEqual(await store.sessions.expired(new Date(Date.now() + 3_600_000)), [], "the session is over everywhere");
      } finally {
        await store.close();
        cpe.close();
      }
    });
  });
});

forEachBackend((b) => {
  describe("recovery after SIGKILL during a session", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "provisio-kill-"));
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    it("loses nothing committed: another process carries the session on", async () => {
      const db = await b.freshUrl();
      await withProcesses(async (_procs, track) => {
        const first = track(await startAcsProcess(serveArgs(db, dataDir)));
        const cpe = new TestCpe({ url: first.url, username: USER, password: PASS });
        await cpe.inform(["0 BOOTSTRAP"], [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "7.1") }]);
        await cpe.send(null);
        let store = await openStore(db);
        const task = await new TaskService(store, { maxAttempts: 3, expirySeconds: 0 }).create(cpe.deviceId, "getParameterValues", { parameterNames: ["Device.DeviceInfo.UpTime"] });
        await store.close();
        await cpe.inform(["2 PERIODIC"], [{ name: "Device.DeviceInfo.SoftwareVersion", value: xsdValue("xsd:string", "7.1") }]);
        const rpc = await cpe.send(null);
        assert.equal(rpcIn(rpc).method, "GetParameterValues");
        await first.kill();

        const second = track(await startAcsProcess(serveArgs(db, dataDir)));
        cpe.moveTo(second.url);
        const end = await cpe.answer(rpc, { method: "GetParameterValuesResponse", parameterList: [{ name: "Device.DeviceInfo.UpTime", value: xsdValue("xsd:unsignedInt", "12") }] });
        assert.equal(end.status, 204);
        store = await openStore(db);
        try {
          assert.equal((await store.tasks.get(task.id))?.status, "done");
          const [sv, up] = await store.parameters.get(cpe.deviceId, ["Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.UpTime"]);
          assert.deepEqual([sv?.value, up?.value], ["7.1", "12"]);
          assert.equal((await store.devices.get(cpe.deviceId))?.serialNumber, cpe.identity.serialNumber);
        } finally {
          await store.close();
        }
        if (b.name === "sqlite") {
          const [check] = await queryDirect(db, "PRAGMA integrity_check");
          assert.deepEqual(Object.values(check!), ["ok"]);
        }
        cpe.close();
      });
    });
  });
});

describe("provisio serve --workers 2", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "provisio-workers-"));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("runs two processes on one port, announced once they listen, and serves sessions on it", async () => {
    const db = `sqlite:${join(dataDir, "acs.db")}`;
    await withProcesses(async (_procs, track) => {
      const acs = track(await startAcsProcess([...serveArgs(db, dataDir), "--workers", "2"]));
      // Port 0: the workers share whatever port the first one got, and the banner names it.
      const deadline = Date.now() + 10_000;
      while (!/CWMP endpoint \(ManagementServer\.URL\):\s+http:\/\/127\.0\.0\.1:(\d+)\//.test(acs.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(/CWMP endpoint \(ManagementServer\.URL\):\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(acs.output())?.[1], String(acs.port));
      const listening = [...acs.output().matchAll(/"pid":(\d+),"port":(\d+)[^\n]*"msg":"CWMP endpoint listening"/g)];
      while (listening.length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        listening.splice(0, listening.length, ...acs.output().matchAll(/"pid":(\d+),"port":(\d+)[^\n]*"msg":"CWMP endpoint listening"/g));
      }
      assert.equal(new Set(listening.map((m) => m[1])).size, 2, "two worker processes listen");
      assert.deepEqual(new Set(listening.map((m) => Number(m[2]))), new Set([acs.port]));
      const cpes = Array.from({ length: 6 }, () => new TestCpe({ url: acs.url, username: USER, password: PASS }));
      try {
        for (const c of cpes) {
          assert.equal((await c.inform(["0 BOOTSTRAP"])).status, 200);
          assert.equal((await c.send(null)).status, 204);
        }
        const store = await openStore(db);
        try {
          for (const c of cpes) assert.notEqual(await store.devices.get(c.deviceId), null);
        } finally {
          await store.close();
        }
      } finally {
        for (const c of cpes) c.close();
      }
    });
  });
});
