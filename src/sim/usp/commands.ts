// What the agent's commands do, without I/O: their input checks, IPPing()'s results from the
// simulated network (the same echoes the CWMP diagnostics use), and the firmware images' bookkeeping.
// The agent (agent.ts) runs them: the Request row, the OperationComplete, the download, the reboot.

import type { StringMap } from "../../usp/index.js";
import type { DeviceTree } from "../device-model.js";
import { echoes, unreachable } from "../models/diagnostics.js";
import type { NetworkProfile, ValueContext } from "../source.js";
import type { CommandDef } from "./supported.js";

export type Failure = { errCode: number; errMsg: string };

/** 7027 for unknown or missing input arguments, or the arguments' problem. */
export function checkArgs(def: CommandDef, args: StringMap): Failure | undefined {
  const unknown = Object.keys(args).filter((a) => !def.input.includes(a.replace(/\.\d+\./, ".{i}.")));
  if (unknown.length > 0) return { errCode: 7027, errMsg: `${def.name} takes no argument ${unknown.join(", ")}` };
  const missing = def.required.filter((a) => args[a] === undefined || args[a] === "");
  if (missing.length > 0) return { errCode: 7027, errMsg: `${def.name} needs ${missing.join(", ")}` };
  const bad = (name: string, ok: (v: string) => boolean) => args[name] !== undefined && !ok(args[name]);
  const isBool = (v: string) => ["true", "false", "1", "0"].includes(v);
  const isUint = (v: string) => /^\d+$/.test(v) && Number(v) <= 0xffffffff;
  for (const name of ["AutoActivate"]) if (bad(name, isBool)) return { errCode: 7027, errMsg: `${name} is not a boolean` };
  for (const name of ["NumberOfRepetitions", "Timeout", "DataBlockSize", "DSCP", "FileSize"]) if (bad(name, isUint)) return { errCode: 7027, errMsg: `${name} is not an unsigned integer` };
  if (def.name === "Download()") {
    try {
      const u = new URL(args.URL!);
      if (u.protocol !== "http:" && u.protocol !== "https:") return { errCode: 7027, errMsg: `URL ${args.URL}: only http and https are supported` };
    } catch {
      return { errCode: 7027, errMsg: `URL ${JSON.stringify(args.URL)} is not a URL` };
    }
  }
  return undefined;
}

/** How long an IPPing() runs (simulated ms): each echo takes the network's round trip. */
export function pingDuration(args: StringMap, net: NetworkProfile): number {
  return Math.max(50, Number(args.NumberOfRepetitions ?? "1") * Math.max(1, net.latencyMs));
}

/** IPPing()'s output arguments. */
export function pingResult(args: StringMap, ctx: ValueContext, net: NetworkProfile): StringMap {
  const host = args.Host ?? "";
  const reps = Math.max(1, Number(args.NumberOfRepetitions ?? "1"));
  if (unreachable(host, net)) return { Status: "Error_CannotResolveHostName", IPAddressUsed: "", SuccessCount: "0", FailureCount: String(reps) };
  const { rtts, lost } = echoes(ctx, net, host, reps);
  const avg = rtts.length === 0 ? 0 : rtts.reduce((a, b) => a + b, 0) / rtts.length;
  const min = rtts.length === 0 ? 0 : Math.min(...rtts);
  const max = rtts.length === 0 ? 0 : Math.max(...rtts);
  const us = (ms: number) => String(Math.round(ms * 1000));
  return {
    Status: "Complete",
    IPAddressUsed: "192.0.2.10",
    SuccessCount: String(rtts.length),
    FailureCount: String(lost),
    AverageResponseTime: String(Math.round(avg)),
    MinimumResponseTime: String(Math.round(min)),
    MaximumResponseTime: String(Math.round(max)),
    AverageResponseTimeDetailed: us(avg),
    MinimumResponseTimeDetailed: us(min),
    MaximumResponseTimeDetailed: us(max),
  };
}

/** The version a firmware file installs: from its name ("gw-2.4.1.bin" gives "2.4.1"), else the current one bumped. */
export function imageVersion(url: string, current: string): string {
  const name = decodeURIComponent(url.split(/[?#]/)[0]!.split("/").pop() ?? "");
  const m = /(\d+(?:\.\d+)+)/.exec(name);
  if (m) return m[1]!;
  const last = /(\d+)(?!.*\d)/.exec(current);
  return last ? current.slice(0, last.index) + String(Number(last[1]) + 1) + current.slice(last.index + last[1]!.length) : current + ".1";
}

/** Sets an image's parameters (the agent's own writes: read-only ones included). */
export function setImage(tree: DeviceTree, image: string, values: StringMap, now: number): void {
  for (const [name, value] of Object.entries(values)) {
    const node = tree.resolve(image + name, now);
    if (node?.kind === "param") tree.set(node.path, node.def, value);
  }
}
