// The subset of pino the ACS uses, so tests can pass a silent or capturing logger; and the ACS's own:
// JSON lines for machines, one readable line per entry for a person at a terminal, secrets masked in both.

import { pino } from "pino";
import { isStoreUnavailable } from "../store/errors.js";
import { maskSecrets, maskUrlSecrets } from "./redact.js";

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** log.format: `auto` is `pretty` on a terminal and `json` elsewhere (a pipe, a file, a log collector). */
export type LogFormat = "auto" | "pretty" | "json";

export interface LoggerOptions {
  format?: LogFormat;
  /** Where lines go (standard output by default). */
  out?: { write(line: string): unknown; isTTY?: boolean };
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const out = options.out ?? process.stdout;
  const format = options.format ?? "auto";
  const pretty = format === "pretty" || (format === "auto" && out.isTTY === true);
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: (obj) => maskSecrets(obj) as Record<string, unknown> },
      // The standard serializer's object has a prototype of its own, which maskSecrets leaves alone.
      serializers: { err: (err: unknown) => maskSecrets(err instanceof Error ? { ...pino.stdSerializers.err(err) } : err) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === "string" ? maskUrlSecrets(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    pretty ? { write: (line: string) => out.write(prettyLine(line)) } : options.out === undefined ? pino.destination(1) : { write: (line: string) => out.write(line) },
  );
}

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const LEFT_OUT = new Set(["level", "time", "msg", "pid", "hostname", "err"]);

function valueText(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One of pino's JSON lines as `HH:MM:SS.mmm LEVEL message key=value ...`, an error's stack below it. */
export function prettyLine(json: string): string {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof e.time === "string" ? e.time.slice(11, 23) : "";
  const level = (LEVELS[e.level as number] ?? String(e.level)).padEnd(5);
  const fields = Object.entries(e)
    .filter(([k]) => !LEFT_OUT.has(k))
    .map(([k, v]) => `${k}=${valueText(v)}`);
  let text = [time, level, String(e.msg ?? ""), ...fields].join(" ").trimEnd();
  const err = e.err as { message?: string; stack?: string } | string | undefined;
  if (typeof err === "string") text += ` err=${valueText(err)}`;
  else if (err !== undefined) text += `\n    ${(err.stack ?? err.message ?? "").split("\n").join("\n    ")}`;
  return `${text}\n`;
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
