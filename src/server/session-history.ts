// The device's recent-sessions log: at each session's end, one row with its summary and (optionally)
// the envelopes exchanged, secrets masked; and the count of sessions ended per minute for the overview.
// SessionLog (session-log.ts) sees every exchange and tells this when a session ends. Writes go to the
// store after the session's own transactions, never inside them: a failed write loses a log row, not a
// session.

import { randomUUID } from "node:crypto";
import { isSecretPath, SECRET_NAME } from "../provisioning/secret-values.js";
import { msgJson, type MsgJson, type MsgJsonValue } from "../usp/index.js";
import type { SessionEnvelope, SessionHistoryRecord, Store } from "../store/types.js";
import { isStoreUnavailable, StoreError } from "../store/index.js";
import type { Logger } from "./logger.js";
import type { UspExchanged } from "./session-log.js";

export interface SessionHistoryOptions {
  perDevice: number;
  envelopes: boolean;
  maxEnvelopeBytes: number;
  maxSessionBytes: number;
  /** Bytes of envelopes held for all the sessions in progress of this process, together. */
  maxHeldBytes: number;
}

const MASK = "***";
const MINUTE = 60_000;
/** Session counts are written at most this often per process, by default. */
const COUNT_FLUSH_MS = 10_000;
/** Counts older than this are deleted. */
const COUNT_RETENTION_MS = 24 * 3_600_000;
/**
 * Rows wait this long to be written with those of the sessions that end meanwhile, one transaction (one
 * statement's round trip on PostgreSQL) for all of them instead of one per session; fewer when the
 * write before is still under way.
 */
const ROWS_FLUSH_MS = 20;
/** At most this many rows in one write. */
const ROWS_BATCH = 64;

/** Names whose values are secrets, besides isSecretPath's: whatever ends so. */
const SECRET_LEAF = /(Password|Passphrase|Key\d*|Secret|PSK)$/;

function secretName(path: string): boolean {
  return isSecretPath(path) || SECRET_LEAF.test(path.slice(path.lastIndexOf(".") + 1));
}

