// Device list-query latency at scale, on SQLite and PostgreSQL.
//
//   npm run bench:list -- --backend sqlite|postgres [--url URL] [--devices 100000]
//        [--runs 15] [--keep] [--json] [--cases TEXT,TEXT]
//
// It fills a new database with devices of about 30 parameters each (or reuses it with --keep and a URL
// that already holds them), then times list (a page of 50) and count for typical filters, and prints
// the median and p90 of each in milliseconds. SQLite defaults to a file under the system's temp folder.
// --cases runs only the cases whose names contain one of the texts (comparing two builds on a kept fleet).
import pg from "pg";
import { openStore, type DeviceQuery, type Store } from "../src/store/index.js";
import { mulberry32 } from "../src/sim/rng.js";
import { benchDatabase, option } from "./support/args.js";
import { time } from "./support/timing.js";
import { runIfScript } from "./support/run-main.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

interface Options {
  backend: "sqlite" | "postgres";
  url: string | undefined;
  devices: number;
  runs: number;
  keep: boolean;
  json: boolean;
  cases: string[] | null;
}

function options(argv: string[]): Options {
  const get = (name: string) => option(argv, name);
  const backend = get("backend") === "postgres" ? "postgres" : "sqlite";
  return {
    backend,
    url: get("url"),
    devices: Number(get("devices") ?? 100_000),
    runs: Number(get("runs") ?? 15),
    keep: argv.includes("--keep"),
    json: argv.includes("--json"),
    cases: get("cases")?.split(",") ?? null,
  };
}

export const T_END = Date.UTC(2025, 5, 1, 12, 0, 0);
const VERSIONS = ["2.0.1", "2.0.1", "2.0.1", "2.0.1", "2.0.1", "2.0.1", "1.9.7", "1.9.7", "2.1.0-rc1", "1.8.0"];
const CLASSES = Array.from({ length: 10 }, (_v, i) => `HGW-${i}`);
const OUIS = ["A1B2C3", "00259E", "001A2B", "F4F26D", "0C8063"];

function deviceParameters(i: number, r: () => number): { path: string; value: string; type: string }[] {
  const v = (path: string, value: string, type = "xsd:string") => ({ path: `Device.${path}`, value, type });
  return [
    v("DeviceInfo.Manufacturer", "Acme"),
    v("DeviceInfo.ModelName", CLASSES[i % CLASSES.length]!),
    v("DeviceInfo.SoftwareVersion", VERSIONS[Math.floor(r() * VERSIONS.length)]!),
    v("DeviceInfo.HardwareVersion", `rev${1 + (i % 4)}`),
    v("DeviceInfo.SerialNumber", `SIM${String(i).padStart(7, "0")}`),
    v("DeviceInfo.UpTime", String(Math.floor(r() * 5_000_000)), "xsd:unsignedInt"),
    v("DeviceInfo.FirstUseDate", new Date(T_END - Math.floor(r() * 400 * 86_400_000)).toISOString().slice(0, 19) + "Z", "xsd:dateTime"),
    v("DeviceInfo.ProvisioningCode", r() < 0.3 ? "" : `PC-${Math.floor(r() * 50)}`),
    v("ManagementServer.URL", "https://acs.example.net:7547/"),
    v("ManagementServer.PeriodicInformEnable", r() < 0.5 ? "1" : "true", "xsd:boolean"),
    v("ManagementServer.PeriodicInformInterval", String([60, 300, 300, 600, 3600][Math.floor(r() * 5)]), "xsd:unsignedInt"),
    v("ManagementServer.ConnectionRequestURL", `http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:7547/cr`),
    v("ManagementServer.Username", `cpe-${i}`),
    v("ManagementServer.ParameterKey", ""),
    v("WiFi.RadioNumberOfEntries", "2", "xsd:unsignedInt"),
    v("WiFi.Radio.1.Channel", String(1 + Math.floor(r() * 11)), "xsd:unsignedInt"),
    v("WiFi.Radio.1.Enable", r() < 0.9 ? "1" : "0", "xsd:boolean"),
    v("WiFi.Radio.2.Channel", String(36 + 4 * Math.floor(r() * 8)), "xsd:unsignedInt"),
    v("WiFi.Radio.2.Enable", r() < 0.8 ? "1" : "0", "xsd:boolean"),
    v("WiFi.SSID.1.SSID", `home-${i % 1000}`),
    v("WiFi.SSID.1.Enable", "1", "xsd:boolean"),
    v("WiFi.SSID.2.SSID", `home-${i % 1000}-5G`),
    v("WiFi.SSID.2.Enable", r() < 0.7 ? "1" : "0", "xsd:boolean"),
    v("IP.Interface.1.IPv4Address.1.IPAddress", `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`),
    v("IP.Interface.1.Status", r() < 0.97 ? "Up" : "Down"),
    v("Hosts.HostNumberOfEntries", String(Math.floor(r() * 20)), "xsd:unsignedInt"),
    v("Time.CurrentLocalTime", new Date(T_END - Math.floor(r() * 3_600_000)).toISOString().slice(0, 19) + "Z", "xsd:dateTime"),
    v("Time.NTPServer1", "pool.ntp.org"),
    v("X_ACME_Diag.Temperature", (30 + r() * 40).toFixed(1), "xsd:decimal"),
    v("X_ACME_Diag.Note", r() < 0.5 ? "ok" : `note ${Math.floor(r() * 1e6)}`),
  ];
}

