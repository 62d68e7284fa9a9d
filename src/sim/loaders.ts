// ModelSources from what src/model loads: a Broadband Forum data model (objects, parameters, types,
// writability, ranges, enumerations, lengths) or a device dump (CSV/JSON). Both get the bindings every
// device needs to be one of many: identity parameters (serial number, OUI, ACS and connection-request
// URLs and credentials) computed per device, UpTime that counts, and the parameters every Inform
// carries. Pure: the files are read by the caller (runtime/model-file.ts).

import { initialValue, type DataModel, type DeviceDump, type ParameterDef } from "../model/index.js";
import { SimError } from "./errors.js";
import { fillTemplate } from "./identity.js";
import { templateOf } from "./model.js";
import { uptime } from "./models/generators.js";
import { dumpSource, withDefaultRows } from "./source-tools.js";
import type { ActiveNotify, DeviceIdentity, DynamicValue, IdentityDefaults, IdentityValue, ModelSource, ObjectSource, ParameterSource, ValueConstraints } from "./source.js";

/** Per-device values, relative to the root object. */
const IDENTITY: Readonly<Record<string, IdentityValue>> = {
  "DeviceInfo.Manufacturer": "manufacturer",
  "DeviceInfo.ManufacturerOUI": "oui",
  "DeviceInfo.ProductClass": "productClass",
  "DeviceInfo.SerialNumber": "serialNumber",
  "ManagementServer.URL": "acsUrl",
  "ManagementServer.Username": "acsUsername",
  "ManagementServer.Password": "acsPassword",
  "ManagementServer.ConnectionRequestURL": "connectionRequestUrl",
  "ManagementServer.ConnectionRequestUsername": "connectionRequestUsername",
  "ManagementServer.ConnectionRequestPassword": "connectionRequestPassword",
};

const DYNAMIC: Readonly<Record<string, DynamicValue>> = { "DeviceInfo.UpTime": uptime };

/** TR-069's forced Inform parameters (those a dump cannot say are forced). */
const FORCED = new Set([
  "DeviceSummary",
  "DeviceInfo.SpecVersion",
  "DeviceInfo.HardwareVersion",
  "DeviceInfo.SoftwareVersion",
  "DeviceInfo.ProvisioningCode",
  "ManagementServer.ParameterKey",
  "ManagementServer.ConnectionRequestURL",
]);

const SECRET = new Set(["ManagementServer.Password", "ManagementServer.ConnectionRequestPassword", "ManagementServer.STUNPassword"]);

/** Values a device needs to work when the data model gives no default (an interval of 1 s would flood the ACS). */
const FALLBACK: Readonly<Record<string, string>> = {
  "ManagementServer.EnableCWMP": "true",
  "ManagementServer.PeriodicInformEnable": "true",
  "ManagementServer.PeriodicInformInterval": "3600",
  "ManagementServer.CWMPRetryMinimumWaitInterval": "5",
  "ManagementServer.CWMPRetryIntervalMultiplier": "2000",
  "ManagementServer.HTTPConnectionRequestEnable": "true",
  "DeviceInfo.SoftwareVersion": "1.0.0",
  "DeviceInfo.HardwareVersion": "1.0",
  "DeviceInfo.SpecVersion": "1.0",
  "DeviceSummary": "InternetGatewayDevice:1.4[](Baseline:1)",
};

function rootOf(source: { objects: readonly { path: string }[]; parameters: readonly { path: string }[] }): string {
  const first = source.objects[0]?.path ?? source.parameters[0]?.path ?? "";
  return first.split(".")[0]! + ".";
}

/** The standard's per-device bindings applied to a source's parameters (by path relative to the root). */
function bind(p: ParameterSource, root: string): ParameterSource {
  if (!p.path.startsWith(root)) return p;
  const rel = p.path.slice(root.length);
  const out: ParameterSource = { ...p };
  const identity = IDENTITY[rel];
  if (identity !== undefined) {
    out.identity = identity;
    delete out.value;
  }
  const dynamic = DYNAMIC[rel];
  if (dynamic !== undefined) {
    out.dynamic = dynamic;
    // A factory value would win over the computed one.
    delete out.value;
  }
  if (FORCED.has(rel)) out.forcedInform = true;
  if (SECRET.has(rel)) out.secret = true;
  if (rel === "ManagementServer.ConnectionRequestURL" && (out.activeNotify ?? "normal") === "normal") out.activeNotify = "forceDefaultEnabled";
  return out;
}

