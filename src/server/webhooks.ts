// Webhooks: every event of the outbox that a webhook asks for (its types, its device filter) becomes a
// delivery, POSTed to the webhook's URL, signed, and retried with exponential back-off until it is
// accepted (2xx) or given up.
//
// Across processes:
// - Fan-out: a shared consumer cursor in the store says which events have been turned into deliveries.
//   A process reads the events after it, queues their deliveries and moves it, in one transaction that
//   fails if another process moved it first; deliveries are unique per (webhook, event) besides. So each
//   event yields one delivery per webhook, whichever processes run.
// - Delivery: a process claims due deliveries with a lease in the store (locked_by, locked_until); only
//   the holder may record the attempt's outcome. A process that dies mid-attempt leaves the lease to
//   run out, and the delivery is tried again: at least once, and exactly once unless a process dies
//   between the receiver's answer and recording it.
//
// Signature: Provisio-Signature: sha256=HEX, the HMAC-SHA256 with the webhook's secret of
// `${Provisio-Timestamp}.${body}` (docs/api.md shows how to check it, and why the timestamp is signed).

import { createHmac, randomBytes } from "node:crypto";
import { evaluate, parse, type FilterNode } from "../query/index.js";
import { deviceForFilter } from "./device-filter.js";
import type { NewWebhookDelivery, OutboxCursor, Store, StoreTx, WebhookDeliveryRecord, WebhookRecord } from "../store/types.js";
import { compareCursors, type EventFeed } from "./event-feed.js";
import { logPassFailure, type Logger } from "./logger.js";
import type { AcsMetrics } from "./metrics.js";
import type { SecretBox } from "./secrets.js";
import { postWebhook } from "./webhook-send.js";
import { deviceInScope, type TenantScope } from "./tenants.js";
import { WebhookTargetError, type WebhookTargets } from "./webhook-targets.js";

export interface WebhookSettings {
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  pollMs: number;
  /** For the filter's `online`. */
  onlineWithinMs: number;
}

export interface WebhookDeps {
  store: Store;
  box: SecretBox;
  feed: EventFeed;
  /** Where deliveries may go (private, loopback and metadata addresses are refused unless allowed). */
  targets: WebhookTargets;
  log: Logger;
  metrics?: AcsMetrics;
  clock?: () => Date;
}

export const WEBHOOK_CONSUMER = "webhooks";
export const webhookSealContext = (id: string) => `webhook:${id}`;

/** `sha256=<hex>` over `${timestamp}.${body}`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

export function newWebhookSecret(): string {
  return "whsec_" + randomBytes(24).toString("base64url");
}

/** Back-off before attempt `attempt + 1`: base, doubled after each attempt, capped. */
export function webhookRetryDelayMs(attempt: number, s: Pick<WebhookSettings, "retryBaseMs" | "retryMaxMs">): number {
  return Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.max(0, attempt - 1));
}

class LostRace extends Error {}

const FAN_OUT_PAGE = 200;
/**
 * Least time between two passes started by the feed's wakes: under a stream of sessions the feed wakes
 * the fan-out at nearly every commit, and a pass is about six statements even with no webhook; its
 * events wait this long at most.
 */
const FAN_OUT_GAP_MS = 100;

