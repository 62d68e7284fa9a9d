// The web console's fleet-wide reads at scale, on SQLite and PostgreSQL: GET /api/overview's query and
// parameter path completion.
//
//   npm run bench:overview -- --backend sqlite|postgres [--url URL] [--devices 100000] [--runs 9] [--keep]
//
// It fills a new database with list-query.ts's devices (about 30 parameters each), one open fault on 1%
// of them and an hour of session counts from two processes, then times the overview and a few path
// completions, printing the median and p90 in milliseconds.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openStore, type Store } from "../src/store/index.js";
import { fill, T_END } from "./list-query.js";
import { option } from "./support/args.js";
import { time } from "./support/timing.js";
import { runIfScript } from "./support/run-main.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

const MINUTE = 60_000;

async function extras(store: Store, devices: number): Promise<void> {
  const ids = (await store.devices.list({ limit: devices })).map((d) => d.id);
  for (let i = 0; i < ids.length; i += 100) {
    await store.faults.raise({ deviceId: ids[i]!, channel: "task:bench", code: i % 300 === 0 ? "timeout" : "cwmp.9002", message: "bench", detail: null, at: new Date(T_END) });
  }
  const last = Math.floor(T_END / MINUTE) * MINUTE;
  for (let m = 0; m < 60; m++) {
    for (const p of ["p1", "p2"]) await store.sessionHistory.addCount(last - m * MINUTE, p, 150 + m, last - 86_400_000);
  }
}


async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const backend = option(argv, "backend") === "postgres" ? "postgres" : "sqlite";
  const devices = Number(option(argv, "devices") ?? 100_000);
  const runs = Number(option(argv, "runs") ?? 9);
  let url = option(argv, "url");
  let dir: string | null = null;
  if (url === undefined) {
    if (backend === "postgres") throw new Error("--url postgres://... is needed for PostgreSQL");
    dir = mkdtempSync(join(tmpdir(), "provisio-overview-bench-"));
    url = `sqlite:${join(dir, "bench.sqlite")}`;
  }
  const store = await openStore(url, { postgres: { maxConnections: 8 } });
  try {
    if ((await store.devices.count()) === 0) {
      process.stderr.write(`filling ${url} with ${devices} devices...\n`);
      await fill(store, devices, backend);
      await extras(store, devices);
      if (backend === "postgres") {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          for (const table of ["devices", "parameters", "faults", "session_counts"]) await client.query(`VACUUM ANALYZE ${table}`);
        } finally {
          await client.end();
        }
      }
    }
    const now = new Date(T_END);
    const cases: [string, () => Promise<unknown>][] = [
      ["overview", () => store.fleet.overview({ now, onlineWithinMs: 600_000, top: 10, versionPaths: ["Device.DeviceInfo.SoftwareVersion", "InternetGatewayDevice.DeviceInfo.SoftwareVersion"], sessionsSince: Math.floor(T_END / MINUTE) * MINUTE - 59 * MINUTE })],
      ["paths of Device. (50)", () => store.fleet.childPaths("Device.", 51)],
      ["paths of Device.WiFi.", () => store.fleet.childPaths("Device.WiFi.", 51)],
      ["paths of Device.DeviceInfo.", () => store.fleet.childPaths("Device.DeviceInfo.", 51)],
    ];
    for (const [name, fn] of cases) {
      const t = await time(runs, fn);
      process.stdout.write(`${backend} ${devices} devices  ${name.padEnd(28)} p50 ${t.p50.toFixed(1).padStart(7)} ms  p90 ${t.p90.toFixed(1).padStart(7)} ms\n`);
    }
  } finally {
    await store.close();
    if (dir !== null && !argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
  }
}

runIfScript(import.meta.url, main);
