// The outbox on PostgreSQL: reading rules (see migration 2) and LISTEN for the commit notifications
// its trigger sends.
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

/** Store.watchOutbox: a pooled connection kept for LISTEN until stopped (then closed, not reused). */
export function postgresOutboxWatch(pool: PgPool): (wake: () => void) => Promise<() => Promise<void>> {
  return async (wake) => {
    const client = (await pool.connect()) as ListeningClient;
    let broken = false;
    // A lost connection only means no more early wake-ups (tailers poll); it must not crash the process.
    client.on("error", () => {
      broken = true;
    });
    try {
      const rows = (await client.query({ text: "SELECT current_schema() AS s" })).rows;
      const channel = `provisio_outbox_${String(rows[0]?.s ?? "public")}`;
      client.on("notification", (msg) => {
        if (msg.channel === channel) wake();
      });
      await client.query({ text: `LISTEN "${channel.replace(/"/g, '""')}"` });
    } catch (err) {
      client.release(true);
      throw err;
    }
    return async () => {
      client.removeAllListeners("notification");
      if (!broken) await client.query({ text: "UNLISTEN *" }).catch(() => undefined);
      client.release(true);
    };
  };
}
