// What differs between backends, as hooks the shared repositories call. A backend folder provides one
// Dialect; the core never asks which backend it runs on.
import type { PatternPart } from "../../query/pattern.js";
import type { JsonValue } from "../types.js";
import type { StoreErrorCode } from "../errors.js";

/** int is 32-bit on PostgreSQL; bigint and real (a double) are for derived values and times in milliseconds. */
export type ColumnType = "text" | "bool" | "int" | "bigint" | "real" | "date" | "json";

/** Element types of array parameters (`inArray`). */
export type ArrayType = "text" | "real" | "bigint" | "date";

export interface RowColumn {
  name: string;
  type: ColumnType;
}

export interface DialectCapabilities {
  /**
   * INSERT/UPDATE/DELETE inside WITH, so that several writes can be one statement: atomic without a
   * transaction, and one round trip instead of four (BEGIN, two writes, COMMIT).
   */
  readonly writableCte: boolean;
  /**
   * The column of `parameters` the value index holds when it is not `value` itself: PostgreSQL's btree
   * refuses rows over about 2.7 kB, so it indexes `value_key`, the first `chars` characters of the value
   * (a stored generated column: an expression index would not allow index-only scans), and filters
   * compare on it. Null when the index holds whole values (SQLite).
   */
  readonly valueKey: { column: string; chars: number } | null;
  /**
   * Statements are calls into this process, not round trips to a server (SQLite). A few small statements
   * then cost less than one over a JSON row source (measured: about a third), and setValues reads the
   * current values to rewrite only the changed ones, since an equal value rewritten still moves its
   * entries in four indexes. False (PostgreSQL): one statement for the whole batch, without the read.
   */
  readonly inProcess: boolean;
  /**
   * `FOR UPDATE SKIP LOCKED` in a claim's subquery, so that claimers pass over each other's rows instead
   * of queueing for them (PostgreSQL). False: writers take turns anyway (SQLite's one writer).
   */
  readonly skipLocked: boolean;
  /**
   * The time of a device's last Inform is in device_informs, a row per device (migration 29, PostgreSQL):
   * an indexed column of devices that changes at every Inform made every Inform's update of devices add
   * an entry to each of its indexes, never a HOT update. False: devices.last_inform_at (SQLite, which
   * rewrites only the indexes of the columns an UPDATE sets, so gains nothing from the move and would pay
   * a probe of devices per device a filter on the time matches).
   */
  readonly informsTable: boolean;
}

export interface Dialect {
  readonly name: "sqlite" | "postgres";
  readonly capabilities: DialectCapabilities;

  // Value codecs: JavaScript value -> bound parameter, and column value -> JavaScript value.
  date(value: Date | null | undefined): unknown;
  readDate(value: unknown): Date | null;
  bool(value: boolean | null | undefined): unknown;
  readBool(value: unknown): boolean | null;
  /** Encodes a JSON value for a JSON column (`undefined`, which JSON cannot hold, as JSON null). */
  json(value: JsonValue | undefined): unknown;
  /** Decodes a JSON column; SQL NULL reads as JSON null. */
  readJson(value: unknown): JsonValue;

  /**
   * A condition "`expr` is one of the strings in array parameter `param`", with the array bound as one
   * parameter (encoded by `textArray`), so that the statement text does not depend on the array length.
   */
  inTextArray(expr: string, param: string): string;
  textArray(values: readonly string[]): unknown;
  /** `inTextArray` for other element types; `array` encodes the values (Dates for "date", numbers otherwise). */
  inArray(expr: string, param: string, type: ArrayType): string;
  array(values: readonly unknown[], type: ArrayType): unknown;

  /**
   * A condition "device `d` has a row in `table` (aliased `alias`, with a device_id column) for which
   * `where` holds"; never NULL. The form is the one the backend's planner does best with over a large
   * table (measured: see sql/filter.ts).
   */
  deviceHasRow(table: string, alias: string, where: string): string;

