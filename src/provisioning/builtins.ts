// Built-in provisions for the common jobs. Names start with "builtin:". Paths in their arguments may
// be relative to the device's root object ("ManagementServer.PeriodicInformInterval" on a TR-181 device
// is Device.ManagementServer.PeriodicInformInterval, on a TR-098 one InternetGatewayDevice....).
//
//   builtin:periodic-inform   { interval: seconds, enable?: boolean }
//   builtin:refresh           { path, maxAge?: seconds }          read (a subtree when path ends with ".")
//   builtin:discover          { paths?: [path] }                  the device's data model: a getParameterNames
//                             task (names, then values in batches) per subtree (all of it by default),
//                             unless one is pending
//   builtin:value             { path, value, type? }
//   builtin:tag               { tag, present?: boolean }
//   builtin:reboot            { key }                               once per key
//   builtin:factory-reset     { key }                               once per key
//   builtin:firmware          { version, url, fileType?, fileSize?, username?, password? }
//                             download when SoftwareVersion differs from version
//   builtin:notification      { paths: [{ path, notification }] }  the notification attribute of each
//                             (1 passive, 2 active): alarm rules' watched parameters (docs/alarms.md)
//   builtin:bootstrap-credentials {}                                fresh per-device ManagementServer and
//                             connection-request credentials, set on the device and remembered by the ACS
//   builtin:bulkdata          { parameters: [path], interval?, encoding?, format?, timestamp?, alias?, enable? }
//                             a BulkData profile (created by its Alias) reporting to Provisio's collector;
//                             its URL and credentials are the device's own, added by the ACS (bulkdata.ts)

import type { Action, Declaration } from "./declarations.js";

export const BUILTIN_PREFIX = "builtin:";

export const builtinNames = [
  "builtin:periodic-inform",
  "builtin:refresh",
  "builtin:discover",
  "builtin:value",
  "builtin:tag",
  "builtin:reboot",
  "builtin:factory-reset",
  "builtin:firmware",
  "builtin:bootstrap-credentials",
  "builtin:bulkdata",
  "builtin:notification",
] as const;

export function isBuiltin(name: string): boolean {
  return name.startsWith(BUILTIN_PREFIX);
}

export interface BuiltinResult {
  declarations: Declaration[];
  actions: Action[];
  /** The ACS must rotate the device's credentials (builtin:bootstrap-credentials). */
  credentials?: true;
  /** BulkData profiles (their selector paths) whose HTTP URL and credentials the ACS fills in (builtin:bulkdata). */
  bulkData?: string[];
}

type Args = Record<string, unknown>;

function absolute(path: string, root: string | null): string {
  if (root === null || path.startsWith("Device.") || path.startsWith("InternetGatewayDevice.")) return path;
  return root + path;
}

function str(a: Args, k: string, required = true): string | undefined {
  const v = a[k];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || v.length === 0) throw new Error(`"${k}" must be a non-empty string`);
  return v;
}

function num(a: Args, k: string, required = true): number | undefined {
  const v = a[k];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`"${k}" must be a non-negative number`);
  return v;
}

