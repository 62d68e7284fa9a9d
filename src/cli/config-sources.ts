// Gathers configuration sources for a command: the JSON file (--config, else PROVISIO_CONFIG), the
// environment, and flags. Reading the file happens here, at the edge; loadConfig itself is pure.

import { readFileSync } from "node:fs";
import { ConfigError, loadConfig, type Config } from "../config/index.js";

export interface CommonFlags {
  config?: string;
  set?: string[];
}

/** `--set key=value`, repeatable. */
export function collectSet(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function configFrom(flags: CommonFlags, named: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const file = flags.config ?? env.PROVISIO_CONFIG;
  let parsed: unknown;
  if (file !== undefined && file !== "") {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new ConfigError([`cannot read the configuration file ${file}: ${(err as Error).message}`]);
    }
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError([`${file} is not valid JSON: ${(err as Error).message}`]);
    }
  }
  const flagValues: Record<string, unknown> = {};
  for (const item of flags.set ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new ConfigError([`--set ${item}: expected key=value`]);
    flagValues[item.slice(0, eq)] = item.slice(eq + 1);
  }
  for (const [k, v] of Object.entries(named)) if (v !== undefined) flagValues[k] = v;
  const { PROVISIO_CONFIG: _ignored, ...rest } = env;
  return loadConfig({ file: parsed, env: rest, flags: flagValues });
}
