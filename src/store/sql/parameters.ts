import { booleanOf, numberOf, timeOf } from "../../query/values.js";
import type {
  ParameterAttributeUpdate, ParameterNameUpdate, ParameterRecord, ParameterRepo, ParameterValueUpdate,
} from "../types.js";
import type { RowColumn } from "./dialect.js";
import { ancestors, isObjectPath, prefixUpperBound } from "./paths.js";
import { PARAMETER_COLUMNS, toParameter } from "./rows.js";
import type { Scope } from "./scope.js";

/** The range of paths in the subtree of `prefix`, as SQL conditions on `path` with parameters from `$first`. */
function subtreeCondition(prefix: string, first: number): { sql: string; params: unknown[] } {
  // "A.B." (or "", the root) is an object: itself and everything that starts with it. "A.B" is read as
  // the parameter "A.B" plus the object "A.B." and its subtree, never as every path starting "A.B"
  // (which would take in "A.BC").
  const objectPrefix = isObjectPath(prefix) ? prefix : `${prefix}.`;
  const upper = prefixUpperBound(objectPrefix);
  const conds = [`path >= $${first}`];
  const params: unknown[] = [objectPrefix];
  if (upper !== null) {
    conds.push(`path < $${first + 1}`);
    params.push(upper);
  }
  let sql = conds.join(" AND ");
  if (objectPrefix !== prefix) {
    sql = `(path = $${first + params.length} OR (${sql}))`;
    params.push(prefix);
  }
  return { sql, params };
}

/**
 * Upserts `rows` (deduplicated by path, last wins) and creates their missing ancestor objects, in one
 * statement. Ancestor rows carry NULL in `marker`, which tells the ON CONFLICT clause to leave an
 * existing record alone; the caller's rows always carry a non-null marker (a timestamp).
 */
