// The last sessions of each device (migration 13): one row per session, written once at its end.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { JsonValue, SessionEnvelope, SessionHistoryRecord, SessionHistoryRepo, SessionSummary } from "../types.js";
import type { RowColumn } from "./dialect.js";
import type { Row } from "./driver.js";
import { insertRows } from "./insert-rows.js";
import type { Scope } from "./scope.js";

/** An envelope as the JSON column holds it (its time as text), for each kind of envelope. */
type Stored<T> = T extends unknown ? Omit<T, "at"> & { at: string } : never;

const SUMMARY = "device_id, session_id, started_at, ended_at, outcome, summary";

// The newest `keep` rows of the device stay; run with the insert's parameters ($1 the device, $7 keep).
// On PostgreSQL the DELETE does not see the row its statement inserts, so it keeps `keep - 1` older ones.
const PRUNE = (older: string) =>
  `DELETE FROM session_history WHERE device_id = $1 AND seq <= (SELECT seq FROM session_history WHERE device_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET ${older})`;

const COLUMNS: readonly RowColumn[] = [
  { name: "device_id", type: "text" }, { name: "session_id", type: "text" }, { name: "started_at", type: "date" }, { name: "ended_at", type: "date" },
  { name: "outcome", type: "text" }, { name: "summary", type: "json" }, { name: "envelopes", type: "json" },
];

const INSERT = `INSERT INTO session_history (${SUMMARY}, envelopes) VALUES ($1, $2, $3, $4, $5, $6, $7)`;

/**
 * On SQLite, envelopes whose JSON is longer than this are kept deflated (a BLOB in the TEXT column):
 * a discovery's session fills sessionHistory.maxSessionBytes, and such sessions were most of a
 * database after a bootstrap storm (265 kB a device). A periodic session's few kilobytes stay text,
 * spared the CPU. PostgreSQL compresses the column itself (lz4, migration 27).
 */
const DEFLATE_OVER = 16 * 1024;

function envelopesOf(h: SessionHistoryRecord): JsonValue {
  return h.envelopes === null ? null : (h.envelopes.map((e) => ({ ...e, at: e.at.toISOString() })) as JsonValue);
}

export class SqlSessionHistoryRepo implements SessionHistoryRepo {
  constructor(private readonly s: Scope) {}

  private toRecord(r: Row): Omit<SessionHistoryRecord, "envelopes"> {
    const d = this.s.dialect;
    return {
      deviceId: String(r.device_id),
      sessionId: String(r.session_id),
      startedAt: d.readDate(r.started_at) ?? new Date(NaN),
      endedAt: d.readDate(r.ended_at) ?? new Date(NaN),
      outcome: String(r.outcome),
      summary: d.readJson(r.summary) as unknown as SessionSummary,
    };
  }

  /** INSERT's parameters. */
  private row(h: SessionHistoryRecord): unknown[] {
    const d = this.s.dialect;
    return [h.deviceId, h.sessionId, d.date(h.startedAt), d.date(h.endedAt), h.outcome, d.json(h.summary as unknown as JsonValue), this.envelopesValue(h)];
  }

  private envelopesValue(h: SessionHistoryRecord): unknown {
    if (h.envelopes === null) return null;
    const json = this.s.dialect.json(envelopesOf(h));
    if (!this.s.dialect.capabilities.inProcess || typeof json !== "string" || json.length <= DEFLATE_OVER) return json;
    // Level 1: XML in JSON shrinks about tenfold at any level; the CPU is the ACS's.
    return deflateRawSync(json, { level: 1 });
  }

  async record(h: SessionHistoryRecord, keep: number): Promise<void> {
    const params = this.row(h);
    if (this.s.dialect.capabilities.writableCte) {
      // One statement, one round trip: the insert and the prune.
      await this.s.run(`WITH ins AS (${INSERT} RETURNING seq) ${PRUNE("$8 - 1")}`, [...params, keep]);
      return;
    }
    await this.s.atomic(async (s) => {
      await s.run(INSERT, params);
      await s.run(PRUNE("$2"), [h.deviceId, keep]);
    });
  }

