// The subset of pino the ACS uses, so tests can pass a silent or capturing logger.

import { pino } from "pino";
import { isStoreUnavailable } from "../store/errors.js";

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function createLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Logs the failure of a background pass that runs again by itself. One for want of the database is
 * logged at debug only: the store reports the outage once when it starts and once when it ends
 * (store-open.ts), where every pass of every loop would otherwise log it, several times a second.
 */
export function logPassFailure(log: Logger, level: "warn" | "error", err: unknown, msg: string, fields: object = {}): void {
  if (isStoreUnavailable(err)) log.debug({ ...fields, err: (err as Error).message }, msg);
  else log[level]({ ...fields, err }, msg);
}
