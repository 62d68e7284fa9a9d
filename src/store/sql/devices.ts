import { fieldKind, type TextField, type TimeField } from "../../query/ast.js";
import { pathProblem } from "../../query/check.js";
import { FilterError } from "../../query/errors.js";
import { toFilter } from "../../query/index.js";
import { compareText } from "../../query/values.js";
import { resolveSort, SORT_TEXT_CHARS } from "../../query/sort.js";
import { StoreError } from "../errors.js";
import type {
  DeviceListQuery, DeviceQuery, DeviceQueryResult, DeviceRecord, DeviceRepo, EventRecord, EventRepo, InformUpdate, ParameterRecord,
} from "../types.js";
import type { Dialect, RowColumn } from "./dialect.js";
import type { Row } from "./driver.js";
import { compileFilter, compileOnTable, parameterSource, SqlParams, textColumn, timeColumn, type FilterContext, type IsIndexed } from "./filter.js";
import { isIndexedPath } from "./indexed-paths.js";
import { INDEXED_REVISION_KEY, type IndexedSet } from "./indexed-set.js";
import { insertRows } from "./insert-rows.js";
import { limitClause } from "./limit.js";
import { prefixUpperBound } from "./paths.js";
import type { PathDictionary } from "./param-paths.js";
import { readRevision } from "./revision.js";
import { CREDENTIALS_SOURCE_SQL, deviceColumns, toDevice, toEvent } from "./rows.js";
import type { Scope } from "./scope.js";
import { textOnce } from "./text-once.js";
import { toParameterRecord } from "./tree.js";
import { readTrees } from "./tree-rows.js";

/** An Inform's events, as recordInform's statements take them (constants: insertRows keeps its text per list). */
const EVENT_COLUMNS: readonly RowColumn[] = [{ name: "at", type: "date" }, { name: "code", type: "text" }, { name: "command_key", type: "text" }];
const DEVICE_EVENT_COLUMNS: readonly RowColumn[] = [{ name: "device_id", type: "text" }, ...EVENT_COLUMNS];

const BOOT = "1 BOOT";
const BOOTSTRAP = "0 BOOTSTRAP";

/** Most entries of a projection. */
export const MAX_PROJECTION = 100;

interface OrderItem {
  expr: string;
  /** "ASC", "DESC", possibly with "NULLS LAST". */
  dir: string;
}

interface ListPlan {
  /** FROM and JOINs, on `devices d`. */
  from: string;
  where: string;
  order: OrderItem[];
  params: SqlParams;
  /** The order is by id alone (keyset paging works): its direction; null for other orders. */
  idOrder: "asc" | "desc" | null;
  /** The text depends on the request (a filter, a sort): not for the prepared statement caches. */
  adHoc: boolean;
}

function badQuery(message: string): never {
  throw new StoreError("STORE_BAD_QUERY", message);
}

function checkCount(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0)) badQuery(`${name} must be a number >= 0, not ${String(v)}`);
}

function filterContext(q: DeviceListQuery): FilterContext {
  return { now: q.now ?? new Date(), ...(q.onlineWithinMs !== undefined ? { onlineWithinMs: q.onlineWithinMs } : {}) };
}

