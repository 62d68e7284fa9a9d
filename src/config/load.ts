// Builds the one configuration object from defaults, a JSON file, the environment and command-line
// flags, later sources winning. Pure: the caller reads the file and passes the environment.

import { Value } from "@sinclair/typebox/value";
import type { TObject, TSchema } from "@sinclair/typebox";
import { compatProfileProblems } from "./compat.js";
import { configSchema, type Config } from "./schema.js";

export interface ConfigSources {
  /** The parsed configuration file, if any. */
  file?: unknown;
  /** Environment variables; PROVISIO_* ones are read (e.g. PROVISIO_CWMP_PORT for cwmp.port). */
  env?: Record<string, string | undefined>;
  /** Flags as dotted keys ("cwmp.port") with string or typed values. */
  flags?: Record<string, unknown>;
}

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export interface ConfigKey {
  /** Dotted path, e.g. "cwmp.sessionTimeout". */
  path: string;
  /** Environment variable, e.g. PROVISIO_CWMP_SESSION_TIMEOUT. */
  env: string;
  schema: TSchema;
}

function isObjectSchema(s: TSchema): s is TObject {
  return s.type === "object" && typeof (s as TObject).properties === "object";
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Every leaf key of the configuration, with its environment variable. */
export function configKeys(schema: TObject = configSchema, prefix: string[] = []): ConfigKey[] {
  const out: ConfigKey[] = [];
  for (const [name, s] of Object.entries(schema.properties)) {
    const path = [...prefix, name];
    if (isObjectSchema(s)) out.push(...configKeys(s, path));
    else out.push({ path: path.join("."), env: `PROVISIO_${path.map(snake).join("_")}`, schema: s });
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== "object" || node[p] === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function merge(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && typeof target[k] === "object" && target[k] !== null && !Array.isArray(target[k])) {
      merge(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    } else {
      target[k] = v;
    }
  }
}

/** A string from the environment or a flag, shaped for its key (arrays are comma-separated). */
function fromText(key: ConfigKey, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (key.schema.type === "array" && (key.schema.items as TSchema | undefined)?.type === "object") return jsonOrText(value);
  if (key.schema.type === "array") return value.split(",").map((v) => v.trim()).filter((v) => v.length > 0);
  return value;
}

/** Lists of objects are given as JSON; text that is not JSON stays text, for validation to refuse. */
function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  if (sources.file !== undefined) {
    if (sources.file === null || typeof sources.file !== "object" || Array.isArray(sources.file)) problems.push("the configuration file must hold a JSON object");
    else merge(raw, structuredClone(sources.file) as Record<string, unknown>);
  }
  const keys = configKeys();
  const byPath = new Map(keys.map((k) => [k.path, k]));
  for (const key of keys) {
    const v = sources.env?.[key.env];
    if (v !== undefined && v !== "") setPath(raw, key.path, fromText(key, v));
  }
  const knownEnv = new Set(keys.map((k) => k.env));
  for (const name of Object.keys(sources.env ?? {})) {
    if (name.startsWith("PROVISIO_") && !knownEnv.has(name) && !name.startsWith("PROVISIO_TEST_")) problems.push(`${name}: no such setting`);
  }
  for (const [path, v] of Object.entries(sources.flags ?? {})) {
    const key = byPath.get(path);
    if (key === undefined) problems.push(`--set ${path}: no such setting`);
    else if (v !== undefined) setPath(raw, path, fromText(key, v));
  }
  const withDefaults = Value.Default(configSchema, raw);
  const converted = Value.Convert(configSchema, withDefaults);
  if (!Value.Check(configSchema, converted)) {
    for (const e of Value.Errors(configSchema, converted)) {
      problems.push(`${e.path.slice(1).replace(/\//g, ".") || "(root)"}: ${e.message}${e.value === undefined ? "" : ` (got ${JSON.stringify(e.value)})`}`);
      if (problems.length >= 20) break;
    }
  } else {
    problems.push(...compatProfileProblems((converted as Config).cwmp.compatProfiles));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(converted as Config);
}
