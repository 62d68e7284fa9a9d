// Each ACS process tails the store's event outbox: it reads events after its cursor every
// `pollMs` (and at once when the store signals a commit: PostgreSQL's NOTIFY) and hands them, in
// order, to its subscribers (the event streams of the REST API, waiting task creations). Because
// the outbox is shared, a subscriber sees the events of every ACS process, whichever made them.

import type { JsonValue, OutboxCursor, OutboxEvent, Store } from "../store/types.js";
import type { AcsEvent, AcsEventType, EventListener } from "./events.js";
import { logPassFailure, type Logger } from "./logger.js";

export interface FeedEvent {
  seq: number;
  tx: string;
  type: AcsEventType;
  deviceId: string | null;
  at: Date;
  /** The event as clients see it: `id` (the seq, as text) and the event's fields. */
  json: { [key: string]: JsonValue };
}

export type FeedListener = (event: FeedEvent) => void;

/** Orders cursors as the outbox does. */
export function compareCursors(a: OutboxCursor, b: OutboxCursor): number {
  const ta = BigInt(a.tx);
  const tb = BigInt(b.tx);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.seq - b.seq;
}

export function toFeedEvent(e: OutboxEvent): FeedEvent {
  const payload = (e.payload !== null && typeof e.payload === "object" && !Array.isArray(e.payload) ? e.payload : {}) as { [key: string]: JsonValue };
  return { seq: e.seq, tx: e.tx, type: e.type as AcsEventType, deviceId: e.deviceId, at: e.at, json: { id: String(e.seq), ...payload } };
}

/** A feed event as an AcsEvent (for code written against the EventBus). */
export function toAcsEvent(e: FeedEvent): AcsEvent {
  const { id: _id, ...rest } = e.json;
  return { ...rest, at: e.at } as unknown as AcsEvent;
}

const PAGE = 500;

/**
 * With no subscriber, the feed reads the outbox's head at most this often: under a stream of sessions it
 * is woken at nearly every commit (PostgreSQL's notifications), and each read was a statement of its own
 * for no one. Its position is then at most this old when a subscriber comes (who sees events from a
 * little before it subscribed, never fewer; a resuming one replays up to the position and gets the rest
 * from the next read).
 */
const IDLE_READ_GAP_MS = 100;

export class EventFeed {
  private readonly listeners = new Set<FeedListener>();
  private readonly wakeListeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private unwatch: (() => Promise<void>) | null = null;
  /** When the last read with no subscriber began, and the timer of a read put off until the gap is over. */
  private idleReadAt = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly store: Store,
    private readonly pollMs: number,
    private readonly log: Logger,
    private cursor: OutboxCursor | null,
  ) {}

  /** Starts tailing from the newest event now committed: subscribers see what happens from now on. */
  static async start(store: Store, opts: { pollMs: number; log: Logger }): Promise<EventFeed> {
    const feed = new EventFeed(store, Math.max(10, opts.pollMs), opts.log, await store.outbox.head());
    feed.unwatch = await store.watchOutbox(() => feed.wake()).catch((err: unknown) => {
      opts.log.warn({ err }, "no commit notifications for the event outbox; polling only");
      return null;
    });
    feed.schedule();
    return feed;
  }

  /** Where the feed stands: every event up to here has been handed out. */
  get position(): OutboxCursor | null {
    return this.cursor;
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Called when events were committed, without them: for those that read the outbox themselves (the
   * webhook fan-out). While only such listeners are there, the feed follows the outbox's head and reads
   * no events at all.
   */
  subscribeWake(listener: () => void): () => void {
    this.wakeListeners.add(listener);
    return () => this.wakeListeners.delete(listener);
  }

  /** The feed as AcsEvents, for EventBus-style listeners. */
  subscribeAcs(listener: EventListener): () => void {
    return this.subscribe((e) => listener(toAcsEvent(e)));
  }

  /** Reads now (and again after the current read, if one is running); with no subscriber, soon. */
  wake(): void {
    if (this.closed) return;
    if (this.listeners.size === 0) {
      const wait = this.idleReadAt + IDLE_READ_GAP_MS - Date.now();
      if (wait > 0) {
        if (this.idleTimer === undefined) {
          this.idleTimer = setTimeout(() => {
            this.idleTimer = undefined;
            this.wake();
          }, wait);
          this.idleTimer.unref?.();
        }
        return;
      }
    }
    this.read();
  }

  private read(): void {
    if (this.running !== null) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    if (this.listeners.size === 0) this.idleReadAt = Date.now();
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.schedule();
      }
    });
  }

  /** Waits until the feed has handed out everything committed before this call (tests, shutdown). */
  async sync(): Promise<void> {
    if (this.running !== null) await this.running;
    if (!this.closed) this.read();
    if (this.running !== null) await this.running;
  }

  /**
   * Calls `fn` with the stored events after `after` (null: the oldest kept) up to `until` (inclusive):
   * the history a resuming client missed. Returns false when `after` is older than what is kept.
   */
  async replay(after: OutboxCursor | null, until: OutboxCursor | null, fn: (e: FeedEvent) => void | Promise<void>): Promise<void> {
    if (until === null) return;
    let from = after;
    for (;;) {
      const page = await this.store.outbox.read(from, PAGE);
      for (const e of page) {
        if (compareCursors(e, until) > 0) return;
        await fn(toFeedEvent(e));
      }
      if (page.length < PAGE) return;
      from = page[page.length - 1]!;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    await this.unwatch?.().catch(() => undefined);
    if (this.running !== null) await this.running;
    this.listeners.clear();
    this.wakeListeners.clear();
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), this.pollMs);
    this.timer.unref?.();
  }

  private async drain(): Promise<void> {
    let moved = false;
    try {
      if (this.listeners.size === 0) {
        const head = await this.store.outbox.head();
        // A subscriber that came while the head was read must get what lies between (its replay stops
        // at the position it found): the events are read for it below instead.
        if (this.listeners.size === 0) {
          if (head !== null && (this.cursor === null || compareCursors(head, this.cursor) > 0)) {
            this.cursor = head;
            moved = true;
          }
          return;
        }
      }
      for (;;) {
        const page = await this.store.outbox.read(this.cursor, PAGE);
        if (page.length > 0) moved = true;
        for (const e of page) {
          this.cursor = { tx: e.tx, seq: e.seq };
          const fe = toFeedEvent(e);
          for (const l of this.listeners) {
            try {
              l(fe);
            } catch (err) {
              this.log.error({ err, event: fe.type }, "event subscriber failed");
            }
          }
        }
        if (page.length < PAGE || this.closed) return;
      }
    } catch (err) {
      if (!this.closed) logPassFailure(this.log, "warn", err, "reading the event outbox failed; retrying");
    } finally {
      if (moved && !this.closed) for (const l of this.wakeListeners) l();
    }
  }
}
