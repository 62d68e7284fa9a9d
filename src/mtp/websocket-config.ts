// The WebSocket MTP's options from the configuration (usp.websocket.*), its PEM files read once at start.

import { readFileSync } from "node:fs";
import { ConfigError, type Config } from "../config/index.js";
import type { Logger } from "../server/logger.js";
import type { WebSocketServerOptions } from "./websocket-server.js";

function pem(file: string, key: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError([`usp.websocket.${key}: cannot read ${file}: ${(err as Error).message}`]);
  }
}

/** The server's options; throws with the key at fault when a TLS file cannot be read or is missing its pair. */
export function websocketServerOptions(config: Config, log: Logger): WebSocketServerOptions {
  const w = config.usp.websocket;
  if ((w.tlsCert === "") !== (w.tlsKey === "")) throw new ConfigError(["usp.websocket.tlsCert and usp.websocket.tlsKey are set together (or neither)"]);
  if (w.tlsCert === "" && (w.tlsClientCa !== "" || w.tlsClientCertRequired)) throw new ConfigError(["usp.websocket.tlsClientCa and tlsClientCertRequired need TLS (usp.websocket.tlsCert and tlsKey)"]);
  return {
    host: w.host,
    port: w.port,
    path: w.path,
    endpointId: config.usp.endpointId,
    tls:
      w.tlsCert === ""
        ? null
        : {
            cert: pem(w.tlsCert, "tlsCert"),
            key: pem(w.tlsKey, "tlsKey"),
            ...(w.tlsClientCa === "" ? {} : { clientCa: pem(w.tlsClientCa, "tlsClientCa") }),
            clientCertRequired: w.tlsClientCertRequired,
          },
    auth: w.auth,
    realm: config.cwmp.realm,
    allowedOrigins: w.allowedOrigins,
    maxRecordBytes: w.maxRecordBytes,
    pingIntervalMs: w.pingInterval * 1000,
    maxConnections: w.maxConnections,
    maxConnectionsPerAddress: w.maxConnectionsPerAddress,
    retryAfterSeconds: config.cwmp.retryAfter,
    log,
  };
}
