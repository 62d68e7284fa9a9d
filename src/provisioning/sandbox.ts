// Script provisions run in a V8 isolate (isolated-vm): their own heap with a memory limit, a time
// limit, and nothing of Node's: no require, no process, no files, no network, no timers. A script sees
// its arguments, the time, and a copy of what is known of the device; it declares the state it wants
// with the same declarations declarative provisions use. It runs on isolated-vm's own thread, so a
// script that loops or allocates without bound is stopped without holding up other sessions.
//
// The script's API:
//   args                      the provision's arguments
//   now                       milliseconds since the epoch (scripts must not read clocks themselves)
//   get(path)                 { value, type } for a known parameter; undefined when unknown (it is then
//                             fetched, and the script runs again with it)
//   declare(path, wanted)     wanted: { value, type, maxAge, notification, accessList, instances }
//   log(...values)            kept for the operator (bounded)
//   wanted                    for a virtual parameter's script: the value asked for it (undefined when
//                             it is only read); the script returns { value, type? }, its value now
//
// Scripts of the GenieACS dialect get GenieACS's API instead (genieacs/api.ts), over richer input.

import ivm from "isolated-vm";
import type { Declaration } from "./declarations.js";
import { genieacsApi, type GenieInput, type GenieOutput } from "./genieacs/api.js";

export type ScriptDialect = "provisio" | "genieacs";

export interface SandboxLimits {
  /** Heap of the isolate, in MiB (at least 8). */
  memoryMb: number;
  /** Longest run, in milliseconds. */
  timeoutMs: number;
}

export const defaultSandboxLimits: SandboxLimits = { memoryMb: 32, timeoutMs: 200 };

export interface ScriptInput {
  args: unknown;
  now: number;
  /** What is known: path → value and type; a path absent here is unknown. */
  known: Record<string, { value: string; type: string }>;
  /** A virtual parameter's script: the value asked for (absent: only read). */
  wanted?: string | number | boolean;
  /** Present: the script is of the GenieACS dialect, and this is what its API reads (`known` is not used). */
  genieacs?: GenieInput;
}

export interface ScriptResult {
  declarations: Declaration[];
  /** Paths the script asked for that are unknown: fetch them, then run it again. */
  missing: string[];
  /** Every path the script read, known or not. */
  reads: string[];
  /** What the script returned (JSON-copied; null when it returned nothing). */
  result: unknown;
  logs: string[];
  /** A GenieACS-dialect run's tags, clears, pending ext() calls and whether it stopped to wait for data. */
  genieacs?: Pick<GenieOutput, "tags" | "clears" | "ext" | "incomplete">;
}

/** What runs scripts for the provisioner: the sandbox itself, or the ACS's cache of runs in front of it. */
export interface ScriptRunner {
  run(code: string, input: ScriptInput): Promise<ScriptResult>;
}

export type SandboxErrorCode = "SCRIPT_TIMEOUT" | "SCRIPT_MEMORY" | "SCRIPT_ERROR" | "SCRIPT_COMPILE" | "SCRIPT_RESULT" | "EXT_FAILED" | "EXT_TIMEOUT";

/** Internal: the isolate was disposed under a run (by that run's script, or by another's). */
class IsolateGone extends Error {}

export class SandboxError extends Error {
  constructor(
    readonly code: SandboxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SandboxError";
  }
}

// Evaluated in the isolate before the script: the API, over plain data copied in as JSON.
const PRELUDE = `
const __in = JSON.parse(__input);
const args = __in.args;
const now = __in.now;
const wanted = __in.wanted;
const __declarations = [];
const __missing = [];
const __reads = [];
const __logs = [];
function get(path) {
  if (typeof path !== "string") throw new TypeError("get(path): path must be a string");
  if (!__reads.includes(path)) __reads.push(path);
  const v = __in.known[path];
  if (v === undefined) { if (!__missing.includes(path)) __missing.push(path); return undefined; }
  return { value: v.value, type: v.type };
}
function declare(path, wanted) {
  if (typeof path !== "string") throw new TypeError("declare(path, wanted): path must be a string");
  __declarations.push(Object.assign({}, wanted || {}, { path }));
}
function log(...values) {
  if (__logs.length < 50) __logs.push(values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(" ").slice(0, 500));
}
`;

const EPILOGUE = `
JSON.stringify({ declarations: __declarations, missing: __missing, reads: __reads, result: __result === undefined ? null : __result, logs: __logs });
`;

// The script runs inside a function so that `return` ends it early and its names stay local.
const HEAD = `${PRELUDE}\nconst __result = (function () {\n`;
const TAIL = `\n})();\n${EPILOGUE}`;

// GenieACS's API, built by genieacs/api.ts's function from its own source; the script's exceptions that
// only mean "wait for data" end the run as incomplete instead of failing it.
const GENIE_HEAD = `
const __in = JSON.parse(__input);
const __g = (${genieacsApi.toString()})(__in.genieacs, __in.now, __in.args);
const args = __g.args, declare = __g.declare, clear = __g.clear, commit = __g.commit, log = __g.log, ext = __g.ext;
globalThis.Date = __g.Date;
let __result = null;
try { __result = (function () {
`;
const GENIE_TAIL = `
})(); } catch (__e) { if (!__g.interrupted(__e)) throw __e; }
JSON.stringify(__g.finish(__result));
`;

