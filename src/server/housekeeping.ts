// Periodic work every ACS process does: settle sessions whose CPE vanished (freeing their devices),
// expire tasks past their time, and prune what is kept only for a while (outbox events, webhook
// deliveries, connection-request attempts, the Events of Informs, ended console logins). Safe to run
// in several processes at once: a session is settled only by whoever ends it at the version read
// (session-end.ts).

import type { SessionConfig } from "../session/index.js";
import type { Store } from "../store/types.js";
import type { TaskPolicy } from "./apply-effects.js";
import type { AlarmPass } from "./alarm-pass.js";
import { endAbandoned } from "./session-end.js";
import { timeOutDiagnostics } from "./diagnostics.js";
import { rollUpMetrics, type MetricRollupOptions } from "./metric-rollups.js";
import { recordEvents, type EventBus } from "./events.js";
import { logPassFailure, type Logger } from "./logger.js";

export interface HousekeepingOptions {
  store: Store;
  events: EventBus;
  log: Logger;
  session: SessionConfig;
  taskPolicy: TaskPolicy;
  clock?: () => Date;
  /** Alarm rules' periodic work (durations, event windows, silence); without it, none. */
  alarms?: AlarmPass;
  /**
   * How long to keep outbox events, finished webhook deliveries, connection-request attempts and the
   * Events of Informs, the audit trail, finished tasks (ms); absent: forever. deviceEventsMs, auditMs,
   * tasksMs 0 or absent: forever.
   */
  retention?: { eventsMs: number; webhooksMs: number; connectionRequestsMs: number; deviceEventsMs?: number; auditMs?: number; diagnosticsMs?: number; alarmsMs?: number; tasksMs?: number };
  /** Downsampling and retention of metric samples (metric-rollups.ts); absent: none. */
  metrics?: MetricRollupOptions;
}

/** Inform events (audit entries, finished tasks) are deleted this many at a time, up to DEVICE_EVENT_BATCHES times a pass. */
const DEVICE_EVENT_BATCH = 10_000;
const DEVICE_EVENT_BATCHES = 10;

/** Deletes in batches of `batch`, at most `batches` of them, until fewer than a batch are left. */
async function pruneInBatches(prune: (limit: number) => Promise<number>, batch: number, batches: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < batches; i++) {
    const n = await prune(batch);
    total += n;
    if (n < batch) break;
  }
  return total;
}

/** One pass; returns how many sessions were settled, tasks expired and records pruned. */
export async function housekeep(o: HousekeepingOptions): Promise<{ sessions: number; tasks: number; pruned: number }> {
  const now = (o.clock ?? (() => new Date()))();
  let sessions = 0;
  for (const rec of await o.store.sessions.expired(now, 100)) {
    const settled = await o.store.transaction(async (tx) => {
      const events = await endAbandoned(tx, rec, "timeout", now, { session: o.session, policy: o.taskPolicy, log: o.log });
      return events === null ? null : recordEvents(tx, events);
    });
    if (settled !== null) {
      sessions++;
      o.log.info({ deviceId: rec.deviceId, session: rec.id }, "session timed out; device freed");
      for (const e of settled) o.events.emit(e);
    }
  }
  // Before tasks expire, so that a diagnostic's task expires with its event and its record says why.
  const timedOut = await o.store.transaction(async (tx) => {
    const settled = await timeOutDiagnostics(tx, now);
    return recordEvents(tx, [...settled, ...(o.alarms === undefined ? [] : await o.alarms.afterDiagnostics(tx, settled, now))]);
  });
  for (const e of timedOut) o.events.emit(e);
  const tasks = await o.store.tasks.expire(now);
  // A failing alarm pass must not hold up the pruning below.
  if (o.alarms !== undefined) {
    try {
      for (const e of await o.alarms.run(now)) o.events.emit(e);
    } catch (err) {
      logPassFailure(o.log, "error", err, "alarm pass failed");
    }
  }
  // Expired nonces fail their HMAC check's expiry anyway: their counts are no longer needed.
  let pruned = await o.store.digestNonces.prune(now);
  // Console logins past their idle or absolute end no longer authenticate: their rows go.
  pruned += await o.store.userSessions.prune(now);
  if (o.retention !== undefined) {
    const before = (ms: number) => new Date(now.getTime() - ms);
    pruned += await o.store.outbox.prune(before(o.retention.eventsMs));
    pruned += await o.store.webhookDeliveries.prune(before(o.retention.webhooksMs));
    pruned += await o.store.connectionRequests.prune(before(o.retention.connectionRequestsMs));
    // One row per event of every Inform: the biggest table after the parameters, so it goes in bounded
    // batches (a pass that finds more leaves the rest to the next).
    if ((o.retention.diagnosticsMs ?? 0) > 0) pruned += await o.store.diagnostics.prune(before(o.retention.diagnosticsMs!));
    if ((o.retention.alarmsMs ?? 0) > 0) pruned += await o.store.alarms.prune(before(o.retention.alarmsMs!));
    const deviceEventsMs = o.retention.deviceEventsMs ?? 0;
    if (deviceEventsMs > 0) pruned += await pruneInBatches((n) => o.store.events.prune(before(deviceEventsMs), n), DEVICE_EVENT_BATCH, DEVICE_EVENT_BATCHES);
    // The audit trail is kept long (a year by default), so a pass may find months of it at once: bounded too.
    const auditMs = o.retention.auditMs ?? 0;
    if (auditMs > 0) pruned += await pruneInBatches((n) => o.store.audit.prune(before(auditMs), n), DEVICE_EVENT_BATCH, DEVICE_EVENT_BATCHES);
    // Finished tasks: a bulk task over a fleet leaves a row per device, every time.
    const tasksMs = o.retention.tasksMs ?? 0;
    if (tasksMs > 0) pruned += await pruneInBatches((n) => o.store.tasks.prune(before(tasksMs), n), DEVICE_EVENT_BATCH, DEVICE_EVENT_BATCHES);
  }
  if (o.metrics !== undefined) pruned += (await rollUpMetrics(o.store, o.metrics, now)).pruned;
  return { sessions, tasks, pruned };
}

/** Runs housekeep every `intervalMs` until stopped; errors are logged, never thrown. */
export function startHousekeeping(o: HousekeepingOptions, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => housekeep(o)).catch((err: unknown) => logPassFailure(o.log, "error", err, "housekeeping failed"));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
