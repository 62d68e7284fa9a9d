// Periodic work every ACS process does: settle sessions whose CPE vanished (freeing their devices) and
// expire tasks past their time. Safe to run in several processes at once: a session is claimed with an
// optimistic save before it is settled, so only one process settles it.

import { AcsSession, type SessionConfig } from "../session/index.js";
import type { Store } from "../store/types.js";
import { applyEffects, type TaskPolicy } from "./apply-effects.js";
import type { EventBus } from "./events.js";
import type { Logger } from "./logger.js";

export interface HousekeepingOptions {
  store: Store;
  events: EventBus;
  log: Logger;
  session: SessionConfig;
  taskPolicy: TaskPolicy;
  clock?: () => Date;
}

/** One pass; returns how many sessions were settled and tasks expired. */
export async function housekeep(o: HousekeepingOptions): Promise<{ sessions: number; tasks: number }> {
  const now = (o.clock ?? (() => new Date()))();
  let sessions = 0;
  for (const rec of await o.store.sessions.expired(now, 100)) {
    const settled = await o.store.transaction(async (tx) => {
      // Claim it: a save on the version we read fails if another process got there first.
      if ((await tx.sessions.save(rec.id, rec.version, rec.state, now)) === null) return null;
      const effects = AcsSession.restore(rec.state, o.session).timeout();
      const events = await applyEffects(effects, { tx, deviceId: rec.deviceId, now, address: null, policy: o.taskPolicy });
      await tx.sessions.end(rec.id);
      return events;
    });
    if (settled !== null) {
      sessions++;
      o.log.info({ deviceId: rec.deviceId, session: rec.id }, "session timed out; device freed");
      for (const e of settled) o.events.emit(e);
    }
  }
  const tasks = await o.store.tasks.expire(now);
  return { sessions, tasks };
}

/** Runs housekeep every `intervalMs` until stopped; errors are logged, never thrown. */
export function startHousekeeping(o: HousekeepingOptions, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => housekeep(o)).catch((err: unknown) => o.log.error({ err }, "housekeeping failed"));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
