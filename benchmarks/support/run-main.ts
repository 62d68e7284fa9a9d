// Benchmarks whose modules tests also import: `main` runs only when the file is the script node was
// started with, never under node --test (which sets NODE_TEST_CONTEXT).

import { pathToFileURL } from "node:url";

/** Runs `main` when `moduleUrl` (the caller's import.meta.url) is node's script; a failure sets exit code 1. */
export function runIfScript(moduleUrl: string, main: () => Promise<void>): void {
  if (process.env.NODE_TEST_CONTEXT !== undefined || process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
