// Compiles a filter AST (query/) to a SQL condition on `devices d`, for both backends. It must mean
// exactly what query/evaluate.ts means (a conformance test compares the two over generated filters), so:
// - Every condition is written so that it is never NULL: SQL's three-valued logic would make
//   `NOT (x = 'a')` NULL (false) for a device without x, where the language says true. Nullable
//   columns get an `IS NOT NULL AND` guard; parameters and tags are EXISTS-style tests.
// - A parameter is read from param_index where its path is indexed, else from the devices' trees
//   (parameterSource): the same columns either way, so a condition is written once.
// - Parameter values are compared through the columns the store derives from each value when it writes
//   it (value_num, value_time, value_bool, by the functions evaluate uses), so SQL never parses or
//   casts text: nothing to raise an error on a text that does not fit, and the typed columns are indexed.
// - Every value is a bound parameter; the text holds only fixed column names and dialect fragments.
import type { AlarmField, CompareOp, FilterNode, Literal, TextField, TextOp, TimeField } from "../../query/ast.js";
import { severityRank, type Severity } from "../../alarms/severity.js";
import { fieldKind, isTextOp } from "../../query/ast.js";
import { FilterError } from "../../query/errors.js";
import { literalTime } from "../../query/evaluate.js";
import { literalPrefix, patternOf } from "../../query/pattern.js";
import { timeLiteralOf } from "../../query/values.js";
import type { ArrayType, Dialect } from "./dialect.js";
import { isIndexedPath } from "./indexed-paths.js";
import { codePointLength, prefixUpperBound } from "./paths.js";

/** Parameters of a statement being built: `add` binds a value and returns its placeholder. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Whether param_index holds every device's record of a path: the built-in list, and the operator's ready patterns where the caller knows them. */
export type IsIndexed = (path: string) => boolean;

export interface FilterContext {
  now: Date;
  onlineWithinMs?: number;
}

/** Where a field is: a column of `devices d`, or of a table of one row per device (`table`, aliased as `column` names it). */
export interface FieldColumn {
  column: string;
  nullable: boolean;
  table?: { name: string; alias: string };
}

const TEXT_COLUMNS: Readonly<Record<TextField, FieldColumn>> = {
  id: { column: "d.id", nullable: false },
  oui: { column: "d.oui", nullable: false },
  productClass: { column: "d.product_class", nullable: false },
  serialNumber: { column: "d.serial_number", nullable: false },
  manufacturer: { column: "d.manufacturer", nullable: false },
  cwmpVersion: { column: "d.cwmp_version", nullable: true },
  credentials: { column: "d.credentials", nullable: false },
  protocol: { column: "d.protocol", nullable: false },
};

const TIME_COLUMNS: Readonly<Record<TimeField, FieldColumn>> = {
  registered: { column: "d.registered_at", nullable: false },
  // Its own table on PostgreSQL (migration 29): it changes at every Inform. See timeColumn.
  lastInform: { column: "li.last_inform_at", nullable: true, table: { name: "device_informs", alias: "li" } },
  lastBoot: { column: "d.last_boot_at", nullable: true },
  lastBootstrap: { column: "d.last_bootstrap_at", nullable: true },
};

export function textColumn(field: TextField): FieldColumn {
  return TEXT_COLUMNS[field];
}

const LAST_INFORM_IN_DEVICES: FieldColumn = { column: "d.last_inform_at", nullable: true };

export function timeColumn(d: Dialect, field: TimeField): FieldColumn {
  return field === "lastInform" && !d.capabilities.informsTable ? LAST_INFORM_IN_DEVICES : TIME_COLUMNS[field];
}

/**
 * The records of one parameter path, one row per device that has it, with the columns param_index has
 * (device_id, value, value_num, value_time, value_bool, and the dialect's valueKey column): param_index
 * for an indexed path (an index range), else the devices' trees, read in SQL (a scan).
 */
