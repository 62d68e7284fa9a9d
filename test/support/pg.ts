// Test databases, and running a suite on every available storage backend.
//
// PostgreSQL tests use the server at PROVISIO_TEST_PG_URL (npm test starts a throwaway cluster and sets
// it when the PostgreSQL server binaries are installed). Each test file gets its own database (created
// with a random name, dropped at the end); each store a test opens gets its own schema in it, so tests
// never see each other's rows.
import Database from "better-sqlite3";
import { after, describe, type TestContext } from "node:test";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openStore, parseStoreUrl, type OpenStoreOptions, type Store } from "../../src/store/index.js";
import { whenNotBusy } from "../../src/store/sqlite/busy.js";

export const PG_URL_ENV = "PROVISIO_TEST_PG_URL";

export type BackendName = "sqlite" | "postgres";

/** The URL of the test PostgreSQL server, or undefined when there is none. */
export function pgServerUrl(): string | undefined {
  const url = process.env[PG_URL_ENV];
  return url && url.trim() !== "" ? url.trim() : undefined;
}

export const PG_MISSING_MESSAGE =
  `${PG_URL_ENV} is not set, so the PostgreSQL backend cannot be tested. Run the tests with \`npm test\`, which starts a ` +
  "throwaway PostgreSQL cluster when the server binaries are installed (Debian: apt-get install postgresql), or set " +
  `${PG_URL_ENV}=postgres://user@host:port/db to a server where that user may CREATE DATABASE.`;

function randomName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, "")}`;
}

async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  /** Drops the database (closing any connection still open to it). */
  drop(): Promise<void>;
}

/** Creates an empty database on the test server. */
export async function createTestDatabase(serverUrl: string, extraSql = ""): Promise<TestDatabase> {
  const name = randomName("provisio_test");
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE "${name}" ${extraSql}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** The URL of a new, empty schema in `databaseUrl` (selected through search_path). */
export async function createTestSchema(databaseUrl: string): Promise<string> {
  const schema = randomName("s");
  await withAdmin(databaseUrl, (c) => c.query(`CREATE SCHEMA "${schema}"`));
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

/**
 * Runs one SQL statement (with $1, $2, ... placeholders) directly on the database behind a store URL,
 * to look under the store or to tamper with it.
 */
export async function queryDirect(storeUrl: string, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const location = parseStoreUrl(storeUrl);
  if (location.backend === "postgres") {
    return withAdmin(location.url, async (c) => (await c.query(sql, params)).rows as Record<string, unknown>[]);
  }
  const order: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_m, i: string) => {
    order.push(params[Number(i) - 1]);
    return "?";
  });
  // better-sqlite3 would wait for a lock synchronously, blocking this process's event loop, and with
  // it an in-process ACS that must run to release the lock: wait asynchronously, as the store does.
  const db = new Database(location.path, { timeout: 0 });
  try {
    const stmt = db.prepare(text);
    if (stmt.reader) return await whenNotBusy(() => stmt.all(...order) as Record<string, unknown>[], { timeoutMs: 10_000 });
    await whenNotBusy(() => stmt.run(...order), { timeoutMs: 10_000 });
    return [];
  } finally {
    db.close();
  }
}

export interface Backend {
  readonly name: BackendName;
  /** A new store on a new, empty database; closed when the suite ends. */
  open(options?: OpenStoreOptions): Promise<Store>;
  /** The URL of a new, empty database, for tests that open several stores (or processes) on one; they close what they open. */
  freshUrl(): Promise<string>;
}

function sqliteBackend(): Backend & { cleanup(): Promise<void> } {
  let dir: string | null = null;
  let n = 0;
  const stores: Store[] = [];
  const freshUrl = () => {
    dir ??= mkdtempSync(join(tmpdir(), "provisio-store-"));
    return Promise.resolve(`sqlite:${join(dir, `db-${++n}.sqlite`)}`);
  };
  return {
    name: "sqlite",
    freshUrl,
    async open(options) {
      const store = await openStore(await freshUrl(), options);
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(serverUrl: string): Backend & { cleanup(): Promise<void> } {
  let database: Promise<TestDatabase> | null = null;
  const stores: Store[] = [];
  const freshUrl = async () => {
    database ??= createTestDatabase(serverUrl);
    return createTestSchema((await database).url);
  };
  return {
    name: "postgres",
    freshUrl,
    async open(options) {
      const store = await openStore(await freshUrl(), options);
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close()));
      if (database) await (await database).drop();
    },
  };
}

/** The backends this run can test: SQLite always, PostgreSQL when PROVISIO_TEST_PG_URL is set. */
export function availableBackends(): BackendName[] {
  return pgServerUrl() ? ["sqlite", "postgres"] : ["sqlite"];
}

/** A harness for one backend, whose databases are removed when the surrounding suite ends. */
export function backend(name: BackendName): Backend {
  let b: Backend & { cleanup(): Promise<void> };
  if (name === "sqlite") {
    b = sqliteBackend();
  } else {
    const url = pgServerUrl();
    if (!url) throw new Error(PG_MISSING_MESSAGE);
    b = postgresBackend(url);
  }
  after(() => b.cleanup());
  return b;
}

/**
 * Defines the suite `fn` once per available backend, in a `describe` named after it. Storage-touching
 * tests anywhere in the project use this so that they run on SQLite and on PostgreSQL alike.
 */
export function forEachBackend(fn: (backend: Backend) => void): void {
  for (const name of availableBackends()) {
    describe(name, () => {
      fn(backend(name));
    });
  }
}

/** A store of its own for one test, closed when the test ends. */
export async function freshStore(b: Backend, ctx: TestContext): Promise<Store> {
  const s = await b.open();
  ctx.after(() => s.close());
  return s;
}

/**
 * Two stores on one new database, as two processes have them (`store` opened with `options`), closed
 * when the test ends; `url`, the database's.
 */
export async function twoStores(b: Backend, ctx: TestContext, options?: OpenStoreOptions): Promise<{ url: string; store: Store; other: Store }> {
  const url = await b.freshUrl();
  const store = await openStore(url, options);
  ctx.after(() => store.close());
  const other = await openStore(url);
  ctx.after(() => other.close());
  return { url, store, other };
}
