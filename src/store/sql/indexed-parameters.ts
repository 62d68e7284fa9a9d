// IndexedParameterRepo: the operator's indexed parameters (migration 28, docs/scale.md). The list is
// changed in one transaction with the set's revision; filling and removing are done in steps, each a
// transaction, resumable from the row (after_id) by any process.
//
// Why a fill can miss nothing: a tree's writer reads the revision in the statement that reads its row
// locked (or patches it), so a write whose statement began after the change keeps the pattern itself.
// Only transactions older than the change can hold a set without it: a pattern's first step waits
// until each of them has ended (Dialect.olderTransactions). Then each batch reads its trees locked, so
// what it writes is what the trees hold, and a write after it changes the rows as for any indexed path.
// A removal waits the same way before deleting, so no writer still keeping the pattern adds rows after.
import { Path } from "../../model/path.js";
import type { IndexedParameterRecord, IndexedParameterRepo, IndexedParameterState, IndexedWorkStep } from "../types.js";
import type { IndexedSet } from "./indexed-set.js";
import { INDEXED_REVISION_KEY } from "./indexed-set.js";
import { bumpRevision } from "./revision.js";
import type { Scope } from "./scope.js";
import { fillIndex } from "./tree-rows.js";

const COLUMNS = "pattern, state, after_id, done, added_at, ready_at";

function fits(pattern: Path): (path: string) => boolean {
  return (path) => {
    try {
      return Path.parse(path).matches(pattern);
    } catch {
      return false;
    }
  };
}

export class SqlIndexedParameterRepo implements IndexedParameterRepo {
  constructor(
    private readonly s: Scope,
    private readonly indexed: IndexedSet,
  ) {}

  private record(r: Record<string, unknown>): IndexedParameterRecord {
    const d = this.s.dialect;
    return {
      pattern: String(r.pattern),
      state: String(r.state) as IndexedParameterState,
      done: Number(r.done),
      addedAt: d.readDate(r.added_at)!,
      readyAt: d.readDate(r.ready_at),
    };
  }

  async list(): Promise<IndexedParameterRecord[]> {
    const rows = await this.s.all(`SELECT ${COLUMNS} FROM indexed_parameters ORDER BY pattern`);
    return rows.map((r) => this.record(r));
  }