// A ParameterValueStruct whose Name ends as a secret's may (secretName decides): Name, then Value (any
// namespace prefix, any attributes). Matching only those, not every pair, spares the replacement a call
// and the strings of each other pair: an Inform names ParameterKey, so it is always searched.
const ending = (r: RegExp) => r.source.replace(/\$$/, "").replace(/\((?!\?)/g, "(?:");
const NAME_VALUE = new RegExp(
  String.raw`(<(?:[\w.-]+:)?Name\b[^>]*>)([^<]*?(?:${ending(SECRET_LEAF)}|${ending(SECRET_NAME)})\s*)` +
    String.raw`(<\/(?:[\w.-]+:)?Name>\s*<(?:[\w.-]+:)?Value\b[^>/]*>)([^<]*|<!\[CDATA\[[\s\S]*?\]\]>)(<\/(?:[\w.-]+:)?Value>)`,
  "g",
);
// The passwords of Download, Upload, ChangeDUState and the like.
const PASSWORD_ELEMENT = /(<(?:[\w.-]+:)?Password\b[^>/]*>)([^<]*|<!\[CDATA\[[\s\S]*?\]\]>)(<\/(?:[\w.-]+:)?Password>)/g;

// Every name secretName takes, and every Password element, holds one of these: an envelope with none
// of them (most of a session's: InformResponse, GetParameterValues and most responses) has nothing to
// mask, and is not searched with the regular expressions above, which cost about as much as parsing it.
const SECRET_HINTS = ["Pass", "PSK", "Secret", "Key"];

/** The XML with the values of secret parameters and every Password element replaced by ***. */
export function maskEnvelopeSecrets(xml: string): string {
  if (!SECRET_HINTS.some((h) => xml.includes(h))) return xml;
  const masked = xml.replace(NAME_VALUE, (all, open: string, name: string, mid: string, value: string, close: string) => (value !== "" && secretName(name.trim()) ? `${open}${name}${mid}${MASK}${close}` : all));
  if (!masked.includes("Password")) return masked;
  return masked.replace(PASSWORD_ELEMENT, (all, open: string, value: string, close: string) => (value !== "" ? `${open}${MASK}${close}` : all));
}

/** What a secret's value reads as in a USP Msg kept: a value named by a secret's name, non-empty. */
const maskedValue = (name: unknown, v: MsgJsonValue | undefined) => (typeof name === "string" && typeof v === "string" && v !== "" && secretName(name) ? MASK : v);

/**
 * A USP Msg's JSON (msgJson) with the values of secret parameters and arguments replaced by ***: the
 * values of maps by their keys (GetResp's result_params, Operate's input_args, an event's params), and
 * the value beside a parameter's name (Set's and Add's param and value, ValueChange's param_path and
 * param_value). Field names are snake_case, so none reads as a secret's name.
 */
export function maskMsgSecrets(v: MsgJsonValue): MsgJsonValue {
  if (Array.isArray(v)) return v.map(maskMsgSecrets);
  if (typeof v !== "object") return v;
  const out: MsgJson = {};
  for (const [k, x] of Object.entries(v)) out[k] = maskedValue(k, maskMsgSecrets(x))!;
  if ("param" in out && "value" in out) out.value = maskedValue(out.param, out.value)!;
  if ("param_path" in out && "param_value" in out) out.param_value = maskedValue(out.param_path, out.param_value)!;
  return out;
}

/**
 * The bytes that the captures of every session in progress hold together. The per-session cap alone
 * bounds memory by the number of sessions in progress, which a crowd of CPEs that start sessions and
 * never finish them (or a fleet's busy hour) makes as large as it likes.
 */
export class CaptureBudget {
  held = 0;
  constructor(readonly max: number) {}
}

/** The envelopes of one session, within the per-envelope, per-session and shared caps. */
export class EnvelopeCapture {
  readonly envelopes: SessionEnvelope[] = [];
  dropped = 0;
  private bytes = 0;
  private released = false;

  constructor(
    private readonly o: Pick<SessionHistoryOptions, "maxEnvelopeBytes" | "maxSessionBytes">,
    private readonly budget: CaptureBudget = new CaptureBudget(Infinity),
  ) {}

  add(direction: SessionEnvelope["direction"], body: string | Buffer, at: Date): void {
    const size = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    if (size === 0) return;
    const room = this.room();
    if (room === 0) return;
    // Masked before it is cut, so that a cut cannot leave half a secret unmasked.
    const { text, truncated } = this.keep(maskEnvelopeSecrets(typeof body === "string" ? body : body.toString("utf8")), room);
    this.envelopes.push({ direction, at, xml: text, truncated });
  }

  /** A USP Msg as exchanged (a USP device's session), kept as JSON under the same caps. */
  addUsp(m: UspExchanged): void {
    const room = this.room();
    if (room === 0) return;
    const { text, truncated } = this.keep(JSON.stringify(maskMsgSecrets(msgJson(m.msg)), null, 2), room);
    this.envelopes.push({ protocol: "usp", direction: m.direction, at: m.at, mtp: m.mtp, msgId: m.msg.header.msgId, msgType: m.msg.header.msgType, msg: text, truncated });
  }

  /** The bytes one more envelope may take; 0 (and it is counted as dropped) when there are none. */
  private room(): number {
    const room = this.released ? 0 : Math.min(this.o.maxEnvelopeBytes, this.o.maxSessionBytes - this.bytes, this.budget.max - this.budget.held);
    if (room > 0) return room;
    this.dropped++;
    return 0;
  }

  /** The text cut to `room` bytes (never in the middle of a character), counted against the caps. */
  private keep(text: string, room: number): { text: string; truncated: boolean } {
    const length = Buffer.byteLength(text);
    const truncated = length > room;
    const cut = truncated ? Buffer.from(text).subarray(0, room).toString("utf8") : text;
    const kept = Math.min(length, room);
    this.bytes += kept;
    this.budget.held += kept;
    return { text: cut.endsWith("\uFFFD") ? cut.slice(0, -1) : cut, truncated };
  }

  /** The session ended or was forgotten: its bytes no longer count against the shared cap. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.held -= this.bytes;
  }
}

export class SessionHistory {
  private readonly process = randomUUID();
  private readonly counts = new Map<number, number>();
  private lastFlush = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<Promise<void>>();
  private readonly budget: CaptureBudget;
  /** Rows of ended sessions not written yet, and whether a write of them is under way or due. */
  private rows: SessionHistoryRecord[] = [];
  private writing: Promise<void> | null = null;
  private rowsTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    readonly options: SessionHistoryOptions,
    private readonly clock: () => Date,
    private readonly flushMs = COUNT_FLUSH_MS,
    private readonly rowsFlushMs = ROWS_FLUSH_MS,
  ) {
    this.budget = new CaptureBudget(options.maxHeldBytes);
  }

  /** A capture for a new session's envelopes, or null when they are not kept. */
  capture(): EnvelopeCapture | null {
    return this.options.envelopes && this.options.perDevice > 0 ? new EnvelopeCapture(this.options, this.budget) : null;
  }

  ended(record: Omit<SessionHistoryRecord, "envelopes" | "summary"> & { summary: Omit<SessionHistoryRecord["summary"], "envelopesDropped"> }, capture: EnvelopeCapture | null): void {
    // The record keeps the envelopes until it is written; the budget is for sessions in progress.
    capture?.release();
    this.count(record.endedAt);
    if (this.options.perDevice === 0) return;
    this.rows.push({ ...record, summary: { ...record.summary, envelopesDropped: capture?.dropped ?? 0 }, envelopes: capture?.envelopes ?? null });
    if (this.rows.length >= ROWS_BATCH) this.writeRows();
    else this.rowsTimer ??= setTimeout(() => this.writeRows(), this.rowsFlushMs).unref();
  }

  /** Writes the rows held, one batch at a time: what ends during a write waits for the next. */
  private writeRows(): void {
    if (this.rowsTimer !== null) clearTimeout(this.rowsTimer);
    this.rowsTimer = null;
    if (this.writing !== null || this.rows.length === 0) return;
    const batch = this.rows.splice(0, ROWS_BATCH);
    const write = this.store.sessionHistory.recordMany(batch, this.options.perDevice).catch((err: unknown) => {
      // A device deleted meanwhile fails the batch: each row on its own, so that only that device's is lost.
      if (batch.length > 1 && err instanceof StoreError && err.code === "STORE_UNKNOWN_REFERENCE") return this.writeEach(batch);
      this.notRecorded(err, batch);
    });
    this.writing = write.finally(() => {
      this.writing = null;
      if (this.rows.length >= ROWS_BATCH || (this.rows.length > 0 && this.rowsTimer === null)) this.writeRows();
    });
    this.track(this.writing);
  }

  private async writeEach(batch: readonly SessionHistoryRecord[]): Promise<void> {
    for (const row of batch) await this.store.sessionHistory.record(row, this.options.perDevice).catch((err: unknown) => this.notRecorded(err, [row]));
  }

  private notRecorded(err: unknown, rows: readonly SessionHistoryRecord[]): void {
    // The device deleted meanwhile: nothing to keep.
    if (err instanceof StoreError && err.code === "STORE_UNKNOWN_REFERENCE") return;
    this.log[isStoreUnavailable(err) ? "debug" : "warn"]({ err: (err as Error).message, deviceIds: [...new Set(rows.map((r) => r.deviceId))] }, "session history not recorded");
  }

  private count(at: Date): void {
    const minute = Math.floor(at.getTime() / MINUTE) * MINUTE;
    this.counts.set(minute, (this.counts.get(minute) ?? 0) + 1);
    const now = this.clock().getTime();
    if (now - this.lastFlush >= this.flushMs) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.lastFlush + this.flushMs - now).unref();
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.lastFlush = this.clock().getTime();
    const counts = [...this.counts];
    this.counts.clear();
    for (const [minute, n] of counts) {
      this.track(
        this.store.sessionHistory.addCount(minute, this.process, n, this.lastFlush - COUNT_RETENTION_MS).catch((err: unknown) => {
          this.log.debug({ err: (err as Error).message }, "session counts not recorded");
        }),
      );
    }
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Writes the counts and rows still held and waits for the writes under way (before the store closes). */
  async close(): Promise<void> {
    this.flush();
    while (this.rows.length > 0 || this.writing !== null) {
      this.writeRows();
      await this.writing;
    }
    await Promise.all([...this.pending]);
  }
}
