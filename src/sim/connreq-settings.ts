// What a device's own parameters say about its UDP (TR-111 / TR-069 Annex G) and XMPP (Annex K)
// connection requests: read from the tree as the ACS (or the factory) left them, so that the runtime can
// tell when to start, change or stop each. Pure: values in, settings out.

import type { Cpe } from "./cpe.js";

/** ManagementServer's STUN settings, when STUNEnable is true and a server can be named. */
export interface StunSettings {
  /** STUNServerAddress, or the host of the ACS URL when it is empty (TR-181). */
  host: string;
  port: number;
  /** STUNUsername: sent in USERNAME when not empty. */
  username: string;
  /** STUNPassword: the MESSAGE-INTEGRITY key when not empty. */
  password: string;
  /** STUNMaximumKeepAlivePeriod in seconds; -1: none. */
  maxKeepAliveS: number;
  /** STUNMinimumKeepAlivePeriod in seconds. */
  minKeepAliveS: number;
  /** UDPConnectionRequestAddressNotificationLimit in seconds (TR-098 has it, TR-181 dropped it); 0: none. */
  notificationLimitS: number;
}

export const DEFAULT_STUN_PORT = 3478;
/** The keep-alive when neither period says one (30 s is what NATs keep UDP bindings at least). */
export const FALLBACK_KEEPALIVE_S = 30;

const int = (text: string | undefined, fallback: number): number => {
  const n = Number(text);
  return text !== undefined && text.trim() !== "" && Number.isFinite(n) ? Math.trunc(n) : fallback;
};

/** The host of a URL, without IPv6 brackets; undefined when it is not a URL. */
function urlHost(url: string): string | undefined {
  try {
    const h = new URL(url).hostname;
    return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
  } catch {
    return undefined;
  }
}

export function stunSettings(cpe: Cpe): StunSettings | undefined {
  const ms = `${cpe.model.root.path}ManagementServer.`;
  const read = (name: string) => cpe.read(ms + name);
  if (read("STUNEnable") !== "true") return undefined;
  const configured = (read("STUNServerAddress") ?? "").trim();
  const host = configured !== "" ? configured.replace(/^\[(.*)\]$/, "$1") : urlHost(cpe.acsUrl);
  if (host === undefined || host === "") return undefined;
  const port = int(read("STUNServerPort"), DEFAULT_STUN_PORT);
  return {
    host,
    port: port > 0 && port < 65536 ? port : DEFAULT_STUN_PORT,
    username: read("STUNUsername") ?? "",
    password: read("STUNPassword") ?? "",
    maxKeepAliveS: int(read("STUNMaximumKeepAlivePeriod"), -1),
    minKeepAliveS: Math.max(0, int(read("STUNMinimumKeepAlivePeriod"), 0)),
    notificationLimitS: Math.max(0, int(read("UDPConnectionRequestAddressNotificationLimit"), 0)),
  };
}

/**
 * The keep-alive period in ms. With STUNMaximumKeepAlivePeriod it is at most that (a MUST), shortened
 * by up to 10% but not below STUNMinimumKeepAlivePeriod; without, it is the minimum (or 30 s) lengthened
 * by up to 10%. `spread` in [0, 1) picks where, so that devices started together do not stay in step.
 */
export function keepAliveMs(s: StunSettings, spread: number): number {
  const { maxKeepAliveS: max, minKeepAliveS: min } = s;
  if (max > 0) return Math.max(Math.min(min, max), max * (1 - 0.1 * spread), 1) * 1000;
  return Math.max(min > 0 ? min : FALLBACK_KEEPALIVE_S, 1) * (1 + 0.1 * spread) * 1000;
}

/** The XMPP account of the connection ManagementServer.ConnReqXMPPConnection names, when it is enabled. */
export interface XmppSettings {
  /** The connection row, "Device.XMPP.Connection.1." */
  connection: string;
  /** "xmpp://host:port" */
  service: string;
  domain: string;
  username: string;
  password: string;
  /** Empty: the default resource. */
  resource: string;
  useTls: boolean;
  retry: { initialS: number; multiplier: number; maxS: number; attempts: number };
}

export const XMPP_PORT = 5222;

/** "Device.XMPP.Connection.1" (or with the dot) to the row's path, when it is one of this model's rows. */
function connectionRow(cpe: Cpe, ref: string): string | undefined {
  const root = cpe.model.root.path;
  const path = ref.trim().replace(/\.?$/, ".");
  return new RegExp(`^${root.replace(/\./g, "\\.")}XMPP\\.Connection\\.[1-9]\\d*\\.$`).test(path) ? path : undefined;
}

export function xmppSettings(cpe: Cpe): XmppSettings | undefined {
  const root = cpe.model.root.path;
  const ref = cpe.read(`${root}ManagementServer.ConnReqXMPPConnection`);
  if (ref === undefined || ref.trim() === "") return undefined;
  const connection = connectionRow(cpe, ref);
  if (connection === undefined || cpe.tree.resolve(connection, cpe.tree.bootTime)?.kind !== "object") return undefined;
  const read = (name: string) => cpe.read(connection + name) ?? "";
  if (read("Enable") !== "true") return undefined;
  const username = read("Username");
  const domain = read("Domain");
  if (username === "" || domain === "") return undefined;
  let host = domain;
  let port = XMPP_PORT;
  if (read("ServerConnectAlgorithm") === "ServerTable") {
    // The enabled server with the lowest Priority (Weight only orders equals, so the first of those).
    const table = cpe.tree.resolve(`${connection}Server.`, cpe.tree.bootTime);
    let best: { priority: number; host: string; port: number } | undefined;
    if (table?.kind === "table") {
      for (const n of cpe.tree.instancesOf(table.def, table.inst, cpe.tree.bootTime, table.path)) {
        const row = `${table.path}${n}.`;
        const address = (cpe.read(row + "ServerAddress") ?? "").trim();
        if (cpe.read(row + "Enable") !== "true" || address === "") continue;
        const priority = int(cpe.read(row + "Priority"), 0);
        if (best === undefined || priority < best.priority) best = { priority, host: address, port: int(cpe.read(row + "Port"), XMPP_PORT) || XMPP_PORT };
      }
    }
    if (best === undefined) return undefined;
    host = best.host;
    port = best.port;
  }
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return {
    connection,
    service: `xmpp://${bracketed}:${port}`,
    domain,
    username,
    password: read("Password"),
    resource: read("Resource"),
    useTls: read("UseTLS") === "true",
    retry: {
      initialS: Math.max(1, int(read("ServerRetryInitialInterval"), 60)),
      multiplier: Math.max(1000, int(read("ServerRetryIntervalMultiplier"), 2000)) / 1000,
      maxS: Math.max(1, int(read("ServerRetryMaxInterval"), 30720)),
      attempts: Math.max(0, int(read("ServerConnectAttempts"), 16)),
    },
  };
}

/** A comma-separated list parameter's items (ConnReqAllowedJabberIDs). */
export function listItems(text: string | undefined): string[] {
  return (text ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
}
