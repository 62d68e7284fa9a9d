// The controller's WebSocket MTP (TR-369): agents connect to it with the `v1.usp` subprotocol, name
// themselves in the `bbf-usp-protocol` extension and log in with HTTP Basic or a TLS client
// certificate; each binary message is one Record. Everything is checked before the upgrade is accepted,
// so a refused agent gets a plain HTTP status saying why. Sockets only: Records are passed on undecoded.

import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { parseBasicAuthorization } from "../auth/index.js";
import { AddressCap } from "../server/address-cap.js";
import { clientCertCn, listen, type TlsOptions } from "../server/cwmp-server.js";
import type { Logger } from "../server/logger.js";
import type { ControllerMtp, ControllerMtpHandler, MtpAuthenticator, MtpPeer, MtpRoute } from "./types.js";
import { formatUspExtension, readUspExtension } from "./websocket-extension.js";

export const USP_SUBPROTOCOL = "v1.usp";

export interface WebSocketServerOptions {
  host: string;
  /** 0: any free port (then read `port` once started). */
  port: number;
  path: string;
  /** The controller's Endpoint ID, answered in the `bbf-usp-protocol` extension. */
  endpointId: string;
  tls: TlsOptions | null;
  /** `open`: agents are taken without authenticating (lab use). */
  auth: "required" | "open";
  /** The realm of the Basic challenge. */
  realm: string;
  /** Origin values accepted; an upgrade with any other Origin is refused (agents send none). */
  allowedOrigins: readonly string[];
  maxRecordBytes: number;
  /** Between pings; an agent that did not answer the last one is closed. 0: no pings. */
  pingIntervalMs: number;
  /** Connections open or being authenticated at once; 0: no cap. */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Seconds a refused upgrade over maxConnections is told to wait. */
  retryAfterSeconds: number;
  log: Logger;
}

interface Connection {
  ws: WebSocket;
  route: MtpRoute;
  peer: MtpPeer;
  /** Answered the last ping. */
  alive: boolean;
}

/** An HTTP refusal of an upgrade: the status, why, and any headers it needs. */
interface Refusal {
  status: number;
  reason: string;
  headers?: Record<string, string>;
}

export class WebSocketControllerMtp implements ControllerMtp {
  readonly name = "websocket" as const;
  private readonly connections = new Map<string, Connection>();
  /** Upgrade requests whose agent named itself: the answer names the controller. */
  private readonly named = new WeakSet<IncomingMessage>();
  // A prefix per start, so that a route kept from before a restart never reaches a new socket.
  private prefix = "";
  private seq = 0;
  private authenticating = 0;
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  private boundPort = 0;

  constructor(
    private readonly o: WebSocketServerOptions,
    private readonly authenticate: MtpAuthenticator,
  ) {}

  /** The port it listens on (the one chosen when configured with 0). */
  get port(): number {
    return this.boundPort;
  }

  /** WebSocket connections open now. */
  get size(): number {
    return this.connections.size;
  }

