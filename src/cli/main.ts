import { Command } from "commander";
import { ConfigError } from "../config/index.js";
import { provisioVersion } from "../server/version.js";
import { addApiKeyCommand } from "./apikey.js";
import { CliError } from "./cli-store.js";
import { addServeCommand } from "./serve.js";
import { addSimCommand } from "./sim.js";

export function buildProgram(): Command {
  const program = new Command("provisio")
    .description("Provisio: a TR-069 (CWMP) Auto Configuration Server and CPE simulator")
    .version(provisioVersion(), "-V, --version", "print the version and exit")
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
    if (err instanceof ConfigError || err instanceof CliError) {
      process.stderr.write(`provisio: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}
