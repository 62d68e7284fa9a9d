// `npm run bench:X -- --help`: a benchmark says what it measures and how it is called, and starts
// nothing (without this, --help was ignored and the whole run began). The text is the comment that
// opens the benchmark's file, which each one keeps as its usage.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isScript } from "./run-main.js";

/** The comment lines that open `source`, without their `//`, up to the first line of code. */
export function leadingComment(source: string): string {
  const lines: string[] = [];
  for (const line of source.split("\n")) {
    if (!line.startsWith("//")) break;
    lines.push(line.replace(/^\/\/ ?/, ""));
  }
  return lines.join("\n").trim();
}

/**
 * With --help or -h among the arguments of the benchmark node runs: prints its module's opening comment
 * and exits.
 */
export function exitOnHelp(moduleUrl: string, argv: readonly string[] = process.argv.slice(2)): void {
  if ((!argv.includes("--help") && !argv.includes("-h")) || !isScript(moduleUrl)) return;
  const text = leadingComment(readFileSync(fileURLToPath(moduleUrl), "utf8"));
  process.stdout.write(`${text || "(this benchmark describes itself in no comment)"}\n`);
  process.exit(0);
}
