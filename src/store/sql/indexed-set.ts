// The operator's indexed parameters (parameters.indexed, migration 28) as each store knows them: which
// paths its writes keep in param_index and which paths its filters may read from there (docs/scale.md,
// "The operator's indexed parameters").
//
// The set has a revision (a settings row) that every change moves on. A tree's write reads it in a
// statement it makes anyway (the locked read of the row, or the patching UPDATE's RETURNING), so a
// write never works from a set older than the one its statement saw, at no extra statement while the
// set is unchanged; the fill of a new pattern starts once every transaction older than the change has
// ended (sql/indexed-parameters.ts), so no write can miss it.
import { Path } from "../../model/path.js";
import { isIndexedPath } from "./indexed-paths.js";
import type { Scope } from "./scope.js";

export const INDEXED_REVISION_KEY = "parameters.indexed.revision";

/** The revision as a scalar subquery, for a column of a statement made anyway. */
export const INDEXED_REVISION_SQL = `(SELECT value FROM settings WHERE key = '${INDEXED_REVISION_KEY}')`;

/** filling: writes keep it, the fill is under way; ready: filters read it; removing: its rows are being deleted. */
export type IndexedState = "filling" | "ready" | "removing";

interface Chosen {
  pattern: Path;
  state: IndexedState;
}

/** Paths met are remembered per revision (a fleet's paths are a few thousand); forgotten when full. */
const MEMO_LIMIT = 100_000;

function parsed(path: string): Path | null {
  try {
    return Path.parse(path);
  } catch {
    return null;
  }
}

export class IndexedSet {
  private revision = 0;
  private chosen: readonly Chosen[] = [];
  private readonly memo = new Map<string, IndexedState | null>();

  /** The state of the first chosen pattern `path` fits (filling before ready before removing), or null. */
  private stateOf(path: string): IndexedState | null {
    if (this.chosen.length === 0) return null;
    let s = this.memo.get(path);
    if (s !== undefined) return s;
    const p = parsed(path);
    s = null;
    if (p !== null) {
      for (const c of this.chosen) {
        if (!p.matches(c.pattern)) continue;
        if (c.state !== "removing") {
          s = c.state;
          if (s === "filling") break;
        } else s ??= "removing";
      }
    }
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(path, s);
    return s;
  }

  /** Whether writes keep `path` in param_index: built in, or fits a pattern being filled or ready. */
  written(path: string): boolean {
    if (isIndexedPath(path)) return true;
    const s = this.stateOf(path);
    return s === "filling" || s === "ready";
  }

  /** Whether `path` fits a chosen pattern that is ready (not built in): filters may read it from param_index. */
  readyChosen(path: string): boolean {
    return !isIndexedPath(path) && this.stateOf(path) === "ready";
  }

  /** Whether `path` fits any chosen pattern and is not built in. */
  isChosen(path: string): boolean {
    return !isIndexedPath(path) && this.stateOf(path) !== null;
  }

  get current(): number {
    return this.revision;
  }

  /**
   * Takes note of the revision a statement read (its INDEXED_REVISION_SQL column, as it came); reads the
   * set again when it is newer than the one known. True when it was.
   */
  async observe(s: Scope, raw: unknown): Promise<boolean> {
    if (revisionOf(s, raw) <= this.revision) return false;
    await this.refresh(s);
    return true;
  }

  /** Reads the set and its revision (one statement). */
  async refresh(s: Scope): Promise<void> {
    const rows = await s.all<{ rev: unknown; pattern: unknown; state: unknown }>(
      `SELECT r.rev, p.pattern, p.state FROM (SELECT ${INDEXED_REVISION_SQL} AS rev) r LEFT JOIN indexed_parameters p ON true ORDER BY p.pattern`);
    const rev = revisionOf(s, rows[0]?.rev);
    // Two transactions of this store may read concurrently: the newer set wins.
    if (rev < this.revision) return;
    this.revision = rev;
    this.chosen = rows.filter((r) => r.pattern != null).map((r) => ({ pattern: Path.parse(String(r.pattern)), state: String(r.state) as IndexedState }));
    this.memo.clear();
  }
}

/** The revision's number from its settings value (absent: 0, no pattern was ever chosen). */
export function revisionOf(s: Scope, raw: unknown): number {
  if (raw == null) return 0;
  return (typeof raw === "number" ? raw : Number(s.dialect.readJson(raw))) || 0;
}