export async function fill(store: Store, count: number, backend: string): Promise<void> {
  const r = mulberry32(42);
  const started = Date.now();
  const one = async (s: Pick<Store, "devices" | "parameters">, i: number) => {
    const productClass = CLASSES[i % CLASSES.length]!;
    const oui = OUIS[i % OUIS.length]!;
    const id = `${oui}-${productClass}-SIM${String(i).padStart(7, "0")}`;
    await s.devices.recordInform({
      id, manufacturer: "Acme", oui, productClass, serialNumber: `SIM${String(i).padStart(7, "0")}`,
      at: new Date(T_END - Math.floor(r() * 48 * 3_600_000)), address: "192.0.2.1", cwmpNamespace: "1-2", cwmpVersion: "1.4",
      events: [{ code: "2 PERIODIC", commandKey: "" }],
    });
    await s.parameters.setValues(id, deviceParameters(i, r), new Date(T_END));
    const tags: string[] = [];
    if (r() < 0.1) tags.push("lab");
    if (r() < 0.01) tags.push("broken");
    if (r() < 0.3) tags.push(`region-${Math.floor(r() * 8)}`);
    if (tags.length > 0) await s.devices.updateTags(id, tags, []);
  };
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    if (backend === "sqlite") {
      await store.transaction(async (tx) => {
        for (let i = start; i < end; i++) await one(tx, i);
      });
    } else {
      // Each device in order (the generator's sequence stays the same), several devices at a time.
      const work: Promise<void>[] = [];
      for (let i = start; i < end; i++) work.push(one(store, i));
      await Promise.all(work);
    }
    if (end % 10_000 === 0) process.stderr.write(`  ${end} devices (${Math.round((Date.now() - started) / 1000)} s)\n`);
  }
}