export class WebhookService {
  private readonly owner = `p${process.pid}-${randomBytes(4).toString("hex")}`;
  private readonly clock: () => Date;
  private readonly filters = new Map<string, { text: string; ast: FilterNode | null }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly aborts = new Set<AbortController>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private unsubscribe: (() => void) | null = null;
  /** When the last pass began, and the timer of a pass the feed asked for, put off until the gap is over. */
  private passAt = 0;
  private nudgeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly s: WebhookSettings, private readonly d: WebhookDeps) {
    this.clock = d.clock ?? (() => new Date());
  }

  /** Throws WebhookTargetError when the URL names a refused address itself (its name is checked at delivery). */
  checkTarget(url: URL): void {
    this.d.targets.checkUrl(url);
  }

  /** Runs fan-out and deliveries on a timer, and at once when the feed brings events. */
  start(): void {
    this.unsubscribe = this.d.feed.subscribeWake(() => this.nudge());
    this.kick();
  }

  /** Events were committed: a pass now, or once FAN_OUT_GAP_MS has gone by since the last one began. */
  private nudge(): void {
    if (this.closed || this.nudgeTimer !== undefined) return;
    const wait = this.passAt + FAN_OUT_GAP_MS - Date.now();
    if (wait <= 0) return this.kick();
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = undefined;
      this.kick();
    }, wait);
    this.nudgeTimer.unref?.();
  }

  kick(): void {
    if (this.closed) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.passAt = Date.now();
    this.running = this.pass()
      .catch((err: unknown) => {
        if (!this.closed) logPassFailure(this.d.log, "warn", err, "webhook pass failed; retrying");
      })
      .finally(() => {
        this.running = null;
        if (this.closed) return;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          this.timer = setTimeout(() => this.kick(), this.s.pollMs);
          this.timer.unref?.();
        }
      });
  }

  /** One fan-out, then starts the due deliveries there is room for (without waiting for them). */
  async pass(): Promise<void> {
    while ((await this.fanOut()) === FAN_OUT_PAGE && !this.closed);
    await this.deliverDue();
  }

  /**
   * With no enabled webhook, moves the cursor from `start` to the events committed now; false when there
   * is a webhook (the transaction below fans out). The head is read before the webhooks, as there.
   */
  private async skipped(start: OutboxCursor): Promise<boolean> {
    const head = await this.d.store.outbox.head();
    if ((await this.d.store.webhooks.list()).some((h) => h.enabled)) return false;
    // A lost race (another process moved it) leaves nothing to do either.
    if (head !== null && compareCursors(head, start) > 0) await this.d.store.outbox.advanceConsumer(WEBHOOK_CONSUMER, start, head);
    return true;
  }

  /** Turns the next events into deliveries; returns how many events it consumed. */
  async fanOut(): Promise<number> {
    const now = this.clock();
    // Reads first, outside a transaction: an idle process then never takes SQLite's write lock.
    const start = await this.d.store.outbox.consumer(WEBHOOK_CONSUMER);
    if (start !== null && (await this.d.store.outbox.read(start, 1)).length === 0) return 0;
    // Nobody to deliver to (most installations, and every poll of one that has events): the cursor moves
    // by its own compare-and-set, without a transaction, so no session's work waits behind this one.
    if (start !== null && (await this.skipped(start))) return 0;
    try {
      return await this.d.store.transaction(async (tx) => {
        const cursor = await tx.outbox.consumer(WEBHOOK_CONSUMER);
        // The head is read before the webhooks: a webhook created after that read finds the events up to
        // it older than itself.
        const head = (await tx.outbox.head()) ?? { tx: "0", seq: 0 };
        const hooks = (await tx.webhooks.list()).filter((h) => h.enabled);
        if (cursor === null || hooks.length === 0) {
          // The first run ever, or nobody to deliver to: move on to the events committed now. A webhook
          // never gets events from before it was created, so nothing is skipped that would be sent, and
          // the events (often thousands a second) are not read and parsed for nothing.
          if (cursor !== null && compareCursors(head, cursor) <= 0) return 0;
          if (!(await tx.outbox.advanceConsumer(WEBHOOK_CONSUMER, cursor, head))) throw new LostRace();
          return 0;
        }
        const events = await tx.outbox.read(cursor, FAN_OUT_PAGE);
        if (events.length === 0) return 0;
        // Tenants' filters as they are now, read once a page: a change applies from the next page.
        const tenants = hooks.some((h) => h.tenant !== null) ? new Map((await tx.tenants.list()).map((t) => [t.name, { name: t.name, filter: t.filter }])) : new Map<string, TenantScope>();
        const deliveries: NewWebhookDelivery[] = [];
        for (const e of events) {
          for (const h of hooks) {
            if (e.at.getTime() < h.createdAt.getTime()) continue;
            if (h.events.length > 0 && !h.events.includes(e.type)) continue;
            if (!(await this.matches(tx, h, e.deviceId, now))) continue;
            if (h.tenant !== null && !(await this.inTenant(tx, tenants.get(h.tenant), e.deviceId, now))) continue;
            const payload = (e.payload !== null && typeof e.payload === "object" && !Array.isArray(e.payload) ? e.payload : {});
            deliveries.push({ webhookId: h.id, eventSeq: e.seq, eventType: e.type, deviceId: e.deviceId, payload: { id: String(e.seq), ...payload } });
          }
        }
        await tx.webhookDeliveries.enqueue(deliveries, now);
        const last = events[events.length - 1]!;
        if (!(await tx.outbox.advanceConsumer(WEBHOOK_CONSUMER, cursor, { tx: last.tx, seq: last.seq }))) throw new LostRace();
        return events.length;
      });
    } catch (err) {
      if (err instanceof LostRace) return 0;
      throw err;
    }
  }

  /** A tenant's webhook gets its devices' events only: none without a device, none once the tenant is gone. */
  private async inTenant(tx: StoreTx, scope: TenantScope | undefined, deviceId: string | null, now: Date): Promise<boolean> {
    if (scope === undefined || deviceId === null) return false;
    return deviceInScope(tx, scope, deviceId, now, this.s.onlineWithinMs);
  }

  private async matches(tx: StoreTx, hook: WebhookRecord, deviceId: string | null, now: Date): Promise<boolean> {
    if (hook.filter === null) return true;
    if (deviceId === null) return false;
    let cached = this.filters.get(hook.id);
    if (cached === undefined || cached.text !== hook.filter) {
      let ast: FilterNode | null = null;
      try {
        ast = parse(hook.filter);
      } catch {
        ast = null; // checked when the webhook was saved; a filter that no longer parses matches nothing
      }
      cached = { text: hook.filter, ast };
      this.filters.set(hook.id, cached);
    }
    if (cached.ast === null) return false;
    const device = await tx.devices.get(deviceId);
    if (device === null) return false;
    const seen = await deviceForFilter(tx, device, cached.ast);
    try {
      return evaluate(cached.ast, seen, { now, onlineWithinMs: this.s.onlineWithinMs });
    } catch {
      return false;
    }
  }

  /** Claims the due deliveries this process has room for and starts sending them. */
  async deliverDue(): Promise<void> {
    const room = this.s.concurrency - this.inFlight.size;
    if (room <= 0 || this.closed) return;
    const now = this.clock();
    const due = await this.d.store.webhookDeliveries.nextDue();
    if (due === null || due.getTime() > now.getTime()) return;
    const lease = new Date(now.getTime() + this.s.timeoutMs * 2 + 5000);
    const claimed = await this.d.store.webhookDeliveries.claim(this.owner, now, lease, room);
    for (const c of claimed) {
      const p = this.deliver(c).catch((err: unknown) => this.d.log.error({ err, delivery: c.id }, "webhook delivery failed to run"));
      this.inFlight.add(p);
      // Room for the next one: look for more at once.
      void p.finally(() => {
        this.inFlight.delete(p);
        this.kick();
      });
    }
  }

  private async deliver(delivery: WebhookDeliveryRecord): Promise<void> {
    const { store, box, log, metrics } = this.d;
    const hook = await store.webhooks.get(delivery.webhookId);
    const attempt = delivery.attempts + 1;
    const at = this.clock();
    const t0 = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    if (hook === null || !hook.enabled) {
      error = hook === null ? "the webhook was deleted" : "the webhook is disabled";
    } else {
      const body = JSON.stringify(delivery.payload);
      const timestamp = String(Math.floor(at.getTime() / 1000));
      const abort = new AbortController();
      this.aborts.add(abort);
      const timer = setTimeout(() => abort.abort(), this.s.timeoutMs);
      try {
        const secret = box.open(hook.secretSealed, webhookSealContext(hook.id));
        const headers = {
          "Content-Type": "application/json",
          "User-Agent": "Provisio-Webhooks/1",
          "Provisio-Event": delivery.eventType,
          "Provisio-Event-Id": String(delivery.eventSeq),
          "Provisio-Delivery": delivery.id,
          "Provisio-Attempt": String(attempt),
          "Provisio-Timestamp": timestamp,
          "Provisio-Signature": signWebhook(secret, timestamp, body),
        };
        statusCode = await postWebhook(this.d.targets, hook.url, headers, body, abort.signal);
        if (statusCode < 200 || statusCode > 299) error = `the receiver answered HTTP ${statusCode}`;
      } catch (err) {
        if (this.closed) return; // shutting down: the lease runs out and the delivery is tried again
        error = abort.signal.aborted ? `no answer within ${this.s.timeoutMs} ms`
          : err instanceof WebhookTargetError ? `not sent: ${err.message}`
            : `could not reach the receiver: ${describe(err)}`;
      } finally {
        clearTimeout(timer);
        this.aborts.delete(abort);
      }
    }
    const durationMs = Math.round(performance.now() - t0);
    const ok = error === null;
    const done = this.clock();
    // A redelivered delivery starts a round of its own: maxAttempts more, from the base delay.
    const inRound = attempt - delivery.redeliveredAfter;
    const giveUp = !ok && (inRound >= this.s.maxAttempts || hook === null || !hook.enabled);
    const next = ok
      ? { status: "delivered" as const, nextAttemptAt: null, completedAt: done }
      : giveUp
        ? { status: "failed" as const, nextAttemptAt: null, completedAt: done }
        : { status: "pending" as const, nextAttemptAt: new Date(done.getTime() + webhookRetryDelayMs(inRound, this.s)), completedAt: null };
    const recorded = await store.webhookDeliveries.finishAttempt(delivery.id, this.owner, { deliveryId: delivery.id, attempt, at, durationMs, statusCode, ok, error }, next);
    if (!recorded) {
      log.warn({ delivery: delivery.id }, "webhook delivery lease lost before its attempt was recorded");
      return;
    }
    metrics?.webhookDelivery(ok ? "delivered" : giveUp ? "failed" : "retry");
    if (!ok) log.info({ delivery: delivery.id, webhook: delivery.webhookId, attempt, error, giveUp }, "webhook delivery failed");
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    clearTimeout(this.nudgeTimer);
    for (const a of this.aborts) a.abort();
    if (this.running !== null) await this.running;
    await Promise.allSettled([...this.inFlight]);
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e.code ?? e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
