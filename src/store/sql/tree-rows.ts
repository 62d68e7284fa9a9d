// Reading and writing device_trees rows (sql/tree.ts) and keeping param_index in step with them.
import { booleanOf, numberOf, timeOf } from "../../query/values.js";
import type { RowColumn } from "./dialect.js";
import { INDEXED_REVISION_SQL, type IndexedSet } from "./indexed-set.js";
import type { PathDictionary } from "./param-paths.js";
import type { Row } from "./driver.js";
import type { Scope } from "./scope.js";
import { textOnce } from "./text-once.js";
import type { ParameterValueUpdate } from "../types.js";
import {
  decodeRecord, emptyRecord, encodeTree, KEPT_TREE_BYTES, treeRecord, valuePatchJson, type EncodedRecord, type Tree, type TreeRecord,
} from "./tree.js";

export { KEPT_TREE_BYTES } from "./tree.js";

const TREE_COLUMNS = "device_id, tree, values_at, names_at, attributes_at";

/** TREE_COLUMNS as a SELECT reads them, with `recent`: the documents as JSON text. */
function treeColumns(s: Scope): string {
  return `device_id, ${s.dialect.documentText("tree")} AS tree, ${s.dialect.documentText("recent")} AS recent, values_at, names_at, attributes_at`;
}

function ms(v: unknown): number | null {
  return v == null ? null : Number(v);
}

/**
 * The trees of these devices (a device without one is absent). With `forWrite`, their rows are held
 * until the transaction ends, and the indexed set's revision is read in the same statement (the writer
 * then knows every pattern its statement could see: docs/scale.md).
 */
export async function readTrees(s: Scope, dict: PathDictionary, deviceIds: readonly string[], forWrite?: IndexedSet): Promise<Map<string, Tree>> {
  if (deviceIds.length === 0) return new Map();
  const d = s.dialect;
  const one = deviceIds.length === 1;
  const where = one ? "device_id = $1" : d.inTextArray("device_id", "$1");
  const params = [one ? deviceIds[0] : d.textArray([...new Set(deviceIds)])];
  let rows;
  if (forWrite === undefined) rows = await s.all(`SELECT ${treeColumns(s)} FROM device_trees WHERE ${where}`, params);
  else if (d.forUpdate !== "") rows = await s.all(`SELECT ${treeColumns(s)}, ${INDEXED_REVISION_SQL} AS indexed_rev FROM device_trees WHERE ${where}${d.forUpdate}`, params);
  else {
    // Without row locks (SQLite: writers take turns on the database), the revision comes even when no
    // tree does, from a row of its own; PostgreSQL cannot lock the rows of an outer join, and its
    // writers make the row first (SqlParameterRepo.modify).
    rows = await s.all(`SELECT ${treeColumns(s)}, r.indexed_rev FROM (SELECT ${INDEXED_REVISION_SQL} AS indexed_rev) r LEFT JOIN device_trees ON ${where}`, params);
  }
  if (forWrite !== undefined && rows[0] !== undefined) await forWrite.observe(s, rows[0].indexed_rev);
  rows = rows.filter((r) => r.device_id != null);
  return decodeTrees(s, dict, rows);
}

/** device_trees rows (treeColumns) as trees, by device id: the records of `recent` over the tree's. */
async function decodeTrees(s: Scope, dict: PathDictionary, rows: readonly Row[]): Promise<Map<string, Tree>> {
  const out = new Map<string, Tree>();
  const d = s.dialect;
  const decoded = rows.map((r) => ({
    id: String(r.device_id),
    records: {
      ...(d.readJson(r.tree) as unknown as Record<string, EncodedRecord>),
      ...(r.recent == null ? {} : (d.readJson(r.recent) as unknown as Record<string, EncodedRecord>)),
    },
    shared: { valuesAt: ms(r.values_at), namesAt: ms(r.names_at), attributesAt: ms(r.attributes_at) },
  }));
  const ids = new Set<number>();
  for (const t of decoded) for (const k of Object.keys(t.records)) ids.add(Number(k));
  const paths = await dict.paths(s, ids);
  for (const t of decoded) {
    const tree: Tree = new Map();
    for (const [k, e] of Object.entries(t.records)) {
      const path = paths.get(Number(k));
      if (path === undefined) throw new Error(`device ${t.id}: its tree names path id ${k}, which param_paths lacks`);
      tree.set(path, decodeRecord(e, t.shared));
    }
    out.set(t.id, tree);
  }
  return out;
}