const CASES: { name: string; query: DeviceQuery }[] = [
  { name: "no filter", query: {} },
  { name: "productClass = (10%)", query: { filter: 'productClass = "HGW-3"' } },
  { name: "oui IN (2 of 5)", query: { filter: 'oui IN ("A1B2C3", "00259E")' } },
  { name: "serialNumber ^= (0.1%)", query: { filter: 'serialNumber ^= "SIM00012"' } },
  { name: "serialNumber ~= prefix* (0.1%)", query: { filter: 'serialNumber ~= "SIM00012*"' } },
  { name: "serialNumber *= (0.1%)", query: { filter: 'serialNumber *= "00012"' } },
  { name: "SSID ~= *x? (1%)", query: { filter: 'Device.WiFi.SSID.1.SSID ~= "*-12?"' } },
  { name: "tag = lab (10%)", query: { filter: 'tag = "lab"' } },
  { name: "NOT tag = broken (99%)", query: { filter: 'NOT tag = "broken"' } },
  { name: "lastInform > now-1h (2%)", query: { filter: "lastInform > now-1h" } },
  { name: "online (5 min)", query: { filter: "online", onlineWithinMs: 300_000 } },
  { name: "SoftwareVersion = (10%)", query: { filter: 'Device.DeviceInfo.SoftwareVersion = "1.8.0"' } },
  { name: "SoftwareVersion != (40%)", query: { filter: 'Device.DeviceInfo.SoftwareVersion != "2.0.1"' } },
  { name: "SSID ^= (0.1%)", query: { filter: 'Device.WiFi.SSID.1.SSID ^= "home-12"' } },
  { name: "PeriodicInformInterval >= 600 (40%)", query: { filter: "Device.ManagementServer.PeriodicInformInterval >= 600" } },
  { name: "UpTime < 5000 (0.1%)", query: { filter: "Device.DeviceInfo.UpTime < 5000" } },
  { name: "FirstUseDate > now-7d (2%)", query: { filter: "Device.DeviceInfo.FirstUseDate > now-7d" } },
  { name: "PeriodicInformEnable = true", query: { filter: "Device.ManagementServer.PeriodicInformEnable = true" } },
  { name: "IPAddress EXISTS", query: { filter: "Device.IP.Interface.1.IPv4Address.1.IPAddress EXISTS" } },
  {
    name: "the issue's example (4 conditions)",
    query: { filter: 'productClass = "HGW-1" AND tag = "lab" AND Device.DeviceInfo.SoftwareVersion != "2.0.1" AND lastInform > now-1h' },
  },
  { name: "OR of two parameters", query: { filter: 'Device.DeviceInfo.SoftwareVersion = "1.8.0" OR Device.IP.Interface.1.Status = "Down"' } },
  { name: "sort lastInform desc", query: { sort: [{ field: "lastInform", direction: "desc" }] } },
  { name: "sort UpTime desc", query: { sort: [{ field: "Device.DeviceInfo.UpTime", direction: "desc" }] } },
  { name: "tag = lab, sort UpTime", query: { filter: 'tag = "lab"', sort: [{ field: "Device.DeviceInfo.UpTime" }] } },
  { name: "keyset page deep (after)", query: { after: "F4F26D-HGW-8-SIM0080000" } },
  { name: "offset 80000", query: { offset: 80_000 } },
  { name: "projection of 3 + subtree", query: { projection: ["Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.UpTime", "Device.WiFi.SSID."] } },
];



async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const db = benchDatabase(o.backend, o.url, "query");
  const url = db.url;
  const store = await openStore(url, { postgres: { maxConnections: 8 } });
  try {
    const have = await store.devices.count();
    if (have < o.devices) {
      process.stderr.write(`filling ${url} with ${o.devices - have} devices...\n`);
      if (have > 0) throw new Error(`the database holds ${have} devices, fewer than asked: start from an empty one`);
      await fill(store, o.devices, o.backend);
      if (o.backend === "postgres") {
        // What autovacuum does a little later on a live server: statistics for the planner, and the
        // visibility map that lets index-only scans skip the table.
        process.stderr.write("VACUUM ANALYZE...\n");
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          for (const table of ["devices", "device_informs", "device_tags", "device_trees", "param_index"]) await client.query(`VACUUM ANALYZE ${table}`);
        } finally {
          await client.end();
        }
      }
    }
    const now = new Date(T_END);
    const results: { name: string; matches: number; list50: { p50: number; p90: number }; count: { p50: number; p90: number } }[] = [];
    for (const c of CASES.filter((k) => o.cases === null || o.cases.some((t) => k.name.includes(t)))) {
      const q: DeviceQuery = { now, ...c.query };
      const matches = await store.devices.count(q);
      const list50 = await time(o.runs, () => store.devices.query({ ...q, limit: 50 }));
      const count = await time(Math.max(3, Math.floor(o.runs / 3)), () => store.devices.count(q));
      results.push({ name: c.name, matches, list50, count });
      if (!o.json) {
        process.stdout.write(`${c.name.padEnd(38)} ${String(matches).padStart(7)} match  list50 p50 ${list50.p50.toFixed(1).padStart(7)} ms  p90 ${list50.p90.toFixed(1).padStart(7)} ms   count p50 ${count.p50.toFixed(1).padStart(7)} ms\n`);
      }
    }
    if (o.json) process.stdout.write(`${JSON.stringify({ backend: o.backend, devices: o.devices, results }, null, 2)}\n`);
  } finally {
    await store.close();
    if (!o.keep) db.remove();
  }
}

runIfScript(import.meta.url, main);
