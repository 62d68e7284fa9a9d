// Which addresses a webhook may be delivered to. Without this, anyone who can register a webhook could
// make the ACS POST to its own ports, to other hosts of its private network or to a cloud metadata
// service, and read the answers' status codes in the delivery log (a port scanner).
//
// The check runs twice: on the URL's literal address when a webhook is saved (a clear error at once),
// and on the address actually connected to at delivery, through the socket's `lookup`, so that a name
// which resolves to a public address when saved and to 127.0.0.1 later (DNS rebinding) is refused too.
// Operators who do deliver inside their network list the ranges in webhooks.allowTargets.

import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";

type Family = "ipv4" | "ipv6";

/** Ranges no webhook goes to unless allowed, each with the reason given in errors. */
const REFUSED: [string, number, Family, string][] = [
  ["0.0.0.0", 8, "ipv4", "this host"],
  ["10.0.0.0", 8, "ipv4", "private"],
  ["100.64.0.0", 10, "ipv4", "shared address space (carrier-grade NAT, some cloud metadata)"],
  ["127.0.0.0", 8, "ipv4", "loopback"],
  ["169.254.0.0", 16, "ipv4", "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "ipv4", "private"],
  ["192.0.0.0", 24, "ipv4", "IETF protocol assignments"],
  ["192.168.0.0", 16, "ipv4", "private"],
  ["198.18.0.0", 15, "ipv4", "benchmarking"],
  ["224.0.0.0", 4, "ipv4", "multicast"],
  ["240.0.0.0", 4, "ipv4", "reserved"],
  // Also ::1 and the IPv4-compatible addresses (::127.0.0.1).
  ["::", 96, "ipv6", "unspecified, loopback or IPv4-compatible"],
  ["64:ff9b:1::", 48, "ipv6", "local-use NAT64"],
  ["100::", 64, "ipv6", "discard-only"],
  ["fc00::", 7, "ipv6", "unique local (private)"],
  ["fe80::", 10, "ipv6", "link-local"],
  ["fec0::", 10, "ipv6", "site-local"],
  ["ff00::", 8, "ipv6", "multicast"],
];

export class WebhookTargetError extends Error {
  constructor(readonly address: string, readonly reason: string) {
    super(`the address ${address} is refused (${reason}); webhooks.allowTargets can admit it`);
    this.name = "WebhookTargetError";
  }
}

/** A bad entry of webhooks.allowTargets. */
export class AllowTargetsError extends Error {}

function subnet(entry: string): [string, number, Family] {
  const [address = "", prefix, extra] = entry.trim().split("/");
  const version = isIP(address);
  const bits = prefix === undefined ? (version === 6 ? 128 : 32) : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (version === 0 || extra !== undefined || !(bits >= 0 && bits <= (version === 6 ? 128 : 32))) {
    throw new AllowTargetsError(`webhooks.allowTargets: ${JSON.stringify(entry)} is not an address or a CIDR range (10.0.0.0/8, fd00::/8, 127.0.0.1)`);
  }
  return [address, bits, version === 6 ? "ipv6" : "ipv4"];
}

/** The 16 bits of IPv6 group `i` (0-7), for the embedded IPv4 of NAT64 addresses. */
function groups(v6: string): number[] {
  let text = v6;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const o = dotted[1]!.split(".").map(Number);
    text = text.slice(0, dotted.index) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

export class WebhookTargets {
  private readonly refused = new Map<string, BlockList>();
  private readonly allowed = new BlockList();

  /** `allow`: addresses or CIDR ranges admitted whatever they are (throws AllowTargetsError). */
  constructor(allow: readonly string[], private readonly ownAddresses: () => string[] = localAddresses) {
    for (const [address, bits, family, reason] of REFUSED) {
      let list = this.refused.get(reason);
      if (list === undefined) this.refused.set(reason, (list = new BlockList()));
      list.addSubnet(address, bits, family);
    }
    for (const entry of allow) this.allowed.addSubnet(...subnet(entry));
  }

  /** Why an address is refused, or null when a webhook may go there. */
  refusal(address: string): string | null {
    const version = isIP(address);
    if (version === 0) return "not an IP address";
    const family: Family = version === 6 ? "ipv6" : "ipv4";
    if (this.allowed.check(address, family)) return null;
    for (const [reason, list] of this.refused) if (list.check(address, family)) return reason;
    if (family === "ipv6") {
      const g = groups(address);
      // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits: judged as that address.
      if (g.length === 8 && g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
        return this.refusal([g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join("."));
      }
    }
    if (this.ownAddresses().includes(address)) return "an address of this host";
    return null;
  }

  /** Throws WebhookTargetError when the URL names a refused address, or localhost (RFC 6761), itself. */
  checkUrl(url: URL): void {
    this.checkLiteral(url);
    const host = url.hostname;
    if (/(^|\.)localhost\.?$/i.test(host) && this.refusal("127.0.0.1") !== null) throw new WebhookTargetError(host, "loopback");
  }

  /** Throws WebhookTargetError when the URL's host is a refused IP address (names are left to lookup). */
  checkLiteral(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const reason = isIP(host) === 0 ? null : this.refusal(host);
    if (reason !== null) throw new WebhookTargetError(host, reason);
  }

  /**
   * A `lookup` for http.request: resolves as usual, then fails the connection with WebhookTargetError
   * when the address it would connect to is refused. (Node connects to a literal address without
   * calling it: checkLiteral covers those.)
   */
  readonly lookup = (hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) return callback(err, "");
      const first = addresses[0];
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "");
      for (const a of addresses) {
        const reason = this.refusal(a.address);
        if (reason !== null) return callback(new WebhookTargetError(a.address, reason) as NodeJS.ErrnoException, "");
      }
      if (options.all === true) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address.replace(/%.*$/, "")));
}
