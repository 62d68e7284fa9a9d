// bench:sessions --against DIR: the other checkout's built `provisio serve` is the one started for its
// target (checkoutCli), with the arguments this checkout's would get.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { checkoutCli, SERVE_READY, serveArgs, startProcess, stopProcess } from "../../benchmarks/support/processes.js";

it("starts the serve of the checkout it is given, with the benchmark's arguments", async (ctx) => {
  const root = mkdtempSync(join(tmpdir(), "provisio-against-"));
  ctx.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "dist/src/cli"), { recursive: true });
  const seen = join(root, "argv.json");
  // A stand-in for another version's CLI: it records what it was run with and says it listens, as serve does.
  writeFileSync(join(root, "dist/src/cli/main.js"), [
    `import { writeFileSync } from "node:fs";`,
    `export function main(argv) {`,
    `  writeFileSync(${JSON.stringify(seen)}, JSON.stringify(argv.slice(2)));`,
    `  console.log("CWMP endpoint (ManagementServer.URL):   http://127.0.0.1:4242/");`,
    `  setInterval(() => undefined, 1000);`,
    `}`,
  ].join("\n"));
  const { child, url } = await startProcess(serveArgs({ db: "sqlite:/nowhere/x.db", dataDir: root, username: "u", password: "p", cli: checkoutCli(root) }), SERVE_READY);
  try {
    assert.equal(url, "http://127.0.0.1:4242/");
    const argv = JSON.parse(readFileSync(seen, "utf8")) as string[];
    assert.equal(argv[0], "serve");
    assert.equal(argv[argv.indexOf("--db") + 1], "sqlite:/nowhere/x.db");
  } finally {
    await stopProcess(child);
  }
});
