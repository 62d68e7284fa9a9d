// TOAST compression of device_trees.tree on PostgreSQL (issue 18.3, migration 30): pglz against lz4 on
// generated fleets with full trees, one database per method, measured in the same run.
//
//   npm run bench:tree-compression -- --url postgres://.../fleet_a --url postgres://.../fleet_b [--runs 250]
//
// Each database holds the same fleet (`provisio fleet generate`), its trees written with one method
// (migration 30 makes lz4 the column's; `ALTER TABLE device_trees ALTER COLUMN tree SET COMPRESSION pglz`
// before generating gives the other). Per database: the method found in its rows, bytes per device of
// device_trees (heap and TOAST), a device's full tree read through the store and by a bare SELECT, and a
// session's write on a full tree: setValues of 10 changed values to paths the tree has (one UPDATE that
// merges them into the row, which the server decompresses and compresses again), over --runs devices
// spread over the fleet. p50/p95 in milliseconds. The written values are the ones the devices had, so
// a run leaves the fleet as it found it but for the values' times.
import { openStore, type Store } from "../src/store/index.js";
import { loadavg } from "node:os";
import { openDirect, type DirectSql } from "./support/direct-sql.js";
import { runIfScript } from "./support/run-main.js";
import { time } from "./support/timing.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

/** Values a session writes: counters and uptime of a TR-181 gateway, as a periodic Inform brings. */
const WRITTEN = 10;

function urls(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) if (argv[i] === "--url" && argv[i + 1] !== undefined) out.push(argv[++i]!);
  return out;
}

async function sampleIds(sql: DirectSql, n: number): Promise<string[]> {
  // Every k-th device in id order: trees from all over the table, not one run of pages.
  const total = Number((await sql.all("SELECT count(*) AS n FROM device_trees"))[0]!.n);
  const step = Math.max(1, Math.floor(total / n));
  const rows = await sql.all("SELECT device_id FROM (SELECT device_id, row_number() OVER (ORDER BY device_id) AS k FROM device_trees) q WHERE k % $1 = 0 LIMIT $2", [step, n]);
  return rows.map((r) => String(r.device_id));
}

async function measure(url: string, runs: number): Promise<Record<string, unknown>> {
  const sql = await openDirect(url);
  const store: Store = await openStore(url, { postgres: { maxConnections: 2 } });
  try {
    const methods = await sql.all("SELECT pg_column_compression(tree) AS m, count(*) AS n FROM device_trees GROUP BY 1 ORDER BY 2 DESC");
    const devices = Number((await sql.all("SELECT count(*) AS n FROM device_trees"))[0]!.n);
    const bytes = Number((await sql.all("SELECT pg_table_size('device_trees') AS b"))[0]!.b);
    const ids = await sampleIds(sql, runs);
    let i = 0;
    const next = () => ids[i++ % ids.length]!;
    const bare = await time(runs, () => sql.all("SELECT * FROM device_trees WHERE device_id = $1", [next()]));
    const read = await time(runs, () => store.parameters.all(next()));
    // What each device reports as values of numeric counters and texts, written back as they are.
    const writes = new Map<string, { path: string; value: string; type: string }[]>();
    for (const id of ids) {
      const values = (await store.parameters.all(id)).filter((r) => r.value !== null && r.type !== null && !r.path.endsWith("."));
      const picked = values.filter((r) => /Stats\.|UpTime/.test(r.path)).slice(0, WRITTEN);
      writes.set(id, picked.map((r) => ({ path: r.path, value: r.value!, type: r.type! })));
    }
    const write = await time(runs, () => {
      const id = next();
      return store.parameters.setValues(id, writes.get(id)!, new Date());
    });
    return {
      url: url.replace(/\/\/[^@]*@/, "//"), devices, methods: methods.map((m) => `${String(m.m)}: ${String(m.n)}`).join(", "),
      treeBytesPerDevice: Math.round(bytes / Math.max(1, devices)), bare, read, write,
    };
  } finally {
    await store.close();
    await sql.close();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const targets = urls(argv);
  if (targets.length === 0) throw new Error("--url postgres://... (one per compression method) is needed");
  const runsAt = argv.indexOf("--runs");
  const runs = runsAt === -1 ? 250 : Number(argv[runsAt + 1]);
  const fmt = (t: { p50: number; p95: number }) => `${t.p50.toFixed(1)} / ${t.p95.toFixed(1)}`;
  const lines = ["| database | compression (rows) | device_trees bytes per device | bare SELECT p50 / p95 ms | store: full tree p50 / p95 ms | setValues of 10 p50 / p95 ms |", "|---|---|---:|---:|---:|---:|"];
  for (const url of targets) {
    process.stderr.write(`${url.replace(/\/\/[^@]*@/, "//")}: load ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
    const r = await measure(url, runs);
    lines.push(`| ${String(r.url).split("/").pop()} | ${String(r.methods)} | ${String(r.treeBytesPerDevice)} | ${fmt(r.bare as never)} | ${fmt(r.read as never)} | ${fmt(r.write as never)} |`);
  }
  lines.push("", `load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

runIfScript(import.meta.url, main);
