export { configSchema, type Config } from "./schema.js";
export { loadConfig, configKeys, ConfigError, type ConfigSources, type ConfigKey } from "./load.js";
