// Command-line options of the benchmarks: `--name value` pairs and bare flags, read where they are used;
// and the database a benchmark fills when it is given none.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The value after `--name`, or undefined when the option is absent. */
export function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
}

/**
 * The PostgreSQL server a benchmark makes its own database on: `--pg URL`, else PROVISIO_TEST_PG_URL;
 * without either it cannot run.
 */
export function pgServerOption(argv: readonly string[]): string {
  const url = option(argv, "pg") ?? process.env.PROVISIO_TEST_PG_URL;
  if (url === undefined) throw new Error("--pg URL: a PostgreSQL server where the user may create a database (scripts/pg-cluster.mjs starts one)");
  return url;
}

/**
 * The database a benchmark runs on: `url` when given (PostgreSQL needs one), else a new SQLite file in a
 * temporary folder, which `remove` deletes (a given URL is left alone).
 */
export function benchDatabase(backend: "sqlite" | "postgres", url: string | undefined, name: string): { url: string; remove(): void } {
  if (url !== undefined) return { url, remove: () => undefined };
  if (backend === "postgres") throw new Error("--url postgres://... is needed for PostgreSQL");
  const dir = mkdtempSync(join(tmpdir(), `provisio-${name}-bench-`));
  return { url: `sqlite:${join(dir, "bench.sqlite")}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
