// Benchmarks whose modules tests also import: `main` runs only when the file is the script node was
// started with, never under node --test (which sets NODE_TEST_CONTEXT).

import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Whether `moduleUrl` (the caller's import.meta.url) is the script node was started with, not a module
 * it imported (some benchmarks import others' fleets). Compared as real paths: node resolves symbolic
 * links in import.meta.url but not in argv[1].
 */
export function isScript(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Runs `main` when `moduleUrl` (the caller's import.meta.url) is node's script; a failure sets exit code 1. */
export function runIfScript(moduleUrl: string, main: () => Promise<void>): void {
  if (process.env.NODE_TEST_CONTEXT !== undefined || !isScript(moduleUrl)) return;
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
