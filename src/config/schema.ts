// The configuration schema, with its defaults: the one place they are written. docs/configuration.md
// documents every key (a test keeps the two in step).

import { Type, type Static } from "@sinclair/typebox";
import { compatProfileSchema } from "./compat.js";

const Seconds = (def: number, description: string) => Type.Number({ minimum: 0, default: def, description });

export const configSchema = Type.Object(
  {
    dataDir: Type.String({ default: "./data", description: "Folder for the embedded database, generated secrets and local files." }),
    db: Type.String({
      default: "",
      description: "Database: empty for SQLite in dataDir (provisio.db), `sqlite:PATH`, or `postgres://user:pass@host/db`.",
    }),
    dbStartupWait: Seconds(60, "Seconds `serve` waits at start-up for a database that does not answer yet (PostgreSQL down or starting) before it gives up with an error; 0: do not wait."),
    dbPoolSize: Type.Integer({ minimum: 2, maximum: 1000, default: 10, description: "PostgreSQL: most connections each ACS process opens to the database (one of them waits for other processes' events)." }),
    dbGroupSessions: Type.Integer({
      minimum: 1, maximum: 64, default: 8,
      description: "PostgreSQL: most CWMP exchanges under way together whose writes share one database transaction (one BEGIN and COMMIT, their statements sent together); 1: each its own. If one of them fails, the others run again on their own.",
    }),
    sqliteCheckpointEvery: Type.Number({
      minimum: 0, maximum: 60, default: 1,
      description: "SQLite: seconds between the WAL's checkpoints, made by a worker thread while sessions go on (transactions wait only for the last step, which restarts the WAL; the event loop never does); 0: made by the COMMIT that fills the WAL past 4,000 pages, on the event loop.",
    }),
    workers: Type.Integer({ minimum: 1, maximum: 64, default: 1, description: "ACS processes on this machine sharing the ports (cluster)." }),
    log: Type.Object(
      {
        level: Type.Union([Type.Literal("fatal"), Type.Literal("error"), Type.Literal("warn"), Type.Literal("info"), Type.Literal("debug"), Type.Literal("trace"), Type.Literal("silent")], {
          default: "info",
          description: "Least severe level logged.",
        }),
        format: Type.Union([Type.Literal("auto"), Type.Literal("pretty"), Type.Literal("json")], {
          default: "auto",
          description: "`pretty`: one readable line per entry; `json`: JSON lines; `auto`: pretty on a terminal, JSON elsewhere.",
        }),
        stallWarn: Seconds(1, "Seconds the event loop may be blocked (every request of the process waiting) before a warning says for how long; also counted in the `provisio_event_loop_stall_seconds` histogram. 0: not watched."),
      },
      { default: {}, additionalProperties: false },
    ),
    cwmp: Type.Object(
      {
        host: Type.String({ default: "0.0.0.0", description: "Address the CWMP endpoint listens on." }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 7547, description: "HTTP port of the CWMP endpoint (0: any free port)." }),
        httpsPort: Type.Integer({ minimum: -1, maximum: 65535, default: -1, description: "HTTPS port of the CWMP endpoint; -1 disables HTTPS." }),
        tlsCert: Type.String({ default: "", description: "PEM certificate file for HTTPS." }),
        tlsKey: Type.String({ default: "", description: "PEM private key file for HTTPS." }),
        tlsClientCa: Type.String({ default: "", description: "PEM CA file: when set, HTTPS asks CPEs for a client certificate signed by it." }),
        tlsClientCertRequired: Type.Boolean({ default: false, description: "Refuse HTTPS clients without a valid client certificate." }),
        tlsClientIdentity: Type.Union([Type.Literal("serialNumber"), Type.Literal("deviceId"), Type.Literal("none")], {
          default: "serialNumber",
          description: "How a client certificate's subject CN must match the Inform: the SerialNumber, the whole device id, or no check.",
        }),
        auth: Type.Union([Type.Literal("required"), Type.Literal("open")], {
          default: "required",
          description: "`required`: every CPE authenticates. `open`: no CPE authentication at all (lab use only; logged loudly).",
        }),
        authMethods: Type.Array(Type.Union([Type.Literal("digest"), Type.Literal("basic")]), {
          default: ["digest", "basic"],
          description: "Schemes offered to CPEs. Basic is only accepted over HTTPS unless basicOverHttp is set.",
        }),
        basicOverHttp: Type.Boolean({ default: false, description: "Accept HTTP Basic on plain HTTP (passwords in clear on the wire)." }),
        realm: Type.String({ default: "provisio", description: "HTTP authentication realm." }),
        nonceTtl: Seconds(300, "Seconds a Digest nonce stays valid."),
        authSourceFailures: Type.Integer({
          minimum: 0,
          default: 100,
          description: "Failed logins from one address within authFailureWindow after which its logins are refused (503) without being checked until the window ends; 0: no limit.",
        }),
        authUsernameFailures: Type.Integer({
          minimum: 0,
          default: 20,
          description: "Failed logins for one username within authFailureWindow after which the addresses that failed it are refused for it; addresses that did not fail (the real device) still get in; 0: no limit.",
        }),
        authFailureWindow: Seconds(300, "Seconds over which failed logins are counted (and a limited address waits)."),
        bootstrapUsername: Type.String({ default: "", description: "Shared username for CPEs without their own credentials; empty: generated at first start." }),
        bootstrapPassword: Type.String({ default: "", description: "Shared password for CPEs without their own credentials; empty: generated at first start." }),
        bootstrapReclaim: Type.Boolean({
          default: false,
          description: "Take in a device that has credentials of its own when it comes with the bootstrap ones and an Inform reporting 0 BOOTSTRAP (it was factory-reset): its own credentials are forgotten, for provisioning to give it new ones. Off: it is refused, since whoever holds the bootstrap password could otherwise claim any device's identity.",
        }),
        sessionTimeout: Seconds(30, "Seconds without a request after which a session is abandoned and its device freed."),
        eventRetention: Seconds(2592000, "Seconds the Events of each Inform stay in the device's history (its last boot and bootstrap times stay on the device); 0: forever."),
        maxBodyBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024, description: "Largest request body accepted (after decompression)." }),
        maxInformBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024, description: "Largest body of a request outside a session (the Inform that opens one; after decompression; cwmp.maxBodyBytes if that is lower)." }),
        maxInformParameters: Type.Integer({ minimum: 1, default: 2000, description: "Most parameters one Inform may carry; more are refused (fault 8004), and outside a session the reading stops early." }),
        maxInformValueLength: Type.Integer({ minimum: 256, default: 65536, description: "Longest parameter name or value (characters) in an Inform." }),
        bootstrapMaxInformBytes: Type.Integer({ minimum: 1024, default: 256 * 1024, description: "As maxInformBytes, for requests with the bootstrap credentials." }),
        bootstrapMaxInformParameters: Type.Integer({ minimum: 1, default: 256, description: "As maxInformParameters, for requests with the bootstrap credentials." }),
        maxInFlight: Type.Integer({ minimum: 1, default: 512, description: "Requests processed at once; past it new sessions are shed with 503 and Retry-After (requests of sessions in progress are not)." }),
        headersTimeout: Seconds(10, "Seconds a client has to send a request's headers (from its first byte, or from connecting); then 408 and the connection is closed. 0: no limit."),
        bodyTimeout: Seconds(60, "Seconds a client has to send a whole request body; then 408 and the connection is closed. 0: no limit."),
        minBodyRate: Type.Integer({ minimum: 0, default: 256, description: "Bytes per second a request body must average once it has been arriving for 5 s; a slower one gets 408. 0: no minimum." }),
        maxConnectionsPerAddress: Type.Integer({ minimum: 0, default: 0, description: "Connections one source address may hold open at once (HTTP and HTTPS together); more are closed at once. 0: no cap (CPEs behind a carrier-grade NAT share one address: allow for their sessions at the busiest)." }),
        retryAfter: Seconds(10, "Retry-After (seconds) sent when shedding load or refusing a concurrent session."),
        gpvBatchSize: Type.Integer({ minimum: 1, maximum: 1024, default: 32, description: "Most parameter names in one GetParameterValues." }),
        maxRpcsPerSession: Type.Integer({ minimum: 1, default: 256, description: "RPCs one session may send before it is stopped (loop guard)." }),
        holdRequests: Type.Boolean({ default: false, description: "Ask CPEs to hold their own requests while the ACS has tasks queued for them." }),
        cookieName: Type.String({ default: "provisio_session", minLength: 1, description: "Name of the session cookie." }),
        compatProfiles: Type.Array(compatProfileSchema, {
          default: [],
          maxItems: 100,
          description: "Device compatibility profiles: how replies are written for devices whose CWMP stack is picky, the first whose filter matches the Inform applying (docs/compatibility.md); in the environment, as JSON.",
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    tasks: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, default: 3, description: "Attempts before a task that keeps faulting is given up." }),
        retryBase: Seconds(60, "Seconds before the first retry; doubled at each further attempt."),
        retryMax: Seconds(3600, "Longest wait between retries, in seconds."),
        defaultExpiry: Seconds(0, "Seconds after which a task that has not run expires; 0: never."),
        retention: Seconds(2592000, "Seconds finished tasks (done, failed, cancelled, expired) are kept after they finished; 0: forever."),
      },
      { default: {}, additionalProperties: false },
    ),
    secretsKey: Type.String({
      default: "",
      description: "Key (32 bytes in base64) sealing stored secrets: connection-request passwords, webhook secrets, secrets in task arguments. Empty: generated at first start, kept in dataDir/secrets.key.",
    }),
    models: Type.Object(
      {
        dir: Type.String({ default: "", description: "Folder of Broadband Forum data-model XML files (the full ones), for the types of parameters devices have not reported; empty: none." }),
      },
      { default: {}, additionalProperties: false },
    ),
    nbi: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: "Serve the REST API (docs/api.md)." }),
        host: Type.String({ default: "0.0.0.0", description: "Address the REST API listens on." }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 7557, description: "Port of the REST API (0: any free port)." }),
        maxPageSize: Type.Integer({ minimum: 1, maximum: 100000, default: 1000, description: "Largest `limit` of a list request." }),
        maxWait: Seconds(120, "Longest `wait` (seconds) a task creation may ask for."),
        bulkLimit: Type.Integer({ minimum: 1, default: 10000, description: "Most devices a bulk task, tag change or deletion may match; a filter matching more is refused." }),
        onlineWindow: Seconds(600, "Seconds since its last Inform during which a device counts as online (the filter's `online`, device records)."),
        maxEventStreams: Type.Integer({ minimum: 1, default: 100, description: "Event streams (GET /api/events) one process serves at once." }),
        heartbeat: Seconds(15, "Seconds between heartbeat comments on an idle event stream."),
        trustedProxies: Type.Array(Type.String({ pattern: "^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$" }), {
          default: [],
          description: "Addresses or CIDR ranges of reverse proxies in front of the REST API: the client address a request from one of them gives in X-Forwarded-For is believed (the audit trail records it); from anyone else, the header is ignored.",
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    login: Type.Object(
      {
        idleTimeout: Seconds(1800, "Seconds a console login (session cookie) lasts without being used; its use moves the end on (within a minute)."),
        maxLifetime: Seconds(43200, "Seconds a console login lasts at most, used or not; the user then logs in again."),
        secureCookie: Type.Boolean({ default: false, description: "Mark the session cookie Secure (sent over HTTPS only): set it when the console is reached through a proxy that serves HTTPS." }),
        pairFailures: Type.Integer({ minimum: 1, default: 5, description: "Failed logins for one username from one address before that address is locked out of that username; each further failure doubles the lockout." }),
        lockout: Seconds(60, "Seconds of the first lockout of an address for a username (doubled at each further failure, up to maxLockout)."),
        maxLockout: Seconds(3600, "Longest lockout of an address for a username, in seconds."),
        usernameFailures: Type.Integer({ minimum: 0, default: 20, description: "Failed logins for one username from all addresses within failureWindow after which its logins are spaced by usernameDelay (addresses it logged in from recently are exempt); 0: no limit." }),
        usernameDelay: Seconds(5, "Seconds between two login attempts for a username under attack (usernameFailures); short, so that the real user is only delayed."),
        sourceFailures: Type.Integer({ minimum: 0, default: 100, description: "Failed logins from one address (an IPv6 /64) within failureWindow, whatever the usernames, after which its logins are refused until the window ends; 0: no limit." }),
        failureWindow: Seconds(900, "Seconds over which failed logins are counted for sourceFailures and usernameFailures."),
      },
      { default: {}, additionalProperties: false },
    ),
    events: Type.Object(
      {
        pollInterval: Seconds(0.25, "Seconds between two reads of the event outbox by each process (PostgreSQL also wakes it at once on commit)."),
        retention: Seconds(86400, "Seconds events are kept for clients resuming a stream (Last-Event-ID)."),
      },
      { default: {}, additionalProperties: false },
    ),
    webhooks: Type.Object(
      {
        timeout: Seconds(10, "Seconds a webhook receiver has to answer one delivery."),
        maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 8, description: "Attempts before a delivery is given up." }),
        retryBase: Seconds(10, "Seconds before the second attempt; doubled at each further attempt."),
        retryMax: Seconds(3600, "Longest wait between two attempts, in seconds."),
        concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 8, description: "Deliveries one process sends at once." }),
        retention: Seconds(604800, "Seconds finished deliveries (and their attempts) stay visible."),
        allowTargets: Type.Array(Type.String({ pattern: "^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$" }), {
          default: [],
          description: "Addresses or CIDR ranges webhooks may be delivered to although they are private, loopback, link-local, metadata or this host's (all refused otherwise), e.g. 10.20.0.0/16.",
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    connectionRequests: Type.Object(
      {
        methods: Type.Array(Type.Union([Type.Literal("xmpp"), Type.Literal("http"), Type.Literal("udp")]), {
          default: ["xmpp", "http", "udp"],
          description: "Methods tried to wake a device, in order; a method left out is never used.",
        }),
        fallback: Type.Boolean({ default: true, description: "Try the next method when the device could not be reached by one." }),
        minInterval: Seconds(5, "Least time (seconds) between two connection requests to one device, per process."),
        timeout: Seconds(5, "Seconds an HTTP connection request may take (XMPP: xmpp.timeout)."),
        allowBasic: Type.Boolean({ default: false, description: "Answer a device's HTTP Basic challenge (the password travels in clear)." }),
        username: Type.String({ default: "", description: "ConnectionRequestUsername for devices without credentials of their own." }),
        password: Type.String({ default: "", description: "ConnectionRequestPassword for devices without credentials of their own." }),
        udpCount: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: "Copies of a UDP connection request." }),
        udpInterval: Seconds(0.5, "Seconds between the copies."),
        concurrency: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: "Connection requests of a bulk task in flight at once." }),
        lease: Type.Number({ minimum: 1, default: 30, description: "Seconds a process holds the connection requests it owes (bulk tasks, fleet diagnostics, task retries) before another process may make them, should it die." }),
        retention: Seconds(604800, "Seconds connection-request attempts stay recorded."),
      },
      { default: {}, additionalProperties: false },
    ),
    stun: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: "Run the STUN server (TR-111) that learns NAT bindings for UDP connection requests." }),
        host: Type.String({ default: "0.0.0.0", description: "Address the STUN server listens on." }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 3478, description: "UDP port of the STUN server (0: any free port)." }),
      },
      { default: {}, additionalProperties: false },
    ),
    xmpp: Type.Object(
      {
        service: Type.String({ default: "", description: "XMPP server for connection requests (TR-069 Annex K), e.g. `xmpp://xmpp.example.net:5222`; empty: no XMPP." }),
        domain: Type.String({ default: "", description: "XMPP domain of the ACS's account; empty: the service's host." }),
        username: Type.String({ default: "", description: "The ACS's XMPP account (local part)." }),
        password: Type.String({ default: "", description: "Password of the ACS's XMPP account." }),
        resource: Type.String({ default: "", description: "XMPP resource; empty: one generated per process (provisio-...), so processes sharing the account do not evict each other." }),
        plainWithoutTls: Type.Boolean({ default: false, description: "Log in with SASL PLAIN without TLS (the password in clear): trusted links and tests only." }),
        timeout: Seconds(10, "Seconds a device has to answer an XMPP connection request."),
      },
      { default: {}, additionalProperties: false },
    ),
    files: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: "Serve stored files to devices and take their uploads (docs/files.md)." }),
        host: Type.String({ default: "0.0.0.0", description: "Address the file server listens on." }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 7567, description: "Port of the file server (0: any free port)." }),
        publicUrl: Type.String({ default: "", description: "The file server's URL as devices reach it (e.g. `http://files.example.net:7567/`); empty: from host and port." }),
        storage: Type.Union([Type.Literal("auto"), Type.Literal("disk"), Type.Literal("database")], {
          default: "auto",
          description: "Where new files' bytes go: `disk` (files.dir), `database` (every process sharing the database serves them); `auto`: the database on PostgreSQL, disk on SQLite.",
        }),
        dir: Type.String({ default: "", description: "Folder of files kept on disk; empty: dataDir/files." }),
        maxSize: Type.Integer({ minimum: 1, default: 2 * 1024 ** 3, description: "Largest file uploaded through the API, in bytes." }),
        maxUploadSize: Type.Integer({ minimum: 1, default: 64 * 1024 ** 2, description: "Largest file a device may upload (configuration backups, logs), in bytes." }),
        auth: Type.Union([Type.Literal("token"), Type.Literal("token+digest")], {
          default: "token",
          description: "What a device needs to fetch or upload: `token`, the URL made for it; `token+digest`, also HTTP Digest with credentials the ACS gives in the RPC.",
        }),
        tokenTtl: Seconds(86400, "Seconds a device's file URL stays valid after its task is sent (plus the task's delay or time windows)."),
      },
      { default: {}, additionalProperties: false },
    ),
    bulkData: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: "Take TR-181/TR-157 Bulk Data reports (HTTP, JSON and CSV) at /bulkdata/ on the CWMP port (docs/bulkdata.md)." }),
        publicUrl: Type.String({ default: "", description: "The CWMP endpoint's URL as devices reach it, to which builtin:bulkdata adds `bulkdata/<device id>`; empty: the ACS's own CWMP URL." }),
        maxBodyBytes: Type.Integer({ minimum: 1024, default: 4 * 1024 ** 2, description: "Largest Bulk Data report body, in bytes, before and after decompression." }),
        maxReports: Type.Integer({ minimum: 1, default: 1000, description: "Most reports one Bulk Data body may carry (a device that retained failed reports sends them together)." }),
        maxValues: Type.Integer({ minimum: 1, default: 20000, description: "Most parameter values one Bulk Data body may carry, its reports together." }),
      },
      { default: {}, additionalProperties: false },
    ),
    usp: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: "Be a USP (TR-369) controller beside the CWMP ACS: USP agents are devices of the same fleet (docs/usp.md)." }),
        endpointId: Type.String({ default: "proto::provisio", description: "The controller's USP Endpoint ID, as agents address it (`scheme:authority:instance`; agents list it in Device.LocalAgent.Controller.{i}.EndpointID)." }),
        requestTimeout: Seconds(30, "Seconds a USP agent has to answer one of the controller's requests; a session whose agent does not is broken off, and left to lapse as a CWMP session whose CPE went silent (its tasks are retried)."),
        heartbeatInterval: Type.Number({
          minimum: 0.1,
          default: 10,
          description: "Seconds between a controller process's heartbeats in the store, which say it still holds its agents' WebSockets; three missed, its agents count as unheld (they reconnect to a live process).",
        }),
        wakePollInterval: Type.Number({ minimum: 0.05, default: 1, description: "Seconds between a controller process's looks for wakes other processes carried to it, for agents whose WebSocket it holds (a process that holds none does not look). On PostgreSQL a wake carried to it is also notified and taken at once: the look is for a notification lost." }),
        // usp.websocket.*: the WebSocket MTP (src/mtp/websocket*).
        websocket: Type.Object(
          {
            enabled: Type.Boolean({ default: true, description: "Take USP agents' WebSocket connections (when usp.enabled)." }),
            host: Type.String({ default: "0.0.0.0", description: "Address the USP WebSocket endpoint listens on." }),
            port: Type.Integer({ minimum: 0, maximum: 65535, default: 7577, description: "Port of the USP WebSocket endpoint (0: any free port)." }),
            path: Type.String({ default: "/usp", pattern: "^/", description: "Path agents connect to (`ws://host:7577/usp`); other paths get 404." }),
            tlsCert: Type.String({ default: "", description: "PEM certificate file: when set (with tlsKey), the endpoint speaks TLS only (`wss://`)." }),
            tlsKey: Type.String({ default: "", description: "PEM private key file for TLS." }),
            tlsClientCa: Type.String({ default: "", description: "PEM CA file: when set, agents are asked for a client certificate signed by it, whose subject CN authenticates them without a password." }),
            tlsClientCertRequired: Type.Boolean({ default: false, description: "Refuse TLS clients without a valid client certificate (at the TLS handshake)." }),
            auth: Type.Union([Type.Literal("required"), Type.Literal("open")], {
              default: "required",
              description: "`required`: every agent authenticates (HTTP Basic with its device's credentials, or a client certificate). `open`: no agent authentication at all (lab use only; logged loudly).",
            }),
            allowedOrigins: Type.Array(Type.String({ minLength: 1 }), {
              default: [],
              description: "Origin header values accepted on the upgrade request; one that is not listed gets 403 (agents send none; a browser always does, so a web page cannot open USP connections with a visitor's network position).",
            }),
            maxRecordBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024, description: "Largest WebSocket message (one USP Record) accepted; a larger one closes the connection (code 1009)." }),
            pingInterval: Seconds(30, "Seconds between WebSocket pings to each agent; one that has not answered the previous ping by the next is closed. 0: no pings."),
            maxConnections: Type.Integer({ minimum: 0, default: 100000, description: "WebSocket connections this process holds at once (open and being authenticated); past it upgrades get 503 with Retry-After. 0: no cap." }),
            maxConnectionsPerAddress: Type.Integer({ minimum: 0, default: 0, description: "TCP connections one source address may hold open at once; more are closed at once. 0: no cap (agents behind a carrier-grade NAT share one address)." }),
          },
          { default: {}, additionalProperties: false },
        ),
        // usp.mqtt.*: the MQTT MTP and the embedded broker (src/mtp/mqtt*).
        mqtt: Type.Object(
          {
            url: Type.String({
              default: "embedded",
              description: "MQTT broker the controller connects to: `mqtt://host:port`, `mqtts://host:port`, `embedded` (Provisio's own broker, usp.mqtt.embeddedHost/embeddedPort), or empty: no MQTT MTP.",
            }),
            username: Type.String({ default: "", description: "User name of the controller's login at an external broker (the embedded broker uses a secret of its own)." }),
            password: Type.String({ default: "", description: "Password of the controller's login at an external broker." }),
            clientId: Type.String({ default: "", description: "The controller's MQTT client id; empty: usp.endpointId. With usp.mqtt.sharedGroup, each process adds its instance to it." }),
            topic: Type.String({ default: "usp/controller", description: "The topic the controller subscribes to and agents publish to (their Device.LocalAgent.Controller.{i}.MTP.{i}.MQTT.Topic)." }),
            sharedGroup: Type.String({
              default: "provisio",
              pattern: "^[^/+#]*$",
              description: "At an external broker, the MQTT 5 shared subscription group (`$share/<group>/<topic>`) of the controller processes: the broker gives each agent's Record to one process; each has its own client id (`<clientId>-<instance>`) and reply topic (`<topic>/reply/<instance>`). Empty: a plain subscription, for one process only.",
            }),
            tlsCa: Type.String({ default: "", description: "PEM file of CA certificates trusted for an `mqtts://` broker, besides the system's." }),
            maxRecordBytes: Type.Integer({ minimum: 1024, maximum: 256 * 1024 ** 2, default: 16 * 1024 ** 2, description: "Largest USP Record sent or taken over MQTT, in bytes; a larger one is dropped (and logged)." }),
            embeddedHost: Type.String({ default: "0.0.0.0", description: "Address the embedded MQTT broker listens on (usp.mqtt.url `embedded`)." }),
            embeddedPort: Type.Integer({ minimum: 0, maximum: 65535, default: 1883, description: "Port of the embedded MQTT broker (0: any free port)." }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    diagnostics: Type.Object(
      {
        timeout: Seconds(900, "Default seconds a diagnostic may take, from its request to the device's 8 DIAGNOSTICS COMPLETE and the read of its results, before it is settled as `timeout`."),
        retention: Seconds(7776000, "Seconds finished diagnostics stay in the devices' history; 0: forever."),
        speedTestMaxBytes: Type.Integer({ minimum: 1, default: 100 * 1024 ** 2, description: "Largest download a TR-143 speed test may ask of Provisio's test endpoint, and largest upload it accepts, in bytes." }),
        speedTestBytes: Type.Integer({ minimum: 1, default: 10 * 1024 ** 2, description: "Bytes a download speed test on Provisio's endpoint moves when its request gives no `SpeedTestBytes`." }),
      },
      { default: {}, additionalProperties: false },
    ),
    metrics: Type.Object(
      {
        rawRetention: Seconds(604800, "Seconds raw metric samples are kept (docs/metrics.md); 0: forever."),
        tiers: Type.Array(
          Type.Object(
            {
              resolution: Type.Integer({ minimum: 60, description: "Seconds per bucket: a multiple of the finer tier's" }),
              retention: Seconds(0, "Seconds its buckets are kept; 0: forever"),
            },
            { additionalProperties: false },
          ),
          {
            default: [{ resolution: 300, retention: 7776000 }, { resolution: 3600, retention: 63072000 }],
            maxItems: 8,
            description: "Downsampled tiers, finest first, each made from the one before (docs/metrics.md); in the environment, as JSON.",
          },
        ),
        lateness: Seconds(600, "Seconds a bucket stays open after it ends before it is rolled up, for samples that arrive late (reports with their own times)."),
        rollupBuckets: Type.Integer({ minimum: 1, default: 24, description: "Most buckets of each tier one housekeeping pass rolls up (bounded work; a pass that finds more leaves the rest to the next)." }),
      },
      { default: {}, additionalProperties: false },
    ),
    alarms: Type.Object(
      {
        refreshInterval: Seconds(2, "Seconds after which each process reads alarm rules changed by another (its own changes apply at once)."),
        retention: Seconds(7776000, "Seconds cleared alarms (and their history) are kept; 0: forever."),
        faultMgmtInterval: Seconds(86400, "Seconds after which an Inform has Provisio read a device's Device.FaultMgmt.CurrentAlarm table again (also read at boot and when its count changes); 0: only then."),
        notificationRetry: Seconds(86400, "Seconds after which Provisio asks a device again for a notification it refused (fault 9009); it asks at once after the device boots. 0: at every session."),

      },
      { default: {}, additionalProperties: false },
    ),
    campaigns: Type.Object(
      {
        interval: Seconds(5, "Seconds between two passes of each process's campaign runner (and of its fleet diagnostics, which start their next batch then)."),
        lease: Seconds(60, "Seconds a process keeps a campaign it advances; another process takes over when it stops renewing."),
        taskExpiry: Seconds(86400, "Default seconds a campaign's download may take before its device counts as failed."),
      },
      { default: {}, additionalProperties: false },
    ),
    audit: Type.Object(
      {
        retentionDays: Type.Number({ minimum: 0, default: 365, description: "Days entries of the audit trail are kept (docs/api.md); 0: forever." }),
      },
      { default: {}, additionalProperties: false },
    ),
    provisioning: Type.Object(
      {
        refreshInterval: Seconds(2, "Seconds between checks for changed presets and provisions outside sessions (each session's Inform checks for itself)."),
        scriptMemory: Type.Integer({ minimum: 8, maximum: 1024, default: 32, description: "MiB of heap a provisioning script may use." }),
        scriptTimeout: Type.Integer({ minimum: 10, maximum: 10000, default: 200, description: "Milliseconds a provisioning script may run." }),
        defaultPresets: Type.Boolean({ default: true, description: "Create the default presets (discovery of new devices' data models) in a database that never had them." }),
        scriptFailureLimit: Type.Integer({ minimum: 0, default: 10, description: "Sessions in a row in which a script provision failed (timed out, ran out of memory, threw) after which it is suspended; 0: never." }),
        extensionsDir: Type.String({ default: "", description: "Folder of the operator's extension modules that GenieACS-dialect scripts call with ext(file, function, ...args); empty: ext() is off." }),
        extensionTimeout: Type.Integer({ minimum: 10, maximum: 600000, default: 3000, description: "Milliseconds an ext() call may take; its process is then killed and the call is the fault provision.ext-timeout." }),
      },
      { default: {}, additionalProperties: false },
    ),
    sessionHistory: Type.Object(
      {
        perDevice: Type.Integer({ minimum: 0, maximum: 1000, default: 10, description: "Sessions kept per device for its recent-sessions log (GET /api/devices/:id/sessions); 0: none." }),
        envelopes: Type.Boolean({ default: true, description: "Keep the envelopes each kept session exchanged (secrets masked), not only its summary." }),
        maxEnvelopeBytes: Type.Integer({ minimum: 256, default: 32768, description: "Bytes of one envelope kept; a longer one is cut." }),
        maxSessionBytes: Type.Integer({ minimum: 1024, default: 262144, description: "Bytes of envelopes kept per session; the envelopes beyond are counted, not kept." }),
        maxHeldBytes: Type.Integer({ minimum: 0, default: 67108864, description: "Bytes of envelopes each process holds in memory for all its sessions in progress together, until they end; past it, their further envelopes are counted, not kept." }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof configSchema>;