/** What a transaction keeps of a tree larger than KEPT_TREE_BYTES that it wrote without reading it whole. */
export const LARGE_TREE: unique symbol = Symbol("a large tree, not carried");

/**
 * The records of `paths` in the device's tree (those it has), read in SQL without the rest of the row:
 * one statement. Each record is read once, from `recent` when it is there: a periodic session reads
 * what the last one wrote, and the tree (on PostgreSQL decompressed at each read of one of its
 * records) is read only for the others. Decompressing it once for all of them cost more as soon as
 * fewer than ten were missing from recent (BENCHMARKS.md, issue 18 round 13).
 */
export async function readRecords(s: Scope, dict: PathDictionary, deviceId: string, paths: readonly string[]): Promise<Tree> {
  const d = s.dialect;
  const wanted = [...new Set(paths)];
  const ids = dict.cached(s, wanted);
  // The paths' ids when this process knows them all (the usual case: the session's writes met them);
  // else the dictionary's rows, read by path in the same statement (a planner may scan it).
  const all = ids.size === wanted.length;
  const keys = all
    ? `SELECT value AS id, CAST(NULL AS TEXT) AS path FROM ${d.textRows("$2")}`
    : `SELECT CAST(id AS TEXT) AS id, path FROM param_paths WHERE ${d.inTextArray("path", "$2")}`;
  const pathOf = new Map([...ids].map(([path, id]) => [String(id), path]));
  const rows = await s.all(
    `WITH dt AS MATERIALIZED (SELECT tree, recent, values_at, names_at, attributes_at FROM device_trees WHERE device_id = $1),
     k AS MATERIALIZED (SELECT k.id, k.path, ${treeRecord("dt", "k.id")} AS r, dt.values_at, dt.names_at, dt.attributes_at FROM dt, (${keys}) k)
     SELECT id, path, r, values_at, names_at, attributes_at FROM k WHERE r IS NOT NULL`,
    [deviceId, d.textArray(all ? [...pathOf.keys()] : wanted)],
  );
  const out: Tree = new Map();
  for (const r of rows) {
    const shared = { valuesAt: ms(r.values_at), namesAt: ms(r.names_at), attributesAt: ms(r.attributes_at) };
    out.set(r.path == null ? pathOf.get(String(r.id))! : String(r.path), decodeRecord(d.readJson(r.r) as unknown as EncodedRecord, shared));
  }
  return out;
}

const INDEX_COLUMNS: readonly RowColumn[] = [
  { name: "path_id", type: "bigint" }, { name: "value", type: "text" }, { name: "value_num", type: "real" },
  { name: "value_time", type: "bigint" }, { name: "value_bool", type: "bool" },
];

/** param_index's row of a record. */
function indexRow(pathId: number, r: TreeRecord): unknown[] {
  return [pathId, r.value, numberOf(r.value), timeOf(r.value), booleanOf(r.value)];
}

// What a write of param_index rows does with a device's row of the path already there: replace it.
const ON_INDEX_CONFLICT = `ON CONFLICT (device_id, path_id) DO UPDATE SET value = excluded.value, value_num = excluded.value_num,
       value_time = excluded.value_time, value_bool = excluded.value_bool`;

/** Writes (or replaces) param_index rows: `rows` of a device id followed by its indexRow. */
async function upsertIndex(s: Scope, rows: unknown[][]): Promise<void> {
  const src = s.dialect.rowSource(1, [{ name: "device_id", type: "text" }, ...INDEX_COLUMNS], rows);
  await s.run(
    `INSERT INTO param_index (device_id, path_id, value, value_num, value_time, value_bool)
     SELECT r.device_id, r.path_id, r.value, r.value_num, r.value_time, r.value_bool FROM ${src.sql} WHERE true
     ${ON_INDEX_CONFLICT}`,
    src.params,
  );
}

/**
 * Writes a device's tree (deletes its row when empty), and the param_index rows of the indexed paths
 * whose record came, went or changed value since `before`. `indexed` must have observed the revision
 * of this transaction's locked read of the row (readTrees with forWrite).
 */
