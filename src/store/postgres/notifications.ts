// PostgreSQL's notifications to one store: a single pooled connection LISTENs on every channel its
// watchers ask for (the outbox's commits, the USP wakes carried to this process), so that watching
// more than one thing does not take more than one connection from the pool. A channel's name carries
// the schema, so that several Provisio schemas in one database do not wake each other.
import type { PgPool, PgPoolClient } from "./driver.js";

/** What LISTEN needs of a pooled pg client beyond the driver's subset. */
interface ListeningClient extends PgPoolClient {
  on(event: "notification", listener: (msg: { channel: string; payload?: string }) => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  removeAllListeners(event: string): unknown;
}

/** Told a notification's payload, or null when some may have been missed (the connection was lost). */
type Watcher = (payload: string | null) => void;

/** Waits between attempts to listen again after the connection was lost: doubling from the first to the last. */
const RELISTEN_MS = { first: 500, max: 10_000 };

/** The SQL expression of the channel `name` in the current schema, as senders write it. */
export function channelSql(name: string): string {
  return `'provisio_${name}_' || current_schema()`;
}

/**
 * A hint only: a notification may come late, twice, or never, so watchers poll too. A lost connection
 * (the server restarting) means no early wake-ups for a while: it listens again on a new connection,
 * with growing waits while the server is away, and then tells every watcher that it may have missed
 * some (a null payload).
 */
export class PgNotifications {
  private client: ListeningClient | null = null;
  private connecting: Promise<ListeningClient> | null = null;
  /** The channels LISTENed to on `client`. */
  private readonly listened = new Set<string>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  private schema = "public";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delay = RELISTEN_MS.first;

  constructor(private readonly pool: PgPool) {}

  /** Watches the channel `name` until the returned function is called. Fails when the server cannot be reached now. */
  async watch(name: string, watcher: Watcher): Promise<() => Promise<void>> {
    const own: Watcher = (p) => watcher(p);
    let set = this.watchers.get(name);
    if (set === undefined) this.watchers.set(name, (set = new Set()));
    set.add(own);
    try {
      await this.listen(await this.ensure(), name);
    } catch (err) {
      await this.unwatch(name, own);
      throw err;
    }
    let stopped = false;
    return async () => {
      if (stopped) return;
      stopped = true;
      await this.unwatch(name, own);
    };
  }

  private channel(name: string): string {
    return `provisio_${name}_${this.schema}`;
  }

  private async listen(c: ListeningClient, name: string): Promise<void> {
    if (this.listened.has(name) || this.client !== c) return;
    this.listened.add(name);
    try {
      await c.query({ text: `LISTEN "${this.channel(name).replace(/"/g, '""')}"` });
    } catch (err) {
      this.listened.delete(name);
      throw err;
    }
  }

  /** The listening connection, made when there is none. */
  private ensure(): Promise<ListeningClient> {
    return this.client !== null ? Promise.resolve(this.client) : (this.connecting ??= this.connect());
  }

  private async connect(): Promise<ListeningClient> {
    try {
      const c = (await this.pool.connect()) as ListeningClient;
      // Must come first: an error of a checked-out client with no listener would crash the process.
      c.on("error", () => this.lost(c));
      try {
        const rows = (await c.query({ text: "SELECT current_schema() AS s" })).rows;
        this.schema = String(rows[0]?.s ?? "public");
        c.on("notification", (msg) => {
          for (const [name, set] of this.watchers) {
            if (msg.channel === this.channel(name)) for (const w of set) w(msg.payload ?? "");
          }
        });
      } catch (err) {
        c.release(true);
        throw err;
      }
      this.client = c;
      this.listened.clear();
      for (const name of this.watchers.keys()) await this.listen(c, name);
      this.delay = RELISTEN_MS.first;
      return c;
    } finally {
      this.connecting = null;
    }
  }

  private lost(c: ListeningClient): void {
    if (this.client !== c) return;
    this.client = null;
    this.listened.clear();
    c.removeAllListeners("notification");
    c.release(true);
    this.retry();
  }

  private retry(): void {
    if (this.watchers.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ensure().then(() => {
        for (const set of this.watchers.values()) for (const w of set) w(null);
      }, () => {
        this.delay = Math.min(RELISTEN_MS.max, this.delay * 2);
        this.retry();
      });
    }, this.delay);
    this.timer.unref?.();
  }

  /** Drops a watcher; the last one's leaving closes the connection (not reused). */
  private async unwatch(name: string, w: Watcher): Promise<void> {
    const set = this.watchers.get(name);
    if (set === undefined || !set.delete(w)) return;
    if (set.size === 0) this.watchers.delete(name);
    if (this.watchers.size > 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const c = this.client ?? (this.connecting === null ? null : await this.connecting.catch(() => null));
    // A watcher came meanwhile and uses the connection.
    if (c === null || this.watchers.size > 0) return;
    this.client = null;
    this.listened.clear();
    c.removeAllListeners("notification");
    await c.query({ text: "UNLISTEN *" }).catch(() => undefined);
    c.release(true);
  }
}
