// `npm run bench:pg-syncs -- --pg URL`: what a transaction's statements cost PostgreSQL and the ACS
// when each ends with a Sync of its own (node-postgres's way: the server answers each with
// ReadyForQuery and a flush of its output) against one Sync for the statements sent in one turn
// (the store's statement batches, src/store/postgres/statement-batch.ts). Issue 18, point 2.
//
//   npm run bench:pg-syncs -- --pg URL [--seconds 10] [--rounds 2] [--concurrency 16] [--statements 8]
//
// Work: a database of its own (dropped at the end), opened by the product's store twice, with and
// without batches (`batchStatements`), on pools of 10 pipelined connections (the ACS's default).
// --concurrency workers each run transactions one after the other: BEGIN, --statements statements
// issued together (half of them writes of settings rows, half reads of rows written before), COMMIT. The
// two modes run in turns, --seconds each, --rounds times; the first mode of each round is the baseline
// (a Sync a statement). Reported: transactions a second, the ACS's (this process's) and PostgreSQL's
// CPU a statement (its backends', from /proc), Syncs a statement (the driver's count), a transaction's
// p50 and p99 latency, and this process's RSS. Each mode's window checks the last value every worker
// wrote, read back in a store of its own.
import { loadavg } from "node:os";
import { openStore, StoreCounters, type Store } from "../src/store/index.js";
import { createTestDatabase } from "../test/support/pg.js";
import { option, pgServerOption } from "./support/args.js";
import { exitOnHelp } from "./support/help.js";
import { markPg, sincePg } from "./support/pg-stats.js";
import { runIfScript } from "./support/run-main.js";
import { percentile } from "./support/timing.js";

exitOnHelp(import.meta.url);

interface Options {
  seconds: number;
  concurrency: number;
  statements: number;
}

interface ModeResult {
  mode: string;
  perSecond: number;
  clientUs: number;
  pgUs: number;
  syncs: number;
  p50: number;
  p99: number;
  rssMb: number;
}

/** One transaction of worker `w`: its writes and reads issued together. */
function transaction(store: Store, w: number, n: number, statements: number): Promise<unknown> {
  return store.transaction((tx) => Promise.all(Array.from({ length: statements }, (_, i) =>
    i % 2 === 0 ? tx.settings.set(`w${w}-${i}`, { n, w }) : tx.settings.get(`w${w}-${i - 1}-read`))));
}

async function runMode(url: string, mode: string, batchStatements: boolean, o: Options): Promise<ModeResult> {
  const counters = new StoreCounters();
  const store = await openStore(url, { postgres: { counters, batchStatements, maxConnections: 10 } });
  const check = await openStore(url);
  try {
    // Every connection made, and the statements prepared on it, before the window.
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: o.concurrency }, (_, w) => transaction(store, w, 0, o.statements)));
    const latencies: number[] = [];
    const last = new Map<number, number>();
    const counted0 = counters.snapshot();
    const mark = await markPg(url);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + o.seconds * 1000;
    await Promise.all(Array.from({ length: o.concurrency }, async (_, w) => {
      for (let n = 1; performance.now() < end; n++) {
        const t = performance.now();
        await transaction(store, w, n, o.statements);
        latencies.push(performance.now() - t);
        last.set(w, n);
      }
    }));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const server = await sincePg(url, mark);
    const counted = counters.snapshot();
    for (const [w, n] of last) {
      const stored = await check.settings.get(`w${w}-0`);
      if (JSON.stringify(stored) !== JSON.stringify({ n, w })) throw new Error(`${mode}: worker ${w}'s last write (${n}) reads back as ${JSON.stringify(stored)}`);
    }
    const statements = counted.statements - counted0.statements;
    latencies.sort((a, b) => a - b);
    return {
      mode, perSecond: latencies.length / elapsed, clientUs: ((cpu.user + cpu.system) / statements), pgUs: (server.cpuMs * 1000) / statements,
      syncs: (counted.syncs - counted0.syncs) / statements, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), rssMb: process.memoryUsage().rss / 2 ** 20,
    };
  } finally {
    await store.close();
    await check.close();
  }
}

async function main(): Promise<void> {
  const serverUrl = pgServerOption(process.argv);
  const o: Options = {
    seconds: Number(option(process.argv, "seconds") ?? 10),
    concurrency: Number(option(process.argv, "concurrency") ?? 16),
    statements: Number(option(process.argv, "statements") ?? 8),
  };
  const rounds = Number(option(process.argv, "rounds") ?? 2);
  const db = await createTestDatabase(serverUrl);
  try {
    // The schema, made by the store.
    await (await openStore(db.url)).close();
    console.log(`PostgreSQL: a Sync a statement against one a turn (node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")})`);
    console.log(`${o.concurrency} workers, transactions of BEGIN, ${o.statements} statements issued together and COMMIT, ${o.seconds} s a mode, ${rounds} rounds\n`);
    console.log("| mode | transactions/s | ACS CPU a statement | PostgreSQL CPU a statement | Syncs a statement | p50 ms | p99 ms | RSS |");
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (let round = 0; round < rounds; round++) {
      for (const [mode, batch] of [["a Sync a statement (baseline)", false], ["a Sync a turn (batches)", true]] as const) {
        const r = await runMode(db.url, mode, batch, o);
        console.log(`| ${r.mode} | ${r.perSecond.toFixed(0)} | ${r.clientUs.toFixed(1)} µs | ${r.pgUs.toFixed(1)} µs | ${r.syncs.toFixed(2)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.rssMb.toFixed(0)} MB |`);
      }
    }
  } finally {
    await db.drop();
  }
}

runIfScript(import.meta.url, main);