function constraintsOf(def: ParameterDef): ValueConstraints | undefined {
  const s = def.syntax;
  const c: ValueConstraints = {};
  if (s.enumerations !== undefined && s.enumerations.length > 0) {
    c.enumeration = s.enumerations.map((e) => e.value);
    if (s.enumerations.some((e) => e.readOnly)) c.settable = s.enumerations.filter((e) => !e.readOnly).map((e) => e.value);
  }
  if (s.ranges !== undefined && s.ranges.length > 0) {
    c.ranges = s.ranges.map((r) => ({ ...(r.min !== undefined ? { min: r.min } : {}), ...(r.max !== undefined ? { max: r.max } : {}) }));
  }
  if (s.sizes !== undefined && s.sizes.length > 0) {
    if (s.sizes.every((z) => z.minLength !== undefined)) c.minLength = Math.min(...s.sizes.map((z) => z.minLength!));
    if (s.sizes.every((z) => z.maxLength !== undefined)) c.maxLength = Math.max(...s.sizes.map((z) => z.maxLength!));
  }
  if (s.list !== undefined) {
    c.list = {
      ...(s.list.maxLength !== undefined ? { maxLength: s.list.maxLength } : {}),
      ...(s.list.minItems !== undefined ? { minItems: s.list.minItems } : {}),
      ...(s.list.maxItems !== undefined ? { maxItems: s.list.maxItems } : {}),
    };
  }
  return Object.keys(c).length > 0 ? c : undefined;
}

const ACTIVE_NOTIFY = new Set<ActiveNotify>(["normal", "canDeny", "forceEnabled", "forceDefaultEnabled"]);

export interface BbfSourceOptions {
  /** Rows created in each table (default 1). */
  rows?: number;
  identity?: IdentityDefaults;
}

/**
 * A ModelSource from a Broadband Forum root data model (Device:2, InternetGatewayDevice:1): every
 * current and deprecated object and parameter, with its type, writability and restrictions; each table
 * gets `rows` instances. Throws SimError SIM_MODEL_INVALID for a service model.
 */
export function bbfSource(dm: DataModel, options: BbfSourceOptions = {}): ModelSource {
  if (dm.isService) {
    throw new SimError("SIM_MODEL_INVALID", `${dm.name} is a service data model (${dm.root}); a device needs a root model such as Device:2 or InternetGatewayDevice:1`);
  }
  const root = dm.root;
  const skip = (status: string) => status === "obsoleted" || status === "deleted";
  const objects: ObjectSource[] = [];
  const parameters: ParameterSource[] = [];
  for (const o of dm.objects.values()) {
    if (skip(o.status)) continue;
    const obj: ObjectSource = { path: o.path };
    if (o.multiInstance) {
      obj.writable = o.writable;
      if (o.maxEntries !== "unbounded") obj.maxEntries = o.maxEntries;
      if (o.numEntriesParameter !== undefined) obj.numEntriesParameter = o.numEntriesParameter.slice(o.numEntriesParameter.lastIndexOf(".") + 1);
    }
    objects.push(obj);
    for (const name of o.parameters) {
      const def = dm.parameters.get(o.path + name);
      if (def === undefined || skip(def.status)) continue;
      const rel = def.path.slice(root.length);
      const fallback = def.default === undefined ? FALLBACK[rel] : undefined;
      const p: ParameterSource = { path: def.path, type: def.syntax.type, writable: def.writable, value: fallback ?? initialValue(def) };
      const constraints = constraintsOf(def);
      if (constraints !== undefined) p.constraints = constraints;
      if (def.activeNotify !== undefined && ACTIVE_NOTIFY.has(def.activeNotify as ActiveNotify)) p.activeNotify = def.activeNotify as ActiveNotify;
      if (def.forcedInform) p.forcedInform = true;
      if (def.hidden) p.secret = true;
      parameters.push(bind(p, root));
    }
  }
  const source: ModelSource = {
    name: dm.name,
    objects,
    parameters,
    identity: options.identity ?? { manufacturer: "Provisio", oui: "0013C8", productClass: root === "Device." ? "Device2" : "IGD", serialPrefix: "BBF" },
  };
  return withDefaultRows(source, options.rows ?? 1);
}

