// The worker thread that checkpoints a SQLite file's WAL (checkpoint-worker.ts), as the driver sees it.

import { Worker } from "node:worker_threads";
import type { CheckpointWorkerData } from "./checkpoint-worker.js";

/** checkpoint-worker.ts: "passive" beside the connection's writes, "restart" with the connection idle. */
export type CheckpointMode = "passive" | "restart";

export interface Checkpointer {
  /** One checkpoint; resolves with whether it copied the whole WAL, false once the worker is gone. */
  run(mode: CheckpointMode): Promise<boolean>;
  /** Stops the worker after the checkpoint in progress, if any; closes its connection. */
  close(): Promise<void>;
}

/** Starts the worker; resolves once it has its connection to `file` open. */
export function startCheckpointer(file: string, o: { busyTimeoutMs: number }): Promise<Checkpointer> {
  const data: CheckpointWorkerData = { file, busyTimeoutMs: o.busyTimeoutMs };
  // None of the process's own node flags: some are refused in a worker (--input-type, as `node -e` runs the CLI).
  const worker = new Worker(new URL("./checkpoint-worker.js", import.meta.url), { workerData: data, execArgv: [] });
  // The thread keeps the process alive only while it is asked something (a checkpoint, to close).
  worker.unref();
  let gone = false;
  const waiting: ((ok: boolean) => void)[] = [];
  const exited = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      gone = true;
      for (const answer of waiting.splice(0)) answer(false);
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    const failed = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
    worker.once("error", failed);
    worker.once("message", () => {
      worker.off("error", failed);
      // None is expected (the worker catches its checkpoints' failures); one ends the worker, and the
      // main connection's COMMIT then checkpoints by itself, at its fallback size.
      worker.on("error", () => undefined);
      worker.on("message", (ok: boolean) => {
        waiting.shift()?.(ok);
        // Closing keeps it referenced until it exits: a checkpoint answered after close() was asked
        // (the copy runs beside the driver's close) must not let the process end before that.
        if (waiting.length === 0 && !gone) worker.unref();
      });
      resolve({
        run: (mode) => {
          if (gone) return Promise.resolve(false);
          return new Promise<boolean>((answer) => {
            waiting.push(answer);
            worker.ref();
            worker.postMessage(mode);
          });
        },
        close: async () => {
          gone = true;
          worker.ref();
          worker.postMessage("close");
          await exited;
        },
      });
    });
  });
}