const WRAPPERS: Record<ScriptDialect, { head: string; tail: string }> = { provisio: { head: HEAD, tail: TAIL }, genieacs: { head: GENIE_HEAD, tail: GENIE_TAIL } };

function compileIn(isolate: ivm.Isolate, code: string, dialect: ScriptDialect): ivm.Script {
  const { head, tail } = WRAPPERS[dialect];
  // Positions count from the script's own first line, not from the wrapper's.
  const origin = { filename: "script", lineOffset: -(head.split("\n").length - 1) };
  try {
    return isolate.compileScriptSync(head + code + tail, origin);
  } catch (err) {
    const message = (err as Error).message.replace(/\s*\[script:(\d+):(\d+)\]$/, " (line $1, column $2)");
    throw new SandboxError("SCRIPT_COMPILE", `the script does not compile: ${message}`);
  }
}

/** One isolate, reused for every run (a fresh context each time); replaced when a script exhausts it. */
export class ScriptSandbox implements ScriptRunner {
  private isolate: ivm.Isolate | null = null;
  private readonly compiled = new Map<string, ivm.Script>();

  constructor(private readonly limits: SandboxLimits = defaultSandboxLimits) {}

  private ensureIsolate(): ivm.Isolate {
    if (this.isolate === null || this.isolate.isDisposed) {
      this.isolate = new ivm.Isolate({ memoryLimit: Math.max(8, this.limits.memoryMb) });
      this.compiled.clear();
    }
    return this.isolate;
  }

  private script(isolate: ivm.Isolate, code: string, dialect: ScriptDialect): ivm.Script {
    const key = `${dialect}\0${code}`;
    let s = this.compiled.get(key);
    if (s === undefined) {
      s = compileIn(isolate, code, dialect);
      if (this.compiled.size > 500) this.compiled.clear();
      this.compiled.set(key, s);
    }
    return s;
  }

  /** Throws SandboxError SCRIPT_COMPILE when the script does not compile (checked when it is stored). */
  check(code: string, dialect: ScriptDialect = "provisio"): void {
    this.script(this.ensureIsolate(), code, dialect);
  }

  /**
   * Runs a script. Runs share one isolate, so a script that exhausts its memory takes down the runs
   * beside it: a run whose isolate went away runs again in an isolate of its own, where only its own
   * script can exhaust it; a run that loses that one too is the culprit.
   */
  async run(code: string, input: ScriptInput): Promise<ScriptResult> {
    try {
      return await this.runOnce(code, input, this.ensureIsolate(), false);
    } catch (err) {
      if (!(err instanceof IsolateGone)) throw err;
    }
    const own = new ivm.Isolate({ memoryLimit: Math.max(8, this.limits.memoryMb) });
    try {
      return await this.runOnce(code, input, own, true);
    } catch (again) {
      if (again instanceof IsolateGone) throw new SandboxError("SCRIPT_MEMORY", `the script used more than ${this.limits.memoryMb} MiB and was stopped`);
      throw again;
    } finally {
      if (!own.isDisposed) own.dispose();
    }
  }

  private async runOnce(code: string, input: ScriptInput, isolate: ivm.Isolate, own: boolean): Promise<ScriptResult> {
    const gone = () => {
      if (this.isolate === isolate) this.isolate = null;
      return new IsolateGone();
    };
    let context: ivm.Context;
    try {
      const dialect: ScriptDialect = input.genieacs === undefined ? "provisio" : "genieacs";
      const script = own ? compileIn(isolate, code, dialect) : this.script(isolate, code, dialect);
      context = await isolate.createContext();
      await context.global.set("__input", JSON.stringify(input));
      let out: unknown;
      try {
        out = await script.run(context, { timeout: this.limits.timeoutMs, copy: true });
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        if (isolate.isDisposed || /memory limit|disposed/i.test(message)) throw gone();
        if (/timed out/i.test(message)) throw new SandboxError("SCRIPT_TIMEOUT", `the script ran longer than ${this.limits.timeoutMs} ms and was stopped`);
        throw new SandboxError("SCRIPT_ERROR", `the script failed: ${message}`);
      } finally {
        if (!isolate.isDisposed) context.release();
      }
      if (typeof out !== "string") throw new SandboxError("SCRIPT_RESULT", "the script's result could not be read");
      if (dialect === "genieacs") {
        const g = JSON.parse(out) as GenieOutput;
        return {
          declarations: g.declarations as Declaration[],
          missing: [],
          reads: [],
          result: g.result,
          logs: g.logs,
          genieacs: { tags: g.tags, clears: g.clears, ext: g.ext, incomplete: g.incomplete },
        };
      }
      const parsed = JSON.parse(out) as ScriptResult;
      return { declarations: parsed.declarations, missing: parsed.missing, reads: parsed.reads, result: parsed.result, logs: parsed.logs };
    } catch (err) {
      if (err instanceof IsolateGone) throw err;
      // Another run exhausted the isolate under this one (while it compiled, made its context, or ran):
      // whatever failed here failed because of that, so it is no verdict on this script.
      if (isolate.isDisposed) throw gone();
      throw err;
    }
  }

  dispose(): void {
    if (this.isolate !== null && !this.isolate.isDisposed) this.isolate.dispose();
    this.isolate = null;
  }
}