/**
 * A ModelSource from a device dump: every row as dumped (objects, instances, values, writability),
 * with the identity parameters computed per device so that many devices can be made from one dump.
 */
export function dumpModelSource(name: string, dump: DeviceDump, identity?: IdentityDefaults): ModelSource {
  if (dump.entries.length === 0) throw new SimError("SIM_MODEL_INVALID", `the device dump ${name} holds no parameter`);
  const base = dumpSource(
    name,
    dump.entries.map((e) => ({ name: e.path, object: e.object, writable: e.writable, value: e.value ?? "", type: e.type ?? "xsd:string" })),
  );
  const root = rootOf(base);
  const id = dump.deviceId;
  const serial = id.serialNumber ?? "";
  const prefix = serial.replace(/\d+$/, "");
  return {
    ...base,
    parameters: base.parameters.map((p) => bind(p, root)),
    identity: identity ?? {
      manufacturer: id.manufacturer ?? "Provisio",
      oui: /^[0-9A-Fa-f]{6}$/.test(id.oui ?? "") ? id.oui! : "0013C8",
      productClass: id.productClass ?? "Dump",
      serialPrefix: prefix !== "" ? prefix : "DUMP",
    },
  };
}

/**
 * A source with some factory values replaced, by path relative to the root
 * ("ManagementServer.PeriodicInformInterval") or absolute. Throws SimError SIM_UNKNOWN_PATH for a
 * path the source does not have.
 */
export function withValues(source: ModelSource, values: Readonly<Record<string, string>>): ModelSource {
  const root = rootOf(source);
  const wanted = new Map(Object.entries(values).map(([k, v]) => [k.startsWith(root) ? k : root + k, v]));
  const seen = new Set<string>();
  const parameters = source.parameters.map((p) => {
    const v = wanted.get(p.path);
    if (v === undefined) return p;
    seen.add(p.path);
    const out: ParameterSource = { ...p, value: v };
    delete out.dynamic;
    delete out.identity;
    return out;
  });
  for (const path of wanted.keys()) if (!seen.has(path)) throw new SimError("SIM_UNKNOWN_PATH", `the model ${source.name} has no parameter ${path}`);
  return { ...source, parameters };
}

/** STUN settings every device leaves the factory with (the simulator's --stun-* options). */
export interface FactoryStun {
  /** STUNServerAddress. */
  host: string;
  /** STUNServerPort; default 3478. */
  port?: number;
  /** STUNUsername, a per-device template ({serial}, {oui}, {productClass}, {index}, {secret}); default "{serial}". */
  username?: string;
  /** STUNPassword, a template; default empty (no MESSAGE-INTEGRITY). */
  password?: string;
  /** STUNMaximumKeepAlivePeriod in seconds (STUNMinimumKeepAlivePeriod follows it down when lower). */
  keepAliveS?: number;
  /**
   * UDPConnectionRequestAddress with Active Notification by default, so that the ACS hears of the
   * address without having to ask (default true); the ACS may still turn it off.
   */
  notifyAddress?: boolean;
}

/** The XMPP account every device leaves the factory with, in XMPP.Connection.1 (the --xmpp-* options). */
export interface FactoryXmpp {
  /** The server's address: XMPP.Connection.1.Server.1.ServerAddress (ServerConnectAlgorithm ServerTable). */
  host: string;
  /** Default 5222. */
  port?: number;
  /** The account's domain; default `host`. */
  domain?: string;
  /** Username and Password: per-device templates as for FactoryStun. */
  username: string;
  password: string;
  /** Default "cwmp". */
  resource?: string;
  /** ConnReqAllowedJabberIDs (comma-separated): the ACS's JID, bare to allow every resource. */
  allowedJids?: string;
}