/** Turns a list query into the pieces of its statements; the filter and sort are checked here (FilterError). */
function plan(d: Dialect, q: DeviceListQuery, indexed: IsIndexed): ListPlan {
  checkCount("limit", q.limit);
  checkCount("offset", q.offset);
  const params = new SqlParams();
  const conds: string[] = [];
  if (q.idPrefix) {
    // A range rather than LIKE: it uses the primary key index and needs no escaping of % and _.
    conds.push(`d.id >= ${params.add(q.idPrefix)}`);
    const upper = prefixUpperBound(q.idPrefix);
    if (upper !== null) conds.push(`d.id < ${params.add(upper)}`);
  }
  if (q.tag !== undefined) {
    conds.push(`EXISTS (SELECT 1 FROM device_tags t WHERE t.device_id = d.id AND t.tag = ${params.add(q.tag)})`);
  }
  if (q.filter !== undefined) conds.push(compileFilter(toFilter(q.filter), d, filterContext(q), params, indexed));
  const sort = resolveSort(q.sort ?? []);
  const first = sort[0];
  const idOrder = sort.length === 0 ? "asc" : first?.target.kind === "field" && first.target.name === "id" ? first.direction : null;
  if (q.after !== undefined) {
    if (idOrder === null) badQuery("after (keyset paging) needs the default order or a sort by id alone; page other orders with offset");
    if (typeof q.after !== "string") badQuery("after must be a device id");
    conds.push(`d.id ${idOrder === "asc" ? ">" : "<"} ${params.add(q.after)}`);
  }
  const joins: string[] = [];
  const order: OrderItem[] = [];
  const joined = new Set<string>();
  for (const [i, { target, direction }] of sort.entries()) {
    const dir = direction === "asc" ? "ASC" : "DESC";
    if (target.kind === "parameter") {
      const s = `s${i}`;
      const src = parameterSource(d, target.path, params, indexed);
      joins.push(`LEFT JOIN ${src.table} ${s} ON ${s}.device_id = d.id AND ${src.on(s)}`);
      // Missing values last; numbers before texts ascending (after them descending); texts by their
      // first SORT_TEXT_CHARS characters, which PostgreSQL's value_key holds (see query/sort.ts).
      const vk = d.capabilities.valueKey;
      const text = vk !== null && vk.chars === SORT_TEXT_CHARS ? `${s}.${vk.column}` : `substr(${s}.value, 1, ${SORT_TEXT_CHARS})`;
      order.push({ expr: `(${text} IS NULL)`, dir: "ASC" }, { expr: `(${s}.value_num IS NULL)`, dir },
        { expr: `${s}.value_num`, dir }, { expr: text, dir });
      continue;
    }
    const { column, nullable, table } = fieldKind(target.name) === "time" ? timeColumn(d, target.name as TimeField) : textColumn(target.name as TextField);
    // An inner join (every device has its row), so that the column's index can drive the order.
    if (table !== undefined && !joined.has(table.alias)) {
      joined.add(table.alias);
      joins.push(`JOIN ${table.name} ${table.alias} ON ${table.alias}.device_id = d.id`);
    }
    // NULLS LAST rather than an IS NULL key: an index on the column can still give the order.
    order.push({ expr: column, dir: nullable ? `${dir} NULLS LAST` : dir });
    if (target.name === "id") break;
  }
  if (!sort.some((k) => k.target.kind === "field" && k.target.name === "id")) order.push({ expr: "d.id", dir: "ASC" });
  return {
    from: `devices d${joins.map((j) => ` ${j}`).join("")}`,
    where: conds.length > 0 ? `WHERE ${conds.join(" AND ")}` : "",
    order,
    params,
    idOrder,
    adHoc: q.filter !== undefined || sort.length > 0,
  };
}

/** The projected records of `ids`, by device. */
async function project(s: Scope, dict: PathDictionary, ids: string[], projection: unknown): Promise<Map<string, ParameterRecord[]>> {
  if (!Array.isArray(projection) || projection.some((p) => typeof p !== "string")) badQuery("projection must be a list of parameter paths");
  if (projection.length > MAX_PROJECTION) badQuery(`projection has more than ${MAX_PROJECTION} paths`);
  const exact = new Set<string>();
  const objects: string[] = [];
  for (const path of projection as string[]) {
    const why = pathProblem(path);
    if (why !== undefined) throw new FilterError("FILTER_PATH", why);
    if (path.endsWith(".")) objects.push(path);
    else exact.add(path);
  }
  const out = new Map<string, ParameterRecord[]>(ids.map((id) => [id, []]));
  if (ids.length === 0 || projection.length === 0) return out;
  const wanted = (path: string) => exact.has(path) || objects.some((o) => path.startsWith(o));
  for (const [id, tree] of await readTrees(s, dict, ids)) {
    const records = [...tree].filter(([path]) => wanted(path)).sort(([a], [b]) => compareText(a, b));
    out.set(id, records.map(([path, r]) => toParameterRecord(path, r)));
  }
  return out;
}

export class SqlDeviceRepo implements DeviceRepo {
  constructor(
    private readonly s: Scope,
    private readonly dict: PathDictionary,
    private readonly indexed: IndexedSet,
    /** The trees the transaction's parameter repository keeps (sql/parameters.ts): a deleted device's go. */
    private readonly keptTrees: Map<string, unknown> | null = null,
  ) {}

