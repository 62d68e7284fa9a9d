// Where the commands that work on the database directly (`provisio apikey`) find it: the database
// `serve` uses, never a new empty one made by mistake. `npm start` runs `serve` in the checkout, so its
// SQLite database is ./data/provisio.db there, while these commands may be run from anywhere below it.

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config } from "../config/index.js";
import { storeUrl } from "../server/acs.js";
import { maskUrlSecrets } from "../server/redact.js";
import { openStore, parseStoreUrl, type Store } from "../store/index.js";

/** A mistake in how a command was run, told in one line, without a stack. */
export class CliError extends Error {
  override readonly name = "CliError";
}

export interface LocatedStore {
  url: string;
  /** Set when the database was found in a folder above the current one. */
  foundAbove: string | null;
}

const DEFAULT_DATA_DIR = "data";
const DB_FILE = "provisio.db";

/**
 * The store URL for a CLI command. An SQLite file that does not exist is an error unless `allowNew`;
 * with the default data folder, the folders above `cwd` are searched first.
 */
export function locateStore(config: Readonly<Config>, { cwd = process.cwd(), allowNew = false } = {}): LocatedStore {
  const url = storeUrl(config);
  const loc = parseStoreUrl(url);
  if (loc.backend === "postgres" || loc.path === ":memory:") return { url, foundAbove: null };
  const path = resolve(cwd, loc.path);
  if (existsSync(path)) return { url: `sqlite:${path}`, foundAbove: null };
  const defaultPlace = config.db === "" && resolve(cwd, config.dataDir) === resolve(cwd, DEFAULT_DATA_DIR);
  for (let dir = dirname(resolve(cwd)); defaultPlace; dir = dirname(dir)) {
    const candidate = join(dir, DEFAULT_DATA_DIR, DB_FILE);
    if (existsSync(candidate)) return { url: `sqlite:${candidate}`, foundAbove: candidate };
    if (dirname(dir) === dir) break;
  }
  if (allowNew) return { url: `sqlite:${path}`, foundAbove: null };
  throw new CliError(
    `no Provisio database at ${path}${defaultPlace ? " (nor in a data folder above it)" : ""}. ` +
      "Run the command in the folder where `provisio serve` (npm start) runs, or give it the same --config, --data-dir or --db as the ACS; " +
      "--new-database creates an empty one.",
  );
}

/** PostgreSQL's "undefined table". */
const UNDEFINED_TABLE = "42P01";

/**
 * Opens the store of locateStore. A PostgreSQL database without Provisio's tables is refused too unless
 * `allowNew` (opening it would create them there): the URL names a database, not necessarily the ACS's.
 */
export async function openCliStore(config: Readonly<Config>, options: { cwd?: string; allowNew?: boolean } = {}): Promise<{ store: Store; foundAbove: string | null }> {
  const where = locateStore(config, options);
  if (options.allowNew !== true && parseStoreUrl(where.url).backend === "postgres") {
    const probe = await openStore(where.url, { migrate: false });
    try {
      // The devices table is in the first migration: any Provisio database has it.
      await probe.devices.get("-");
    } catch (err) {
      if ((err as { code?: unknown }).code !== UNDEFINED_TABLE) throw err;
      throw new CliError(`the database ${maskUrlSecrets(where.url)} has no Provisio tables: is it the one the ACS uses? --new-database creates them.`);
    } finally {
      await probe.close();
    }
  }
  return { store: await openStore(where.url), foundAbove: where.foundAbove };
}
