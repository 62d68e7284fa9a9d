// A bulk task over a big fleet (issue 18.3: 100,000 devices in under 10 s): the task creation alone,
// on devices without full trees (each tree's size does not change what a bulk creation writes).
//
//   npm run bench:bulk-tasks -- --backend sqlite|postgres [--url URL] [--devices 100000] [--runs 3]
//        [--baseline-devices 10000] [--no-api]
//
// Work: the same getParameterValues task for every device of the fleet, with its task.created event,
// in transactions of 5,000 tasks, each a multi-row INSERT of the tasks and one of the events
// (TaskService.createMany, src/server/tasks.ts), in process; then through POST /api/tasks of a
// `provisio serve` process (the filter's device ids paged, the tasks created, the audit entry written).
// Baseline, same run: what createMany did before, a statement per task in transactions of 250, over
// --baseline-devices devices (at 550 tasks/s on PostgreSQL, 100,000 would take minutes). Then a
// setParameterValues for every device, whose values are checked against the types the devices reported
// (read per 1,000 devices), beside the per-device reads it made before.
// Tasks and events are deleted between runs, so that every run starts from the same tables. --url must
// name an empty database (PostgreSQL); SQLite's is a new file unless --url names one.
import { recordEvents, EventBus, type AcsEvent } from "../src/server/events.js";
import { TaskService } from "../src/server/tasks.js";
import { openStore, type LoadedDevice, type Store } from "../src/store/index.js";
import { apiCall, pollFor, startApiProcess } from "./support/api-process.js";
import { benchDatabase, option } from "./support/args.js";
import { openDirect, type DirectSql } from "./support/direct-sql.js";
import { machineReport } from "./support/machine.js";
import { rssMb, watchPeakRss } from "./support/processes.js";
import { runIfScript } from "./support/run-main.js";
import { percentile } from "./support/timing.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

function options(argv: string[]) {
  const get = (name: string) => option(argv, name);
  const devices = Number(get("devices") ?? 100_000);
  return {
    backend: get("backend") === "postgres" ? "postgres" as const : "sqlite" as const,
    url: get("url"),
    devices,
    baselineDevices: Math.min(devices, Number(get("baseline-devices") ?? 10_000)),
    runs: Number(get("runs") ?? 3),
    api: !argv.includes("--no-api"),
  };
}

const AT = new Date(Date.UTC(2026, 11, 1));
const ARGS = { parameterNames: ["Device.DeviceInfo.UpTime"] };
const SPV_PATH = "Device.ManagementServer.PeriodicInformInterval";
const SPV_ARGS = { parameterValues: [{ name: SPV_PATH, value: 600 }] };

async function fill(store: Store, devices: number): Promise<void> {
  // An empty database every time: filling is quick, and `provisio serve` keeps its first start's
  // secrets (admin key, bootstrap credentials) in a data folder that is gone after the run.
  const have = await store.devices.count();
  if (have > 0) throw new Error(`the database holds ${have} devices: give an empty one`);
  for (let i = 0; i < devices; i += 2_000) {
    const batch: LoadedDevice[] = [];
    for (let k = i; k < Math.min(devices, i + 2_000); k++) {
      const serial = `BULK${String(k).padStart(8, "0")}`;
      batch.push({
        id: `00D09E-HGW-${serial}`, manufacturer: "Acme", oui: "00D09E", productClass: "HGW", serialNumber: serial, registeredAt: AT,
        lastBootAt: AT, lastInformAt: AT, address: null, tags: k % 10 === 0 ? ["lab"] : [],
        parameters: [
          { path: "Device.DeviceInfo.UpTime", object: false, writable: false, value: String(k), type: "xsd:unsignedInt" },
          { path: SPV_PATH, object: false, writable: true, value: "3600", type: "xsd:unsignedInt" },
        ],
      });
    }
    await store.fleet.load(batch);
  }
}

async function allIds(store: Store): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.devices.query({ limit: 1000, ...(after !== undefined ? { after } : {}) });
    ids.push(...page.devices.map((d) => d.id));
    if (page.next === null) return ids;
    after = page.next;
  }
}

async function clear(sql: DirectSql): Promise<void> {
  await sql.exec("DELETE FROM tasks");
  await sql.exec("DELETE FROM event_outbox");
}

/** Before: one INSERT per task, 250 tasks a transaction, the events in one statement per transaction. */
async function oneByOne(store: Store, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 250) {
    await store.transaction(async (tx) => {
      const made = [];
      for (const deviceId of ids.slice(i, i + 250)) made.push(await tx.tasks.create({ deviceId, name: "getParameterValues", args: ARGS, expiresAt: null, maxAttempts: 3 }, AT));
      await recordEvents(tx, made.map((t): AcsEvent => ({ type: "task.created", deviceId: t.deviceId, at: AT, taskId: t.id, name: t.name })));
    });
  }
}

interface Row { name: string; tasks: number; ms: number[] }