export async function writeTree(s: Scope, dict: PathDictionary, indexed: IndexedSet, deviceId: string, before: Tree, after: Tree): Promise<void> {
  const d = s.dialect;
  if (after.size === 0) {
    await s.run("DELETE FROM device_trees WHERE device_id = $1", [deviceId]);
    await s.run("DELETE FROM param_index WHERE device_id = $1", [deviceId]);
    return;
  }
  const ids = await dict.ids(s, after.keys());
  const e = encodeTree(after, ids);
  await s.run(
    `INSERT INTO device_trees (${TREE_COLUMNS}) VALUES ($1, ${d.jsonText("$2")}, $3, $4, $5)
     ON CONFLICT (device_id) DO UPDATE SET tree = excluded.tree, recent = NULL, values_at = excluded.values_at, names_at = excluded.names_at, attributes_at = excluded.attributes_at`,
    [deviceId, JSON.stringify(e.records), e.valuesAt, e.namesAt, e.attributesAt],
  );
  const gone: string[] = [];
  const changed: unknown[][] = [];
  for (const path of before.keys()) if (!after.has(path) && indexed.written(path)) gone.push(path);
  for (const [path, r] of after) {
    if (!indexed.written(path)) continue;
    const old = before.get(path);
    if (old === undefined || old.value !== r.value) changed.push([deviceId, ...indexRow(ids.get(path)!, r)]);
  }
  if (gone.length > 0) {
    const goneIds = [...(await dict.find(s, gone)).values()];
    await s.run(`DELETE FROM param_index WHERE device_id = $1 AND ${d.inArray("path_id", "$2", "bigint")}`, [deviceId, d.array(goneIds, "bigint")]);
  }
  if (changed.length > 0) await upsertIndex(s, changed);
}

/**
 * Writes the trees of devices that have none yet (FleetRepo.load), a few statements for the batch: the
 * dictionary's new paths once, the rows, and the indexed paths' rows.
 */
export async function insertTrees(s: Scope, dict: PathDictionary, indexed: IndexedSet, trees: ReadonlyMap<string, Tree>): Promise<void> {
  if (trees.size === 0) return;
  const d = s.dialect;
  // The set as this transaction sees it: a bulk load has no locked read to carry the revision.
  await indexed.refresh(s);
  const paths = new Set<string>();
  for (const t of trees.values()) for (const p of t.keys()) paths.add(p);
  const ids = await dict.ids(s, paths);
  const rows: unknown[][] = [];
  const index: unknown[][] = [];
  for (const [deviceId, t] of trees) {
    const e = encodeTree(t, ids);
    rows.push([deviceId, e.records, e.valuesAt, e.namesAt, e.attributesAt]);
    for (const [path, r] of t) if (indexed.written(path)) index.push([deviceId, ...indexRow(ids.get(path)!, r)]);
  }
  const treeSrc = d.rowSource(1, [
    { name: "device_id", type: "text" }, { name: "tree", type: "json" }, { name: "values_at", type: "bigint" },
    { name: "names_at", type: "bigint" }, { name: "attributes_at", type: "bigint" },
  ], rows);
  await s.run(`INSERT INTO device_trees (${TREE_COLUMNS}) SELECT r.device_id, ${d.jsonText("r.tree")}, r.values_at, r.names_at, r.attributes_at FROM ${treeSrc.sql}`, treeSrc.params);
  if (index.length === 0) return;
  const indexSrc = d.rowSource(1, [{ name: "device_id", type: "text" }, ...INDEX_COLUMNS], index);
  await s.run(
    `INSERT INTO param_index (device_id, path_id, value, value_num, value_time, value_bool)
     SELECT r.device_id, r.path_id, r.value, r.value_num, r.value_time, r.value_bool FROM ${indexSrc.sql}`, indexSrc.params);
}

/** The patch of records (Dialect.treePatch) that writes these values, by path (the last of each), to the paths of `ids`. */
function valuesPatch(last: ReadonlyMap<string, ParameterValueUpdate>, ids: ReadonlyMap<string, number>, at: number): string {
  let patch = "";
  for (const [path, v] of last) patch += `${patch === "" ? "{" : ","}"${ids.get(path)!}":${valuePatchJson(v.value, v.type, at)}`;
  return patch === "" ? "{}" : `${patch}}`;
}

/**
 * Writes values to paths the device's tree has already in one statement (Dialect.treePatch), without
 * reading the row, with the indexed paths' rows: a session's usual write, one round trip. False, with
 * nothing written, when a path is new to the tree (its ancestors may be missing) or the device has no
 * tree: the caller reads, changes and writes the row instead. With `returnTree`, the tree as the
 * statement left it (a transaction keeps it for its reads) instead of true, or LARGE_TREE when it is
 * larger than KEPT_TREE_BYTES. For the dialects that try
 * the patch first (Dialect.treePatchChecksFirst false); the others merge with mergeValues.
 */
