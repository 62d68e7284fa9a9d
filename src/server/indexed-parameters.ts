// The background work of the operator's indexed parameters (parameters.indexed, docs/scale.md): every
// process steps it (each step is one transaction, resumable from the store by any process), a batch of
// devices at a time, until nothing is left or a new pattern waits for older transactions to end.
import type { Store } from "../store/types.js";
import { logPassFailure, type Logger } from "./logger.js";

export interface IndexedParametersWork {
  /** Steps until the work is idle or waiting; resolves to the steps made (tests call it instead of waiting for the timer). */
  runNow(): Promise<number>;
  stop(): Promise<void>;
}

/** Devices' trees per step: about 50 kB of JSON each is read and decoded, in one transaction. */
export const INDEXED_FILL_BATCH = 500;
/** How often an idle process looks for work. */
export const INDEXED_POLL_MS = 1000;

export function startIndexedParameters(o: { store: Store; log: Logger; clock: () => Date; batch?: number; intervalMs?: number }): IndexedParametersWork {
  let running: Promise<number> | null = null;
  let stopped = false;
  const pass = async (): Promise<number> => {
    let steps = 0;
    while (!stopped) {
      const r = await o.store.indexedParameters.step(o.batch ?? INDEXED_FILL_BATCH, o.clock());
      if (r !== "more") break;
      steps++;
    }
    if (steps > 0) o.log.info({ steps }, "indexed parameters: filled or removed some devices' rows");
    return steps;
  };
  // One pass at a time: a tick while one runs joins it.
  const runNow = () => (running ??= pass()
    .catch((err: unknown) => {
      logPassFailure(o.log, "error", err, "indexed parameters: a fill or removal step failed");
      return 0;
    })
    .finally(() => {
      running = null;
    }));
  const timer = setInterval(() => void runNow(), o.intervalMs ?? INDEXED_POLL_MS);
  timer.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running !== null) await running;
    },
  };
}
