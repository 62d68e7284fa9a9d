// Two `provisio serve` processes as two machines would run them (data folders of their own, nothing in
// common but the database URL and the shared secrets configuration), on one PostgreSQL, behind a TCP
// balancer with no affinity, so that sessions land on either. Simulated devices have tasks, a firmware
// campaign and a webhook in flight when the process holding the campaign is killed with SIGKILL. The
// survivor must then finish everything: every task done with its write carried out exactly once (the
// devices count by ParameterKey and CommandKey, as the chaos run does), every event delivered to the
// webhook (at least once; its id tells repeats apart), the campaign completed (but for downloads the
// kill broke off, which fail as any broken download does), and the devices it had left woken by the
// survivor's connection requests. PostgreSQL only: SQLite is one machine by definition.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { judge, keyOf, type Applied, type Tracked } from "../../benchmarks/support/chaos-run.js";
import { TaskService } from "../../src/server/tasks.js";
import { deviceIdOf } from "../../src/session/index.js";
import { loadModel, startSimulation, type Simulation } from "../../src/sim/runtime/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { apiUrlOf, serveArgs, startAcsProcess, until, USER, PASS, withProcesses, type AcsProcess } from "../support/acs-process.js";
import { backend, pgServerUrl, queryDirect } from "../support/pg.js";
import { TcpBalancer } from "../support/tcp-balancer.js";

const N = 200;
const CR = { username: "multi-cr", password: "multi-cr-secret" };
const CODE = "Device.DeviceInfo.ProvisioningCode";
const VERSION = "Device.DeviceInfo.SoftwareVersion";

