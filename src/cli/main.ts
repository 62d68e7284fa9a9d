import { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../config/index.js";
import { addApiKeyCommand } from "./apikey.js";
import { addServeCommand } from "./serve.js";
import { addSimCommand } from "./sim.js";

/** The version in the package.json above this file (dist/ or a private build folder alike). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version: string };
      if (pkg.name === "provisio") return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
  }
}

export function buildProgram(): Command {
  const program = new Command("provisio")
    .description("Provisio: a TR-069 (CWMP) Auto Configuration Server and CPE simulator")
    .version(packageVersion(), "-V, --version", "print the version and exit")
    .helpOption("-h, --help", "show this help")
    .showHelpAfterError();
  addServeCommand(program);
  addApiKeyCommand(program);
  addSimCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp();
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`provisio: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}
