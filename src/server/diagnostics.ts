// The store side of diagnostics (src/session/tasks/diagnostics.ts): the record of each run, the read
// queued when a device reports 8 DIAGNOSTICS COMPLETE, the settling of a run and its event, and the
// timeout of runs that never complete.

import type { DiagnosticRecord, DiagnosticStatus, JsonValue, StoreTx, TaskFault } from "../store/types.js";
import type { AcsEvent } from "./events.js";

export const DIAGNOSTICS_COMPLETE = "8 DIAGNOSTICS COMPLETE";

const IN_FLIGHT = new Set<DiagnosticStatus>(["pending", "requested"]);

/** The device reports a diagnostic finished: queue the read of every one it runs (it does not say which). */
export async function queueResultReads(tx: StoreTx, deviceId: string, now: Date): Promise<number> {
  const running = await tx.diagnostics.list({ deviceId, status: ["requested"] });
  if (running.length === 0) return 0;
  const queued = new Set(
    (await tx.tasks.list({ deviceId, status: ["pending"] })).filter((t) => t.name === "diagnosticResults").map((t) => (t.args as { diagnosticId?: string }).diagnosticId),
  );
  let n = 0;
  for (const d of running) {
    if (queued.has(d.id)) continue;
    await tx.tasks.create({ deviceId, name: "diagnosticResults", args: { diagnosticId: d.id, kind: d.kind }, expiresAt: d.expiresAt, maxAttempts: 3 }, now);
    n++;
  }
  return n;
}

export async function markRequested(tx: StoreTx, deviceId: string, id: string, now: Date): Promise<void> {
  const d = await tx.diagnostics.get(id);
  if (d !== null && d.deviceId === deviceId && d.status === "pending") await tx.diagnostics.update(id, { status: "requested", requestedAt: now });
}

/** Settles a run in flight (no-op for one already settled); returns its diagnostic.completed event, or null. */
export async function settleDiagnostic(
  tx: StoreTx,
  d: DiagnosticRecord,
  outcome: { status: Exclude<DiagnosticStatus, "pending" | "requested">; state?: string | null; results?: JsonValue; fault?: TaskFault | null },
  now: Date,
): Promise<AcsEvent | null> {
  if (!IN_FLIGHT.has(d.status)) return null;
  const updated = await tx.diagnostics.update(d.id, {
    status: outcome.status,
    ...(outcome.state !== undefined ? { state: outcome.state } : {}),
    ...(outcome.results !== undefined ? { results: outcome.results } : {}),
    ...(outcome.fault !== undefined ? { fault: outcome.fault } : {}),
    completedAt: now,
  });
  if (updated === null) return null;
  return completedEvent(updated, now);
}

export function completedEvent(d: DiagnosticRecord, now: Date): AcsEvent {
  return {
    type: "diagnostic.completed",
    deviceId: d.deviceId,
    at: now,
    diagnosticId: d.id,
    kind: d.kind,
    status: d.status,
    state: d.state,
    fleetId: d.fleetId,
    ...(d.fault === null ? {} : { fault: { code: d.fault.code, message: d.fault.message } }),
  };
}

/**
 * Times out runs whose device never reported them complete: the record says timeout, and its tasks
 * still queued or waiting are expired (a read queued for it would read a state nobody waits for).
 */
export async function timeOutDiagnostics(tx: StoreTx, now: Date, limit = 500): Promise<AcsEvent[]> {
  const events: AcsEvent[] = [];
  for (const d of await tx.diagnostics.overdue(now, limit)) {
    const fault = { code: "diagnostic.timeout", message: d.status === "pending" ? "the device did not take the diagnostic request in time" : `the device did not report ${DIAGNOSTICS_COMPLETE} in time` };
    const e = await settleDiagnostic(tx, d, { status: "timeout", fault }, now);
    if (e !== null) events.push(e);
    const task = await tx.tasks.get(d.id);
    if (task !== null && (task.status === "pending" || task.status === "waiting")) {
      await tx.tasks.update(d.id, { status: "expired", completedAt: now, lastFault: fault });
      events.push({ type: "task.failed", deviceId: d.deviceId, at: now, taskId: d.id, name: task.name, fault, willRetry: false });
    }
  }
  return events;
}
