// Which parameters have rows in param_index (docs/scale.md): the Inform's own, which the console and
// the API group and filter by. Filters on these are an index range; on any other path they read the
// devices' trees (a scan). Exact paths: an index must hold every device's record of its path, and these
// are written by the store as the records are.
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
