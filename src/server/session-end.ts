// Ending a session that will hear no more from its CPE: it lapsed (housekeeping, or the device's next
// Inform finding it first) or the device started a new one. Its RPC in flight counts as an attempt of
// its task, with the fault that ended it, so that a CPE that dies on an RPC cannot be sent it forever.
//
// Settled exactly once: the claim is the conditional delete on the version that was read, in the
// transaction that applies the settlement. Of the processes and passes that see the session, only the
// one whose delete removed the row settles it; the others find nothing to do.

import type { Inform } from "../cwmp/index.js";
import { AcsSession, type Effect, type SessionConfig } from "../session/index.js";
import type { SessionRecord, StoreTx } from "../store/types.js";
import { applyEffects, type TaskPolicy } from "./apply-effects.js";
import type { AcsEvent } from "./events.js";
import type { Logger } from "./logger.js";

export interface SessionEndContext {
  session: SessionConfig;
  policy: TaskPolicy;
  log: Logger;
}

/**
 * Ends `rec` if it is still at its version and settles it; null when another caller got there first.
 * `next`: the device's new Inform, which may show that the RPC in flight took effect (confirm.ts).
 */
export async function endAbandoned(tx: StoreTx, rec: SessionRecord, reason: "timeout" | "replaced", now: Date, c: SessionEndContext, next?: Inform): Promise<AcsEvent[] | null> {
  if (!(await tx.sessions.end(rec.id, rec.version))) return null;
  let effects: Effect[];
  try {
    effects = AcsSession.restore(rec.state, c.session).abandon(reason, next);
  } catch (err) {
    // A state this version cannot read must not keep its device locked out for good.
    if (!(err instanceof TypeError)) throw err;
    c.log.warn({ deviceId: rec.deviceId, session: rec.id, err: err.message }, "unreadable session state; ended without settling its tasks");
    effects = [{ type: "sessionEnded", reason }];
  }
  return applyEffects(effects, { tx, deviceId: rec.deviceId, now, address: null, policy: c.policy });
}