  /**
   * A derived table aliased `r`, with the given columns, holding `rows` (each row's values in column
   * order, already in JavaScript form). Its parameters start at `$firstParam`. Used for batch writes:
   * one statement and one round trip whatever the number of rows.
   */
  rowSource(firstParam: number, columns: readonly RowColumn[], rows: readonly (readonly unknown[])[]): { sql: string; params: unknown[] };

  /** An expression giving the sorted tags of device `deviceIdExpr` (read back with `readTags`). */
  tagsOf(deviceIdExpr: string): string;
  readTags(value: unknown): string[];

  /**
   * A condition "text `expr` matches, as a whole and case-sensitively, the pattern bound as `param`"
   * (encoded by `pattern`): `*` any run of characters, `?` one character (code point), the rest literal.
   */
  matchPattern(expr: string, param: string): string;
  pattern(parts: readonly PatternPart[]): string;

  /** A derived table of one column, `value`, holding the strings of array parameter `param` (encoded by `textArray`). */
  textRows(param: string): string;

  /**
   * For a write of values to paths a device's tree has already, without reading it: the SET and WHERE
   * of an UPDATE of device_trees that merges into each record named in the JSON object `patchParam`
   * (records keyed by path id, null members to remove) and matches only a tree that has every key of
   * the text array `idsParam`. A small tree is merged into; a large one's records are merged into its
   * `recent` document, or with it into the tree when it would pass RECENT_BYTES (sql/tree.ts).
   */
  treePatch(patchParam: string, idsParam: string): { set: string; where: string };

  /**
   * Whether that UPDATE follows a statement that tells whether the tree has every path (the read a
   * read-modify-write would make, handing the tree back when it has not), rather than being tried
   * first. SQLite: statements are calls in process, so a write is two statements whatever its paths,
   * as the read-modify-write was. PostgreSQL: the usual write is one round trip; a path new to the tree
   * costs more.
   */
  readonly treePatchChecksFirst: boolean;

  /** `expr`, a JSON text, as the value of a JSON document column (device_trees.tree). */
  jsonText(expr: string): string;

  /** JSON document column `expr` as JSON text, for the ACS to parse (SQLite keeps it as JSONB). */
  documentText(expr: string): string;

  /**
   * The bytes JSON document value `expr` takes, read without decoding it: SQLite's JSONB as stored;
   * PostgreSQL's pg_column_size, compressed for a stored row's value, whole for a value just computed
   * (what an UPDATE's RETURNING sees).
   */
  jsonBytes(expr: string): string;

  /** What a SELECT of one row ends with to lock it until the transaction ends ("" where writers take turns anyway). */
  readonly forUpdate: string;

  /**
   * Transactions that may still work from what they read before a change committed (the operator's
   * indexed parameters wait for them, docs/scale.md): `mark`, an SQL expression of the server's clock
   * to store once the change is committed, and `count(mark)`, a query of how many other transactions
   * of the database began before that stored mark (column `n`). Null where writers take turns on the
   * whole database (SQLite): none can be older than a committed change.
   */
  readonly olderTransactions: { mark: string; count: (mark: string) => string } | null;

  /**
   * A derived table of the records of one path in every device's tree (device_trees, sql/tree.ts), the
   * path bound as `pathParam`: device_id and what param_index holds (value, value_num, value_time,
   * value_bool, and valueKey's column where the dialect has one), so that a filter condition reads the
   * same on either. A scan of the trees: for the paths that are not indexed.
   */
  treeRecords(pathParam: string): string;

  /** 1-based position of `needle` in `haystack`, 0 when absent. */
  strpos(haystack: string, needle: string): string;

  /** Recognizes driver errors callers can act on. */
  classifyError(err: unknown): Extract<StoreErrorCode, "STORE_UNKNOWN_REFERENCE" | "STORE_DUPLICATE"> | null;
}