/**
 * A source whose devices leave the factory with STUN enabled and/or an XMPP connection for connection
 * requests. Throws SimError SIM_UNKNOWN_PATH when the model lacks the parameters (a dump without them).
 */
export function withConnectionRequestDefaults(source: ModelSource, o: { stun?: FactoryStun; xmpp?: FactoryXmpp }): ModelSource {
  const root = rootOf(source);
  const values = new Map<string, string | ((id: DeviceIdentity) => string)>();
  const put = (rel: string, v: string) => values.set(root + rel, v.includes("{") ? (id: DeviceIdentity) => fillTemplate(v, id) : v);
  let notify: string | undefined;
  if (o.stun !== undefined) {
    const s = o.stun;
    put("ManagementServer.STUNEnable", "true");
    put("ManagementServer.STUNServerAddress", s.host);
    put("ManagementServer.STUNServerPort", String(s.port ?? 3478));
    put("ManagementServer.STUNUsername", s.username ?? "{serial}");
    put("ManagementServer.STUNPassword", s.password ?? "");
    if (s.keepAliveS !== undefined) {
      put("ManagementServer.STUNMaximumKeepAlivePeriod", String(s.keepAliveS));
      put("ManagementServer.STUNMinimumKeepAlivePeriod", String(Math.min(s.keepAliveS, 30)));
    }
    if (s.notifyAddress ?? true) notify = root + "ManagementServer.UDPConnectionRequestAddress";
  }
  if (o.xmpp !== undefined) {
    const x = o.xmpp;
    put("ManagementServer.ConnReqXMPPConnection", `${root}XMPP.Connection.1`);
    if (x.allowedJids !== undefined) put("ManagementServer.ConnReqAllowedJabberIDs", x.allowedJids);
    put("XMPP.Connection.1.Enable", "true");
    put("XMPP.Connection.1.Username", x.username);
    put("XMPP.Connection.1.Password", x.password);
    put("XMPP.Connection.1.Domain", x.domain ?? x.host);
    put("XMPP.Connection.1.Resource", x.resource ?? "cwmp");
    put("XMPP.Connection.1.ServerConnectAlgorithm", "ServerTable");
    put("XMPP.Connection.1.Server.1.Enable", "true");
    put("XMPP.Connection.1.Server.1.ServerAddress", x.host);
    put("XMPP.Connection.1.Server.1.Port", String(x.port ?? 5222));
  }
  const seen = new Set<string>();
  const parameters = source.parameters.map((p) => {
    const v = values.get(p.path);
    if (v === undefined && p.path !== notify) return p;
    seen.add(p.path);
    const out: ParameterSource = { ...p };
    if (v !== undefined) {
      delete out.dynamic;
      delete out.identity;
      delete out.value;
      if (typeof v === "string") out.value = v;
      else out.identity = v;
    }
    if (p.path === notify && (out.activeNotify ?? "normal") === "normal") out.activeNotify = "forceDefaultEnabled";
    return out;
  });
  // A value for a factory row the source describes only by its template ("XMPP.Connection.{i}.Username"
  // and the row "XMPP.Connection.1."): a parameter of that row.
  const templates = new Map(source.parameters.map((p) => [p.path, p]));
  const rows = new Set(source.objects.map((o) => o.path));
  for (const [path, v] of values) {
    if (seen.has(path)) continue;
    const t = templates.get(templateOf(path));
    if (t === undefined || !rows.has(path.slice(0, path.lastIndexOf(".") + 1))) throw new SimError("SIM_UNKNOWN_PATH", `the model ${source.name} has no parameter ${path}`);
    parameters.push({ path, type: t.type, writable: t.writable, ...(typeof v === "string" ? { value: v } : { identity: v }) });
  }
  if (notify !== undefined && !seen.has(notify)) throw new SimError("SIM_UNKNOWN_PATH", `the model ${source.name} has no parameter ${notify}`);
  return { ...source, parameters };
}
