// Runs a bulk task over the target and follows its tasks on the event stream.

import { api } from "../api/client.js";
import { subscribe } from "../api/events.js";
import type { BulkTaskResult } from "../api/types.js";
import { targetFilters, taskFilter, type Target } from "./selection.js";

export interface BulkRun {
  label: string;
  created: number;
  rejected: number;
  done: number;
  failed: number;
  cancelled: number;
}

/** Creates the tasks and reports progress through `update` until every one settled; returns a stop. */
export async function runBulkTask(
  target: Target,
  task: { name: string; args: unknown },
  label: string,
  update: (run: BulkRun) => void,
): Promise<() => void> {
  const run: BulkRun = { label, created: 0, rejected: 0, done: 0, failed: 0, cancelled: 0 };
  const ids = new Set<string>();
  // Events may arrive before the POST answers with the ids: keep them until then.
  const early = new Map<string, string>();
  const count = (taskId: string, type: string) => {
    if (type === "task.completed") run.done++;
    else if (type === "task.failed") run.failed++;
    else run.cancelled++;
    ids.delete(taskId);
  };
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  const stop = subscribe({
    types: ["task.completed", "task.failed", "task.cancelled"],
    onState: (up) => up && connected(),
    onEvent: (e) => {
      const taskId = String(e.taskId ?? "");
      // A failed task that will be retried is not settled yet.
      if (e.type === "task.failed" && e.willRetry === true) return;
      if (ids.has(taskId)) {
        count(taskId, e.type);
        update({ ...run });
      } else early.set(taskId, e.type);
    },
  });
  await Promise.race([ready, new Promise((r) => setTimeout(r, 3000))]);
  try {
    for (const filter of targetFilters(target)) {
      const r = await api.post<BulkTaskResult>("/api/tasks", { filter: taskFilter(filter), name: task.name, args: task.args, connectionRequest: true });
      run.created += r.created;
      run.rejected += r.failed;
      for (const id of r.taskIds) {
        const seen = early.get(id);
        if (seen) count(id, seen);
        else ids.add(id);
      }
    }
  } catch (err) {
    stop();
    throw err;
  }
  early.clear();
  update({ ...run });
  return stop;
}
