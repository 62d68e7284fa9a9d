// `provisio serve`: runs the ACS. With --workers N, a primary process prepares the database and secrets
// and N worker processes share the ports (node:cluster).

import cluster from "node:cluster";
import { networkInterfaces } from "node:os";
import type { Command } from "commander";
import { ConfigError, type Config } from "../config/index.js";
import { startAcs, storeUrl, type Acs } from "../server/acs.js";
import { bootstrapAdminKey, type BootstrapAdminKey } from "../server/api-keys.js";
import { bootstrapCredentials, nonceSecret } from "../server/bootstrap.js";
import { loadSecrets } from "../server/secrets.js";
import { createLogger } from "../server/logger.js";
import { openConfiguredStore } from "../server/store-open.js";
import { maskUrlSecrets } from "../server/redact.js";
import { collectSet, configFrom } from "./config-sources.js";

interface ServeFlags {
  config?: string;
  set?: string[];
  db?: string;
  dataDir?: string;
  host?: string;
  port?: string;
  httpsPort?: string;
  apiPort?: string;
  workers?: string;
  logLevel?: string;
  logFormat?: string;
}

export function addServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the ACS: the CWMP endpoint (port 7547), the REST API (port 7557), sessions, CPE authentication, devices, tasks, events, connection requests")
    .option("-c, --config <file>", "JSON configuration file (also PROVISIO_CONFIG)")
    .option("--db <url>", "database: sqlite:PATH or postgres://user:pass@host/db (default: SQLite in the data folder)")
    .option("--data-dir <dir>", "folder for the embedded database and generated secrets (default ./data)")
    .option("--host <address>", "address to listen on (default 0.0.0.0)")
    .option("-p, --port <port>", "CWMP HTTP port (default 7547)")
    .option("--https-port <port>", "CWMP HTTPS port (needs cwmp.tlsCert and cwmp.tlsKey)")
    .option("--api-port <port>", "REST API port (default 7557)")
    .option("-w, --workers <n>", "ACS processes sharing the ports (default 1)")
    .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent (default info)")
    .option("--log-format <format>", "pretty, json, or auto: pretty on a terminal, JSON elsewhere (default auto)")
    .option("--set <key=value>", "any setting by its key, e.g. --set cwmp.sessionTimeout=60 (repeatable)", collectSet)
    .addHelpText("after", "\nEvery setting, with its environment variable, is in docs/configuration.md.")
    .action(async (flags: ServeFlags) => {
      const config = configFrom(flags, {
        db: flags.db,
        dataDir: flags.dataDir,
        "cwmp.host": flags.host,
        "cwmp.port": flags.port,
        "cwmp.httpsPort": flags.httpsPort,
        "nbi.port": flags.apiPort,
        workers: flags.workers,
        "log.level": flags.logLevel,
        "log.format": flags.logFormat,
      });
      await serve(config);
    });
}

/** What a worker tells the primary once it listens. */
const WORKER_READY = "provisio.worker-ready";
interface WorkerReady {
  type: typeof WORKER_READY;
  cwmpPort: number;
  nbiPort: number | null;
}

