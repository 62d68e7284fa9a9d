import { StoreError } from "./errors.js";

export type StoreLocation = { backend: "sqlite"; path: string } | { backend: "postgres"; url: string };

export const DEFAULT_STORE_URL = "sqlite:./data/provisio.db";

/**
 * Reads a store URL: "sqlite:<path>" ("sqlite::memory:" for a private in-memory database,
 * "sqlite:///abs/path" also works), "postgres://..." or "postgresql://...", or a plain file path
 * (SQLite).
 */
export function parseStoreUrl(url: string): StoreLocation {
  const trimmed = url.trim();
  if (trimmed === "") throw new StoreError("STORE_BAD_URL", "the store URL is empty");
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { backend: "postgres", url: trimmed };
  const sqlite = /^sqlite:(.*)$/i.exec(trimmed);
  if (sqlite) {
    let path = sqlite[1] ?? "";
    if (path.startsWith("//")) path = path.slice(2);
    if (path === "") throw new StoreError("STORE_BAD_URL", `no file in the SQLite store URL "${url}"`);
    return { backend: "sqlite", path };
  }
  // Anything else with a scheme is a backend we do not have (a single letter is a Windows drive).
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(trimmed);
  if (scheme && trimmed !== ":memory:") {
    throw new StoreError("STORE_BAD_URL", `unknown store "${scheme[1]}:" in "${url}" (use sqlite:<path> or postgres://...)`);
  }
  return { backend: "sqlite", path: trimmed };
}