async function upsertWithParents(
  s: Scope,
  deviceId: string,
  columns: readonly RowColumn[],
  rows: Map<string, readonly unknown[]>,
  marker: string,
  withParents = true,
): Promise<void> {
  if (rows.size === 0) return;
  const parents = new Set<string>();
  if (withParents) {
    for (const path of rows.keys()) {
      for (const a of ancestors(path)) if (!rows.has(a)) parents.add(a);
    }
  }
  const nulls = columns.map(() => null);
  // Sorted so that concurrent writers lock rows in the same order (no deadlocks on PostgreSQL).
  const all: (readonly unknown[])[] = [
    ...[...parents].map((p) => [p, true, ...nulls]),
    ...[...rows].map(([path, values]) => [path, path.endsWith("."), ...values]),
  ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  const srcColumns: RowColumn[] = [{ name: "path", type: "text" }, { name: "object", type: "bool" }, ...columns];
  const src = s.dialect.rowSource(2, srcColumns, all);
  const names = srcColumns.map((c) => c.name);
  const updates = columns.map((c) => `${c.name} = excluded.${c.name}`).join(", ");
  await s.run(
    `INSERT INTO parameters (device_id, ${names.join(", ")})
     SELECT $1, ${names.map((n) => `r.${n}`).join(", ")} FROM ${src.sql} WHERE true
     ON CONFLICT (device_id, path) DO UPDATE SET ${updates}
     WHERE excluded.${marker} IS NOT NULL`,
    [deviceId, ...src.params],
  );
}

const VALUE_COLUMNS: readonly RowColumn[] = [
  { name: "value", type: "text" }, { name: "value_num", type: "real" }, { name: "value_time", type: "bigint" },
  { name: "value_bool", type: "bool" }, { name: "type", type: "text" }, { name: "value_at", type: "date" }, { name: "names_at", type: "date" },
];

/** The most paths one statement refreshes (SQLite allows 32,766 parameters; a session reports tens). */
const TOUCH_MAX = 64;

/**
 * The statements that refresh the timestamps of 1, 2, 4, ... TOUCH_MAX unchanged records of a device,
 * by batch size: a batch is padded to the next size, so that a few prepared texts serve every batch.
 */
const TOUCH_SQL: ReadonlyMap<number, string> = new Map(
  Array.from({ length: Math.log2(TOUCH_MAX) + 1 }, (_, k) => {
    const list = Array.from({ length: 2 ** k }, (_v, i) => `$${i + 3}`).join(", ");
    return [2 ** k, `UPDATE parameters SET value_at = $2, names_at = $2 WHERE device_id = $1 AND path IN (${list})`];
  }),
);

export class SqlParameterRepo implements ParameterRepo {
  constructor(private readonly s: Scope) {}

  async all(deviceId: string): Promise<ParameterRecord[]> {
    const rows = await this.s.all(`SELECT ${PARAMETER_COLUMNS} FROM parameters WHERE device_id = $1 ORDER BY path`, [deviceId]);
    return rows.map((r) => toParameter(this.s.dialect, r));
  }

  async get(deviceId: string, paths: string[]): Promise<ParameterRecord[]> {
    if (paths.length === 0) return [];
    const d = this.s.dialect;
    const rows = await this.s.all(
      `${d.rowsOfDevice("parameters", PARAMETER_COLUMNS, "path", "$1", "$2")} ORDER BY path`,
      [deviceId, d.textArray([...new Set(paths)])],
    );
    return rows.map((r) => toParameter(d, r));
  }

  async typesOf(deviceIds: readonly string[], paths: readonly string[]): Promise<{ deviceId: string; path: string; type: string | null }[]> {
    if (deviceIds.length === 0 || paths.length === 0) return [];
    const d = this.s.dialect;
    const rows = await this.s.all<{ device_id: string; path: string; type: string | null }>(
      `SELECT device_id, path, type FROM parameters WHERE ${d.inTextArray("device_id", "$1")} AND ${d.inTextArray("path", "$2")}`,
      [d.textArray([...new Set(deviceIds)]), d.textArray([...new Set(paths)])],
    );
    return rows.map((r) => ({ deviceId: r.device_id, path: r.path, type: r.type }));
  }

  async subtree(deviceId: string, prefix: string): Promise<ParameterRecord[]> {
    const cond = subtreeCondition(prefix, 2);
    const rows = await this.s.all(
      `SELECT ${PARAMETER_COLUMNS} FROM parameters WHERE device_id = $1 AND ${cond.sql} ORDER BY path`, [deviceId, ...cond.params]);
    return rows.map((r) => toParameter(this.s.dialect, r));
  }

  async setValues(deviceId: string, values: ParameterValueUpdate[], at: Date): Promise<void> {
    const rows = new Map<string, unknown[]>();
    for (const v of values) rows.set(v.path, [v.value, numberOf(v.value), timeOf(v.value), booleanOf(v.value), v.type, at, at]);
    if (rows.size === 0) return;
    if (!this.s.dialect.capabilities.inProcess) return upsertWithParents(this.s, deviceId, VALUE_COLUMNS, rows, "names_at");
    // Most of what a CPE reports is what it reported last time. Rewriting an equal value still deletes
    // and re-inserts its entry in each of the four value indexes, on a different page for every path,
    // so unchanged records only get their timestamps: this cut the pages a session writes on SQLite
    // from about twenty to a few (`npm run bench`). Changed records are updated one statement each: in
    // process, that is about a third of the time of one statement over a JSON row source (an UPDATE
    // ... IN json_each, or the upsert), measured with 2 changed and 8 unchanged values. Unchanged ones
    // share one statement with their paths as parameters (TOUCH_SQL), about half the time of a statement
    // each with 15 paths, and one call instead of 15. A record that exists has its ancestors, so only new
    // ones need the upsert that creates them. (Between the read and the writes nothing else changes a
    // device's values: they come from its sessions, one at a time.)
    await this.s.atomic(async (s) => {
      const d = s.dialect;
      const current = await s.all<{ path: string; value: unknown; type: unknown }>(
        `SELECT path, value, type FROM parameters WHERE device_id = $1 AND ${d.inTextArray("path", "$2")}`,
        [deviceId, d.textArray([...rows.keys()])],
      );
      const when = d.date(at);
      const unchanged: string[] = [];
      for (const r of current) {
        const v = rows.get(r.path)!;
        rows.delete(r.path);
        if (r.value === v[0] && r.type === v[4]) {
          // A value also proves the parameter exists, so it refreshes names_at too.
          unchanged.push(r.path);
        } else {
          await s.run(
            `UPDATE parameters SET value = $3, value_num = $4, value_time = $5, value_bool = $6, type = $7, value_at = $8, names_at = $8
             WHERE device_id = $1 AND path = $2`,
            [deviceId, r.path, v[0], v[1], v[2], d.bool(v[3] as boolean | null), v[4], when],
          );
        }
      }
      for (let i = 0; i < unchanged.length; i += TOUCH_MAX) {
        const paths = unchanged.slice(i, i + TOUCH_MAX);
        let size = 1;
        while (size < paths.length) size *= 2;
        // Padded with the last path (IN ignores repeats).
        while (paths.length < size) paths.push(paths[paths.length - 1]!);
        await s.run(TOUCH_SQL.get(size)!, [deviceId, when, ...paths]);
      }
      await upsertWithParents(s, deviceId, VALUE_COLUMNS, rows, "names_at");
    });
  }

  setNames(deviceId: string, requestPath: string, nextLevel: boolean, names: ParameterNameUpdate[], at: Date): Promise<void> {
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      if (isObjectPath(requestPath)) {
        const upper = prefixUpperBound(requestPath);
        const params: unknown[] = [deviceId, requestPath];
        let range = "path > $2";
        if (upper !== null) {
          params.push(upper);
          range += ` AND path < $${params.length}`;
        }
        let key: string;
        let keep: Set<string>;
        if (nextLevel) {
          // Only the direct children are known: a record stays when the child it lies under (its path
          // cut after the first "." past requestPath, or the path itself for a child parameter) is listed.
          const rest = "substr(path, length($2) + 1)";
          key = `CASE WHEN ${d.strpos(rest, "'.'")} > 0 THEN substr(path, 1, length($2) + ${d.strpos(rest, "'.'")}) ELSE path END`;
          keep = new Set(names.map((n) => n.path));
        } else {
          // The whole subtree is known: a record stays when it is listed, or is an object above one that is.
          key = "path";
          keep = new Set<string>();
          for (const n of names) {
            keep.add(n.path);
            for (const a of ancestors(n.path)) keep.add(a);
          }
        }
        params.push(d.textArray([...keep]));
        await s.run(`DELETE FROM parameters WHERE device_id = $1 AND ${range} AND NOT (${d.inTextArray(key, `$${params.length}`)})`, params);
      }
      const rows = new Map<string, unknown[]>();
      for (const n of names) rows.set(n.path, [n.writable, at]);
      await upsertWithParents(s, deviceId, [{ name: "writable", type: "bool" }, { name: "names_at", type: "date" }], rows, "names_at");
    });
  }

  async setAttributes(deviceId: string, attributes: ParameterAttributeUpdate[], at: Date): Promise<void> {
    const rows = new Map<string, unknown[]>();
    for (const a of attributes) rows.set(a.path, [a.notification, a.accessList, at]);
    await upsertWithParents(this.s, deviceId, [
      { name: "notification", type: "int" }, { name: "access_list", type: "json" }, { name: "attributes_at", type: "date" },
    ], rows, "attributes_at");
  }

  async deleteSubtree(deviceId: string, prefix: string): Promise<number> {
    const cond = subtreeCondition(prefix, 2);
    return this.s.run(`DELETE FROM parameters WHERE device_id = $1 AND ${cond.sql}`, [deviceId, ...cond.params]);
  }
}
