// Reading the event outbox in tests.
//
// On PostgreSQL an event becomes readable once no transaction older than its own is still running in
// the whole cluster (the outbox's ordering rule, src/store/postgres/outbox.ts). Test files share one
// cluster and run two at a time, so another file's migration or long transaction can hold back an event
// that has committed here for a moment. Tests therefore wait for the events they expect, then assert on
// exactly what is there; reading once straight after a commit would fail at random.
import type { OutboxEvent, Store } from "../../src/store/index.js";

/**
 * The outbox's events that `pick` selects, once `enough` says they are all there (or after `timeoutMs`:
 * then what there is, for the caller's assertion to show).
 */
export async function outboxEvents(
  store: Pick<Store, "outbox">,
  pick: (e: OutboxEvent) => boolean,
  enough: (events: OutboxEvent[]) => boolean,
  // Generous: a loaded machine's other test files (a fleet being generated, a migration) hold events
  // back for seconds; a passing test never waits this long.
  timeoutMs = 60_000,
): Promise<OutboxEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = (await store.outbox.read(null, 100_000)).filter(pick);
    if (enough(events) || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until at least `n` events of the outbox are readable and returns the first `limit` from `after`. */
export async function readSettled(store: Pick<Store, "outbox">, n: number, after: OutboxEvent | null = null, limit = 100_000): Promise<OutboxEvent[]> {
  await outboxEvents(store, () => true, (all) => all.length >= n);
  return store.outbox.read(after, limit);
}