  /**
   * Plans and runs a read. One whose filter or sort names a parameter that is not built in reads the
   * indexed set's revision first (a chosen pattern may have become ready since this store last looked);
   * one that reads a chosen pattern's rows reads it again after, and runs again when it moved: the
   * pattern may have been removed and its rows deleted meanwhile (docs/scale.md).
   */
  private async planned<T>(q: DeviceListQuery, run: (p: ListPlan) => Promise<T>): Promise<T> {
    const d = this.s.dialect;
    for (;;) {
      let asked = false;
      let used = false;
      const indexed = (path: string) => {
        if (isIndexedPath(path)) return true;
        asked = true;
        const ready = this.indexed.readyChosen(path);
        used ||= ready;
        return ready;
      };
      let p = plan(d, q, indexed);
      if (!asked) return run(p);
      const rev = await readRevision(this.s, INDEXED_REVISION_KEY);
      if (await this.indexed.observe(this.s, rev)) {
        used = false;
        p = plan(d, q, indexed);
      }
      const result = await run(p);
      if (!used || (await readRevision(this.s, INDEXED_REVISION_KEY)) === rev) return result;
    }
  }

  async get(id: string): Promise<DeviceRecord | null> {
    const rows = await this.s.all(`SELECT ${deviceColumns(this.s.dialect, "d")} FROM devices d WHERE d.id = $1`, [id]);
    return rows[0] ? toDevice(this.s.dialect, rows[0]) : null;
  }

  async recordInform(u: InformUpdate): Promise<{ device: DeviceRecord; created: boolean }> {
    const d = this.s.dialect;
    // Qualified by the table name: SQLite's RETURNING does not see an alias. The last Inform's time is
    // this one: on PostgreSQL written to device_informs (migration 29), on SQLite to devices.
    const own = d.capabilities.informsTable;
    const cols = deviceColumns(d, "devices", "NULL");
    const done = (row: Row): DeviceRecord => ({ ...toDevice(d, row), lastInformAt: u.at });
    const codes = new Set(u.events.map((e) => e.code));
    const params = [
      u.id, u.manufacturer, u.address, u.cwmpNamespace, u.cwmpVersion,
      d.date(codes.has(BOOT) ? u.at : null), d.date(codes.has(BOOTSTRAP) ? u.at : null), d.date(u.at),
    ];
    // The identity columns are left out: they make the device's id, so they are those already stored
    // (but for spaces the id trims, set below), and setting them, even to the same values, rewrites
    // their index entries at every Inform. On PostgreSQL the columns set here are in no index: the
    // update stays on the row's page and adds no index entry (a HOT update).
    const updateSql = textOnce(d, "inform", () => `UPDATE devices SET ${own ? "" : "last_inform_at = $8, "}manufacturer = $2, last_inform_address = $3, cwmp_namespace = $4,
        cwmp_version = $5, last_boot_at = COALESCE($6, devices.last_boot_at), last_bootstrap_at = COALESCE($7, devices.last_bootstrap_at)
      WHERE id = $1 RETURNING ${cols}`);
    const identity = async (s: Scope, row: Row): Promise<Row> => {
      const dev = toDevice(d, row);
      if (dev.oui === u.oui && dev.productClass === u.productClass && dev.serialNumber === u.serialNumber) return row;
      const rows = await s.all(`UPDATE devices SET oui = $2, product_class = $3, serial_number = $4 WHERE id = $1 RETURNING ${cols}`,
        [u.id, u.oui, u.productClass, u.serialNumber]);
      return rows[0] ?? row;
    };
    const eventRows = u.events.map((e) => [u.at, e.code, e.commandKey]);

    if (d.capabilities.writableCte && own && u.events.length > 0) {
      // The usual case, an existing device, in one statement; the events go in only if the device's
      // row of device_informs was there to update (every device has one). Their parameters follow the
      // update's ($1 is the device id, $8 the Inform's time).
      const src = d.rowSource(params.length + 1, EVENT_COLUMNS, eventRows);
      // A row source's text may depend on its number of rows.
      const sql = textOnce(d, `inform ${eventRows.length}`, () => {
        const inf = "UPDATE device_informs SET last_inform_at = $8 WHERE device_id = $1 RETURNING device_id";
        const ev = `INSERT INTO device_events (device_id, at, code, command_key) SELECT $1, r.at, r.code, r.command_key FROM ${src.sql} WHERE EXISTS (SELECT 1 FROM inf)`;
        return `WITH upd AS (${updateSql}), inf AS (${inf}), ev AS (${ev}) SELECT upd.* FROM upd, inf`;
      });
      const rows = await this.s.all(sql, [...params, ...src.params]);
      if (rows[0]) return { device: done(await identity(this.s, rows[0])), created: false };
    }
    return this.s.atomic(async (s) => {
      // UPDATE first (the usual case), INSERT when it found nothing, and UPDATE again if another process
      // inserted the device in between.
      let created = false;
      const update = () => s.all(updateSql, own ? params.slice(0, 7) : params);
      let rows = await update();
      if (rows.length === 0) {
        rows = await s.all(
          `INSERT INTO devices (id, manufacturer, oui, product_class, serial_number, last_inform_address,
             cwmp_namespace, cwmp_version, last_boot_at, last_bootstrap_at, registered_at, ${own ? "" : "last_inform_at, "}credentials)
           VALUES ($1, $2, $9, $10, $11, $3, $4, $5, $6, $7, $8, ${own ? "" : "$8, "}${CREDENTIALS_SOURCE_SQL})
           ON CONFLICT (id) DO NOTHING RETURNING ${cols}`,
          [...params, u.oui, u.productClass, u.serialNumber],
        );
        created = rows.length > 0;
        if (!created) rows = await update();
      }
      const row = rows[0];
      if (!row) throw new Error("recordInform: the device row vanished inside its own transaction");
      // An upsert: the row is there but for a device written before it was (it cannot be, but an Inform
      // must not be lost for it).
      if (own) {
        await s.run(`INSERT INTO device_informs (device_id, last_inform_at) VALUES ($1, $2)
          ON CONFLICT (device_id) DO UPDATE SET last_inform_at = excluded.last_inform_at`, [u.id, d.date(u.at)]);
      }
      const stored = created ? row : await identity(s, row);
      await insertRows(s, "device_events", DEVICE_EVENT_COLUMNS, eventRows.map((r) => [u.id, ...r]));
      return { device: done(stored), created };
    });
  }

