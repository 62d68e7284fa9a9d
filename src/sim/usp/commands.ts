// What the agent's commands do, without I/O: their input checks, how long a diagnostic runs and what a
// speed test moves (its results are the CWMP diagnostics', commandOutputs in ../models/diagnostics.ts),
// and the firmware images' bookkeeping.
// The agent (agent.ts) runs them: the Request row, the OperationComplete, the download, the reboot.

import type { StringMap } from "../../usp/index.js";
import type { DeviceTree } from "../device-model.js";
import type { DiagnosticKind } from "../../diagnostics/kinds.js";
import type { DiagnosticTransferJob, NetworkProfile } from "../source.js";
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
  const types = def.diagnostic?.types ?? {};
  const typed = (type: string) => Object.keys(types).filter((n) => types[n] === type);
  for (const name of ["AutoActivate", ...typed("xsd:boolean")]) if (bad(name, isBool)) return { errCode: 7027, errMsg: `${name} is not a boolean` };
  for (const name of ["FileSize", ...typed("xsd:unsignedInt"), ...typed("xsd:unsignedLong")]) if (bad(name, isUint)) return { errCode: 7027, errMsg: `${name} is not an unsigned integer` };
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

/** How long a diagnostic that moves no bytes runs (simulated ms): its echoes take the network's round trips. */
export function diagnosticDuration(kind: DiagnosticKind, args: StringMap, net: NetworkProfile): number {
  const rtt = Math.max(1, net.latencyMs);
  const count = (name: string) => Math.max(1, Number(args[name] ?? "1") || 1);
  switch (kind) {
    case "traceRoute":
      return Math.max(50, count("NumberOfTries") * Math.min(30, count("MaxHopCount")) * rtt);
    case "serverSelection":
      return Math.max(50, count("NumberOfRepetitions") * (args.HostList ?? "").split(",").length * rtt);
    case "wifiScan":
      return 2_000; // A scan dwells on every channel, whatever the network.
    default:
      return Math.max(50, count("NumberOfRepetitions") * rtt);
  }
}

/** What a DownloadDiagnostics() or UploadDiagnostics() moves (the runtime does, then speedTestDone). */
export function speedTestJob(kind: "download" | "upload", args: StringMap): DiagnosticTransferJob {
  return kind === "download" ? { direction: kind, url: args.DownloadURL ?? "", bytes: 0 } : { direction: kind, url: args.UploadURL ?? "", bytes: Number(args.TestFileLength ?? "0") };
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
