// The outbox on PostgreSQL: reading rules (see migration 2), and the commit notifications the ACS sends
// when it appended events (notifications.ts listens for them).
import type { SqlDriver } from "../sql/driver.js";
import type { OutboxSql } from "../sql/outbox.js";
import { channelSql } from "./notifications.js";

export const postgresOutbox: OutboxSql = {
  txText: "tx_ord::text",
  // Rows of transactions older than the oldest one still running: nothing can commit before them now.
  settled: "tx_ord < pg_snapshot_xmin(pg_current_snapshot())",
  order: "tx_ord, seq",
  orderDesc: "tx_ord DESC, seq DESC",
  after: (tx, seq) => `(tx_ord, seq) > (${tx}::xid8, ${seq})`,
};

/**
 * How long the notification of committed events waits for others to share it. Until migration 27 a
 * trigger sent one NOTIFY per INSERT into the outbox: about 55 us of the server's time per statement,
 * two a session, and every NOTIFY takes PostgreSQL's notification queue lock at COMMIT, which serializes
 * the commits of all processes that send one. Tailers read everything committed when woken, so one
 * notification per window tells them as much; a process that dies before sending it leaves them to
 * their poll. At 10 ms the notifications were still a statement for every two or three sessions of a
 * busy process; 50 ms keeps an event's way to other processes' streams and webhooks well under their
 * poll (events.pollInterval, 250 ms by default).
 */
export const NOTIFY_WINDOW_MS = 50;

/** The commit notifications of one store: `committed()` after a transaction that appended events committed. */
export interface OutboxNotifier {
  committed(): void;
  /** Sends a notification still waiting for its window, then sends no more. */
  close(): Promise<void>;
}

export function postgresOutboxNotifier(driver: Pick<SqlDriver, "run">, windowMs = NOTIFY_WINDOW_MS): OutboxNotifier {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const send = () => {
    timer = undefined;
    return driver.run(`SELECT pg_notify(${channelSql("outbox")}, '')`).then(() => undefined, () => undefined);
  };
  return {
    committed() {
      if (closed || timer !== undefined) return;
      timer = setTimeout(send, windowMs);
    },
    async close() {
      closed = true;
      if (timer === undefined) return;
      clearTimeout(timer);
      await send();
    },
  };
}
