import { Command } from "commander";
import { ConfigError } from "../config/index.js";
import { maskUrlSecrets } from "../server/redact.js";
import { provisioVersion } from "../server/version.js";
import { isStoreUnavailable, StoreError } from "../store/index.js";
import { addApiKeyCommand } from "./apikey.js";
import { addImportCommand } from "./import-genieacs.js";
import { addFleetCommand } from "./fleet.js";
import { addTenantCommand } from "./tenant.js";
import { CliError } from "./cli-store.js";
import { addServeCommand } from "./serve.js";
import { addSimCommand } from "./sim.js";
import { addUserCommand } from "./user.js";

export function buildProgram(): Command {
  const program = new Command("provisio")
    .description("Provisio: a TR-069 (CWMP) Auto Configuration Server and CPE simulator")
    .version(provisioVersion(), "-V, --version", "print the version and exit")
    .helpOption("-h, --help", "show this help")
    .showHelpAfterError();
  addServeCommand(program);
  addApiKeyCommand(program);
  addUserCommand(program);
  addTenantCommand(program);
  addSimCommand(program);
  addImportCommand(program);
  addFleetCommand(program);
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
    // Whatever is printed goes through maskUrlSecrets: a database URL in a message carries its password.
    if (err instanceof ConfigError || err instanceof CliError) {
      process.stderr.write(`provisio: ${maskUrlSecrets(err.message)}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof StoreError || isStoreUnavailable(err)) {
      process.stderr.write(`provisio: ${maskUrlSecrets((err as Error).message)}\n`);
      process.exitCode = 1;
      return;
    }
    // A system error (a refused connection, a missing file) is told by its message; anything else is a
    // bug, whose stack helps.
    const systemError = err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string";
    const text = err instanceof Error ? (systemError ? err.message : (err.stack ?? err.message)) : String(err);
    process.stderr.write(`provisio: ${maskUrlSecrets(text)}\n`);
    process.exitCode = 1;
  }
}