  private page(q: DeviceListQuery, extra: number): Promise<{ devices: DeviceRecord[]; idOrder: "asc" | "desc" | null }> {
    return this.planned(q, (p) => this.pageOf(p, q, extra));
  }

  private async pageOf(p: ListPlan, q: DeviceListQuery, extra: number): Promise<{ devices: DeviceRecord[]; idOrder: "asc" | "desc" | null }> {
    const values = p.params.values;
    const limit = limitClause(values, q.limit === undefined ? undefined : Math.floor(q.limit) + extra, q.offset);
    // The page is chosen in the inner query and only its rows get their tags (PostgreSQL would otherwise
    // compute them for every row it sorts or skips); the outer query orders the page again by the
    // inner one's sort keys.
    const keys = p.order.map((o, i) => `${o.expr} AS o${i}`).join(", ");
    const inner = `SELECT d.*, ${keys} FROM ${p.from} ${p.where} ORDER BY ${p.order.map((o) => `${o.expr} ${o.dir}`).join(", ")}${limit}`;
    const outerOrder = p.order.map((o, i) => `q.o${i} ${o.dir}`).join(", ");
    const rows = await this.s.all(
      `SELECT ${deviceColumns(this.s.dialect, "q")} FROM (${inner}) q ORDER BY ${outerOrder}`, values, { adHoc: p.adHoc });
    return { devices: rows.map((r) => toDevice(this.s.dialect, r)), idOrder: p.idOrder };
  }

  async list(q: DeviceListQuery = {}): Promise<DeviceRecord[]> {
    return (await this.page(q, 0)).devices;
  }

