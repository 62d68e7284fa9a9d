// Connection Requests (TR-069 3.2.2) for every simulated device, on one HTTP server: each device has a
// path of its own (its ConnectionRequestURL), and a request is a GET that must carry Digest
// credentials matching that device's ConnectionRequestUsername and ConnectionRequestPassword.
//
//   200 (empty body)  authenticated and accepted; the session starts after the answer is sent
//   401               no, malformed or wrong credentials (with a fresh challenge)
//   503               the device is down (rebooting), has CWMP disabled, or is over its rate limit
//   404 / 405         no device at that path / not a GET
//
// UDP Connection Requests (TR-111, udp-channel.ts) and XMPP (TR-069 Annex K, xmpp-channel.ts) arrive
// through other channels. Those are per device (a socket, an XMPP login), started and stopped as each
// device's parameters say (DeviceChannel); all of them wake devices the same way (WakeableDevice).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createChallenge, digestHa1, generateSecret, parseAuthorization, verifyDigest } from "../../auth/index.js";
import type { Cpe } from "../cpe.js";

export type ConnectionRequestKind = "http" | "udp" | "xmpp";

/** A device as a connection-request channel sees it. */
export interface WakeableDevice {
  /** The credentials a Connection Request must carry (they can change: the ACS may set them). */
  connectionRequestCredentials(): { username: string; password: string };
  /**
   * Whether a Connection Request of this kind is accepted now: the device is up, CWMP is enabled (for
   * HTTP, HTTPConnectionRequestEnable too) and it is under its rate limit. An accepted request counts
   * against the limit.
   */
  admitConnectionRequest(kind: ConnectionRequestKind): boolean;
  /** Starts the session an accepted request asked for (called once the answer has been sent). */
  wake(): void;
}

/** What the HTTP channel needs from the runtime. */
export interface WakeTarget {
  /** The device whose Connection Request path this is. */
  find(key: string): WakeableDevice | undefined;
}

export type ConnectionRequestResult = "accepted" | "refused" | "unavailable" | "unknown";

/** One way Connection Requests reach the devices. */
export interface ConnectionRequestChannel {
  readonly kind: ConnectionRequestKind;
  close(): Promise<void>;
}

/** A device as the per-device channels (UDP, XMPP) see it. */
export interface ChannelDevice extends WakeableDevice {
  readonly index: number;
  readonly serialNumber: string;
  /** The engine: its parameters say what the channel should do. */
  readonly cpe: Cpe;
  /** Powered and not down for a reboot. */
  readonly up: boolean;
  /**
   * Sets values on the device as it does itself (read-only ones too). With `notify` (default), Active
   * Notification may start a session; without, the change waits for notifyChanges() or the next Inform.
   */
  setLocalValues(values: ReadonlyArray<readonly [string, string]>, notify?: boolean): void;
  /** Looks for changed notified values (after values set without `notify`). */
  notifyChanges(): void;
}

/** A channel with something per device (a UDP socket, an XMPP login). */
export interface DeviceChannel extends ConnectionRequestChannel {
  /**
   * The device's parameters or state may have changed (it booted, went down, a session ended): start,
   * change or stop what it has on this channel. Never calls back into the device synchronously.
   */
  update(dev: ChannelDevice): void;
}

export interface HttpConnectionRequestOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) takes a free one. */
  port?: number;
  /** The Digest realm in challenges. */
  realm?: string;
  nonceTtlMs?: number;
  /** Real time for nonces (the ACS's clock is real even when the devices' is not). */
  now?: () => number;
  onResult?: (result: ConnectionRequestResult) => void;
}

export class HttpConnectionRequestListener implements ConnectionRequestChannel {
  readonly kind = "http" as const;
  private readonly secret = generateSecret(24);
  private readonly realm: string;
  private readonly nonceTtlMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly server: Server,
    private readonly target: WakeTarget,
    private readonly o: HttpConnectionRequestOptions,
  ) {
    this.realm = o.realm ?? "Provisio simulated CPE";
    this.nonceTtlMs = o.nonceTtlMs ?? 300_000;
    this.now = o.now ?? Date.now;
  }

  static async start(target: WakeTarget, o: HttpConnectionRequestOptions = {}): Promise<HttpConnectionRequestListener> {
    const server = createServer();
    const listener = new HttpConnectionRequestListener(server, target, o);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => listener.handle(req, res));
    // Connection Requests are one short GET each: drop idle connections quickly.
    server.keepAliveTimeout = 2_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port ?? 0, o.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return listener;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const path = (req.url ?? "/").split("?")[0]!;
    const device = this.target.find(path);
    const answer = (status: number, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "Content-Length": "0", ...headers });
      res.end();
    };
    if (device === undefined) {
      this.o.onResult?.("unknown");
      answer(404);
      return;
    }
    if (req.method !== "GET") {
      answer(405, { Allow: "GET" });
      return;
    }
    const now = this.now();
    const challenge = (stale = false) => {
      this.o.onResult?.("refused");
      answer(401, { "WWW-Authenticate": createChallenge({ realm: this.realm, now, secret: this.secret, nonceTtlMs: this.nonceTtlMs, stale }) });
    };
    const auth = parseAuthorization(req.headers.authorization);
    const { username, password } = device.connectionRequestCredentials();
    if (auth === null || auth.kind !== "digest" || auth.username !== username) {
      challenge();
      return;
    }
    const verdict = verifyDigest({
      authorization: auth,
      method: "GET",
      ha1: digestHa1(username, this.realm, password),
      secret: this.secret,
      realm: this.realm,
      now,
      nonceTtlMs: this.nonceTtlMs,
      uri: req.url ?? "/",
    });
    if (!verdict.ok) {
      challenge(verdict.reason === "stale-nonce");
      return;
    }
    if (!device.admitConnectionRequest("http")) {
      // TR-069 3.2.2: a request refused to limit the rate is answered 503, without Retry-After.
      this.o.onResult?.("unavailable");
      answer(503);
      return;
    }
    this.o.onResult?.("accepted");
    // The answer goes out before the session starts (TR-069 3.2.2).
    res.once("finish", () => device.wake());
    answer(200);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