  async recordMany(hs: readonly SessionHistoryRecord[], keep: number): Promise<void> {
    if (hs.length === 0) return;
    const d = this.s.dialect;
    const devices = [...new Set(hs.map((h) => h.deviceId))];
    // After the inserts, so that it sees them: each device's rows past its newest `keep`. The
    // transaction's last statement: on PostgreSQL its COMMIT travels with it. PostgreSQL finds each
    // device's newest row past `keep` in the index: half the time of numbering every row of the batch's
    // devices (0.2 ms against 0.3 to 0.4 for nine devices of ten rows). SQLite, in process, keeps the
    // numbering: its batches are bigger and the statement costs it about 5 us a session.
    const prune = (s: Scope) => s.all(
      d.capabilities.inProcess
        ? `DELETE FROM session_history WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY seq DESC) AS n
             FROM session_history WHERE ${d.inTextArray("device_id", "$1")}) r WHERE r.n > $2)`
        : `DELETE FROM session_history h USING (SELECT dev, (SELECT k.seq FROM session_history k WHERE k.device_id = dev ORDER BY k.seq DESC OFFSET $2 LIMIT 1) AS cut
             FROM unnest($1::text[]) dev) c WHERE h.device_id = c.dev AND h.seq <= c.cut`,
      [d.textArray(devices), keep],
      { last: true },
    );
    await this.s.atomic(async (s) => {
      if (d.capabilities.inProcess) {
        // A statement each, whatever their number: a JSON row source would encode and parse the envelopes
        // (kilobytes a session) once more.
        for (const h of hs) await s.run(INSERT, this.row(h));
        await prune(s);
        return;
      }
      // A server's statements run in the order issued: issued together, they travel together. The
      // insert's failure is the one to report (the prune's would only say the transaction was aborted).
      const rows = hs.map((h) => [h.deviceId, h.sessionId, h.startedAt, h.endedAt, h.outcome, h.summary as unknown as JsonValue, envelopesOf(h)]);
      const inserted = insertRows(s, "session_history", COLUMNS, rows);
      const pruned = prune(s);
      pruned.catch(() => undefined);
      await inserted;
      await pruned;
    });
  }

  async list(deviceId: string, limit: number): Promise<Omit<SessionHistoryRecord, "envelopes">[]> {
    const rows = await this.s.all(`SELECT ${SUMMARY} FROM session_history WHERE device_id = $1 ORDER BY seq DESC LIMIT $2`, [deviceId, limit]);
    return rows.map((r) => this.toRecord(r));
  }

  async get(deviceId: string, sessionId: string): Promise<SessionHistoryRecord | null> {
    const rows = await this.s.all(`SELECT ${SUMMARY}, envelopes FROM session_history WHERE device_id = $1 AND session_id = $2`, [deviceId, sessionId]);
    const r = rows[0];
    if (!r) return null;
    const stored = r.envelopes instanceof Uint8Array ? inflateRawSync(r.envelopes).toString("utf8") : r.envelopes;
    const raw = this.s.dialect.readJson(stored) as Stored<SessionEnvelope>[] | null;
    return { ...this.toRecord(r), envelopes: raw === null ? null : raw.map((e) => ({ ...e, at: new Date(e.at) })) };
  }

  async addCount(minute: number, process: string, sessions: number, pruneBefore: number): Promise<void> {
    await this.s.atomic(async (s) => {
      await s.run(
        `INSERT INTO session_counts (minute, process, sessions) VALUES ($1, $2, $3)
         ON CONFLICT (minute, process) DO UPDATE SET sessions = session_counts.sessions + excluded.sessions`,
        [minute, process, sessions],
      );
      await s.run("DELETE FROM session_counts WHERE minute < $1", [pruneBefore]);
    });
  }
}
