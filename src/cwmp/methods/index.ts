import type { MethodCodec } from "../codec/method.js";
import type { CwmpMethodName } from "../types.js";
import * as deviceControl from "./device-control.js";
import { fault } from "./fault.js";
import * as inform from "./inform.js";
import * as parameters from "./parameters.js";
import * as softwareModules from "./software-modules.js";
import * as transfers from "./transfers.js";

function isCodec(c: unknown): c is MethodCodec {
  return typeof c === "object" && c !== null && "since" in c && "read" in c;
}

const all: MethodCodec[] = ([
  ...Object.values(parameters),
  ...Object.values(transfers),
  ...Object.values(inform),
  ...Object.values(deviceControl),
  ...Object.values(softwareModules),
  fault,
] as unknown[]).filter(isCodec);

/** Every method codec by element name. */
export const methodCodecs: ReadonlyMap<string, MethodCodec> = new Map(all.map((c) => [c.name, c]));

export function methodCodec(name: CwmpMethodName): MethodCodec | undefined {
  return methodCodecs.get(name);
}

/** Whether the schema of a cwmp namespace defines this method (e.g. ScheduleDownload needs cwmp-1-2). */
export function methodDefinedIn(name: CwmpMethodName, ns: "1-0" | "1-1" | "1-2" | "1-3" | "1-4"): boolean {
  const c = methodCodecs.get(name);
  return c !== undefined && ns >= c.since;
}
