// How much disk a store takes, read beside the store (its file, or the server's own accounting), for
// the commands and benchmarks that report it.
import { statSync } from "node:fs";
import pg from "pg";
import { parseStoreUrl } from "./url.js";

/**
 * Bytes on disk of the database at `url`: the SQLite file with its WAL, or `pg_database_size` of the
 * PostgreSQL database (every schema in it). Null for an in-memory SQLite database.
 */
export async function diskBytes(url: string): Promise<number | null> {
  const location = parseStoreUrl(url);
  if (location.backend === "sqlite") {
    if (location.path === ":memory:") return null;
    let bytes = 0;
    for (const f of [location.path, `${location.path}-wal`]) {
      try {
        bytes += statSync(f).size;
      } catch {
        // no WAL (checkpointed and removed)
      }
    }
    return bytes;
  }
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  try {
    const rows = (await client.query<{ n: string }>("SELECT pg_database_size(current_database())::text AS n")).rows;
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
