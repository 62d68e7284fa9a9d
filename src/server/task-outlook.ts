// When and how a pending task will next be tried: the ACS wakes the device (a connection request, now
// or when the retry back-off ends), or the task waits for the device's own Inform because the device
// cannot be reached or its connection request failed. What the API and campaigns show.

import type { Store, TaskRecord, TaskWake } from "../store/types.js";
import type { DeviceReach } from "./connection-requests.js";

export interface TaskOutlook {
  /** The end of a pending task's retry back-off; null when it may run at the device's next session. */
  nextAttemptAt: Date | null;
  /** How a pending task's next attempt comes; null for a task that is not pending. */
  nextAttemptBy: "connectionRequest" | "inform" | null;
  /** A pending task that may run now but whose device nobody wakes: since when it waits. */
  waitingForInformSince: Date | null;
}

const NONE: TaskOutlook = { nextAttemptAt: null, nextAttemptBy: null, waitingForInformSince: null };

export function taskOutlook(t: TaskRecord, wake: TaskWake | undefined, reachable: boolean, now: Date): TaskOutlook {
  if (t.status !== "pending") return NONE;
  // A wake speaks for the attempt it was made before; a session that tried the task counted one more.
  const current = wake !== undefined && wake.attempts === t.attempts ? wake : undefined;
  const woken = current !== undefined && (current.outcome === "accepted" || current.outcome === "sent");
  const due = t.notBefore === null || t.notBefore.getTime() <= now.getTime();
  // The ACS wakes a reachable device itself only when a retry's back-off ends.
  const willWake = !due && t.notBefore !== null && reachable && current === undefined;
  const dueWake = due && t.notBefore !== null && reachable && current === undefined;
  const by = woken || willWake || dueWake ? "connectionRequest" : "inform";
  return {
    nextAttemptAt: t.notBefore,
    nextAttemptBy: by,
    // Since the request that failed; for a device nobody could try to wake, since the task could run.
    waitingForInformSince: by === "inform" && due ? (current !== undefined && current.outcome !== "no-method" ? current.at : (t.notBefore ?? t.createdAt)) : null,
  };
}

/** The outlook of each task, reading wakes in one query and each device's reach once. */
export async function taskOutlooks(
  store: Store,
  reach: (deviceId: string) => Promise<DeviceReach | null>,
  tasks: readonly TaskRecord[],
  now: Date,
): Promise<Map<string, TaskOutlook>> {
  const pending = tasks.filter((t) => t.status === "pending");
  const wakes = await store.tasks.wakes(pending.map((t) => t.id));
  const reachable = new Map<string, boolean>();
  const out = new Map<string, TaskOutlook>();
  for (const t of tasks) {
    if (t.status !== "pending") {
      out.set(t.id, NONE);
      continue;
    }
    const wake = wakes.get(t.id);
    // Reachability matters only to a retry no request was made for yet: the others spare the lookup.
    const asks = t.notBefore !== null && wake?.attempts !== t.attempts;
    let r = asks ? reachable.get(t.deviceId) : false;
    if (r === undefined) {
      // A device whose credentials cannot be read cannot be woken either (and the listing still answers).
      r = ((await reach(t.deviceId).catch(() => null))?.plan.length ?? 0) > 0;
      reachable.set(t.deviceId, r);
    }
    out.set(t.id, taskOutlook(t, wake, r, now));
  }
  return out;
}
