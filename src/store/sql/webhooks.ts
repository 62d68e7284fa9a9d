import { randomUUID } from "node:crypto";
import type {
  JsonValue, NewWebhookDelivery, WebhookAttemptRecord, WebhookDeliveryRecord, WebhookDeliveryRepo, WebhookDeliveryStatus, WebhookRecord, WebhookRepo,
} from "../types.js";
import { Assignments } from "./assignments.js";
import type { Dialect } from "./dialect.js";
import type { Row } from "./driver.js";
import { limitClause } from "./limit.js";
import type { Scope } from "./scope.js";

const HOOK_COLUMNS = "id, name, url, events, filter, secret_sealed, enabled, created_at, updated_at, tenant";

function toHook(d: Dialect, r: Row): WebhookRecord {
  const events = d.readJson(r.events);
  return {
    id: String(r.id),
    name: String(r.name),
    url: String(r.url),
    events: Array.isArray(events) ? events.map(String) : [],
    filter: r.filter == null ? null : String(r.filter),
    secretSealed: String(r.secret_sealed),
    enabled: d.readBool(r.enabled) ?? false,
    createdAt: d.readDate(r.created_at) ?? new Date(NaN),
    updatedAt: d.readDate(r.updated_at) ?? new Date(NaN),
    tenant: r.tenant == null ? null : String(r.tenant),
  };
}

export class SqlWebhookRepo implements WebhookRepo {
  constructor(private readonly s: Scope) {}

  async create(h: Omit<WebhookRecord, "tenant"> & { tenant?: string | null }): Promise<WebhookRecord> {
    const d = this.s.dialect;
    const rows = await this.s.all(
      `INSERT INTO webhooks (${HOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${HOOK_COLUMNS}`,
      [h.id, h.name, h.url, d.json(h.events), h.filter, h.secretSealed, d.bool(h.enabled), d.date(h.createdAt), d.date(h.updatedAt), h.tenant ?? null],
    );
    return toHook(d, rows[0] ?? {});
  }

  async get(id: string): Promise<WebhookRecord | null> {
    const rows = await this.s.all(`SELECT ${HOOK_COLUMNS} FROM webhooks WHERE id = $1`, [id]);
    return rows[0] ? toHook(this.s.dialect, rows[0]) : null;
  }

  async list(): Promise<WebhookRecord[]> {
    const rows = await this.s.all(`SELECT ${HOOK_COLUMNS} FROM webhooks ORDER BY created_at, id`);
    return rows.map((r) => toHook(this.s.dialect, r));
  }

  async update(id: string, patch: Parameters<WebhookRepo["update"]>[1]): Promise<WebhookRecord | null> {
    const d = this.s.dialect;
    const a = new Assignments([id]);
    const set = (column: string, value: unknown) => a.set(column, value);
    if (patch.name !== undefined) set("name", patch.name);
    if (patch.url !== undefined) set("url", patch.url);
    if (patch.events !== undefined) set("events", d.json(patch.events));
    if (patch.filter !== undefined) set("filter", patch.filter);
    if (patch.secretSealed !== undefined) set("secret_sealed", patch.secretSealed);
    if (patch.enabled !== undefined) set("enabled", d.bool(patch.enabled));
    if (patch.updatedAt !== undefined) set("updated_at", d.date(patch.updatedAt));
    if (a.empty) return this.get(id);
    const rows = await this.s.all(`UPDATE webhooks SET ${a} WHERE id = $1 RETURNING ${HOOK_COLUMNS}`, a.params);
    return rows[0] ? toHook(d, rows[0]) : null;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.s.run("DELETE FROM webhooks WHERE id = $1", [id])) > 0;
  }
}

const DELIVERY_COLUMNS = "id, webhook_id, event_seq, event_type, device_id, payload, status, attempts, next_attempt_at, created_at, completed_at, redelivered_at, redelivered_after";

function toDelivery(d: Dialect, r: Row): WebhookDeliveryRecord {
  return {
    id: String(r.id),
    webhookId: String(r.webhook_id),
    eventSeq: Number(r.event_seq),
    eventType: String(r.event_type),
    deviceId: r.device_id == null ? null : String(r.device_id),
    payload: d.readJson(r.payload),
    status: String(r.status) as WebhookDeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: d.readDate(r.next_attempt_at),
    createdAt: d.readDate(r.created_at) ?? new Date(NaN),
    completedAt: d.readDate(r.completed_at),
    redeliveredAt: d.readDate(r.redelivered_at),
    redeliveredAfter: Number(r.redelivered_after ?? 0),
  };
}

function toAttempt(d: Dialect, r: Row): WebhookAttemptRecord {
  return {
    deliveryId: String(r.delivery_id),
    attempt: Number(r.attempt),
    at: d.readDate(r.at) ?? new Date(NaN),
    durationMs: Number(r.duration_ms),
    statusCode: r.status_code == null ? null : Number(r.status_code),
    ok: d.readBool(r.ok) ?? false,
    error: r.error == null ? null : String(r.error),
  };
}

export class SqlWebhookDeliveryRepo implements WebhookDeliveryRepo {
  constructor(private readonly s: Scope) {}