export function parameterSource(
  d: Dialect, path: string, params: SqlParams, indexed: IsIndexed = isIndexedPath,
): { table: string; on: (alias: string) => string; indexed: boolean } {
  const bound = params.add(path);
  if (indexed(path)) return { table: "param_index", on: (a) => `${a}.path_id = (SELECT id FROM param_paths WHERE path = ${bound})`, indexed: true };
  return { table: d.treeRecords(bound), on: () => "true", indexed: false };
}

type OrderOp = Exclude<CompareOp, TextOp>;

const SQL_OP: Readonly<Record<OrderOp, string>> = { "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

/** The first `n` characters (code points, as SQL's substr counts them) of `s`. */
function head(s: string, n: number): string {
  if (s.length <= n) return s;
  return Array.from(s).slice(0, n).join("");
}

class Compiler {
  constructor(
    private readonly d: Dialect,
    private readonly ctx: FilterContext,
    private readonly p: SqlParams,
    private readonly indexed: IsIndexed,
    /** Conditions are on this table's rows (a table of one row per device, onTable), not on `devices d`. */
    private readonly on: string | null = null,
  ) {}

  node(n: FilterNode): string {
    switch (n.kind) {
      case "and": return `(${n.operands.map((o) => this.node(o)).join(" AND ")})`;
      case "or": return `(${n.operands.map((o) => this.node(o)).join(" OR ")})`;
      case "not": return `NOT ${this.node(n.operand)}`;
      case "online": {
        if (this.ctx.onlineWithinMs === undefined) {
          throw new FilterError("FILTER_CONTEXT", "the filter uses online, but no online window (onlineWithinMs) was given");
        }
        const since = new Date(this.ctx.now.getTime() - this.ctx.onlineWithinMs);
        const c = timeColumn(this.d, "lastInform");
        return this.field(c, `(${c.column} IS NOT NULL AND ${c.column} >= ${this.p.add(this.d.date(since))})`);
      }
      case "exists": {
        const t = n.target;
        if (t.kind === "parameter") return this.parameterHas(t.path, null);
        switch (fieldKind(t.name)) {
          case "alarm": return t.name === "alarm.active" ? "(1 = 1)" : this.d.deviceHasRow("alarms", "a", "a.state = 'active'");
          case "tag": return this.d.deviceHasRow("device_tags", "t", "true");
          case "time": {
            const c = timeColumn(this.d, t.name as TimeField);
            return this.field(c, `(${c.column} IS NOT NULL)`);
          }
          case "text": return `(${TEXT_COLUMNS[t.name as TextField].column} IS NOT NULL)`;
        }
        break;
      }
      case "compare":
      case "in": {
        const t = n.target;
        const values = n.kind === "in" ? n.values : [n.value];
        const op: CompareOp = n.kind === "in" ? "=" : n.op;
        if (t.kind === "parameter") return this.parameterHas(t.path, () => this.parameter(op, values));
        switch (fieldKind(t.name)) {
          case "alarm": return this.alarm(t.name as AlarmField, op, values);
          case "tag": {
            if (op === "!=") return `NOT ${this.d.deviceHasRow("device_tags", "t", this.text("t.tag", "=", values))}`;
            return this.d.deviceHasRow("device_tags", "t", this.text("t.tag", op, values));
          }
          case "time": {
            const c = timeColumn(this.d, t.name as TimeField);
            return this.field(c, this.guard(c.column, c.nullable, this.time(c.column, op, values)));
          }
          case "text": {
            const { column, nullable } = TEXT_COLUMNS[t.name as TextField];
            return this.guard(column, nullable, this.text(column, op, values));
          }
        }
      }
    }
    throw new FilterError("FILTER_AST", `cannot compile a filter node of kind ${JSON.stringify((n as { kind: unknown }).kind)}`);
  }

  /**
   * The device's active alarms, counted (alarm.active) or their highest severity's rank (alarm.severity,
   * 0 for none, which no comparison meets), by a subquery on the alarms table (alarms_device index).
   */
  private alarm(field: AlarmField, op: CompareOp, values: readonly Literal[]): string {
    const of = (agg: string) => `(SELECT ${agg} FROM alarms a WHERE a.device_id = d.id AND a.state = 'active')`;
    const x = field === "alarm.active" ? of("COUNT(*)") : `COALESCE(${of("MAX(a.severity_rank)")}, 0)`;
    const operand = (v: Literal) => this.p.add(field === "alarm.active" ? (v as Extract<Literal, { kind: "number" }>).value : severityRank((v as Extract<Literal, { kind: "string" }>).value as Severity));
    const cond = values.length > 1 ? `(${values.map((v) => `${x} = ${operand(v)}`).join(" OR ")})` : `${x} ${SQL_OP[op as OrderOp]} ${operand(values[0]!)}`;
    return field === "alarm.active" ? `(${cond})` : `(${x} > 0 AND ${cond})`;
  }

  /**
   * `cond` on a field's column: as it is for a column of devices, a test of the device's row for one of
   * a table of its own (a semi-join: one row per device, so the same devices; an index on the column
   * answers it).
   */
  private field(c: FieldColumn, cond: string): string {
    if (c.table?.name === this.on && this.on !== null) return cond;
    return c.table === undefined ? cond : this.d.deviceHasRow(c.table.name, c.table.alias, cond);
  }

  private guard(column: string, nullable: boolean, cond: string): string {
    return nullable ? `(${column} IS NOT NULL AND ${cond})` : `(${cond})`;
  }

  private strings(values: readonly Literal[]): string[] {
    return values.map((v) => (v as Extract<Literal, { kind: "string" }>).value);
  }

  /** A comparison of a text column with string literals (one, or several for IN). */
  private text(column: string, op: CompareOp, values: readonly Literal[]): string {
    const strings = this.strings(values);
    if (values.length > 1) return this.d.inArray(column, this.p.add(this.d.array(strings, "text")), "text");
    const s = strings[0]!;
    if (op === "^=") return this.prefix(column, s);
    if (op === "*=" || op === "~=") return this.pattern(column, op, s, (pre) => this.prefix(column, pre));
    return `${column} ${SQL_OP[op]} ${this.p.add(s)}`;
  }

  /**
   * `*=` or `~=` on a text column. A pattern that starts with literal text also gets the "starts with"
   * range of that text (`range`), which an index on the column answers before the pattern is tried.
   */
  private pattern(column: string, op: "*=" | "~=", s: string, range: (prefix: string) => string): string {
    const parts = patternOf(op, s);
    const match = this.d.matchPattern(column, this.p.add(this.d.pattern(parts)));
    const pre = literalPrefix(parts);
    return pre === "" ? match : `${range(pre)} AND ${match}`;
  }

  /** "starts with" as an index range: prefix <= s < the prefix's upper bound. */
  private prefix(column: string, s: string): string {
    const upper = prefixUpperBound(s);
    const lower = `${column} >= ${this.p.add(s)}`;
    return upper === null ? lower : `${lower} AND ${column} < ${this.p.add(upper)}`;
  }

  private time(column: string, op: CompareOp, values: readonly Literal[]): string {
    const times = values.map((v) => new Date(literalTime(v, this.ctx.now) ?? NaN));
    if (times.length > 1) return this.d.inArray(column, this.p.add(this.d.array(times, "date")), "date");
    return `${column} ${SQL_OP[op as OrderOp]} ${this.p.add(this.d.date(times[0]))}`;
  }

  // --- parameters: conditions on `p`, a row of parameterSource ---

  /**
   * The device has a record of `path` (meeting `cond`). From param_index, the dialect's form (a semi-join
   * from the value index). From the trees, a probe of the device's own row (its primary key), evaluated
   * device by device: a scan of the fleet when the condition stands alone, but only the devices the
   * other conditions leave (or until a page is full) when it does not. A count, not EXISTS: neither
   * planner turns an aggregate into a join, which would read every tree first (measured: bench:fleet,
   * "lab devices' UpTime").
   */
  private parameterHas(path: string, cond: (() => string) | null): string {
    const src = parameterSource(this.d, path, this.p, this.indexed);
    const where = cond === null ? src.on("p") : `${src.on("p")} AND ${cond()}`;
    if (src.indexed) return this.d.deviceHasRow(src.table, "p", where);
    return `((SELECT COUNT(*) FROM ${src.table} p WHERE p.device_id = d.id AND ${where}) > 0)`;
  }

  /**
   * A text comparison of p.value. Where the value index holds only the first n characters (PostgreSQL's
   * value_key), a literal shorter than n compares exactly on the key alone (two texts compare the same
   * as their first n characters do when one of them is shorter than n), and the index answers it; a
   * longer literal adds the comparison of the whole value.
   */
  private value(op: CompareOp, s: string): string {
    if (op === "*=" || op === "~=") return this.pattern("p.value", op, s, (pre) => this.value("^=", pre));
    const vk = this.d.capabilities.valueKey;
    if (vk === null) return op === "^=" ? this.prefix("p.value", s) : `p.value ${SQL_OP[op]} ${this.p.add(s)}`;
    const key = `p.${vk.column}`;
    const n = vk.chars;
    if (op === "^=") {
      // A prefix that fits in the key is a range of the index alone.
      return codePointLength(s) <= n ? this.prefix(key, s) : `${key} = ${this.p.add(head(s, n))} AND ${this.prefix("p.value", s)}`;
    }
    if (codePointLength(s) < n) return `${key} ${SQL_OP[op]} ${this.p.add(s)}`;
    const full = `p.value ${SQL_OP[op]} ${this.p.add(s)}`;
    if (op === "!=") return full;
    // Cutting texts to their first n characters keeps their order loosely: a < b implies head(a) <= head(b).
    const h = this.p.add(head(s, n));
    if (op === "=") return `${key} = ${h} AND ${full}`;
    return `${key} ${op.startsWith("<") ? "<=" : ">="} ${h} AND ${full}`;
  }

  private valueIn(strings: string[]): string {
    const vk = this.d.capabilities.valueKey;
    if (vk === null) return this.d.inArray("p.value", this.p.add(this.d.array(strings, "text")), "text");
    const key = `p.${vk.column}`;
    if (strings.every((s) => codePointLength(s) < vk.chars)) return this.d.inArray(key, this.p.add(this.d.array(strings, "text")), "text");
    const heads = [...new Set(strings.map((s) => head(s, vk.chars)))];
    return `${this.d.inArray(key, this.p.add(this.d.array(heads, "text")), "text")} AND ${this.d.inArray("p.value", this.p.add(this.d.array(strings, "text")), "text")}`;
  }

  private numberIn(column: string, values: number[], type: ArrayType): string {
    return values.length === 1 ? `${column} = ${this.p.add(values[0])}` : this.d.inArray(column, this.p.add(this.d.array(values, type)), type);
  }

  /** The condition on `p` for one comparison, or for IN (op "=" and several values: any of them). */
  private parameter(op: CompareOp, values: readonly Literal[]): string {
    if (values.length === 1) return this.parameterOne(op, values[0]!);
    // IN: the values grouped by how they compare, each group one array parameter.
    const texts: string[] = [];
    const numbers: number[] = [];
    const booleans = new Set<boolean>();
    const times: number[] = [];
    const isoTimes: number[] = [];
    const isoTexts: string[] = [];
    for (const v of values) {
      if (v.kind === "number") numbers.push(v.value);
      else if (v.kind === "boolean") booleans.add(v.value);
      else if (v.kind === "now") times.push(this.ctx.now.getTime() + v.offsetMs);
      else {
        const t = timeLiteralOf(v.value);
        if (t === null) texts.push(v.value);
        else {
          isoTimes.push(t);
          isoTexts.push(v.value);
        }
      }
    }
    const any: string[] = [];
    if (texts.length > 0) any.push(this.valueIn(texts));
    if (numbers.length > 0) any.push(this.numberIn("p.value_num", numbers, "real"));
    for (const b of booleans) any.push(`p.value_bool = ${this.p.add(this.d.bool(b))}`);
    if (times.length > 0 || isoTimes.length > 0) any.push(this.numberIn("p.value_time", [...times, ...isoTimes], "bigint"));
    if (isoTexts.length > 0) any.push(`(p.value_time IS NULL AND ${this.valueIn(isoTexts)})`);
    return any.length === 1 ? any[0]! : `(${any.map((c) => `(${c})`).join(" OR ")})`;
  }

  private parameterOne(op: CompareOp, v: Literal): string {
    switch (v.kind) {
      case "number":
        return `p.value_num ${SQL_OP[op as OrderOp]} ${this.p.add(v.value)}`;
      case "boolean":
        return `p.value_bool = ${this.p.add(this.d.bool(op === "=" ? v.value : !v.value))}`;
      case "now":
        return `p.value_time ${SQL_OP[op as OrderOp]} ${this.p.add(this.ctx.now.getTime() + v.offsetMs)}`;
      case "string": {
        const t = isTextOp(op) ? null : timeLiteralOf(v.value);
        if (t === null) return this.value(op, v.value);
        // A date-time literal: as a time with values that are date-times, as text with the others.
        const sqlOp = SQL_OP[op as OrderOp];
        return `((p.value_time IS NOT NULL AND p.value_time ${sqlOp} ${this.p.add(t)}) OR (p.value_time IS NULL AND ${this.value(op, v.value)}))`;
      }
    }
  }
}

/**
 * The SQL condition on `devices d` for a (valid) filter; its values are appended to `params`. `indexed`
 * says which parameters to read from param_index (by default the built-in list, which always is).
 */
export function compileFilter(node: FilterNode, dialect: Dialect, ctx: FilterContext, params: SqlParams, indexed: IsIndexed = isIndexedPath): string {
  return new Compiler(dialect, ctx, params, indexed).node(node);
}

/** The table of one row per device every field of the filter is in, or null (one is in devices, or none is in a table). */
function onlyTable(d: Dialect, n: FilterNode): { name: string; alias: string } | null {
  switch (n.kind) {
    case "and":
    case "or": {
      const tables = n.operands.map((o) => onlyTable(d, o));
      const first = tables[0] ?? null;
      return first !== null && tables.every((t) => t?.name === first.name) ? first : null;
    }
    case "not": return onlyTable(d, n.operand);
    case "online": return timeColumn(d, "lastInform").table ?? null;
    case "exists":
    case "compare":
    case "in":
      return n.target.kind === "field" && fieldKind(n.target.name) === "time" ? timeColumn(d, n.target.name as TimeField).table ?? null : null;
  }
  return null;
}

/**
 * A filter whose fields are all in one table of one row per device (the last Inform's time on
 * PostgreSQL: `lastInform`, `online`), as a condition on that table's rows: `from` and `where` of a count
 * that reads that table alone (its index), where the condition on `devices d` is a semi-join that the
 * planner may answer by reading every device. Null for any other filter.
 */
export function compileOnTable(node: FilterNode, dialect: Dialect, ctx: FilterContext): { from: string; where: string; params: unknown[] } | null {
  const table = onlyTable(dialect, node);
  if (table === null) return null;
  const params = new SqlParams();
  return { from: `${table.name} ${table.alias}`, where: new Compiler(dialect, ctx, params, isIndexedPath, table.name).node(node), params: params.values };
}
