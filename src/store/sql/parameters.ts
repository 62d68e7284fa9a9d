// ParameterRepo over device_trees (sql/tree.ts): a device's records are one row, read whole and
// written whole. A write reads the row, locked (FOR UPDATE on PostgreSQL; SQLite's one writer takes
// turns anyway), changes the records in memory and writes it back, in one transaction. Values to paths
// the tree has already are merged into the row in SQL instead (tree-rows.ts: patchValues, mergeValues).
//
// Within a transaction the repository keeps the trees it read or wrote: a CWMP exchange writes what the
// device reported, then alarms and provisioning read values of the same device, each a read of the
// whole row and its decoding. Its own writes keep the kept tree whole (what it wrote, on PostgreSQL
// what the patch returns, on SQLite the merge's row to decode when read), except a large tree's
// (tree-rows.ts: KEPT_TREE_BYTES), whose records the transaction's reads then read in SQL; a device
// deleted in the transaction drops its tree (SqlDeviceRepo shares the map). No other repository writes
// device_trees inside a caller's transaction.
import { compareText } from "../../query/values.js";
import type {
  ParameterAttributeUpdate, ParameterNameUpdate, ParameterRecord, ParameterRepo, ParameterValueUpdate,
} from "../types.js";
import type { IndexedSet } from "./indexed-set.js";
import type { PathDictionary } from "./param-paths.js";
import { ancestors, isObjectPath } from "./paths.js";
import type { Scope } from "./scope.js";
import { emptyRecord, toParameterRecord, treeRecord, type Tree, type TreeRecord } from "./tree.js";
import { LARGE_TREE, mergeValues, patchValues, readRecords, readTrees, writeTree, type KeptTree } from "./tree-rows.js";

/** Whether `path` is in the subtree of `prefix`: "A.B." (or "", the root) and what starts with it; "A.B" and the object "A.B." with its subtree. */
function inSubtree(prefix: string): (path: string) => boolean {
  const objectPrefix = isObjectPath(prefix) ? prefix : `${prefix}.`;
  return (path) => path === prefix || path.startsWith(objectPrefix);
}

function sorted(records: Iterable<[string, TreeRecord]>, keep: (path: string) => boolean = () => true): ParameterRecord[] {
  return [...records].filter(([path]) => keep(path)).sort(([a], [b]) => compareText(a, b)).map(([path, r]) => toParameterRecord(path, r));
}

/** Sets the fields of `path`'s record (creating it); with `parents`, creates its missing ancestor objects, empty. */
function put(tree: Tree, path: string, fields: Partial<TreeRecord>, parents = true): void {
  tree.set(path, { ...(tree.get(path) ?? emptyRecord()), ...fields });
  if (!parents) return;
  for (const a of ancestors(path)) if (!tree.has(a)) tree.set(a, emptyRecord());
}

export class SqlParameterRepo implements ParameterRepo {
  constructor(
    private readonly s: Scope,
    private readonly dict: PathDictionary,
    private readonly indexed: IndexedSet,
    /** The trees this transaction read or wrote (null: not a transaction's repository, nothing kept). */
    private readonly kept: Map<string, KeptTree> | null = null,
  ) {}

  /** The tree the transaction keeps of the device, decoded (undefined: none kept, or a large one not carried). */
  private async keptTree(deviceId: string): Promise<Tree | undefined> {
    const kept = this.kept?.get(deviceId);
    if (kept === LARGE_TREE) return undefined;
    if (typeof kept !== "function") return kept;
    const tree = await kept();
    this.kept!.set(deviceId, tree);
    return tree;
  }

  private async tree(deviceId: string): Promise<Tree> {
    const kept = await this.keptTree(deviceId);
    if (kept !== undefined) return kept;
    // A transaction on SQLite reads it as its writes do, with the indexed set's revision (modify then
    // writes from it without reading again).
    const asWriter = this.kept !== null && this.s.dialect.forUpdate === "" ? this.indexed : undefined;
    const tree = (await readTrees(this.s, this.dict, [deviceId], asWriter)).get(deviceId) ?? new Map();
    this.kept?.set(deviceId, tree);
    return tree;
  }

  /**
   * Reads the device's tree locked, lets `change` edit a copy, and writes what it became. Without
   * `create`, a device without a tree is left as it is (nothing to delete from).
   */
  private modify<T>(deviceId: string, change: (tree: Tree) => T, create = true): Promise<T> {
    return this.s.atomic((s) => this.rewrite(s, deviceId, change, create));
  }

  /** modify in the transaction of `s`; `read`: the tree already read locked there (undefined: the device has none). */
  private async rewrite<T>(s: Scope, deviceId: string, change: (tree: Tree) => T, create: boolean, read?: { before: Tree | undefined }): Promise<T> {
    // On SQLite the transaction holds the one write lock from its start: the tree it read (with the
    // indexed set's revision, as a write reads it) is still so. PostgreSQL's row lock is taken by the
    // read itself.
    const held = s.dialect.forUpdate === "" ? await this.keptTree(deviceId) : undefined;
    let before: Tree | undefined;
    if (read !== undefined) before = read.before;
    else if (held === undefined) before = (await readTrees(s, this.dict, [deviceId], this.indexed)).get(deviceId);
    // An empty tree kept is a device without one (trees without records are deleted).
    else if (held.size > 0) before = held;
    if (before === undefined && !create) return change(new Map());
    if (before === undefined && s.dialect.forUpdate !== "") {
      // No row to lock yet: an empty one is made first, so that two first writers take turns on it
      // instead of both inserting (the second would replace the first's records).
      await s.run("INSERT INTO device_trees (device_id, tree) VALUES ($1, '{}') ON CONFLICT (device_id) DO NOTHING", [deviceId]);
      before = (await readTrees(s, this.dict, [deviceId], this.indexed)).get(deviceId);
    }
    before ??= new Map();
    const after = new Map(before);
    const result = change(after);
    await writeTree(s, this.dict, this.indexed, deviceId, before, after);
    this.kept?.set(deviceId, after);
    return result;
  }

