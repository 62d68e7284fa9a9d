// The fault-injection run behind `npm run chaos` and test/server/chaos.test.ts: `provisio serve` in its
// own process, simulated devices in this one, tasks of every kind of write, and the ACS killed with
// SIGKILL at random moments (PostgreSQL itself halted as a crash would, now and then), restarted each
// time on the same database and data folder. At the end the ACS runs undisturbed until every task has
// settled, and the devices themselves say what reached them: each write must have been carried out
// exactly once when its task is done, and never when it failed.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startAcsProcess, until, type AcsProcess } from "../../test/support/acs-process.js";
import type { CwmpMessage } from "../../src/cwmp/index.js";
import { TaskService } from "../../src/server/tasks.js";
import { addObjectKey, commandKeyOf, deviceIdOf } from "../../src/session/index.js";
import { loadModel, startSimulation, type Simulation } from "../../src/sim/runtime/index.js";
import { mulberry32 } from "../../src/sim/rng.js";
import { openStore, type Store } from "../../src/store/index.js";
import type { TaskRecord } from "../../src/store/types.js";

export interface ChaosOptions {
  db: string;
  dataDir: string;
  kills: number;
  devices: number;
  seed: number;
  /** Longest wait between the ACS being up and its SIGKILL. */
  maxKillDelayMs: number;
  /** Crashes the PostgreSQL server and starts it again (PostgreSQL runs only). */
  restartDatabase?: () => void;
  /** How many of the kills also restart the database. */
  databaseRestarts?: number;
  /** Bound on the final wait for every task to settle. */
  settleMs: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  kills: number;
  databaseRestarts: number;
  tasks: Record<string, number>;
  outcomes: Record<string, number>;
  /** Where the kills landed: device sessions they cut, tasks they interrupted, writes confirmed by an Inform. */
  evidence: { killsDuringSessions: number; sessionsCut: number; sessionsFailed: number; tasksInterrupted: number; confirmedByInform: Record<string, number> };
  violations: string[];
  /** Task and device history of each violation. */
  history: string[];
  timing: { chaosMs: number; settleMs: number; acsStartMs: number[] };
}

const USER = "chaos-bootstrap";
const PASS = "chaos-Bootstrap-1";
const KINDS = ["setParameterValues", "addObject", "deleteObject", "reboot", "download", "addObject with values", "upload", "scheduleDownload", "changeDUState"] as const;
/** The RPC that carries out each task: the one counted on the device. */
const WRITE: Record<string, string> = {
  setParameterValues: "SetParameterValues", addObject: "AddObject", deleteObject: "DeleteObject", reboot: "Reboot", download: "Download",
  upload: "Upload", scheduleDownload: "ScheduleDownload", changeDUState: "ChangeDUState",
};
const SETTLED = new Set(["done", "failed", "cancelled", "expired"]);
const CODE = "Device.DeviceInfo.ProvisioningCode";

export interface Tracked {
  task: TaskRecord;
  device: number;
  /** The value a setParameterValues writes. */
  value?: string;
  /** An addObject that sets the new instance's values (a SetParameterValues with the task's key, after an AddObject with its own). */
  withValues?: boolean;
}

