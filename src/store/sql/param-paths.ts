// The dictionary of parameter paths (param_paths): device_trees and param_index name a path by its id.
// Each store keeps the part it has met in memory; it only grows, and ids are never reused.
//
// What the cache holds must be committed: a path another transaction inserted and then rolled back
// would otherwise name nothing (PostgreSQL: its id is gone) or, on SQLite, another path (its rowid is
// taken again). So a path this scope inserts (RETURNING says which) stays with the scope (its
// transaction); the cache learns it when the transaction commits, or when a later read finds it committed.
import type { Scope } from "./scope.js";

export class PathDictionary {
  private readonly byPath = new Map<string, number>();
  private readonly byId = new Map<number, string>();
  /** Paths inserted by a scope whose transaction may still roll back. */
  private readonly pending = new WeakMap<Scope, Map<string, number>>();

  private learn(id: number, path: string): void {
    this.byPath.set(path, id);
    this.byId.set(id, path);
  }

  private known(s: Scope, path: string): number | undefined {
    return this.byPath.get(path) ?? this.pending.get(s)?.get(path);
  }

  /** The ids of the paths this store has met (others are absent from the map), without a statement. */
  cached(s: Scope, paths: Iterable<string>): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of paths) {
      const id = this.known(s, p);
      if (id !== undefined) out.set(p, id);
    }
    return out;
  }

  /** The ids of the paths that exist in the dictionary (others are absent from the map). */
  async find(s: Scope, paths: Iterable<string>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const missing: string[] = [];
    for (const p of paths) {
      const id = this.known(s, p);
      if (id !== undefined) out.set(p, id);
      else missing.push(p);
    }
    if (missing.length === 0) return out;
    const d = s.dialect;
    for (const [id, path] of await this.read(s, d.inTextArray("path", "$1"), d.textArray([...new Set(missing)]))) out.set(path, id);
    return out;
  }

  /** Rows of param_paths where `cond` (on $1) holds; the cache learns those known committed. */
  private async read(s: Scope, cond: string, param: unknown): Promise<[number, string][]> {
    const rows = await s.all<{ id: unknown; path: unknown }>(`SELECT id, path FROM param_paths WHERE ${cond}`, [param]);
    const own = this.pending.get(s);
    return rows.map((r) => {
      const id = Number(r.id);
      const path = String(r.path);
      // Read in this scope, a path it inserted is not yet known to be committed.
      if (own?.get(path) !== id) this.learn(id, path);
      return [id, path];
    });
  }

  /** The transaction of scope `s` committed: the paths it inserted are known committed now. */
  committed(s: Scope): void {
    const own = this.pending.get(s);
    if (own === undefined) return;
    this.pending.delete(s);
    for (const [path, id] of own) this.learn(id, path);
  }

  /** The ids of the paths, inserting those the dictionary lacks. */
  async ids(s: Scope, paths: Iterable<string>): Promise<Map<string, number>> {
    const all = [...new Set(paths)];
    const out = await this.find(s, all);
    const missing = all.filter((p) => !out.has(p)).sort();
    if (missing.length === 0) return out;
    const d = s.dialect;
    // Sorted, so that concurrent inserters wait for each other in one order (no deadlock).
    const inserted = await s.all<{ id: unknown; path: unknown }>(
      `INSERT INTO param_paths (path) SELECT value FROM ${d.textRows("$1")} WHERE true ORDER BY value ON CONFLICT (path) DO NOTHING RETURNING id, path`,
      [d.textArray(missing)]);
    let own = this.pending.get(s);
    if (own === undefined) this.pending.set(s, (own = new Map()));
    for (const r of inserted) {
      own.set(String(r.path), Number(r.id));
      out.set(String(r.path), Number(r.id));
    }
    // Those another scope inserted meanwhile (committed: the insert waited for it).
    const rest = missing.filter((p) => !out.has(p));
    if (rest.length > 0) for (const [p, id] of await this.find(s, rest)) out.set(p, id);
    return out;
  }

  /** The paths of these ids (each must exist: a tree names only paths of the dictionary). */
  async paths(s: Scope, ids: Iterable<number>): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    const missing: number[] = [];
    for (const id of ids) {
      const p = this.byId.get(id);
      if (p !== undefined) out.set(id, p);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const own = this.pending.get(s);
    if (own !== undefined) {
      const wanted = new Set(missing);
      for (const [p, id] of own) if (wanted.has(id)) out.set(id, p);
    }
    const left = missing.filter((id) => !out.has(id));
    if (left.length === 0) return out;
    const d = s.dialect;
    for (const [id, path] of await this.read(s, d.inArray("id", "$1", "bigint"), d.array(left, "bigint"))) out.set(id, path);
    return out;
  }
}
