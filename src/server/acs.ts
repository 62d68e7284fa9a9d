// Wires one ACS process together from its configuration: store, secrets, authentication, the CWMP
// endpoint, housekeeping, the task API, the event outbox feed, webhooks, connection requests (HTTP,
// UDP with the STUN server, XMPP), metrics and the REST API. The CLI and the end-to-end tests both
// start it this way.

import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { ConfigError, type Config } from "../config/index.js";
import { ModelError } from "../model/index.js";
import { startNbi, type RunningNbi } from "../nbi/app.js";
import { DEFAULT_CONSOLE_DIR } from "../nbi/plugins/console.js";
import { maskedConfig } from "../config/masked.js";
import { defaultSessionConfig, type SessionConfig } from "../session/index.js";
import type { Store } from "../store/types.js";
import { parseStoreUrl, type CheckpointReport } from "../store/index.js";
import { ApiKeyAuthenticator, bootstrapAdminKey, type BootstrapAdminKey } from "./api-keys.js";
import type { TaskPolicy } from "./apply-effects.js";
import { bootstrapCredentials, installDefaultPresets, nonceSecret, type BootstrapCredentials } from "./bootstrap.js";
import { CompatProfiles } from "./compat.js";
import { ConnectionRequests } from "./connection-requests.js";
import { CpeAuthenticator } from "./cpe-auth.js";
import { CwmpHandler } from "./cwmp-handler.js";
import { startCwmpServer, type TlsOptions } from "./cwmp-server.js";
import { EventFeed } from "./event-feed.js";
import { EventBus, type EventListener } from "./events.js";
import { housekeep, startHousekeeping } from "./housekeeping.js";
import { startIndexedParameters } from "./indexed-parameters.js";
import { MetricRecorder } from "./metric-recorder.js";
import { MetricService } from "./metric-service.js";
import { checkTiers } from "../metrics/index.js";
import { Logins, loginSettings } from "./logins.js";
import { RetryWaker } from "./task-retries.js";
import { silentLogger, type Logger } from "./logger.js";
import { openConfiguredStore } from "./store-open.js";
import { AcsMetrics } from "./metrics.js";
import { startLoopWatchdog } from "./loop-watchdog.js";
import { loadStandardModels, type StandardModels } from "./models.js";
import { loadSecrets, type LoadedSecrets } from "./secrets.js";
import { openTaskArgs, sealTaskArgs, type SealArgs } from "./task-secrets.js";
import { ProvisioningService, ScriptSandbox } from "./provisioning.js";
import { TaskService, type TaskEvents } from "./tasks.js";
import { SessionLog } from "./session-log.js";
import { SessionHistory } from "./session-history.js";
import { provisioVersion } from "./version.js";
import { WebhookService } from "./webhooks.js";
import { AllowTargetsError, WebhookTargets } from "./webhook-targets.js";
import { startCampaigns, startFiles } from "./files-wiring.js";
import type { FileService } from "../files/index.js";
import type { CampaignService } from "./campaigns.js";
import type { CampaignRunner } from "./campaign-runner.js";
import { DiagnosticService, speedTestUrls } from "./diagnostic-runs.js";
import { DiagnosticFleets } from "./diagnostic-fleets.js";
import { ExtensionHost } from "./extensions.js";
import { BulkDataCollector, type ReportHook } from "./bulkdata.js";
import { BulkDataAuth } from "./bulkdata-auth.js";
import { AlarmService } from "./alarms.js";
import { AlarmPass } from "./alarm-pass.js";
import { notificationCalls } from "./alarm-notifications.js";
import { AgentAuth } from "../controller/auth.js";
import { UspController } from "../controller/controller.js";
import { AgentDataModels } from "../controller/data-models.js";
import type { ControllerMtp, MtpAuthenticator } from "../mtp/types.js";
import { WebSocketControllerMtp } from "../mtp/websocket-server.js";
import { websocketServerOptions } from "../mtp/websocket-config.js";
import { mqttMtpFromConfig, type MqttMtp } from "../mtp/mqtt-mtp.js";

