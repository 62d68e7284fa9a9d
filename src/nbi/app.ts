// The REST API: a fastify app with one plugin per resource. Every endpoint but /healthz and the login
// needs an API key or a console login (authenticate.ts), and the role its route declares. Errors leave
// as JSON with a stable code (errors.ts).

import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { AddressInfo } from "node:net";
import { FilterError } from "../query/index.js";
import { MAX_DEVICE_ID_LENGTH, TaskArgumentError } from "../session/index.js";
import { roleAllows } from "../server/api-keys.js";
import { SecretError } from "../server/secrets.js";
import { TaskError, TaskValueError } from "../server/tasks.js";
import { isStoreUnavailable, StoreError } from "../store/index.js";
import type { NbiContext } from "./context.js";
import { ApiError, type ErrorName } from "./errors.js";
import { installAudit } from "./audit.js";
import { openApiDocument } from "./openapi.js";
import type { Principal } from "./principal.js";
import { authenticateRequest } from "./authenticate.js";
import type { LoginSession } from "../server/logins.js";
import { apiKeyRoutes } from "./plugins/api-keys.js";
import { deviceBulkRoutes } from "./plugins/device-bulk.js";
import { deviceExportRoutes } from "./plugins/device-export.js";
import { deviceRoutes } from "./plugins/devices.js";
import { uspDataModelRoutes } from "./plugins/usp-data-model.js";
import { eventRoutes, type EventStreams } from "./plugins/events.js";
import { faultRoutes } from "./plugins/faults.js";
import { provisioningRoutes } from "./plugins/provisioning.js";
import { systemRoutes } from "./plugins/system.js";
import { taskRoutes } from "./plugins/tasks.js";
import { webhookRoutes } from "./plugins/webhooks.js";
import { fileRoutes } from "./plugins/files.js";
import { campaignRoutes } from "./plugins/campaigns.js";
import { auditRoutes } from "./plugins/audit.js";
import { consoleRoutes } from "./plugins/console.js";
import { sessionRoutes } from "./plugins/session.js";
import { userRoutes } from "./plugins/users.js";
import { UserError } from "../server/users.js";
import { configRoutes } from "./plugins/config.js";
import { settingsRoutes } from "./plugins/settings.js";
import { deviceSessionRoutes } from "./plugins/device-sessions.js";
import { overviewRoutes } from "./plugins/overview.js";
import { parameterPathRoutes } from "./plugins/parameter-paths.js";
import { savedFilterRoutes } from "./plugins/saved-filters.js";
import { diagnosticRoutes } from "./plugins/diagnostics.js";
import { metricRoutes } from "./plugins/metrics.js";
import { MetricError } from "../metrics/index.js";
import { alarmRoutes } from "./plugins/alarms.js";
import { DiagnosticError } from "../server/diagnostic-runs.js";
import { FileError } from "../files/index.js";
import { CampaignRuleError } from "../files/campaign-rules.js";
import { CampaignError } from "../server/campaigns.js";
import { MultipartError } from "./multipart.js";
import { RouteRegistry, type RouteConfig } from "./route.js";
import { installTenancy } from "./tenancy.js";
import { tenantRoutes } from "./plugins/tenants.js";
import { compileSerializer, compileValidator, registerFormats, ResponseSchemaError, validationError } from "./validation.js";

export interface Nbi {
  app: FastifyInstance;
  routes: RouteRegistry;
  openApi(): unknown;
}

const BODY_LIMIT = 1024 * 1024;

