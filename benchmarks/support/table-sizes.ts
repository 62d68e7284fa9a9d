// Bytes on disk per table and per index of a store, read from the database itself: SQLite's dbstat
// (pages of each b-tree), PostgreSQL's pg_table_size (heap, TOAST, free space and visibility maps) and
// pg_relation_size of each index, in the store's schema.
import Database from "better-sqlite3";
import pg from "pg";
import { parseStoreUrl } from "../../src/store/index.js";

export interface RelationSize {
  /** The table the relation belongs to (itself for a table). */
  table: string;
  name: string;
  kind: "table" | "index";
  bytes: number;
}

export async function relationSizes(url: string): Promise<RelationSize[]> {
  const location = parseStoreUrl(url);
  if (location.backend === "sqlite") {
    const db = new Database(location.path, { readonly: true });
    try {
      const rows = db.prepare(
        `SELECT m.tbl_name AS tbl, s.name AS name, m.type AS type, SUM(s.pgsize) AS bytes
         FROM dbstat s JOIN sqlite_master m ON m.name = s.name GROUP BY s.name`,
      ).all() as { tbl: string; name: string; type: string; bytes: number }[];
      return rows.map((r) => ({ table: r.tbl, name: r.name, kind: r.type === "index" ? "index" : "table", bytes: Number(r.bytes) }));
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  try {
    const rows = (await client.query<{ tbl: string; name: string; kind: string; bytes: string }>(
      `SELECT t.relname AS tbl, t.relname AS name, 'table' AS kind, pg_table_size(t.oid)::text AS bytes
         FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND t.relkind = 'r'
       UNION ALL
       SELECT t.relname, i.relname, 'index', pg_relation_size(i.oid)::text
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()`,
    )).rows;
    return rows.map((r) => ({ table: r.tbl, name: r.name, kind: r.kind === "index" ? "index" : "table", bytes: Number(r.bytes) }));
  } finally {
    await client.end();
  }
}