export async function patchValues(
  s: Scope, dict: PathDictionary, indexed: IndexedSet, deviceId: string, values: readonly ParameterValueUpdate[], at: number, returnTree = false,
): Promise<boolean | Tree | typeof LARGE_TREE> {
  const d = s.dialect;
  const last = new Map(values.map((v) => [v.path, v]));
  const ids = await dict.find(s, last.keys());
  if (ids.size < last.size) return false;
  const index: unknown[][] = [];
  for (const [path, v] of last) if (indexed.written(path)) index.push(indexRow(ids.get(path)!, { ...emptyRecord(), value: v.value }));
  const returned = returnTree ? TREE_COLUMNS : "device_id";
  const key = `patch ${returnTree}`;
  const update = textOnce(d, key, () => {
    // A large tree is not handed back (KEPT_TREE_BYTES), nor one whose values went to `recent` (its
    // stored size is compressed: a large tree's records may take far more once decoded).
    const returning = returnTree
      ? `device_id, CASE WHEN recent IS NULL AND ${d.jsonBytes("tree")} <= ${KEPT_TREE_BYTES} THEN ${d.documentText("tree")} END AS tree, values_at, names_at, attributes_at`
      : returned;
    const { set, where } = d.treePatch("$2", "$3");
    return `UPDATE device_trees SET ${set} WHERE device_id = $1 AND ${where} RETURNING ${returning}`;
  });
  const params: unknown[] = [deviceId, valuesPatch(last, ids, at), d.textArray([...ids.values()].map(String))];
  const rows = index.length === 0
    ? await s.all(textOnce(d, `${key} plain`, () => `${update}, ${INDEXED_REVISION_SQL} AS indexed_rev`), params)
    : await patchIndexed(s, key, update, returned, params, index);
  if (rows.length === 0) return false;
  // The statement saw a newer set than the one the rows were chosen from: the paths it adds, again.
  if (await indexed.observe(s, rows[0]!.indexed_rev)) await reindex(s, dict, indexed, deviceId, [...ids.keys()]);
  if (!returnTree) return true;
  return rows[0]!.tree == null ? LARGE_TREE : (await decodeTrees(s, dict, rows)).get(deviceId)!;
}

/**
 * A tree a transaction keeps (sql/parameters.ts): decoded, or to decode when first read. A merge in SQL
 * keeps the row its check read and the values it merged: a discovery's chunk is not read again in its
 * transaction, an Inform's values are (alarms, provisioning), and decoding a tree of a thousand records
 * cost a chunk about as much as the rest of its write. A tree larger than KEPT_TREE_BYTES is not
 * carried (LARGE_TREE): the transaction's reads of a few of its records read them in SQL.
 */
export type KeptTree = Tree | (() => Promise<Tree>) | typeof LARGE_TREE;

/**
 * What mergeValues did: merged, with `after`, the tree as it left it (absent: unknown), or not (nothing
 * written), with `read` when its check read the row as the read-modify-write the caller makes instead
 * would (`before`: the device's tree, undefined when it has none).
 */
export type MergeOutcome = { merged: true; after?: KeptTree } | { merged: false; read?: { before: Tree | undefined } };

/**
 * Writes values to paths the device's tree has already (Dialect.treePatchChecksFirst: SQLite), in the
 * transaction of `s`, without decoding or encoding the tree: jsonb_patch merges the records in SQL.
 * `held`: the tree the transaction already read as a writer does (with the indexed set's revision, and
 * still so under SQLite's one writer), which tells which paths it has: the merge is then one statement.
 * Else a first statement reads the revision, tells whether the tree has every path (handing the tree
 * back decoded when it has not), and reads the values the indexed paths had, so that their param_index
 * rows are written only when changed, as writeTree does; with `keep`, it also reads the row for `after`
 * (LARGE_TREE instead for a row larger than KEPT_TREE_BYTES). Not merged when a path is new to the tree,
 * whose ancestors may be missing.
 */
