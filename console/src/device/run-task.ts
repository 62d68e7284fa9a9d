// Queues a task for one device, wakes it and waits a while for the result (the API's `wait`).

import { api, enc } from "../api/client.js";
import type { CreatedTask } from "../api/types.js";

export const WAIT_SECONDS = 30;

export function runDeviceTask(deviceId: string, name: string, args: unknown, o: { connectionRequest?: boolean; wait?: number } = {}): Promise<CreatedTask> {
  return api.post<CreatedTask>(`/api/devices/${enc(deviceId)}/tasks`, {
    name,
    args,
    connectionRequest: o.connectionRequest ?? true,
    wait: o.wait ?? WAIT_SECONDS,
  });
}

/** One line on how a task ended (or stands). */
export function taskOutcome(t: Pick<CreatedTask, "status" | "lastFault"> & { connectionRequest?: CreatedTask["connectionRequest"] }): string {
  if (t.status === "done") return "Done.";
  if (t.status === "failed") return `Failed: ${t.lastFault ? `${t.lastFault.code} ${t.lastFault.message}` : "no reason given"}.`;
  if (t.status === "cancelled" || t.status === "expired") return `The task was ${t.status}.`;
  const cr = t.connectionRequest;
  if (cr && cr.outcome !== "accepted" && cr.outcome !== "sent") return `Queued; the device could not be woken (${cr.outcome}): it runs at the device's next Inform.`;
  return "Queued; waiting for the device…";
}