export interface Applied {
  method: string;
  atMs: number;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? (() => undefined);
  const random = mulberry32(o.seed);
  const t0 = Date.now();
  const applied = new Map<string, Applied[]>();
  const files = await startFiles();
  const port = await freePort();
  const args = [
    "--db", o.db, "--data-dir", o.dataDir, "--port", String(port),
    "--set", `cwmp.bootstrapUsername=${USER}`, "--set", `cwmp.bootstrapPassword=${PASS}`, "--set", "nbi.host=127.0.0.1", "--set", "nbi.port=0",
    // Many broken sessions per task: attempts must not run out, and retries must come soon.
    "--set", "tasks.maxAttempts=50", "--set", "tasks.retryBase=1", "--set", "tasks.retryMax=2", "--set", "cwmp.retryAfter=1",
  ];
  const acsStartMs: number[] = [];
  const start = async () => {
    const began = Date.now();
    const p = await startAcsProcess(args, 60_000);
    acsStartMs.push(Date.now() - began);
    return p;
  };
  let acs: AcsProcess | null = null;
  let sim: Simulation | null = null;
  let store: Store | null = null;
  const tracked: Tracked[] = [];
  let databaseRestarts = 0;
  let killsDuringSessions = 0;
  let sessionsCut = 0;
  let chaosMs = 0;
  let settleMs = 0;
  try {
    acs = await start();
    sim = await startSimulation({
      acsUrl: `http://127.0.0.1:${port}/`,
      devices: o.devices,
      model: loadModel({
        builtin: "tr181-gateway",
        values: { "ManagementServer.PeriodicInformInterval": "2", "ManagementServer.CWMPRetryMinimumWaitInterval": "1", "ManagementServer.CWMPRetryIntervalMultiplier": "1000" },
      }),
      identity: { acsUsername: USER, acsPassword: PASS, serialPrefix: `CHAOS${o.seed}-` },
      cpe: {
        rebootDurationMs: 500,
        periodicJitterMs: 1_000,
        onApplied: (request: CwmpMessage) => {
          const key = keyOf(request);
          if (key !== undefined) applied.set(key, [...(applied.get(key) ?? []), { method: request.method, atMs: Date.now() - t0 }]);
        },
      },
      connectionRequests: { burst: 1_000 },
      seed: o.seed,
    });
    const devices = sim.devices;
    const ids = devices.map((d) => deviceIdOf(d.identity));
    store = await openStore(o.db);
    const s = store;
    await until("every device registered", async () => (await Promise.all(ids.map((id) => s.devices.get(id)))).every((d) => d !== null), 60_000);
    const tasks = new TaskService(s, { maxAttempts: 50, expirySeconds: 0 });
    const open = new Map<number, Tracked>();
    const lastAdded = new Map<number, number>();
    let made = 0;

    const refresh = async () => {
      for (const [device, t] of open) {
        const now = await s.tasks.get(t.task.id);
        if (now === null || !SETTLED.has(now.status)) continue;
        t.task = now;
        open.delete(device);
        // An AddObject found done by the ParameterKey after its answer was lost has no instance number.
        const instance = (now.result as { instanceNumber?: number } | null)?.instanceNumber;
        if (now.name === "addObject" && now.status === "done" && instance !== undefined) lastAdded.set(device, instance);
        if (now.name === "deleteObject" && now.status === "done") lastAdded.delete(device);
      }
    };
    // One task at a time per device, so that the last setParameterValues done is the value it must keep.
    const createSome = async () => {
      await refresh();
      for (let i = 0; i < devices.length; i++) {
        if (open.has(i) || random() < 0.5) continue;
        // Kinds in turn, so that even a short run has each of them.
        let kind: (typeof KINDS)[number] = KINDS[made % KINDS.length]!;
        if (kind === "deleteObject" && !lastAdded.has(i)) kind = "addObject";
        const name = kind === "addObject with values" ? "addObject" : kind;
        const value = `c${++made}`;
        const taskArgs =
          kind === "setParameterValues" ? { parameterValues: [{ name: CODE, value, type: "xsd:string" }] }
          : kind === "addObject" ? { objectName: "Device.NAT.PortMapping." }
          : kind === "addObject with values" ? { objectName: "Device.NAT.PortMapping.", parameterValues: [{ name: "Description", value, type: "xsd:string" }] }
          : kind === "deleteObject" ? { objectName: `Device.NAT.PortMapping.${lastAdded.get(i)}.` }
          : kind === "download" ? { fileType: "2 Web Content", url: `${files.url}/web.tar`, fileSize: WEB.length }
          : kind === "upload" ? { fileType: "2 Vendor Log File", url: `${files.url}/upload/${value}` }
          : kind === "scheduleDownload" ? { fileType: "2 Web Content", url: `${files.url}/web.tar`, fileSize: WEB.length, timeWindows: [{ windowStart: 0, windowEnd: 3600, windowMode: "1 At Any Time" }] }
          // A package of its own each time: installing one twice would make two deployment units.
          : kind === "changeDUState" ? { operations: [{ type: "Install", url: `${files.url}/du/${value}.ipk` }] }
          : {};
        const task = await tasks.create(ids[i]!, name, taskArgs);
        const t: Tracked = { task, device: i, ...(kind === "setParameterValues" ? { value } : {}), ...(kind === "addObject with values" ? { withValues: true } : {}) };
        tracked.push(t);
        open.set(i, t);
      }
    };

    const restartAt = new Set<number>();
    while (o.restartDatabase && restartAt.size < Math.min(o.databaseRestarts ?? 0, o.kills)) restartAt.add(1 + Math.floor(random() * o.kills));
    for (let k = 1; k <= o.kills; k++) {
      // The store of this process may meet a database just restarted: that round makes no tasks.
      await createSome().catch((err: unknown) => log(`no tasks made before kill ${k}: ${String(err)}`));
      await sleep(Math.floor(random() * o.maxKillDelayMs));
      const inFlight = sim.stats().sessions.inFlight;
      await acs.kill();
      if (inFlight > 0) killsDuringSessions++;
      sessionsCut += inFlight;
      acs = null;
      if (restartAt.has(k)) {
        o.restartDatabase!();
        databaseRestarts++;
      }
      acs = await start();
      log(`kill ${k}/${o.kills}${restartAt.has(k) ? " (and PostgreSQL)" : ""}: ${tracked.length} tasks, ${open.size} open`);
    }
    chaosMs = Date.now() - t0;

    const settleFrom = Date.now();
    await until("every task settled", async () => (await refresh(), open.size === 0), o.settleMs).catch(() => undefined);
    settleMs = Date.now() - settleFrom;
    for (const t of tracked) t.task = (await s.tasks.get(t.task.id)) ?? t.task;
    return {
      kills: o.kills,
      databaseRestarts,
      tasks: countBy(tracked, (t) => t.task.name),
      outcomes: countBy(tracked, (t) => `${t.task.name} ${t.task.status}${t.task.lastFault && t.task.status !== "done" ? ` (${t.task.lastFault.code})` : ""}`),
      evidence: {
        killsDuringSessions,
        sessionsCut,
        sessionsFailed: sim.stats().sessions.failed,
        // An attempt counts only when it fails; one found done by an Inform counts none.
        tasksInterrupted: tracked.filter((t) => t.task.attempts > 0 || confirmedHow(t.task) !== undefined).length,
        confirmedByInform: countBy(tracked.filter((t) => confirmedHow(t.task) !== undefined), (t) => `${t.task.name} by ${confirmedHow(t.task)}`),
      },
      ...judge(tracked, applied, (i) => devices[i]!.cpe.read(CODE) ?? ""),
      timing: { chaosMs, settleMs, acsStartMs },
    };
  } finally {
    await acs?.stop();
    await sim?.stop();
    await store?.close();
    await new Promise((r) => files.server.close(r));
  }
}

