// The CWMP endpoint's sockets: HTTP and optional HTTPS (with client certificates), keep-alive, body
// limits in size and time, and load shedding: past maxInFlight requests being processed, new sessions
// get 503 with Retry-After at once instead of everyone slowing down, while sessions in progress (a
// session cookie, or a connection that carries one) go on. A request holds a slot only while it is
// processed, not while its body arrives, so that slow clients cannot take the slots of others.

import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { isStoreUnavailable } from "../store/index.js";
import { AddressCap } from "./address-cap.js";
import { BodyCancel, BodyError, readBody } from "./body.js";
import type { BulkDataCollector } from "./bulkdata.js";
import { parseCookies } from "./cookies.js";
import type { CwmpHandler, Exchange } from "./cwmp-handler.js";
import type { IntakeLimits } from "./intake-limits.js";
import type { Logger } from "./logger.js";

export interface TlsOptions {
  cert: Buffer;
  key: Buffer;
  /** CA that client certificates must chain to; when set, clients are asked for one. */
  clientCa?: Buffer;
  clientCertRequired: boolean;
}

export interface CwmpServerOptions {
  host: string;
  port: number;
  httpsPort: number | null;
  tls: TlsOptions | null;
  handler: CwmpHandler;
  log: Logger;
  maxInFlight: number;
  retryAfterSeconds: number;
  keepAliveMs: number;
  /** Time to receive a request's headers, and its body; 0: none. */
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Bytes per second a body must average once it takes longer than a few seconds; 0: none. */
  minBodyRate: number;
  /** Connections one source address may hold open at once (HTTP and HTTPS together); 0: no cap. */
  maxConnectionsPerAddress: number;
  /** The session cookie's name: a request carrying it belongs to a session in progress. */
  cookieName: string;
  /** Takes Bulk Data reports at its own path on this port (bulkdata.ts); none when absent. */
  bulkData?: BulkDataCollector;
  /** Called with each answered request's status and duration (metrics). */
  observe?: (status: number, seconds: number) => void;
  /** Called with the number of requests being processed whenever it changes (metrics). */
  inFlight?: (n: number) => void;
}

export interface CwmpServer {
  port: number;
  httpsPort: number | null;
  close(): Promise<void>;
}