export async function mergeValues(
  s: Scope, dict: PathDictionary, indexed: IndexedSet, deviceId: string, values: readonly ParameterValueUpdate[], at: number,
  held: Tree | undefined, keep: boolean,
): Promise<MergeOutcome> {
  const last = new Map(values.map((v) => [v.path, v]));
  // A path this store has not met is not in the tree (and the read-modify-write looks it up): no statement for it here.
  const ids = dict.cached(s, last.keys());
  if (ids.size < last.size) return { merged: false };
  let stored: ReadonlyMap<string, string | null> | undefined;
  let row: Row | undefined;
  if (held !== undefined) {
    for (const path of last.keys()) if (!held.has(path)) return { merged: false };
  } else {
    const check = await checkPaths(s, dict, indexed, deviceId, ids, keep);
    if (check === null) return { merged: false, read: { before: undefined } };
    // A large tree the check did not read is read by the caller's read-modify-write.
    if ("rewrite" in check) return check.rewrite === undefined ? { merged: false } : { merged: false, read: { before: check.rewrite } };
    ({ stored, row } = check);
  }
  const index: unknown[][] = [];
  for (const [path, v] of last) {
    if (!indexed.written(path)) continue;
    // Unknown (the check saw a newer set than the one it read the values for): written.
    const old = held !== undefined ? held.get(path)!.value : stored?.has(path) === true ? stored.get(path) : undefined;
    if (old !== v.value) index.push([deviceId, ...indexRow(ids.get(path)!, { ...emptyRecord(), value: v.value })]);
  }
  const update = textOnce(s.dialect, "merge", () => `UPDATE device_trees SET ${s.dialect.treePatch("$2", "$3").set} WHERE device_id = $1`);
  await s.run(update, [deviceId, valuesPatch(last, ids, at)]);
  if (index.length > 0) await upsertIndex(s, index);
  const merge = (before: Tree): Tree => {
    const after = new Map(before);
    for (const [path, v] of last) after.set(path, { ...after.get(path)!, value: v.value, type: v.type, valueAt: at, namesAt: at });
    return after;
  };
  if (held !== undefined) return { merged: true, after: merge(held) };
  if (row === undefined) return { merged: true };
  if (row.tree == null) return { merged: true, after: LARGE_TREE };
  const read = row;
  // Decoded once, however many reads ask at the same time.
  let decoded: Promise<Tree> | undefined;
  return { merged: true, after: () => (decoded ??= decodeTrees(s, dict, [read]).then((trees) => merge(trees.get(deviceId)!))) };
}

/**
 * mergeValues' first statement: the indexed set's revision (observed) and the device's row (SQLite's
 * one writer holds it). Null: no row. `rewrite`: a path is not in the tree, which is handed back (with
 * `keep`, unless larger than KEPT_TREE_BYTES: undefined). Else `stored`, the values of the paths the set
 * keeps in param_index, and with `keep` the row, undecoded (none when larger than KEPT_TREE_BYTES).
 */
async function checkPaths(
  s: Scope, dict: PathDictionary, indexed: IndexedSet, deviceId: string, ids: ReadonlyMap<string, number>, keep: boolean,
): Promise<null | { rewrite: Tree | undefined } | { stored: ReadonlyMap<string, string | null>; row?: Row }> {
  const d = s.dialect;
  const candidates = [...ids.keys()].filter((p) => indexed.written(p));
  const sql = textOnce(d, `check ${keep} ${candidates.length}`, () => {
    const complete = d.treePatch("$3", "$2").where;
    // Without `keep`, the tree comes only when a path is missing from it; with it, when it is small
    // enough to carry (KEPT_TREE_BYTES). The check is written once in the statement: SQLite evaluates
    // each occurrence (twice cost a discovered tree's check 75 us instead of 40).
    const tree = keep
      ? `CASE WHEN ${d.jsonBytes("tree")} > ${KEPT_TREE_BYTES} THEN NULL ELSE ${d.documentText("tree")} END AS tree, ${complete} AS complete`
      : `CASE WHEN ${complete} THEN NULL ELSE ${d.documentText("tree")} END AS tree`;
    // A tree handed back comes with its recent records, which are newer than its own: without them the
    // caller's rewrite would take their values back (at most RECENT_BYTES, read whether used or not).
    const recent = `${d.documentText("recent")} AS recent`;
    const stored = candidates.map((_, i) => `, ${treeRecord("device_trees", `$${i + 3}`)} AS v${i}`).join("");
    return `SELECT device_trees.device_id, ${tree}, ${recent}, values_at, names_at, attributes_at, r.indexed_rev${stored}
     FROM (SELECT ${INDEXED_REVISION_SQL} AS indexed_rev) r LEFT JOIN device_trees ON device_trees.device_id = $1`;
  });
  const [row] = await s.all(sql, [deviceId, d.textArray([...ids.values()].map(String)), ...candidates.map((p) => String(ids.get(p)!))]);
  await indexed.observe(s, row!.indexed_rev);
  if (row!.device_id == null) return null;
  if (keep ? !d.readBool(row!.complete) : row!.tree != null) return { rewrite: row!.tree == null ? undefined : (await decodeTrees(s, dict, [row!])).get(deviceId)! };
  const none = { valuesAt: null, namesAt: null, attributesAt: null };
  const values = new Map(candidates.map((p, i) => [p, decodeRecord(d.readJson(row![`v${i}`]) as unknown as EncodedRecord, none).value]));
  return keep ? { stored: values, row: row! } : { stored: values };
}