  set(patterns: readonly string[], at: Date): Promise<IndexedParameterRecord[]> {
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      const wanted = new Set(patterns);
      const rows = await s.all<{ pattern: unknown; state: unknown }>(`SELECT pattern, state FROM indexed_parameters ORDER BY pattern${d.forUpdate}`);
      const had = new Map(rows.map((r) => [String(r.pattern), String(r.state)]));
      let changed = false;
      for (const p of [...wanted].sort()) {
        const state = had.get(p);
        if (state === undefined) {
          await s.run("INSERT INTO indexed_parameters (pattern, state, done, added_at) VALUES ($1, 'filling', 0, $2)", [p, d.date(at)]);
        } else if (state === "removing") {
          await s.run(`UPDATE indexed_parameters SET state = 'filling', after_id = NULL, writers_before = NULL, done = 0, added_at = $2, ready_at = NULL
            WHERE pattern = $1`, [p, d.date(at)]);
        } else continue;
        changed = true;
      }
      for (const [p, state] of had) {
        if (wanted.has(p) || state === "removing") continue;
        await s.run("UPDATE indexed_parameters SET state = 'removing', after_id = NULL, writers_before = NULL, done = 0 WHERE pattern = $1", [p]);
        changed = true;
      }
      if (changed) await bumpRevision(s, INDEXED_REVISION_KEY);
      return new SqlIndexedParameterRepo(s, this.indexed).list();
    });
  }

  async step(batch: number, at: Date): Promise<IndexedWorkStep> {
    // Every process asks every second: with nothing to do (the usual case) a read alone answers, not a
    // transaction (on SQLite the database's write lock; on either, a transaction beside the sessions').
    const pending = await this.s.all("SELECT 1 AS x FROM indexed_parameters WHERE state <> 'ready' LIMIT 1");
    if (pending.length === 0) return "idle";
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      // Filling first: a pattern removed and chosen again is filling, not removing.
      const rows = await s.all<{ pattern: unknown; state: unknown; after_id: unknown; marked: unknown }>(
        `SELECT pattern, state, after_id, writers_before IS NOT NULL AS marked FROM indexed_parameters WHERE state <> 'ready'
         ORDER BY state, added_at, pattern LIMIT 1${d.forUpdate}`);
      const row = rows[0];
      if (row === undefined) return "idle";
      const pattern = String(row.pattern);
      let after = row.after_id == null ? null : String(row.after_id);
      if (after === null) {
        const older = d.olderTransactions;
        if (older !== null) {
          if (d.readBool(row.marked) !== true) {
            // Committed, since this transaction sees it: from now on, what began later sees it too.
            await s.run(`UPDATE indexed_parameters SET writers_before = ${older.mark} WHERE pattern = $1`, [pattern]);
            return "waiting";
          }
          const n = await s.all<{ n: unknown }>(older.count("(SELECT writers_before FROM indexed_parameters WHERE pattern = $1)"), [pattern]);
          if (Number(n[0]?.n ?? 0) > 0) return "waiting";
        }
        after = "";
      }
      // The set as the change left it (this step keeps or deletes rows by it).
      await this.indexed.refresh(s);
      if (String(row.state) === "removing") return this.remove(s, pattern, batch);
      const devices = await fillIndex(s, after, batch, await this.pathIds(s, pattern, true));
      if (devices.length < batch) {
        await s.run("UPDATE indexed_parameters SET state = 'ready', after_id = NULL, done = done + $2, ready_at = $3 WHERE pattern = $1",
          [pattern, devices.length, d.date(at)]);
        await bumpRevision(s, INDEXED_REVISION_KEY);
        return "more";
      }
      await s.run("UPDATE indexed_parameters SET after_id = $2, done = done + $3 WHERE pattern = $1", [pattern, devices.at(-1), devices.length]);
      return "more";
    });
  }

  /**
   * The ids of the dictionary's paths `pattern` fits: those writes keep (kept), or those nothing else
   * keeps (the built-in list or another pattern) once it is removed. Every path a tree names is in the
   * dictionary, committed before the tree that names it.
   */
  private async pathIds(s: Scope, pattern: string, kept: boolean): Promise<number[]> {
    const fit = fits(Path.parse(pattern));
    const paths = await s.all<{ id: unknown; path: unknown }>("SELECT id, path FROM param_paths");
    return paths.filter((r) => fit(String(r.path)) && this.indexed.written(String(r.path)) === kept).map((r) => Number(r.id));
  }

  /** Deletes up to `batch` devices' rows of the paths only `pattern` kept; forgets it once none is left. */
  private async remove(s: Scope, pattern: string, batch: number): Promise<IndexedWorkStep> {
    const d = s.dialect;
    const gone = await this.pathIds(s, pattern, false);
    const deleted = gone.length === 0 ? 0 : await s.run(
      `DELETE FROM param_index WHERE ${d.inArray("path_id", "$1", "bigint")} AND device_id IN
         (SELECT device_id FROM param_index WHERE ${d.inArray("path_id", "$1", "bigint")} ORDER BY device_id LIMIT $2)`,
      [d.array(gone, "bigint"), batch]);
    if (deleted > 0) {
      await s.run("UPDATE indexed_parameters SET after_id = '', done = done + $2 WHERE pattern = $1", [pattern, deleted]);
      return "more";
    }
    await s.run("DELETE FROM indexed_parameters WHERE pattern = $1", [pattern]);
    await bumpRevision(s, INDEXED_REVISION_KEY);
    return "more";
  }
}