/** Violations of "every task settled, each write carried out once when done and never when failed". */
export function judge(tracked: Tracked[], applied: Map<string, Applied[]>, codeOf: (device: number) => string): Pick<ChaosResult, "violations" | "history"> {
  const violations: string[] = [];
  const history: string[] = [];
  const flag = (t: Tracked, what: string) => {
    violations.push(`task ${t.task.id} (${t.task.name}, device ${t.device}): ${what}`);
    const mine = tracked.filter((x) => x.device === t.device).map((x) => ({ id: x.task.id, name: x.task.name, status: x.task.status, attempts: x.task.attempts, lastFault: x.task.lastFault, result: x.task.result, applied: appliedFor(x.task.id, applied) }));
    history.push(`device ${t.device}'s tasks, oldest first:\n${mine.map((m) => `  ${JSON.stringify(m)}`).join("\n")}`);
  };
  const lastSet = new Map<number, Tracked>();
  for (const t of tracked) {
    const mine = appliedFor(t.task.id, applied);
    const n = mine.filter((a) => a.method === WRITE[t.task.name]).length;
    const values = mine.filter((a) => a.method === "SetParameterValues").length;
    // An addObject whose AddObject answer (with the new instance's number) was lost, but which the
    // device's ParameterKey shows applied, cannot set its values and is not added again: it fails with
    // task.interrupted, its one instance made, its values never sent (api.md, "No write is applied twice").
    const interrupted = t.task.status === "failed" && t.task.lastFault?.code === "task.interrupted" && t.task.name === "addObject";
    if (!SETTLED.has(t.task.status)) flag(t, `still ${t.task.status} after the final wait`);
    else if (t.task.status === "done" && n !== 1) flag(t, `done, but the device carried it out ${n} times`);
    else if (t.task.status === "done" && t.withValues && values !== 1) flag(t, `done, but the device set the new instance's values ${values} times`);
    else if (interrupted && (n !== 1 || values !== 0)) flag(t, `interrupted after the add, but the device added ${n} instances and set their values ${values} times`);
    else if (t.task.status === "failed" && !interrupted && (t.task.lastFault === null || n !== 0)) flag(t, t.task.lastFault === null ? "failed with no reason" : `failed (${t.task.lastFault.code}), but the device carried it out ${n} times`);
    else if (t.task.status !== "done" && t.task.status !== "failed") flag(t, `ended ${t.task.status}`);
    if (t.value !== undefined && t.task.status === "done") lastSet.set(t.device, t);
  }
  for (const [device, t] of lastSet) {
    const now = codeOf(device);
    if (now !== t.value) flag(t, `the device's ${CODE} is ${JSON.stringify(now)}, not the last value set, ${JSON.stringify(t.value)}`);
  }
  return { violations, history };
}

/** What the devices carried out for a task, in order: by its key, and by its AddObject's own (addObjectKey). */
function appliedFor(taskId: string, applied: Map<string, Applied[]>): Applied[] {
  return [...(applied.get(commandKeyOf(taskId)) ?? []), ...(applied.get(addObjectKey(taskId)) ?? [])].sort((a, b) => a.atMs - b.atMs);
}

/** How a task whose answer was lost was found done: "ParameterKey", "M Reboot", "0 BOOTSTRAP". */
function confirmedHow(task: TaskRecord): string | undefined {
  const r = task.result;
  return r !== null && typeof r === "object" && !Array.isArray(r) && typeof r.confirmed === "string" ? r.confirmed : undefined;
}

/** The ParameterKey or CommandKey an RPC carries: the ACS makes it from the task's id. */
export function keyOf(m: CwmpMessage): string | undefined {
  if ("parameterKey" in m && typeof m.parameterKey === "string") return m.parameterKey;
  if ("commandKey" in m && typeof m.commandKey === "string") return m.commandKey;
  return undefined;
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

const WEB = Buffer.from("web content for the chaos run\n");

/** The devices' downloads come from here and their uploads go here, outside the ACS, so that they go on while it is down. */
async function startFiles(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method === "PUT" && req.url?.startsWith("/upload/")) req.resume().on("end", () => res.writeHead(201).end());
    else if (req.url === "/web.tar") res.writeHead(200, { "content-length": WEB.length }).end(WEB);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A port for the ACS to keep across restarts: the devices' ACS URL names it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