export interface Acs {
  store: Store;
  tasks: TaskService;
  /** This process's events, as they commit. */
  events: EventBus;
  /** Every process's events, from the store's outbox. */
  feed: EventFeed;
  connectionRequests: ConnectionRequests;
  webhooks: WebhookService;
  /** Stored files and device uploads (docs/files.md). */
  files: FileService;
  /** The file server's URL as devices are given it, and its port; null when files.enabled is off. */
  fileServerUrl: string | null;
  filePort: number | null;
  campaigns: CampaignService;
  diagnostics: DiagnosticService;
  fleets: DiagnosticFleets;
  campaignRunner: CampaignRunner;
  provisioning: ProvisioningService;
  /** The Bulk Data collector (docs/bulkdata.md); null when bulkData.enabled is off. */
  bulkData: BulkDataCollector | null;
  /** The USP controller (docs/usp.md); null when usp.enabled is off. */
  usp: UspController | null;
  /** The USP WebSocket endpoint's URL as agents are given it (host as cwmpUrl's), or null when it is off. */
  uspWebsocketUrl: string | null;
  /** The USP MQTT MTP (its topic, and the embedded broker when it runs one), or null when it is off. */
  uspMqtt: MqttMtp | null;
  metrics: AcsMetrics;
  secrets: LoadedSecrets;
  models: StandardModels | null;
  /** The CWMP URL to give CPEs (host as configured; 127.0.0.1 when listening on every address). */
  cwmpUrl: string;
  cwmpPort: number;
  cwmpsPort: number | null;
  /** The REST API, when enabled. */
  nbi: RunningNbi | null;
  /** Its base URL (as cwmpUrl), or null. */
  apiUrl: string | null;
  bootstrap: BootstrapCredentials;
  /** The first admin API key (its value only when this installation generated it and keeps its file). */
  adminKey: BootstrapAdminKey;
  /** Runs one housekeeping pass now (tests use it instead of waiting for the timer). */
  housekeep(): Promise<{ sessions: number; tasks: number; pruned: number }>;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Use this store instead of opening the configured one (it is not closed by close()). */
  store?: Store;
  clock?: () => Date;
  housekeepingIntervalMs?: number;
  /** Check every REST API response against its schema (tests). Default false. */
  checkResponses?: boolean;
  /** Export process metrics (CPU, memory) at /metrics. Default true. */
  processMetrics?: boolean;
  /** Start the STUN server (when configured). False: another process of this machine runs it (serve --workers). */
  stun?: boolean;
  /** Do not run the campaign runner on its timer (tests call campaignRunner.pass()). */
  manualCampaigns?: boolean;
  /** How often to look for task retries whose back-off ended, and for owed wakes whose lease ran out, to wake their devices (default 1000). */
  retryWakeIntervalMs?: number;
  /** Least time between two writes of this process's session counts (default 10000). */
  sessionCountFlushMs?: number;
  /** How long an ended session's history row waits for others to be written with (default 20). */
  sessionRowsFlushMs?: number;
  /** Called with each stored Bulk Data report's values, in its transaction (bulkdata.ts ReportHook). */
  onBulkDataReport?: ReportHook;
  /**
   * Run the embedded MQTT broker when usp.mqtt.url says `embedded` (default true). False: several worker
   * processes share the ports (serve --workers), and one broker per process cannot share one.
   */
  embeddedMqtt?: boolean;
  /** The USP controller's MTPs besides those the configuration makes (tests give a loopback MTP), given the agents' authenticator. */
  uspMtps?: (authenticate: MtpAuthenticator) => ControllerMtp[];
}

/** The store URL a configuration names: its `db`, else SQLite in the data folder. */
export function storeUrl(config: Config): string {
  if (config.db !== "") return config.db;
  return `sqlite:${join(config.dataDir, "provisio.db")}`;
}

