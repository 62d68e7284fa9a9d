// The event outbox (migration 2): events written in the transaction that made them true, read back in
// an order no late commit can break (OutboxCursor), by every ACS process and by named consumers that
// share one cursor across processes (webhook fan-out).
import type { NewOutboxEvent, OutboxCursor, OutboxEvent, OutboxRepo } from "../types.js";
import type { RowColumn } from "./dialect.js";
import type { Row } from "./driver.js";
import { insertRows } from "./insert-rows.js";
import type { Scope } from "./scope.js";

const OUTBOX_COLUMNS: readonly RowColumn[] = [
  { name: "type", type: "text" }, { name: "device_id", type: "text" }, { name: "at", type: "date" }, { name: "payload", type: "json" },
];

/** What differs between backends in reading the outbox; each backend folder provides one. */
export interface OutboxSql {
  /** The tx_ord column as decimal text. */
  readonly txText: string;
  /** A condition on a row: no transaction still running can commit a row that comes before it. */
  readonly settled: string;
  /** The outbox's order, as an ORDER BY list (ascending), for an index to serve. */
  readonly order: string;
  /** The same order, descending. */
  readonly orderDesc: string;
  /** A condition: the row comes after the cursor whose tx (decimal text) and seq are these parameters. */
  after(tx: string, seq: string): string;
}

const COLUMNS = (o: OutboxSql) => `seq, ${o.txText} AS tx, type, device_id, at, payload`;

function cursor(r: Row): OutboxCursor {
  return { tx: String(r.tx), seq: Number(r.seq) };
}

export class SqlOutboxRepo implements OutboxRepo {
  constructor(private readonly s: Scope, private readonly o: OutboxSql, private readonly appended: () => void = () => undefined) {}

  async append(events: NewOutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    await insertRows(this.s, "event_outbox", OUTBOX_COLUMNS, events.map((e) => [e.type, e.deviceId, e.at, e.payload]));
    this.appended();
  }

  async read(after: OutboxCursor | null, limit: number): Promise<OutboxEvent[]> {
    const d = this.s.dialect;
    const params: unknown[] = [];
    let from = "";
    if (after !== null) {
      params.push(after.tx, after.seq);
      from = ` AND ${this.o.after("$1", "$2")}`;
    }
    params.push(Math.max(1, Math.floor(limit)));
    const rows = await this.s.all(
      `SELECT ${COLUMNS(this.o)} FROM event_outbox WHERE ${this.o.settled}${from} ORDER BY ${this.o.order} LIMIT $${params.length}`, params);
    return rows.map((r) => ({
      ...cursor(r),
      type: String(r.type),
      deviceId: r.device_id == null ? null : String(r.device_id),
      at: d.readDate(r.at) ?? new Date(NaN),
      payload: d.readJson(r.payload),
    }));
  }

  async head(): Promise<OutboxCursor | null> {
    const rows = await this.s.all(`SELECT seq, ${this.o.txText} AS tx FROM event_outbox WHERE ${this.o.settled} ORDER BY ${this.o.orderDesc} LIMIT 1`);
    return rows[0] ? cursor(rows[0]) : null;
  }

  async cursorOf(seq: number): Promise<OutboxCursor | null> {
    const rows = await this.s.all(`SELECT seq, ${this.o.txText} AS tx FROM event_outbox WHERE seq = $1`, [seq]);
    return rows[0] ? cursor(rows[0]) : null;
  }

  prune(before: Date): Promise<number> {
    return this.s.run("DELETE FROM event_outbox WHERE at < $1", [this.s.dialect.date(before)]);
  }

  async consumer(name: string): Promise<OutboxCursor | null> {
    const rows = await this.s.all("SELECT tx_ord AS tx, seq FROM outbox_consumers WHERE name = $1", [name]);
    return rows[0] ? cursor(rows[0]) : null;
  }

  async advanceConsumer(name: string, expected: OutboxCursor | null, next: OutboxCursor): Promise<boolean> {
    // The cursor is compared by seq alone: a seq names one event, so it names one position.
    const n = expected === null
      ? await this.s.run("INSERT INTO outbox_consumers (name, tx_ord, seq) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", [name, next.tx, next.seq])
      : await this.s.run("UPDATE outbox_consumers SET tx_ord = $2, seq = $3 WHERE name = $1 AND seq = $4", [name, next.tx, next.seq, expected.seq]);
    return n > 0;
  }
}
