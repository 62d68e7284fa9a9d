// The configuration schema, with its defaults: the one place they are written. docs/configuration.md
// documents every key (a test keeps the two in step).

import { Type, type Static } from "@sinclair/typebox";

const Seconds = (def: number, description: string) => Type.Number({ minimum: 0, default: def, description });

export const configSchema = Type.Object(
  {
    dataDir: Type.String({ default: "./data", description: "Folder for the embedded database, generated secrets and local files." }),
    db: Type.String({
      default: "",
      description: "Database: empty for SQLite in dataDir (provisio.db), `sqlite:PATH`, or `postgres://user:pass@host/db`.",
    }),
    workers: Type.Integer({ minimum: 1, maximum: 64, default: 1, description: "ACS processes on this machine sharing the ports (cluster)." }),
    log: Type.Object(
      {
        level: Type.Union([Type.Literal("fatal"), Type.Literal("error"), Type.Literal("warn"), Type.Literal("info"), Type.Literal("debug"), Type.Literal("trace"), Type.Literal("silent")], {
          default: "info",
          description: "Least severe level logged.",
        }),
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
        bootstrapUsername: Type.String({ default: "", description: "Shared username for CPEs without their own credentials; empty: generated at first start." }),
        bootstrapPassword: Type.String({ default: "", description: "Shared password for CPEs without their own credentials; empty: generated at first start." }),
        sessionTimeout: Seconds(30, "Seconds without a request after which a session is abandoned and its device freed."),
        maxBodyBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024, description: "Largest request body accepted (after decompression)." }),
        maxInFlight: Type.Integer({ minimum: 1, default: 512, description: "Requests processed at once; more are shed with 503 and Retry-After." }),
        retryAfter: Seconds(10, "Retry-After (seconds) sent when shedding load or refusing a concurrent session."),
        gpvBatchSize: Type.Integer({ minimum: 1, maximum: 1024, default: 32, description: "Most parameter names in one GetParameterValues." }),
        maxRpcsPerSession: Type.Integer({ minimum: 1, default: 256, description: "RPCs one session may send before it is stopped (loop guard)." }),
        holdRequests: Type.Boolean({ default: false, description: "Ask CPEs to hold their own requests while the ACS has tasks queued for them." }),
        cookieName: Type.String({ default: "provisio_session", minLength: 1, description: "Name of the session cookie." }),
      },
      { default: {}, additionalProperties: false },
    ),
    tasks: Type.Object(
      {
        maxAttempts: Type.Integer({ minimum: 1, default: 3, description: "Attempts before a task that keeps faulting is given up." }),
        retryBase: Seconds(60, "Seconds before the first retry; doubled at each further attempt."),
        retryMax: Seconds(3600, "Longest wait between retries, in seconds."),
        defaultExpiry: Seconds(0, "Seconds after which a task that has not run expires; 0: never."),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof configSchema>;
