// The CWMP endpoint's sockets: HTTP and optional HTTPS (with client certificates), keep-alive, body
// limits, and load shedding: past maxInFlight requests in progress, new ones get 503 with Retry-After at
// once instead of everyone slowing down.

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { BodyError, readBody } from "./body.js";
import type { CwmpHandler, Exchange } from "./cwmp-handler.js";
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
  /** Called with each answered request's status and duration (metrics). */
  observe?: (status: number, seconds: number) => void;
}

export interface CwmpServer {
  port: number;
  httpsPort: number | null;
  close(): Promise<void>;
}

export async function startCwmpServer(o: CwmpServerOptions): Promise<CwmpServer> {
  // Sessions of CPEs that send no cookie back are recognised by their keep-alive connection.
  const sessionOf = new WeakMap<Socket, string>();
  let inFlight = 0;

  const onRequest = (secure: boolean) => async (req: IncomingMessage, res: ServerResponse) => {
    if (inFlight >= o.maxInFlight) {
      res.writeHead(503, { "Retry-After": String(o.retryAfterSeconds), Connection: "close", "Content-Type": "text/plain" });
      res.end("the ACS is busy; retry later\n");
      req.resume();
      return;
    }
    inFlight++;
    const t0 = performance.now();
    try {
      const socket = req.socket;
      const connectionSession = sessionOf.get(socket) ?? null;
      const certCn = secure ? clientCertCn(socket as TLSSocket) : null;
      // Chosen before the body is read: an Inform from outside a session gets far less than a session.
      const limits = await o.handler.limitsFor({ headers: req.headers, connectionSession });
      const body = await readBody(req, limits.maxBytes, limits.inSession ? "" : limits.bootstrap ? " (an Inform with the bootstrap credentials)" : " (an Inform outside a session)");
      const exchange: Exchange = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body,
        remoteAddress: socket.remoteAddress ?? null,
        secure,
        connectionSession,
        clientCertCn: certCn,
        limits,
      };
      const reply = await o.handler.handle(exchange);
      if (reply.session === null) sessionOf.delete(socket);
      else sessionOf.set(socket, reply.session);
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    } catch (err) {
      if (err instanceof BodyError) {
        o.log.warn({ address: req.socket.remoteAddress, code: err.code, err: err.message }, "request body refused");
        res.writeHead(err.status, { "Content-Type": "text/plain", Connection: "close" });
        res.end(`${err.code}: ${err.message}\n`);
      } else {
        o.log.error({ err, address: req.socket.remoteAddress }, "CWMP request failed");
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
        res.end("internal error\n");
      }
    } finally {
      inFlight--;
      o.observe?.(res.statusCode, (performance.now() - t0) / 1000);
    }
  };

  const tune = (s: Server) => {
    s.keepAliveTimeout = o.keepAliveMs;
    s.headersTimeout = o.keepAliveMs + 5000;
    s.requestTimeout = 120_000;
    return s;
  };
  const http = tune(createHttpServer((req, res) => void onRequest(false)(req, res)));
  const servers: Server[] = [http];
  const port = await listen(http, o.port, o.host);
  let httpsPort: number | null = null;
  if (o.httpsPort !== null && o.tls !== null) {
    const https = tune(
      createHttpsServer(
        {
          cert: o.tls.cert,
          key: o.tls.key,
          ...(o.tls.clientCa ? { ca: o.tls.clientCa, requestCert: true, rejectUnauthorized: o.tls.clientCertRequired } : {}),
        },
        (req, res) => void onRequest(true)(req, res),
      ),
    );
    servers.push(https);
    httpsPort = await listen(https, o.httpsPort, o.host);
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

function clientCertCn(socket: TLSSocket): string | null {
  if (!socket.authorized) return null;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === "string" && cn.length > 0 ? cn : Array.isArray(cn) ? (cn[0] ?? null) : null;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