function line(r: Row): string {
  const sorted = [...r.ms].sort((a, b) => a - b);
  const rate = r.tasks / (percentile(sorted, 0.5) / 1000);
  return `| ${r.name} | ${r.tasks} | ${(percentile(sorted, 0.5) / 1000).toFixed(2)} | ${(sorted[sorted.length - 1]! / 1000).toFixed(2)} | ${Math.round(rate)} |`;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const db = benchDatabase(o.backend, o.url, "bulk-tasks");
  const store = await openStore(db.url, { postgres: { maxConnections: 8 } });
  const sql = await openDirect(db.url);
  const rows: Row[] = [];
  let serverRss = 0;
  let serverPeakRss = 0;
  try {
    const t0 = performance.now();
    await fill(store, o.devices);
    process.stderr.write(`${o.devices} devices ready in ${Math.round((performance.now() - t0) / 1000)} s\n`);
    const ids = await allIds(store);
    await clear(sql);
    const baseline: Row = { name: `before: a statement per task, 250 a transaction (baseline, ${o.baselineDevices} devices)`, tasks: o.baselineDevices, ms: [] };
    for (let i = 0; i < o.runs; i++) {
      const t = performance.now();
      await oneByOne(store, ids.slice(0, o.baselineDevices));
      baseline.ms.push(performance.now() - t);
      await clear(sql);
    }
    rows.push(baseline);
    const service = new TaskService(store, { maxAttempts: 3, expirySeconds: 0 }, new EventBus());
    const inProcess: Row = { name: "TaskService.createMany: a multi-row INSERT per 5,000 tasks", tasks: ids.length, ms: [] };
    for (let i = 0; i < o.runs; i++) {
      const t = performance.now();
      const r = await service.createMany(ids, "getParameterValues", ARGS);
      inProcess.ms.push(performance.now() - t);
      if (r.created.length !== ids.length) throw new Error(`created ${r.created.length} of ${ids.length}`);
      await clear(sql);
    }
    rows.push(inProcess);
    // A setParameterValues checks each value against the type its device reported: read for 1,000
    // devices at a time; before, one read per device (timed alone here, over the baseline's devices).
    const spv: Row = { name: "TaskService.createMany, setParameterValues: types read per 1,000 devices", tasks: ids.length, ms: [] };
    const perDevice: Row = { name: `before: setParameterValues types read one device at a time (the reads alone, ${o.baselineDevices} devices)`, tasks: o.baselineDevices, ms: [] };
    for (let i = 0; i < o.runs; i++) {
      let t = performance.now();
      for (const id of ids.slice(0, o.baselineDevices)) await store.parameters.get(id, [SPV_PATH]);
      perDevice.ms.push(performance.now() - t);
      t = performance.now();
      const r = await service.createMany(ids, "setParameterValues", SPV_ARGS);
      spv.ms.push(performance.now() - t);
      if (r.created.length !== ids.length) throw new Error(`created ${r.created.length} of ${ids.length}: ${JSON.stringify(r.failures.slice(0, 2))}`);
      await clear(sql);
    }
    rows.push(perDevice, spv);
    if (o.api) {
      const api = await startApiProcess(db.url, { nbi: { host: "127.0.0.1", port: 0, bulkLimit: o.devices } }, pollFor(120_000));
      try {
        const viaApi: Row = { name: "POST /api/tasks (every device: ids paged, tasks created, audited)", tasks: ids.length, ms: [] };
        const peak = watchPeakRss(api.child.pid!);
        for (let i = 0; i < o.runs; i++) {
          const t = performance.now();
          const res = await apiCall(api.apiUrl, api.key, "POST", "/api/tasks", { filter: 'NOT tag = "no-such-tag"', name: "getParameterValues", args: ARGS });
          viaApi.ms.push(performance.now() - t);
          if (res.status !== 201 || res.body.created !== ids.length) throw new Error(`POST /api/tasks: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          await clear(sql);
        }
        rows.push(viaApi);
        serverPeakRss = peak.stop();
        serverRss = rssMb(api.child.pid!);
      } finally {
        await api.stop();
      }
    }
    const m = machineReport(process.cwd());
    const out = [
      `Bulk task creation: ${o.backend}, ${o.devices} devices, ${o.runs} runs; load average ${m.loadAverage.map((x) => x.toFixed(1)).join(" ")} on ${m.cores} cores`,
      "",
      "| work | tasks | seconds p50 | seconds max | tasks/s (p50) |",
      "|---|---:|---:|---:|---:|",
      ...rows.map(line),
      "",
      `memory: API process RSS at most ${Math.round(serverPeakRss)} MiB during its bulk tasks (sampled every 100 ms), ${Math.round(serverRss)} MiB after them; benchmark process RSS ${Math.round(process.memoryUsage().rss / 1048576)} MiB, heap ${Math.round(process.memoryUsage().heapUsed / 1048576)} MiB`,
    ];
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    await sql.close();
    await store.close();
    if (o.url === undefined) db.remove();
  }
}

runIfScript(import.meta.url, main);
