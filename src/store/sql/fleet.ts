// What the console reads across the whole fleet. The overview: counts over the whole fleet, each an index range or an index-only grouping
// (device_informs_last_inform_at or devices_last_inform_at, devices_product_class, param_index_value, faults_code), so that it stays
// well under a second at 100,000 devices (benchmarks/overview.ts).
import type { DeviceScope, FleetRepo, LoadedDevice, Overview, OverviewQuery } from "../types.js";
import { deviceScopeCondition } from "./device-scope.js";
import { existingDevices, loadDevices } from "./fleet-load.js";
import { isIndexedPath } from "./indexed-paths.js";
import type { IndexedSet } from "./indexed-set.js";
import type { PathDictionary } from "./param-paths.js";
import { prefixUpperBound } from "./paths.js";
import type { Scope } from "./scope.js";

type Group = { value: string; devices: number };

/** The `top` largest groups, and the rest summed as "other" (also when "other" is itself a value). */
function topGroups(rows: Group[], top: number): Group[] {
  const sorted = [...rows].sort((a, b) => b.devices - a.devices || (a.value < b.value ? -1 : 1));
  const head = sorted.slice(0, top);
  const rest = sorted.slice(top).reduce((n, g) => n + g.devices, 0);
  return rest > 0 ? [...head, { value: "other", devices: rest }] : head;
}

export class SqlFleetRepo implements FleetRepo {
  constructor(
    private readonly s: Scope,
    private readonly dict: PathDictionary,
    private readonly indexed: IndexedSet,
  ) {}

  async overview(q: OverviewQuery): Promise<Overview> {
    const d = this.s.dialect;
    const since = d.date(new Date(q.now.getTime() - q.onlineWithinMs));
    // A scope (a tenant's devices) adds a semi-join to each figure: `column IN (the scope's devices)`.
    const within = (column: string, params: unknown[], joiner: "WHERE" | "AND") =>
      q.devices === undefined ? "" : ` ${joiner} ${deviceScopeCondition(column, q.devices, d, params)}`;
    const count = async (table: string, id: string, where: string, params: unknown[] = []) =>
      Number((await this.s.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}${where}${within(id, params, where === "" ? "WHERE" : "AND")}`, params))[0]?.n ?? 0);
    const total = await count("devices", "id", "");
    // The last Inform's time: in device_informs, a row per device, on PostgreSQL (migration 29).
    const [informs, informsId] = d.capabilities.informsTable ? ["device_informs", "device_id"] : ["devices", "id"];
    const online = await count(informs, informsId, " WHERE last_inform_at >= $1", [since]);
    const neverSeen = await count(informs, informsId, " WHERE last_inform_at IS NULL");
    const classParams: unknown[] = [];
    const classes = await this.s.all<{ v: unknown; n: unknown }>(`SELECT product_class AS v, COUNT(*) AS n FROM devices${within("id", classParams, "WHERE")} GROUP BY product_class`, classParams);
    // PostgreSQL's value index holds value_key (the value's first characters: whole for any version).
    const valueColumn = d.capabilities.valueKey?.column ?? "value";
    const versionParams: unknown[] = [d.textArray(q.versionPaths)];
    const unindexed = q.versionPaths.filter((p) => !isIndexedPath(p));
    if (unindexed.length > 0) throw new Error(`overview: the version paths must be indexed (sql/indexed-paths.ts): ${unindexed.join(", ")}`);
    const versions = await this.s.all<{ v: unknown; n: unknown }>(
      `SELECT ${valueColumn} AS v, COUNT(*) AS n FROM param_index
       WHERE path_id IN (SELECT id FROM param_paths WHERE ${d.inTextArray("path", "$1")}) AND ${valueColumn} IS NOT NULL${within("device_id", versionParams, "AND")}
       GROUP BY ${valueColumn}`,
      versionParams,
    );
    // Sessions are counted per process and minute, not per device: a scope cannot narrow them.
    const minutes = q.devices !== undefined ? null
      : await this.s.all<{ m: unknown; n: unknown }>("SELECT minute AS m, SUM(sessions) AS n FROM session_counts WHERE minute >= $1 GROUP BY minute ORDER BY minute", [q.sessionsSince]);
    const faultParams: unknown[] = [];
    const faults = await this.s.all<{ c: unknown; n: unknown }>(`SELECT code AS c, COUNT(*) AS n FROM faults${within("device_id", faultParams, "WHERE")} GROUP BY code ORDER BY COUNT(*) DESC, code`, faultParams);
    const groups = (rows: { v: unknown; n: unknown }[]) => rows.map((r) => ({ value: String(r.v), devices: Number(r.n) }));
    return {
      devices: { total, online, offline: total - online - neverSeen, neverSeen },
      productClasses: topGroups(groups(classes), q.top),
      softwareVersions: topGroups(groups(versions), q.top),
      sessionsPerMinute: minutes === null ? null : minutes.map((r) => ({ minute: new Date(Number(r.m)), sessions: Number(r.n) })),
      faultsByCode: faults.map((r) => ({ code: String(r.c), faults: Number(r.n) })),
    };
  }

  /**
   * A loose index scan of the dictionary of paths (param_paths: every path a device has reported):
   * each step reads the first path after the last child found and skips the whole subtree of that child
   * ("A.B." is followed by "A.B/" in code point order), so it costs one index probe per child however
   * many devices share the paths. Within a scope, a path counts when one of the scope's devices has it
   * in its tree (a scan of those trees per probe).
   */
  async childPaths(prefix: string, limit: number, devices?: DeviceScope): Promise<{ path: string; object: boolean }[]> {
    const parent = prefix.slice(0, prefix.lastIndexOf(".") + 1);
    const upper = prefixUpperBound(prefix);
    const out: { path: string; object: boolean }[] = [];
    let from = prefix;
    let inclusive = true;
    while (out.length < limit) {
      const params: unknown[] = [from];
      const below = upper === null ? "" : " AND path < $2";
      if (upper !== null) params.push(upper);
      // A scope (a tenant's) skips, in each probe, the rows of devices outside it: slower, never wider.
      const scoped = devices === undefined ? ""
        : ` AND EXISTS (SELECT 1 FROM device_trees t WHERE (t.tree -> CAST(pp.id AS TEXT)) IS NOT NULL AND ${deviceScopeCondition("t.device_id", devices, this.s.dialect, params)})`;
      const rows = await this.s.all<{ path: unknown }>(`SELECT pp.path FROM param_paths pp WHERE pp.path ${inclusive ? ">=" : ">"} $1${below.replace("path", "pp.path")}${scoped} ORDER BY pp.path LIMIT 1`, params);
      if (rows.length === 0) break;
      const path = String(rows[0]!.path);
      const rest = path.slice(parent.length);
      const dot = rest.indexOf(".");
      if (rest === "") {
        // The parent object's own row.
        from = path;
        inclusive = false;
      } else if (dot === -1) {
        out.push({ path, object: false });
        from = path;
        inclusive = false;
      } else {
        out.push({ path: parent + rest.slice(0, dot + 1), object: true });
        from = `${parent}${rest.slice(0, dot)}/`;
        inclusive = true;
      }
    }
    return out;
  }

  load(devices: readonly LoadedDevice[], options: { replace?: boolean } = {}): Promise<void> {
    return loadDevices(this.s, this.dict, this.indexed, devices, options.replace === true);
  }

  existing(ids: readonly string[]): Promise<string[]> {
    return existingDevices(this.s, ids);
  }
}
