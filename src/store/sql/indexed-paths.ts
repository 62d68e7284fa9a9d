// Which parameters have rows in param_index (docs/scale.md): the Inform's own, which the console and
// the API group and filter by. Filters on these are an index range; on any other path they read the
// devices' trees (a scan). Exact paths: an index must hold every device's record of its path, and these
// are written by the store as the records are.
import { Path } from "../../model/path.js";
import { SOFTWARE_VERSION_PATHS } from "../../model/well-known.js";

export const BUILT_IN_INDEXED_PATHS: readonly string[] = [
  ...SOFTWARE_VERSION_PATHS,
  "Device.DeviceInfo.HardwareVersion",
  "InternetGatewayDevice.DeviceInfo.HardwareVersion",
  "Device.DeviceInfo.ProductClass",
  "InternetGatewayDevice.DeviceInfo.ProductClass",
  "Device.ManagementServer.ConnectionRequestURL",
  "InternetGatewayDevice.ManagementServer.ConnectionRequestURL",
  "Device.IP.Interface.1.IPv4Address.1.IPAddress",
  "Device.IP.Interface.2.IPv4Address.1.IPAddress",
  "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress",
  "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.ExternalIPAddress",
];

const INDEXED = new Set(BUILT_IN_INDEXED_PATHS);

export function isIndexedPath(path: string): boolean {
  return INDEXED.has(path);
}

/** The paths as a SQL list of literals (they are fixed and hold no quote), for the migrations. */
export function indexedPathsSql(): string {
  return BUILT_IN_INDEXED_PATHS.map((p) => `'${p}'`).join(", ");
}

/** Most patterns the operator may choose: each costs every matching record an index row and its upkeep. */
export const MAX_INDEXED_PATTERNS = 64;

/**
 * Why `text` cannot be a chosen indexed pattern, or undefined: a parameter path (no trailing dot) where
 * "*" stands for any one segment and "{i}" for any instance number, as elsewhere in Provisio (model/path.ts).
 */
export function indexedPatternProblem(text: string): string | undefined {
  const why = Path.check(text);
  if (why !== undefined) return why;
  const p = Path.parse(text);
  if (p.isRoot || p.isObject) return "names an object; a pattern names parameters (no trailing dot)";
  if (Array.from({ length: p.length }, (_, i) => p.kind(i)).includes("alias")) return "holds an [alias]; trees keep instance numbers: use the number, \"*\" or \"{i}\"";
  if (INDEXED.has(text)) return "is always indexed (built in)";
  return undefined;
}