  count(q: DeviceListQuery = {}): Promise<number> {
    return this.planned({ ...q, sort: undefined, after: undefined }, async (p) => {
      // A filter on the last Inform alone (PostgreSQL) counts device_informs' rows: one per device.
      const own = q.filter !== undefined && !q.idPrefix && q.tag === undefined
        ? compileOnTable(toFilter(q.filter), this.s.dialect, filterContext(q)) : null;
      const [from, where, values] = own === null ? [p.from, p.where, p.params.values] : [own.from, `WHERE ${own.where}`, own.params];
      const rows = await this.s.all<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${from} ${where}`, values, { adHoc: p.adHoc });
      return Number(rows[0]?.n ?? 0);
    });
  }

  async query(q: DeviceQuery): Promise<DeviceQueryResult> {
    // One row more than the page tells whether there is a next page.
    const { devices, idOrder } = await this.page(q, 1);
    let next: string | null = null;
    if (q.limit !== undefined && devices.length > Math.floor(q.limit)) {
      devices.length = Math.floor(q.limit);
      if (idOrder !== null) next = devices.at(-1)?.id ?? null;
    }
    const total = q.count ? await this.count(q) : null;
    if (q.projection === undefined) return { devices, total, next };
    const params = await project(this.s, this.dict, devices.map((dev) => dev.id), q.projection);
    return { devices: devices.map((dev) => ({ ...dev, parameters: params.get(dev.id) ?? [] })), total, next };
  }

  delete(id: string): Promise<boolean> {
    // Sessions and credentials have no foreign key (a session lock may be taken, and credentials stored,
    // before the first Inform creates the device); everything else goes by ON DELETE CASCADE.
    return this.s.atomic(async (s) => {
      await s.run("DELETE FROM sessions WHERE device_id = $1", [id]);
      await s.run("DELETE FROM cpe_credentials WHERE device_id = $1", [id]);
      this.keptTrees?.delete(id);
      return (await s.run("DELETE FROM devices WHERE id = $1", [id])) > 0;
    });
  }

  deleteMany(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return this.s.atomic(async (s) => {
      const list = s.dialect.textArray([...ids]);
      await s.run(`DELETE FROM sessions WHERE ${s.dialect.inTextArray("device_id", "$1")}`, [list]);
      await s.run(`DELETE FROM cpe_credentials WHERE ${s.dialect.inTextArray("device_id", "$1")}`, [list]);
      for (const id of ids) this.keptTrees?.delete(id);
      return s.run(`DELETE FROM devices WHERE ${s.dialect.inTextArray("id", "$1")}`, [list]);
    });
  }

  updateTagsMany(ids: readonly string[], add: readonly string[], remove: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      const removing = new Set(remove);
      const adding = [...new Set(add)].filter((t) => !removing.has(t));
      const list = d.textArray([...ids]);
      if (adding.length > 0) {
        // The devices read back from the table: an id of a device deleted meanwhile adds nothing.
        const src = d.rowSource(2, [{ name: "tag", type: "text" }], adding.map((t) => [t]));
        await s.run(`INSERT INTO device_tags (device_id, tag) SELECT dv.id, r.tag FROM devices dv CROSS JOIN ${src.sql}
          WHERE ${d.inTextArray("dv.id", "$1")} ON CONFLICT DO NOTHING`, [list, ...src.params]);
      }
      if (removing.size > 0) {
        await s.run(`DELETE FROM device_tags WHERE ${d.inTextArray("device_id", "$1")} AND ${d.inTextArray("tag", "$2")}`, [list, d.textArray([...removing])]);
      }
    });
  }

  updateTags(id: string, add: string[], remove: string[]): Promise<string[] | null> {
    return this.s.atomic(async (s) => {
      const d = s.dialect;
      const exists = await s.all("SELECT 1 AS one FROM devices WHERE id = $1", [id]);
      if (exists.length === 0) return null;
      const removing = new Set(remove);
      const adding = [...new Set(add)].filter((t) => !removing.has(t));
      if (adding.length > 0) {
        const src = d.rowSource(2, [{ name: "tag", type: "text" }], adding.map((t) => [t]));
        await s.run(`INSERT INTO device_tags (device_id, tag) SELECT $1, r.tag FROM ${src.sql} WHERE true ON CONFLICT DO NOTHING`, [id, ...src.params]);
      }
      if (removing.size > 0) {
        await s.run(`DELETE FROM device_tags WHERE device_id = $1 AND ${d.inTextArray("tag", "$2")}`, [id, d.textArray([...removing])]);
      }
      const rows = await s.all<{ tags: unknown }>(`SELECT ${d.tagsOf("$1")} AS tags`, [id]);
      return d.readTags(rows[0]?.tags);
    });
  }
}

export class SqlEventRepo implements EventRepo {
  constructor(private readonly s: Scope) {}

  async list(deviceId: string, limit?: number): Promise<EventRecord[]> {
    const params: unknown[] = [deviceId];
    const lim = limitClause(params, limit, undefined);
    // Newest Inform first; the events of one Inform (same time) in the order the CPE sent them.
    const rows = await this.s.all(
      `SELECT device_id, at, code, command_key FROM device_events WHERE device_id = $1 ORDER BY at DESC, seq ASC${lim}`, params);
    return rows.map((r) => toEvent(this.s.dialect, r));
  }

  prune(before: Date, limit: number): Promise<number> {
    // No index on `at` (it would cost every Inform a write): the oldest rows by seq, the primary key,
    // are the oldest in time but for the clocks of several ACS processes, and a straggler waits for
    // the row before it.
    return this.s.run(
      "DELETE FROM device_events WHERE seq IN (SELECT h.seq FROM (SELECT seq, at FROM device_events ORDER BY seq LIMIT $2) h WHERE h.at < $1)",
      [this.s.dialect.date(before), Math.max(0, Math.floor(limit))],
    );
  }
}