/** The declarations and actions of a built-in provision, or why its arguments are wrong. */
export function builtinProvision(name: string, rawArgs: unknown, root: string | null = null): BuiltinResult | { error: string } {
  const a = (rawArgs ?? {}) as Args;
  if (typeof a !== "object" || Array.isArray(a)) return { error: `${name}: arguments must be an object` };
  try {
    switch (name) {
      case "builtin:periodic-inform": {
        const interval = num(a, "interval")!;
        if (!Number.isInteger(interval) || interval < 1) throw new Error(`"interval" must be a whole number of seconds`);
        const enable = a.enable === undefined ? true : a.enable;
        if (typeof enable !== "boolean") throw new Error(`"enable" must be true or false`);
        return {
          declarations: [
            { path: absolute("ManagementServer.PeriodicInformEnable", root), value: enable },
            { path: absolute("ManagementServer.PeriodicInformInterval", root), value: interval },
          ],
          actions: [],
        };
      }
      case "builtin:refresh": {
        const path = absolute(str(a, "path")!, root);
        return { declarations: [{ path, maxAge: num(a, "maxAge", false) ?? 0 }], actions: [] };
      }
      case "builtin:discover": {
        const paths = a.paths === undefined ? [""] : a.paths;
        if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== "string" || (p !== "" && !p.endsWith(".")))) {
          throw new Error(`"paths" must be a list of object paths (ending with ".")`);
        }
        // "" is the whole tree: the getParameterNames task sends the root object for it.
        return { declarations: [], actions: [{ kind: "discover", paths: (paths as string[]).map((p) => (p === "" ? "" : absolute(p, root))) }] };
      }
      case "builtin:value": {
        const path = absolute(str(a, "path")!, root);
        const value = a.value;
        if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") throw new Error(`"value" must be a string, number or boolean`);
        const type = str(a, "type", false);
        return { declarations: [{ path, value, ...(type === undefined ? {} : { type: type as Declaration["type"] }) }], actions: [] };
      }
      case "builtin:tag": {
        const present = a.present === undefined ? true : a.present;
        if (typeof present !== "boolean") throw new Error(`"present" must be true or false`);
        return { declarations: [], actions: [{ kind: "tag", tag: str(a, "tag")!, present }] };
      }
      case "builtin:reboot":
        return { declarations: [], actions: [{ kind: "reboot", key: str(a, "key")! }] };
      case "builtin:factory-reset":
        return { declarations: [], actions: [{ kind: "reboot", key: `factory-reset:${str(a, "key")!}` }] };
      case "builtin:firmware": {
        const version = str(a, "version")!;
        return {
          // the installed version must be known to decide
          declarations: [{ path: absolute("DeviceInfo.SoftwareVersion", root), maxAge: 1e12 }],
          actions: [
            {
              kind: "download",
              key: version,
              fileType: str(a, "fileType", false) ?? "1 Firmware Upgrade Image",
              url: str(a, "url")!,
              ...(a.username === undefined ? {} : { username: str(a, "username")! }),
              ...(a.password === undefined ? {} : { password: str(a, "password")! }),
              ...(a.fileSize === undefined ? {} : { fileSize: num(a, "fileSize")! }),
            },
          ],
        };
      }
      case "builtin:bootstrap-credentials":
        return { declarations: [], actions: [], credentials: true };
      case "builtin:bulkdata":
        return bulkDataProfile(a, root);
      case "builtin:notification": {
        if (!Array.isArray(a.paths)) throw new Error(`"paths" must be a list of { path, notification }`);
        const declarations = (a.paths as Args[]).map((p) => {
          const notification = num(p, "notification")!;
          if (!Number.isInteger(notification) || notification < 0 || notification > 6) throw new Error(`"notification" must be 0 to 6`);
          return { path: absolute(str(p, "path")!, root), notification };
        });
        return { declarations, actions: [] };
      }
      default:
        return { error: `no built-in provision named ${name} (there are: ${builtinNames.join(", ")})` };
    }
  } catch (err) {
    return { error: `${name}: ${(err as Error).message}` };
  }
}

const BULKDATA_FORMATS = { JSON: ["NameValuePair", "ObjectHierarchy"], CSV: ["ParameterPerRow", "ParameterPerColumn"] } as const;
const TIMESTAMPS = ["Unix-Epoch", "ISO-8601", "None"];

/**
 * builtin:bulkdata: one profile, found (or made with AddObject) by its Alias, set to report these
 * parameters over HTTP. The same layout serves TR-181 (Device.BulkData.) and TR-098 devices with
 * TR-157's BulkData component (InternetGatewayDevice.BulkData.).
 */
function bulkDataProfile(a: Args, root: string | null): BuiltinResult {
  const list = a.parameters;
  if (!Array.isArray(list) || list.length === 0 || list.some((p) => typeof p !== "string" || p === "" || /[[\]*,=]/.test(p))) {
    throw new Error(`"parameters" must be a list of parameter or object paths, without wildcards`);
  }
  const interval = num(a, "interval", false) ?? 300;
  if (!Number.isInteger(interval) || interval < 1) throw new Error(`"interval" must be a whole number of seconds`);
  const encoding = a.encoding ?? "JSON";
  if (encoding !== "JSON" && encoding !== "CSV") throw new Error(`"encoding" must be JSON or CSV`);
  const formats: readonly string[] = BULKDATA_FORMATS[encoding];
  const format = a.format ?? formats[0];
  if (typeof format !== "string" || !formats.includes(format)) throw new Error(`"format" must be one of ${formats.join(", ")} with ${encoding}`);
  const timestamp = a.timestamp ?? "Unix-Epoch";
  if (typeof timestamp !== "string" || !TIMESTAMPS.includes(timestamp)) throw new Error(`"timestamp" must be one of ${TIMESTAMPS.join(", ")}`);
  const alias = str(a, "alias", false) ?? "provisio";
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(alias)) throw new Error(`"alias" must be 1 to 64 letters, digits, "_" or "-"`);
  const enable = a.enable ?? true;
  if (typeof enable !== "boolean") throw new Error(`"enable" must be true or false`);
  const profile = absolute(`BulkData.Profile.[Alias=${alias}].`, root);
  const encodingObject = encoding === "JSON" ? "JSONEncoding." : "CSVEncoding.";
  return {
    declarations: [
      { path: absolute("BulkData.Enable", root), value: true },
      { path: profile, instances: 1 },
      { path: `${profile}Protocol`, value: "HTTP" },
      { path: `${profile}EncodingType`, value: encoding },
      { path: `${profile}ReportingInterval`, value: interval },
      { path: `${profile}${encodingObject}ReportFormat`, value: format },
      { path: `${profile}${encodingObject}${encoding === "JSON" ? "ReportTimestamp" : "RowTimestamp"}`, value: timestamp },
      ...(list as string[]).map((p) => ({ path: `${profile}Parameter.[Reference=${absolute(p, root)}].`, instances: 1 })),
      { path: `${profile}Enable`, value: enable },
    ],
    actions: [],
    bulkData: [profile],
  };
}