export async function startCwmpServer(o: CwmpServerOptions): Promise<CwmpServer> {
  // Sessions of CPEs that send no cookie back are recognised by their keep-alive connection.
  const sessionOf = new WeakMap<Socket, string>();
  // And the other way: the open connection each session's last request came on. A CPE still holding the
  // connection of its session is in it; one that crashed, gave up or rebooted has closed it or is
  // reporting a boot (cwmp-handler.ts tells a concurrent duplicate from a restart with it).
  const socketOf = new Map<string, Socket>();
  const watched = new WeakSet<Socket>();
  const carry = (socket: Socket, session: string | null) => {
    const before = sessionOf.get(socket);
    if (before !== undefined && before !== session && socketOf.get(before) === socket) socketOf.delete(before);
    if (session === null) {
      sessionOf.delete(socket);
      return;
    }
    if (!watched.has(socket)) {
      watched.add(socket);
      socket.once("close", () => carry(socket, null));
    }
    sessionOf.set(socket, session);
    socketOf.set(session, socket);
  };
  let inFlight = 0;

  // A request whose connection fails under it (malformed framing, a reset) learns it from here.
  const underway = new WeakMap<Socket, BodyCancel>();

  const onRequest = async (secure: boolean, req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    const answer = (status: number, headers: Record<string, string | string[]>, body: string | Buffer) => {
      reply(res, status, headers, body);
      o.observe?.(status, (performance.now() - t0) / 1000);
    };
    // Kept from the start: once the client is gone, req.socket is null.
    const socket = req.socket;
    const address = socket.remoteAddress ?? null;
    // Only new sessions are shed: cutting one under way wastes the work already done for it.
    const shed = () => {
      if (inFlight < o.maxInFlight || sessionOf.has(socket) || carriesCookie(req, o.cookieName)) return false;
      answer(503, { "Retry-After": String(o.retryAfterSeconds), Connection: "close", "Content-Type": "text/plain" }, "the ACS is busy; retry later\n");
      return true;
    };
    if (shed()) {
      req.resume();
      return;
    }
    const cancel = new BodyCancel();
    underway.set(socket, cancel);
    if (o.bulkData?.handles(req.url ?? "/") === true) {
      await bulkData(o.bulkData, req, secure, cancel, answer);
      underway.delete(socket);
      return;
    }
    const connectionSession = sessionOf.get(socket) ?? null;
    let limits: IntakeLimits;
    try {
      // Chosen before the body is read: an Inform from outside a session gets far less than a session.
      limits = await o.handler.limitsFor({ headers: req.headers, connectionSession });
    } catch (err) {
      underway.delete(socket);
      if (!isStoreUnavailable(err)) o.log.error({ err, address }, "CWMP request failed");
      if (isStoreUnavailable(err)) answer(503, { "Retry-After": String(o.retryAfterSeconds), Connection: "close", "Content-Type": "text/plain" }, "the database is unavailable; retry later\n");
      else answer(500, { "Content-Type": "text/plain", Connection: "close" }, "internal error\n");
      return;
    }
    let body: Buffer;
    try {
      // No slot is held while the body arrives: a slow client waits on its own time, bounded.
      const which = limits.inSession ? "" : limits.bootstrap ? " (an Inform with the bootstrap credentials)" : " (an Inform outside a session)";
      body = await readBody(req, { maxBytes: limits.maxBytes, which, timeoutMs: o.bodyTimeoutMs, minRate: o.minBodyRate, cancel });
    } catch (err) {
      underway.delete(socket);
      const e = err instanceof BodyError ? err : new BodyError(400, "BODY_ABORTED", String(err));
      o.log.warn({ address, code: e.code, err: e.message }, "request body refused");
      answer(e.status, { "Content-Type": "text/plain", Connection: "close" }, `${e.code}: ${e.message}\n`);
      return;
    }
    if (shed()) {
      underway.delete(socket);
      return;
    }
    o.inFlight?.(++inFlight);
    try {
      const exchange: Exchange = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body,
        remoteAddress: address,
        secure,
        connectionSession,
        clientCertCn: secure ? clientCertCn(socket as TLSSocket) : null,
        heldElsewhere: (session) => {
          const other = socketOf.get(session);
          return other !== undefined && other !== socket && !other.destroyed;
        },
        limits,
      };
      const r = await o.handler.handle(exchange);
      if (!socket.destroyed) carry(socket, r.session);
      answer(r.status, r.headers, r.body);
    } catch (err) {
      if (isStoreUnavailable(err)) {
        // Nothing of the exchange was committed: the CPE retries the session later (TR-069 3.2.1.2),
        // from its Inform, since the connection (and with it the session) is closed. The outage itself
        // is logged once, when the store reports it.
        o.log.debug({ address, err: (err as Error).message }, "CWMP request refused: the database is unavailable");
        carry(socket, null);
        if (!res.headersSent) answer(503, { "Retry-After": String(o.retryAfterSeconds), Connection: "close", "Content-Type": "text/plain" }, "the database is unavailable; retry later\n");
        else res.destroy();
        return;
      }
      o.log.error({ err, address }, "CWMP request failed");
      if (!res.headersSent) answer(500, { "Content-Type": "text/plain" }, "internal error\n");
      else res.destroy();
    } finally {
      underway.delete(socket);
      o.inFlight?.(--inFlight);
    }
  };

  // A report is no session: it is shed like a new one, and its body bounded and timed like a CWMP body.
  const bulkData = async (collector: BulkDataCollector, req: IncomingMessage, secure: boolean, cancel: BodyCancel, answer: (status: number, headers: Record<string, string | string[]>, body: string) => void) => {
    const address = req.socket.remoteAddress ?? null;
    try {
      const r = await collector.serve({
        method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, secure, address,
        readBody: (maxBytes) => readBody(req, { maxBytes, which: " (a Bulk Data report)", timeoutMs: o.bodyTimeoutMs, minRate: o.minBodyRate, cancel }),
      });
      answer(r.status, r.headers, r.body);
    } catch (err) {
      if (isStoreUnavailable(err)) answer(503, { "Retry-After": String(o.retryAfterSeconds), Connection: "close", "Content-Type": "text/plain" }, "the database is unavailable; retry later\n");
      else {
        o.log.error({ err, address }, "Bulk Data request failed");
        answer(500, { "Content-Type": "text/plain", Connection: "close" }, "internal error\n");
      }
    }
  };

  const listener = (secure: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    onRequest(secure, req, res).catch((err: unknown) => {
      o.log.error({ err }, "CWMP request failed");
      res.destroy();
    });
  };

  // Errors node's parser meets on a connection (malformed requests, timeouts, resets). Without this
  // listener node answers them itself; with it, the answers carry a length and are counted.
  const onClientError = (err: NodeJS.ErrnoException, socket: Socket) => {
    const request = underway.get(socket);
    if (request !== undefined) {
      const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
      const code = err.code === "ECONNRESET" ? "BODY_ABORTED" : status === 408 ? "BODY_TIMEOUT" : "BODY_FRAMING";
      request.cancel(new BodyError(status, code, `the request could not be read (${err.code ?? err.message})`));
      if (err.code === "ECONNRESET" || !socket.writable) socket.destroy();
      return;
    }
    // Only what the HTTP parser found can be answered in HTTP; TLS failures (https forwards them here,
    // before any handshake) and resets just close.
    if (!(err.code?.startsWith("HPE_") || err.code === "ERR_HTTP_REQUEST_TIMEOUT") || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const text = `${STATUS_CODES[status]}\n`;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`);
    o.observe?.(status, 0);
  };

  // Node looks for expired headers and requests every this often (30 s by default).
  const serverOptions = { connectionsCheckingInterval: Math.max(100, Math.min(1000, o.headersTimeoutMs / 2 || 1000)) };
  const cap = new AddressCap(o.maxConnectionsPerAddress, (address) => o.log.debug({ address }, "connection refused: too many from this address"));
  const tune = (s: Server) => {
    cap.watch(s);
    // Idle keep-alive connections wait keepAliveTimeout; headersTimeout runs from a request's first byte.
    s.keepAliveTimeout = o.keepAliveMs;
    s.headersTimeout = o.headersTimeoutMs;
    // A backstop behind readBody's own limits, which answer more precisely.
    s.requestTimeout = o.headersTimeoutMs > 0 && o.bodyTimeoutMs > 0 ? o.headersTimeoutMs + o.bodyTimeoutMs + 5000 : 0;
    s.on("clientError", onClientError);
    return s;
  };
  const http = tune(createHttpServer(serverOptions, listener(false)));
  const servers: Server[] = [http];
  const port = await listen(http, o.port, o.host, o.log);
  let httpsPort: number | null = null;
  if (o.httpsPort !== null && o.tls !== null) {
    const https = tune(
      createHttpsServer(
        {
          ...serverOptions,
          // A client that never finishes its handshake has not started its headers either.
          handshakeTimeout: o.headersTimeoutMs || 120_000,
          cert: o.tls.cert,
          key: o.tls.key,
          ...(o.tls.clientCa ? { ca: o.tls.clientCa, requestCert: true, rejectUnauthorized: o.tls.clientCertRequired } : {}),
        },
        listener(true),
      ),
    );
    servers.push(https);
    httpsPort = await listen(https, o.httpsPort, o.host, o.log);
  }
  return {
    port,
    httpsPort,
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function carriesCookie(req: IncomingMessage, name: string): boolean {
  try {
    return parseCookies(req.headers.cookie).has(name);
  } catch {
    return false;
  }
}

/** The subject CN of the client certificate a TLS socket verified; null when none (or not verified). */
export function clientCertCn(socket: TLSSocket): string | null {
  if (!socket.authorized) return null;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === "string" && cn.length > 0 ? cn : Array.isArray(cn) ? (cn[0] ?? null) : null;
}

/** Listens, resolving with the port bound; `what` names the listener in its later errors' log lines. */
export function listen(server: Server, port: number, host: string, log: Logger, what = "CWMP"): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      // Accept failures (out of file descriptors) must not end the process; node retries by itself.
      server.on("error", (err) => log.error({ err }, `${what} listener error`));
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Every reply carries its length: embedded HTTP clients often cannot read a chunked body. */
function reply(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: string | Buffer): void {
  if (status === 204 || status === 304) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}