  async all(deviceId: string): Promise<ParameterRecord[]> {
    return sorted(await this.tree(deviceId));
  }

  async get(deviceId: string, paths: string[]): Promise<ParameterRecord[]> {
    if (paths.length === 0) return [];
    const wanted = new Set(paths);
    // A large tree this transaction wrote without carrying it: only these records, read in SQL.
    if (this.kept?.get(deviceId) === LARGE_TREE) return sorted(await readRecords(this.s, this.dict, deviceId, [...wanted]));
    // The paths asked for, looked up: a discovered device's tree has hundreds of records, a preset asks for a few.
    const tree = await this.tree(deviceId);
    const found: [string, TreeRecord][] = [];
    for (const path of wanted) {
      const r = tree.get(path);
      if (r !== undefined) found.push([path, r]);
    }
    return sorted(found);
  }

  async typesOf(deviceIds: readonly string[], paths: readonly string[]): Promise<{ deviceId: string; path: string; type: string | null }[]> {
    if (deviceIds.length === 0 || paths.length === 0) return [];
    const d = this.s.dialect;
    // The one member of each record, read in SQL: a bulk task's batch would otherwise carry every tree.
    const rows = await this.s.all<{ device_id: string; path: string; type: string | null }>(
      `SELECT t.device_id, pp.path, ${treeRecord("t", "CAST(pp.id AS TEXT)")} ->> 't' AS type
       FROM device_trees t, param_paths pp
       WHERE ${d.inTextArray("t.device_id", "$1")} AND ${d.inTextArray("pp.path", "$2")} AND (t.tree -> CAST(pp.id AS TEXT)) IS NOT NULL`,
      [d.textArray([...new Set(deviceIds)]), d.textArray([...new Set(paths)])],
    );
    return rows.map((r) => ({
      deviceId: String(r.device_id),
      path: String(r.path),
      type: r.type == null ? null : String(r.type).startsWith("!") ? String(r.type).slice(1) : `xsd:${String(r.type)}`,
    }));
  }

  async subtree(deviceId: string, prefix: string): Promise<ParameterRecord[]> {
    return sorted(await this.tree(deviceId), inSubtree(prefix));
  }

  async setValues(deviceId: string, values: ParameterValueUpdate[], at: Date): Promise<void> {
    if (values.length === 0) return;
    const t = at.getTime();
    // A value also proves the parameter exists, so it refreshes namesAt too.
    const change = (tree: Tree) => {
      for (const v of values) put(tree, v.path, { value: v.value, type: v.type, valueAt: t, namesAt: t });
    };
    if (this.s.dialect.treePatchChecksFirst) {
      await this.s.atomic(async (s) => {
        const merged = await mergeValues(s, this.dict, this.indexed, deviceId, values, t, await this.keptTree(deviceId), this.kept !== null);
        if (!merged.merged) await this.rewrite(s, deviceId, change, true, merged.read);
        else if (merged.after !== undefined) this.kept?.set(deviceId, merged.after);
      });
      return;
    }
    const patched = await patchValues(this.s, this.dict, this.indexed, deviceId, values, t, this.kept !== null);
    if (patched === false) await this.modify(deviceId, change);
    else if (patched !== true) this.kept?.set(deviceId, patched);
  }

  async setNames(deviceId: string, requestPath: string, nextLevel: boolean, names: ParameterNameUpdate[], at: Date): Promise<void> {
    const t = at.getTime();
    await this.modify(deviceId, (tree) => {
      if (isObjectPath(requestPath)) {
        let keep: (path: string) => boolean;
        if (nextLevel) {
          // Only the direct children are known: a record stays when the child it lies under (its path
          // cut after the first "." past requestPath, or the path itself for a child parameter) is listed.
          const listed = new Set(names.map((n) => n.path));
          keep = (path) => {
            const dot = path.indexOf(".", requestPath.length);
            return listed.has(dot === -1 ? path : path.slice(0, dot + 1));
          };
        } else {
          // The whole subtree is known: a record stays when it is listed, or is an object above one that is.
          const listed = new Set<string>();
          for (const n of names) {
            listed.add(n.path);
            for (const a of ancestors(n.path)) listed.add(a);
          }
          keep = (path) => listed.has(path);
        }
        for (const path of [...tree.keys()]) {
          if (path !== requestPath && path.startsWith(requestPath) && !keep(path)) tree.delete(path);
        }
      }
      for (const n of names) put(tree, n.path, { writable: n.writable, namesAt: t });
    });
  }

  async setAttributes(deviceId: string, attributes: ParameterAttributeUpdate[], at: Date): Promise<void> {
    if (attributes.length === 0) return;
    const t = at.getTime();
    await this.modify(deviceId, (tree) => {
      for (const a of attributes) put(tree, a.path, { notification: a.notification, accessList: a.accessList, attributesAt: t });
    });
  }

  async deleteSubtree(deviceId: string, prefix: string): Promise<number> {
    const within = inSubtree(prefix);
    return this.modify(deviceId, (tree) => {
      let n = 0;
      for (const path of [...tree.keys()]) {
        if (within(path)) {
          tree.delete(path);
          n++;
        }
      }
      return n;
    }, false);
  }
}
