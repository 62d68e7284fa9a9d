// `npm run bench:tree-json`: what a periodic session's statements on one full tree cost SQLite, with the
// tree kept as JSON text (the schema's before migration 32) and as SQLite's binary JSON (JSONB, the
// schema's since), measured in the same run.
//
//   npm run bench:tree-json -- [--devices 100] [--runs 300]
//
// Work: a generated fleet (`provisio fleet generate`: about 1,100 records a device, as a discovered
// TR-181 gateway's) written into a fresh SQLite store; its device_trees rows copied into two tables,
// one as text and one as JSONB. On each, over --runs devices in turn: the check a write makes first
// (every path of 10 there, the value of one), the write of 10 records with the JSON merge patch, a read
// of two records in SQL, and a read of the whole row as text; and in JavaScript, the JSON.parse of a
// row's text that decoding a whole tree starts with. Each statement is prepared once, as the store's
// statement cache does. p50 and p95 in microseconds, the rows' bytes.
// Round 11 of issue 18 in docs/BENCHMARKS.md reads it.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { generateFleet } from "../src/sim/runtime/index.js";
import { openStore } from "../src/store/index.js";
import { option } from "./support/args.js";
import { runIfScript } from "./support/run-main.js";
import { timeSync } from "./support/timing.js";
import { exitOnHelp } from "./support/help.js";

exitOnHelp(import.meta.url);

interface Timing {
  p50: number;
  p95: number;
}

/** timeSync's p50 and p95, in microseconds. */
function us(runs: number, fn: (i: number) => unknown): Timing {
  const t = timeSync(runs, fn);
  return { p50: t.p50 * 1000, p95: t.p95 * 1000 };
}

async function main(): Promise<void> {
  const devices = Number(option(process.argv, "devices") ?? 100);
  const runs = Number(option(process.argv, "runs") ?? 300);
  const dir = mkdtempSync(join(tmpdir(), "provisio-bench-tree-json-"));
  try {
    const file = join(dir, "fleet.db");
    const store = await openStore(`sqlite:${file}`);
    try {
      await generateFleet(store, { devices, start: 0, batch: 50, replace: false, seed: 1, end: new Date(), informWindowMs: 3_600_000, serialPrefix: "TJ" });
    } finally {
      await store.close();
    }
    const db = new Database(file);
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.exec(`CREATE TABLE t_text (id TEXT PRIMARY KEY, tree TEXT NOT NULL);
        CREATE TABLE t_jsonb (id TEXT PRIMARY KEY, tree BLOB NOT NULL);
        INSERT INTO t_text SELECT device_id, json(tree) FROM device_trees;
        INSERT INTO t_jsonb SELECT device_id, jsonb(tree) FROM device_trees;`);
      const rows = db.prepare("SELECT id, tree FROM t_text ORDER BY id").all() as { id: string; tree: string }[];
      const keys = Object.keys(JSON.parse(rows[0]!.tree) as object);
      const written = keys.slice(Math.floor(keys.length / 2), Math.floor(keys.length / 2) + 10);
      const ids = JSON.stringify(written);
      const id = (i: number) => rows[i % rows.length]!.id;
      const patch = (i: number) => JSON.stringify(Object.fromEntries(written.map((k) => [k, { v: `value ${i}`, tv: Date.now() }])));
      // Each statement prepared once, as the store's statement cache does: the runs time its execution.
      const measure = (table: string, asText: string) => {
        const check = db.prepare(`SELECT id, NOT EXISTS (SELECT 1 FROM json_each(?) i WHERE (${table}.tree -> i.value) IS NULL) AS complete, ${table}.tree -> ? AS v0 FROM ${table} WHERE id = ?`);
        const merge = db.prepare(`UPDATE ${table} SET tree = ${table === "t_jsonb" ? "jsonb_patch" : "json_patch"}(tree, ?) WHERE id = ?`);
        const two = db.prepare(`SELECT tree -> ? AS a, tree -> ? AS b FROM ${table} WHERE id = ?`);
        const whole = db.prepare(`SELECT ${asText} AS tree FROM ${table} WHERE id = ?`);
        return {
          bytes: Number((db.prepare(`SELECT avg(length(tree)) AS n FROM ${table}`).get() as { n: number }).n),
          check: us(runs, (i) => check.get(ids, written[0], id(i))),
          patch: us(runs, (i) => merge.run(patch(i), id(i))),
          twoRecords: us(runs, (i) => two.get(written[1], written[2], id(i))),
          wholeAsText: us(runs, (i) => whole.get(id(i))),
        };
      };
      const text = measure("t_text", "tree");
      const jsonb = measure("t_jsonb", "json(tree)");
      const parse = us(runs, (i) => JSON.parse(rows[i % rows.length]!.tree));
      const records = keys.length;
      const f = (t: Timing) => `${t.p50.toFixed(0)} / ${t.p95.toFixed(0)}`;
      console.log(`Tree JSON on SQLite (node ${process.version}; ${devices} generated devices, ${records} records and ${(text.bytes / 1024).toFixed(0)} kB of text a tree; ${runs} runs each; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")})\n`);
      console.log("| operation, p50 / p95 us | text | JSONB |");
      console.log("|---|---:|---:|");
      console.log(`| row bytes | ${text.bytes.toFixed(0)} | ${jsonb.bytes.toFixed(0)} |`);
      console.log(`| a write's check (10 paths there, one value) | ${f(text.check)} | ${f(jsonb.check)} |`);
      console.log(`| a write of 10 records (merge patch) | ${f(text.patch)} | ${f(jsonb.patch)} |`);
      console.log(`| two records read in SQL | ${f(text.twoRecords)} | ${f(jsonb.twoRecords)} |`);
      console.log(`| the whole row read as text | ${f(text.wholeAsText)} | ${f(jsonb.wholeAsText)} |`);
      console.log(`| JSON.parse of the row's text, in JavaScript | ${f(parse)} | - |`);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runIfScript(import.meta.url, main);