/** Builds the app (routes registered and compiled, nothing listening): tests inject into it. */
export async function buildNbi(ctx: NbiContext): Promise<Nbi> {
  registerFormats();
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    // Fastify's default (100) cuts path parameters far shorter than the device ids the ACS registers;
    // room for the longest one percent-encoded, so that the schemas decide and say why.
    routerOptions: { maxParamLength: MAX_DEVICE_ID_LENGTH * 3 },
    forceCloseConnections: true,
    // req.ip: the peer, or the client a trusted proxy names in X-Forwarded-For (never a header anyone can send).
    trustProxy: ctx.settings.trustedProxies !== undefined && ctx.settings.trustedProxies.length > 0 ? [...ctx.settings.trustedProxies] : false,
    return503OnClosing: true,
    // Errors fastify meets before routing (a malformed URL) answer in the API's shape too.
    frameworkErrors: (err, _req, reply) => {
      const api = new ApiError("VALIDATION", `the URL is malformed: ${err.message}`, [{ in: "url", field: "", message: err.message }]);
      const r = reply as unknown as { status(n: number): { type(t: string): { send(b: unknown): void } } };
      r.status(api.statusCode).type("application/json").send(JSON.stringify(api.body()));
    },
  });
  const routes = new RouteRegistry();
  app.decorateRequest("principal", null);
  app.decorateRequest("login", null);
  // Bodies are JSON only (fastify also reads text/plain by default).
  app.removeContentTypeParser("text/plain");
  // An empty body sent as application/json (curl -H 'Content-Type: application/json' -X POST) is no
  // body, as without the header: endpoints whose fields are all optional take it.
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    if (body === "") done(null, undefined);
    else json(req, body as string, done);
  });
  app.setValidatorCompiler(({ schema, httpPart }) => compileValidator(schema as never, httpPart));
  app.setSerializerCompiler(({ schema }) => compileSerializer(schema as never, ctx.settings.checkResponses));

  app.addHook("onRequest", async (req, reply) => {
    const config = req.routeOptions.config as Partial<RouteConfig> | undefined;
    const role = config?.role;
    if (role === undefined || role === "public") return;
    const { principal, login } = await authenticateRequest(ctx, req, reply);
    // Known before its role is checked, so that the audit trail records who was refused.
    const r = req as unknown as { principal: Principal; login: LoginSession | null };
    r.principal = principal;
    r.login = login;
    if (role !== "any" && !roleAllows(principal.role, role)) {
      const who = principal.kind === "user" ? `this user (${principal.id})` : `this key (${principal.id})`;
      throw new ApiError("FORBIDDEN", `${req.method} ${req.routeOptions.url} needs the ${role} role; ${who} is ${principal.role}`, { required: role, role: principal.role });
    }
  });
  installAudit(app, ctx);
  // What a principal scoped to a tenant may reach (tenancy.ts): after the principal is known.
  installTenancy(app, ctx);

  app.addHook("onResponse", async (req, reply) => {
    ctx.metrics.apiRequest(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setNotFoundHandler((req) => {
    throw new ApiError("NOT_FOUND", `no endpoint ${req.method} ${req.url.split("?")[0]} (GET /api/openapi.json lists them)`);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const api = toApiError(err, ctx, req.method, req.url);
    if (api.headers) void reply.headers(api.headers);
    void reply.status(api.statusCode).type("application/json").serializer(JSON.stringify).send(api.body());
  });

  const streams: EventStreams = new Set();
  systemRoutes(app, routes, ctx, () => openApiDocument(routes.routes, { version: ctx.info.version }));
  deviceBulkRoutes(app, routes, ctx);
  deviceExportRoutes(app, routes, ctx);
  deviceRoutes(app, routes, ctx);
  uspDataModelRoutes(app, routes, ctx);
  taskRoutes(app, routes, ctx);
  faultRoutes(app, routes, ctx);
  provisioningRoutes(app, routes, ctx);
  eventRoutes(app, routes, ctx, streams);
  webhookRoutes(app, routes, ctx);
  apiKeyRoutes(app, routes, ctx);
  fileRoutes(app, routes, ctx);
  campaignRoutes(app, routes, ctx);
  sessionRoutes(app, routes, ctx);
  userRoutes(app, routes, ctx);
  auditRoutes(app, routes, ctx);
  if (ctx.consoleDir !== undefined) consoleRoutes(app, ctx.log, ctx.consoleDir);
  // The web console's additions.
  overviewRoutes(app, routes, ctx);
  savedFilterRoutes(app, routes, ctx);
  parameterPathRoutes(app, routes, ctx);
  deviceSessionRoutes(app, routes, ctx);
  configRoutes(app, routes, ctx);
  settingsRoutes(app, routes, ctx);
  tenantRoutes(app, routes, ctx);
  diagnosticRoutes(app, routes, ctx);
  metricRoutes(app, routes, ctx);
  alarmRoutes(app, routes, ctx);

  // Event streams never end by themselves: end them so that closing does not wait for clients.
  app.addHook("preClose", async () => {
    for (const s of streams) s.end();
  });
  await app.ready();
  return { app, routes, openApi: () => openApiDocument(routes.routes, { version: ctx.info.version }) };
}

function toApiError(err: FastifyError, ctx: NbiContext, method: string, url: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof TaskValueError) return new ApiError("TASK_VALUE_TYPE", err.message, err.values);
  if (err instanceof TaskArgumentError) return validationError(err.problems.map((p) => ({ in: "body", field: "args", message: p })));
  if (err instanceof TaskError) {
    const map: Record<TaskError["code"], ErrorName> = {
      DEVICE_NOT_FOUND: "DEVICE_NOT_FOUND",
      TASK_NOT_FOUND: "TASK_NOT_FOUND",
      TASK_UNKNOWN_KIND: "VALIDATION",
      TASK_NOT_CANCELLABLE: "TASK_NOT_CANCELLABLE",
      TASK_NOT_RETRYABLE: "TASK_NOT_RETRYABLE",
    };
    return new ApiError(map[err.code], err.message);
  }
  if (err instanceof FilterError) {
    return new ApiError(err.code === "FILTER_SORT" ? "SORT_INVALID" : "FILTER_INVALID", `filter: ${err.message}`, { code: err.code, reason: err.reason, ...(err.position ? { position: err.position } : {}) });
  }
  if (isStoreUnavailable(err)) return new ApiError("STORE_UNAVAILABLE", "the database is unavailable; retry later");
  if (err instanceof StoreError) {
    if (err.code === "STORE_BAD_QUERY") return new ApiError("QUERY_INVALID", err.message);
    if (err.code === "STORE_CLOSED") return new ApiError("STORE_UNAVAILABLE", "the database is closed");
  }
  if (err instanceof FileError) {
    if (err.code === "FILE_INVALID") return validationError((err.details as { field: string; message: string }[]).map((d) => ({ in: "querystring", field: d.field, message: d.message })));
    if (err.code === "FILE_INCOMPLETE") return validationError([{ in: "body", field: "", message: err.message }]);
    return new ApiError(err.code, err.message, err.details);
  }
  if (err instanceof MultipartError) return validationError([{ in: "body", field: "", message: err.message }]);
  if (err instanceof CampaignError) return new ApiError(err.code, err.message, err.details);
  if (err instanceof DiagnosticError) return new ApiError(err.code, err.message, err.details);
  if (err instanceof MetricError) return new ApiError(err.code, err.message);
  if (err instanceof CampaignRuleError) return validationError([{ in: "body", field: err.field, message: err.message }]);
  if (err instanceof UserError) {
    if (err.code === "USERNAME_INVALID") return validationError([{ in: "body", field: err.field, message: err.message }]);
    return new ApiError(err.code, err.message);
  }
  if (err instanceof SecretError) {
    ctx.log.error({ err: err.message, method, url }, "a stored secret does not open");
    return new ApiError("SECRET_UNREADABLE", `a stored secret cannot be unsealed: ${err.message}`);
  }
  switch (err.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError("UNSUPPORTED_MEDIA_TYPE", "the request body must be application/json");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("BODY_TOO_LARGE", `the request body is larger than ${BODY_LIMIT} bytes`);
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError("BAD_JSON", `the request body is not valid JSON: ${err.message}`);
  }
  if (err instanceof SyntaxError && err.statusCode === 400) return new ApiError("BAD_JSON", `the request body is not valid JSON: ${err.message}`);
  if (isConnectionError(err)) {
    ctx.log.error({ err, method, url }, "the database cannot be reached");
    return new ApiError("STORE_UNAVAILABLE", "the database cannot be reached");
  }
  if (err instanceof ResponseSchemaError) ctx.log.error({ err: err.message, method, url }, "a response did not fit its schema");
  else ctx.log.error({ err, method, url }, "REST API request failed");
  return new ApiError("INTERNAL", "an unexpected error; the server's log has the details");
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === "ECONNREFUSED" || code === "57P01" || code === "57P03" || code === "08006" || code === "08001";
}

export interface RunningNbi extends Nbi {
  port: number;
  close(): Promise<void>;
}

export async function startNbi(ctx: NbiContext, host: string, port: number): Promise<RunningNbi> {
  const nbi = await buildNbi(ctx);
  await nbi.app.listen({ host, port });
  const address = nbi.app.server.address() as AddressInfo;
  return { ...nbi, port: address.port, close: () => nbi.app.close() };
}
