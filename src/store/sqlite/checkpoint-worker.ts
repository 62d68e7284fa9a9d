// The WAL's checkpoints, in a worker thread with a connection of its own (checkpointer.ts).
//
// A checkpoint copies the WAL's pages into the database file and waits for two fsyncs. Run by the
// COMMIT that takes the WAL past wal_autocheckpoint, it holds the event loop, and every session of the
// process with it, for as long as the disk takes: a few ms, or hundreds on a slow or busy disk, which
// made the ACS's rate on SQLite differ from one machine to another. Here it runs beside the event loop,
// when the driver asks (driver.ts).
//
// Two kinds, asked by name. "passive" copies what the WAL holds while the connection goes on writing
// (the copy is most of a checkpoint's time: 50 to 60 ms a second of the sessions benchmark, during
// which no transaction could run when it held the connection). "restart", asked right after, between
// two commit groups with the connection idle, copies only what was written meanwhile: it waits for
// other processes' writers and readers (SQLite's busy handler, sleeping in this thread, for at most
// busyTimeoutMs), and lets the next writer start the WAL from its beginning. Passive checkpoints alone
// never find the WAL wholly copied under a steady stream of commits, so the WAL would only ever grow.

import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";

export interface CheckpointWorkerData {
  file: string;
  /** How long a checkpoint waits for other processes' writers and readers before it gives up until the next. */
  busyTimeoutMs: number;
}

const { file, busyTimeoutMs } = workerData as CheckpointWorkerData;
const db = new Database(file);
db.pragma(`busy_timeout = ${busyTimeoutMs}`);
const checkpoints = { passive: db.prepare("PRAGMA wal_checkpoint(PASSIVE)"), restart: db.prepare("PRAGMA wal_checkpoint(RESTART)") };

parentPort!.on("message", (m: unknown) => {
  if (m === "close") {
    db.close();
    parentPort!.close();
    return;
  }
  let ok: boolean;
  try {
    // busy = 1: another connection kept it from finishing; the next one tries again.
    ok = (checkpoints[m === "passive" ? "passive" : "restart"].get() as { busy: number }).busy === 0;
  } catch {
    ok = false;
  }
  parentPort!.postMessage(ok);
});
parentPort!.postMessage("ready");
