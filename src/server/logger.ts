// The subset of pino the ACS uses, so tests can pass a silent or capturing logger.

import { pino } from "pino";

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