  async enqueue(deliveries: NewWebhookDelivery[], at: Date): Promise<number> {
    if (deliveries.length === 0) return 0;
    const d = this.s.dialect;
    const src = d.rowSource(2, [
      { name: "id", type: "text" }, { name: "webhook_id", type: "text" }, { name: "event_seq", type: "bigint" }, { name: "event_type", type: "text" },
      { name: "device_id", type: "text" }, { name: "payload", type: "json" },
    ], deliveries.map((x) => [randomUUID(), x.webhookId, x.eventSeq, x.eventType, x.deviceId, x.payload as JsonValue]));
    // The unique (webhook_id, event_seq) makes a second fan-out of the same event a no-op, whichever
    // process does it.
    return this.s.run(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_seq, event_type, device_id, payload, status, attempts, next_attempt_at, created_at)
       SELECT r.id, r.webhook_id, r.event_seq, r.event_type, r.device_id, r.payload, 'pending', 0, $1, $1 FROM ${src.sql} WHERE true
       ON CONFLICT (webhook_id, event_seq) DO NOTHING`,
      [d.date(at), ...src.params],
    );
  }

  async claim(owner: string, now: Date, until: Date, limit: number): Promise<WebhookDeliveryRecord[]> {
    const d = this.s.dialect;
    // The outer WHERE repeats the subquery's conditions on purpose: on PostgreSQL a second claimer that
    // waited for the first one's row lock re-checks them on the row as the first one left it (claimed),
    // and skips it; on SQLite writers take turns anyway.
    const rows = await this.s.all(
      `UPDATE webhook_deliveries SET locked_by = $1, locked_until = $3
       WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until <= $2)
                    ORDER BY next_attempt_at, seq LIMIT $4)
         AND status = 'pending' AND (locked_until IS NULL OR locked_until <= $2)
       RETURNING ${DELIVERY_COLUMNS}`,
      [owner, d.date(now), d.date(until), Math.max(1, Math.floor(limit))],
    );
    return rows.map((r) => toDelivery(d, r)).sort((a, b) => (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0));
  }

  async nextDue(): Promise<Date | null> {
    const rows = await this.s.all("SELECT MIN(next_attempt_at) AS due FROM webhook_deliveries WHERE status = 'pending'");
    return this.s.dialect.readDate(rows[0]?.due);
  }

  finishAttempt(
    deliveryId: string,
    owner: string,
    a: WebhookAttemptRecord,
    next: { status: WebhookDeliveryStatus; nextAttemptAt: Date | null; completedAt: Date | null },
  ): Promise<boolean> {
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      const n = await s.run(
        `UPDATE webhook_deliveries SET status = $3, attempts = $4, next_attempt_at = $5, completed_at = $6, locked_by = NULL, locked_until = NULL
         WHERE id = $1 AND locked_by = $2`,
        [deliveryId, owner, next.status, a.attempt, d.date(next.nextAttemptAt), d.date(next.completedAt)],
      );
      if (n === 0) return false;
      await s.run(
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, duration_ms, status_code, ok, error) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [deliveryId, a.attempt, d.date(a.at), Math.round(a.durationMs), a.statusCode, d.bool(a.ok), a.error],
      );
      return true;
    });
  }

  async get(id: string): Promise<WebhookDeliveryRecord | null> {
    const rows = await this.s.all(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`, [id]);
    return rows[0] ? toDelivery(this.s.dialect, rows[0]) : null;
  }

  async redeliver(id: string, webhookId: string, at: Date): Promise<WebhookDeliveryRecord | null> {
    const d = this.s.dialect;
    // status <> 'pending' in the WHERE: a delivery being tried (claimed, so pending) is left to its holder.
    const rows = await this.s.all(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, completed_at = NULL, redelivered_at = $3, redelivered_after = attempts
       WHERE id = $1 AND webhook_id = $2 AND status <> 'pending'
       RETURNING ${DELIVERY_COLUMNS}`,
      [id, webhookId, d.date(at)],
    );
    return rows[0] ? toDelivery(d, rows[0]) : null;
  }

  async list(webhookId: string, q: { status?: WebhookDeliveryStatus; id?: string; limit?: number; offset?: number } = {}) {
    const d = this.s.dialect;
    const params: unknown[] = [webhookId];
    let where = "webhook_id = $1";
    if (q.status !== undefined) {
      params.push(q.status);
      where += ` AND status = $${params.length}`;
    }
    if (q.id !== undefined) {
      params.push(q.id);
      where += ` AND id = $${params.length}`;
    }
    const limit = limitClause(params, q.limit, q.offset);
    const deliveries = (await this.s.all(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${where} ORDER BY seq DESC${limit}`, params))
      .map((r) => toDelivery(d, r));
    if (deliveries.length === 0) return [];
    const attempts = (await this.s.all(
      `SELECT delivery_id, attempt, at, duration_ms, status_code, ok, error FROM webhook_attempts WHERE ${d.inTextArray("delivery_id", "$1")} ORDER BY delivery_id, attempt`,
      [d.textArray(deliveries.map((x) => x.id))],
    )).map((r) => toAttempt(d, r));
    const byDelivery = new Map<string, WebhookAttemptRecord[]>();
    for (const a of attempts) {
      const list = byDelivery.get(a.deliveryId) ?? [];
      list.push(a);
      byDelivery.set(a.deliveryId, list);
    }
    return deliveries.map((x) => ({ ...x, attemptLog: byDelivery.get(x.id) ?? [] }));
  }

  prune(before: Date): Promise<number> {
    return this.s.run("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND completed_at < $1", [this.s.dialect.date(before)]);
  }
}
