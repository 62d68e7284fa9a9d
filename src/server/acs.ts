// Wires one ACS process together from its configuration: store, secrets, authentication, the CWMP
// endpoint, housekeeping and the task API. The CLI and the end-to-end tests both start it this way.

import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { Config } from "../config/index.js";
import { defaultSessionConfig, type SessionConfig } from "../session/index.js";
import { openStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import type { TaskPolicy } from "./apply-effects.js";
import { bootstrapCredentials, nonceSecret, type BootstrapCredentials } from "./bootstrap.js";
import { CpeAuthenticator } from "./cpe-auth.js";
import { CwmpHandler } from "./cwmp-handler.js";
import { startCwmpServer, type TlsOptions } from "./cwmp-server.js";
import { EventBus } from "./events.js";
import { housekeep, startHousekeeping } from "./housekeeping.js";
import { silentLogger, type Logger } from "./logger.js";
import { TaskService } from "./tasks.js";

export interface Acs {
  store: Store;
  tasks: TaskService;
  events: EventBus;
  /** The CWMP URL to give CPEs (host as configured; 127.0.0.1 when listening on every address). */
  cwmpUrl: string;
  cwmpPort: number;
  cwmpsPort: number | null;
  bootstrap: BootstrapCredentials;
  /** Runs one housekeeping pass now (tests use it instead of waiting for the timer). */
  housekeep(): Promise<{ sessions: number; tasks: number }>;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Use this store instead of opening the configured one (it is not closed by close()). */
  store?: Store;
  clock?: () => Date;
  housekeepingIntervalMs?: number;
}

/** The store URL a configuration names: its `db`, else SQLite in the data folder. */
export function storeUrl(config: Config): string {
  if (config.db !== "") return config.db;
  return `sqlite:${join(config.dataDir, "provisio.db")}`;
}

export async function startAcs(config: Config, options: StartOptions = {}): Promise<Acs> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? (() => new Date());
  const dataDir = isAbsolute(config.dataDir) ? config.dataDir : resolve(config.dataDir);
  const store = options.store ?? (await openStore(storeUrl(config)));
  const ownsStore = options.store === undefined;
  try {
    const events = new EventBus((err) => log.error({ err }, "event listener failed"));
    const secret = await nonceSecret(store);
    const bootstrap = await bootstrapCredentials(store, {
      username: config.cwmp.bootstrapUsername,
      password: config.cwmp.bootstrapPassword,
      realm: config.cwmp.realm,
      dataDir,
      now: clock(),
    });
    if (config.cwmp.auth === "open") log.warn({}, "CPE authentication is OFF (cwmp.auth = open): any client can pose as any device");
    const auth = new CpeAuthenticator(
      { mode: config.cwmp.auth, methods: config.cwmp.authMethods, basicOverHttp: config.cwmp.basicOverHttp, realm: config.cwmp.realm, nonceTtlMs: config.cwmp.nonceTtl * 1000, secret },
      store.credentials,
    );
    const session: SessionConfig = {
      ...defaultSessionConfig,
      gpvBatchSize: config.cwmp.gpvBatchSize,
      maxRpcs: config.cwmp.maxRpcsPerSession,
      holdRequests: config.cwmp.holdRequests,
    };
    const taskPolicy: TaskPolicy = { maxAttempts: config.tasks.maxAttempts, retryBaseMs: config.tasks.retryBase * 1000, retryMaxMs: config.tasks.retryMax * 1000 };
    const handler = new CwmpHandler({
      store,
      auth,
      events,
      log,
      session,
      taskPolicy,
      sessionTimeoutMs: config.cwmp.sessionTimeout * 1000,
      retryAfterSeconds: config.cwmp.retryAfter,
      maxBodyBytes: config.cwmp.maxBodyBytes,
      cookieName: config.cwmp.cookieName,
      clientIdentity: config.cwmp.tlsClientIdentity,
      clock,
    });
    const tls: TlsOptions | null =
      config.cwmp.httpsPort >= 0
        ? {
            cert: readFileSync(config.cwmp.tlsCert),
            key: readFileSync(config.cwmp.tlsKey),
            ...(config.cwmp.tlsClientCa ? { clientCa: readFileSync(config.cwmp.tlsClientCa) } : {}),
            clientCertRequired: config.cwmp.tlsClientCertRequired,
          }
        : null;
    const server = await startCwmpServer({
      host: config.cwmp.host,
      port: config.cwmp.port,
      httpsPort: config.cwmp.httpsPort >= 0 ? config.cwmp.httpsPort : null,
      tls,
      handler,
      log,
      maxInFlight: config.cwmp.maxInFlight,
      retryAfterSeconds: config.cwmp.retryAfter,
      maxBodyBytes: config.cwmp.maxBodyBytes,
      keepAliveMs: config.cwmp.sessionTimeout * 1000,
    });
    const hkOptions = { store, events, log, session, taskPolicy, clock };
    const hk = startHousekeeping(hkOptions, options.housekeepingIntervalMs ?? Math.max(1000, (config.cwmp.sessionTimeout * 1000) / 3));
    const tasks = new TaskService(store, { maxAttempts: config.tasks.maxAttempts, expirySeconds: config.tasks.defaultExpiry }, events, undefined, clock);
    const host = config.cwmp.host === "0.0.0.0" || config.cwmp.host === "::" ? "127.0.0.1" : config.cwmp.host;
    return {
      store,
      tasks,
      events,
      cwmpUrl: `http://${host.includes(":") ? `[${host}]` : host}:${server.port}/`,
      cwmpPort: server.port,
      cwmpsPort: server.httpsPort,
      bootstrap,
      housekeep: () => housekeep(hkOptions),
      async close() {
        await server.close();
        await hk.stop();
        if (ownsStore) await store.close();
      },
    };
  } catch (err) {
    if (ownsStore) await store.close();
    throw err;
  }
}