  async start(handler: ControllerMtpHandler): Promise<void> {
    if (this.server !== null) throw new Error("the WebSocket MTP is started already");
    this.prefix = `${randomBytes(4).toString("hex")}-`;
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.o.maxRecordBytes,
      handleProtocols: (offered) => (offered.has(USP_SUBPROTOCOL) ? USP_SUBPROTOCOL : false),
    });
    wss.on("headers", (headers, req) => {
      if (this.named.has(req)) headers.push(`Sec-WebSocket-Extensions: ${formatUspExtension(this.o.endpointId)}`);
    });
    const plain = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(426, { "Content-Type": "text/plain; charset=utf-8", Upgrade: "websocket", Connection: "Upgrade" });
      res.end(`this is a USP WebSocket endpoint: connect at ${this.o.path} with the ${USP_SUBPROTOCOL} subprotocol\n`);
    };
    const server = this.o.tls === null
      ? createHttpServer(plain)
      : createHttpsServer(
          {
            cert: this.o.tls.cert,
            key: this.o.tls.key,
            handshakeTimeout: 30_000,
            ...(this.o.tls.clientCa ? { ca: this.o.tls.clientCa, requestCert: true, rejectUnauthorized: this.o.tls.clientCertRequired } : {}),
          },
          plain,
        );
    server.headersTimeout = 30_000;
    server.requestTimeout = 60_000;
    server.on("clientError", (_err, socket: Duplex) => socket.destroy());
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.upgrade(wss, handler, req, socket, head);
    });
    new AddressCap(this.o.maxConnectionsPerAddress, (address) => this.o.log.debug({ address }, "USP WebSocket connection refused: too many from this address")).watch(server);
    this.boundPort = await listen(server, this.o.port, this.o.host, this.o.log, "USP WebSocket");
    this.server = server;
    this.wss = wss;
    if (this.o.pingIntervalMs > 0) {
      this.pinger = setInterval(() => this.ping(), this.o.pingIntervalMs);
      this.pinger.unref();
    }
    this.o.log.info({ host: this.o.host, port: this.boundPort, path: this.o.path, tls: this.o.tls !== null }, "USP WebSocket MTP listening");
    if (this.o.auth === "open") this.o.log.warn({}, "usp.websocket.auth is open: any client may connect as any USP agent without authenticating");
    else if (this.o.tls === null) this.o.log.warn({}, "USP WebSocket MTP without TLS: agents' passwords cross the network in clear (set usp.websocket.tlsCert and tlsKey)");
  }

  async send(route: MtpRoute, bytes: Uint8Array): Promise<boolean> {
    if (route.mtp !== "websocket") return false;
    const c = this.connections.get(route.address);
    if (c === undefined || c.ws.readyState !== WebSocket.OPEN) return false;
    return new Promise((resolve) => c.ws.send(bytes, { binary: true }, (err) => resolve(err === undefined || err === null)));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    if (this.pinger !== null) clearInterval(this.pinger);
    this.pinger = null;
    const closing = [...this.connections.values()].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          // An agent that does not answer the close is not waited for.
          const t = setTimeout(() => c.ws.terminate(), 2000);
          c.ws.once("close", () => {
            clearTimeout(t);
            resolve();
          });
          c.ws.close(1001, "controller stopping");
        }),
    );
    await Promise.all([
      ...closing,
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    ]);
    this.wss?.close();
    this.wss = null;
  }

  private async upgrade(wss: WebSocketServer, handler: ControllerMtpHandler, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Until ws takes the socket, nothing else listens for its errors (a reset while we authenticate).
    socket.on("error", () => undefined);
    const remoteAddress = req.socket.remoteAddress ?? null;
    const checked = this.check(req);
    if ("status" in checked) return this.refuse(socket, remoteAddress, checked);
    const { peer, password } = checked;
    this.authenticating++;
    let ok: boolean;
    try {
      ok = this.o.auth === "open" || (await this.authenticate(peer, password));
    } catch (err) {
      this.o.log.error({ err, endpointId: peer.endpointId, address: remoteAddress }, "USP WebSocket agent could not be authenticated");
      return this.refuse(socket, remoteAddress, { status: 503, reason: "authentication is not available now", headers: { "Retry-After": String(this.o.retryAfterSeconds) } });
    } finally {
      this.authenticating--;
    }
    if (!ok) return this.refuse(socket, remoteAddress, { ...this.challenge(), reason: "these credentials are not accepted" }, peer);
    if (socket.destroyed || this.server === null) return void socket.destroy();
    if (peer.endpointId !== null) this.named.add(req);
    wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, handler, peer));
  }

  /** Everything but the password check: a refusal, or the peer and its password. */
  private check(req: IncomingMessage): Refusal | { peer: MtpPeer; password: string | null } {
    if (this.server === null) return { status: 503, reason: "the controller is stopping" };
    let path: string;
    try {
      path = new URL(req.url ?? "/", "http://x").pathname;
    } catch {
      path = "";
    }
    if (path !== this.o.path) return { status: 404, reason: `no USP endpoint at this path; agents connect at ${this.o.path}` };
    const origin = req.headers.origin;
    if (origin !== undefined && !this.o.allowedOrigins.includes(origin)) return { status: 403, reason: `origin ${origin} is not allowed (usp.websocket.allowedOrigins)` };
    const protocols = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    if (!protocols.includes(USP_SUBPROTOCOL)) return { status: 400, reason: `Sec-WebSocket-Protocol must offer ${USP_SUBPROTOCOL}` };
    const ext = readUspExtension(req.headers["sec-websocket-extensions"]);
    if ("error" in ext) return { status: 400, reason: ext.error };
    const cap = this.o.maxConnections;
    if (cap > 0 && this.connections.size + this.authenticating >= cap) {
      return { status: 503, reason: "too many USP connections", headers: { "Retry-After": String(this.o.retryAfterSeconds) } };
    }
    const tls = this.o.tls === null ? null : clientCertCn(req.socket as TLSSocket);
    const basic = req.headers.authorization === undefined ? null : parseBasicAuthorization(req.headers.authorization);
    if (req.headers.authorization !== undefined && basic === null) return { ...this.challenge(), reason: "the Authorization header is not HTTP Basic" };
    const peer: MtpPeer = {
      endpointId: ext.offered ? ext.eid : null,
      username: this.o.auth === "open" ? null : (basic?.username ?? null),
      certCn: tls,
      remoteAddress: req.socket.remoteAddress ?? null,
    };
    if (this.o.auth === "required" && basic === null && tls === null) return { ...this.challenge(), reason: "authentication required (HTTP Basic or a client certificate)" };
    return { peer, password: basic?.password ?? null };
  }

  private challenge(): Omit<Refusal, "reason"> {
    return { status: 401, headers: { "WWW-Authenticate": `Basic realm="${this.o.realm.replace(/["\\]/g, "")}", charset="UTF-8"` } };
  }

  private refuse(socket: Duplex, address: string | null, r: Refusal, peer?: MtpPeer): void {
    this.o.log.info({ address, status: r.status, reason: r.reason, ...(peer ? { endpointId: peer.endpointId, username: peer.username, certCn: peer.certCn } : {}) }, "USP WebSocket upgrade refused");
    if (socket.destroyed) return;
    const body = `${r.reason}\n`;
    const head = [
      `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ""}`,
      "Connection: close",
      "Content-Type: text/plain; charset=utf-8",
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...Object.entries(r.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
  }

  private accept(ws: WebSocket, handler: ControllerMtpHandler, peer: MtpPeer): void {
    const route: MtpRoute = { mtp: "websocket", address: `${this.prefix}${++this.seq}` };
    const c: Connection = { ws, route, peer, alive: true };
    this.connections.set(route.address, c);
    const log = this.o.log;
    log.debug({ connection: route.address, endpointId: peer.endpointId, address: peer.remoteAddress }, "USP agent connected over WebSocket");
    ws.on("pong", () => {
      c.alive = true;
    });
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        log.info({ connection: route.address, endpointId: peer.endpointId }, "USP WebSocket closed: a text frame (Records travel in binary frames)");
        ws.close(1003, "USP Records travel in binary frames");
        return;
      }
      try {
        handler.record(toBytes(data), route, peer);
      } catch (err) {
        log.error({ err, connection: route.address }, "the USP controller failed on a Record");
      }
    });
    ws.on("error", (err) => log.info({ err, connection: route.address, endpointId: peer.endpointId }, "USP WebSocket error"));
    ws.on("close", (code: number) => {
      this.connections.delete(route.address);
      log.debug({ connection: route.address, endpointId: peer.endpointId, code }, "USP agent disconnected");
      try {
        handler.gone?.(route);
      } catch (err) {
        log.error({ err, connection: route.address }, "the USP controller failed on a closed connection");
      }
    });
  }

  private ping(): void {
    for (const c of this.connections.values()) {
      if (!c.alive) {
        this.o.log.info({ connection: c.route.address, endpointId: c.peer.endpointId }, "USP WebSocket closed: no answer to the last ping");
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}

/** A binary message's bytes, whatever form ws gives them in. */
export function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