async function serve(config: Readonly<Config>): Promise<void> {
  const log = createLogger(config.log.level, { format: config.log.format });
  // A promise rejected with nobody to handle it is a bug, and it belongs to one request or one background
  // pass: Node's default (end the process) would drop every other device's session with it. Said loudly,
  // and the process goes on. An uncaught exception keeps the default: the state it leaves is unknown.
  process.on("unhandledRejection", (reason) => {
    log.error({ err: reason }, "BUG: a promise was rejected and nothing handled it; the process goes on");
  });
  if (config.workers > 1 && cluster.isPrimary) {
    // Prepare once, so workers starting together do not race to generate secrets.
    const store = await openConfiguredStore(config, storeUrl(config), log);
    let bootstrap: Awaited<ReturnType<typeof bootstrapCredentials>>;
    let adminKey: BootstrapAdminKey;
    let noUsers: boolean;
    try {
      await nonceSecret(store);
      bootstrap = await bootstrapCredentials(store, { username: config.cwmp.bootstrapUsername, password: config.cwmp.bootstrapPassword, realm: config.cwmp.realm, dataDir: config.dataDir, now: new Date() });
      await loadSecrets({ configuredKey: config.secretsKey, dataDir: config.dataDir, store });
      adminKey = await bootstrapAdminKey(store, { dataDir: config.dataDir, now: new Date() });
      noUsers = (await store.users.count()) === 0;
    } finally {
      await store.close();
    }
    // The banner comes once a worker listens: it then names the ports really bound (port 0 means any
    // free port, chosen when the first worker listens and shared by the others).
    let announced = false;
    cluster.on("message", (_w, msg: unknown) => {
      const m = msg as Partial<WorkerReady> | null;
      if (announced || m?.type !== WORKER_READY || typeof m.cwmpPort !== "number") return;
      announced = true;
      banner(config, m.cwmpPort, m.nbiPort ?? null, bootstrap, adminKey, noUsers);
    });
    // One worker runs the STUN server: UDP connection requests must leave from its socket, which
    // workers cannot share; the others wake devices by HTTP and XMPP (docs/operations.md).
    const fork = (stun: boolean) => {
      const w = cluster.fork(stun ? { [STUN_WORKER_ENV]: "1" } : {});
      w.once("exit", (code, signal) => {
        if (signal !== "SIGTERM" && signal !== "SIGINT" && code !== 0) {
          log.error({ worker: w.process.pid, code, signal }, "worker died; starting another");
          fork(stun);
        }
      });
    };
    for (let i = 0; i < config.workers; i++) fork(i === 0);
    const stop = () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill("SIGTERM");
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    return;
  }
  let acs: Acs;
  try {
    acs = await startAcs(config, { log, stun: cluster.isPrimary || process.env[STUN_WORKER_ENV] === "1", embeddedMqtt: cluster.isPrimary });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new ConfigError([`an address is already in use (${(err as Error).message}): stop the other server or choose other ports (--port ${config.cwmp.port}, --api-port ${config.nbi.port}, files.port ${config.files.port}, stun.port ${config.stun.port}, usp.websocket.port ${config.usp.websocket.port})`]);
    }
    throw err;
  }
  if (cluster.isPrimary) banner(config, acs.cwmpPort, acs.nbi?.port ?? null, acs.bootstrap, acs.adminKey, (await acs.store.users.count()) === 0);
  else process.send?.({ type: WORKER_READY, cwmpPort: acs.cwmpPort, nbiPort: acs.nbi?.port ?? null } satisfies WorkerReady);
  log.info({ port: acs.cwmpPort, httpsPort: acs.cwmpsPort }, "CWMP endpoint listening");
  if (acs.nbi !== null) log.info({ apiPort: acs.nbi.port }, "REST API listening");
  if (acs.filePort !== null) log.info({ filePort: acs.filePort, url: acs.fileServerUrl }, "file server listening");
  if (acs.uspWebsocketUrl !== null) log.info({ url: acs.uspWebsocketUrl, endpointId: config.usp.endpointId }, "USP WebSocket endpoint listening");
  if (acs.uspMqtt !== null) log.info({ topic: acs.uspMqtt.topic, broker: acs.uspMqtt.broker?.url ?? config.usp.mqtt.url }, "USP MQTT controller subscribed");
  const stun = acs.connectionRequests.stunAddress;
  if (stun !== null) log.info({ stunPort: stun.port }, "STUN server listening");
  const stop = async () => {
    log.info({}, "stopping");
    await acs.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

/** Set (to "1") in the environment of the one cluster worker that runs the STUN server. */
const STUN_WORKER_ENV = "_PROVISIO_STUN_WORKER";

function banner(config: Readonly<Config>, port: number, apiPort: number | null, bootstrap: { username: string; password: string | null; file: string | null }, adminKey: BootstrapAdminKey, noUsers: boolean): void {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === "IPv4" && !a.internal)
    .map((a) => a!.address);
  const hosts = config.cwmp.host === "0.0.0.0" ? ["127.0.0.1", ...addresses] : [config.cwmp.host];
  const lines = [
    "",
    "Provisio ACS is running.",
    "",
    `  CWMP endpoint (ManagementServer.URL):`,
    ...hosts.map((h) => `      http://${h}:${port}/`),
    `  Database: ${maskUrlSecrets(storeUrl(config))}`,
    "",
    ...(apiPort === null
      ? ["  REST API: disabled (nbi.enabled)", ""]
      : [
          "  REST API (docs/api.md):",
          ...(config.nbi.host === "0.0.0.0" ? ["127.0.0.1", ...addresses] : [config.nbi.host]).map((h) => `      http://${h}:${apiPort}/api/`),
          `  Web console (docs/console.md): http://${config.nbi.host === "0.0.0.0" ? "127.0.0.1" : config.nbi.host}:${apiPort}/`,
          ...(adminKey.generatedNow && adminKey.key !== null
            ? ["  The first admin API key (shown once; kept in " + adminKey.file + "):", `      ${adminKey.key}`]
            : adminKey.file !== null
              ? [`  The first admin API key is kept in ${adminKey.file}`]
              : ["  API keys: npx provisio apikey create --name NAME --role admin|operator|read-only"]),
          // The console's logins are users; until one exists nobody can log in, so say how to make one.
          ...(noUsers
            ? ["  Web console users: none yet. Create the first admin (it asks for a password):", "      npx provisio user add admin --role admin"]
            : []),
          "",
        ]),
    "  Bootstrap credentials for CPEs that have none of their own",
    "  (ManagementServer.Username / ManagementServer.Password):",
    `      username: ${bootstrap.username}`,
    `      password: ${bootstrap.password ?? "(configured elsewhere)"}`,
    ...(bootstrap.file ? [`      (kept in ${bootstrap.file})`] : []),
    "",
    "  Try it with the simulator (in the Provisio folder):  npx provisio sim --acs http://127.0.0.1:" + port + "/ --devices 10 \\",
    `      --username ${bootstrap.username} --password <the password above>`,
    "  Connecting a real CPE: docs/getting-started.md",
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}
