// Connection requests a process owes when it dies (SIGKILL) are made by another process. Process A gets
// a bulk task with connection requests for simulated devices and one device that never answers its
// connection request, first in the queue: with one request in flight at a time, A is held there with
// every other wake still queued. A is killed; process B, started after on the same database, claims the
// wakes once A's lease has run out and makes them: every device woken once, every task done, nothing
// left owed. On both backends (two processes on one SQLite file, as `serve --workers` runs them).

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadModel, startSimulation, type Simulation } from "../../src/sim/runtime/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { apiUrlOf, serveArgs, startAcsProcess, until, USER, PASS, withProcesses } from "../support/acs-process.js";
import { forEachBackend, queryDirect } from "../support/pg.js";
import { TcpBalancer } from "../support/tcp-balancer.js";

const N = 12;
const CR = { username: "owed-cr", password: "owed-cr-secret" };
/** Sorts before every simulated device's id ("-" before any digit): the first wake queued. */
const SILENT = "0-SILENT";

/** Accepts connections and never answers: a device whose connection request hangs. */
async function silentServer(): Promise<{ url: string; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cr`,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

forEachBackend((b) => {
  describe("owed connection requests of a process killed with SIGKILL", () => {
    it("are made by another process once the dead one's lease ran out, each once", async () => {
      const db = await b.freshUrl();
      const dataDir = mkdtempSync(join(tmpdir(), "provisio-owed-"));
      const silent = await silentServer();
      // The devices' ACS URL: whichever process is alive.
      const cwmp = await TcpBalancer.start([]);
      let sim: Simulation | null = null;
      let store: Store | null = null;
      const common = [
        ...serveArgs(db, dataDir),
        "--set", `secretsKey=${randomBytes(32).toString("base64")}`,
        "--set", `connectionRequests.username=${CR.username}`, "--set", `connectionRequests.password=${CR.password}`,
        "--set", "connectionRequests.lease=2", "--set", "connectionRequests.methods=http",
      ];
      try {
        await withProcesses(async (_procs, track) => {
          // A: one request at a time, and the silent device's takes as long as the test may wait.
          const a = track(await startAcsProcess([...common, "--set", "connectionRequests.concurrency=1", "--set", "connectionRequests.timeout=600"], 60_000));
          cwmp.add(a.port);
          const key = (JSON.parse(readFileSync(join(dataDir, "admin-api-key.json"), "utf8")) as { key: string }).key;
          const running = await startSimulation({
            acsUrl: cwmp.url,
            devices: N,
            // No periodic Inform in the test's time: a task runs only when its device is woken.
            model: loadModel({ builtin: "tr181-gateway", values: { "ManagementServer.PeriodicInformInterval": "86400" } }),
            identity: { acsUsername: USER, acsPassword: PASS, productClass: "OWED", serialPrefix: "OW", connectionRequestUsername: CR.username, connectionRequestPassword: CR.password },
            concurrency: 8,
          });
          sim = running;
          store = await openStore(db);
          const s = store;
          await until(`${N} devices registered`, async () => (await s.devices.count({ filter: 'productClass = "OWED"' })) === N, 90_000);
          // And their first sessions over: a device still in one (or retrying it on B after A's kill)
          // would take its task there, unwoken, and the test would count no request for it.
          await until(`${N} first sessions ended`, () => {
            const { completed, inFlight, queued } = running.stats().sessions;
            return Promise.resolve(completed >= N && inFlight === 0 && queued === 0);
          }, 90_000);
          const now = new Date();
          await s.devices.recordInform({ id: SILENT, manufacturer: "M", oui: "000000", productClass: "OWED", serialNumber: "SILENT", at: now, address: null, cwmpNamespace: "1-2", cwmpVersion: "1.4", events: [] });
          await s.parameters.setValues(SILENT, [{ path: "Device.ManagementServer.ConnectionRequestURL", value: silent.url, type: "xsd:string" }], now);

          const res = await fetch(`${await apiUrlOf(a)}/api/tasks`, {
            method: "POST",
            headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
            body: JSON.stringify({ filter: 'productClass = "OWED"', name: "getParameterValues", args: { parameterNames: ["Device.DeviceInfo.SoftwareVersion"] }, connectionRequest: true }),
          });
          const created = (await res.json()) as { created: number; taskIds: string[] };
          assert.equal(res.status, 201, JSON.stringify(created));
          assert.equal(created.created, N + 1);
          await until("A held by the silent device", () => Promise.resolve(silent.accepted() > 0), 30_000);
          // Every wake is owed; none but the silent one's was even begun.
          assert.equal((await s.owedWakes.list({ taskIds: created.taskIds })).length, N + 1);
          const attempts = async (after?: Date) =>
            (await queryDirect(db, "SELECT device_id, outcome, at FROM connreq_attempts")).filter((r) => after === undefined || new Date(r.at as string | number).getTime() >= after.getTime());
          assert.deepEqual(await attempts(), []);
          await a.kill();
          cwmp.remove(a.port);
          const killedAt = new Date();

          // B: started after, on the same database, with requests that give up quickly.
          cwmp.add(track(await startAcsProcess([...common, "--set", "connectionRequests.timeout=1"], 60_000)).port);
          await until("every task done", async () => {
            const tasks = await Promise.all(created.taskIds.map((id) => s.tasks.get(id)));
            return tasks.filter((t) => t?.deviceId !== SILENT).every((t) => t?.status === "done");
          }, 90_000);
          await until("nothing left owed", async () => (await s.owedWakes.list({ taskIds: created.taskIds })).length === 0, 60_000);
          // Each device asked once, by B (the silent one too, which failed), none twice.
          const made = await attempts(killedAt);
          const byDevice = new Map<string, string[]>();
          for (const r of made) byDevice.set(String(r.device_id), [...(byDevice.get(String(r.device_id)) ?? []), String(r.outcome)]);
          assert.equal(byDevice.size, N + 1, JSON.stringify([...byDevice]));
          for (const [id, outcomes] of byDevice) assert.deepEqual(outcomes, [id === SILENT ? "timed-out" : "accepted"], id);
          const silentTask = await s.tasks.get(created.taskIds[0]!);
          assert.equal(silentTask?.deviceId, SILENT);
          assert.equal(silentTask?.status, "pending");
        });
      } finally {
        await (sim as Simulation | null)?.stop();
        await (store as Store | null)?.close();
        await silent.close();
        await cwmp.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});