/** Receives webhook deliveries: each event's id, as many times as it came. */
class Receiver {
  server!: Server;
  readonly ids = new Map<string, number>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const id = String(req.headers["provisio-event-id"] ?? "");
      req.resume().on("end", () => {
        this.ids.set(id, (this.ids.get(id) ?? 0) + 1);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}


describe("several ACS processes on one PostgreSQL, one killed with SIGKILL mid-storm", () => {
  const work = mkdtempSync(join(tmpdir(), "provisio-multi-"));
  after(() => rmSync(work, { recursive: true, force: true }));
  const pg = pgServerUrl() === undefined ? null : backend("postgres");

  it("loses no task, event, campaign step or connection request, and does none twice", async (t) => {
    assert.ok(pg, "PROVISIO_TEST_PG_URL must be set: npm test starts a throwaway PostgreSQL for this test");
    const db = await pg.freshUrl();
    const cwmp = await TcpBalancer.start([]);
    const files = await TcpBalancer.start([]);
    const receiver = new Receiver();
    const hookUrl = await receiver.start();
    const applied = new Map<string, Applied[]>();
    const t0 = Date.now();
    let sim: Simulation | null = null;
    let store: Store | null = null;
    // What must be equal on every machine: the database, the secrets key, the bootstrap credentials
    // (serveArgs), and what devices are told (the file server's URL is the balancer's).
    const common = [
      "--set", `secretsKey=${randomBytes(32).toString("base64")}`,
      "--set", `files.publicUrl=${files.url}`,
      "--set", "webhooks.allowTargets=127.0.0.1", "--set", "webhooks.timeout=5", "--set", "webhooks.retryBase=1", "--set", "webhooks.retryMax=2",
      "--set", "campaigns.interval=0.2", "--set", "campaigns.lease=5",
      "--set", `connectionRequests.username=${CR.username}`, "--set", `connectionRequests.password=${CR.password}`, "--set", "connectionRequests.concurrency=50",
      "--set", "tasks.maxAttempts=50", "--set", "tasks.retryBase=1", "--set", "tasks.retryMax=2", "--set", "cwmp.retryAfter=1",
    ];
    const machine = (name: string) => [...serveArgs(db, join(work, name)), ...common];
    try {
      await withProcesses(async (_procs, track) => {
        const a = track(await startAcsProcess(machine("a"), 60_000));
        cwmp.add(a.port);
        const aFiles = await filePortOf(a);
        files.add(aFiles);
        // The first machine made the admin key; the key is in the database, so it works on every machine.
        const key = (JSON.parse(readFileSync(join(work, "a", "admin-api-key.json"), "utf8")) as { key: string }).key;
        const api = (p: AcsProcess) => apiClient(p, key);

        sim = await startSimulation({
          acsUrl: cwmp.url,
          devices: N,
          model: loadModel({
            builtin: "tr181-gateway",
            // Periodic Informs keep sessions coming; a broken session is retried after a second.
            values: { "ManagementServer.PeriodicInformInterval": "15", "ManagementServer.CWMPRetryMinimumWaitInterval": "1", "ManagementServer.CWMPRetryIntervalMultiplier": "1000" },
          }),
          identity: { acsUsername: USER, acsPassword: PASS, productClass: "MULTI", serialPrefix: "MP", connectionRequestUsername: CR.username, connectionRequestPassword: CR.password },
          cpe: {
            rebootDurationMs: 200,
            periodicJitterMs: 5_000,
            onApplied: (request) => {
              const k = keyOf(request);
              if (k !== undefined) applied.set(k, [...(applied.get(k) ?? []), { method: request.method, atMs: Date.now() - t0 }]);
            },
          },
          connectionRequests: { burst: 100, refillMs: 10 },
          concurrency: 64,
        });
        const devices = sim.devices;
        const running = sim;
        const devicesStop = async () => {
          sim = null;
          await running.stop();
        };
        const ids = devices.map((d) => deviceIdOf(d.identity));
        store = await openStore(db);
        const s = store;
        await until(`${N} devices registered`, async () => (await s.devices.count({ filter: 'productClass = "MULTI"' })) === N, 90_000);

        const hook = await api(a).post("/api/webhooks", { name: "multi", url: hookUrl });
        assert.equal(hook.status, 201, JSON.stringify(hook.body));
        const upload = await fetch(`${await apiUrlOf(a)}/api/files?name=mp-9.0.0.bin&fileType=${encodeURIComponent("1 Firmware Upgrade Image")}&version=9.0.0&productClass=MULTI`, {
          method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/octet-stream" }, body: randomBytes(32 * 1024),
        });
        assert.equal(upload.status, 201, await upload.clone().text());
        const fileId = ((await upload.json()) as { id: string }).id;
        const created = await api(a).post("/api/campaigns", { name: "mp 9.0.0", filter: 'productClass = "MULTI"', fileId, batchSize: 20, concurrency: 20, taskExpiry: 600 });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const campaignId = created.body.id as string;
        const campaignRow = async () => (await queryDirect(db, "SELECT status, claimed_by, counts FROM campaigns WHERE id = $1", [campaignId]))[0]!;
        // Machine A alone runs so far: it holds the campaign's lease.
        await until("machine A to hold the campaign", async () => (await campaignRow()).claimed_by !== null, 30_000);
        // A's runner: the only one so far.
        const runnerOfA = String((await campaignRow()).claimed_by);

        const b = track(await startAcsProcess(machine("b"), 60_000));
        cwmp.add(b.port);
        const bFiles = await filePortOf(b);
        files.add(bFiles);

        // One setParameterValues per device, with a value of its own, run at its next session on either machine.
        const tasks = new TaskService(s, { maxAttempts: 50, expirySeconds: 0 });
        const tracked: Tracked[] = [];
        for (let i = 0; i < N; i++) {
          const value = `mp-${i}`;
          const task = await tasks.create(ids[i]!, "setParameterValues", { parameterValues: [{ name: CODE, value, type: "xsd:string" }] });
          tracked.push({ task, device: i, value });
        }

        // The kill lands in the middle: the campaign under way, tasks done and not done, on both machines.
        const succeeded = async () => (JSON.parse(JSON.stringify((await campaignRow()).counts)) as { succeeded: number }).succeeded;
        await until("the campaign and the tasks under way on both machines", async () => {
          const done = (await s.tasks.list({ status: ["done"] })).filter((t) => t.name === "setParameterValues").length;
          const ok = await succeeded();
          // Tasks done by then, unless the campaign is half way first (it must not finish before the kill).
          return ok >= 10 && (done >= 20 || ok >= N / 2) && (cwmp.counts.get(b.port) ?? 0) > 0;
        }, 90_000);
        const before = await campaignRow();
        assert.equal(before.status, "running", "the kill must land while the campaign runs");
        // The machine holding the campaign dies: A, unless a lapse of A's lease on a loaded machine let B take it.
        assert.notEqual(before.claimed_by, null);
        const holder = String(before.claimed_by);
        const [victim, survivor, victimFiles] = holder === runnerOfA ? [a, b, aFiles] : [b, a, bFiles];
        const killedAt = new Date();
        const doneAtKill = (await s.tasks.list({ status: ["done"] })).filter((x) => x.name === "setParameterValues").length;
        const heldByVictim = Number((await queryDirect(db, "SELECT count(*) AS n FROM webhook_deliveries WHERE locked_by LIKE $1 AND status = 'pending'", [`p${victim.child.pid}-%`]))[0]!.n);
        const inFlight = sim.stats().sessions.inFlight;
        await victim.kill();
        // The balancer's health check: no new connections to the dead machine.
        cwmp.remove(victim.port);
        files.remove(victimFiles);

        await until("the campaign completed by the survivor", async () => (await campaignRow()).status === "completed", 150_000);
        await until("every task settled", async () => (await Promise.all(tracked.map((t) => s.tasks.get(t.task.id)))).every((t) => t !== null && (t.status === "done" || t.status === "failed")), 120_000);
        // Every task's write carried out exactly once, and each device keeps its value.
        for (const t of tracked) t.task = (await s.tasks.get(t.task.id))!;
        const { violations, history } = judge(tracked, applied, (i) => devices[i]!.cpe.read(CODE) ?? "");
        assert.deepEqual(violations, [], history.join("\n"));
        assert.ok(tracked.every((t) => t.task.status === "done"), JSON.stringify(tracked.filter((t) => t.task.status !== "done").map((t) => t.task.lastFault)));

        // The campaign: every device on the new version, each download done carried out once.
        const after = await campaignRow();
        // A download the device was fetching from the dead machine's file server breaks off: the device
        // reports the transfer failed, and that device fails as for any broken download (resume with
        // retryFailed takes it again). Only downloads under way at the kill may end so.
        const counts = JSON.parse(JSON.stringify(after.counts)) as Record<string, number>;
        const failed = await queryDirect(db, "SELECT device_id, fault FROM campaign_devices WHERE campaign_id = $1 AND state = 'failed'", [campaignId]);
        assert.deepEqual({ ...counts, succeeded: counts.succeeded! + counts.failed!, failed: 0 }, { pending: 0, in_progress: 0, succeeded: N, failed: 0, skipped: 0, cancelled: 0 });
        assert.ok(failed.length <= Number((JSON.parse(JSON.stringify(before.counts)) as Record<string, number>).in_progress), JSON.stringify(failed));
        for (const f of failed) assert.match(String((f.fault as { code?: string } | null)?.code), /^cwmp\.901[5-7]$/, JSON.stringify(f));
        const failedIds = new Set(failed.map((f) => String(f.device_id)));
        for (const [i, d] of devices.entries()) if (!failedIds.has(ids[i]!)) assert.equal(d.cpe.read(VERSION), "9.0.0", ids[i]);
        const downloads = (await s.tasks.list({ status: ["done"] })).filter((t) => t.name === "download");
        assert.equal(downloads.length, N - failed.length);
        const index = new Map(ids.map((id, i) => [id, i]));
        const dl = judge(downloads.map((task) => ({ task, device: index.get(task.deviceId)! })), applied, () => "");
        assert.deepEqual(dl.violations, [], dl.history.join("\n"));
        // Completed after the kill, so by the survivor, which ran throughout.
        assert.equal(survivor.child.exitCode, null);
        const completed = await queryDirect(db, "SELECT at FROM event_outbox WHERE type = 'campaign.completed' AND payload->>'campaignId' = $1", [campaignId]);
        assert.equal(completed.length, 1);
        assert.ok(new Date(String(completed[0]!.at)) > killedAt);

        // The survivor woke the devices the campaign took in after the kill.
        const woken = await queryDirect(db, "SELECT count(DISTINCT device_id) AS n FROM connreq_attempts WHERE at > $1 AND outcome = 'accepted'", [killedAt]);
        assert.ok(Number(woken[0]!.n) > 0, "connection requests made by the survivor after the kill");

        // Webhooks: every event once at least; repeats (a delivery whose answer the dead machine never recorded) carry the same id.
        // The devices stop first, so that the events come to an end.
        await devicesStop();
        const outbox = async () => (await queryDirect(db, "SELECT seq FROM event_outbox WHERE at >= $1", [new Date(String(hook.body.createdAt))])).map((r) => String(r.seq));
        let ids2: string[] = [];
        await until("every event delivered to the webhook", async () => {
          const pending = Number((await queryDirect(db, "SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'delivered'"))[0]!.n);
          ids2 = await outbox();
          return pending === 0 && ids2.every((id) => receiver.ids.has(id));
        }, 120_000);
        assert.ok(ids2.length > N, "events of every device");
        const repeats = [...receiver.ids.values()].filter((n) => n > 1).length;
        t.diagnostic(`at the kill: campaign ${JSON.stringify(before.counts)}, ${doneAtKill}/${N} tasks done, ${inFlight} sessions in flight, ${heldByVictim} webhook deliveries held by the victim (${victim === a ? "A" : "B"}); ` +
          `connections A ${cwmp.counts.get(a.port)}, B ${cwmp.counts.get(b.port)}; after: ${String(woken[0]!.n)} devices woken by the survivor, ${ids2.length} events, ${repeats} delivered twice; campaign ${JSON.stringify(failed)}`);
        assert.ok((cwmp.counts.get(a.port) ?? 0) > 0 && (cwmp.counts.get(b.port) ?? 0) > 0, "sessions on both machines");
      });
    } finally {
      await (sim as Simulation | null)?.stop();
      await (store as Store | null)?.close();
      await cwmp.close();
      await files.close();
      await receiver.close();
    }
  });
});

/** The process's file server port, from what it logs at start. */
async function filePortOf(p: AcsProcess): Promise<number> {
  const port = () => /"filePort":(\d+)[^\n]*"msg":"file server listening"/.exec(p.output())?.[1];
  await until("the file server listens", () => Promise.resolve(port() !== undefined), 10_000);
  return Number(port());
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function apiClient(p: AcsProcess, key: string): { post(path: string, body: unknown): Promise<Answer> } {
  return {
    async post(path, body) {
      const res = await fetch(`${await apiUrlOf(p)}${path}`, { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  };
}
