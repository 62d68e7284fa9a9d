// The outbox on PostgreSQL: reading rules (see migration 2), the commit notifications the ACS sends
// when it appended events, and LISTEN for them.
import type { SqlDriver } from "../sql/driver.js";
import type { OutboxSql } from "../sql/outbox.js";
import type { PgPool, PgPoolClient } from "./driver.js";

export const postgresOutbox: OutboxSql = {
  txText: "tx_ord::text",
  // Rows of transactions older than the oldest one still running: nothing can commit before them now.
  settled: "tx_ord < pg_snapshot_xmin(pg_current_snapshot())",
  order: "tx_ord, seq",
  orderDesc: "tx_ord DESC, seq DESC",
  after: (tx, seq) => `(tx_ord, seq) > (${tx}::xid8, ${seq})`,
};

/** What LISTEN needs of a pooled pg client beyond the driver's subset. */
interface ListeningClient extends PgPoolClient {
  on(event: "notification", listener: (msg: { channel: string }) => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  removeAllListeners(event: string): unknown;
}

/** Waits between attempts to listen again after the connection was lost: doubling from the first to the last. */
const RELISTEN_MS = { first: 500, max: 10_000 };

/**
 * Store.watchOutbox: a pooled connection kept for LISTEN until stopped (then closed, not reused). A lost
 * connection (the server restarting) only means no early wake-ups for a while, since tailers poll: it
 * listens again on a new connection, with growing waits while the server is away, and wakes the tailer
 * once it does, for what was committed meanwhile.
 */
export function postgresOutboxWatch(pool: PgPool): (wake: () => void) => Promise<() => Promise<void>> {
  return async (wake) => {
    let client: ListeningClient | null = null;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = RELISTEN_MS.first;

    const listen = async (): Promise<void> => {
      const c = (await pool.connect()) as ListeningClient;
      // Must come first: an error of a checked-out client with no listener would crash the process.
      c.on("error", () => lost(c));
      try {
        const rows = (await c.query({ text: "SELECT current_schema() AS s" })).rows;
        const channel = `provisio_outbox_${String(rows[0]?.s ?? "public")}`;
        c.on("notification", (msg) => {
          if (msg.channel === channel) wake();
        });
        await c.query({ text: `LISTEN "${channel.replace(/"/g, '""')}"` });
      } catch (err) {
        c.release(true);
        throw err;
      }
      if (stopped) {
        c.release(true);
        return;
      }
      client = c;
      delay = RELISTEN_MS.first;
    };

    const retry = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        listen().then(wake, () => {
          delay = Math.min(RELISTEN_MS.max, delay * 2);
          retry();
        });
      }, delay);
      timer.unref?.();
    };

    const lost = (c: ListeningClient) => {
      if (client !== c) return;
      client = null;
      c.removeAllListeners("notification");
      c.release(true);
      retry();
    };

    await listen();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      const c = client;
      client = null;
      if (c === null) return;
      c.removeAllListeners("notification");
      await c.query({ text: "UNLISTEN *" }).catch(() => undefined);
      c.release(true);
    };
  };
}

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
  // The channel is named after the schema, so that several Provisio schemas in one database do not wake
  // each other (the watcher below listens on the same name).
  const send = () => {
    timer = undefined;
    return driver.run("SELECT pg_notify('provisio_outbox_' || current_schema(), '')").then(() => undefined, () => undefined);
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