const urlOf = (host: string, port: number) => {
  const h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}/`;
};

export async function startAcs(config: Config, options: StartOptions = {}): Promise<Acs> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? (() => new Date());
  const targets = webhookTargets(config.webhooks.allowTargets);
  const dataDir = isAbsolute(config.dataDir) ? config.dataDir : resolve(config.dataDir);
  // SQLite's checkpoints are reported from the store's start, before the metrics exist to count them.
  let checkpointed: ((c: CheckpointReport) => void) | null = null;
  const store = options.store ?? (await openConfiguredStore(config, storeUrl(config), log, (c) => checkpointed?.(c)));
  const ownsStore = options.store === undefined;
  // What is running so far, stopped in reverse order by close() or by a failed start.
  const closers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log.error({ err }, "stopping a part of the ACS failed");
      }
    }
  };
  if (ownsStore) closers.push(() => store.close());
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
    const secrets = await loadSecrets({ configuredKey: config.secretsKey, dataDir, store });
    const adminKey = await bootstrapAdminKey(store, { dataDir, now: clock() });
    if (config.provisioning.defaultPresets) {
      const installed = await installDefaultPresets(store, clock());
      if (installed.length > 0) log.info({ presets: installed }, "default presets created (provisioning.defaultPresets; docs/provisioning.md)");
    }
    const metrics = new AcsMetrics({
      pendingTasks: () => store.tasks.pendingCount(),
      devices: async () => {
        const [total, online, bootstrap] = await Promise.all([
          store.devices.count(), store.devices.count({ filter: "online", now: clock(), onlineWithinMs: config.nbi.onlineWindow * 1000 }),
          store.devices.count({ filter: 'credentials = "bootstrap"' }),
        ]);
        return { total, online, bootstrap };
      },
      processMetrics: options.processMetrics,
      sqliteCheckpoints: ownsStore && parseStoreUrl(storeUrl(config)).backend === "sqlite",
    });
    checkpointed = (c) => metrics.checkpoint(c);
    events.subscribe((e) => metrics.event(e));
    const watchdog = startLoopWatchdog({ thresholdMs: config.log.stallWarn * 1000, log, onStall: (ms) => metrics.loopStall(ms / 1000) });
    closers.push(() => Promise.resolve(watchdog.stop()));
    // A session not heard of for twice its timeout was settled by another process.
    const sessionHistory = new SessionHistory(store, log, config.sessionHistory, clock, options.sessionCountFlushMs, options.sessionRowsFlushMs);
    closers.push(() => sessionHistory.close());
    const sessionLog = new SessionLog(log, config.cwmp.sessionTimeout * 2000, sessionHistory);
    events.subscribe((e) => sessionLog.event(e));
    let models: StandardModels | null = null;
    try {
      if (config.models.dir !== "") models = loadStandardModels(config.models.dir, log);
    } catch (err) {
      if (err instanceof ModelError) throw new ConfigError([err.message]);
      throw err;
    }

    if (config.cwmp.auth === "open") log.warn({}, "CPE authentication is OFF (cwmp.auth = open): any client can pose as any device");
    const auth = new CpeAuthenticator(
      { mode: config.cwmp.auth, methods: config.cwmp.authMethods, basicOverHttp: config.cwmp.basicOverHttp, realm: config.cwmp.realm, nonceTtlMs: config.cwmp.nonceTtl * 1000, secret,
        limits: { sourceFailures: config.cwmp.authSourceFailures, usernameFailures: config.cwmp.authUsernameFailures, windowMs: config.cwmp.authFailureWindow * 1000 } },
      store.credentials,
    );
    // Performance history: raw samples first, then the downsampled tiers (checked before anything listens).
    const metricTiers = checkTiers([{ resolution: 0, retention: config.metrics.rawRetention }, ...config.metrics.tiers]);
    const metricRecorder = new MetricRecorder({ log, onlineWithinMs: config.nbi.onlineWindow * 1000, refreshMs: config.provisioning.refreshInterval * 1000 });
    // Set once the CWMP endpoint listens: the collector's URL is on it.
    let cwmpUrl = "";
    const bulkData = config.bulkData.enabled
      ? new BulkDataCollector({
          store,
          auth: new BulkDataAuth({
            methods: config.cwmp.authMethods, basicOverHttp: config.cwmp.basicOverHttp, nonceTtlMs: config.cwmp.nonceTtl * 1000, secret,
            limits: { sourceFailures: config.cwmp.authSourceFailures, usernameFailures: config.cwmp.authUsernameFailures, windowMs: config.cwmp.authFailureWindow * 1000 },
          }),
          events,
          log,
          clock,
          baseUrl: () => config.bulkData.publicUrl || cwmpUrl,
          maxBodyBytes: config.bulkData.maxBodyBytes,
          limits: { maxReports: config.bulkData.maxReports, maxValues: config.bulkData.maxValues },
          // The one place reports reach the performance history, at each report's own time.
          onReport: async (tx, deviceId, observations, at) => {
            await metricRecorder.recordObservations(tx, deviceId, observations, at);
            await options.onBulkDataReport?.(tx, deviceId, observations, at);
          },
          observe: (outcome, reports) => metrics.bulkData(outcome, reports),
        })
      : null;
    const session: SessionConfig = {
      ...defaultSessionConfig,
      gpvBatchSize: config.cwmp.gpvBatchSize,
      maxRpcs: config.cwmp.maxRpcsPerSession,
      holdRequests: config.cwmp.holdRequests,
    };
    const taskPolicy: TaskPolicy = { maxAttempts: config.tasks.maxAttempts, retryBaseMs: config.tasks.retryBase * 1000, retryMaxMs: config.tasks.retryMax * 1000 };

    const feed = await EventFeed.start(store, { pollMs: config.events.pollInterval * 1000, log });
    closers.push(() => feed.close());

    const sandbox = new ScriptSandbox({ memoryMb: config.provisioning.scriptMemory, timeoutMs: config.provisioning.scriptTimeout });
    // Secrets in task arguments are stored sealed and opened only to be sent (task-secrets.ts).
    const sealArgs: SealArgs = (deviceId, name, args) => sealTaskArgs(secrets.box, deviceId, name, args);
    const extensionsDir = config.provisioning.extensionsDir;
    const extensions = extensionsDir === "" ? undefined : new ExtensionHost({ dir: isAbsolute(extensionsDir) ? extensionsDir : resolve(extensionsDir), timeoutMs: config.provisioning.extensionTimeout, log });
    if (extensions !== undefined) closers.push(() => extensions.close());
    const alarms = new AlarmService({
      log,
      refreshMs: config.alarms.refreshInterval * 1000,
      onlineWithinMs: config.nbi.onlineWindow * 1000,
      faultMgmtIntervalSeconds: config.alarms.faultMgmtInterval,
      notificationRetrySeconds: config.alarms.notificationRetry,

    });
    const provisioning = new ProvisioningService({
      observe: (tx, deviceId, values, at) => metricRecorder.recordObservations(tx, deviceId, values, at),
      extraCalls: (tx, device, now) => notificationCalls(alarms, tx, device, now),
      sealArgs,
      store,
      log,
      sandbox,
      ...(extensions === undefined ? {} : { extensions }),
      secret,
      refreshMs: config.provisioning.refreshInterval * 1000,
      onlineWithinMs: config.nbi.onlineWindow * 1000,
      scriptFailureLimit: config.provisioning.scriptFailureLimit,
      clock,
      ...(bulkData === null ? {} : { bulkData: (deviceId: string) => bulkData.profileFor(deviceId) }),
    });
    closers.push(() => Promise.resolve(sandbox.dispose()));
    await provisioning.refresh(clock().getTime(), true);
    const filesPart = await startFiles(config, { store, dataDir, nonceSecret: secret, log, clock });
    closers.push(() => filesPart.close());
    const handler = new CwmpHandler({
      alarms,
      taskArgs: (t, at) => filesPart.fileTasks.forSending({ ...t, args: openTaskArgs(secrets.box, t.deviceId, t.name, t.args) }, at),
      secrets: secrets.box,
      bootstrapReclaim: config.cwmp.bootstrapReclaim,
      compat: new CompatProfiles(config.cwmp.compatProfiles),
      provisioning,
      credentials: { realm: config.cwmp.realm, box: secrets.box },
      metrics: metricRecorder,
      store,
      auth,
      events,
      log,
      session,
      taskPolicy,
      sessionTimeoutMs: config.cwmp.sessionTimeout * 1000,
      retryAfterSeconds: config.cwmp.retryAfter,
      maxBodyBytes: config.cwmp.maxBodyBytes,
      informLimits: {
        maxBytes: config.cwmp.maxInformBytes,
        maxParameters: config.cwmp.maxInformParameters,
        maxValueLength: config.cwmp.maxInformValueLength,
        bootstrapMaxBytes: config.cwmp.bootstrapMaxInformBytes,
        bootstrapMaxParameters: config.cwmp.bootstrapMaxInformParameters,
      },
      bootstrapUsername: bootstrap.username,
      cookieName: config.cwmp.cookieName,
      clientIdentity: config.cwmp.tlsClientIdentity,
      clock,
      observer: metrics.cwmp,
      sessionLog,
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
      keepAliveMs: config.cwmp.sessionTimeout * 1000,
      headersTimeoutMs: config.cwmp.headersTimeout * 1000,
      bodyTimeoutMs: config.cwmp.bodyTimeout * 1000,
      minBodyRate: config.cwmp.minBodyRate,
      maxConnectionsPerAddress: config.cwmp.maxConnectionsPerAddress,
      cookieName: config.cwmp.cookieName,
      observe: (status, seconds) => metrics.cwmpRequest(status, seconds),
      inFlight: (n) => metrics.cwmpInFlight(n),
      ...(bulkData === null ? {} : { bulkData }),
    });
    closers.push(() => server.close());
    cwmpUrl = urlOf(config.cwmp.host, server.port);

    // USP agents run bridged sessions through the same handler (docs/usp.md, "One fleet").
    const agentAuth = new AgentAuth({ cpe: auth, credentials: store.credentials, mode: config.cwmp.auth, clock });
    const websocket = config.usp.enabled && config.usp.websocket.enabled ? new WebSocketControllerMtp(websocketServerOptions(config, log), agentAuth.authenticator) : null;
    const embeddedRefused = config.usp.mqtt.url === "embedded" && options.embeddedMqtt === false;
    if (config.usp.enabled && embeddedRefused) log.warn({}, "USP over MQTT is off: the embedded broker runs with a single process only; with serve --workers, set usp.mqtt.url to an external broker");
    // This process among several on one store and one broker (docs/usp.md, "Several processes").
    const uspInstance = randomBytes(6).toString("hex");
    const mqtt: MqttMtp | null = config.usp.enabled && !embeddedRefused ? mqttMtpFromConfig(config.usp, { authenticate: agentAuth.authenticator, log, instance: uspInstance }) : null;
    const dataModels = new AgentDataModels({ store, log, clock, ...(models === null ? {} : { standardTypeOf: models.typeOf }) });
    const usp = config.usp.enabled
      ? new UspController({
          endpointId: config.usp.endpointId,
          mtps: [...(websocket === null ? [] : [websocket]), ...(mqtt === null ? [] : [mqtt]), ...(options.uspMtps?.(agentAuth.authenticator) ?? [])],
          engine: handler,
          auth: agentAuth,
          store,
          log,
          requestTimeoutMs: config.usp.requestTimeout * 1000,
          ...(models === null ? {} : { bridge: { typeOf: models.typeOf } }),
          dataModels,
          events,
          clock,
          holds: { instance: uspInstance, heartbeatMs: config.usp.heartbeatInterval * 1000, pollMs: config.usp.wakePollInterval * 1000 },
        })
      : null;
    if (usp !== null) {
      await usp.start();
      closers.push(() => usp.stop());
    }

    const cr = config.connectionRequests;
    const connectionRequests = await ConnectionRequests.start(
      {
        methods: cr.methods,
        fallback: cr.fallback,
        minIntervalMs: cr.minInterval * 1000,
        httpTimeoutMs: cr.timeout * 1000,
        allowBasic: cr.allowBasic,
        defaultUsername: cr.username,
        defaultPassword: cr.password,
        udpCount: cr.udpCount,
        udpIntervalMs: cr.udpInterval * 1000,
        concurrency: cr.concurrency,
        leaseMs: cr.lease * 1000,
        owedPollMs: options.retryWakeIntervalMs ?? 1000,
        stun: config.stun.enabled && options.stun !== false ? { host: config.stun.host, port: config.stun.port } : null,
        xmpp: config.xmpp.service !== ""
          ? {
              service: config.xmpp.service,
              domain: config.xmpp.domain,
              username: config.xmpp.username,
              password: config.xmpp.password,
              resource: config.xmpp.resource,
              plainWithoutTls: config.xmpp.plainWithoutTls,
              timeoutMs: config.xmpp.timeout * 1000,
            }
          : null,
      },
      { store, box: secrets.box, events, log, metrics, clock, ...(usp === null ? {} : { usp: (id: string) => usp.wake(id) }) },
    );
    closers.push(() => connectionRequests.close());
    connectionRequests.owed.start();
    const retryWaker = new RetryWaker(
      { pollMs: options.retryWakeIntervalMs ?? 1000, concurrency: cr.concurrency },
      { store, reach: (id) => connectionRequests.reach(id), owed: connectionRequests.owed, log, clock },
    );
    retryWaker.start();
    closers.push(() => retryWaker.close());

    // Waiting for a task listens to this process's events (at once) and to the feed (other processes').
    const taskEvents: TaskEvents = {
      subscribe(listener: EventListener) {
        const a = events.subscribe(listener);
        const b = feed.subscribeAcs(listener);
        return () => {
          a();
          b();
        };
      },
      emit: (e) => events.emit(e),
    };
    const tasks = new TaskService(store, { maxAttempts: config.tasks.maxAttempts, expirySeconds: config.tasks.defaultExpiry }, taskEvents, models?.typeOf, clock,
      (deviceId, name, args, at) => filesPart.fileTasks.resolve(deviceId, name, args, at), sealArgs, (deviceId) => dataModels.typesOfDevice(deviceId));
    const diagnostics = new DiagnosticService(store, tasks, {
      timeoutSeconds: config.diagnostics.timeout,
      ...(filesPart.links === null ? {} : { speedTestUrls: speedTestUrls(filesPart.links, config.diagnostics) }),
      clock,
      publish: (list) => {
        for (const e of list) events.emit(e);
      },
    });
    const fleets = new DiagnosticFleets({
      store,
      diagnostics,
      owed: connectionRequests.owed,
      onlineWithinMs: config.nbi.onlineWindow * 1000,
      log,
      clock,
    });
    if (options.manualCampaigns !== true) fleets.startTimer(config.campaigns.interval * 1000);
    closers.push(() => fleets.stop());
    const campaignsPart = startCampaigns(config, {
      sealArgs,
      store,
      fileTasks: filesPart.fileTasks,
      wake: (targets) => connectionRequests.wakeAll(targets),
      publish: (list) => {
        for (const e of list) events.emit(e);
      },
      log,
      clock,
      manual: options.manualCampaigns === true,
    });
    closers.push(() => campaignsPart.close());

    const webhooks = new WebhookService(
      {
        timeoutMs: config.webhooks.timeout * 1000,
        maxAttempts: config.webhooks.maxAttempts,
        retryBaseMs: config.webhooks.retryBase * 1000,
        retryMaxMs: config.webhooks.retryMax * 1000,
        concurrency: config.webhooks.concurrency,
        pollMs: Math.max(10, config.events.pollInterval * 1000),
        onlineWithinMs: config.nbi.onlineWindow * 1000,
      },
      { store, box: secrets.box, feed, targets, log, metrics, clock },
    );
    webhooks.start();
    closers.push(() => webhooks.close());

    const hkOptions = {
      alarms: new AlarmPass(store, alarms),
      store,
      events,
      log,
      session,
      taskPolicy,
      clock,
      retention: {
        eventsMs: config.events.retention * 1000,
        webhooksMs: config.webhooks.retention * 1000,
        connectionRequestsMs: cr.retention * 1000,
        deviceEventsMs: config.cwmp.eventRetention * 1000,
        auditMs: config.audit.retentionDays * 86_400_000,
        tasksMs: config.tasks.retention * 1000,
        diagnosticsMs: config.diagnostics.retention * 1000,
        alarmsMs: config.alarms.retention * 1000,
      },
      metrics: { tiers: metricTiers, lateness: config.metrics.lateness, rollupBuckets: config.metrics.rollupBuckets },
    };
    const hk = startHousekeeping(hkOptions, options.housekeepingIntervalMs ?? Math.max(1000, (config.cwmp.sessionTimeout * 1000) / 3));
    closers.push(() => hk.stop());
    const indexedWork = startIndexedParameters({ store, log, clock });
    closers.push(() => indexedWork.stop());

    let nbi: RunningNbi | null = null;
    if (config.nbi.enabled) {
      nbi = await startNbi(
        {
          store,
          tasks,
          connectionRequests,
          feed,
          events,
          webhooks,
          files: filesPart.files,
          campaigns: campaignsPart.campaigns,
          diagnostics,
          fleets,
          diagnosticTimeout: config.diagnostics.timeout,
          metricService: new MetricService(store, metricTiers, clock, () => metricRecorder.invalidate()),
          alarms,
          provisioning,
          metrics,
          keys: new ApiKeyAuthenticator(store, clock),
          logins: new Logins(store, loginSettings(config), clock),
          box: secrets.box,
          settings: {
            maxPageSize: config.nbi.maxPageSize,
            maxWaitSeconds: config.nbi.maxWait,
            bulkLimit: config.nbi.bulkLimit,
            onlineWindowMs: config.nbi.onlineWindow * 1000,
            maxEventStreams: config.nbi.maxEventStreams,
            heartbeatMs: Math.max(100, config.nbi.heartbeat * 1000),
            trustedProxies: config.nbi.trustedProxies,
            checkResponses: options.checkResponses ?? false,
          },
          log,
          clock,
          info: { version: provisioVersion(), cwmpUrl },
          consoleDir: DEFAULT_CONSOLE_DIR,
          config: maskedConfig(config),
          sessionHistoryPerDevice: config.sessionHistory.perDevice,
          ...(usp === null ? {} : { usp }),
        },
        config.nbi.host,
        config.nbi.port,
      );
      const running = nbi;
      closers.push(() => running.close());
    }

    return {
      store,
      tasks,
      events,
      feed,
      connectionRequests,
      webhooks,
      files: filesPart.files,
      fileServerUrl: filesPart.url,
      filePort: filesPart.server?.port ?? null,
      campaigns: campaignsPart.campaigns,
      campaignRunner: campaignsPart.runner,
      diagnostics,
      fleets,
      provisioning,
      bulkData,
      usp,
      uspMqtt: mqtt,
      uspWebsocketUrl: websocket === null ? null : `${config.usp.websocket.tlsCert === "" ? "ws" : "wss"}${urlOf(config.usp.websocket.host, websocket.port).slice(4).replace(/\/$/, "")}${config.usp.websocket.path}`,
      metrics,
      secrets,
      models,
      cwmpUrl,
      cwmpPort: server.port,
      cwmpsPort: server.httpsPort,
      nbi,
      apiUrl: nbi === null ? null : urlOf(config.nbi.host, nbi.port),
      bootstrap,
      adminKey,
      housekeep: () => housekeep(hkOptions),
      close: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function webhookTargets(allow: readonly string[]): WebhookTargets {
  try {
    return new WebhookTargets(allow);
  } catch (err) {
    if (err instanceof AllowTargetsError) throw new ConfigError([err.message]);
    throw err;
  }
}