/**
 * The patching UPDATE with the indexed paths' rows, in one statement; `returned`: the columns of its
 * RETURNING; `key`: the update's own (textOnce).
 */
function patchIndexed(s: Scope, key: string, update: string, returned: string, params: unknown[], index: unknown[][]): Promise<Row[]> {
  const src = s.dialect.rowSource(4, INDEX_COLUMNS, index);
  // A row source's text may depend on its number of rows.
  const sql = textOnce(s.dialect, `${key} indexed ${index.length}`, () => `WITH upd AS (${update}),
     idx AS (INSERT INTO param_index (device_id, path_id, value, value_num, value_time, value_bool)
       SELECT upd.device_id, r.path_id, r.value, r.value_num, r.value_time, r.value_bool FROM upd, ${src.sql}
       ${ON_INDEX_CONFLICT}
       WHERE param_index.value IS DISTINCT FROM excluded.value)
     SELECT ${returned}, ${INDEXED_REVISION_SQL} AS indexed_rev FROM upd`);
  return s.all(sql, [...params, ...src.params]);
}

/**
 * Writes param_index rows of the device's records of `paths` that the indexed set now keeps, from the
 * row read locked (so what is written is what the tree holds, whatever wrote it meanwhile).
 */
async function reindex(s: Scope, dict: PathDictionary, indexed: IndexedSet, deviceId: string, paths: readonly string[]): Promise<void> {
  await s.atomic(async (t) => {
    const tree = (await readTrees(t, dict, [deviceId], indexed)).get(deviceId);
    if (tree === undefined) return;
    const kept = paths.filter((p) => indexed.written(p) && tree.has(p));
    if (kept.length === 0) return;
    const ids = await dict.find(t, kept);
    await upsertIndex(t, kept.map((p) => [deviceId, ...indexRow(ids.get(p)!, tree.get(p)!)]));
  });
}

/**
 * Writes the param_index rows of the records of `pathIds` (the paths a chosen pattern fits) in the
 * trees of the next `batch` devices after `after` (a fill's step), read from their rows locked: a write
 * under way finishes first, and a later one waits for this transaction, so the rows are what the trees
 * hold. Only those records are read (in SQL), not the whole trees. Returns the devices gone through.
 */
export async function fillIndex(s: Scope, after: string, batch: number, pathIds: readonly number[]): Promise<string[]> {
  const d = s.dialect;
  const devices = (await s.all<{ device_id: unknown }>(
    `SELECT device_id FROM device_trees WHERE device_id > $1 ORDER BY device_id LIMIT $2${d.forUpdate}`, [after, batch])).map((r) => String(r.device_id));
  if (devices.length === 0 || pathIds.length === 0) return devices;
  const records = await s.all<{ device_id: unknown; path_id: unknown; r: unknown }>(
    `SELECT t.device_id, k.id AS path_id, ${treeRecord("t", "CAST(k.id AS TEXT)")} AS r
     FROM device_trees t, param_paths k
     WHERE ${d.inTextArray("t.device_id", "$1")} AND ${d.inArray("k.id", "$2", "bigint")} AND (t.tree -> CAST(k.id AS TEXT)) IS NOT NULL`,
    [d.textArray(devices), d.array(pathIds, "bigint")]);
  if (records.length === 0) return devices;
  const none = { valuesAt: null, namesAt: null, attributesAt: null };
  await upsertIndex(s, records.map((x) => [String(x.device_id), ...indexRow(Number(x.path_id), decodeRecord(d.readJson(x.r) as unknown as EncodedRecord, none))]));
  return devices;
}
